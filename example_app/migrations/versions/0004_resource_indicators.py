"""Resource indicators (RFC 8707) and JWT access tokens (RFC 9068).

flask-oauth-provider's mixins gained AuthorizationCodeMixin.resource and
TokenMixin.resource / grant_resource (space-separated resource URIs). Rows written
before get an empty value: no recorded audience (introspection then reports no aud).
ClientMixin.access_token_format ("jwt", "opaque" or NULL: the server's setting) too.

Revision ID: 5c1d0a7e9b42
Revises: 5c2d8e0a41f7
Create Date: 2026-12-01 15:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5c1d0a7e9b42'
down_revision = '5c2d8e0a41f7'
branch_labels = None
depends_on = None

# Added nullable, filled, then made NOT NULL: MariaDB/MySQL TEXT columns take no default.
COLUMNS = [('oauth_code', 'resource'), ('oauth_token', 'resource'),
           ('oauth_token', 'grant_resource')]


def upgrade():
    with op.batch_alter_table('oauth_client') as batch:
        batch.add_column(sa.Column('access_token_format', sa.String(length=10), nullable=True))
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Text(), nullable=True))
        rows = sa.table(table, sa.column(column, sa.Text()))
        op.execute(rows.update().values({column: ''}))
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.Text(), nullable=False)


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    with op.batch_alter_table('oauth_client') as batch:
        batch.drop_column('access_token_format')
