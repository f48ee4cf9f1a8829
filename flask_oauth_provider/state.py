"""Per-app state of the provider: the extension key, the config in force, the core server.

``init_app`` stores a :class:`ProviderState` in ``app.extensions[EXTENSION_KEY]``. Every
other module reaches the provider's state through :func:`current_state` and the
configuration through :func:`config_in_force`, so nothing below the extension object
imports it.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, Protocol

from flask import current_app, has_app_context, has_request_context

from . import access_tokens, dpop, http
from .config import ProviderConfig
from .core import errors
from .core.dpop_binding import TokenRequestBinding, check_dpop_jkt
from .core.keyring import KeyRing
from .core.openid import Server as OpenIDServer
from .core.par import supports_pushed_requests
from .core.request import Request
from .core.resource_indicators import ResourcePolicy
from .core.resource_metadata import origin_of, resource_path
from .core.servers import Server
from .core.tokens import random_token_generator
from .core.validator import RequestValidator
from .http import endpoint_url
from .oidc import load_signing_keys
from .replay import ReplayCache, replay_cache_for
from .signals import send_core_signal

#: The key of the provider's state in ``app.extensions``.
EXTENSION_KEY = "oauth2_provider"

_DEFAULT_CONFIG = ProviderConfig()


def config_in_force(assigned: Optional[ProviderConfig] = None) -> ProviderConfig:
    """The configuration that applies now: the one lookup every part of the package uses.

    Inside an app on which a provider is registered, that app's
    :class:`~flask_oauth_provider.config.ProviderConfig` (the core server is built from
    it, so the validator's policy must agree with it; one validator may serve several
    apps). Outside such an app (scripts, a validator used on its own), ``assigned`` (a
    config set on the validator), else the defaults.
    """
    if has_app_context():
        config = getattr(current_app.extensions.get(EXTENSION_KEY), "config", None)
        if isinstance(config, ProviderConfig):
            return config
    return assigned or _DEFAULT_CONFIG


def issuer_of(config: ProviderConfig) -> str:
    """The issuer identifier (RFC 8414 §2): the configured one, else the app's root URL."""
    return config.issuer or http.root_url().rstrip("/")


def default_audience(config: ProviderConfig) -> Optional[str]:
    """The audience of a token requested without ``resource`` (RFC 8707): the first
    configured resource, else the issuer (the provider's own protected views); ``None``
    outside a request when no issuer is configured (a token made by a script)."""
    if config.resources:
        return config.resources[0][0]
    if config.issuer or has_request_context():
        return issuer_of(config)
    return None


def own_resources(config: ProviderConfig) -> list[tuple[str, Optional[frozenset]]]:
    """The resources whose views this app serves itself, with their scopes (RFC 9728):
    the configured ones on the issuer's origin, else (none configured) the issuer."""
    issuer = issuer_of(config)
    if not config.resources:
        return [(issuer, None)]
    origin = origin_of(issuer)
    return [(uri, scopes) for uri, scopes in config.resources if origin_of(uri) == origin]


def own_resource_at(config: ProviderConfig, path: str, exact: bool = False
                    ) -> Optional[tuple[str, Optional[frozenset]]]:
    """The own resource a request path belongs to: the one whose path is the longest
    prefix of ``path`` (segment-wise), or with ``exact`` the one whose path it is."""
    path = path.rstrip("/")
    best = None
    for uri, scopes in own_resources(config):
        prefix = resource_path(uri)
        matches = path == prefix if exact else (path == prefix or path.startswith(prefix + "/"))
        if matches and (best is None or len(prefix) > len(resource_path(best[0]))):
            best = (uri, scopes)
    return best


# -- per-app state -------------------------------------------------------------------------


class ProviderParts(Protocol):
    """What the state, the views and the resource decorator read from the provider
    (``OAuth2Provider``, which only the package's ``__init__`` imports): public
    attributes, each documented where the provider sets it."""

    validator: RequestValidator
    store: Any
    authorize_view: Optional[Callable[..., Any]]
    token_view: Optional[Callable[..., Any]]
    revoke_view: Optional[Callable[..., Any]]
    consent_skipper: Optional[Callable[..., bool]]
    exception_handler_func: Optional[Callable[..., Any]]
    claims_getter: Optional[Callable[..., Any]]
    signing_keys_getter: Optional[Callable[[], Any]]
    key_store: Any
    replay_database: Optional[Callable[[], ReplayCache]]


class ProviderState:
    """What ``init_app`` stores in ``app.extensions[EXTENSION_KEY]``.

    Holds the app's :class:`~flask_oauth_provider.config.ProviderConfig` and the core
    server built for it; ``provider`` is the :class:`ProviderParts` the views read their
    hooks from. Any other attribute is the provider's, so
    ``app.extensions[EXTENSION_KEY].create_client(...)`` works.
    """

    def __init__(self, provider: ProviderParts, config: ProviderConfig) -> None:
        self.provider = provider
        self.config = config
        self._server: Optional[Server] = None
        self._server_validator: Optional[RequestValidator] = None
        self._configured_keys: Optional[KeyRing] = None
        self._replay_cache: Optional[ReplayCache] = None
        self._replay_cache_lock = threading.Lock()

    @property
    def validator(self) -> RequestValidator:
        """The validator in use (built from the callbacks when that is the way)."""
        return self.provider.validator

    @property
    def store(self) -> Any:
        """The :class:`~flask_oauth_provider.sqla.SQLAlchemyStore` given by
        ``init_sqlalchemy``, or ``None`` (callbacks or a validator of the app's own)."""
        return self.provider.store

    @property
    def server(self) -> Server:
        """The core server for this app, built from its config on first use."""
        validator = self.validator
        if self._server is None or self._server_validator is not validator:
            self._server = build_server(validator, self.config)
            self._server_validator = validator
        return self._server

    @property
    def replay_cache(self) -> ReplayCache:
        """The app's replay cache (:mod:`flask_oauth_provider.replay`), made on first
        use from ``OAUTH2_PROVIDER_REPLAY_CACHE``: ``first_use(namespace, value,
        expires_at) -> bool``, shared by every worker unless it is the memory one."""
        if self._replay_cache is None:
            with self._replay_cache_lock:  # one cache per app, even for racing threads
                if self._replay_cache is None:
                    self._replay_cache = replay_cache_for(
                        self.config.replay_cache,
                        getattr(self.provider, "replay_database", None))
        return self._replay_cache

    def keyring(self) -> KeyRing:
        """The signing keys in force (OpenID Connect): ``OAUTH2_PROVIDER_SIGNING_KEYS``,
        else the app's ``@oauth.signingkeysgetter``, else the bundled key store (read
        on each call, so every process signs with the key the last rotation made)."""
        if self.config.signing_keys is not None:
            if self._configured_keys is None:
                self._configured_keys = load_signing_keys(self.config.signing_keys)
            return self._configured_keys
        getter = self.provider.signing_keys_getter
        if getter is not None:
            return KeyRing.from_jwks(getter())
        if self.provider.key_store is not None:
            return self.provider.key_store.keyring()
        raise RuntimeError(
            "OpenID Connect needs signing keys: set OAUTH2_PROVIDER_SIGNING_KEYS, register "
            "@oauth.signingkeysgetter, or pass key_model= to init_sqlalchemy and run "
            "`flask oauth keys rotate`.")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.provider, name)


def current_state() -> ProviderState:
    """The provider state of the current app; ``RuntimeError`` when none is registered."""
    state = current_app.extensions.get(EXTENSION_KEY)
    if state is None:
        raise RuntimeError(
            "No OAuth2Provider is registered on this app: call oauth.init_app(app) first."
        )
    return state


def device_verification_uri(config: ProviderConfig) -> Callable[[], str]:
    """The verification URI of the device flow (RFC 8628 §3.2), made per request: the
    blueprint's ``/device`` page where the app serves it (mount point included), under
    the issuer's scheme and host."""
    return lambda: endpoint_url(config.issuer, "oauth2_provider.device")


def build_server(validator: RequestValidator, config: ProviderConfig) -> Server:
    """The core server of one app: its grants, PKCE, expiry, generators and token rules.

    Grant types and response types that ``OAUTH2_PROVIDER_GRANT_TYPES`` leaves out are
    refused by the grants themselves (``unsupported_grant_type`` /
    ``unsupported_response_type``), whatever the validator says, so a custom validator
    cannot switch the implicit or password grant on by accident (RFC 9700 §2.1.2, §2.4).
    """
    server_class = OpenIDServer if config.openid else Server
    extra = {"require_offline_access": True} if config.openid else {}
    server = server_class(
        validator,
        access_tokens.expires_in(config),
        access_tokens.token_generator(config, keyring=lambda: current_state().keyring(),
                                      issuer=lambda: issuer_of(config)),
        # Refresh tokens stay opaque (RFC 9068 covers access tokens only); as before, an
        # app's TOKEN_GENERATOR also makes them unless REFRESH_TOKEN_GENERATOR is set.
        config.refresh_token_generator or config.token_generator or random_token_generator,
        pkce_plain=config.pkce_plain,
        allow_query_token=config.allow_query_token,
        send_signal=send_core_signal,
        **extra,
        **_device_options(validator, config),
    )
    enabled_grants = set(config.grant_types)
    enabled_responses = set(config.response_types)

    def authorization_checks(request: Request) -> dict:
        # Runs after client and redirect URI are validated, so errors are redirected.
        check_parameters(request)
        # RFC 6749 §3.1: "Request and response parameters MUST NOT be included more
        # than once" — for every parameter, not only the five the grant checks.
        duplicates = [name for name in request.duplicate_params if name in AUTHORIZATION_PARAMS]
        if duplicates:
            raise _without_state(errors.InvalidRequestError(
                description=f"Duplicate {duplicates[0]} parameter.", request=request))
        # RFC 6749 §3.1.1 / §4.1.2.1: a response type that is not enabled is
        # unsupported_response_type (a missing one is left to the grant: invalid_request).
        if request.response_type is not None and request.response_type not in enabled_responses:
            raise errors.UnsupportedResponseTypeError(request=request)
        if config.require_redirect_uri and getattr(request, "using_default_redirect_uri", False):
            raise errors.InvalidRequestError(
                description="redirect_uri is required on this server.", request=request)
        return {}

    def token_checks(request: Request) -> None:
        check_parameters(request)
        # RFC 6749 §5.2 unsupported_grant_type.
        if request.grant_type not in enabled_grants:
            raise errors.UnsupportedGrantTypeError(
                description=f"The {request.grant_type} grant is not enabled on this server.",
                request=request)

    openid_grants = [getattr(server, name) for name in (
        "openid_connect_auth", "openid_connect_implicit", "openid_connect_hybrid")
        if hasattr(server, name)]
    for grant in (server.auth_grant, server.implicit_grant, *openid_grants):
        grant.custom_validators.pre_auth.append(authorization_checks)
    for grant in (server.auth_grant, server.password_grant, server.credentials_grant,
                  server.refresh_grant, server.device_code_grant, *openid_grants[:1]):
        grant.custom_validators.pre_token.append(token_checks)
    resources = ResourcePolicy(config.resource_scopes,
                               default_audience=lambda request: default_audience(config))
    server.auth_grant.custom_validators.post_auth.append(resources.check_authorization)
    server.implicit_grant.custom_validators.post_auth.append(resources.check_authorization)
    for grant in (server.auth_grant, server.password_grant, server.credentials_grant,
                  server.refresh_grant):
        grant.custom_validators.post_token.append(resources.check_token)
    _attach_dpop(server, config, openid_grants)
    issue_refresh = "refresh_token" in enabled_grants
    for grant in (server.auth_grant, server.password_grant, server.device_code_grant,
                  *openid_grants[:1]):
        grant.refresh_token = issue_refresh
    for grant in openid_grants:
        # The views add iss (RFC 9207) and render form_post themselves.
        grant.render_form_post = False
    _pushed_request_options(server, validator, config)
    return server


def _attach_dpop(server: Server, config: ProviderConfig, openid_grants: list) -> None:
    """DPoP (RFC 9449): its token request rules on every grant that issues access tokens
    at the token endpoint (§5), and ``dpop_jkt`` on the code grants' authorization
    requests (§10). The replay store and the nonce key are the current app's."""
    binding = TokenRequestBinding(
        algorithms=config.dpop_signing_algs, lifetime=config.dpop_proof_lifetime,
        require_all=config.require_dpop,
        nonces=lambda: dpop.nonce_source(current_state()),
        jti_unused=lambda jti, expires_at: dpop.jti_first_use(current_state(), jti,
                                                              expires_at))
    for grant in (server.auth_grant, server.password_grant, server.credentials_grant,
                  server.refresh_grant, server.device_code_grant, *openid_grants[:1]):
        grant.custom_validators.post_token.append(binding)
    for grant in (server.auth_grant, *openid_grants):
        grant.custom_validators.post_auth.append(check_dpop_jkt)
    if hasattr(server, "userinfo_token_checks"):
        server.userinfo_token_checks.append(dpop.userinfo_check(current_state))
    server.pushed_request_dpop = binding.pushed_request_jkt


def _pushed_request_options(server: Server, validator: RequestValidator,
                            config: ProviderConfig) -> None:
    """RFC 9126: the lifetime of a request URI and the server-wide requirement (§5)."""
    server.pushed_request_lifetime = config.par_lifetime
    server.require_pushed_requests = config.require_par
    if config.require_par and not supports_pushed_requests(validator):
        raise RuntimeError(
            "OAUTH2_PROVIDER_REQUIRE_PAR needs somewhere to keep pushed requests: the "
            "bundled store with oauth.init_sqlalchemy(..., par_model=...) (a "
            "PushedAuthorizationRequestMixin model), or a validator with the methods of "
            "flask_oauth_provider.core.par.PushedRequestValidator.")


def _device_options(validator: RequestValidator, config: ProviderConfig) -> dict:
    """The device authorization grant's options of the core server: none while it is off."""
    if not config.device_grant_enabled:
        return {}
    # A bundled store without device models has the methods but nowhere to keep codes.
    if (not hasattr(validator, "validate_device_code")
            or getattr(validator, "device_code_model", True) is None):
        raise RuntimeError(
            "The device authorization grant (OAUTH2_PROVIDER_GRANT_TYPES lists "
            "urn:ietf:params:oauth:grant-type:device_code) needs a validator with the "
            "device methods: the bundled store (oauth.init_sqlalchemy(..., "
            "device_code_model=..., device_attempt_model=...)) or a subclass of "
            "flask_oauth_provider.core.DeviceRequestValidator.")
    return {
        "device_verification_uri": device_verification_uri(config),
        "device_verification_uri_complete": True,
        "device_code_expires_in": config.device_code_expires_in,
        "device_code_interval": config.device_code_interval,
    }


#: Parameters of an authorization request (RFC 6749 §4.1.1, §4.2.1; RFC 7636 §4.3).
AUTHORIZATION_PARAMS = frozenset({
    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
    "code_challenge_method", "response_mode", "nonce", "prompt",
    # OpenID Connect Core §3.1.2.1
    "display", "max_age", "ui_locales", "claims_locales", "id_token_hint", "login_hint",
    "acr_values", "claims", "request", "request_uri",
    # RFC 9449 §10
    "dpop_jkt",
})

#: Longest value accepted per parameter; anything longer is ``invalid_request``.
#: RFC 7636 §4.1/§4.2 fix verifier and challenge at 43–128 characters; the others are
#: generous bounds that stop oversized values early (and out of redirects and logs).
PARAMETER_LIMITS = {
    "client_id": 255,
    "code_verifier": 128,
    "code_challenge": 128,
    "code_challenge_method": 32,
    "grant_type": 255,
    "response_type": 255,
    "token_type_hint": 64,
    "scope": 2048,
    "state": 2048,
    "redirect_uri": 2048,
    "dpop_jkt": 64,
}
DEFAULT_PARAMETER_LIMIT = 4096


def _without_state(error: errors.OAuth2Error) -> errors.OAuth2Error:
    # An oversized or repeated state is not echoed back (it would be the attacker's).
    error.state = None
    return error


def check_parameters(request: Request) -> None:
    """Refuse a parameter longer than its limit (RFC 6749 §5.2 / §4.1.2.1 invalid_request)."""
    for name, value in _request_params(request):
        limit = PARAMETER_LIMITS.get(name, DEFAULT_PARAMETER_LIMIT)
        if isinstance(value, str) and len(value) > limit:
            raise _without_state(errors.InvalidRequestError(
                description=f"The {name} parameter is too long.", request=request))


def _request_params(request: Request) -> list:
    pairs = list(getattr(request, "uri_query_params", None) or [])
    body = getattr(request, "decoded_body", None)
    if isinstance(body, list):
        pairs.extend(body)
    return pairs


