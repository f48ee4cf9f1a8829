"""The device authorization grant (RFC 8628): device codes and wrong user-code entries.

The columns of flask_oauth_provider.sqla's DeviceCodeMixin and DeviceAttemptMixin plus the
example's primary keys and user link (example_app/models.py).

Revision ID: 5c2d8e0a41f7
Revises: 7c1f0e2b9a41
Create Date: 2026-12-01 15:30:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Timestamps in microseconds on MariaDB/MySQL too (their DATETIME keeps whole seconds).
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '5c2d8e0a41f7'
down_revision = '7c1f0e2b9a41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_device_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('device_code_digest', sa.String(length=64), nullable=False),
    sa.Column('user_code_digest', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('poll_interval', sa.Integer(), nullable=False),
    sa.Column('last_polled_at', DATETIME, nullable=True),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.Column('expires_at', DATETIME, nullable=False),
    sa.Column('decided_at', DATETIME, nullable=True),
    sa.Column('redeemed_at', DATETIME, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_device_code_client_id', 'oauth_device_code', ['client_id'],
                    unique=False)
    op.create_index('ix_oauth_device_code_device_code_digest', 'oauth_device_code',
                    ['device_code_digest'], unique=True)
    op.create_index('ix_oauth_device_code_expires_at', 'oauth_device_code', ['expires_at'],
                    unique=False)
    op.create_index('ix_oauth_device_code_user_code_digest', 'oauth_device_code',
                    ['user_code_digest'], unique=True)
    op.create_index('ix_oauth_device_code_user_id', 'oauth_device_code', ['user_id'],
                    unique=False)

    op.create_table('oauth_device_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_digest', sa.String(length=64), nullable=False),
    sa.Column('failed_at', DATETIME, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_device_attempt_failed_at', 'oauth_device_attempt',
                    ['failed_at'], unique=False)
    op.create_index('ix_oauth_device_attempt_source_digest', 'oauth_device_attempt',
                    ['source_digest'], unique=False)


def downgrade():
    op.drop_index('ix_oauth_device_attempt_source_digest', table_name='oauth_device_attempt')
    op.drop_index('ix_oauth_device_attempt_failed_at', table_name='oauth_device_attempt')
    op.drop_table('oauth_device_attempt')
    op.drop_index('ix_oauth_device_code_user_id', table_name='oauth_device_code')
    op.drop_index('ix_oauth_device_code_user_code_digest', table_name='oauth_device_code')
    op.drop_index('ix_oauth_device_code_expires_at', table_name='oauth_device_code')
    op.drop_index('ix_oauth_device_code_device_code_digest', table_name='oauth_device_code')
    op.drop_index('ix_oauth_device_code_client_id', table_name='oauth_device_code')
    op.drop_table('oauth_device_code')
