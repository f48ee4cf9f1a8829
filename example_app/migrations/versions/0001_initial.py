"""The example app's first schema: its users and the three OAuth tables.

The OAuth tables are the columns of flask_oauth_provider.sqla's mixins plus the
example's primary keys and user links (example_app/models.py).

Revision ID: 32e714c85161
Revises:
Create Date: 2026-11-29 01:44:53.290157
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Timestamps in microseconds on MariaDB/MySQL too (their DATETIME keeps whole seconds).
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '32e714c85161'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('oauth_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('client_secret_hash', sa.String(length=64), nullable=True),
    sa.Column('client_type', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('redirect_uris', sa.Text(), nullable=False),
    sa.Column('grant_types', sa.Text(), nullable=False),
    sa.Column('response_types', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('default_scope', sa.Text(), nullable=False),
    sa.Column('is_resource_server', sa.Boolean(), nullable=False),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_client_client_id', 'oauth_client', ['client_id'], unique=True)

    op.create_table('oauth_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.Column('expires_at', DATETIME, nullable=False),
    sa.Column('consumed_at', DATETIME, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_code_client_id', 'oauth_code', ['client_id'], unique=False)
    op.create_index('ix_oauth_code_code_digest', 'oauth_code', ['code_digest'], unique=True)
    op.create_index('ix_oauth_code_expires_at', 'oauth_code', ['expires_at'], unique=False)
    op.create_index('ix_oauth_code_family_id', 'oauth_code', ['family_id'], unique=False)
    op.create_index('ix_oauth_code_user_id', 'oauth_code', ['user_id'], unique=False)

    op.create_table('oauth_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('access_token_digest', sa.String(length=64), nullable=False),
    sa.Column('refresh_token_digest', sa.String(length=64), nullable=True),
    sa.Column('token_type', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('grant_scope', sa.Text(), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('issued_at', DATETIME, nullable=False),
    sa.Column('expires_at', DATETIME, nullable=True),
    sa.Column('refresh_expires_at', DATETIME, nullable=True),
    sa.Column('refresh_rotated_at', DATETIME, nullable=True),
    sa.Column('revoked_at', DATETIME, nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_token_access_token_digest', 'oauth_token', ['access_token_digest'],
                    unique=True)
    op.create_index('ix_oauth_token_client_id', 'oauth_token', ['client_id'], unique=False)
    op.create_index('ix_oauth_token_expires_at', 'oauth_token', ['expires_at'], unique=False)
    op.create_index('ix_oauth_token_family_id', 'oauth_token', ['family_id'], unique=False)
    op.create_index('ix_oauth_token_refresh_token_digest', 'oauth_token', ['refresh_token_digest'],
                    unique=True)
    op.create_index('ix_oauth_token_revoked_at', 'oauth_token', ['revoked_at'], unique=False)
    op.create_index('ix_oauth_token_user_id', 'oauth_token', ['user_id'], unique=False)



def downgrade():
    op.drop_index('ix_oauth_token_user_id', table_name='oauth_token')
    op.drop_index('ix_oauth_token_revoked_at', table_name='oauth_token')
    op.drop_index('ix_oauth_token_refresh_token_digest', table_name='oauth_token')
    op.drop_index('ix_oauth_token_family_id', table_name='oauth_token')
    op.drop_index('ix_oauth_token_expires_at', table_name='oauth_token')
    op.drop_index('ix_oauth_token_client_id', table_name='oauth_token')
    op.drop_index('ix_oauth_token_access_token_digest', table_name='oauth_token')

    op.drop_table('oauth_token')
    op.drop_index('ix_oauth_code_user_id', table_name='oauth_code')
    op.drop_index('ix_oauth_code_family_id', table_name='oauth_code')
    op.drop_index('ix_oauth_code_expires_at', table_name='oauth_code')
    op.drop_index('ix_oauth_code_code_digest', table_name='oauth_code')
    op.drop_index('ix_oauth_code_client_id', table_name='oauth_code')

    op.drop_table('oauth_code')
    op.drop_index('ix_oauth_client_client_id', table_name='oauth_client')

    op.drop_table('oauth_client')
    op.drop_table('users')
