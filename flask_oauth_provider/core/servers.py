"""Ready-made servers: one object holding the endpoints and grants of a deployment.

The constructors take oauthlib's arguments in oauthlib's order (note that ``Server``
puts ``token_expires_in`` before ``token_generator`` while the others put it after),
plus two keyword-only switches of ours:

* ``pkce_plain=False``: the code grant accepts the PKCE ``plain`` method only when
  true. RFC 7636 §4.2 makes S256 mandatory to implement, §7.2 says plain "SHOULD
  NOT be used"; RFC 9700 §2.1.1 recommends S256.
* ``allow_query_token=False``: the resource endpoint reads ``?access_token=`` only
  when true (RFC 6750 §2.3; OAuth 2.1 §5.1 and RFC 9700 §4.3.2 advise against it).
* ``send_signal=None``: ``callable(name, request)``, called by the endpoints and grants
  when a token is issued or revoked and when a client authenticates
  (:mod:`~flask_oauth_provider.core.signals`); by default nothing is sent.

``Server`` and ``WebApplicationServer`` also carry the device authorization grant
(RFC 8628), off unless ``device_verification_uri`` is given (the page where users
enter their code). Then the token endpoint accepts
``urn:ietf:params:oauth:grant-type:device_code`` and
``create_device_authorization_response`` hands out codes; the other keywords,
``device_verification_uri_complete``, ``device_code_expires_in`` and
``device_code_interval``, are those of :class:`DeviceAuthorizationEndpoint`. oauthlib's
``Server`` always registers its device code grant and has no device authorization
endpoint.

Other keyword arguments are accepted and ignored, as oauthlib does.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from .endpoints.authorization import AuthorizationEndpoint
from .endpoints.device_authorization import DEFAULT_EXPIRES_IN, DeviceAuthorizationEndpoint
from .endpoints.introspect import IntrospectEndpoint
from .endpoints.resource import ResourceEndpoint
from .endpoints.revocation import RevocationEndpoint
from .endpoints.token import TokenEndpoint
from .grants.authorization_code import AuthorizationCodeGrant
from .grants.client_credentials import ClientCredentialsGrant
from .grants.device_code import DEFAULT_INTERVAL, DEVICE_CODE_GRANT_TYPE, DeviceCodeGrant
from .grants.implicit import ImplicitGrant
from .grants.refresh_token import RefreshTokenGrant
from .grants.resource_owner_password_credentials import ResourceOwnerPasswordCredentialsGrant
from .signals import SendSignal
from .tokens import BearerToken

ExpiresIn = Optional[Union[int, Callable[[Any], int]]]
Generator = Optional[Callable[[Any], str]]

#: The token type name of RFC 6750 §1.
_BEARER = "Bearer"

_GRANT_ATTRIBUTES = ("auth_grant", "implicit_grant", "password_grant", "credentials_grant",
                     "refresh_grant", "device_code_grant")


def _connect_signals(server: Any, send_signal: Optional[SendSignal]) -> None:
    """Give the server and each of its grants the signal hook (when there is one)."""
    if send_signal is None:
        return
    server.send_signal = send_signal
    for name in _GRANT_ATTRIBUTES:
        grant = getattr(server, name, None)
        if grant is not None:
            grant.send_signal = send_signal


__all__ = [
    "Server",
    "WebApplicationServer",
    "MobileApplicationServer",
    "LegacyApplicationServer",
    "BackendApplicationServer",
]


def init_device_authorization(server: Any, request_validator: Any, grant_types: dict,
                               verification_uri: Optional[str],
                               verification_uri_complete: Any, expires_in: int,
                               interval: int) -> None:
    """Set up the device authorization endpoint of ``server`` and, when it is on (a
    verification URI is given), register the device code grant in ``grant_types``."""
    server.device_code_grant = DeviceCodeGrant(request_validator)
    DeviceAuthorizationEndpoint.__init__(
        server, request_validator, verification_uri, expires_in=expires_in,
        interval=interval, verification_uri_complete=verification_uri_complete,
        device_code_grant=server.device_code_grant)
    if verification_uri:
        grant_types[DEVICE_CODE_GRANT_TYPE] = server.device_code_grant


class Server(AuthorizationEndpoint, IntrospectEndpoint, TokenEndpoint, ResourceEndpoint,
             RevocationEndpoint, DeviceAuthorizationEndpoint):
    """Every grant of RFC 6749 and every endpoint in one object.

    Authorization endpoint: ``code`` (and ``none``) to the code grant, ``token`` to
    the implicit grant. Token endpoint: ``authorization_code``, ``password``,
    ``client_credentials``, ``refresh_token``, and the device code grant when
    ``device_verification_uri`` is set. Plus resource, revocation, introspection and
    device authorization endpoints, all with one :class:`BearerToken`.
    """

    def __init__(self, request_validator: Any, token_expires_in: ExpiresIn = None,
                 token_generator: Generator = None, refresh_token_generator: Generator = None,
                 *args: Any, pkce_plain: bool = False, allow_query_token: bool = False,
                 device_verification_uri: Optional[str] = None,
                 device_verification_uri_complete: Any = None,
                 device_code_expires_in: int = DEFAULT_EXPIRES_IN,
                 device_code_interval: int = DEFAULT_INTERVAL,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.auth_grant = AuthorizationCodeGrant(request_validator, pkce_plain=pkce_plain)
        self.implicit_grant = ImplicitGrant(request_validator)
        self.password_grant = ResourceOwnerPasswordCredentialsGrant(request_validator)
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        self.refresh_grant = RefreshTokenGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        AuthorizationEndpoint.__init__(
            self, default_response_type="code",
            response_types={"code": self.auth_grant, "token": self.implicit_grant,
                            "none": self.auth_grant},
            default_token_type=self.bearer)
        grant_types = {"authorization_code": self.auth_grant,
                       "password": self.password_grant,
                       "client_credentials": self.credentials_grant,
                       "refresh_token": self.refresh_grant}
        init_device_authorization(
            self, request_validator, grant_types, device_verification_uri,
            device_verification_uri_complete, device_code_expires_in, device_code_interval)
        TokenEndpoint.__init__(
            self, default_grant_type="authorization_code", grant_types=grant_types,
            default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        _connect_signals(self, send_signal)


class WebApplicationServer(AuthorizationEndpoint, IntrospectEndpoint, TokenEndpoint,
                           ResourceEndpoint, RevocationEndpoint, DeviceAuthorizationEndpoint):
    """Authorization code grant with refresh tokens (RFC 6749 §4.1, §6), for
    clients that run on a web server."""

    def __init__(self, request_validator: Any, token_generator: Generator = None,
                 token_expires_in: ExpiresIn = None, refresh_token_generator: Generator = None,
                 *, pkce_plain: bool = False, allow_query_token: bool = False,
                 device_verification_uri: Optional[str] = None,
                 device_verification_uri_complete: Any = None,
                 device_code_expires_in: int = DEFAULT_EXPIRES_IN,
                 device_code_interval: int = DEFAULT_INTERVAL,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.auth_grant = AuthorizationCodeGrant(request_validator, pkce_plain=pkce_plain)
        self.refresh_grant = RefreshTokenGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        AuthorizationEndpoint.__init__(
            self, default_response_type="code", response_types={"code": self.auth_grant},
            default_token_type=self.bearer)
        grant_types = {"authorization_code": self.auth_grant,
                       "refresh_token": self.refresh_grant}
        init_device_authorization(
            self, request_validator, grant_types, device_verification_uri,
            device_verification_uri_complete, device_code_expires_in, device_code_interval)
        TokenEndpoint.__init__(
            self, default_grant_type="authorization_code", grant_types=grant_types,
            default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        _connect_signals(self, send_signal)


class MobileApplicationServer(AuthorizationEndpoint, IntrospectEndpoint, ResourceEndpoint,
                              RevocationEndpoint):
    """Implicit grant (RFC 6749 §4.2), for user-agent based clients. No token
    endpoint and no refresh tokens, so revocation and introspection only know
    access tokens. ``pkce_plain`` is accepted for symmetry and has no effect."""

    def __init__(self, request_validator: Any, token_generator: Generator = None,
                 token_expires_in: ExpiresIn = None, refresh_token_generator: Generator = None,
                 *, pkce_plain: bool = False, allow_query_token: bool = False,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.implicit_grant = ImplicitGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        AuthorizationEndpoint.__init__(
            self, default_response_type="token",
            response_types={"token": self.implicit_grant}, default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator,
                                    supported_token_types=["access_token"])
        IntrospectEndpoint.__init__(self, request_validator,
                                    supported_token_types=["access_token"])
        _connect_signals(self, send_signal)


class LegacyApplicationServer(TokenEndpoint, IntrospectEndpoint, ResourceEndpoint,
                              RevocationEndpoint):
    """Resource owner password credentials grant with refresh tokens (RFC 6749
    §4.3, §6). ``pkce_plain`` is accepted for symmetry and has no effect."""

    def __init__(self, request_validator: Any, token_generator: Generator = None,
                 token_expires_in: ExpiresIn = None, refresh_token_generator: Generator = None,
                 *, pkce_plain: bool = False, allow_query_token: bool = False,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.password_grant = ResourceOwnerPasswordCredentialsGrant(request_validator)
        self.refresh_grant = RefreshTokenGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        TokenEndpoint.__init__(
            self, default_grant_type="password",
            grant_types={"password": self.password_grant, "refresh_token": self.refresh_grant},
            default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        _connect_signals(self, send_signal)


class BackendApplicationServer(TokenEndpoint, IntrospectEndpoint, ResourceEndpoint,
                               RevocationEndpoint):
    """Client credentials grant (RFC 6749 §4.4); no refresh tokens, so revocation
    and introspection only know access tokens. ``pkce_plain`` has no effect."""

    def __init__(self, request_validator: Any, token_generator: Generator = None,
                 token_expires_in: ExpiresIn = None, refresh_token_generator: Generator = None,
                 *, pkce_plain: bool = False, allow_query_token: bool = False,
                 send_signal: Optional[SendSignal] = None, **kwargs: Any) -> None:
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        self.bearer = BearerToken(request_validator, token_generator, token_expires_in,
                                  refresh_token_generator)
        TokenEndpoint.__init__(
            self, default_grant_type="client_credentials",
            grant_types={"client_credentials": self.credentials_grant},
            default_token_type=self.bearer)
        ResourceEndpoint.__init__(self, default_token=_BEARER,
                                  token_types={_BEARER: self.bearer},
                                  allow_query_token=allow_query_token)
        RevocationEndpoint.__init__(self, request_validator,
                                    supported_token_types=["access_token"])
        IntrospectEndpoint.__init__(self, request_validator,
                                    supported_token_types=["access_token"])
        _connect_signals(self, send_signal)
