"""The private database of a test run (or of one app in it).

``OAUTH_TEST_DATABASE_URL`` selects the server (PostgreSQL through psycopg 3, MariaDB
through PyMySQL); without it the tests use a SQLite file. Each database made here is a
private schema (PostgreSQL) or database (MariaDB) that is dropped at the end, so runs on
one server never see each other's rows.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
import warnings
from typing import Any, Callable, Optional

import sqlalchemy

DATABASE_URL_ENV = "OAUTH_TEST_DATABASE_URL"


@dataclasses.dataclass
class TestDatabase:
    """Where this run's tables live."""

    __test__ = False  # not a test class, despite the name

    url: str
    engine_options: dict
    cleanup: Optional[Callable[[], None]] = None

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB)."""
        return sqlalchemy.engine.make_url(self.url).get_backend_name()

    def create_engine(self, **kwargs: Any) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(self.url, **{**self.engine_options, **kwargs})

    def close(self) -> None:
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None


def _drop(admin: sqlalchemy.Engine, timeout_sql: str, drop_sql: str) -> None:
    """Drop this run's schema/database; a connection left open elsewhere must not hang CI."""
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(timeout_sql)
            conn.exec_driver_sql(drop_sql)
    except sqlalchemy.exc.DBAPIError as exc:
        warnings.warn(f"could not clean up the test database ({drop_sql}): {exc}",
                      stacklevel=1)
    finally:
        admin.dispose()


def make_test_database(server_url: Optional[str], sqlite_path: str) -> TestDatabase:
    """A private database on ``server_url``, or the SQLite file ``sqlite_path``."""
    if not server_url:
        return TestDatabase(f"sqlite:///{sqlite_path}", {})
    name = "oauth_test_" + uuid.uuid4().hex[:12]
    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    backend = sqlalchemy.engine.make_url(server_url).get_backend_name()
    if backend == "postgresql":
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")

        def drop_schema() -> None:
            _drop(admin, "SET lock_timeout = '20s'", f"DROP SCHEMA IF EXISTS {name} CASCADE")

        return TestDatabase(server_url, {"connect_args": {"options": f"-csearch_path={name}"}},
                            drop_schema)
    if backend in ("mysql", "mariadb"):
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        url = sqlalchemy.engine.make_url(server_url).set(database=name)

        def drop_database() -> None:
            _drop(admin, "SET SESSION lock_wait_timeout = 20", f"DROP DATABASE IF EXISTS {name}")

        return TestDatabase(url.render_as_string(hide_password=False), {}, drop_database)
    admin.dispose()
    raise ValueError(
        f"{DATABASE_URL_ENV}={server_url!r}: only postgresql+psycopg:// and mysql+pymysql:// "
        "URLs are supported."
    )


def env_database_url() -> Optional[str]:
    """The server URL the run was given, or None for SQLite."""
    return os.environ.get(DATABASE_URL_ENV) or None
