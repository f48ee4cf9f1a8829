"""DPoP (RFC 9449) in the Flask app: the nonce key, the replay check and the resource check.

The rules are the core's (:mod:`flask_oauth_provider.core.dpop`,
:mod:`flask_oauth_provider.core.dpop_binding`); this module hands them what lives in
the app: the time, the ``SECRET_KEY`` the server nonces are derived from, the replay
store that remembers each proof's ``jti``, and the current request's method, URI and
``DPoP`` header. It never imports the provider's state module: callers pass the state.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import types
from typing import Any, Optional

from flask import current_app
from flask import request as flask_request

from . import http
from .core import errors
from .core.dpop import NonceSource, UseDPoPNonceError, check_presentation
from .core.jose import EMBEDDED_KEY_ALGORITHMS
from .core.tokens import get_token_from_header
from .replay import MemoryReplayCache

log = logging.getLogger("flask_oauth_provider.dpop")

#: The replay store's namespace of DPoP proof ``jti`` values.
REPLAY_NAMESPACE = "dpop"


class DPoPRefusal:
    """A resource request refused by the DPoP rules: status, error code, description and
    extra headers (``DPoP-Nonce``)."""

    __slots__ = ("status", "error", "description", "headers")

    def __init__(self, status: int, error: str, description: Optional[str],
                 headers: Optional[dict[str, str]] = None) -> None:
        self.status, self.error, self.description = status, error, description
        self.headers = headers or {}


# -- nonces and replay ---------------------------------------------------------------------


def nonce_source(state: Any) -> Optional[NonceSource]:
    """The app's nonce source when ``OAUTH2_PROVIDER_DPOP_NONCE`` is on, else ``None``.

    Its key is an HMAC of ``SECRET_KEY``, so every process of the app hands out and
    accepts the same nonces without sharing anything else (RFC 9449 §8, §9)."""
    if not state.config.dpop_nonce:
        return None
    source = state.__dict__.get("dpop_nonce_source")
    if source is None:
        secret = current_app.config.get("SECRET_KEY")
        if not secret:
            raise RuntimeError("OAUTH2_PROVIDER_DPOP_NONCE needs the app's SECRET_KEY: the "
                               "nonces are derived from it.")
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        key = hmac.new(secret, b"flask-oauth-provider DPoP nonce", hashlib.sha256).digest()
        source = state.__dict__["dpop_nonce_source"] = NonceSource(key)
    return source


def current_nonce(state: Any) -> Optional[str]:
    """The nonce to send in a ``DPoP-Nonce`` header now (``None``: nonces are off)."""
    source = nonce_source(state)
    return source.current(time.time()) if source is not None else None


def jti_first_use(state: Any, jti: str, expires_at: float) -> bool:
    """Whether a proof's ``jti`` is seen for the first time (RFC 9449 §11.1): the one
    place DPoP meets the replay store (``state.replay_cache``, shared by every worker,
    :mod:`flask_oauth_provider.replay`). A store that cannot answer fails closed: the
    request is answered ``temporarily_unavailable`` (503)."""
    try:
        return bool(state.replay_cache.first_use(REPLAY_NAMESPACE, jti, expires_at))
    except errors.OAuth2Error:
        raise  # ReplayCacheUnavailable: 503
    except Exception:
        log.warning("DPoP proof refused: the replay store failed", exc_info=True)
        raise errors.TemporarilyUnavailableError(
            description="The server cannot check DPoP proofs now.", status_code=503) from None


# -- protected resources -------------------------------------------------------------------


class ResourceDPoPPolicy:
    """What :func:`check_resource_call` reads of a provider's state, for a service that
    has none (:class:`~flask_oauth_provider.resource_server.ResourceServer`): the DPoP
    settings as ``config`` and the ``replay_cache`` (``None``: this process's memory,
    :class:`~flask_oauth_provider.replay.MemoryReplayCache`). Server nonces are off."""

    def __init__(self, require_dpop: bool, algorithms: Any, lifetime: int,
                 replay_cache: Any = None) -> None:
        algorithms = tuple(algorithms)
        if not algorithms or any(alg not in EMBEDDED_KEY_ALGORITHMS for alg in algorithms):
            raise ValueError(f"dpop_signing_algs must list some of "
                             f"{', '.join(EMBEDDED_KEY_ALGORITHMS)}, not {algorithms!r}.")
        self.config = types.SimpleNamespace(
            require_dpop=bool(require_dpop), dpop_signing_algs=algorithms,
            dpop_proof_lifetime=int(lifetime), dpop_nonce=False)
        self.replay_cache = replay_cache if replay_cache is not None else MemoryReplayCache()


def as_bearer(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with ``Authorization: DPoP <token>`` read as ``Bearer <token>``, for
    the core's token lookup (RFC 9449 §7.1); the proof is checked separately."""
    result = dict(headers)
    for key, value in headers.items():
        if key.lower() == "authorization":
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "dpop":
                result[key] = "Bearer " + token.strip()
    return result


def token_jkt(token: Any) -> Optional[str]:
    """The DPoP key thumbprint an access token object is bound to (RFC 9449 §6), as a
    store keeps it (``dpop_jkt``); ``None`` for a bearer token."""
    value = getattr(token, "dpop_jkt", None) if not isinstance(token, str) else None
    return value if isinstance(value, str) and value else None


def check_resource_call(state: Any, scheme: Optional[str], token: str,
                        token_jkt: Optional[str]) -> Optional[DPoPRefusal]:
    """``None`` when the current request presents ``token`` as its binding demands
    (:func:`~flask_oauth_provider.core.dpop.check_presentation`), else the refusal:
    401 ``invalid_token`` / ``invalid_dpop_proof`` / ``use_dpop_nonce`` (with
    ``DPoP-Nonce``, RFC 9449 §9), 503 when the replay store is down."""
    config = state.config
    if scheme != "dpop" and not token_jkt and not config.require_dpop:
        return None
    if scheme != "dpop" and not token_jkt:
        return DPoPRefusal(401, "invalid_token",
                           "This server accepts DPoP-bound access tokens only.")
    now = time.time()
    source = nonce_source(state)
    proofs = flask_request.headers.getlist("DPoP")
    try:
        check_presentation(
            scheme, token, token_jkt, ", ".join(proofs) if proofs else None,
            flask_request.method, http.request_uri(), now=now,
            algorithms=config.dpop_signing_algs, lifetime=config.dpop_proof_lifetime,
            nonce_valid=source.checker(now) if source is not None else None,
            jti_unused=lambda jti, expires_at: jti_first_use(state, jti, expires_at))
    except UseDPoPNonceError as exc:
        return DPoPRefusal(401, exc.error, exc.description, {"DPoP-Nonce": exc.nonce})
    except errors.OAuth2Error as exc:
        if exc.status_code == 503:
            return DPoPRefusal(503, "temporarily_unavailable", exc.description)
        return DPoPRefusal(401, exc.error or "invalid_token", exc.description)
    return None


class ResourceCallRefused(errors.OAuth2Error):
    """A :class:`DPoPRefusal` raised in a core endpoint that checks tokens itself."""

    def __init__(self, refusal: DPoPRefusal) -> None:
        self.error = refusal.error
        super().__init__(refusal.description, status_code=refusal.status)
        self.extra_headers = refusal.headers

    @property
    def headers(self) -> dict[str, str]:
        return {**super().headers, **self.extra_headers}


def userinfo_check(state: Any) -> Any:
    """The UserInfo endpoint's token check (OpenID Connect Core §5.3 is a protected
    resource): the DPoP rules of :func:`check_resource_call` on the core request."""

    def check(request: Any) -> None:
        scheme = flask_request.headers.get("Authorization", "").partition(" ")[0].lower()
        refusal = check_resource_call(state(), scheme, get_token_from_header(request),
                                      token_jkt(getattr(request, "access_token", None)))
        if refusal is not None:
            raise ResourceCallRefused(refusal)

    return check


def challenge_options(config: Any, scheme: Optional[str], dpop_involved: bool = False
                      ) -> dict[str, Any]:
    """How a refusal's ``WWW-Authenticate`` names DPoP (RFC 9449 §7.1): only DPoP when
    every token must be bound; Bearer and DPoP when the call used DPoP or a bound
    token; else Bearer alone, as before DPoP."""
    algs = list(config.dpop_signing_algs)
    if config.require_dpop:
        return {"dpop_algs": algs, "scheme": "DPoP", "bearer": False}
    if scheme == "dpop" or dpop_involved:
        return {"dpop_algs": algs, "scheme": "DPoP" if scheme == "dpop" else "Bearer"}
    return {}
