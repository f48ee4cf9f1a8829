"""Protected resources (RFC 6750): the ``require_oauth`` machinery and ``current_token``.

``OAuth2Provider.require_oauth`` builds its decorator with :func:`protect`; this module
reaches the app's server through :func:`~flask_oauth_provider.state.current_state` and
never imports the provider or the views. What a protected call finds out lives on the
current Flask request (``flask.request.oauth`` is the core request, as in
Flask-OAuthlib), so nothing of one request is seen by the next.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Union

from flask import Response
from flask import request as flask_request
from werkzeug.local import LocalProxy

from . import http
from .callbacks import expires_at
from .core.request import Request
from .core.tokens import bearer_token_locations
from .state import current_state

ScopesArg = Union[str, list, tuple, Callable[[Any], Any]]

#: The attribute of the Flask request that holds its :class:`CurrentToken`.
_CURRENT_TOKEN_ATTRIBUTE = "oauth2_current_token"  # noqa: S105 (an attribute name)


# -- the token of the current request ------------------------------------------------------


@dataclass
class CurrentToken:
    """What ``current_token`` points at inside a view protected by ``require_oauth``.

    ``scopes`` are the scopes the token was *granted* (as the validator reports them in
    ``request.scopes``; the bundled validators do), not the ones the view required;
    ``token`` is the stored token object the validator found; ``request`` is the core
    request (``flask.request.oauth`` refers to it too, as in Flask-OAuthlib).
    """

    user: Any
    client: Any
    scopes: list[str]
    expires_at: Any
    token: Any
    request: Request


def _get_current_token() -> Optional[CurrentToken]:
    try:
        return getattr(flask_request, _CURRENT_TOKEN_ATTRIBUTE, None)
    except RuntimeError:  # outside a request: no token
        return None


#: The access token of the current request, set by ``require_oauth``: it has ``user``,
#: ``client``, ``scopes`` (granted), ``expires_at`` and ``token``. It is falsy in an
#: ``optional=True`` view called without a token (test with ``if not current_token``).
current_token: CurrentToken = LocalProxy(_get_current_token)  # type: ignore[assignment]


# -- refusals (RFC 6750 §3) ----------------------------------------------------------------


def bearer_refusal(status: int, error: Optional[str], description: Optional[str] = None,
                   scope: Optional[list[str]] = None) -> Response:
    """A refused protected-resource request (RFC 6750 §3, §3.1), JSON body.

    Without a token (``error=None``) the challenge carries no error code (RFC 6750 §3:
    "SHOULD NOT include an error code or other error information"); a ``description``
    then goes in the JSON body only.
    """
    params = []
    if error:
        params.append(f'error="{error}"')
    if description and error:
        params.append(f'error_description="{description}"')
    if scope:
        params.append(f'scope="{" ".join(scope)}"')
    challenge = "Bearer" + (" " + ", ".join(params) if params else "")
    payload = {"error": error or "unauthorized"}
    if description:
        payload["error_description"] = description
    elif error is None:
        payload["error_description"] = "This resource needs an OAuth 2.0 bearer token."
    headers = {"WWW-Authenticate": challenge} if status in (400, 401, 403) else {}
    return http.json_response(payload, status, headers)


# -- the check ---------------------------------------------------------------------------


class ResourceHooks(Protocol):
    """The Flask-OAuthlib hooks a protected call runs (the provider's compat mixin)."""

    before_request_funcs: list[Callable[[], Any]]
    after_request_funcs: list[Callable[[bool, Request], tuple[bool, Request]]]
    invalid_response_func: Optional[Callable[[Request], Any]]


def resolve_scopes(scopes: tuple) -> list[str]:
    """The scopes a view requires: strings, lists of strings, or one callable(request)."""
    if len(scopes) == 1 and callable(scopes[0]):
        scopes = (scopes[0](flask_request),)
    required: list[str] = []
    for item in scopes:
        if item is None:
            continue
        if isinstance(item, str):
            required.extend(item.split())
        else:
            for scope in item:
                required.extend(str(scope).split())
    return list(dict.fromkeys(required))


def verify_token(scopes: list[str]) -> tuple[bool, Request]:
    """``(valid, core_request)`` for the current request's bearer token and ``scopes``.

    A token sent in more than one way is never valid (RFC 6750 §2).
    """
    uri, method, body, headers = http.extract_resource_params()
    valid, request = current_state().server.verify_request(uri, method, body, headers, scopes)
    if len(bearer_token_locations(request)) > 1:
        valid = False
    return valid, request


def check_token(hooks: ResourceHooks, required: list[str], optional: bool) -> Any:
    """Verify the request's token; a :class:`CurrentToken`, ``None`` or a refusal."""
    state = current_state()
    if not http.transport_is_secure(state.config.insecure_transport):
        return bearer_refusal(400, "invalid_request", "HTTPS is required.")
    uri, method, body, headers = http.extract_resource_params()
    server = state.server
    valid, request = server.verify_request(uri, method, body, headers, required)
    locations = bearer_token_locations(request)
    presented = bool(locations) or http.authorization_scheme(headers) == "bearer"
    for after in hooks.after_request_funcs:
        valid, request = after(valid, request)

    problem: Optional[tuple] = None
    error = getattr(request, "verify_error", None)
    if error is not None:
        status = error.status_code if error.status_code in (400, 500, 503) else 400
        problem = (status, error.error or "invalid_request", None)
    elif len(locations) > 1:
        # RFC 6750 §2: a client MUST NOT use more than one method per request.
        problem = (400, "invalid_request", "The access token was sent in more than one way.")
    elif not valid:
        if not presented:
            if optional:
                return None
            problem = (401, None, _no_token_description(state.config.allow_query_token))
        elif required and server.verify_request(uri, method, body, headers, [])[0]:
            # The token is good without the scopes: RFC 6750 §3.1 insufficient_scope.
            problem = (403, "insufficient_scope", None)
        else:
            problem = (401, "invalid_token", None)

    if problem is not None:
        return _refuse(hooks, request, required, *problem)
    return _remember(request)


#: Why a token in the query string did not count (RFC 6750 §2.3; RFC 9700 §4.3.2).
QUERY_STRING_REFUSAL = (
    "Tokens in the query string are not accepted; send an Authorization: Bearer header.")


def _no_token_description(query_tokens_allowed: bool) -> Optional[str]:
    """The body's explanation of a call without a usable token: a query token is named."""
    if not query_tokens_allowed and "access_token" in flask_request.args:
        return QUERY_STRING_REFUSAL
    return None


#: Why a token was refused, in Flask-OAuthlib's words, by RFC 6750 §3.1 error code (the
#: sentence an ``invalid_response`` handler finds in ``request.error_message`` when the
#: validator did not give its own, such as "Bearer token is expired.").
REFUSAL_REASONS = {
    None: "Bearer token not found.",
    "invalid_token": "Bearer token not found.",
    "insufficient_scope": "Bearer token scope not valid.",
    "invalid_request": "The request is not a valid protected resource request.",
    "server_error": "The token could not be checked.",
    "temporarily_unavailable": "The token could not be checked.",
}


def _refuse(hooks: ResourceHooks, request: Request, required: list[str], status: int,
            code: Optional[str], description: Optional[str]) -> Any:
    """The answer to a refused call: the app's ``invalid_response`` or RFC 6750 §3.

    The handler gets the core request with ``error`` (the RFC 6750 §3.1 code, ``None``
    when no token was sent) and ``error_message`` (a readable reason: this layer's own
    when it has one, else the validator's, else :data:`REFUSAL_REASONS`).
    """
    if hooks.invalid_response_func is not None:
        verify_error = getattr(request, "verify_error", None)
        request.error = code
        request.error_message = (description
                                 or getattr(verify_error, "description", None)
                                 or getattr(request, "error_message", None)
                                 or REFUSAL_REASONS.get(code, REFUSAL_REASONS[None]))
        return hooks.invalid_response_func(request)
    if status == 403:
        return bearer_refusal(403, "insufficient_scope", scope=required)
    return bearer_refusal(status, code, description)


def _remember(request: Request) -> CurrentToken:
    """Build the :class:`CurrentToken` and keep it on the current Flask request."""
    token_obj = getattr(request, "access_token", None)
    if isinstance(token_obj, str):
        token_obj = None
    current = CurrentToken(
        user=getattr(request, "user", None),
        client=getattr(request, "client", None),
        scopes=list(getattr(request, "scopes", None) or []),
        expires_at=expires_at(token_obj) if token_obj is not None else None,
        token=token_obj,
        request=request,
    )
    setattr(flask_request, _CURRENT_TOKEN_ATTRIBUTE, current)
    flask_request.oauth = request
    return current


def protect(hooks: ResourceHooks, scopes: tuple, optional: bool,
            view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` wrapped so that it runs only with a valid token covering every scope."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for before in hooks.before_request_funcs:
            rv = before()
            if rv is not None:
                return rv
        required = resolve_scopes(scopes)
        outcome = check_token(hooks, required, optional)
        if not isinstance(outcome, CurrentToken) and outcome is not None:
            return outcome
        return view(*args, **kwargs)

    return wrapper
