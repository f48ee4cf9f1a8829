"""The token endpoint (RFC 6749 §3.2).

Routes a token request to the grant owning its ``grant_type`` and returns the grant's
``(headers, body, status)``. Departure from oauthlib: a request with the wrong HTTP
method, with parameters in the URI query, or with an unparseable or non-form body
is *answered* with ``400 invalid_request`` JSON instead of raising (oauthlib raises
for the first two and ignores the last), so that every outcome of this endpoint is a
well-formed OAuth response (RFC 6749 §5.2).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple

from .. import errors
from ..request import Request
from ..signals import TOKEN_ISSUED
from ..utils import scope_to_list
from .base import BaseEndpoint, catch_errors_and_unavailability, error_response, json_headers

log = logging.getLogger("flask_oauth_provider.core.endpoints")


class TokenEndpoint(BaseEndpoint):
    """Token issuing endpoint.

    RFC 6749 §3.2: "The client MUST use the HTTP "POST" method when making access
    token requests." and the body is ``application/x-www-form-urlencoded``
    (§4.1.3). An unknown ``grant_type`` goes to the default grant, which answers
    ``unsupported_grant_type``; a missing one is ``invalid_request`` (§5.2: "The
    request is missing a required parameter"), where oauthlib answers
    ``unsupported_grant_type``.
    """

    valid_request_methods = ("POST",)

    def __init__(self, default_grant_type: str, default_token_type: Any,
                 grant_types: Dict[str, Any]) -> None:
        BaseEndpoint.__init__(self)
        self._grant_types = grant_types
        self._default_token_type = default_token_type
        self._default_grant_type = default_grant_type

    @property
    def grant_types(self) -> Dict[str, Any]:
        return self._grant_types

    @property
    def default_grant_type(self) -> str:
        return self._default_grant_type

    @property
    def default_grant_type_handler(self) -> Any:
        return self.grant_types.get(self.default_grant_type)

    @property
    def default_token_type(self) -> Any:
        return self._default_token_type

    @catch_errors_and_unavailability
    def create_token_response(
        self,
        uri: str,
        http_method: str = "POST",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        credentials: Optional[Dict[str, Any]] = None,
        grant_type_for_scope: Optional[str] = None,
        claims: Optional[Dict[str, Any]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Answer a token request with ``(headers, json_body, status)``.

        ``credentials`` are merged into the issued token (``request.extra_credentials``);
        ``grant_type_for_scope`` overrides the grant type; ``claims`` is stored on the
        request for OpenID Connect style extensions.
        """
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as e:
            log.debug("Token request refused before dispatch: %s.", e.error)
            return error_response(e)

        # RFC 6749 §4.3.2 and §4.4.2 allow "scope" in token requests.
        request.scopes = scope_to_list(request.scope)
        request.extra_credentials = credentials
        if grant_type_for_scope:
            request.grant_type = grant_type_for_scope
        if claims:
            request.claims = claims

        handler = self.grant_types.get(request.grant_type, self.default_grant_type_handler)
        log.debug("Dispatching grant_type %r to %s.", request.grant_type,
                  type(handler).__name__)
        response_headers, response_body, status = handler.create_token_response(
            request, self.default_token_type)
        if status == 200:
            self.send_signal(TOKEN_ISSUED, request)
        # RFC 6749 §5.1 / §5.2: JSON, "Cache-Control: no-store", "Pragma: no-cache"
        # on every answer, whatever the grant put there.
        return json_headers(response_headers), response_body, status

    def validate_token_request(self, request: Request) -> None:
        """The checks made before dispatch: POST only (RFC 6749 §3.2), no URI query
        (§2.3.1: credentials "MUST NOT be included in the request URI"), and a body
        that is, and parses as, form data (§4.1.3, Appendix B)."""
        self._raise_on_bad_method(request)
        self._raise_on_bad_post_request(request)
        self._raise_on_parse_error(request)
        self._raise_on_non_form_body(request)
        if not request.grant_type:
            # RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6: grant_type is REQUIRED, and a missing
            # required parameter is invalid_request (§5.2).
            raise errors.InvalidRequestError(
                description="Missing grant_type parameter.", request=request)
