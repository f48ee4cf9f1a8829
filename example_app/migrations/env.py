"""Alembic environment for the example app, run by Flask-Migrate inside the app context.

The OAuth models are ordinary models of the app's ``db`` (they subclass the mixins of
``flask_oauth_provider.sqla``), so autogenerate sees their tables like any other.
Logging is left as the app set it up (no ``fileConfig``), so that running the migrations
at start-up does not reconfigure the app's loggers.
"""

from __future__ import annotations

from typing import Any

import click
from alembic import context
from flask import current_app

config = context.config
db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``flask db upgrade --sql``) instead of running it."""
    context.configure(url=str(db.engine.url), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context: Any, revision: Any, directives: list) -> None:
        # `flask db migrate` with no model change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            click.echo("No change in the models: no migration written.")

    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            process_revision_directives=skip_empty,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
