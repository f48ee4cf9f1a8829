"""Refreshing an OpenID Connect grant (OpenID Connect Core 1.0 §12)."""

from __future__ import annotations

from typing import Any, Optional

from ...grants.refresh_token import RefreshTokenGrant as OAuth2RefreshTokenGrant
from .base import GrantTypeBase


class RefreshTokenGrant(GrantTypeBase):
    """The OAuth 2.0 refresh grant, plus a new ID token for ``openid`` grants when
    ``refresh_id_token(request)`` says so (§12.2: same ``iss``, ``sub``, ``aud``,
    ``auth_time`` of the original authentication; no nonce)."""

    def __init__(self, request_validator: Any = None, **kwargs: Any) -> None:
        self.proxy_target = OAuth2RefreshTokenGrant(request_validator=request_validator,
                                                    **kwargs)
        self.register_token_modifier(self.add_id_token)

    def add_id_token(self, token: dict, token_handler: Any, request: Any,
                     nonce: Optional[str] = None) -> dict:
        if not self.request_validator.refresh_id_token(request):
            return token
        return super().add_id_token(token, token_handler, request)
