"""What every grant type shares: hooks, modifiers, client authentication, redirects.

The grant classes in this package call the validator in oauthlib's order, call for call
(each grant's docstring lists it); the helpers here are the steps that several grants
take in the same way (client authentication, redirect URI handling, scope defaults,
the shape of a token endpoint response).
"""

from __future__ import annotations

import logging
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Optional

from .. import errors
from ..client_auth import bind_authenticated_client
from ..request import Request, get_parse_error
from ..signals import CLIENT_AUTHENTICATED, SendSignal, no_signal
from ..utils import add_params_to_uri, is_absolute_uri, is_secure_transport, scope_to_list
from ..validator import RequestValidator

log = logging.getLogger("flask_oauth_provider.core.grants")

Headers = dict
TokenResponse = tuple  # (headers: dict, body: str | None, status: int)


class ValidatorsContainer:
    """The four lists of custom validators a grant runs around its own checks.

    * ``pre_auth`` / ``post_auth``: ``fn(request) -> dict``, run by
      ``validate_authorization_request`` before the standard checks (but after the
      fatal client_id / redirect_uri checks) and after them. The returned dicts are
      merged into the ``request_info`` the authorization endpoint hands back.
    * ``pre_token`` / ``post_token``: ``fn(request) -> None``, run by
      ``validate_token_request`` before and after the standard checks.

    Any of them may raise an :class:`~flask_oauth_provider.core.errors.OAuth2Error`
    to refuse the request.
    """

    def __init__(
        self,
        post_auth: Any,
        post_token: Any,
        pre_auth: Any,
        pre_token: Any,
    ) -> None:
        self.pre_auth = pre_auth
        self.post_auth = post_auth
        self.pre_token = pre_token
        self.post_token = post_token

    @property
    def all_pre(self) -> Iterator[Callable]:
        """``pre_auth`` then ``pre_token`` (the implicit grant runs both at once)."""
        return chain(self.pre_auth, self.pre_token)

    @property
    def all_post(self) -> Iterator[Callable]:
        """``post_auth`` then ``post_token`` (the implicit grant runs both at once)."""
        return chain(self.post_auth, self.post_token)


class GrantTypeBase:
    """Base class of the grant types.

    ``GrantTypeBase(request_validator=None, **kwargs)``: every keyword argument
    becomes an attribute of the grant (``refresh_token=False`` stops issuing refresh
    tokens, ``pkce_plain=True`` allows the PKCE ``plain`` method, ...). The keywords
    ``pre_auth``, ``post_auth``, ``pre_token`` and ``post_token`` (lists of callables)
    seed :attr:`custom_validators`.

    Grants that have no authorization step (no ``validate_authorization_request``)
    refuse authorization validators: passing them raises ``ValueError`` and their
    ``pre_auth``/``post_auth`` are immutable tuples.
    """

    error_uri: Optional[str] = None
    request_validator: Optional[RequestValidator] = None
    default_response_mode = "fragment"
    refresh_token = True
    response_types: list = ["code"]  # copied per instance in __init__
    #: ``send_signal(name, request)``: the server's signal hook (``core.signals``).
    send_signal: SendSignal = staticmethod(no_signal)

    def __init__(self, request_validator: Optional[RequestValidator] = None, **kwargs: Any) -> None:
        self.request_validator = request_validator or RequestValidator()
        # Per-instance copies: register_response_type() on one grant must not change
        # the class (and so every other grant of that class).
        self.response_types = list(self.response_types)
        self.refresh_token = self.refresh_token
        self._setup_custom_validators(kwargs)
        self._code_modifiers: list = []
        self._token_modifiers: list = []
        for name, value in kwargs.items():
            setattr(self, name, value)

    def _setup_custom_validators(self, kwargs: dict) -> None:
        pre_auth = kwargs.get("pre_auth", [])
        post_auth = kwargs.get("post_auth", [])
        pre_token = kwargs.get("pre_token", [])
        post_token = kwargs.get("post_token", [])
        if not hasattr(self, "validate_authorization_request"):
            if pre_auth or post_auth:
                raise ValueError(
                    f"{type(self).__name__} does not support authorization validators. "
                    "Use token validators instead."
                )
            # Tuples, so that appending an authorization validator fails loudly.
            pre_auth, post_auth = (), ()
        self.custom_validators = ValidatorsContainer(post_auth, post_token, pre_auth, pre_token)

    # -- registration ---------------------------------------------------------------

    def register_response_type(self, response_type: str) -> None:
        """Accept one more ``response_type`` value on this grant."""
        self.response_types.append(response_type)

    def register_code_modifier(self, modifier: Callable) -> None:
        """Add ``modifier(grant, token_handler, request) -> grant``, run on each new code."""
        self._code_modifiers.append(modifier)

    def register_token_modifier(self, modifier: Callable) -> None:
        """Add a token modifier, run on each new token before it is saved.

        Called as ``modifier(token, token_handler, request) -> token`` by the
        authorization code, implicit and refresh token grants, and as
        ``modifier(token) -> token`` by the client credentials and password grants
        (the same call shapes as oauthlib).
        """
        self._token_modifiers.append(modifier)

    # -- entry points -------------------------------------------------------------------

    def create_authorization_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Answer an authorization request: ``(headers, body, status)``."""
        raise NotImplementedError("Subclasses must implement this method.")

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Answer a token request: ``(headers, body, status)``."""
        raise NotImplementedError("Subclasses must implement this method.")

    # -- shared checks ------------------------------------------------------------------

    def add_token(self, token: dict, token_handler: Any, request: Request) -> dict:
        """Add an access token to an authorization response of a hybrid response type."""
        if request.response_type not in (
            "token",
            "code token",
            "id_token token",
            "code id_token token",
        ):
            return token
        token.update(token_handler.create_token(request, refresh_token=False))
        return token

    def validate_grant_type(self, request: Request) -> None:
        """Refuse a grant type the client may not use.

        RFC 6749 §5.2: ``unauthorized_client`` - "The authenticated client is not
        authorized to use this authorization grant type."
        """
        client_id = getattr(request, "client_id", None)
        if not self.request_validator.validate_grant_type(
            client_id, request.grant_type, request.client, request
        ):
            log.debug("Client %r may not use grant type %r.", request.client_id, request.grant_type)
            raise errors.UnauthorizedClientError(request=request)

    def validate_scopes(self, request: Request) -> None:
        """Fill ``request.scopes`` (requested, else the client's defaults) and check them.

        RFC 6749 §3.3: "If the client omits the scope parameter when requesting
        authorization, the authorization server MUST either process the request using
        a pre-defined default value or fail the request indicating an invalid scope."
        """
        if not request.scopes:
            request.scopes = scope_to_list(request.scope) or scope_to_list(
                self.request_validator.get_default_scopes(request.client_id, request)
            )
        log.debug("Validating scopes %r for client %r.", request.scopes, request.client_id)
        if not self.request_validator.validate_scopes(
            request.client_id, request.scopes, request.client, request
        ):
            raise errors.InvalidScopeError(request=request)

    def validate_client_authentication(self, request: Request) -> None:
        """Authenticate the client at the token endpoint (RFC 6749 §3.2.1, §2.3).

        ``client_authentication_required(request)`` decides: if true,
        ``authenticate_client(request)`` (RFC 6749 §3.2.1: "Confidential clients or
        other clients issued client credentials MUST authenticate with the
        authorization server"); otherwise ``authenticate_client_id(client_id,
        request)`` identifies a public client (§3.2.1: ``client_id`` is REQUIRED "if
        the client is not authenticating with the authorization server").

        Afterwards ``request.client`` must be set, and ``request.client_id`` is filled
        from it; a request whose ``client_id`` names another client than the one that
        authenticated gets ``invalid_client`` (oauthlib answers ``server_error``).
        """
        if self.request_validator.client_authentication_required(request):
            self.validate_client_confidential(request)
        else:
            self.validate_client_public(request)

    def validate_client_confidential(self, request: Request) -> None:
        """``authenticate_client(request)``, or ``invalid_client`` (RFC 6749 §5.2)."""
        if not self.request_validator.authenticate_client(request):
            log.debug("Client authentication failed for client %r.", request.client_id)
            raise errors.InvalidClientError(request=request)
        self.send_signal(CLIENT_AUTHENTICATED, request)
        bind_authenticated_client(request, "authenticate_client")

    def validate_client_public(self, request: Request) -> None:
        """``authenticate_client_id(client_id, request)``, or ``invalid_client``."""
        if not self.request_validator.authenticate_client_id(request.client_id, request):
            log.debug("Unknown or unusable public client %r.", request.client_id)
            raise errors.InvalidClientError(request=request)
        self.send_signal(CLIENT_AUTHENTICATED, request)
        bind_authenticated_client(request, "authenticate_client_id")

    def _check_duplicate_params(
        self, request: Request, params: Iterable[str], fatal: bool = False
    ) -> None:
        """Refuse a request that repeats one of ``params``.

        RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be included
        more than once." On the authorization endpoint the error is fatal (shown to
        the user, no redirect) because the redirect URI is not validated yet.
        """
        error_class = errors.InvalidRequestFatalError if fatal else errors.InvalidRequestError
        if get_parse_error(request):
            # The parser's own message may quote the input; never echo it.
            description = (
                "Unable to parse query string" if fatal else "Unable to parse the request."
            )
            raise error_class(description=description, request=request)
        duplicates = request.duplicate_params
        for param in params:
            if param in duplicates:
                raise error_class(description=f"Duplicate {param} parameter.", request=request)

    def _handle_redirects(self, request: Request) -> None:
        """Validate the redirect URI of an authorization request, or use the default.

        RFC 6749 §3.1.2: the redirection URI "MUST be an absolute URI" and "MUST NOT
        include a fragment component"; §3.1.2.3: a given URI must match a registered
        one, and without one the registered default is used; §3.1.2.4 / §4.1.2.1: a
        missing, invalid or mismatching redirect URI MUST NOT be redirected to (these
        errors are fatal).
        """
        if request.redirect_uri is not None:
            request.using_default_redirect_uri = False
            if "#" in request.redirect_uri or not is_absolute_uri(request.redirect_uri):
                raise errors.InvalidRedirectURIError(request=request)
            if not self.request_validator.validate_redirect_uri(
                request.client_id, request.redirect_uri, request
            ):
                raise errors.MismatchingRedirectURIError(request=request)
        else:
            request.redirect_uri = self.request_validator.get_default_redirect_uri(
                request.client_id, request
            )
            request.using_default_redirect_uri = True
            if not request.redirect_uri:
                raise errors.MissingRedirectURIError(request=request)
            if "#" in request.redirect_uri or not is_absolute_uri(request.redirect_uri):
                raise errors.InvalidRedirectURIError(request=request)

    def prepare_authorization_response(
        self, request: Request, token: dict, headers: dict, body: Any, status: int
    ) -> TokenResponse:
        """Put ``token`` into the redirect URI, in the query or in the fragment.

        The response mode is ``request.response_mode`` when it is ``query`` or
        ``fragment``, else the grant's ``default_response_mode``. For
        ``response_type=none`` only ``state`` is returned (OAuth 2.0 Multiple Response
        Type Encoding Practices §4). RFC 6749 §3.1.2: the query component of the
        registered URI "MUST be retained when adding additional query parameters".
        """
        request.response_mode = request.response_mode or self.default_response_mode
        if request.response_mode not in ("query", "fragment"):
            log.debug(
                "Unknown response_mode %r, using %r.",
                request.response_mode,
                self.default_response_mode,
            )
            request.response_mode = self.default_response_mode

        items = list(token.items())
        if request.response_type == "none":
            state = token.get("state")
            items = [("state", state)] if state else []

        headers["Location"] = add_params_to_uri(
            request.redirect_uri, items, fragment=request.response_mode == "fragment"
        )
        return headers, body, status

    def _get_default_headers(self) -> Headers:
        """Headers of every token endpoint response, success or error.

        RFC 6749 §5.1: "The parameters are included in the entity-body of the HTTP
        response using the "application/json" media type"; the server "MUST include
        the HTTP "Cache-Control" response header field with a value of "no-store"
        ... as well as the "Pragma" response header field with a value of
        "no-cache"."
        """
        return {
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        }

    def _error_response(self, error: errors.OAuth2Error) -> TokenResponse:
        """A token endpoint error: RFC 6749 §5.2 JSON body, status, and headers.

        A 401 ``invalid_client`` carries ``WWW-Authenticate`` (from ``error.headers``).
        """
        headers = self._get_default_headers()
        headers.update(error.headers)
        return headers, error.json, error.status_code

    def _error_redirect(
        self, request: Request, error: errors.OAuth2Error, fragment: bool
    ) -> TokenResponse:
        """Send a non-fatal authorization error back to the validated redirect URI.

        RFC 6749 §4.1.2.1 / §4.2.2.1: the error parameters are added to the query (or,
        for the implicit grant, the fragment) of the redirection URI.
        """
        request.redirect_uri = request.redirect_uri or self.error_uri
        location = add_params_to_uri(request.redirect_uri, error.twotuples, fragment=fragment)
        return {"Location": location}, None, 302

    def _create_cors_headers(self, request: Request) -> Headers:
        """``Access-Control-Allow-Origin`` for an allowed https ``Origin``, else nothing."""
        if "origin" not in request.headers:
            return {}
        origin = request.headers["origin"]
        if not is_secure_transport(origin):
            log.debug("Origin %r is not https, no CORS headers.", origin)
            return {}
        if not self.request_validator.is_origin_allowed(request.client_id, origin, request):
            log.debug("Origin %r is not allowed for client %r.", origin, request.client_id)
            return {}
        return {"Access-Control-Allow-Origin": origin}
