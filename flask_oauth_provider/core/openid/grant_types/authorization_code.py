"""The authorization code flow of OpenID Connect (OpenID Connect Core 1.0 §3.1)."""

from __future__ import annotations

import logging
from typing import Any, Optional

from ...grants.authorization_code import AuthorizationCodeGrant as OAuth2AuthorizationCodeGrant
from .base import GrantTypeBase

log = logging.getLogger("flask_oauth_provider.core.openid")


class AuthorizationCodeGrant(GrantTypeBase):
    """``response_type=code`` with the ``openid`` scope.

    The OAuth 2.0 code grant does the work; this grant adds the authentication
    request checks as a ``post_auth`` validator and the ID token as a token modifier
    at the token endpoint (§3.1.3.3), with the nonce stored with the code
    (``get_authorization_code_nonce``, §3.1.3.6).

    ``require_offline_access=True`` applies §11: a refresh token is issued for an
    ``openid`` grant only when ``offline_access`` was granted, and ``offline_access``
    counts only when the request had ``prompt=consent``. Off by default (oauthlib
    issues refresh tokens as for OAuth 2.0).
    """

    def __init__(self, request_validator: Any = None, require_offline_access: bool = False,
                 **kwargs: Any) -> None:
        self.proxy_target = OAuth2AuthorizationCodeGrant(request_validator=request_validator,
                                                         **kwargs)
        self.require_offline_access = require_offline_access
        self.custom_validators.post_auth.append(self.openid_authorization_validator)
        self.register_token_modifier(self.add_id_token)
        self.register_token_modifier(self.apply_offline_access)

    def add_id_token(self, token: dict, token_handler: Any, request: Any,
                     nonce: Optional[str] = None) -> dict:
        """The ID token of the token response, with the nonce of the code."""
        if not request.scopes or "openid" not in request.scopes:
            return token
        nonce = self.request_validator.get_authorization_code_nonce(
            request.client_id, request.code, request.redirect_uri, request)
        return super().add_id_token(token, token_handler, request, nonce=nonce)

    def openid_authorization_validator(self, request: Any) -> dict:
        """The §3.1.2.1 checks, then §11's rule for ``offline_access``."""
        info = super().openid_authorization_validator(request)
        if info and self.require_offline_access and "offline_access" in request.scopes \
                and "consent" not in info["prompt"]:
            # §11: "the OP MUST ignore the offline_access request unless ... prompt
            # ... contains consent".
            log.debug("offline_access without prompt=consent is ignored.")
            request.scopes = [scope for scope in request.scopes if scope != "offline_access"]
        return info

    def apply_offline_access(self, token: dict, token_handler: Any, request: Any) -> dict:
        """§11: no refresh token for an ``openid`` grant without ``offline_access``."""
        scopes = request.scopes or []
        if self.require_offline_access and "openid" in scopes \
                and "offline_access" not in scopes:
            token.pop("refresh_token", None)
        return token
