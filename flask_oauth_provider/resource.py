"""Protected resources (RFC 6750): the ``require_oauth`` machinery and ``current_token``.

``OAuth2Provider.require_oauth`` builds its decorator with :func:`protect`; this module
reaches the app's server through :func:`~flask_oauth_provider.state.current_state` and
never imports the provider or the views. What a protected call finds out lives on the
current Flask request (``flask.request.oauth`` is the core request, as in
Flask-OAuthlib), so nothing of one request is seen by the next.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Optional, Protocol, Union

from flask import Response
from flask import request as flask_request
from werkzeug.local import LocalProxy

from . import dpop, http
from .access_tokens import VerificationKeys, looks_like_jwt, verify_locally
from .bearer import GENERAL_PATH, SelectWidth, check_plain_bearer
from .callbacks import expires_at
from .core.request import Request
from .core.resource_indicators import audience_list
from .core.resource_metadata import bearer_challenge, metadata_url
from .core.tokens import bearer_token_locations, get_token_from_header
from .state import current_state, issuer_of, own_resource_at

log = logging.getLogger("flask_oauth_provider.resource")

ScopesArg = Union[str, list, tuple, Callable[[Any], Any]]
_UNSET: Any = object()

#: The attribute of the Flask request that holds its :class:`CurrentToken`.
_CURRENT_TOKEN_ATTRIBUTE = "oauth2_current_token"  # noqa: S105 (an attribute name)


# -- the token of the current request ------------------------------------------------------


class CurrentToken:
    """What ``current_token`` points at inside a view protected by ``require_oauth``.

    ``scopes`` are the scopes the token was *granted* (not the ones the view required),
    ``client_id`` the client's id, ``sub`` the user's id as text (``None`` for a
    client's own token), ``expires_at`` the expiry (naive UTC, ``None`` = never);
    ``user``, ``client`` and ``token`` (the stored token object) load on first use when
    the short path found the token; ``request`` is the core request
    (``flask.request.oauth`` refers to it too, as in Flask-OAuthlib).
    """

    __slots__ = ("scopes", "expires_at", "_record", "_values")

    def __init__(self, user: Any = None, client: Any = None, scopes: Any = (),
                 expires_at: Any = None, token: Any = None, request: Any = None, *,
                 record: Any = None) -> None:
        self.scopes = list(scopes or [])
        self.expires_at = expires_at
        self._record = record
        self._values = {} if record is not None else {
            "user": user, "client": client, "token": token, "request": request}

    def _get(self, name: str) -> Any:
        value = self._values.get(name, _UNSET)
        if value is _UNSET:
            value = self._values[name] = getattr(self._record, name)
        return value

    @property
    def user(self) -> Any:
        return self._get("user")

    @property
    def client(self) -> Any:
        return self._get("client")

    @property
    def token(self) -> Any:
        return self._get("token")

    @property
    def request(self) -> Any:
        value = self._values.get("request", _UNSET)
        if value is _UNSET:
            value = self._values["request"] = _core_request(self)
        return value

    @property
    def client_id(self) -> Optional[str]:
        if self._record is not None:
            return self._record.client_id
        return getattr(self.client, "client_id", None)

    @property
    def sub(self) -> Optional[str]:
        if self._record is not None:
            return self._record.sub
        user = self.user
        get_id = getattr(user, "get_id", None)  # Flask-Login's UserMixin
        if callable(get_id):
            value = get_id()
            return None if value is None else str(value)
        return None

    def __repr__(self) -> str:
        return (f"<CurrentToken client_id={self.client_id!r} sub={self.sub!r} "
                f"scopes={self.scopes!r}>")


class _OAuthRequest:
    """``flask.request.oauth`` after the short path: the core request, built on first use
    of anything but ``user``, ``client``, ``scopes`` and ``access_token``."""

    __slots__ = ("_current",)

    def __init__(self, current: CurrentToken) -> None:
        self._current = current

    @property
    def user(self) -> Any:
        return self._current.user

    @property
    def client(self) -> Any:
        return self._current.client

    @property
    def scopes(self) -> list[str]:
        return self._current.scopes

    @property
    def access_token(self) -> Any:
        return self._current.token

    def __getattr__(self, name: str) -> Any:
        return getattr(self._current.request, name)


def _core_request(current: CurrentToken) -> Request:
    """The core request of the current Flask request, as the general path would give."""
    uri, method, body, headers = http.extract_resource_params()
    request = Request(uri, http_method=method, body=body, headers=headers)
    request.token_type = "Bearer"  # noqa: S105 - the token type's name
    request.verify_error = None
    request.user, request.client = current.user, current.client
    request.scopes, request.access_token = list(current.scopes), current.token
    return request

    @property
    def client_id(self) -> Optional[str]:
        return getattr(self.client, "client_id", None)

    @property
    def aud(self) -> list[str]:
        """The resources the token is for (RFC 8707), when the store keeps them."""
        return audience_list(getattr(self.token, "resources", None))


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
                   scope: Optional[list[str]] = None,
                   resource_metadata: Optional[str] = None,
                   headers: Optional[dict[str, str]] = None, **challenge: Any) -> Response:
    """A refused protected-resource request (RFC 6750 §3, §3.1), JSON body.

    Without a token (``error=None``) the challenge carries no error code (RFC 6750 §3:
    "SHOULD NOT include an error code or other error information"); a ``description``
    then goes in the JSON body only. ``resource_metadata`` is the URL of the resource's
    RFC 9728 document (§5.1). ``challenge`` holds the DPoP options of
    :func:`~flask_oauth_provider.core.resource_metadata.bearer_challenge` (RFC 9449
    §7.1); ``headers`` are added to the answer (``DPoP-Nonce``, §9).
    """
    www_authenticate = bearer_challenge(error, description if error else None, scope,
                                        resource_metadata, **challenge)
    payload = {"error": error or "unauthorized"}
    if description:
        payload["error_description"] = description
    elif error is None:
        payload["error_description"] = "This resource needs an OAuth 2.0 bearer token."
    answer_headers = dict(headers or {})
    if status in (400, 401, 403):
        answer_headers["WWW-Authenticate"] = www_authenticate
    return http.json_response(payload, status, answer_headers)


# -- the check ---------------------------------------------------------------------------


class ResourceHooks(Protocol):
    """The Flask-OAuthlib hooks a protected call runs (the provider's compat mixin)."""

    before_request_funcs: list[Callable[[], Any]]
    after_request_funcs: list[Callable[[bool, Request], tuple[bool, Request]]]
    invalid_response_func: Optional[Callable[[Request], Any]]


def check_scopes_argument(scopes: tuple) -> None:
    """Refuse ``require_oauth(None)`` or ``require_oauth("")`` when the view is decorated.

    Such a call usually comes from a scope map lookup that missed; read as "no scope",
    it would open the view to any valid token. ``require_oauth()`` says that explicitly.
    """
    for item in scopes:
        if item is None or (isinstance(item, str) and not item.strip()):
            raise ValueError(
                f"require_oauth({item!r}): a scope is missing. Use require_oauth() for a "
                "view that any valid token may call.")


def resolve_scopes(scopes: tuple) -> Optional[list[str]]:
    """The scopes a view requires: strings, lists of strings, or one callable(request).

    The callable's ``None`` or blank string means "refuse every token" (``None`` is
    returned): a scope map with no entry for this request must not open the view. An
    explicit empty list or tuple means any valid token.
    """
    if len(scopes) == 1 and callable(scopes[0]):
        answer = scopes[0](flask_request)
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            log.warning("require_oauth: the scopes callable of %s returned %r; refused.",
                        flask_request.path, answer)
            return None
        scopes = (answer,)
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

    A token sent in more than one way is never valid (RFC 6750 §2), nor is a DPoP-bound
    token without its proof (RFC 9449 §7; ``request.error`` then says why).
    """
    uri, method, body, headers = http.extract_resource_params()
    scheme = http.authorization_scheme(headers)
    state = current_state()
    valid, request = state.server.verify_request(
        uri, method, body, dpop.as_bearer(headers) if scheme == "dpop" else headers, scopes)
    if len(bearer_token_locations(request)) > 1:
        valid = False
    if valid:
        refusal = dpop.check_resource_call(state, scheme, get_token_from_header(request),
                                           dpop.token_jkt(request.access_token))
        if refusal is not None:
            valid, request.error = False, refusal.error
    return valid, request


def check_token(hooks: ResourceHooks, required: Optional[list[str]], optional: bool) -> Any:
    """Verify the request's token; a :class:`CurrentToken`, ``None`` or a refusal.

    ``required=None`` refuses every token (403 ``insufficient_scope`` for a valid one).
    """
    refuse_all = required is None
    required = required or []
    state = current_state()
    if not http.transport_is_secure(state.config.insecure_transport):
        return bearer_refusal(400, "invalid_request", "HTTPS is required.")
    uri, method, body, headers = http.extract_resource_params()
    scheme = http.authorization_scheme(headers)
    if scheme == "dpop":
        headers = dpop.as_bearer(headers)  # RFC 9449 §7.1; the proof is checked below
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
    elif refuse_all:
        problem = (403, "insufficient_scope", None)
    if (problem is None or problem[0] == 403) and (
            _meant_for_another_resource(request) or not _jwt_holds(state, request)):
        problem = (401, "invalid_token", None)
    if problem is None or problem[0] == 403:
        refusal = dpop.check_resource_call(state, scheme, get_token_from_header(request),
                                           dpop.token_jkt(getattr(request, "access_token", None)))
        if refusal is not None:
            problem = (refusal.status, refusal.error, refusal.description, refusal.headers)

    if problem is not None:
        return _refuse(hooks, request, required, *problem)
    return _remember(request)


def _jwt_holds(state: Any, request: Request) -> bool:
    """A JWT access token (RFC 9068) is also verified here: signature, ``typ``, ``iss``,
    ``exp`` and ``aud`` (:func:`~flask_oauth_provider.access_tokens.verify_locally`);
    an opaque token has nothing more to check."""
    token = get_token_from_header(request)
    return not looks_like_jwt(token) or _jwt_verified(state, token)


def _jwt_verified(state: Any, token: str) -> bool:
    """:func:`~flask_oauth_provider.access_tokens.verify_locally` with the app's keys and
    issuer, and this view's resource as the audience."""
    keys = state.__dict__.get("jwt_verification_keys")
    if keys is None:
        keys = state.__dict__["jwt_verification_keys"] = VerificationKeys(state.keyring)
    own = own_resource_at(state.config, flask_request.path)
    return verify_locally(token, keys, issuer_of(state.config), own[0] if own else None)


def _meant_for_another_resource(request: Request) -> bool:
    """Whether the token the core request found is meant for another resource."""
    return not _audience_holds(getattr(request, "access_token", None))


def _audience_holds(token: Any) -> bool:
    """Whether the token's audience (RFC 8707) names the resource of this view.

    A view belongs to a resource of ``OAUTH2_PROVIDER_RESOURCES`` served by this app (or,
    with none listed, to the issuer); a token that records its audience must name it
    (RFC 9068 §4, RFC 8707 §2). Tokens without a recorded audience (stores that keep
    none) and views outside every listed resource are not checked.
    """
    audience = audience_list(getattr(token, "resources", None)) if token is not None else []
    if not audience:
        return True
    own = own_resource_at(current_state().config, flask_request.path)
    return own is None or own[0] in audience


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
            code: Optional[str], description: Optional[str],
            headers: Optional[dict[str, str]] = None) -> Any:
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
    config = current_state().config
    own = own_resource_at(config, flask_request.path)
    where = metadata_url(own[0]) if own is not None else None
    bound = dpop.token_jkt(getattr(request, "access_token", None))
    challenge = dpop.challenge_options(config, _scheme_used(), bool(bound))
    if status == 403:
        return bearer_refusal(403, "insufficient_scope", scope=required,
                              resource_metadata=where, **challenge)
    return bearer_refusal(status, code, description, resource_metadata=where,
                          headers=headers, **challenge)


def _scheme_used() -> Optional[str]:
    """The lower-cased ``Authorization`` scheme of the current request."""
    return flask_request.headers.get("Authorization", "").partition(" ")[0].lower() or None


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
    _publish(current, request)
    return current


def _publish(current: CurrentToken, oauth: Any) -> None:
    """Keep ``current`` on the Flask request: ``current_token``, and ``request.oauth``."""
    set_current_token(current)
    flask_request.oauth = oauth


def _refusal_here(status: int, error: Optional[str], description: Optional[str] = None,
                  scope: Optional[list[str]] = None, headers: Optional[dict] = None,
                  dpop_involved: bool = False) -> Response:
    """:func:`bearer_refusal` naming this view's RFC 9728 document, if it has one."""
    config = current_state().config
    own = own_resource_at(config, flask_request.path)
    return bearer_refusal(status, error, description, scope=scope,
                          resource_metadata=metadata_url(own[0]) if own is not None else None,
                          headers=headers,
                          **dpop.challenge_options(config, _scheme_used(), dpop_involved))


def _proof_here(scheme: str, token: str, token_jkt: Optional[str]) -> Optional[Response]:
    """The short path's DPoP check (RFC 9449 §7): ``None``, or the refusal."""
    refusal = dpop.check_resource_call(current_state(), scheme, token, token_jkt)
    if refusal is None:
        return None
    return _refusal_here(refusal.status, refusal.error, refusal.description,
                         headers=refusal.headers, dpop_involved=bool(token_jkt))


def check_plain(hooks: ResourceHooks, required: list[str], wide: bool) -> Any:
    """The short path of a protected call (see :mod:`flask_oauth_provider.bearer`): a
    :class:`CurrentToken`, a refusal, or ``GENERAL_PATH``.

    Same rules as :func:`check_token` for an opaque token in the header: revocation,
    expiry, the audience (RFC 8707) and the scopes; refusals name the view's RFC 9728
    document. A JWT access token (RFC 9068) is verified first (signature, ``typ``,
    ``iss``, ``exp``, ``aud``); its row then answers for revocation and scopes as an
    opaque token's does. One that fails is left to the general path, which refuses it.
    """
    if hooks.after_request_funcs or hooks.invalid_response_func is not None:
        return GENERAL_PATH  # Flask-OAuthlib hooks see the core request
    state = current_state()
    validator = state.validator
    fast = getattr(validator, "fast_bearer_path", None)
    if fast is None or not fast() or not http.transport_is_secure(
            state.config.insecure_transport):
        return GENERAL_PATH
    authorization = flask_request.environ.get("HTTP_AUTHORIZATION", "")
    if state.config.require_dpop and authorization[:5].lower() != "dpop ":
        return GENERAL_PATH  # it refuses the bearer call (RFC 9449 §7.2)
    value = authorization.rpartition(" ")[2]
    if looks_like_jwt(value) and not _jwt_verified(state, value):
        return GENERAL_PATH  # refused there, with the general path's own answer
    record = check_plain_bearer(flask_request.environ, validator, state.server, required,
                                _refusal_here, wide, audience_ok=_audience_holds,
                                proof_check=_proof_here)
    if record is GENERAL_PATH or isinstance(record, Response):
        return record
    current = CurrentToken(scopes=record.scopes, expires_at=record.expires_at, record=record)
    _publish(current, _OAuthRequest(current))
    return current


def set_current_token(current: Any) -> None:
    """Make ``current`` what :data:`current_token` points at for this Flask request
    (the provider's :class:`CurrentToken`, or a ResourceServer's token)."""
    setattr(flask_request, _CURRENT_TOKEN_ATTRIBUTE, current)


def protect(hooks: ResourceHooks, scopes: tuple, optional: bool,
            view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` wrapped so that it runs only with a valid token covering every scope.

    Fixed scopes are parsed once, here; the short path is tried first (see
    :func:`check_plain`), and what the view touched tells which SELECT it gets next.
    """
    fixed = None if len(scopes) == 1 and callable(scopes[0]) else resolve_scopes(scopes)
    width = SelectWidth()

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for before in hooks.before_request_funcs:
            rv = before()
            if rv is not None:
                return rv
        required = resolve_scopes(scopes) if fixed is None else list(fixed)
        # ``None`` (refuse every token) only the general path answers.
        outcome = GENERAL_PATH if required is None else check_plain(hooks, required,
                                                                    width.wide)
        if outcome is GENERAL_PATH:
            outcome = check_token(hooks, required, optional)
        if not isinstance(outcome, CurrentToken) and outcome is not None:
            return outcome
        rv = view(*args, **kwargs)
        if outcome is not None and outcome._record is not None:
            width.learn(outcome._record)
        return rv

    return wrapper
