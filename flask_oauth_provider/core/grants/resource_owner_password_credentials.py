"""The resource owner password credentials grant (RFC 6749 §4.3)."""

from __future__ import annotations

import json
import logging
from typing import Any

from .. import errors
from ..request import Request
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")


class ResourceOwnerPasswordCredentialsGrant(GrantTypeBase):
    """Password grant, RFC 6749 §4.3 (RFC 9700 §2.4: MUST NOT be used; off by default).

    Validation order (``validate_token_request``): ``pre_token`` -> required and
    duplicate parameters -> ``client_authentication_required`` ->
    ``authenticate_client`` | ``authenticate_client_id`` -> ``validate_grant_type`` ->
    ``validate_user`` -> [``get_default_scopes``] -> ``validate_scopes`` ->
    ``post_token``; then the token (with a refresh token unless
    ``refresh_token=False``), the token modifiers called as ``fn(token)`` (as
    oauthlib does for this grant) and ``save_token``.
    """

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Issue a token for the resource owner's credentials (RFC 6749 §4.3.3).

        Success: 200 with the §5.1 JSON token; errors: the §5.2 JSON body.
        """
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            log.debug("Password grant for client %r refused: %s", request.client_id, error.error)
            return self._error_response(error)

        token = token_handler.create_token(request, self.refresh_token)
        for modifier in self._token_modifiers:
            token = modifier(token)
        self.request_validator.save_token(token, request)
        log.debug("Issued a token to client %r for a password grant.", request.client_id)
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Request) -> None:
        """Check the request (RFC 6749 §4.3.2); raise an OAuth2Error if bad.

        §4.3.2: ``grant_type``, ``username`` and ``password`` are REQUIRED; the server
        MUST "require client authentication for confidential clients" and "validate
        the resource owner password credentials".
        """
        for validator in self.custom_validators.pre_token:
            validator(request)

        for param in ("grant_type", "username", "password"):
            if not getattr(request, param, None):
                raise errors.InvalidRequestError(
                    f"Request is missing {param} parameter.", request=request
                )
        self._check_duplicate_params(request, ("grant_type", "username", "password", "scope"))
        if request.grant_type != "password":
            raise errors.UnsupportedGrantTypeError(request=request)

        self.validate_client_authentication(request)
        # Policy before credentials: a client that may not use this grant (a public
        # client, or one registered for other grants) must learn nothing about the
        # password, or its client_id becomes a password oracle (RFC 6749 §10.10,
        # RFC 9700 §2.4). oauthlib (and the graph of RFC 6749's reference flow) ask
        # validate_user first.
        self.validate_grant_type(request)

        # The same answer for an unknown user and a wrong password: no user probing.
        if not self.request_validator.validate_user(
            request.username, request.password, request.client, request
        ):
            raise errors.InvalidGrantError("Invalid credentials given.", request=request)

        self.validate_scopes(request)

        for validator in self.custom_validators.post_token:
            validator(request)
