"""Database targets: a throw-away SQLite file, or a private PostgreSQL schema.

Every app in a run shares the same database (each with its own tables, prefixed by
the app's name), so the comparisons see the same storage. The benchmark never
touches the schemas the test suite uses: on PostgreSQL it works in its own schema
(``oauth_bench`` and ``oauth_bench_scale``) and drops them when it is done.

I/O settings, the same for every app: SQLite runs in WAL mode with
``synchronous=NORMAL``, PostgreSQL sessions use ``synchronous_commit=off``. The
benchmark compares the CPU work of the libraries; the cost of an fsync per COMMIT is
the same for all and would only hide it in disk noise.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


@dataclass
class Target:
    """One database the apps run on."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    schema: Optional[str] = None
    tmpdir: Optional[str] = None
    engine_options: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def flask_config(self) -> dict:
        """The Flask-SQLAlchemy settings for an app on this target."""
        return {
            "SQLALCHEMY_DATABASE_URI": self.url,
            "SQLALCHEMY_ENGINE_OPTIONS": dict(self.engine_options),
        }

    def env(self) -> dict:
        """Environment for a child process (gunicorn) that must open the same target."""
        out = {"BENCH_DATABASE_URL": self.url}
        if self.schema:
            out["BENCH_PG_SCHEMA"] = self.schema
        return out

    def drop(self) -> None:
        """Remove everything this target created."""
        if self.kind == "sqlite" and self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        elif self.schema:
            engine = sa.create_engine(self.url)
            try:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            finally:
                engine.dispose()


def pg_engine_options(schema: str) -> dict:
    """Engine options that put every connection in ``schema``."""
    return {
        "connect_args": {"options": f"-c search_path={schema} -c synchronous_commit=off"},
    }


def sqlite_target(label: str) -> Target:
    """A fresh SQLite file in a temporary directory."""
    tmpdir = tempfile.mkdtemp(prefix=f"oauth-bench-{label}-")
    path = os.path.join(tmpdir, "bench.sqlite3")
    return Target(kind="sqlite", url=f"sqlite:///{path}", tmpdir=tmpdir)


def postgres_target(schema: str, url: str = DEFAULT_PG_URL) -> Optional[Target]:
    """A fresh, private schema on PostgreSQL, or None when the server is unreachable."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}: {exc}")
        return None
    return Target(kind="postgresql", url=url, schema=schema,
                  engine_options=pg_engine_options(schema))


def target_from_env() -> Target:
    """The target a gunicorn worker opens, as described by :meth:`Target.env`."""
    url = os.environ["BENCH_DATABASE_URL"]
    schema = os.environ.get("BENCH_PG_SCHEMA")
    if url.startswith("sqlite"):
        return Target(kind="sqlite", url=url)
    return Target(kind="postgresql", url=url, schema=schema,
                  engine_options=pg_engine_options(schema or "public"))
