"""The replay cache (DPoP proof and client assertion jti, RFC 9449 §11.1, RFC 7523 §3).

flask-oauth-provider's init_sqlalchemy declares the table oauth_replay_cache on the
app's metadata (flask_oauth_provider.sqla.replay_table): one row per one-time value
seen, as the SHA-256 digest of the value, until it expires (UNIX seconds).

Revision ID: 3e8b6f1a2d57
Revises: 7c1d2e5a9b40
Create Date: 2026-12-01 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3e8b6f1a2d57'
down_revision = '7c1d2e5a9b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_replay_cache',
    sa.Column('namespace', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('namespace', 'digest')
    )
    op.create_index('ix_oauth_replay_cache_expires_at', 'oauth_replay_cache', ['expires_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_oauth_replay_cache_expires_at', table_name='oauth_replay_cache')
    op.drop_table('oauth_replay_cache')
