"""Token revocation (RFC 7009)."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple

from .. import errors
from ..request import Request
from ..signals import TOKEN_REVOKED
from .base import TokenManagementEndpoint, catch_errors_and_unavailability, error_response

log = logging.getLogger("flask_oauth_provider.core.endpoints")


class RevocationEndpoint(TokenManagementEndpoint):
    """Lets an authenticated client revoke an access or refresh token.

    RFC 7009 §2.1: the request is a POST with ``token`` (REQUIRED) and
    ``token_type_hint`` (OPTIONAL) in a form body, and the client authenticates as
    in RFC 6749 §2.3. The validator's ``revoke_token`` must check that the token
    belongs to ``request.client`` (§2.1: "The authorization server first validates
    the client credentials ... and then verifies whether the token was issued to the
    client making the revocation request").
    """

    @catch_errors_and_unavailability
    def create_revocation_response(
        self,
        uri: str,
        http_method: str = "POST",
        body: Any = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Tuple[Dict[str, str], str, int]:
        """Revoke the token and answer ``({}, '', 200)``.

        RFC 7009 §2.2: "The authorization server responds with HTTP status code 200
        if the token has been revoked successfully or if the client submitted an
        invalid token." Errors (§2.2.1) are JSON with ``Cache-Control: no-store``;
        a wrong method or a URI query is answered, not raised.
        """
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        try:
            self.validate_revocation_request(request)
        except errors.OAuth2Error as e:
            log.debug("Revocation request refused: %s.", e.error)
            return error_response(e)
        self.request_validator.revoke_token(request.token, request.token_type_hint, request)
        self.send_signal(TOKEN_REVOKED, request)
        return {}, "", 200

    def validate_revocation_request(self, request: Request) -> None:
        """POST only, no URI query, a parseable body, ``token`` present, the client
        authenticated, and a supported ``token_type_hint`` (RFC 7009 §2.1, §2.2.1)."""
        self._validate_token_management_request(request)
