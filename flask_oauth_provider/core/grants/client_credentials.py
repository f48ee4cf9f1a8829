"""The client credentials grant (RFC 6749 §4.4)."""

from __future__ import annotations

import json
import logging
from typing import Any

from .. import errors
from ..request import Request
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")


class ClientCredentialsGrant(GrantTypeBase):
    """Client credentials grant, RFC 6749 §4.4: a confidential client acting for itself.

    Validation order (``validate_token_request``): ``pre_token`` -> ``grant_type``
    and duplicate checks -> ``authenticate_client`` (always: §4.4.2 "The client MUST
    authenticate", so ``client_authentication_required`` is not asked and a public
    client gets ``invalid_client``) -> ``validate_grant_type`` ->
    [``get_default_scopes``] -> ``validate_scopes`` -> ``post_token``; then the token
    without refresh token (§4.4.3 "A refresh token SHOULD NOT be included"), the
    token modifiers called as ``fn(token)`` (as oauthlib does for this grant) and
    ``save_token``.
    """

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Issue a token to the authenticated client (RFC 6749 §4.4.3).

        Success: 200 with the §5.1 JSON token; errors: the §5.2 JSON body.
        """
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            log.debug("Client credentials grant for %r refused: %s", request.client_id, error.error)
            return self._error_response(error)

        token = token_handler.create_token(request, refresh_token=False)
        for modifier in self._token_modifiers:
            token = modifier(token)
        self.request_validator.save_token(token, request)
        log.debug("Issued a client credentials token to client %r.", request.client_id)
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Request) -> None:
        """Check the request (RFC 6749 §4.4.2); raise an OAuth2Error if bad."""
        for validator in self.custom_validators.pre_token:
            validator(request)

        if not getattr(request, "grant_type", None):
            raise errors.InvalidRequestError("Request is missing grant type.", request=request)
        if request.grant_type != "client_credentials":
            raise errors.UnsupportedGrantTypeError(request=request)
        self._check_duplicate_params(request, ("grant_type", "scope"))

        self.validate_client_confidential(request)
        self.validate_grant_type(request)
        self.validate_scopes(request)

        for validator in self.custom_validators.post_token:
            validator(request)
