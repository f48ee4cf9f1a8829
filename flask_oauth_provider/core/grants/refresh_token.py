"""The refresh token grant (RFC 6749 §6)."""

from __future__ import annotations

import json
import logging
from typing import Any, Optional

from .. import errors
from ..request import Request
from ..utils import requested_scopes, scope_to_list
from ..validator import RequestValidator
from .base import GrantTypeBase, TokenResponse

log = logging.getLogger("flask_oauth_provider.core.grants")


class RefreshTokenGrant(GrantTypeBase):
    """Refresh token grant, RFC 6749 §6.

    Validation order (``validate_token_request``): ``grant_type`` check ->
    ``pre_token`` -> ``refresh_token`` present -> ``client_authentication_required``
    -> ``authenticate_client`` | ``authenticate_client_id`` -> ``validate_grant_type``
    -> ``validate_refresh_token`` -> ``get_original_scopes`` -> [if a requested scope
    is not among the original ones: ``is_within_original_scope``] -> ``post_token``.
    ``validate_scopes`` is not called (as in oauthlib): the original grant bounds
    the scope.

    Then ``token_handler.create_token(request,
    refresh_token=issue_new_refresh_tokens)``, which asks
    ``rotate_refresh_token(request)`` whether to issue a new refresh token or hand
    the presented one back; the token modifiers ``fn(token, token_handler,
    request)``; ``save_token``.
    """

    def __init__(
        self,
        request_validator: Optional[RequestValidator] = None,
        issue_new_refresh_tokens: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            request_validator, issue_new_refresh_tokens=issue_new_refresh_tokens, **kwargs
        )

    def create_token_response(self, request: Request, token_handler: Any) -> TokenResponse:
        """Issue a new access token for a refresh token (RFC 6749 §6).

        Success: 200 with the §5.1 JSON token; errors: the §5.2 JSON body.
        """
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            log.debug("Refresh by client %r refused: %s", request.client_id, error.error)
            return self._error_response(error)

        token = token_handler.create_token(request, refresh_token=self.issue_new_refresh_tokens)
        for modifier in self._token_modifiers:
            token = modifier(token, token_handler, request)
        self.request_validator.save_token(token, request)
        headers.update(self._create_cors_headers(request))
        log.debug("Issued a refreshed token to client %r.", request.client_id)
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Request) -> None:
        """Check the request (RFC 6749 §6); raise an OAuth2Error if bad.

        §6: the server MUST "require client authentication for confidential clients",
        "validate the refresh token" and check it was issued to the client; a
        requested ``scope`` "MUST NOT include any scope not originally granted by the
        resource owner, and if omitted is treated as equal to the scope originally
        granted".
        """
        if request.grant_type != "refresh_token":
            raise errors.UnsupportedGrantTypeError(request=request)
        for validator in self.custom_validators.pre_token:
            validator(request)
        if request.refresh_token is None:
            raise errors.InvalidRequestError(
                description="Missing refresh token parameter.", request=request
            )
        self._check_duplicate_params(request, ("grant_type", "refresh_token", "scope"))

        self.validate_client_authentication(request)
        self.validate_grant_type(request)

        if not self.request_validator.validate_refresh_token(
            request.refresh_token, request.client, request
        ):
            log.debug("Invalid refresh token presented by client %r.", request.client_id)
            raise errors.InvalidGrantError(request=request)

        original_scopes = (
            scope_to_list(
                self.request_validator.get_original_scopes(request.refresh_token, request)
            )
            or []
        )
        # RFC 6749 §3.1: an empty ``scope=`` is an omitted one.
        if requested_scopes(request.scope):
            request.scopes = scope_to_list(request.scope)
            narrower = all(scope in original_scopes for scope in request.scopes)
            if not narrower and not self.request_validator.is_within_original_scope(
                request.scopes, request.refresh_token, request
            ):
                raise errors.InvalidScopeError(request=request)
        else:
            request.scopes = original_scopes

        for validator in self.custom_validators.post_token:
            validator(request)
