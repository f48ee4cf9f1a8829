"""The replay cache: one-time values (a DPoP proof's ``jti``, a client assertion's ``jti``)
remembered until they expire, in a store every worker and host shares.

RFC 9449 §11.1 asks the server to refuse a DPoP proof whose ``jti`` it has seen within
the proof's validity window; RFC 7523 §3 (item 7) lets it do the same for a client
assertion's ``jti``. A set kept in one process would let a replay through any other
worker, so the store is shared (DESIGN.md, "Scaling out"):

- the database (:class:`~flask_oauth_provider.sqla.DatabaseReplayCache`, the default
  with the bundled models): an ``INSERT`` whose primary key decides;
- Redis (:class:`RedisReplayCache`, ``OAUTH2_PROVIDER_REPLAY_CACHE = "redis://..."``):
  one ``SET key 1 NX PXAT ...``;
- this process's memory (:class:`MemoryReplayCache`): for tests and single-process apps.

Every backend keeps the SHA-256 digest of a value, never the value itself, and fails
closed: when the store cannot answer, :meth:`~ReplayCache.first_use` raises
:class:`ReplayCacheUnavailable` (a ``temporarily_unavailable`` error, HTTP 503), and the
caller refuses the request rather than accept a possible replay.

The cache of the current app is ``current_state().replay_cache``
(:mod:`flask_oauth_provider.state`).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
import re
import threading
import time
from typing import Any, Optional, Protocol, runtime_checkable

from .core import errors

log = logging.getLogger("flask_oauth_provider.replay")

__all__ = [
    "MemoryReplayCache",
    "RedisReplayCache",
    "ReplayCache",
    "ReplayCacheUnavailable",
    "replay_cache_for",
]

#: A namespace: lower-case ASCII, digits and ``_.:-``, at most 64 characters (it is a
#: column of the database backend, and part of a Redis key). Put anything that varies,
#: such as a client_id, into the value instead.
NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,63}")


@runtime_checkable
class ReplayCache(Protocol):
    """What a replay cache does: one method."""

    def first_use(self, namespace: str, value: str, expires_at: float) -> bool:
        """Record ``value`` in ``namespace`` until ``expires_at`` (a UNIX timestamp).

        True the first time; False while the same ``(namespace, value)`` is recorded
        and not expired. Atomic across processes and hosts: of two concurrent calls
        with the same pair, exactly one gets True. An entry whose ``expires_at`` has
        passed no longer counts (so a call with an ``expires_at`` in the past always
        returns True). Raises :class:`ReplayCacheUnavailable` when the store cannot
        answer, and ``ValueError`` for a malformed argument.
        """
        ...


class ReplayCacheUnavailable(errors.TemporarilyUnavailableError):
    """The replay cache cannot answer (Redis or the database is down): refuse the
    request with ``temporarily_unavailable`` (HTTP 503); never accept it as new."""

    description = "The authorization server is temporarily unavailable."


def entry(namespace: str, value: str, expires_at: float) -> tuple[str, str, float]:
    """Check the arguments of ``first_use``; returns ``(namespace, digest, expires_at)``,
    the digest being SHA-256 of the value in hex (64 characters)."""
    if not isinstance(namespace, str) or not NAMESPACE.fullmatch(namespace):
        raise ValueError(
            f"A replay cache namespace is 1-64 characters of a-z, 0-9 and '_.:-', "
            f"not {namespace!r}.")
    if not isinstance(value, str):
        raise ValueError(f"A replay cache value is a str, not {type(value).__name__}.")
    if (isinstance(expires_at, bool) or not isinstance(expires_at, (int, float))
            or not math.isfinite(expires_at)):
        raise ValueError(
            f"expires_at is a UNIX timestamp (int or float), not {expires_at!r}.")
    return namespace, hashlib.sha256(value.encode("utf-8")).hexdigest(), float(expires_at)


def unavailable(backend: str, exc: BaseException) -> ReplayCacheUnavailable:
    """Log an outage (its type only: a driver's message may quote parameters) and
    return the error to raise."""
    log.error("replay cache (%s) unavailable: %s; the request is refused",
              backend, type(exc).__name__)
    error = ReplayCacheUnavailable()
    error.__cause__ = exc
    return error


class MemoryReplayCache:
    """The replay cache in this process's memory: one process only, at most
    ``max_entries`` live entries (a full cache refuses new values rather than forget
    live ones: :class:`ReplayCacheUnavailable`)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a positive int, not {max_entries!r}.")
        self.max_entries = max_entries
        self._expiry: dict[tuple[str, str], float] = {}
        self._heap: list[tuple[float, tuple[str, str]]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._forget_expired(time.time())
            return len(self._expiry)

    def first_use(self, namespace: str, value: str, expires_at: float) -> bool:
        namespace, digest, expires_at = entry(namespace, value, expires_at)
        key = (namespace, digest)
        now = time.time()
        with self._lock:
            self._forget_expired(now)
            if key in self._expiry:
                return False
            if expires_at <= now:
                return True  # expired already: nothing to remember
            if len(self._expiry) >= self.max_entries:
                raise unavailable("memory", OverflowError(f"{self.max_entries} live entries"))
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            return True

    def _forget_expired(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            expires_at, key = heapq.heappop(heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]


class RedisReplayCache:
    """The replay cache in Redis: ``SET <prefix><namespace>:<digest> 1 NX PXAT <ms>``,
    atomic on the server, expired by Redis itself.

    ``client`` is a ``redis.Redis``; :meth:`from_url` makes one (with 2-second
    timeouts unless the URL sets others).
    """

    #: What every key starts with.
    DEFAULT_PREFIX = "oauth2_provider:replay:"

    def __init__(self, client: Any, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = DEFAULT_PREFIX, **options: Any
                 ) -> RedisReplayCache:
        """A cache on the Redis server at ``url`` (``redis://`` or ``rediss://``)."""
        import redis

        options.setdefault("socket_timeout", 2.0)
        options.setdefault("socket_connect_timeout", 2.0)
        return cls(redis.Redis.from_url(url, **options), prefix)

    def key(self, namespace: str, digest: str) -> str:
        return f"{self.prefix}{namespace}:{digest}"

    def first_use(self, namespace: str, value: str, expires_at: float) -> bool:
        import redis

        namespace, digest, expires_at = entry(namespace, value, expires_at)
        try:
            # NX: only when absent; PXAT: Redis drops the key at that instant (an
            # instant already past stores nothing and answers OK).
            created = self.client.set(self.key(namespace, digest), b"1", nx=True,
                                      pxat=math.ceil(expires_at * 1000))
        except redis.RedisError as exc:
            raise unavailable("redis", exc) from exc
        return bool(created)


#: ``OAUTH2_PROVIDER_REPLAY_CACHE`` values naming a backend (a ``redis://`` or
#: ``rediss://`` URL names Redis).
BACKEND_NAMES = ("database", "memory")
REDIS_SCHEMES = ("redis://", "rediss://")


def replay_cache_for(setting: Any, database: Optional[Any]) -> Any:
    """The replay cache an app's ``OAUTH2_PROVIDER_REPLAY_CACHE`` asks for.

    ``database`` makes the database backend (a callable, given by ``init_sqlalchemy``),
    or is ``None`` when the app does not use the bundled models.
    """
    if setting is None:
        if database is not None:
            return database()
        log.warning(
            "The replay cache is in this process's memory: a DPoP proof or client "
            "assertion replayed to another worker or host is not detected. Set "
            "OAUTH2_PROVIDER_REPLAY_CACHE to a redis:// URL, or use init_sqlalchemy.")
        return MemoryReplayCache()
    if setting == "memory":
        return MemoryReplayCache()
    if setting == "database":
        if database is None:
            raise RuntimeError(
                "OAUTH2_PROVIDER_REPLAY_CACHE = 'database' needs the bundled models: call "
                "oauth.init_sqlalchemy(db, ...), or set the key to a redis:// URL or to "
                "an object with a first_use method.")
        return database()
    if isinstance(setting, str) and setting.startswith(REDIS_SCHEMES):
        return RedisReplayCache.from_url(setting)
    return setting  # an object with first_use, checked by ProviderConfig
