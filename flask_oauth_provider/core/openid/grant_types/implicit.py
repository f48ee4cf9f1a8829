"""The implicit flow of OpenID Connect (OpenID Connect Core 1.0 §3.2)."""

from __future__ import annotations

from typing import Any, Optional

from ...grants.implicit import ImplicitGrant as OAuth2ImplicitGrant
from ..rules import nonce_required
from .base import GrantTypeBase


class ImplicitGrant(GrantTypeBase):
    """``response_type=id_token`` and ``id_token token`` (§3.2.2.1).

    The nonce is REQUIRED (§3.2.2.1); the ID token carries ``at_hash`` when an access
    token comes with it (§3.2.2.10) and the scope claims when none does (§5.4).
    """

    nonce_required = staticmethod(lambda request: nonce_required(request.response_type))

    def __init__(self, request_validator: Any = None, **kwargs: Any) -> None:
        self.proxy_target = OAuth2ImplicitGrant(request_validator=request_validator, **kwargs)
        self.register_response_type("id_token")
        self.register_response_type("id_token token")
        self.custom_validators.post_auth.append(self.openid_authorization_validator)
        self.register_token_modifier(self.add_id_token)

    def add_id_token(self, token: dict, token_handler: Any, request: Any,
                     nonce: Optional[str] = None) -> dict:
        if "state" not in token and request.state:
            token["state"] = request.state
        return super().add_id_token(token, token_handler, request, nonce=request.nonce)
