"""The provider's side of JWT client authentication: keys, audiences, policy, replay.

:func:`authenticate_with_assertion` is what the bundled validators
(:class:`~flask_oauth_provider.validators.ProviderValidator`) call when
:func:`~flask_oauth_provider.core.client_auth.extract_client_credentials` found a
``client_assertion`` (RFC 7521 §4.2): every endpoint that authenticates clients
(token, revocation, introspection, device authorization, pushed authorization
requests) goes through that one path. The claim rules are in
:mod:`flask_oauth_provider.core.client_assertion`; this module adds what needs the app:

- the method must be enabled (``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS``) and be
  the one the client registered (``token_endpoint_auth_method``, RFC 7591 §2): a client
  registered for ``client_secret_basic`` cannot send an assertion, nor a
  ``private_key_jwt`` client an HMAC one;
- ``aud`` may be the issuer, the token endpoint URL or the URL of the endpoint called,
  each built from the configured issuer (the Host header is not trusted);
- the keys are the client's (:func:`flask_oauth_provider.client_keys.client_public_keys`);
  ``client_secret_jwt`` needs the secret in clear, which only a validator that keeps it
  can give (:meth:`ProviderValidator.client_secret_for_assertion`): the bundled models
  keep digests, so their clients cannot use that method;
- the ``jti`` is spent in the replay store (namespace ``client_assertion``, keyed with
  the client_id) until the assertion expires: a second use fails.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Optional

from flask import has_request_context
from flask import request as flask_request
from werkzeug.routing import BuildError

from . import http
from .client_keys import client_public_keys
from .core import errors, jose
from .core.client_assertion import (
    LEEWAY,
    METHOD_CLIENT_SECRET_JWT,
    METHOD_PRIVATE_KEY_JWT,
    AssertionRefused,
    AssertionRules,
    verify_client_assertion,
)
from .core.client_auth import ClientCredentials
from .core.request import Request
from .replay import MemoryReplayCache
from .state import current_state, issuer_of

log = logging.getLogger("flask_oauth_provider.client_auth")

__all__ = ["REPLAY_NAMESPACE", "assertion_audiences", "authenticate_with_assertion",
           "first_use_of_assertion", "registered_auth_method"]

#: The replay store's namespace for client assertion ``jti`` values.
REPLAY_NAMESPACE = "client_assertion"


def registered_auth_method(client: Any, public: bool) -> str:
    """The client's ``token_endpoint_auth_method`` (RFC 7591 §2): its attribute, else
    ``none`` for a public client and ``client_secret_basic`` (the RFC 7591 default)."""
    method = getattr(client, "token_endpoint_auth_method", None)
    if isinstance(method, str) and method:
        return method
    return "none" if public else "client_secret_basic"


def authenticate_with_assertion(validator: Any, request: Request,
                                credentials: ClientCredentials) -> Optional[Any]:
    """The client authenticated by ``credentials.client_assertion``, or ``None``.

    ``None`` means ``invalid_client`` (RFC 7521 §4.2.1); the reason is logged at INFO,
    without the assertion.
    """
    config = validator.config
    method, client_id = credentials.method, credentials.client_id
    if method not in config.token_endpoint_auth_methods:
        log.info("%s is not enabled (OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS).", method)
        return None
    client = validator.load_client(client_id) if client_id else None
    if client is None:
        log.info("A client assertion names an unknown client.")
        return None
    registered = registered_auth_method(client, validator.is_public_client(client))
    if registered != method:
        log.info("Client %s is registered for %s and sent %s.", client_id, registered, method)
        return None
    try:
        claims = _verified_claims(validator, client, credentials)
    except AssertionRefused as exc:
        log.info("Client assertion of %s refused: %s", client_id, exc)
        return None
    if not first_use_of_assertion(client_id, claims["jti"], float(claims["exp"]) + LEEWAY):
        log.info("Client assertion of %s refused: its jti was used before.", client_id)
        return None
    return client


def _verified_claims(validator: Any, client: Any,
                     credentials: ClientCredentials) -> dict[str, Any]:
    config = validator.config
    assertion = credentials.client_assertion or ""
    if credentials.method == METHOD_PRIVATE_KEY_JWT:
        rules = AssertionRules(assertion_audiences(config),
                               tuple(a for a in config.token_endpoint_auth_signing_algs
                                     if a in jose.ALGORITHMS),
                               config.client_assertion_max_lifetime)
        try:
            kid = jose.unverified_header(assertion).get("kid")
        except jose.JoseError:
            raise AssertionRefused("The client assertion is not a compact JWS.") from None
        keys = client_public_keys(
            client, kid if isinstance(kid, str) else None,
            allow_private=config.client_id_metadata_document_allow_private)
        if not keys:
            raise AssertionRefused("The client has no usable public keys.")
        return verify_client_assertion(assertion, credentials.client_id, rules, time.time(),
                                       keys=keys)
    if credentials.method == METHOD_CLIENT_SECRET_JWT:
        rules = AssertionRules(assertion_audiences(config),
                               tuple(a for a in config.token_endpoint_auth_signing_algs
                                     if a in jose.HMAC_ALGORITHMS),
                               config.client_assertion_max_lifetime)
        secret = validator.client_secret_for_assertion(client)
        if not secret:
            raise AssertionRefused("No usable secret is kept for this client.")
        return verify_client_assertion(assertion, credentials.client_id, rules, time.time(),
                                       secret=secret)
    raise AssertionRefused(f"Unknown assertion method {credentials.method!r}.")


def assertion_audiences(config: Any) -> frozenset[str]:
    """The ``aud`` values that name this server (RFC 7523 §3 item 3): the issuer, the
    token endpoint URL and the URL of the endpoint receiving the request; the issuer
    alone when ``OAUTH2_PROVIDER_CLIENT_ASSERTION_AUDIENCE`` is ``"issuer"``."""
    if config.client_assertion_audience == "issuer" and has_request_context():
        return frozenset({issuer_of(config)})
    if not has_request_context():
        return frozenset({config.issuer} if config.issuer else ())
    audiences = {issuer_of(config)}
    endpoints = ["oauth2_provider.token"]
    if flask_request.endpoint:
        endpoints.append(flask_request.endpoint)
    for endpoint in endpoints:
        try:
            audiences.add(http.endpoint_url(config.issuer, endpoint))
        except BuildError:
            continue
    return frozenset(audiences)


def first_use_of_assertion(client_id: str, jti: str, expires_at: float) -> bool:
    """Spend ``jti`` of ``client_id``'s assertion: True the first time, False after.

    Uses the app's replay store (``current_state().replay_cache``, the database, Redis
    or memory per ``OAUTH2_PROVIDER_REPLAY_CACHE``); its outage is
    ``temporarily_unavailable``, never a silent acceptance.
    """
    value = json.dumps([client_id, jti])
    try:
        return bool(_replay_cache().first_use(REPLAY_NAMESPACE, value, expires_at))
    except Exception as exc:  # noqa: BLE001 - any outage of the store fails closed
        log.warning("The replay store failed (%s); client assertion refused.",
                    type(exc).__name__)
        raise errors.TemporarilyUnavailableError(
            description="Client assertions cannot be checked right now.") from None


def _replay_cache() -> Any:
    """The app's shared replay store (``current_state().replay_cache``:
    ``OAUTH2_PROVIDER_REPLAY_CACHE``); the process's memory outside a request."""
    return current_state().replay_cache if has_request_context() else _LOCAL_REPLAY


#: Outside a request of an app (a validator called directly), one process's memory.
_LOCAL_REPLAY = MemoryReplayCache()
