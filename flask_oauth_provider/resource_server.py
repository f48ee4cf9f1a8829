"""``ResourceServer``: accept the provider's access tokens in another Flask service.

The service needs no database and no copy of the provider's code paths::

    from flask_oauth_provider import ResourceServer, current_token

    rs = ResourceServer(app, issuer="https://auth.example", resource="https://api.example",
                        client_id="...", client_secret="...")  # for introspection

    @app.get("/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return {"sub": current_token.sub, "client_id": current_token.client_id}

JWT access tokens (RFC 9068) are verified with the issuer's published keys (its JWKS,
fetched once and again for an unknown ``kid``, rate-limited), with no call to the issuer
on the hot path. Opaque access tokens are checked at the issuer's introspection endpoint
(RFC 7662) with
the service's own client credentials (a client registered with ``resource_server=True``
may introspect every token); active answers are cached for at most the token's remaining
lifetime and ``cache_seconds``. The issuer's metadata (RFC 8414) is fetched once. A token
must name this service's ``resource`` in its audience (RFC 8707, RFC 9068 §4).

The service publishes its own protected resource metadata (RFC 9728) and points at it
from every refusal (``WWW-Authenticate: Bearer resource_metadata="…"``). When the issuer
cannot be asked (down, slow, garbage) the call is answered 503, never 500.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence
from urllib.parse import urlsplit

from flask import Flask, Response
from flask import request as flask_request

from . import dpop, http
from .core import jose
from .core.dpop import DEFAULT_ALGORITHMS, DEFAULT_LIFETIME
from .core.request import Request
from .core.resource_indicators import audience_list
from .core.resource_metadata import (
    WELL_KNOWN_PATH,
    metadata_document,
    metadata_url,
    resource_path,
)
from .core.tokens import get_token_from_header
from .core.utils import is_absolute_uri, is_loopback_host
from .dpop import ResourceDPoPPolicy
from .remote_issuer import IntrospectionCache, IssuerUnavailable, RemoteIssuer
from .resource import ScopesArg, bearer_refusal, resolve_scopes, set_current_token

log = logging.getLogger("flask_oauth_provider.resource_server")

#: The key of the resource server in ``app.extensions``.
EXTENSION_KEY = "oauth2_resource_server"


@dataclass
class RemoteToken:
    """What ``current_token`` points at in a view protected by a :class:`ResourceServer`."""

    #: The subject (the user, or the client for a client credentials token).
    sub: Optional[str]
    client_id: Optional[str]
    #: The scopes the token was granted.
    scopes: list[str]
    #: The resources the token is for (RFC 8707); this service's ``resource`` is one.
    aud: list[str]
    #: When the token expires (aware UTC), if the issuer said.
    expires_at: Optional[datetime.datetime]
    #: Every claim the issuer gave (introspection answer, or JWT claims).
    claims: dict = field(repr=False)

    @property
    def username(self) -> Optional[str]:
        return self.claims.get("username")

    @property
    def jkt(self) -> Optional[str]:
        """The DPoP key thumbprint the token is bound to (``cnf.jkt``, RFC 9449 §6)."""
        cnf = self.claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        return jkt if isinstance(jkt, str) and jkt else None

    @classmethod
    def from_claims(cls, claims: dict) -> RemoteToken:
        exp = claims.get("exp")
        expires_at = (datetime.datetime.fromtimestamp(exp, datetime.timezone.utc)
                      if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None)
        scope = claims.get("scope")
        return cls(
            sub=_text(claims.get("sub")),
            client_id=_text(claims.get("client_id")),
            scopes=scope.split() if isinstance(scope, str) else [],
            aud=audience_list(claims.get("aud")),
            expires_at=expires_at,
            claims=claims,
        )


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


class ResourceServer:
    """A Flask service that accepts access tokens of one issuer for one resource.

    ``issuer``: the authorization server's issuer identifier, compared byte for byte
    with its metadata and tokens (RFC 8414 §3.3). ``resource``: this service's resource
    identifier (RFC 8707), the audience its tokens must name. ``client_id`` /
    ``client_secret``: the service's client at the issuer, for introspection.
    ``scopes_supported``: published in the RFC 9728 document. ``cache_seconds``: the
    longest an introspection answer is reused (a revoked token stays usable here at most
    that long). ``timeout`` / ``retry_after``: seconds to wait for the issuer, and to
    wait after a failure before asking it again (calls in between get 503). ``leeway``:
    seconds of clock difference allowed on a JWT's ``exp``. ``jwks_refresh_interval``:
    the least time between two fetches of the JWKS for unknown ``kid`` values.

    DPoP (RFC 9449 §7): a token whose claims bind it to a key (``cnf.jkt``, in the JWT
    or the introspection answer) is accepted only as ``Authorization: DPoP`` with a
    proof by that key; ``require_dpop`` refuses unbound tokens too.
    ``dpop_signing_algs`` are the proof algorithms accepted, ``dpop_proof_lifetime``
    the seconds a proof is; ``replay_cache`` (an object with ``first_use(namespace,
    value, expires_at)``, shared by the service's processes) remembers each proof's
    ``jti``; without one, each process remembers its own.
    """

    def __init__(self, app: Optional[Flask] = None, *, issuer: str, resource: str,
                 client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 scopes_supported: Optional[list[str]] = None, cache_seconds: int = 60,
                 timeout: float = 5.0, retry_after: float = 10.0, leeway: int = 30,
                 jwks_refresh_interval: float = 60.0, require_dpop: bool = False,
                 dpop_signing_algs: Sequence[str] = DEFAULT_ALGORITHMS,
                 dpop_proof_lifetime: int = DEFAULT_LIFETIME,
                 replay_cache: Any = None) -> None:
        _check_uri("issuer", issuer)
        _check_uri("resource", resource)
        self.resource = resource
        self.scopes_supported = scopes_supported
        self.leeway = leeway
        self.dpop = ResourceDPoPPolicy(require_dpop, dpop_signing_algs, dpop_proof_lifetime,
                                       replay_cache)
        self.issuer = RemoteIssuer(
            issuer, client_id, client_secret, timeout=timeout, retry_after=retry_after,
            cache=IntrospectionCache(max_age=cache_seconds),
            jwks_refresh_interval=jwks_refresh_interval)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Serve the RFC 9728 document: at ``/.well-known/oauth-protected-resource``
        followed by the resource's path (§3.1), and at the root form too when that is
        free (clients fall back to it)."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "A 'ResourceServer' is already registered on this Flask app. "
                "Import and use that instance instead.")
        app.extensions[EXTENSION_KEY] = self
        path = resource_path(self.resource)
        app.add_url_rule(WELL_KNOWN_PATH + path, endpoint="oauth2_resource_server_metadata",
                         view_func=self.metadata_view, methods=["GET"])
        if path:
            app.add_url_rule(WELL_KNOWN_PATH, endpoint="oauth2_resource_server_metadata_root",
                             view_func=self.metadata_view, methods=["GET"])

    def metadata_view(self) -> Response:
        """The protected resource metadata (RFC 9728 §2, §3.2)."""
        fields = {"dpop_signing_alg_values_supported": list(self.dpop.config.dpop_signing_algs)}
        if self.dpop.config.require_dpop:
            fields["dpop_bound_access_tokens_required"] = True  # RFC 9728 §2
        document = metadata_document(self.resource, [self.issuer.issuer],
                                     self.scopes_supported, ["header"], **fields)
        return http.create_response(
            {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
            json.dumps(document), 200)

    # -- protecting views ------------------------------------------------------------

    def require_oauth(self, *scopes: ScopesArg, optional: bool = False) -> Callable:
        """Protect a view: it needs a valid access token for this resource with every
        listed scope. Refusals as RFC 6750 §3 (401 / 403 with ``WWW-Authenticate``),
        503 when the issuer cannot be asked; ``current_token`` is a :class:`RemoteToken`."""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                refusal = self.check(resolve_scopes(scopes), optional)
                if refusal is not None:
                    return refusal
                return view(*args, **kwargs)

            return wrapper

        return decorator

    def check(self, required: list[str], optional: bool = False) -> Optional[Response]:
        """Verify the current request's token; ``None`` when the call may proceed."""
        where = metadata_url(self.resource)
        scheme = flask_request.headers.get("Authorization", "").partition(" ")[0].lower()
        challenge = dpop.challenge_options(self.dpop.config, scheme)
        token = get_token_from_header(_core_view_of_request())
        if not token:
            if optional and "Authorization" not in flask_request.headers:
                set_current_token(None)
                return None
            return bearer_refusal(401, None, resource_metadata=where, **challenge)
        try:
            claims = self.verify(token)
        except IssuerUnavailable:
            answer = bearer_refusal(503, "temporarily_unavailable",
                                    "The authorization server cannot be reached.")
            answer.headers["Retry-After"] = str(int(self.issuer.retry_after) or 1)
            return answer
        if claims is None:
            return bearer_refusal(401, "invalid_token", resource_metadata=where, **challenge)
        current = RemoteToken.from_claims(claims)
        refusal = dpop.check_resource_call(self.dpop, scheme, token, current.jkt)
        if refusal is not None:
            return bearer_refusal(
                refusal.status, refusal.error, refusal.description, resource_metadata=where,
                headers=refusal.headers,
                **dpop.challenge_options(self.dpop.config, scheme, bool(current.jkt)))
        if not set(required) <= set(current.scopes):
            return bearer_refusal(403, "insufficient_scope", scope=required,
                                  resource_metadata=where, **challenge)
        set_current_token(current)
        return None

    def verify(self, token: str) -> Optional[dict]:
        """The claims of ``token`` if it is an active access token of the issuer for
        this resource, else ``None``; ``IssuerUnavailable`` when that cannot be told.

        A JWT (three base64url parts) is verified here with the issuer's published keys
        (RFC 9068 §4), with no call to the issuer; anything else is introspected."""
        if looks_like_jwt(token):
            return self._verify_jwt(token)
        claims = self.issuer.introspect(token)
        if claims is None:
            return None
        if self.resource not in audience_list(claims.get("aud")):
            log.info("Token refused: its audience is not %s.", self.resource)
            return None
        return claims

    def _verify_jwt(self, token: str) -> Optional[dict]:
        """RFC 9068 §4, in order: ``typ`` is ``at+jwt``; the signature verifies with a
        published key of the issuer, with an algorithm that key is for (no ``none``, no
        HMAC: core.jose accepts asymmetric algorithms only); ``iss`` is the issuer byte
        for byte; ``aud`` names this resource; ``exp`` has not passed (leeway
        ``self.leeway`` seconds)."""
        try:
            header = jose.unverified_header(token)
        except jose.JoseError:
            return None
        if str(header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
            return None  # an id_token (typ JWT) or anything else is not an access token
        keys = self.issuer.keys(header.get("kid"))
        algorithms = [alg for alg in jose.ALGORITHMS
                      if any(key.get("alg") == alg for key in keys)]
        try:
            _, claims = jose.verify(token, keys, algorithms)
        except jose.JoseError:
            return None
        return claims if self._claims_hold(claims) else None

    def _claims_hold(self, claims: dict) -> bool:
        now = self.issuer.clock()
        exp = claims.get("exp")
        if claims.get("iss") != self.issuer.issuer:
            return False
        if self.resource not in audience_list(claims.get("aud")):
            return False
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp + self.leeway <= now:
            return False
        # RFC 9068 §2.2: sub, client_id, iat and jti are REQUIRED.
        return all(name in claims for name in ("sub", "client_id", "iat", "jti"))


def looks_like_jwt(token: str) -> bool:
    parts = token.split(".")
    return len(parts) == 3 and all(parts)


def _core_view_of_request() -> Request:
    """The current request as ``core.tokens`` reads it: headers only (RFC 6750 §2.1;
    this service accepts tokens in the ``Authorization`` header, as its metadata says),
    a ``DPoP`` scheme read as ``Bearer`` (RFC 9449 §7.1; the proof is checked apart)."""
    return Request(flask_request.url, flask_request.method, None,
                   dpop.as_bearer(dict(flask_request.headers)))


def _check_uri(name: str, value: Any) -> None:
    if not is_absolute_uri(value):
        raise ValueError(f"ResourceServer {name} must be an absolute URI, not {value!r}.")
    if not value.startswith("https://") and not is_loopback_host(urlsplit(value).hostname):
        raise ValueError(
            f"ResourceServer {name} must use https (http only on a loopback host), "
            f"not {value!r}.")


__all__ = ["ResourceServer", "RemoteToken", "EXTENSION_KEY"]
