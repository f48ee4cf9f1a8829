"""DPoP (RFC 9449): the key a token or a code is bound to.

flask-oauth-provider's mixins gained TokenMixin.dpop_jkt (the RFC 7638 thumbprint of
the DPoP key the access token, and a public client's refresh token, is bound to) and
AuthorizationCodeMixin.dpop_jkt (the dpop_jkt of the authorization request, §10).
Existing rows get NULL: bearer tokens and unbound codes, as before. A client's
dpop_bound_access_tokens (§5.2) lives in its metadata_json: no column.

Revision ID: 9d4e2b7c1a07
Revises: 9d2f4b6c8a11
Create Date: 2026-12-01 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '9d4e2b7c1a07'
down_revision = '9d2f4b6c8a11'
branch_labels = None
depends_on = None

_TABLES = ('oauth_code', 'oauth_token')


def upgrade():
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('dpop_jkt', sa.String(length=64), nullable=True))


def downgrade():
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('dpop_jkt')
