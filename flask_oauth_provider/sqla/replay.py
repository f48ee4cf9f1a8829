"""The replay cache in the database (:mod:`flask_oauth_provider.replay`).

One row per value seen: ``(namespace, digest)`` is the primary key, so of two workers
inserting the same row at once, the database lets one through and refuses the other
(``IntegrityError``): the single-use decision is the database's, as for codes and
refresh tokens. Each call writes on a connection of its own and commits at once, apart
from the request's session, so the row is visible to every other worker immediately
and a rollback of the request does not take it back.

The table needs no model of the app's: :func:`replay_table` declares it on the app's
metadata (``init_sqlalchemy`` does, on the metadata of the client model), so
``db.create_all()`` and Alembic autogenerate see it like the app's own tables.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from typing import Any, Callable, Union

from sqlalchemy import BigInteger, Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from ..replay import entry, unavailable
from .outages import _is_lost_race

log = logging.getLogger("flask_oauth_provider.sqla")

__all__ = ["DatabaseReplayCache", "REPLAY_TABLE_NAME", "replay_table"]

#: The table's name, unless the app declares it under another.
REPLAY_TABLE_NAME = "oauth_replay_cache"

#: Attempts of one call when the database reports a lost race (a deadlock, a lock
#: timeout, SQLite's "database is locked"): the call is retried, then fails closed.
ATTEMPTS = 3


def replay_table(metadata: MetaData, name: str = REPLAY_TABLE_NAME) -> Table:
    """The replay cache's table on ``metadata`` (declared there unless it already is).

    Columns: ``namespace`` (up to 64 characters), ``digest`` (SHA-256 in hex, 64),
    the primary key together, and ``expires_at`` (UNIX seconds, indexed for purging).
    Lengths fit the primary key of every supported database (MariaDB's included).
    """
    key = f"{metadata.schema}.{name}" if metadata.schema else name
    existing = metadata.tables.get(key)
    if existing is not None:
        return existing
    return Table(
        name, metadata,
        Column("namespace", String(64), primary_key=True),
        Column("digest", String(64), primary_key=True),
        Column("expires_at", BigInteger, nullable=False, index=True),
    )


class DatabaseReplayCache:
    """The replay cache in a database table (:func:`replay_table`).

    ``bind`` is an :class:`~sqlalchemy.engine.Engine`, or a callable returning the one
    in force (``init_sqlalchemy`` gives the Flask-SQLAlchemy session's engine for the
    table); each call checks out a connection of its own from it. Every
    ``purge_every`` calls (per process), up to about ``purge_batch`` expired rows are
    deleted, so the table holds roughly the live entries; an expired
    row of the same key is replaced in any case.
    """

    def __init__(self, bind: Union[Engine, Callable[[], Engine]], table: Table, *,
                 purge_every: int = 64, purge_batch: int = 256) -> None:
        self._bind = bind if callable(bind) else (lambda: bind)
        self.table = table
        self.purge_every = purge_every
        self.purge_batch = purge_batch
        self._calls = itertools.count(1)

    def first_use(self, namespace: str, value: str, expires_at: float) -> bool:
        """See :meth:`flask_oauth_provider.replay.ReplayCache.first_use`."""
        namespace, digest, expires_at = entry(namespace, value, expires_at)
        row = {"namespace": namespace, "digest": digest,
               "expires_at": math.ceil(expires_at)}
        for attempt in range(1, ATTEMPTS + 1):
            try:
                bind = self._engine()
                if next(self._calls) % self.purge_every == 0:
                    self.purge_expired(bind)
                return self._record(bind, row)
            except DBAPIError as exc:
                if attempt < ATTEMPTS and _is_lost_race(exc):
                    continue
                raise unavailable("database", exc) from exc
            except SQLAlchemyError as exc:
                raise unavailable("database", exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _engine(self) -> Engine:
        bind = self._bind()
        # A session joined to an outside transaction gives its connection: the cache
        # writes apart from it all the same.
        return bind.engine if isinstance(bind, Connection) else bind

    def _record(self, bind: Engine, row: dict[str, Any]) -> bool:
        if self._insert(bind, row):
            return True
        # The key is taken. By a live entry (a replay), or by an expired one, which
        # is deleted and the insert tried again; a concurrent call that inserts first
        # wins, and this one is refused.
        table = self.table
        with bind.begin() as conn:
            dropped = conn.execute(delete(table).where(
                table.c.namespace == row["namespace"], table.c.digest == row["digest"],
                table.c.expires_at <= time.time())).rowcount
        return bool(dropped) and self._insert(bind, row)

    def _insert(self, bind: Engine, row: dict[str, Any]) -> bool:
        if row["expires_at"] <= time.time():
            return True  # expired already: nothing to remember
        try:
            with bind.begin() as conn:
                conn.execute(insert(self.table).values(**row))
        except IntegrityError:
            return False
        return True

    def purge_expired(self, bind: Union[Engine, None] = None) -> int:
        """Delete expired rows, about ``purge_batch`` of them at most (those expiring
        in the same second as the last of the batch go too); returns the count. A
        failure is logged, not raised: the next purge does the work."""
        bind = bind if bind is not None else self._engine()
        table, now = self.table, time.time()
        expired = table.c.expires_at <= now
        try:
            with bind.begin() as conn:
                cutoff = conn.execute(
                    select(table.c.expires_at).where(expired).order_by(table.c.expires_at)
                    .offset(self.purge_batch - 1).limit(1)).scalar()
                condition = expired if cutoff is None else table.c.expires_at <= cutoff
                return conn.execute(delete(table).where(condition)).rowcount
        except SQLAlchemyError as exc:
            log.warning("purging the replay cache failed (%s); retried later",
                        type(exc).__name__)
            return 0
