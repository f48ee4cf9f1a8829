"""The authorization server as a resource server sees it: metadata and introspection.

:class:`RemoteIssuer` fetches the issuer's metadata once (RFC 8414) and asks its
introspection endpoint (RFC 7662) about opaque tokens, caching active answers. It uses
only the standard library (``urllib``), holds no Flask state, and never raises anything
but :class:`IssuerUnavailable` for a failure of the issuer (down, slow, garbage), which
the resource server answers with 503, never 500.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional
from urllib.parse import quote_plus, urlencode, urlsplit

from .core.resource_metadata import origin_of, resource_path

log = logging.getLogger("flask_oauth_provider.resource_server")

#: RFC 8414 §3: where the authorization server metadata lives.
METADATA_PATH = "/.well-known/oauth-authorization-server"

#: Largest answer read from the issuer; more is treated as garbage.
MAX_ANSWER_BYTES = 1024 * 1024


class IssuerUnavailable(Exception):
    """The issuer could not be asked (down, timed out, answered garbage or an error)."""


class IntrospectionCache:
    """Active introspection answers, by the SHA-256 of the token (never the token).

    An answer is kept until the token's ``exp`` or ``max_age`` seconds, whichever comes
    first (RFC 7662 §4: a cached answer must not outlive the token; a short bound limits
    how long a revoked token stays usable), and at most ``max_entries`` answers.
    """

    def __init__(self, max_age: int, max_entries: int = 10000,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def get(self, token: str) -> Optional[dict]:
        key = self.key(token)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            until, claims = found
            if until <= self.clock():
                del self._entries[key]
                return None
            return claims

    def put(self, token: str, claims: dict) -> None:
        if self.max_age <= 0:
            return
        now = self.clock()
        until = now + self.max_age
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):
            until = min(until, float(exp))
        if until <= now:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._evict(now)
            self._entries[self.key(token)] = (until, claims)

    def _evict(self, now: float) -> None:
        for key in [key for key, (until, _) in self._entries.items() if until <= now]:
            del self._entries[key]
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest entry


class RemoteIssuer:
    """One authorization server, identified by ``issuer`` (compared byte for byte).

    ``client_id`` / ``client_secret`` authenticate introspection calls (HTTP Basic,
    RFC 6749 §2.3.1; RFC 7662 §2.1). After a failure the issuer is not asked again for
    ``retry_after`` seconds: calls in between fail fast, so an issuer that is down is
    not hammered and the service does not stall on every request.
    """

    def __init__(self, issuer: str, client_id: Optional[str] = None,
                 client_secret: Optional[str] = None, timeout: float = 5.0,
                 retry_after: float = 10.0, cache: Optional[IntrospectionCache] = None,
                 jwks_refresh_interval: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.retry_after = retry_after
        self.cache = cache or IntrospectionCache(max_age=60, clock=clock)
        self.clock = clock
        self.jwks_refresh_interval = jwks_refresh_interval
        self._metadata: Optional[dict] = None
        self._failed_at: Optional[float] = None
        self._keys: Optional[list[dict]] = None
        self._keys_fetched_at = 0.0
        self._lock = threading.Lock()

    # -- metadata (RFC 8414) ---------------------------------------------------------

    @property
    def metadata_url(self) -> str:
        """RFC 8414 §3.1: the well-known path inserted before the issuer's path."""
        return origin_of(self.issuer) + METADATA_PATH + resource_path(self.issuer)

    def metadata(self) -> dict:
        """The issuer's metadata, fetched once; ``IssuerUnavailable`` until it can be."""
        if self._metadata is not None:
            return self._metadata
        with self._lock:
            return self._metadata_unlocked()

    def _metadata_unlocked(self) -> dict:
        if self._metadata is None:
            document = self._call(lambda: self._get_json(self.metadata_url))
            # RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the
            # authorization server's issuer identifier value".
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                self._failed_at = self.clock()
                log.error("The metadata at %s is not that of issuer %s.",
                          self.metadata_url, self.issuer)
                raise IssuerUnavailable("metadata of another issuer, or garbage")
            self._metadata = document
        return self._metadata

    # -- the published keys (RFC 7517 §5) ---------------------------------------------------

    def keys(self, kid: Optional[str] = None) -> list[dict]:
        """The issuer's published signing keys (its ``jwks_uri``), fetched once.

        When a token names a ``kid`` that is not among them (the issuer rotated its
        keys) they are fetched again, but at most once per ``jwks_refresh_interval``
        seconds: a flood of tokens with made-up kids cannot make this service hammer
        the issuer. If a refetch fails, the keys known so far stay in use.
        """
        with self._lock:
            known = self._keys
            stale = (known is None or (
                kid is not None and kid not in {key.get("kid") for key in known}
                and self.clock() - self._keys_fetched_at >= self.jwks_refresh_interval))
            if not stale:
                return known or []
            try:
                self._keys = self._fetch_keys()
            except IssuerUnavailable:
                if known is None:
                    raise
            self._keys_fetched_at = self.clock()
            return self._keys or []

    def _fetch_keys(self) -> list[dict]:
        url = self._metadata_unlocked().get("jwks_uri")
        if not isinstance(url, str):
            log.error("The issuer's metadata has no jwks_uri.")
            raise IssuerUnavailable("no jwks_uri")
        document = self._call(lambda: self._get_json(url))
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
            self._failed_at = self.clock()
            log.warning("The JWK set at %s is not one (RFC 7517 §5).", url)
            raise IssuerUnavailable("garbage JWK set")
        return keys

    # -- introspection (RFC 7662) ------------------------------------------------------

    def introspect(self, token: str) -> Optional[dict]:
        """The claims of an active access token, or ``None`` (inactive, or not an access
        token of this issuer). Active answers are cached (:class:`IntrospectionCache`)."""
        cached = self.cache.get(token)
        if cached is not None:
            return cached
        endpoint = self.metadata().get("introspection_endpoint")
        if not isinstance(endpoint, str) or self.client_id is None:
            log.error("Opaque token, but no introspection endpoint or no client credentials.")
            raise IssuerUnavailable("cannot introspect")
        claims = self._call(lambda: self._post_form(
            endpoint, {"token": token, "token_type_hint": "access_token"}))
        if not isinstance(claims, dict):
            raise IssuerUnavailable("introspection answered garbage")
        if not self._is_active_access_token(claims):
            return None
        self.cache.put(token, claims)
        return claims

    def _is_active_access_token(self, claims: dict) -> bool:
        """RFC 7662 §2.2: ``active`` is true, the token is an access token (a refresh
        token has no ``token_type`` of RFC 6749 §7.1; ``DPoP`` is a bound access token,
        RFC 9449 §6.2), it is unexpired, and ``iss`` (when given) is our issuer."""
        if claims.get("active") is not True:
            return False
        if str(claims.get("token_type", "")).lower() not in ("bearer", "dpop"):
            return False
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp <= self.clock():
            return False
        return claims.get("iss", self.issuer) == self.issuer

    # -- HTTP ------------------------------------------------------------------------

    def _fail_fast(self) -> None:
        if self._failed_at is not None and self.clock() - self._failed_at < self.retry_after:
            raise IssuerUnavailable("the issuer failed recently")

    def _call(self, fetch: Callable[[], Any]) -> Any:
        self._fail_fast()
        try:
            answer = fetch()
        except (OSError, ValueError, urllib.error.URLError) as exc:
            # OSError covers timeouts and refused connections; ValueError bad JSON.
            self._failed_at = self.clock()
            log.warning("Issuer %s unavailable: %s", self.issuer, type(exc).__name__)
            raise IssuerUnavailable(str(type(exc).__name__)) from None
        self._failed_at = None
        return answer

    def _get_json(self, url: str) -> Any:
        # S310: only http(s) URLs are opened, checked in _read_json.
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        return self._read_json(request)

    def _post_form(self, url: str, form: dict[str, str]) -> Any:
        credentials = (f"{quote_plus(self.client_id or '', safe='')}:"
                       f"{quote_plus(self.client_secret or '', safe='')}")
        request = urllib.request.Request(  # noqa: S310 - http(s) only, see _read_json
            url, data=urlencode(form).encode("ascii"), headers={
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
        })
        return self._read_json(request)

    def _read_json(self, request: urllib.request.Request) -> Any:
        if urlsplit(request.full_url).scheme not in ("https", "http"):
            raise ValueError("not an http(s) URL")
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
            body = answer.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            raise ValueError("answer too large")
        return json.loads(body.decode("utf-8"))


__all__ = ["IntrospectionCache", "IssuerUnavailable", "RemoteIssuer"]
