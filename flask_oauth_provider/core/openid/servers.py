"""The ready-made OpenID Connect server (``oauthlib.openid.Server``'s shape).

Every OAuth 2.0 grant and endpoint of :class:`flask_oauth_provider.core.Server`, plus
the OpenID Connect flows (code, implicit, hybrid), ID tokens on refresh, and the
UserInfo endpoint. ``response_type=code`` / ``token`` and ``grant_type=
authorization_code`` go to the OpenID grant when the ``openid`` scope is present.

Keyword-only switches besides oauthlib's arguments: ``pkce_plain`` and
``allow_query_token`` as on the OAuth 2.0 servers, and ``require_offline_access``
(OpenID Connect Core §11, see
:class:`~flask_oauth_provider.core.openid.grant_types.AuthorizationCodeGrant`).
"""

from __future__ import annotations

from typing import Any, Optional

from ..endpoints.authorization import AuthorizationEndpoint
from ..endpoints.device_authorization import DEFAULT_EXPIRES_IN, DeviceAuthorizationEndpoint
from ..endpoints.introspect import IntrospectEndpoint
from ..endpoints.resource import ResourceEndpoint
from ..endpoints.revocation import RevocationEndpoint
from ..endpoints.token import TokenEndpoint
from ..grants.authorization_code import AuthorizationCodeGrant as OAuth2AuthorizationCodeGrant
from ..grants.client_credentials import ClientCredentialsGrant
from ..grants.device_code import DEFAULT_INTERVAL
from ..grants.implicit import ImplicitGrant as OAuth2ImplicitGrant
from ..grants.resource_owner_password_credentials import ResourceOwnerPasswordCredentialsGrant
from ..servers import ExpiresIn, Generator, init_device_authorization
from ..signals import SendSignal
from ..tokens import BearerToken
from .grant_types import (
    AuthorizationCodeGrant,
    AuthorizationCodeGrantDispatcher,
    AuthorizationTokenGrantDispatcher,
    HybridGrant,
    ImplicitGrant,
    ImplicitTokenGrantDispatcher,
    RefreshTokenGrant,
)
from .tokens import JWTToken
from .userinfo import UserInfoEndpoint

__all__ = ["Server"]

#: The token type name of RFC 6750 §1.
_BEARER = "Bearer"


class Server(AuthorizationEndpoint, IntrospectEndpoint, TokenEndpoint, ResourceEndpoint,
             RevocationEndpoint, UserInfoEndpoint, DeviceAuthorizationEndpoint):
    """All OAuth 2.0 grants and the OpenID Connect flows in one object (the device
    authorization grant as in the OAuth 2.0 ``Server``: on when
    ``device_verification_uri`` is given)."""

    def __init__(self, request_validator: Any, token_expires_in: ExpiresIn = None,
                 token_generator: Generator = None, refresh_token_generator: Generator = None,
                 *args: Any, pkce_plain: bool = False, allow_query_token: bool = False,
                 require_offline_access: bool = False,
                 device_verification_uri: Optional[str] = None,
                 device_verification_uri_complete: Any = None,
                 device_code_expires_in: int = DEFAULT_EXPIRES_IN,
                 device_code_interval: int = DEFAULT_INTERVAL,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.auth_grant = OAuth2AuthorizationCodeGrant(request_validator, pkce_plain=pkce_plain)
        self.implicit_grant = OAuth2ImplicitGrant(request_validator)
        self.password_grant = ResourceOwnerPasswordCredentialsGrant(request_validator)
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        self.refresh_grant = RefreshTokenGrant(request_validator)
        self.openid_connect_auth = AuthorizationCodeGrant(
            request_validator, pkce_plain=pkce_plain,
            require_offline_access=require_offline_access)
        self.openid_connect_implicit = ImplicitGrant(request_validator)
        self.openid_connect_hybrid = HybridGrant(request_validator, pkce_plain=pkce_plain)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        self.jwt = JWTToken(request_validator, token_generator, token_expires_in,
                            refresh_token_generator)
        self.auth_grant_choice = AuthorizationCodeGrantDispatcher(
            default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth)
        self.implicit_grant_choice = ImplicitTokenGrantDispatcher(
            default_grant=self.implicit_grant, oidc_grant=self.openid_connect_implicit)
        AuthorizationEndpoint.__init__(
            self, default_response_type="code",
            response_types={
                "code": self.auth_grant_choice,
                "token": self.implicit_grant_choice,
                "id_token": self.openid_connect_implicit,
                "id_token token": self.openid_connect_implicit,
                "code token": self.openid_connect_hybrid,
                "code id_token": self.openid_connect_hybrid,
                "code id_token token": self.openid_connect_hybrid,
                "none": self.auth_grant,
            },
            default_token_type=self.bearer)
        self.token_grant_choice = AuthorizationTokenGrantDispatcher(
            request_validator, default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth)
        grant_types = {
            "authorization_code": self.token_grant_choice,
            "password": self.password_grant,
            "client_credentials": self.credentials_grant,
            "refresh_token": self.refresh_grant,
        }
        init_device_authorization(
            self, request_validator, grant_types, device_verification_uri,
            device_verification_uri_complete, device_code_expires_in, device_code_interval)
        TokenEndpoint.__init__(
            self, default_grant_type="authorization_code", grant_types=grant_types,
            default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer, "JWT": self.jwt},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        UserInfoEndpoint.__init__(self, request_validator)
        if send_signal is not None:
            self._connect_signals(send_signal)

    def _connect_signals(self, send_signal: SendSignal) -> None:
        """The signal hook on the server and on every grant doing the work (the OpenID
        grants delegate to their OAuth 2.0 grant)."""
        self.send_signal = send_signal
        for grant in (self.auth_grant, self.implicit_grant, self.password_grant,
                      self.credentials_grant, self.refresh_grant, self.device_code_grant,
                      self.openid_connect_auth,
                      self.openid_connect_implicit, self.openid_connect_hybrid):
            getattr(grant, "proxy_target", grant).send_signal = send_signal
