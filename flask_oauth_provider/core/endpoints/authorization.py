"""The authorization endpoint (RFC 6749 §3.1).

The endpoint builds a :class:`~flask_oauth_provider.core.request.Request`, picks the
grant registered for the ``response_type`` and lets it validate the request or build
the redirect. The rules of each flow live in the grants; this module only routes and
contains failures.

What the caller sees (oauthlib's contract, with our departures marked):

* ``validate_authorization_request`` returns ``(scopes, request_info)`` or raises.
  ``FatalClientError`` (bad client or redirect URI) must be shown to the user and
  never redirected (RFC 6749 §3.1.2.4, §4.1.2.1); other ``OAuth2Error`` can be sent
  back to ``error.redirect_uri`` with ``error.in_uri``.
* ``create_authorization_response`` returns ``(headers, body, status)``: a 302 with
  ``Location`` for success and for redirectable errors; it raises ``FatalClientError``.
* Departure: a query or body that cannot be parsed raises
  ``InvalidRequestFatalError`` (oauthlib raised a plain ``ValueError`` for some).
* Departure: any unexpected exception (a crashing validator) is logged with its
  traceback and raised as ``errors.ServerError`` with status 500 and no redirect URI,
  so the application shows its error page instead of redirecting to a URI that may
  not have been validated yet (RFC 9700 §4.11.2).
* Departure: ``create_authorization_response`` with ``http_method="HEAD"`` raises
  ``InvalidRequestFatalError``: HEAD is safe (RFC 9110 §9.2.1) and never grants.
* Departure: ``validate_authorization_request`` on an unavailable endpoint raises
  ``errors.TemporarilyUnavailableError`` (status 503, no redirect URI) instead of
  returning a 3-tuple where ``(scopes, request_info)`` is expected.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .. import errors
from ..request import Request
from ..utils import scope_to_list
from .base import get_parse_error, parse_error_description, unavailable_response
from .pushed_authorization import PushedAuthorizationEndpoint

log = logging.getLogger("flask_oauth_provider.core.endpoints")


def _contain_errors(raise_when_unavailable: bool):
    """Wrap an authorization-endpoint method: OAuth errors pass through untouched,
    anything else becomes a non-redirecting ``ServerError`` (status 500)."""

    def decorate(f):
        signature = inspect.signature(f)

        @functools.wraps(f)
        def wrapper(endpoint, *args, **kwargs):
            signature.bind(endpoint, *args, **kwargs)
            if not endpoint.available:
                log.info("%s is unavailable; answering 503.", type(endpoint).__name__)
                if raise_when_unavailable:
                    raise errors.TemporarilyUnavailableError(status_code=503)
                return unavailable_response()
            if not endpoint.catch_errors:
                return f(endpoint, *args, **kwargs)
            try:
                return f(endpoint, *args, **kwargs)
            except errors.OAuth2Error:
                raise
            except Exception as exc:
                log.exception("Unexpected error in %s.%s; raising server_error.",
                              type(endpoint).__name__, f.__name__)
                raise errors.ServerError(status_code=500) from exc

        return wrapper

    return decorate


class AuthorizationEndpoint(PushedAuthorizationEndpoint):
    """Routes authorization requests to the grant owning their ``response_type``.

    RFC 6749 §3.1: "The authorization server MUST support the use of the HTTP "GET"
    method for the authorization endpoint and MAY support the use of the "POST"
    method as well." Both are accepted; the parameters are read from the query and
    from a form body alike. §3.1.1: an unknown ``response_type`` is answered by the
    default grant, which reports ``unsupported_response_type``.

    Pushed authorization requests (RFC 9126) are its mixin's
    (:class:`~.pushed_authorization.PushedAuthorizationEndpoint`): a ``request_uri`` is
    replaced by the parameters pushed, and used up when the decision is answered.
    """

    def __init__(self, default_response_type: str, default_token_type: Any,
                 response_types: Dict[str, Any]) -> None:
        PushedAuthorizationEndpoint.__init__(self)
        self._response_types = response_types
        self._default_response_type = default_response_type
        self._default_token_type = default_token_type

    @property
    def response_types(self) -> Dict[str, Any]:
        return self._response_types

    @property
    def default_response_type(self) -> str:
        return self._default_response_type

    @property
    def default_response_type_handler(self) -> Any:
        return self.response_types.get(self.default_response_type)

    @property
    def default_token_type(self) -> Any:
        return self._default_token_type

    def _authorization_request(self, uri, http_method, body, headers) -> Request:
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        if get_parse_error(request):
            # RFC 6749 §4.1.2.1: a malformed request is invalid_request; nothing in
            # it can be trusted, including redirect_uri, so it is never redirected.
            raise errors.InvalidRequestFatalError(
                request=request,
                description=parse_error_description(request))
        return self.resolve_pushed_request(request)

    def _handler_for(self, request: Request) -> Any:
        handler = self.response_types.get(request.response_type,
                                          self.default_response_type_handler)
        log.debug("Dispatching response_type %r to %s.", request.response_type,
                  type(handler).__name__)
        return handler

    @_contain_errors(raise_when_unavailable=False)
    def create_authorization_response(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        scopes: Optional[Iterable[str]] = None,
        credentials: Optional[Dict[str, Any]] = None,
    ) -> Tuple[Dict[str, str], Optional[str], int]:
        """Issue the authorization response after the resource owner decided.

        ``scopes`` are the scopes the user granted (RFC 6749 §3.3: the server "MAY
        fully or partially ignore the scope requested by the client"); ``None`` or an
        empty list means the scopes of the request. ``credentials`` are set as
        attributes on the request (e.g. ``{"user": user}``) for the validator.

        Returns ``({"Location": ...}, None, 302)`` (RFC 6749 §4.1.2, §4.2.2, and the
        error redirects of §4.1.2.1 / §4.2.2.1); raises ``FatalClientError``.
        """
        if (http_method or "").upper() == "HEAD":
            # RFC 9110 §9.2.1: HEAD is a safe method; a client or browser probing the
            # page must never be granted a code or a token.
            raise errors.InvalidRequestFatalError(
                description="A HEAD request cannot grant authorization.")
        request = self._authorization_request(uri, http_method, body, headers)
        # RFC 9126 §4: a pushed request is answered once.
        self.redeem_pushed_request(request)
        request.scopes = scopes
        request.user = None
        for key, value in (credentials or {}).items():
            setattr(request, key, value)
        return self._handler_for(request).create_authorization_response(
            request, self.default_token_type)

    @_contain_errors(raise_when_unavailable=True)
    def validate_authorization_request(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[List[str], Dict[str, Any]]:
        """Check an authorization request before asking the resource owner.

        Returns ``(scopes, request_info)`` where ``request_info`` holds
        ``client_id, redirect_uri, response_type, state, request`` and, with PKCE,
        ``code_challenge, code_challenge_method``. Every problem is raised.
        """
        request = self._authorization_request(uri, http_method, body, headers)
        request.scopes = scope_to_list(request.scope)
        return self._handler_for(request).validate_authorization_request(request)
