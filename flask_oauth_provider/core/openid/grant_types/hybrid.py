"""The hybrid flow of OpenID Connect (OpenID Connect Core 1.0 §3.3)."""

from __future__ import annotations

from typing import Any, Optional

from ...grants.authorization_code import AuthorizationCodeGrant as OAuth2AuthorizationCodeGrant
from ..rules import nonce_required
from .base import GrantTypeBase


class HybridGrant(GrantTypeBase):
    """``code id_token``, ``code token`` and ``code id_token token`` (§3.3.2.1).

    The code grant issues the code; a code modifier adds the access token (for the
    ``token`` types) and the ID token with ``c_hash`` / ``at_hash`` (§3.3.2.11). The
    nonce is REQUIRED when an ID token is returned from the authorization endpoint.
    Responses use the fragment by default (Multiple Response Types §5).
    """

    nonce_required = staticmethod(lambda request: nonce_required(request.response_type))

    def __init__(self, request_validator: Any = None, **kwargs: Any) -> None:
        self.proxy_target = OAuth2AuthorizationCodeGrant(request_validator=request_validator,
                                                         **kwargs)
        self.proxy_target.default_response_mode = "fragment"
        self.register_response_type("code id_token")
        self.register_response_type("code token")
        self.register_response_type("code id_token token")
        self.custom_validators.post_auth.append(self.openid_authorization_validator)
        self.register_code_modifier(self.add_token)
        self.register_code_modifier(self.add_id_token)
        self.register_token_modifier(self.add_id_token)

    def add_id_token(self, token: dict, token_handler: Any, request: Any,
                     nonce: Optional[str] = None) -> dict:
        return super().add_id_token(token, token_handler, request, nonce=request.nonce)
