"""Signed request objects at the authorization endpoint (RFC 9101 §5, by value).

:func:`unpack_authorization_request` runs before the core sees an authorization
request: when it carries ``request``, the object is verified with the client's keys
(:func:`flask_oauth_provider.client_keys.client_public_keys`) and the request becomes
exactly the object's parameters (RFC 9101 §5: "MUST only use the parameters in the
Request Object"). The redirect URI inside a refused object is never trusted
(RFC 9101 §6.3, RFC 6749 §4.1.2.1).

``request_uri`` by reference to an arbitrary URL is not supported (metadata says
``request_uri_parameter_supported: false``): only the ``urn:ietf:params:oauth:
request_uri:`` values of pushed authorization requests (RFC 9126) go on to their own
handling; any other is refused with ``request_uri_not_supported``.

A refused object is redirected back only to a ``redirect_uri`` of the query that the
client registered, and only where pushed requests are not required (RFC 9126 §5, §6);
else this server's error page answers (never the object's own ``redirect_uri``).

:func:`request_object_parameters` is the one verifier, for the pushed authorization
request endpoint too (RFC 9126 §3: a pushed request may be a request object).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .client_keys import client_public_keys
from .core import errors, jose
from .core.openid.errors import InvalidRequestObject, RequestURINotSupported
from .core.par import REQUEST_URI_PREFIX, pushed_requests_required
from .core.request import Request
from .core.request_object import RequestObjectRefused, parameters_of, verify_request_object
from .state import ProviderState, current_state, issuer_of

log = logging.getLogger("flask_oauth_provider.request_objects")

__all__ = ["request_object_parameters", "unpack_authorization_request"]


def request_object_parameters(client: Any, token: str) -> dict[str, str]:
    """The authorization request parameters of ``client``'s request object ``token``.

    Verified per RFC 9101 (signed with an alg of
    ``OAUTH2_PROVIDER_REQUEST_OBJECT_SIGNING_ALGS`` by one of the client's keys; ``iss``
    the client, ``aud`` this issuer, ``client_id`` the client's; ``exp``/``nbf``
    honoured). The result includes ``client_id``. Raises
    :class:`~flask_oauth_provider.core.openid.errors.InvalidRequestObject`.
    """
    config = current_state().config
    client_id = getattr(client, "client_id", None)
    try:
        kid = jose.unverified_header(token).get("kid")
    except jose.JoseError:
        kid = None
    keys = client_public_keys(
        client, kid if isinstance(kid, str) else None,
        allow_private=config.client_id_metadata_document_allow_private)
    try:
        claims = verify_request_object(
            token, keys, client_id=client_id, issuer=issuer_of(config),
            algorithms=config.request_object_signing_algs, now=time.time())
        return parameters_of(claims)
    except RequestObjectRefused as exc:
        log.info("Request object of client %s refused: %s", client_id, exc)
        raise InvalidRequestObject(description=str(exc)) from None


def unpack_authorization_request(state: ProviderState, oauth_args: tuple) -> tuple:
    """``oauth_args`` (uri, method, body, headers) with a ``request`` object replaced
    by its parameters; unchanged without one.

    Raises an ``OAuth2Error``. Its ``redirect_uri`` is set only when the request
    itself (outside the object) names a client and a ``redirect_uri`` registered for
    that client (the validator's ``validate_client_id`` and ``validate_redirect_uri``):
    then the error may go back there, with the request's ``state`` (RFC 6749 §4.1.2.1);
    otherwise the caller shows its error page. The object's own ``redirect_uri`` is
    never used for an error.
    """
    try:
        return _unpack(state, oauth_args)
    except errors.FatalClientError:
        raise
    except errors.OAuth2Error as error:
        _aim_at_registered_redirect_uri(state, error, oauth_args)
        raise


def _unpack(state: ProviderState, oauth_args: tuple) -> tuple:
    uri, method, body, headers = oauth_args
    from_body = body is not None
    params = parse_qsl(body if from_body else urlsplit(uri).query, keep_blank_values=True)
    request_uris = [v for k, v in params if k == "request_uri"]
    if any(not v.startswith(REQUEST_URI_PREFIX) for v in request_uris):
        raise RequestURINotSupported()
    objects = [v for k, v in params if k == "request"]
    if not objects:
        return oauth_args
    if len(objects) > 1 or request_uris:
        raise errors.InvalidRequestFatalError(
            description="Send one request object: request once, and no request_uri "
                        "(RFC 9101 §5).")
    client_ids = [v for k, v in params if k == "client_id"]
    if len(client_ids) != 1 or not client_ids[0]:
        # RFC 9101 §5: client_id is REQUIRED beside the request object.
        raise errors.MissingClientIdError()
    client = _client(state, client_ids[0], uri, method, headers)
    parameters = request_object_parameters(client, objects[0])
    query = urlencode(list(parameters.items()))
    if from_body:
        return uri, method, query, headers
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(query=query)), method, None, headers


def _aim_at_registered_redirect_uri(state: ProviderState, error: errors.OAuth2Error,
                                    oauth_args: tuple) -> None:
    """Let ``error`` be redirected to the request's ``redirect_uri`` when it is one the
    request's client registered; leave it unredirectable otherwise."""
    uri, method, body, headers = oauth_args
    request = Request(uri, method, body, headers)
    client_id, redirect_uri = _single(request, "client_id"), _single(request, "redirect_uri")
    if not client_id or not redirect_uri:
        return
    validator = state.validator
    if pushed_requests_required(validator, state.config.require_par, client_id, request):
        # RFC 9126 §5, §6: a request that had to be pushed is never redirected.
        return
    try:
        known = validator.validate_client_id(client_id, request) and \
            validator.validate_redirect_uri(client_id, redirect_uri, request)
    except errors.OAuth2Error:
        known = False
    if not known:
        return
    error.redirect_uri = redirect_uri
    error.client_id = client_id
    error.state = _single(request, "state")
    error.response_type = _single(request, "response_type")
    error.response_mode = _single(request, "response_mode")


def _single(request: Request, name: str) -> Any:
    value = getattr(request, name, None)
    return value if isinstance(value, str) and value else None


def _client(state: ProviderState, client_id: str, uri: str, method: str,
            headers: dict) -> Any:
    """The client of ``client_id`` through the validator (``validate_client_id`` sets
    ``request.client``), or ``invalid_client`` without a redirect."""
    request = Request(uri, method, None, headers)
    request.client_id = client_id
    if not state.validator.validate_client_id(client_id, request) or request.client is None:
        raise errors.InvalidClientIdError()
    return request.client
