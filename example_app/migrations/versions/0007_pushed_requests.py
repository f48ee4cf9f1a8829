"""Pushed authorization requests (RFC 9126): the table ``POST /oauth/par`` keeps them in.

Each row holds the digest of a request_uri (never the reference itself), the client it
was issued to, the pushed parameters as JSON and when it expires.

Revision ID: 9d2f4b6c8a11
Revises: 3e8b6f1a2d57
Create Date: 2026-12-01 18:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '9d2f4b6c8a11'
down_revision = '3e8b6f1a2d57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_pushed_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_uri_digest', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.Column('expires_at', DATETIME, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_pushed_request_request_uri_digest', 'oauth_pushed_request',
                    ['request_uri_digest'], unique=True)
    op.create_index('ix_oauth_pushed_request_client_id', 'oauth_pushed_request',
                    ['client_id'], unique=False)
    op.create_index('ix_oauth_pushed_request_expires_at', 'oauth_pushed_request',
                    ['expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_oauth_pushed_request_expires_at', table_name='oauth_pushed_request')
    op.drop_index('ix_oauth_pushed_request_client_id', table_name='oauth_pushed_request')
    op.drop_index('ix_oauth_pushed_request_request_uri_digest',
                  table_name='oauth_pushed_request')
    op.drop_table('oauth_pushed_request')
