"""The provider's configuration: every ``OAUTH2_PROVIDER_*`` key, its default and its check.

Each key is documented once, at its field of :class:`ProviderConfig`.

``ProviderConfig.from_mapping(app.config)`` is called once by ``init_app``; a wrong value
raises ``ValueError`` there, saying what is allowed, instead of failing at the first request.
The checks of single keys are in :mod:`flask_oauth_provider.config_checks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from . import auth_methods
from . import config_checks as check
from .config_checks import (  # noqa: F401 - the constants are part of this module's names
    DEFAULT_GRANT_TYPES,
    DEVICE_CODE_GRANT_TYPE,
    KNOWN_GRANT_TYPES,
    MAX_CODE_EXPIRES_IN,
    MAX_DEVICE_CODE_EXPIRES_IN,
    MAX_PAR_LIFETIME,
    PREFIX,
    REGISTRATION_MODES,
    TokenGenerator,
)
from .core.dpop import DEFAULT_ALGORITHMS as DPOP_ALGORITHMS
from .core.dpop import DEFAULT_LIFETIME as DPOP_LIFETIME
from .profiles import apply_profile

DEFAULTS: dict[str, Any] = {
    "URL_PREFIX": "/oauth",
    "ISSUER": None,
    "TOKEN_EXPIRES_IN": 3600,
    "CODE_EXPIRES_IN": 60,
    "REFRESH_TOKEN_EXPIRES_IN": 30 * 24 * 3600,
    "GRANT_TYPES": DEFAULT_GRANT_TYPES,
    "PKCE_REQUIRED": "public",
    "PKCE_PLAIN": False,
    "REQUIRE_REDIRECT_URI": False,
    "ROTATE_REFRESH_TOKENS": True,
    "TOKEN_GENERATOR": None,
    "REFRESH_TOKEN_GENERATOR": None,
    "ERROR_TEMPLATE": "oauth/error.html",
    "AUTHORIZE_TEMPLATE": "oauth/authorize.html",
    "INSECURE_TRANSPORT": False,
    "ALLOW_QUERY_TOKEN": False,
    "MAX_REQUEST_SIZE": 64 * 1024,
    "RESOURCES": (),
    "ACCESS_TOKEN_FORMAT": "opaque",
    "ERROR_URI": None,
    "ERROR_ENDPOINT": None,
    "IGNORE_PUBLIC_CLIENT_SECRET": False,
    "OPENID": False,
    "SIGNING_KEYS": None,
    "KEY_ENCRYPTION_KEY": None,
    "ID_TOKEN_EXPIRES_IN": 300,
    "ID_TOKEN_SIGNING_ALG": "RS256",
    "SCOPES": None,
    "DEVICE_CODE_EXPIRES_IN": 600,
    "DEVICE_CODE_INTERVAL": 5,
    "DEVICE_TEMPLATE": "oauth/device.html",
    "DEVICE_MAX_ATTEMPTS_PER_SESSION": 5,
    "DEVICE_MAX_ATTEMPTS_PER_IP": 20,
    "DYNAMIC_REGISTRATION": None,
    "REGISTRATION_SCOPES": (),
    "REGISTRATION_GRANT_TYPES": ("authorization_code", "refresh_token"),
    "REGISTRATION_LIMIT_PER_IP": (10, 3600),
    "REGISTRATION_LIMIT_GLOBAL": (1000, 3600),
    "REGISTRATION_PURGE_UNUSED_AFTER": 7 * 24 * 3600,
    "CLIENT_ID_METADATA_DOCUMENTS": False,
    "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE": False,
    "SOFTWARE_STATEMENT_KEYS": None,
    "PROFILE": None,
    "REQUIRE_DPOP": False,
    "DPOP_NONCE": False,
    "DPOP_SIGNING_ALGS": DPOP_ALGORITHMS,
    "DPOP_PROOF_LIFETIME": DPOP_LIFETIME,
    "REQUIRE_PAR": False,
    "PAR_LIFETIME": 60,
    "REPLAY_CACHE": None,
    **auth_methods.DEFAULTS,
}

#: OpenID Connect response types that need the implicit grant switched on (OpenID
#: Connect Core §3.2, §3.3; off by default, like ``token``).
OPENID_IMPLICIT_RESPONSE_TYPES = (
    "id_token", "id_token token", "code id_token", "code token", "code id_token token")



@dataclasses.dataclass(frozen=True)
class ProviderConfig:
    """The validated ``OAUTH2_PROVIDER_*`` settings of one Flask app.

    Each field is the key ``OAUTH2_PROVIDER_`` + its name in upper case
    (``token_expires_in`` is ``OAUTH2_PROVIDER_TOKEN_EXPIRES_IN``); every key is
    optional and described here, once.
    """

    #: URL prefix of the endpoints. Default ``"/oauth"``.
    url_prefix: str = DEFAULTS["URL_PREFIX"]
    #: The issuer identifier (RFC 8414 §2, RFC 9207): an https URL without query or
    #: fragment. Default: the request's host URL.
    issuer: Optional[str] = None
    #: Access token lifetime in seconds, or ``callable(request) -> int``. Default 3600.
    token_expires_in: Union[int, Callable[[Any], int]] = DEFAULTS["TOKEN_EXPIRES_IN"]
    #: Authorization code lifetime in seconds, at most 600 (RFC 6749 §4.1.2). Default 60.
    code_expires_in: int = DEFAULTS["CODE_EXPIRES_IN"]
    #: Refresh token lifetime in seconds, or ``None`` (never). Default 30 days.
    refresh_token_expires_in: Optional[int] = DEFAULTS["REFRESH_TOKEN_EXPIRES_IN"]
    #: Enabled grant types. Default ``("authorization_code", "refresh_token",
    #: "client_credentials")``; ``"implicit"`` and ``"password"`` only when listed
    #: (RFC 9700 §2.1.2, §2.4).
    grant_types: tuple[str, ...] = DEFAULT_GRANT_TYPES
    #: ``"public"`` (default: public clients must use PKCE) or ``True`` (every client).
    pkce_required: Union[bool, str] = "public"
    #: Accept the PKCE ``plain`` method (RFC 7636 §7.2 advises against). Default False.
    pkce_plain: bool = False
    #: Refuse authorization requests (and pushed ones) without ``redirect_uri``, even
    #: from a client with one registered URI (RFC 6749 §3.1.2.3 lets it be left out
    #: then; the FAPI 2.0 profile does not). Default False.
    require_redirect_uri: bool = False
    #: Rotate confidential clients' refresh tokens too; public clients' always rotate
    #: (RFC 9700 §4.14.2). Default True.
    rotate_refresh_tokens: bool = True
    #: ``callable(request) -> str`` making access tokens, or its import path; one that
    #: cannot take the request (``secrets.token_hex``) is refused. Default: 256 random bits.
    token_generator: Optional[TokenGenerator] = None
    #: ``callable(request) -> str`` making refresh tokens, or its import path.
    #: Default: 256 random bits.
    refresh_token_generator: Optional[TokenGenerator] = None
    #: Template of the error page. Default ``"oauth/error.html"``.
    error_template: str = DEFAULTS["ERROR_TEMPLATE"]
    #: Template of the consent page. Default ``"oauth/authorize.html"`` (an app may also
    #: override that name in its own templates folder).
    authorize_template: str = DEFAULTS["AUTHORIZE_TEMPLATE"]
    #: Accept plain http on non-loopback hosts and http redirect URIs. For development
    #: only. Default False (http only on 127.0.0.1, ::1, localhost). Behind a proxy that
    #: terminates TLS, wrap the app in Werkzeug's ``ProxyFix`` so that requests are seen
    #: as https.
    insecure_transport: bool = False
    #: Accept ``?access_token=`` on protected views (RFC 9700 §4.3.2 advises against).
    #: Default False.
    allow_query_token: bool = False
    #: Largest body accepted by the token, revocation and introspection endpoints, in
    #: bytes; larger is 413. Default 65536.
    max_request_size: int = DEFAULTS["MAX_REQUEST_SIZE"]
    #: The resources (APIs) this server issues tokens for (RFC 8707): absolute URIs
    #: without fragment, as a list, or as a mapping of each URI to the scopes it accepts
    #: (a list or a space-separated string; ``None``: any scope). A client names them
    #: with ``resource`` on the authorization and token requests; an unknown one is
    #: ``invalid_target``. The first is the default audience of tokens requested without
    #: ``resource``. Default: none, and the audience is the issuer (the provider's own API).
    #: Kept as ``(uri, scopes or None)`` pairs.
    resources: tuple[tuple[str, Optional[frozenset]], ...] = ()
    #: ``"opaque"`` (default: random strings, looked up in the store) or ``"jwt"``: JWT
    #: access tokens (RFC 9068) signed with the active signing key, which a
    #: ``ResourceServer`` verifies without asking the provider. A client's
    #: ``access_token_format`` overrides it. JWTs live ``TOKEN_EXPIRES_IN`` seconds when
    #: that is set, else 300 (a JWT stays valid at a resource server until it expires).
    access_token_format: str = "opaque"  # noqa: S105 (a format name)
    #: Lifetime of JWT access tokens: ``OAUTH2_PROVIDER_TOKEN_EXPIRES_IN`` when the app
    #: sets it to a number, else 300 seconds. Not a key of its own.
    jwt_token_expires_in: int = 300

    @property
    def publishes_jwks(self) -> bool:
        """Whether the JWKS is served: for ID tokens, or for JWT access tokens (RFC 9068)."""
        return self.openid or self.access_token_format == "jwt"  # noqa: S105 (a format)

    @property
    def resource_scopes(self) -> dict[str, Optional[frozenset]]:
        """:attr:`resources` as a mapping: URI -> accepted scopes (``None``: any)."""
        return dict(self.resources)
    #: Where an authorization error that must not go back to the client (missing or
    #: unknown ``client_id``, bad ``redirect_uri``: RFC 6749 §4.1.2.1) sends the browser,
    #: with ``error`` and ``error_description`` in the query: a path of the app
    #: (``"/oauth/errors"``) or an http(s) URL. Default ``None``: the error page is shown.
    #: Flask-OAuthlib's key; it wins over ``ERROR_ENDPOINT``.
    error_uri: Optional[str] = None
    #: The same as ``ERROR_URI``, given as the endpoint name of the app's error view
    #: (resolved with ``url_for``). Flask-OAuthlib's key. Default ``None``.
    error_endpoint: Optional[str] = None
    #: Let a public client that sends a ``client_secret`` through as the public client
    #: it is: the secret is not checked (RFC 6749 §2.3: a server "MUST NOT rely on public
    #: client authentication"), PKCE is still required. For clients ported from
    #: Flask-OAuthlib, whose sample clients are public but have a secret. Default False:
    #: such a request gets ``invalid_client`` with a description saying why.
    ignore_public_client_secret: bool = False
    #: Turn OpenID Connect on: ID tokens, the UserInfo, JWKS and discovery endpoints,
    #: prompt / max_age handling. Default False.
    openid: bool = False
    #: Signing keys for apps without the bundled key store: a private JWK set (a dict,
    #: its JSON text, or the path of a JSON file). Default None (the key store, or the
    #: app's ``@oauth.signingkeysgetter``).
    signing_keys: Any = None
    #: The key-encryption key of the bundled key store: 32 bytes, base64url. Default:
    #: derived from ``SECRET_KEY`` with HKDF.
    key_encryption_key: Optional[str] = None
    #: ID token lifetime in seconds (OpenID Connect Core §2 ``exp``). Default 300.
    id_token_expires_in: int = DEFAULTS["ID_TOKEN_EXPIRES_IN"]
    #: The ``alg`` of ID tokens for clients that registered no
    #: ``id_token_signed_response_alg``: ``"RS256"`` (default, OpenID Connect Core
    #: §3.1.3.7), ``"ES256"`` or ``"EdDSA"``. An active signing key of it must exist.
    id_token_signing_alg: str = DEFAULTS["ID_TOKEN_SIGNING_ALG"]
    #: ``{scope: description}`` shown on the consent page and published as
    #: ``scopes_supported``. Default None.
    scopes: Optional[Mapping[str, str]] = None
    #: Lifetime of a device code and its user code in seconds (RFC 8628 §3.2
    #: ``expires_in``), at most 1800. Default 600. Only used when
    #: ``urn:ietf:params:oauth:grant-type:device_code`` is in ``GRANT_TYPES``.
    device_code_expires_in: int = DEFAULTS["DEVICE_CODE_EXPIRES_IN"]
    #: Seconds a device waits between polls (RFC 8628 §3.2 ``interval``); polling faster
    #: is answered ``slow_down`` and adds 5 s (§3.5). Default 5.
    device_code_interval: int = DEFAULTS["DEVICE_CODE_INTERVAL"]
    #: Template of the device verification page (code entry, consent, result).
    #: Default ``"oauth/device.html"``.
    device_template: str = DEFAULTS["DEVICE_TEMPLATE"]
    #: Wrong user codes one browser session may enter per device code lifetime before
    #: the verification page refuses it (RFC 8628 §5.1). Default 5.
    device_max_attempts_per_session: int = DEFAULTS["DEVICE_MAX_ATTEMPTS_PER_SESSION"]
    #: Wrong user codes one IP address may enter per device code lifetime. Default 20.
    #: The whole server accepts at most
    #: :func:`~flask_oauth_provider.core.user_codes.guess_budget` per lifetime.
    device_max_attempts_per_ip: int = DEFAULTS["DEVICE_MAX_ATTEMPTS_PER_IP"]

    @property
    def device_grant_enabled(self) -> bool:
        """Whether the device authorization grant (RFC 8628) is on."""
        return DEVICE_CODE_GRANT_TYPE in self.grant_types
    #: Dynamic client registration (RFC 7591) and management (RFC 7592): ``None``
    #: (default: no endpoint), ``"token"`` (an initial access token is required, see
    #: ``oauth.create_initial_access_token``) or ``"open"`` (anyone may register).
    dynamic_registration: Optional[str] = None
    #: The scopes a dynamically registered client may have; a registration asking for
    #: others gets only these (RFC 7591 §2: the server may replace values). Default: the
    #: scopes of ``SCOPES``, else none.
    registration_scopes: tuple[str, ...] = ()
    #: The grant types a dynamically registered client may use; those that
    #: ``GRANT_TYPES`` does not enable are left out. Default ``("authorization_code",
    #: "refresh_token")``.
    registration_grant_types: tuple[str, ...] = DEFAULTS["REGISTRATION_GRANT_TYPES"]
    #: At most this many registrations per client IP address in a window:
    #: ``(count, seconds)``, or ``None`` for no limit. Counted in the database, so the
    #: limit holds across processes. Default ``(10, 3600)``.
    registration_limit_per_ip: Optional[tuple[int, int]] = DEFAULTS["REGISTRATION_LIMIT_PER_IP"]
    #: At most this many registrations in all in a window, ``(count, seconds)`` or
    #: ``None``. Default ``(1000, 3600)``.
    registration_limit_global: Optional[tuple[int, int]] = DEFAULTS["REGISTRATION_LIMIT_GLOBAL"]
    #: ``flask oauth purge`` deletes openly registered clients that have no code and no
    #: token this many seconds after registering; ``None`` keeps them. Default 7 days.
    registration_purge_unused_after: Optional[int] = DEFAULTS["REGISTRATION_PURGE_UNUSED_AFTER"]
    #: Accept an https URL as ``client_id`` and fetch the client's metadata from it
    #: (OAuth Client ID Metadata Document). Default False.
    client_id_metadata_documents: bool = False
    #: Let metadata documents come from loopback, private and link-local addresses (and
    #: over plain http from loopback). For tests only. Default False.
    client_id_metadata_document_allow_private: bool = False
    #: The public keys (a JWK set: dict or JSON text) whose signature makes a
    #: ``software_statement`` trusted (RFC 7591 §2.3). Default ``None``: every software
    #: statement is refused with ``invalid_software_statement``.
    software_statement_keys: tuple[dict[str, Any], ...] = ()
    #: A security profile that presets, and then holds, the keys it governs: ``None``
    #: (default) or ``"fapi2"``, the FAPI 2.0 Security Profile (PAR, PKCE S256, DPoP,
    #: private_key_jwt, 60-second codes; :mod:`flask_oauth_provider.profiles` lists each
    #: key). A key set against the profile stops ``init_app`` with an error.
    profile: Optional[str] = None
    #: Every access token must be bound to a DPoP key (RFC 9449): a token request without
    #: a ``DPoP`` proof is ``invalid_request``, as for a client registered with
    #: ``dpop_bound_access_tokens`` (§5.2). Default False: DPoP when the client sends a
    #: proof.
    require_dpop: bool = False
    #: Server-provided nonces (RFC 9449 §8, §9): a proof without a current nonce is
    #: answered ``use_dpop_nonce`` with a ``DPoP-Nonce`` header. Nonces are derived
    #: from ``SECRET_KEY`` and the time (every process agrees, none keeps state) and
    #: rotate every 5 minutes. Default False.
    dpop_nonce: bool = False
    #: The algorithms a DPoP proof may be signed with, published as
    #: ``dpop_signing_alg_values_supported``: some of ``ES256``, ``EdDSA``, ``PS256``,
    #: ``RS256`` (asymmetric only). Default all four.
    dpop_signing_algs: tuple[str, ...] = DPOP_ALGORITHMS
    #: Seconds a DPoP proof is accepted after its ``iat`` (and its ``jti`` remembered
    #: against replay, RFC 9449 §11.1); at most 10 seconds ahead are tolerated. Default
    #: 120.
    dpop_proof_lifetime: int = DPOP_LIFETIME
    #: Pushed authorization requests only (RFC 9126 §5, the server-wide
    #: ``require_pushed_authorization_requests``): an authorization request without a
    #: ``request_uri`` from the PAR endpoint is refused, and shown as an error page
    #: (never redirected). Per client, the ``require_pushed_authorization_requests``
    #: metadata does the same. Default False.
    require_par: bool = False
    #: Lifetime in seconds of a ``request_uri`` handed out by the pushed authorization
    #: request endpoint (RFC 9126 §2.2 ``expires_in``), at most 600. Default 60.
    par_lifetime: int = DEFAULTS["PAR_LIFETIME"]
    #: Where one-time values (DPoP proof and client assertion ``jti``, RFC 9449 §11.1,
    #: RFC 7523 §3) are remembered until they expire, shared by every worker and host:
    #: ``"database"`` (the ``oauth_replay_cache`` table, with ``init_sqlalchemy``),
    #: a ``"redis://…"`` or ``"rediss://…"`` URL (needs the ``redis`` extra),
    #: ``"memory"`` (this process only: tests, single-process apps), or an object with
    #: ``first_use(namespace, value, expires_at) -> bool``
    #: (:class:`~flask_oauth_provider.replay.ReplayCache`). Default ``None``: the
    #: database with ``init_sqlalchemy``, else memory (with a warning in the log).
    replay_cache: Any = None
    #: ``TOKEN_ENDPOINT_AUTH_METHODS``: the client authentication methods accepted at
    #: every endpoint that authenticates clients (token, revocation, introspection,
    #: device authorization, pushed authorization requests), published as
    #: ``token_endpoint_auth_methods_supported`` (RFC 8414 §2). Some of
    #: ``client_secret_basic``, ``client_secret_post`` (RFC 6749 §2.3.1),
    #: ``private_key_jwt``, ``client_secret_jwt`` (RFC 7523, OpenID Connect Core §9) and
    #: ``none`` (public clients). Default: all. A client uses the method it registered
    #: (``client_secret_basic`` and ``client_secret_post`` are interchangeable).
    #: ``client_secret_jwt`` needs the secret in clear, which the bundled models do not
    #: keep (digests only): it works with clients of callbacks or of an own validator.
    token_endpoint_auth_methods: tuple[str, ...] = auth_methods.KNOWN_AUTH_METHODS
    #: ``TOKEN_ENDPOINT_AUTH_SIGNING_ALGS``: the ``alg`` values a client assertion may use,
    #: published as ``token_endpoint_auth_signing_alg_values_supported``. Asymmetric ones
    #: (``RS256``, ``ES256``, ``EdDSA``) serve ``private_key_jwt``, ``HS256``/``HS384``/
    #: ``HS512`` serve ``client_secret_jwt`` only. ``none`` is never accepted. Default: all.
    token_endpoint_auth_signing_algs: tuple[str, ...] = auth_methods.KNOWN_ASSERTION_ALGS
    #: ``REQUEST_OBJECT_SIGNING_ALGS``: the ``alg`` values a signed request object
    #: (``request``, RFC 9101) may use, published as
    #: ``request_object_signing_alg_values_supported``; asymmetric only. Default
    #: ``("RS256", "ES256", "EdDSA")``.
    request_object_signing_algs: tuple[str, ...] = auth_methods.DEFAULTS[
        "REQUEST_OBJECT_SIGNING_ALGS"]
    #: ``CLIENT_ASSERTION_MAX_LIFETIME``: the longest lifetime, in seconds, of a client
    #: assertion (its ``exp`` from now and from its ``iat``); its ``jti`` is remembered
    #: that long. 1 to 3600; default 300. Authlib's ``PrivateKeyJWT`` makes assertions
    #: for 3600 s unless told otherwise: raise this for such clients.
    client_assertion_max_lifetime: int = auth_methods.DEFAULTS["CLIENT_ASSERTION_MAX_LIFETIME"]
    #: ``CLIENT_ASSERTION_AUDIENCE``: which ``aud`` a client assertion may carry:
    #: ``"issuer_or_endpoint"`` (default: the issuer, the token endpoint's URL or that of
    #: the endpoint receiving it, RFC 7523 §3) or ``"issuer"`` (the issuer identifier
    #: alone, as the FAPI 2.0 profile asks).
    client_assertion_audience: str = auth_methods.DEFAULTS["CLIENT_ASSERTION_AUDIENCE"]

    @property
    def response_types(self) -> tuple[str, ...]:
        """The ``response_type`` values the authorization endpoint accepts."""
        types = []
        if "authorization_code" in self.grant_types:
            types.append("code")
        if "implicit" in self.grant_types:
            types.append("token")
            if self.openid:
                types.extend(OPENID_IMPLICIT_RESPONSE_TYPES)
        return tuple(types)

    def pkce_required_for(self, public: bool) -> bool:
        return self.pkce_required is True or public

    def rotates_refresh_tokens_for(self, public: bool) -> bool:
        return self.rotate_refresh_tokens or public

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> ProviderConfig:
        """Read and check every ``OAUTH2_PROVIDER_*`` key of ``config`` (an app's config)."""

        def get(key: str) -> Any:
            return config.get(PREFIX + key, DEFAULTS[key])

        check.check_known_keys(config, DEFAULTS)
        config = apply_profile(config, frozenset(DEFAULTS))
        # Checked in this order, so that the first wrong key is the one reported.
        prefix = check.url_prefix(get("URL_PREFIX"))
        issuer = check.issuer(get("ISSUER"), get("INSECURE_TRANSPORT"))
        token_expires_in = get("TOKEN_EXPIRES_IN")
        if not callable(token_expires_in):
            token_expires_in = check.positive_int("TOKEN_EXPIRES_IN", token_expires_in)
        code_expires_in = check.code_expires_in(get("CODE_EXPIRES_IN"))
        grant_types = check.grant_types(get("GRANT_TYPES"))
        pkce_required = check.pkce_required(get("PKCE_REQUIRED"))

        def flag(key: str) -> bool:
            value = get(key)
            if not isinstance(value, bool):
                raise ValueError(f"{PREFIX}{key} must be True or False, not {value!r}.")
            return value

        for key in ("ERROR_TEMPLATE", "AUTHORIZE_TEMPLATE", "DEVICE_TEMPLATE"):
            if not isinstance(get(key), str) or not get(key):
                raise ValueError(f"{PREFIX}{key} must be a template name, not {get(key)!r}.")
        error_uri = check.error_uri(get("ERROR_URI"))
        error_endpoint = check.error_endpoint(get("ERROR_ENDPOINT"))

        return cls(
            url_prefix=prefix,
            issuer=issuer,
            token_expires_in=token_expires_in,
            code_expires_in=code_expires_in,
            refresh_token_expires_in=check.positive_int(
                "REFRESH_TOKEN_EXPIRES_IN", get("REFRESH_TOKEN_EXPIRES_IN"), allow_none=True
            ),
            grant_types=grant_types,
            pkce_required=pkce_required,
            pkce_plain=flag("PKCE_PLAIN"),
            require_redirect_uri=flag("REQUIRE_REDIRECT_URI"),
            rotate_refresh_tokens=flag("ROTATE_REFRESH_TOKENS"),
            token_generator=check.resolve_generator("TOKEN_GENERATOR", get("TOKEN_GENERATOR")),
            refresh_token_generator=check.resolve_generator(
                "REFRESH_TOKEN_GENERATOR", get("REFRESH_TOKEN_GENERATOR")
            ),
            error_template=get("ERROR_TEMPLATE"),
            authorize_template=get("AUTHORIZE_TEMPLATE"),
            insecure_transport=flag("INSECURE_TRANSPORT"),
            allow_query_token=flag("ALLOW_QUERY_TOKEN"),
            max_request_size=check.positive_int("MAX_REQUEST_SIZE", get("MAX_REQUEST_SIZE")),
            resources=check.resources(get("RESOURCES")),
            access_token_format=check.access_token_format(get("ACCESS_TOKEN_FORMAT")),
            jwt_token_expires_in=(token_expires_in if PREFIX + "TOKEN_EXPIRES_IN" in config
                                  and isinstance(token_expires_in, int) else 300),
            error_uri=error_uri,
            error_endpoint=error_endpoint,
            ignore_public_client_secret=flag("IGNORE_PUBLIC_CLIENT_SECRET"),
            openid=flag("OPENID"),
            signing_keys=get("SIGNING_KEYS"),
            key_encryption_key=get("KEY_ENCRYPTION_KEY"),
            id_token_expires_in=check.positive_int("ID_TOKEN_EXPIRES_IN",
                                                   get("ID_TOKEN_EXPIRES_IN")),
            id_token_signing_alg=check.id_token_signing_alg(get("ID_TOKEN_SIGNING_ALG")),
            scopes=check.scopes(get("SCOPES")),
            device_code_expires_in=check.device_code_expires_in(get("DEVICE_CODE_EXPIRES_IN")),
            device_code_interval=check.positive_int("DEVICE_CODE_INTERVAL",
                                               get("DEVICE_CODE_INTERVAL")),
            device_template=get("DEVICE_TEMPLATE"),
            device_max_attempts_per_session=check.positive_count(
                "DEVICE_MAX_ATTEMPTS_PER_SESSION", get("DEVICE_MAX_ATTEMPTS_PER_SESSION")),
            device_max_attempts_per_ip=check.positive_count(
                "DEVICE_MAX_ATTEMPTS_PER_IP", get("DEVICE_MAX_ATTEMPTS_PER_IP")),
            require_par=flag("REQUIRE_PAR"),
            par_lifetime=check.par_lifetime(get("PAR_LIFETIME")),
            **check.registration(get, flag),
            profile=get("PROFILE"),
            replay_cache=check.replay_cache(get("REPLAY_CACHE")),
            **auth_methods.client_authentication(get),
            **check.dpop(get, flag),
        )

