"""Database outages: told apart from lost races, and answered with 503.

A database that cannot be reached is the server's problem, not the client's: the
request may succeed if retried, so it gets ``temporarily_unavailable`` (HTTP 503), never
a 500, and never an ``invalid_grant`` that would make the client throw away a code or
refresh token that is still good. A concurrent request that won a race on the same row
is not an outage: that request is refused like any replay.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ..core import errors
from ..core.par import PushedRequestValidator
from ..core.validator import DeviceRequestValidator

log = logging.getLogger("flask_oauth_provider.sqla")


def _is_lost_race(exc: DBAPIError) -> bool:
    """A serialization failure, deadlock or lock timeout: a concurrent request won."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate and str(sqlstate).startswith("40"):  # PostgreSQL class 40: rollback
        return True
    code = (getattr(orig, "args", None) or (None,))[0]
    if code in (1205, 1213):  # MySQL/MariaDB lock wait timeout, deadlock
        return True
    return "database is locked" in str(orig)  # SQLite writer contention


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or used right now.

    A lost connection, a refused connection, an exhausted pool: the request may succeed
    if retried, so the client gets ``temporarily_unavailable`` (RFC 6749 §4.1.2.1) with
    HTTP 503 instead of a 500 or, worse, an ``invalid_grant`` that makes it throw away
    a still valid code or refresh token. Lost races are not outages.
    """
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return isinstance(exc, (OperationalError, InterfaceError)) and not _is_lost_race(exc)
    return False


def _unavailable_on_outage(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            try:
                self.session.rollback()
            except SQLAlchemyError:
                pass
            log.error("database unavailable in %s (%s); answering temporarily_unavailable",
                      method.__name__, type(exc).__name__)
            raise errors.TemporarilyUnavailableError(
                description="The authorization server is temporarily unavailable."
            ) from exc

    return wrapper


#: Store methods the Flask layer calls itself (``require_oauth``'s short path).
FLASK_LAYER_METHODS = ("find_access_token",)


def answer_outages_with_503(cls: type) -> type:
    """Wrap every validator method the core calls (the device grant's and PAR's too), and the
    store methods the Flask layer calls, so that a database outage inside any of them
    becomes ``temporarily_unavailable`` (503), never a 500 or a misleading error."""
    for name in (*dir(DeviceRequestValidator), *dir(PushedRequestValidator),
                 *FLASK_LAYER_METHODS):
        method = getattr(cls, name, None)
        if not name.startswith("_") and callable(method):
            setattr(cls, name, _unavailable_on_outage(method))
    return cls

