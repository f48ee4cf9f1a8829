"""Dynamic client registration (RFC 7591/7592) and client ID metadata documents.

The client gains where it came from, its registration access token digest, the address
it registered from, its further metadata and the expiry of a fetched metadata document;
client_id grows to 255 characters (a metadata document's URL is the client's id) on the
three OAuth tables; initial access tokens get their table.

Revision ID: 7c1d2e5a9b40
Revises: 5c1d0a7e9b42
Create Date: 2026-12-01 15:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '7c1d2e5a9b40'
down_revision = '5c1d0a7e9b42'
branch_labels = None
depends_on = None

_TABLES = ('oauth_client', 'oauth_code', 'oauth_token')


def upgrade():
    with op.batch_alter_table('oauth_client') as batch:
        batch.add_column(sa.Column('registration_origin', sa.String(length=16),
                                   nullable=False, server_default='manual'))
        batch.add_column(sa.Column('registration_token_digest', sa.String(length=64),
                                   nullable=True))
        batch.add_column(sa.Column('registered_from', sa.String(length=45), nullable=True))
        batch.add_column(sa.Column('metadata_json', sa.Text(), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('metadata_expires_at', DATETIME, nullable=True))
        batch.create_index('ix_oauth_client_registration_token_digest',
                           ['registration_token_digest'], unique=True)
    # The defaults only filled the existing rows; the models set the values from now on.
    with op.batch_alter_table('oauth_client') as batch:
        batch.alter_column('registration_origin', server_default=None)
        batch.alter_column('metadata_json', server_default=None)
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('client_id', type_=sa.String(length=255),
                               existing_type=sa.String(length=64), existing_nullable=False)
    op.create_table('oauth_initial_access_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('remaining_uses', sa.Integer(), nullable=True),
    sa.Column('created_at', DATETIME, nullable=False),
    sa.Column('expires_at', DATETIME, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_oauth_initial_access_token_token_digest', 'oauth_initial_access_token',
                    ['token_digest'], unique=True)


def downgrade():
    op.drop_index('ix_oauth_initial_access_token_token_digest',
                  table_name='oauth_initial_access_token')
    op.drop_table('oauth_initial_access_token')
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('client_id', type_=sa.String(length=64),
                               existing_type=sa.String(length=255), existing_nullable=False)
    with op.batch_alter_table('oauth_client') as batch:
        batch.drop_index('ix_oauth_client_registration_token_digest')
        for column in ('metadata_expires_at', 'metadata_json', 'registered_from',
                       'registration_token_digest', 'registration_origin'):
            batch.drop_column(column)
