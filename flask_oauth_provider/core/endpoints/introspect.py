"""Token introspection (RFC 7662)."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Tuple

from .. import errors
from ..request import Request
from .base import (
    TokenManagementEndpoint,
    catch_errors_and_unavailability,
    error_response,
    json_headers,
)

log = logging.getLogger("flask_oauth_provider.core.endpoints")

#: RFC 7662 §2.2: the whole answer for a token that is not active.
INACTIVE_BODY = json.dumps({"active": False})


class IntrospectEndpoint(TokenManagementEndpoint):
    """Tells an authenticated caller whether a token is active, and its metadata.

    RFC 7662 §2.1: a POST with ``token`` (REQUIRED) and ``token_type_hint``
    (OPTIONAL); "the endpoint MUST also require some form of authorization to access
    this endpoint", here client authentication as in RFC 6749 §2.3.
    """

    @catch_errors_and_unavailability
    def create_introspect_response(
        self,
        uri: str,
        http_method: str = "POST",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Answer ``(json_headers, body, 200)`` with ``{"active": true, ...claims}``.

        The claims come from ``validator.introspect_token``. RFC 7662 §2.2: for a
        token that is not active "the authorization server ... SHOULD NOT include
        any additional information about an inactive token, including why the token
        is inactive", so ``None`` *or* claims saying ``"active": false`` give exactly
        ``{"active": false}`` (departure: oauthlib answers active for the latter).
        """
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        try:
            self.validate_introspect_request(request)
        except errors.OAuth2Error as e:
            log.debug("Introspection request refused: %s.", e.error)
            return error_response(e)
        claims = self.request_validator.introspect_token(
            request.token, request.token_type_hint, request)
        if claims is None or ("active" in claims and not claims["active"]):
            return json_headers(), INACTIVE_BODY, 200
        body_claims = {key: value for key, value in dict(claims).items() if key != "active"}
        return json_headers(), json.dumps({"active": True, **body_claims}), 200

    def validate_introspect_request(self, request: Request) -> None:
        """POST only, no URI query, a parseable body, ``token`` present, the caller
        authenticated, and a supported ``token_type_hint`` (RFC 7662 §2.1)."""
        self._validate_token_management_request(request)
