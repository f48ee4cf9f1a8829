"""OpenID Connect 1.0 on top of the OAuth 2.0 core (``oauthlib.openid``'s shape).

* :class:`RequestValidator`: the OAuth 2.0 validator plus oauthlib's OpenID methods;
  :class:`JWTRequestValidator` implements the JWT-shaped ones with
  :mod:`flask_oauth_provider.core.jose`.
* :class:`Server`: every grant and endpoint, the OpenID flows and UserInfo.
* grant_types: the OpenID grants and dispatchers; :mod:`.claims`, :mod:`.rules`,
  :mod:`.id_token`: the rules of OpenID Connect Core as plain functions.
"""

from __future__ import annotations

from .discovery import OpenIDMetadataEndpoint
from .grant_types import (
    AuthorizationCodeGrant,
    AuthorizationCodeGrantDispatcher,
    AuthorizationTokenGrantDispatcher,
    HybridGrant,
    ImplicitGrant,
    ImplicitTokenGrantDispatcher,
    RefreshTokenGrant,
)
from .jwt_validator import JWTRequestValidator
from .servers import Server
from .tokens import JWTToken
from .userinfo import UserInfoEndpoint
from .validator import RequestValidator

__all__ = [
    "AuthorizationCodeGrant",
    "AuthorizationCodeGrantDispatcher",
    "AuthorizationTokenGrantDispatcher",
    "HybridGrant",
    "ImplicitGrant",
    "ImplicitTokenGrantDispatcher",
    "JWTRequestValidator",
    "JWTToken",
    "OpenIDMetadataEndpoint",
    "RefreshTokenGrant",
    "RequestValidator",
    "Server",
    "UserInfoEndpoint",
]
