"""``OAuth2Provider``: the Flask extension.

Protecting a view takes a few lines::

    from flask import Flask
from flask_login import user_logged_in
    from flask_oauth_provider import OAuth2Provider, current_token

    app = Flask(__name__)
    oauth = OAuth2Provider(app, validator=MyValidator())   # or callbacks, or SQLAlchemy

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me():
        return {"user": current_token.user.username, "scopes": current_token.scopes}

Storage comes one of three ways, all ending as one ``RequestValidator`` given to the
core: ``validator=`` (your own subclass of :class:`~flask_oauth_provider.core.RequestValidator`),
:meth:`OAuth2Provider.init_sqlalchemy` (the bundled models), or the Flask-OAuthlib
callbacks (:meth:`~OAuth2Provider.clientgetter` and friends, from
:class:`~flask_oauth_provider.compat.FlaskOAuthlibCompat`).
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from flask import Flask
from flask_login import user_logged_in

from . import device as device  # adds the device flow's routes to the blueprint
from . import metadata_views, openid_views, views
from . import par_views as par_views  # adds the PAR endpoint's route to the blueprint
from .applog import show_errors_in_app_log
from .callbacks import REQUIRED_CALLBACKS, CallbackValidator, missing_callbacks_message
from .compat import FlaskOAuthlibCompat
from .config import DEFAULTS, PREFIX, ProviderConfig
from .core.request import Request
from .core.resource_metadata import WELL_KNOWN_PATH
from .core.types import Client
from .core.validator import RequestValidator
from .forms import forget_consent_tokens
from .oidc import connect_login_signal, key_encryption_key
from .profiles import apply_profile
from .resource import (
    CurrentToken,
    ScopesArg,
    check_scopes_argument,
    current_token,
    protect,
)
from .state import EXTENSION_KEY, ProviderState

#: Where RFC 8414 §3 publishes the authorization server metadata.
METADATA_PATH = "/.well-known/oauth-authorization-server"
#: Where OpenID Connect Discovery §4 publishes the provider's configuration.
OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration"

log = logging.getLogger("flask_oauth_provider")


class OAuth2Provider(FlaskOAuthlibCompat):
    """An OAuth 2.0 authorization server on a Flask app (RFC 6749).

    ``OAuth2Provider(app=None, validator=None)``: give the app now or later to
    :meth:`init_app` (app factories; one provider object may serve several apps, each
    with its own configuration). ``validator`` is a
    :class:`~flask_oauth_provider.core.RequestValidator`; leave it out to use
    :meth:`init_sqlalchemy` or the Flask-OAuthlib callbacks instead.
    """

    def __init__(self, app: Optional[Flask] = None, validator: Any = None) -> None:
        self._validator = validator
        self._store: Any = None
        #: ``f(client, user, scopes, request) -> bool`` (:meth:`skip_consent`), or ``None``.
        self.consent_skipper: Optional[Callable[[Client, Any, list[str], Request], bool]] = None
        #: ``f(user, scopes) -> dict`` of standard claims (:meth:`claimsgetter`), or ``None``.
        self.claims_getter: Optional[Callable[[Any, list[str]], dict]] = None
        #: ``f() -> private JWK set`` (:meth:`signingkeysgetter`), or ``None``.
        self.signing_keys_getter: Optional[Callable[[], Any]] = None
        #: The bundled key store (``init_sqlalchemy(key_model=...)``), or ``None``.
        self.key_store: Any = None
        #: Makes the database replay cache (set by ``init_sqlalchemy``), or ``None``.
        self.replay_database: Optional[Callable[[], Any]] = None
        self._init_compat()
        if app is not None:
            self.init_app(app)

    # -- registration ---------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Register the provider on ``app``: routes, configuration, per-app state.

        Routes (the prefix is ``OAUTH2_PROVIDER_URL_PREFIX``): ``GET|POST
        /oauth/authorize`` (RFC 6749 §3.1, the consent page), ``POST /oauth/token``
        (§3.2), ``POST /oauth/revoke`` (RFC 7009), ``POST /oauth/introspect`` (RFC 7662),
        ``GET /.well-known/oauth-authorization-server`` at the app root (RFC 8414), and
        ``GET /.well-known/oauth-protected-resource[/path]`` (RFC 9728) for the
        resources whose views the app serves (see ``OAUTH2_PROVIDER_RESOURCES``).
        With the device authorization grant on, also ``POST
        /oauth/device_authorization`` (RFC 8628 §3.1) and ``GET|POST /oauth/device``, the
        verification page (§3.3). The consent and verification pages need Flask-Login
        (a ``LoginManager`` on the app) and ``SECRET_KEY``. Also adds the ``flask oauth``
        commands (:mod:`~.cli`).

        Configuration keys read here, once (all optional; each is described where it is
        defined, in :class:`~flask_oauth_provider.config.ProviderConfig`; a wrong value
        raises ``ValueError`` saying what is allowed): ``OAUTH2_PROVIDER_URL_PREFIX``,
        ``OAUTH2_PROVIDER_ISSUER``, ``OAUTH2_PROVIDER_TOKEN_EXPIRES_IN``,
        ``OAUTH2_PROVIDER_CODE_EXPIRES_IN``, ``OAUTH2_PROVIDER_REFRESH_TOKEN_EXPIRES_IN``,
        ``OAUTH2_PROVIDER_GRANT_TYPES``, ``OAUTH2_PROVIDER_PKCE_REQUIRED``,
        ``OAUTH2_PROVIDER_PKCE_PLAIN``, ``OAUTH2_PROVIDER_REQUIRE_REDIRECT_URI``,
        ``OAUTH2_PROVIDER_ROTATE_REFRESH_TOKENS``,
        ``OAUTH2_PROVIDER_TOKEN_GENERATOR``, ``OAUTH2_PROVIDER_REFRESH_TOKEN_GENERATOR``,
        ``OAUTH2_PROVIDER_ERROR_TEMPLATE``, ``OAUTH2_PROVIDER_AUTHORIZE_TEMPLATE``,
        ``OAUTH2_PROVIDER_INSECURE_TRANSPORT``, ``OAUTH2_PROVIDER_ALLOW_QUERY_TOKEN``,
        ``OAUTH2_PROVIDER_MAX_REQUEST_SIZE``, ``OAUTH2_PROVIDER_ERROR_URI``,
        ``OAUTH2_PROVIDER_ERROR_ENDPOINT``, ``OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET``,
        ``OAUTH2_PROVIDER_RESOURCES``, ``OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT``,
        ``OAUTH2_PROVIDER_OPENID``, ``OAUTH2_PROVIDER_SIGNING_KEYS``,
        ``OAUTH2_PROVIDER_KEY_ENCRYPTION_KEY``, ``OAUTH2_PROVIDER_ID_TOKEN_EXPIRES_IN``,
        ``OAUTH2_PROVIDER_ID_TOKEN_SIGNING_ALG``,
        ``OAUTH2_PROVIDER_SCOPES``,
        ``OAUTH2_PROVIDER_DEVICE_CODE_EXPIRES_IN``, ``OAUTH2_PROVIDER_DEVICE_CODE_INTERVAL``,
        ``OAUTH2_PROVIDER_DEVICE_TEMPLATE``,
        ``OAUTH2_PROVIDER_DEVICE_MAX_ATTEMPTS_PER_SESSION``,
        ``OAUTH2_PROVIDER_DEVICE_MAX_ATTEMPTS_PER_IP``,
        ``OAUTH2_PROVIDER_DYNAMIC_REGISTRATION``
        (then also ``POST /oauth/register`` and ``GET|PUT|DELETE
        /oauth/register/<client_id>``, RFC 7591 / RFC 7592),
        ``OAUTH2_PROVIDER_REGISTRATION_SCOPES``,
        ``OAUTH2_PROVIDER_REGISTRATION_GRANT_TYPES``,
        ``OAUTH2_PROVIDER_REGISTRATION_LIMIT_PER_IP``,
        ``OAUTH2_PROVIDER_REGISTRATION_LIMIT_GLOBAL``,
        ``OAUTH2_PROVIDER_REGISTRATION_PURGE_UNUSED_AFTER``,
        ``OAUTH2_PROVIDER_CLIENT_ID_METADATA_DOCUMENTS``,
        ``OAUTH2_PROVIDER_CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE``,
        ``OAUTH2_PROVIDER_SOFTWARE_STATEMENT_KEYS``, ``OAUTH2_PROVIDER_REPLAY_CACHE``,
        ``OAUTH2_PROVIDER_REQUIRE_DPOP``, ``OAUTH2_PROVIDER_DPOP_NONCE``,
        ``OAUTH2_PROVIDER_DPOP_SIGNING_ALGS``, ``OAUTH2_PROVIDER_DPOP_PROOF_LIFETIME``
        (DPoP, RFC 9449),
        ``OAUTH2_PROVIDER_REQUIRE_PAR``, ``OAUTH2_PROVIDER_PAR_LIFETIME`` (RFC 9126; the
        pushed authorization request endpoint is ``POST /oauth/par``),
        ``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS``,
        ``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_SIGNING_ALGS``,
        ``OAUTH2_PROVIDER_REQUEST_OBJECT_SIGNING_ALGS``,
        ``OAUTH2_PROVIDER_CLIENT_ASSERTION_MAX_LIFETIME``,
        ``OAUTH2_PROVIDER_CLIENT_ASSERTION_AUDIENCE``,
        ``OAUTH2_PROVIDER_PROFILE`` (``"fapi2"`` presets and holds the FAPI 2.0 keys).

        With ``OAUTH2_PROVIDER_OPENID`` (or, for the JWKS alone,
        ``OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT = "jwt"``) the app also serves ``GET|POST
        /oauth/userinfo`` and ``GET /oauth/jwks``, the app root
        ``/.well-known/openid-configuration`` (OpenID Connect Discovery §4), and the
        login time of Flask-Login's ``user_logged_in`` is recorded for ``auth_time``.

        Flask's own ``SESSION_COOKIE_SAMESITE`` becomes ``"Lax"`` when the app
        left it unset (the consent page's CSRF token lives in the session); set it
        yourself to choose otherwise, and set ``SESSION_COOKIE_SECURE = True`` in
        production.

        Raises ``RuntimeError`` if a provider is already registered on ``app``, or if
        some Flask-OAuthlib callbacks are registered but a required one is missing.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "An 'OAuth2Provider' instance has already been registered on this Flask app. "
                "Import and use that instance instead."
            )
        config = ProviderConfig.from_mapping(app.config)
        # The keys left unset get their defaults, or a profile's presets (profiles.py).
        in_force = apply_profile(app.config, frozenset(DEFAULTS))
        for key, default in DEFAULTS.items():
            app.config.setdefault(PREFIX + key, in_force.get(PREFIX + key, default))
        if app.config.get("SESSION_COOKIE_SAMESITE") is None:
            # The consent form's CSRF token lives in the session; a SameSite cookie is
            # a second line against cross-site posts (RFC 6749 §10.12). "Lax" still
            # sends it on the client's top-level redirect to /authorize.
            app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
        app.extensions[EXTENSION_KEY] = ProviderState(self, config)
        _register_routes(app, config)
        # Exceptions of the app's callbacks and validator reach its console.
        show_errors_in_app_log()
        if config.openid:
            connect_login_signal(app)
        # A session planted before login (cookie tossing) must carry no consent token
        # into the user's session: logging in forgets them (RFC 6749 §10.12).
        user_logged_in.connect(forget_consent_tokens, app, weak=False)
        # Fail now, not at the first request, when the storage is known to be
        # incomplete. With no storage at all yet, the app is probably written as
        # ``OAuth2Provider(app)`` followed by the callback decorators (Flask-OAuthlib's
        # documented order): the check then happens on first use.
        if self._validator is None and self._store is None and self._collected_callbacks():
            self._resolve_validator()

    def init_sqlalchemy(self, db: Any, client_model: type, code_model: type,
                        token_model: type, key_model: Optional[type] = None, *,
                        device_code_model: Optional[type] = None,
                        device_attempt_model: Optional[type] = None,
                        initial_access_token_model: Optional[type] = None,
                        par_model: Optional[type] = None) -> Any:
        """Store clients, codes and tokens in the bundled SQLAlchemy models.

        ``db`` is a Flask-SQLAlchemy ``SQLAlchemy`` (its ``db.session`` is used); the
        models subclass :mod:`flask_oauth_provider.sqla`'s mixins. ``key_model`` (a
        :class:`~flask_oauth_provider.sqla.SigningKeyMixin` model) keeps OpenID Connect
        signing keys, encrypted. The device authorization grant (RFC 8628) also needs
        ``device_code_model`` (a ``DeviceCodeMixin`` model) and ``device_attempt_model``
        (a ``DeviceAttemptMixin`` model, counting wrong user codes).
        ``initial_access_token_model`` (an
        :class:`~flask_oauth_provider.sqla.InitialAccessTokenMixin` model) is needed only for
        ``OAUTH2_PROVIDER_DYNAMIC_REGISTRATION = "token"``. ``par_model`` (a
        :class:`~flask_oauth_provider.sqla.PushedAuthorizationRequestMixin` model) keeps
        pushed authorization requests (RFC 9126): with it, ``POST /oauth/par`` answers.
        Returns the
        :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`, which becomes the validator.

        The replay cache (``OAUTH2_PROVIDER_REPLAY_CACHE``) is then in the database by
        default: its table, ``oauth_replay_cache``
        (:func:`~flask_oauth_provider.sqla.replay_table`), is declared on the client
        model's metadata unless the app declared it there itself (under any name).
        """
        from .sqla import (  # SQLAlchemy only when used
            DatabaseReplayCache,
            SigningKeyStore,
            SQLAlchemyStore,
            replay_table,
        )

        device_models = {key: model for key, model in (
            ("device_code_model", device_code_model),
            ("device_attempt_model", device_attempt_model),
            ("initial_access_token_model", initial_access_token_model),
            ("par_model", par_model)) if model is not None}
        self._store = SQLAlchemyStore(
            session=db.session, client_model=client_model, code_model=code_model,
            token_model=token_model, **device_models,
        )
        if key_model is not None:
            self.key_store = SigningKeyStore(db.session, key_model, key_encryption_key)
        # The replay cache's table joins the app's models (db.create_all, Alembic).
        metadata = getattr(client_model, "metadata", None)  # None: not a mapped model
        if metadata is not None:
            table = replay_table(metadata)
            self.replay_database = lambda: DatabaseReplayCache(
                lambda: db.session.get_bind(clause=table), table)
        return self._store

    def create_client(self, **kwargs: Any) -> tuple[Any, Optional[str]]:
        """Register a client in the SQLAlchemy store; returns ``(client, secret or None)``.

        Takes the keyword arguments of
        :meth:`flask_oauth_provider.sqla.SQLAlchemyStore.create_client` (``name``,
        ``redirect_uris``, ``grant_types``, ``scopes``, ``public``, ``user``,
        ``dpop_bound_access_tokens``). The
        secret is shown this once: only its digest is stored.
        """
        store = self.store
        if store is None:
            raise RuntimeError(
                "create_client needs the bundled models: call "
                "oauth.init_sqlalchemy(db, client_model=..., code_model=..., token_model=...) "
                "first, or give OAuth2Provider a SQLAlchemyStore as its validator."
            )
        return store.create_client(**kwargs)

    def create_initial_access_token(self, description: str = "", uses: Optional[int] = 1,
                                    expires_in: Optional[int] = 24 * 3600) -> str:
        """Make an initial access token for dynamic registration (RFC 7591 §3).

        Returns the token, shown this once (its digest is stored). ``uses``: how many
        clients it may register (``None``: any number until it expires); ``expires_in``:
        its lifetime in seconds (``None``: until used up). Give it to a developer, who
        sends it as ``Authorization: Bearer`` to the registration endpoint.
        """
        if self._store is None:
            raise RuntimeError(
                "create_initial_access_token needs the bundled models: call "
                "oauth.init_sqlalchemy(..., initial_access_token_model=...) first."
            )
        return self._store.create_initial_access_token(description, uses, expires_in)

    # -- storage: the validator ---------------------------------------------------------

    @property
    def store(self) -> Any:
        """The :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`: the one of
        :meth:`init_sqlalchemy`, or the validator when it is one (built directly on a
        session, see docs/storage.rst); ``None`` for callbacks or another validator."""
        if self._store is not None:
            return self._store
        # A SQLAlchemyStore exists only once its module is imported: no need to load
        # SQLAlchemy to tell.
        sqla = sys.modules.get(__package__ + ".sqla")
        if sqla is not None and isinstance(self._validator, sqla.SQLAlchemyStore):
            return self._validator
        return None

    @property
    def validator(self) -> RequestValidator:
        """The RequestValidator the core uses (``RuntimeError`` if there is none yet)."""
        return self._resolve_validator()

    def _resolve_validator(self) -> RequestValidator:
        if self._validator is not None:
            return self._validator
        if self._store is not None:
            self._store.usergetter = self._callbacks.get("usergetter")
            return self._store
        callbacks = self._collected_callbacks()
        missing = [name for name in REQUIRED_CALLBACKS if name not in callbacks]
        if missing:
            raise RuntimeError(missing_callbacks_message(missing))
        if self._callback_validator is None:
            self._callback_validator = CallbackValidator(**callbacks)
        return self._callback_validator

    # -- consent ------------------------------------------------------------------------

    def skip_consent(self, f: Callable[[Client, Any, list[str], Request], bool]
                     ) -> Callable[[Client, Any, list[str], Request], bool]:
        """Register ``f(client, user, scopes, request) -> bool``: True skips the consent page.

        Use it for first-party clients, or when the user already granted these scopes
        (like django-oauth-toolkit's ``approval_prompt=auto``). Off by default. Be
        careful with public clients: anyone can use their ``client_id``, so a silent
        grant to them lets any site obtain a code for a logged-in user (RFC 8252 §8.6,
        RFC 6749 §10.2).
        """
        self.consent_skipper = f
        return f

    # -- OpenID Connect -----------------------------------------------------------------

    def claimsgetter(self, f: Callable[[Any, list[str]], dict]) -> Callable[[Any, list[str]], dict]:
        """Register ``f(user, scopes) -> dict``: the user's standard claims (OpenID
        Connect Core §5.1). Return them all; only what the granted scopes (§5.4) and
        the ``claims`` parameter (§5.5) allow reaches a client."""
        self.claims_getter = f
        return f

    def signingkeysgetter(self, f: Callable[[], Any]) -> Callable[[], Any]:
        """Register ``f() -> private JWK set``, for apps that keep signing keys
        themselves; the first key of each algorithm signs."""
        self.signing_keys_getter = f
        return f

    def rotate_signing_key(self, alg: str = "RS256") -> dict[str, Any]:
        """Make a new active signing key for ``alg`` (RS256, ES256, EdDSA) in the key
        store and return its public JWK. The previous key stops signing but stays
        published until :meth:`retire_signing_keys`."""
        return self._require_key_store().rotate(alg)

    def retire_signing_keys(self, kids: Optional[list[str]] = None,
                            rotated_before: Any = None) -> list[str]:
        """Unpublish rotated-out keys (those named, those rotated out before a time, or
        all); tokens they signed no longer verify. Returns the retired kids."""
        return self._require_key_store().retire(kids, rotated_before)

    def _require_key_store(self) -> Any:
        if self.key_store is None:
            raise RuntimeError("The key store needs init_sqlalchemy(..., key_model=SigningKey).")
        return self.key_store

    # -- protecting views (RFC 6750) -------------------------------------------------

    def require_oauth(self, *scopes: ScopesArg, optional: bool = False) -> Callable:
        """Protect a view: it needs a valid bearer token with **every** listed scope.

        ``@oauth.require_oauth("read", "write")`` needs both ``read`` and ``write``
        (Flask-OAuthlib let *any one* of them through, which surprised people — its
        issue #181). ``scopes`` may also be one ``callable(flask_request) -> list``,
        evaluated per request: an explicit empty list lets any valid token in, while
        ``None`` or ``""`` refuses every token (403), so a scope map with no entry for
        the request keeps the view closed. ``require_oauth()`` protects a view any valid
        token may call; ``require_oauth(None)`` and ``require_oauth("")`` raise
        ``ValueError`` (a missing scope, not "any"). With ``optional=True`` a request
        without any token gets through with ``current_token`` falsy; a bad token is still
        refused.

        Inside the view, :data:`current_token` has ``user``, ``client``, ``scopes`` (the
        granted ones) and ``expires_at``; ``flask.request.oauth`` is the core request,
        as in Flask-OAuthlib. Refusals (RFC 6750 §3): 401 with ``WWW-Authenticate:
        Bearer`` when no token was sent, 401 ``error="invalid_token"`` for an unknown,
        expired or revoked token, 403 ``error="insufficient_scope"``, 400
        ``invalid_request`` for a token sent two ways; JSON bodies.
        """
        check_scopes_argument(scopes)

        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            return protect(self, scopes, optional, f)

        return decorator


def _register_routes(app: Flask, config: ProviderConfig) -> None:
    """The blueprint, the metadata document(s) and the ``flask oauth`` commands."""
    from .cli import oauth_cli  # imported here: the CLI loads SQLAlchemy

    app.register_blueprint(views.blueprint, url_prefix=config.url_prefix)
    if config.dynamic_registration:
        from . import registration_views  # RFC 7591 / RFC 7592, only when switched on

        app.register_blueprint(registration_views.blueprint, url_prefix=config.url_prefix)
    app.cli.add_command(oauth_cli)
    if not config.issuer and not (app.debug or app.testing):
        log.warning(
            "%sISSUER is not set: the issuer and the metadata document are built from "
            "each request's Host header (served with Cache-Control: no-store). Set it to "
            "this server's https URL in production (RFC 8414 §2, RFC 9207).", PREFIX)
    app.add_url_rule(METADATA_PATH, endpoint="oauth2_provider_metadata",
                     view_func=metadata_views.metadata, methods=["GET"])
    # RFC 9728 §3.1: the resource's metadata, at the root and with its path appended.
    app.add_url_rule(WELL_KNOWN_PATH, endpoint="oauth2_provider_resource_metadata",
                     view_func=metadata_views.protected_resource_metadata, methods=["GET"])
    app.add_url_rule(WELL_KNOWN_PATH + "/<path:suffix>",
                     endpoint="oauth2_provider_resource_metadata_path",
                     view_func=metadata_views.protected_resource_metadata, methods=["GET"])
    issuer_path = urlsplit(config.issuer).path.rstrip("/") if config.issuer else ""
    if issuer_path:
        # RFC 8414 §3.1: an issuer with a path component publishes its metadata at
        # /.well-known/oauth-authorization-server followed by that path.
        app.add_url_rule(METADATA_PATH + issuer_path,
                         endpoint="oauth2_provider_metadata_issuer_path",
                         view_func=metadata_views.metadata, methods=["GET"])
    if config.publishes_jwks:
        # RFC 7517 §5: the public keys, for ID tokens and for JWT access tokens.
        app.add_url_rule(config.url_prefix + "/jwks", endpoint="oauth2_provider_jwks",
                         view_func=openid_views.jwks_response, methods=["GET"])
    if config.openid:
        _register_openid_routes(app, config, issuer_path)


def _register_openid_routes(app: Flask, config: ProviderConfig, issuer_path: str) -> None:
    """UserInfo (OpenID Connect Core §5.3), the JWKS, RP-initiated logout and discovery."""
    prefix = config.url_prefix
    app.add_url_rule(prefix + "/userinfo", endpoint="oauth2_provider_userinfo",
                     view_func=openid_views.userinfo_response,
                     methods=["GET", "POST", "OPTIONS"])
    app.add_url_rule(prefix + "/logout", endpoint="oauth2_provider_end_session",
                     view_func=functools.partial(openid_views.end_session_response,
                                                 views.error_page),
                     methods=["GET", "POST"])
    # OpenID Connect Discovery §4: the issuer's path, then the well-known suffix.
    app.add_url_rule(issuer_path + OPENID_CONFIGURATION_PATH,
                     endpoint="oauth2_provider_openid_configuration",
                     view_func=metadata_views.metadata, methods=["GET"])


__all__ = ["OAuth2Provider", "current_token", "CurrentToken", "ProviderState"]
