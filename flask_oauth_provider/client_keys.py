"""A client's public keys: from its registered ``jwks`` or fetched from its ``jwks_uri``.

RFC 7591 §2: a client registers its keys by value (``jwks``, a JWK set) or by reference
(``jwks_uri``), never both. They verify its ``private_key_jwt`` assertions (RFC 7523)
and its signed request objects (RFC 9101). :func:`client_public_keys` is the one place
that answers "which keys are this client's"; the client-assertion check, the request
object check and the pushed authorization request endpoint call it.

``jwks_uri`` is fetched by :func:`flask_oauth_provider.safe_fetch.fetch_json`, the
package's one SSRF-safe fetcher, as client ID metadata documents are (https only,
public addresses only, same-origin redirects, a deadline and a size bound). The answer
is cached per URL for its ``Cache-Control: max-age`` (kept between one minute and one
day, like metadata documents). A ``kid`` the cached set does not hold triggers a refetch
at once, then at most one per :data:`REFETCH_INTERVAL` seconds per URL, so a client that
rotated its key is served right away while a stream of made-up kids cannot turn this
server into a fetcher.
A failed refetch keeps the cached keys until they expire; a failed first fetch gives
no keys (fail closed).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Mapping, NamedTuple, Optional

from .core import jose
from .safe_fetch import FetchError, check_fetch_url, fetch_json

log = logging.getLogger("flask_oauth_provider.client_keys")

__all__ = ["JwksCache", "JWKS_CACHE", "check_client_keys", "client_public_keys",
           "registered_keys", "usable_keys"]

#: Largest JWK set fetched, in bytes (a handful of RSA 4096 keys).
MAX_JWKS_SIZE = 32 * 1024
#: Seconds between two fetches of one ``jwks_uri`` caused by an unknown ``kid``.
REFETCH_INTERVAL = 60
#: URLs kept in the process cache; the oldest entry goes first.
MAX_ENTRIES = 1024


def registered_keys(client: Any) -> tuple[Optional[Any], Optional[str]]:
    """``(jwks, jwks_uri)`` as the client registered them (either may be ``None``).

    Read from attributes of the client object first (a client of the app's own, or of
    callbacks), then from the RFC 7591 metadata the bundled models keep
    (``client.client_metadata``).
    """
    jwks = getattr(client, "jwks", None)
    jwks_uri = getattr(client, "jwks_uri", None)
    metadata = getattr(client, "client_metadata", None)
    if isinstance(metadata, Mapping):
        jwks = jwks if jwks is not None else metadata.get("jwks")
        jwks_uri = jwks_uri if jwks_uri is not None else metadata.get("jwks_uri")
    return jwks or None, jwks_uri or None


def usable_keys(jwks: Any) -> list[dict[str, Any]]:
    """The public signing keys of a JWK set (RFC 7517 §5) that this server can use.

    Keys of other types or curves, encryption keys (``use: enc``) and private keys (which
    a client must never publish) are skipped, each with a log line, so one odd key does
    not make the whole set useless. A set that is not a JWK set gives no keys.
    """
    if isinstance(jwks, (str, bytes)):
        try:
            jwks = json.loads(jwks)
        except ValueError:
            jwks = None
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        log.info("A client's JWK set is not a JSON object with a keys array.")
        return []
    keys: list[dict[str, Any]] = []
    for jwk in jwks["keys"]:
        if not isinstance(jwk, Mapping) or jose.is_private(jwk) or jwk.get("use") == "enc":
            log.info("Skipping a client JWK that is private, for encryption or malformed.")
            continue
        try:
            keys.append(jose.public_jwk(jose.import_jwk(jwk)))
        except jose.JoseError as exc:
            log.info("Skipping a client JWK: %s", exc)
    return keys


def check_client_keys(jwks: Any = None, jwks_uri: Any = None, *,
                      allow_private: bool = False) -> dict[str, Any]:
    """The ``jwks`` / ``jwks_uri`` a client registers, checked (RFC 7591 §2); returns the
    metadata to keep (``{}``, ``{"jwks": ...}`` or ``{"jwks_uri": ...}``).

    Raises ``ValueError`` saying what is wrong: both given ("MUST NOT both be present"),
    a set that is not a JWK set or holds a private key, no usable signing key, a
    ``jwks_uri`` that is not an https URL on a public address.
    """
    if jwks is not None and jwks_uri is not None:
        raise ValueError("jwks and jwks_uri must not both be given (RFC 7591 §2).")
    if jwks is not None:
        if isinstance(jwks, (str, bytes)):
            try:
                jwks = json.loads(jwks)
            except ValueError:
                raise ValueError("jwks must be a JWK set (RFC 7517 §5).") from None
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise ValueError('jwks must be a JWK set: {"keys": [...]} (RFC 7517 §5).')
        if any(not isinstance(k, Mapping) or jose.is_private(k) or k.get("kty") == "oct"
               for k in jwks["keys"]):
            raise ValueError("jwks must hold public keys only: never a private or "
                             "symmetric key.")
        if not usable_keys(jwks):
            raise ValueError("jwks holds no usable signing key (RSA, EC P-256 or Ed25519).")
        return {"jwks": {"keys": [dict(k) for k in jwks["keys"]]}}
    if jwks_uri is not None:
        if not isinstance(jwks_uri, str) or len(jwks_uri) > 2048:
            raise ValueError("jwks_uri must be a URL.")
        try:
            check_fetch_url(jwks_uri, allow_private=allow_private)
        except FetchError as exc:
            raise ValueError(f"jwks_uri cannot be used: {exc}") from None
        return {"jwks_uri": jwks_uri}
    return {}


class _Entry(NamedTuple):
    keys: list[dict[str, Any]]
    expires_at: float
    #: When an unknown kid may cause the next fetch (a fetch for a kid sets it one
    #: interval ahead; the first one after an ordinary fetch may happen at once).
    next_kid_fetch: float


class JwksCache:
    """Fetched JWK sets by URL, with a bounded lifetime and a bounded refetch rate.

    Process-local: the keys are public, so every worker may hold its own copy.
    ``fetch(url, allow_private) -> (jwks, max_age)`` and ``clock`` can be replaced
    (tests).
    """

    def __init__(self, fetch: Optional[Callable[..., tuple[Any, int]]] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch or _fetch_jwks
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def keys(self, url: str, kid: Optional[str] = None, *,
             allow_private: bool = False) -> list[dict[str, Any]]:
        """The keys published at ``url``; refetched when expired, or when ``kid`` is not
        among them (at most once per :data:`REFETCH_INTERVAL`)."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(url)
        fresh = entry is not None and entry.expires_at > now
        if fresh:
            if kid is None or any(key.get("kid") == kid for key in entry.keys):
                return entry.keys
            if now < entry.next_kid_fetch:
                return entry.keys
        for_kid = fresh
        try:
            jwks, max_age = self._fetch(url, allow_private)
        except FetchError as exc:
            log.info("jwks_uri %s could not be used: %s", url, exc)
            if not fresh:
                return []
            self._store(url, entry._replace(next_kid_fetch=now + REFETCH_INTERVAL))
            return entry.keys
        entry = _Entry(usable_keys(jwks), now + max_age,
                       now + REFETCH_INTERVAL if for_kid else now)
        self._store(url, entry)
        return entry.keys

    def _store(self, url: str, entry: _Entry) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES and url not in self._entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[url] = entry


def _fetch_jwks(url: str, allow_private: bool) -> tuple[Any, int]:
    """The JWK set at ``url`` and how long to keep it (bounded by ``fetch_json``)."""
    return fetch_json(url, allow_private=allow_private, max_size=MAX_JWKS_SIZE)


#: The cache every app of the process shares (the keys at a URL are the same for all).
JWKS_CACHE = JwksCache()


def client_public_keys(client: Any, kid: Optional[str] = None, *,
                       allow_private: bool = False) -> list[dict[str, Any]]:
    """The public keys of ``client`` (RFC 7591 §2 ``jwks`` or ``jwks_uri``), as JWKs.

    ``kid``: the key the caller looks for (a JWS header's ``kid``); when a fetched set
    lacks it, the set is fetched again (rate-limited, see :class:`JwksCache`).
    ``allow_private``: let ``jwks_uri`` point at loopback or private addresses (tests
    only: ``OAUTH2_PROVIDER_CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE``). A client with
    neither has no keys: ``[]``.
    """
    jwks, jwks_uri = registered_keys(client)
    if jwks is not None:
        return usable_keys(jwks)
    if jwks_uri is not None and isinstance(jwks_uri, str):
        return JWKS_CACHE.keys(jwks_uri, kid, allow_private=allow_private)
    return []
