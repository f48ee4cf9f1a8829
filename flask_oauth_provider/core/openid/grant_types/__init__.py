"""The OpenID Connect grants (names as in ``oauthlib.openid.connect.core.grant_types``)."""

from .authorization_code import AuthorizationCodeGrant
from .base import GrantTypeBase, OpenIDConnectBase
from .dispatchers import (
    AuthorizationCodeGrantDispatcher,
    AuthorizationTokenGrantDispatcher,
    ImplicitTokenGrantDispatcher,
)
from .hybrid import HybridGrant
from .implicit import ImplicitGrant
from .refresh_token import RefreshTokenGrant

__all__ = [
    "AuthorizationCodeGrant",
    "AuthorizationCodeGrantDispatcher",
    "AuthorizationTokenGrantDispatcher",
    "GrantTypeBase",
    "HybridGrant",
    "ImplicitGrant",
    "ImplicitTokenGrantDispatcher",
    "OpenIDConnectBase",
    "RefreshTokenGrant",
]
