"""The UserInfo endpoint (OpenID Connect Core 1.0 §5.3).

A protected resource like any other: the access token comes as a bearer token
(§5.3.1: "MUST be sent as a Bearer Token, per Section 2 of ... RFC6750"), in the
``Authorization`` header or, with POST, in the form body. The claims come from the
validator's ``get_userinfo_claims``: a dict is sent as JSON, a string as a signed JWT
(§5.3.2: "the content-type MUST be application/jwt").

Departure from oauthlib, whose ``create_userinfo_response`` raises
``InvalidTokenError`` / ``InsufficientScopeError``: here every bearer failure is
answered as RFC 6750 §3 prescribes (401 with ``WWW-Authenticate: Bearer
error="invalid_token"``, 403 ``insufficient_scope``, 400 ``invalid_request``), the
same ``(headers, body, status)`` triple every other endpoint returns.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Tuple

from .. import errors
from ..endpoints.base import (
    BaseEndpoint,
    catch_errors_and_unavailability,
    get_parse_error,
    json_headers,
    parse_error_description,
)
from ..request import Request
from ..tokens import BearerToken, bearer_token_locations

log = logging.getLogger("flask_oauth_provider.core.openid")

#: §5.3.1: "The Client sends the UserInfo Request using either HTTP GET or HTTP POST".
USERINFO_METHODS = ("GET", "POST")


class UserInfoEndpoint(BaseEndpoint):
    """Answers UserInfo requests: ``create_userinfo_response(uri, http_method, body,
    headers) -> (headers, body, status)``."""

    def __init__(self, request_validator: Any) -> None:
        self.bearer = BearerToken(request_validator, None, None, None)
        self.request_validator = request_validator
        #: ``fn(request)`` run after the token is found valid, raising an OAuth2Error to
        #: refuse it (the app's DPoP rules, RFC 9449 §7).
        self.userinfo_token_checks: list = []
        BaseEndpoint.__init__(self)

    @catch_errors_and_unavailability
    def create_userinfo_response(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Validate the bearer token and return the user's claims (§5.3.2)."""
        request = Request(uri, http_method, body, headers)
        request.scopes = ["openid"]
        try:
            self.validate_userinfo_request(request)
        except errors.OAuth2Error as error:
            log.debug("UserInfo request refused: %s", error.error)
            return _bearer_error_response(error)

        claims = self.request_validator.get_userinfo_claims(request)
        if isinstance(claims, dict):
            if "sub" not in claims:
                log.error("get_userinfo_claims returned no 'sub' (required by §5.3.2).")
                raise errors.ServerError(status_code=500)
            return json_headers(), json.dumps(claims), 200
        if isinstance(claims, str):
            return json_headers({"Content-Type": "application/jwt"}), claims, 200
        log.error("get_userinfo_claims returned %s, not a dict or a JWT.", type(claims).__name__)
        raise errors.ServerError(status_code=500)

    def validate_userinfo_request(self, request: Request) -> None:
        """RFC 6750 §2 / §3.1 checks of a UserInfo request; raise on failure.

        ``validate_bearer_token(token, ["openid"], request)``. When it refuses a token
        it knows (it set ``request.user``), the token lacks ``openid``: 403
        ``insufficient_scope``; otherwise 401 ``invalid_token``.
        """
        if request.http_method.upper() not in USERINFO_METHODS:
            raise errors.InvalidRequestError(
                description=f"Unsupported request method {request.http_method.upper()}")
        if get_parse_error(request):
            raise errors.InvalidRequestError(description=parse_error_description(request))
        if len(bearer_token_locations(request)) > 1:
            # RFC 6750 §2: "Clients MUST NOT use more than one method".
            raise errors.InvalidRequestError(
                description="The access token was sent by more than one method.")
        if not self.bearer.validate_request(request):
            if getattr(request, "user", None) is not None:
                raise errors.InsufficientScopeError()
            raise errors.InvalidTokenError()
        for check in self.userinfo_token_checks:
            check(request)
        if "openid" not in (request.scopes or []):
            raise errors.InsufficientScopeError()


def _bearer_error_response(error: errors.OAuth2Error) -> Tuple[Dict[str, str], str, int]:
    """RFC 6750 §3: the error in ``WWW-Authenticate``, for 401 and 403 alike."""
    headers = json_headers(error.headers)
    if error.status_code == 403:
        headers["WWW-Authenticate"] = f'Bearer error="{error.error}", scope="openid"'
    elif error.status_code == 400:
        headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return headers, error.json, error.status_code
