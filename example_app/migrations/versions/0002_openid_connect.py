"""OpenID Connect: signing keys, and what codes and tokens keep for ID tokens.

Adds the oauth_signing_key table (flask_oauth_provider.sqla.SigningKeyMixin) and the
openid_request column of AuthorizationCodeMixin and TokenMixin, and the
post_logout_redirect_uris of ClientMixin (RP-Initiated Logout).

Revision ID: 7c1f0e2b9a41
Revises: 32e714c85161
Create Date: 2026-12-01 15:20:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Timestamps in microseconds on MariaDB/MySQL too (their DATETIME keeps whole seconds).
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '7c1f0e2b9a41'
down_revision = '32e714c85161'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('alg', sa.String(length=16), nullable=False),
    sa.Column('public_jwk', sa.Text(), nullable=False),
    sa.Column('sealed_private_jwk', sa.Text(), nullable=False),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.Column('rotated_at', DATETIME, nullable=True),
    sa.Column('retired_at', DATETIME, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_signing_key_kid', 'oauth_signing_key', ['kid'], unique=True)
    op.create_index('ix_oauth_signing_key_retired_at', 'oauth_signing_key', ['retired_at'],
                    unique=False)
    op.add_column('oauth_client', sa.Column('post_logout_redirect_uris', sa.Text(),
                                            nullable=False, server_default=''))
    op.add_column('oauth_code', sa.Column('openid_request', sa.Text(), nullable=True))
    op.add_column('oauth_token', sa.Column('openid_request', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('oauth_token', 'openid_request')
    op.drop_column('oauth_code', 'openid_request')
    op.drop_column('oauth_client', 'post_logout_redirect_uris')
    op.drop_index('ix_oauth_signing_key_retired_at', table_name='oauth_signing_key')
    op.drop_index('ix_oauth_signing_key_kid', table_name='oauth_signing_key')
    op.drop_table('oauth_signing_key')
