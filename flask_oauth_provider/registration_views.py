"""The registration endpoint (RFC 7591 §3) and the client configuration endpoint (RFC 7592).

Registered by ``init_app`` only when ``OAUTH2_PROVIDER_DYNAMIC_REGISTRATION`` is set:
``POST {prefix}/register`` and ``GET|PUT|DELETE {prefix}/register/<client_id>``. JSON in,
JSON out, never cached. The metadata rules are :mod:`flask_oauth_provider.registration`;
the rows are written by the bundled store (:mod:`flask_oauth_provider.sqla.registration`).
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Optional
from urllib.parse import quote

from flask import Blueprint, Response
from flask import request as flask_request

from . import http
from .registration import (
    Policy,
    RegistrationError,
    client_information,
    invalid_metadata,
    parse_client_metadata,
)
from .state import ProviderState, current_state
from .views import exempt_from_flask_wtf_csrf, issuer

log = logging.getLogger("flask_oauth_provider.registration")

blueprint = Blueprint("oauth2_registration", __name__)
blueprint.url_value_preprocessor(exempt_from_flask_wtf_csrf)  # clients, not browsers

#: RFC 7592 §2.2: fields a client must not send with an update.
_SERVER_ONLY_FIELDS = ("registration_access_token", "registration_client_uri",
                       "client_secret_expires_at", "client_id_issued_at")


def _error(error: str, description: str, status: int = 400,
           headers: Optional[dict[str, str]] = None) -> Response:
    return http.json_response({"error": error, "error_description": description}, status,
                              headers)


def _invalid_token(description: str) -> Response:
    """RFC 6750 §3.1, as RFC 7591 §3 and RFC 7592 §2 answer a bad bearer token."""
    return _error("invalid_token", description, 401,
                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _bearer_token() -> Optional[str]:
    value = flask_request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _read_json(state: ProviderState) -> Any:
    """The request's JSON object, or :class:`RegistrationError` (RFC 7591 §3.1)."""
    if flask_request.mimetype != "application/json":
        raise invalid_metadata("The request must be JSON (Content-Type: application/json).")
    try:
        body = http.read_body(state.config.max_request_size)
    except http.RequestTooLarge:
        raise RegistrationError("invalid_client_metadata", "The request is too large.",
                                413) from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise invalid_metadata("The request body is not valid JSON.") from None


def _store(state: ProviderState) -> Any:
    store = state.store
    if store is None:
        raise RuntimeError(
            "OAUTH2_PROVIDER_DYNAMIC_REGISTRATION needs the bundled storage: call "
            "oauth.init_sqlalchemy(db, ...).")
    return store


def _client_uri(state: ProviderState, client_id: str) -> str:
    return f"{issuer(state)}{state.config.url_prefix}/register/{quote(client_id, safe='')}"


def _caller_address() -> str:
    """The address registrations are counted under (behind a proxy: use ``ProxyFix``)."""
    return flask_request.remote_addr or "unknown"


def _over_limit(state: ProviderState, store: Any) -> Optional[Response]:
    """The per-address and global registration limits, counted in the database."""
    now = store.now()
    for limit, address in ((state.config.registration_limit_per_ip, _caller_address()),
                           (state.config.registration_limit_global, None)):
        if limit is None:
            continue
        count, seconds = limit
        since = now - datetime.timedelta(seconds=seconds)
        if store.count_registrations(since, address) >= count:
            log.warning("dynamic registration refused: %s limit reached",
                        "per-address" if address else "global")
            return _error("temporarily_unavailable",
                          "Too many registrations; try again later.", 429,
                          {"Retry-After": str(seconds)})
    return None


def _frame(handler: Any, *args: Any) -> Response:
    """Transport, errors and the unexpected: what every endpoint here shares."""
    state = current_state()
    if not http.transport_is_secure(state.config.insecure_transport):
        return _error("invalid_request", "This server only accepts HTTPS.")
    try:
        return handler(state, *args)
    except RegistrationError as exc:
        return _error(exc.error, exc.description, exc.status)
    except Exception:
        log.exception("Unexpected error at %s", flask_request.path)
        return http.json_response({"error": "server_error"}, 500)


# -- RFC 7591 §3: registration -----------------------------------------------------------------


@blueprint.route("/register", methods=["POST"])
def register() -> Response:
    """Register a client (RFC 7591 §3.1); 201 with its information (§3.2.1)."""
    return _frame(_register)


def _register(state: ProviderState) -> Response:
    from .sqla.registration import InitialAccessTokenRefused

    store = _store(state)
    origin = state.config.dynamic_registration
    initial_token = _bearer_token() if origin == "token" else None
    if origin == "token" and initial_token is None:
        return _error("invalid_token", "An initial access token is required (RFC 7591 §3).",
                      401, {"WWW-Authenticate": "Bearer"})
    refusal = _over_limit(state, store)
    if refusal is not None:
        return refusal
    metadata = parse_client_metadata(_read_json(state), Policy.from_config(state.config))
    try:
        client, secret, registration_token = store.register_client(
            metadata, origin, _caller_address(), initial_token)
    except InitialAccessTokenRefused:
        return _invalid_token("The initial access token is unknown, expired or used up.")
    except ValueError as exc:
        raise invalid_metadata(str(exc)) from None
    log.info("dynamically registered client %s (%s)", client.client_id, origin)
    info = client_information(client, client_secret=secret,
                              registration_access_token=registration_token,
                              registration_client_uri=_client_uri(state, client.client_id))
    return http.json_response(info, 201)


# -- RFC 7592: read, update, delete ---------------------------------------------------------


@blueprint.route("/register/<path:client_id>", methods=["GET", "PUT", "DELETE"])
def manage(client_id: str) -> Response:
    """The client configuration endpoint (RFC 7592 §2), with the registration access token."""
    return _frame(_manage, client_id)


def _manage(state: ProviderState, client_id: str) -> Response:
    store = _store(state)
    token = _bearer_token()
    # RFC 7592 §2: an unknown client and a wrong token look the same (no client oracle).
    client = store.load_registered_client(client_id, token)
    if client is None:
        return _invalid_token("The registration access token is not valid for this client.")
    if flask_request.method == "DELETE":
        store.delete_client(client.client_id)
        log.info("client %s deleted itself (RFC 7592 §2.3)", client_id)
        return Response(status=204, headers={"Cache-Control": "no-store"})
    if flask_request.method == "GET":
        return http.json_response(client_information(
            client, registration_access_token=token,
            registration_client_uri=_client_uri(state, client.client_id)), 200)
    return _update(state, store, client)


def _update(state: ProviderState, store: Any, client: Any) -> Response:
    """RFC 7592 §2.2: replace the metadata; the registration access token is rotated."""
    document = _read_json(state)
    if not isinstance(document, dict):
        raise invalid_metadata("The request body must be a JSON object.")
    if document.get("client_id") != client.client_id:
        raise RegistrationError("invalid_request",
                                "The body's client_id must be this client's (RFC 7592 §2.2).")
    present = [name for name in _SERVER_ONLY_FIELDS if name in document]
    if present:
        raise RegistrationError("invalid_request",
                                f"{present[0]} may not be sent in an update (RFC 7592 §2.2).")
    secret = document.get("client_secret")
    if secret is not None and not client.check_client_secret(secret):
        # RFC 7592 §2.2: a client may not choose its own secret.
        raise invalid_metadata("client_secret does not match the client's secret.")
    metadata = parse_client_metadata(document, Policy.from_config(state.config))
    try:
        registration_token = store.update_registered_client(client, metadata)
    except ValueError as exc:
        raise invalid_metadata(str(exc)) from None
    return http.json_response(client_information(
        client, registration_access_token=registration_token,
        registration_client_uri=_client_uri(state, client.client_id)), 200)
