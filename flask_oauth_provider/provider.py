"""``OAuth2Provider``: the Flask extension, and ``current_token``.

Protecting a view takes a few lines::

    from flask import Flask
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
callbacks (:meth:`~OAuth2Provider.clientgetter` and friends).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Union
from urllib.parse import urlsplit

from flask import Flask, g
from flask import request as flask_request
from werkzeug.local import LocalProxy

from . import http
from .bearer import GENERAL_PATH, CurrentToken, SelectWidth, check_plain_bearer, publish
from .callbacks import (
    ALL_CALLBACKS,
    REQUIRED_CALLBACKS,
    CallbackValidator,
    expires_at,
    missing_callbacks_message,
)
from .config import DEFAULTS, PREFIX, ProviderConfig
from .core.tokens import bearer_token_locations
from .state import EXTENSION_KEY, ProviderState, current_state

ScopesArg = Union[str, list, tuple, Callable[[Any], Any]]


# -- the token of the current request ------------------------------------------------------


def _get_current_token() -> Optional[CurrentToken]:
    return g.get("_oauth2_current_token")


#: The access token of the current request, set by ``require_oauth``: it has ``user``,
#: ``client``, ``scopes`` (granted), ``expires_at`` and ``token``. It is falsy in an
#: ``optional=True`` view called without a token (test with ``if not current_token``).
current_token: CurrentToken = LocalProxy(_get_current_token)  # type: ignore[assignment]


# -- the extension -------------------------------------------------------------------------


class OAuth2Provider:
    """An OAuth 2.0 authorization server on a Flask app (RFC 6749).

    ``OAuth2Provider(app=None, validator=None)``: give the app now or later to
    :meth:`init_app` (app factories; one provider object may serve several apps, each
    with its own configuration). ``validator`` is a
    :class:`~flask_oauth_provider.core.RequestValidator`; leave it out to use
    :meth:`init_sqlalchemy` or the Flask-OAuthlib callbacks instead.
    """

    def __init__(self, app: Optional[Flask] = None, validator: Any = None) -> None:
        self._validator = validator
        self._callbacks: dict[str, Callable[..., Any]] = {}
        self._callback_validator: Optional[CallbackValidator] = None
        self._store: Any = None
        self._consent_skipper: Optional[Callable[..., bool]] = None
        # Flask-OAuthlib compatibility hooks.
        self._before_request_funcs: list[Callable[[], Any]] = []
        self._after_request_funcs: list[Callable[[bool, Any], Any]] = []
        self._invalid_response: Optional[Callable[[Any], Any]] = None
        self._authorize_view: Optional[Callable[..., Any]] = None
        self._token_view: Optional[Callable[..., Any]] = None
        self._revoke_view: Optional[Callable[..., Any]] = None
        if app is not None:
            self.init_app(app)

    # -- registration ---------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Register the provider on ``app``: routes, configuration, per-app state.

        Routes (the prefix is ``OAUTH2_PROVIDER_URL_PREFIX``): ``GET|POST
        /oauth/authorize`` (RFC 6749 §3.1, the consent page), ``POST /oauth/token``
        (§3.2), ``POST /oauth/revoke`` (RFC 7009), ``POST /oauth/introspect`` (RFC 7662),
        and ``GET /.well-known/oauth-authorization-server`` at the app root (RFC 8414).
        The consent page needs Flask-Login (a ``LoginManager`` on the app) and
        ``SECRET_KEY``.

        Configuration keys (all optional; a wrong value raises ``ValueError`` here,
        saying what is allowed):

        ``OAUTH2_PROVIDER_URL_PREFIX``
            URL prefix of the endpoints. Default ``"/oauth"``.
        ``OAUTH2_PROVIDER_ISSUER``
            The issuer identifier (RFC 8414 §2, RFC 9207): an https URL without query or
            fragment. Default: the request's host URL.
        ``OAUTH2_PROVIDER_TOKEN_EXPIRES_IN``
            Access token lifetime in seconds, or ``callable(request) -> int``. Default 3600.
        ``OAUTH2_PROVIDER_CODE_EXPIRES_IN``
            Authorization code lifetime in seconds, at most 600 (RFC 6749 §4.1.2).
            Default 60.
        ``OAUTH2_PROVIDER_REFRESH_TOKEN_EXPIRES_IN``
            Refresh token lifetime in seconds, or ``None`` (never). Default 30 days.
        ``OAUTH2_PROVIDER_GRANT_TYPES``
            Enabled grant types. Default ``("authorization_code", "refresh_token",
            "client_credentials")``; ``"implicit"`` and ``"password"`` only when listed
            (RFC 9700 §2.1.2, §2.4).
        ``OAUTH2_PROVIDER_PKCE_REQUIRED``
            ``"public"`` (default: public clients must use PKCE) or ``True`` (every client).
        ``OAUTH2_PROVIDER_PKCE_PLAIN``
            Accept the PKCE ``plain`` method (RFC 7636 §7.2 advises against). Default False.
        ``OAUTH2_PROVIDER_ROTATE_REFRESH_TOKENS``
            Rotate confidential clients' refresh tokens too; public clients' always rotate
            (RFC 9700 §4.14.2). Default True.
        ``OAUTH2_PROVIDER_TOKEN_GENERATOR`` / ``OAUTH2_PROVIDER_REFRESH_TOKEN_GENERATOR``
            ``callable(request) -> str`` or its import path. Default: 256 random bits.
        ``OAUTH2_PROVIDER_ERROR_TEMPLATE``
            Template of the error page. Default ``"oauth/error.html"``.
        ``OAUTH2_PROVIDER_AUTHORIZE_TEMPLATE``
            Template of the consent page. Default ``"oauth/authorize.html"`` (an app may
            also override that name in its own templates folder).
        ``OAUTH2_PROVIDER_INSECURE_TRANSPORT``
            Accept plain http on non-loopback hosts and http redirect URIs. For
            development only. Default False (http only on 127.0.0.1, ::1, localhost).
            Behind a proxy that terminates TLS, wrap the app in Werkzeug's ``ProxyFix``
            so that requests are seen as https.
        ``OAUTH2_PROVIDER_ALLOW_QUERY_TOKEN``
            Accept ``?access_token=`` on protected views (RFC 9700 §4.3.2 advises
            against). Default False.
        ``OAUTH2_PROVIDER_MAX_REQUEST_SIZE``
            Largest body accepted by the token, revocation and introspection endpoints,
            in bytes; larger is 413. Default 65536.

        Flask's own ``SESSION_COOKIE_SAMESITE`` becomes ``"Lax"`` when the app left it
        unset (the consent page's CSRF token lives in the session); set it yourself to
        choose otherwise, and set ``SESSION_COOKIE_SECURE = True`` in production.

        Raises ``RuntimeError`` if a provider is already registered on ``app``, or if
        some Flask-OAuthlib callbacks are registered but a required one is missing.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "An 'OAuth2Provider' instance has already been registered on this Flask app. "
                "Import and use that instance instead."
            )
        config = ProviderConfig.from_mapping(app.config)
        for key, default in DEFAULTS.items():
            app.config.setdefault(PREFIX + key, default)
        if app.config.get("SESSION_COOKIE_SAMESITE") is None:
            # The consent form's CSRF token lives in the session; a SameSite cookie is
            # a second line against cross-site posts (RFC 6749 §10.12). "Lax" still
            # sends it on the client's top-level redirect to /authorize.
            app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
        state = ProviderState(self, config)
        app.extensions[EXTENSION_KEY] = state

        from . import views
        from .cli import oauth_cli

        app.register_blueprint(views.blueprint, url_prefix=config.url_prefix)
        # ``flask oauth ...`` (create-client, list-clients, revoke, purge).
        app.cli.add_command(oauth_cli)
        app.add_url_rule(
            "/.well-known/oauth-authorization-server",
            endpoint="oauth2_provider_metadata",
            view_func=views.metadata,
            methods=["GET"],
        )
        issuer_path = urlsplit(config.issuer).path.rstrip("/") if config.issuer else ""
        if issuer_path:
            # RFC 8414 §3.1: an issuer with a path component publishes its metadata at
            # /.well-known/oauth-authorization-server followed by that path.
            app.add_url_rule(
                "/.well-known/oauth-authorization-server" + issuer_path,
                endpoint="oauth2_provider_metadata_issuer_path",
                view_func=views.metadata,
                methods=["GET"],
            )
        # Fail now, not at the first request, when the storage is known to be
        # incomplete. With no storage at all yet, the app is probably written as
        # ``OAuth2Provider(app)`` followed by the callback decorators (Flask-OAuthlib's
        # documented order): the check then happens on first use.
        if self._validator is None and self._store is None and self._collected_callbacks():
            self._resolve_validator()

    def init_sqlalchemy(self, db: Any, client_model: type, code_model: type,
                        token_model: type) -> Any:
        """Store clients, codes and tokens in the bundled SQLAlchemy models.

        ``db`` is a Flask-SQLAlchemy ``SQLAlchemy`` (its ``db.session`` is used); the
        models subclass :mod:`flask_oauth_provider.sqla`'s mixins. Returns the
        :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`, which becomes the validator.
        """
        from .sqla import SQLAlchemyStore

        self._store = SQLAlchemyStore(
            session=db.session, client_model=client_model, code_model=code_model,
            token_model=token_model,
        )
        return self._store

    def create_client(self, **kwargs: Any) -> tuple[Any, Optional[str]]:
        """Register a client in the SQLAlchemy store; returns ``(client, secret or None)``.

        Takes the keyword arguments of
        :meth:`flask_oauth_provider.sqla.SQLAlchemyStore.create_client` (``name``,
        ``redirect_uris``, ``grant_types``, ``scopes``, ``public``, ``user``). The
        secret is shown this once: only its digest is stored.
        """
        if self._store is None:
            raise RuntimeError(
                "create_client needs the bundled models: call "
                "oauth.init_sqlalchemy(db, client_model=..., code_model=..., token_model=...) "
                "first."
            )
        return self._store.create_client(**kwargs)

    # -- storage: the validator ---------------------------------------------------------

    @property
    def validator(self) -> Any:
        """The RequestValidator the core uses (``RuntimeError`` if there is none yet)."""
        return self._resolve_validator()

    def _resolve_validator(self) -> Any:
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

    def _collected_callbacks(self) -> dict[str, Callable[..., Any]]:
        """The registered callbacks, plus Flask-OAuthlib's "subclass way": methods named
        ``_clientgetter``, ``_tokengetter``, ... on a subclass of the provider."""
        callbacks = dict(self._callbacks)
        for name in ALL_CALLBACKS:
            method = getattr(self, "_" + name, None)
            if name not in callbacks and callable(method):
                callbacks[name] = method
        return callbacks

    def _register_callback(self, name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        assert name in ALL_CALLBACKS
        self._callbacks[name] = f
        self._callback_validator = None
        return f

    def clientgetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(client_id) -> client or None`` (required with callbacks).

        The client has ``client_id``, ``client_secret``, ``client_type``
        (``'public'``/``'confidential'``) or ``is_confidential``, ``redirect_uris``,
        ``default_redirect_uri``, ``default_scopes``; optionally ``allowed_scopes``,
        ``allowed_grant_types``, ``allowed_response_types``, ``name`` and ``user``.
        """
        return self._register_callback("clientgetter", f)

    def grantgetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(client_id, code) -> grant or None``, called with keywords."""
        return self._register_callback("grantgetter", f)

    def grantsetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(client_id, code, request, *args, **kwargs)``.

        ``code`` is a dict: ``code['code']`` is the code; with PKCE it also holds
        ``code_challenge`` and ``code_challenge_method``, which the grant must keep.
        ``request.user``, ``request.scopes`` and ``request.redirect_uri`` are set.
        """
        return self._register_callback("grantsetter", f)

    def tokengetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(access_token=None, refresh_token=None) -> token or None``."""
        return self._register_callback("tokengetter", f)

    def tokensetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(token, request, *args, **kwargs)``; ``token`` is the response dict."""
        return self._register_callback("tokensetter", f)

    def usergetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(username, password, client, request, *args, **kwargs) -> user``.

        Only the password grant uses it (and it is off unless listed in
        ``OAUTH2_PROVIDER_GRANT_TYPES``).
        """
        return self._register_callback("usergetter", f)

    def tokendeleter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(token)`` to delete a token; without it ``token.delete()`` is called."""
        return self._register_callback("tokendeleter", f)

    def grantdeleter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(grant)`` to delete a used code; without it ``grant.delete()`` is called."""
        return self._register_callback("grantdeleter", f)

    # -- consent ------------------------------------------------------------------------

    def skip_consent(self, f: Callable[..., bool]) -> Callable[..., bool]:
        """Register ``f(client, user, scopes, request) -> bool``: True skips the consent page.

        Use it for first-party clients, or when the user already granted these scopes
        (like django-oauth-toolkit's ``approval_prompt=auto``). Off by default. Be
        careful with public clients: anyone can use their ``client_id``, so a silent
        grant to them lets any site obtain a code for a logged-in user (RFC 8252 §8.6,
        RFC 6749 §10.2).
        """
        self._consent_skipper = f
        return f

    # -- Flask-OAuthlib compatibility -------------------------------------------------

    def before_request(self, f: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``f()`` before every ``require_oauth`` check; a non-None return is the response."""
        self._before_request_funcs.append(f)
        return f

    def after_request(self, f: Callable[[bool, Any], Any]) -> Callable[[bool, Any], Any]:
        """Chain ``f(valid, request) -> (valid, request)`` after the token check."""
        self._after_request_funcs.append(f)
        return f

    def invalid_response(self, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Answer a refused ``require_oauth`` call with ``f(request)`` instead of the RFC 6750
        401/403 (``request.error_message`` says why)."""
        self._invalid_response = f
        return f

    def authorize_handler(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Flask-OAuthlib's consent hook: the app renders its own page and returns a bool.

        On GET, ``f(*args, scopes=..., client_id=..., redirect_uri=..., response_type=...,
        state=..., request=..., **kwargs)`` renders the page; on POST it returns True
        (allow), False (deny) or a response. On POST the OAuth parameters are validated
        again from the query string and, as Flask-OAuthlib's templates post them back as
        hidden fields, from the form. The app's page must carry its own CSRF protection:
        the bundled consent page (used when no handler is registered) does. An app route
        for the same URL keeps its own decorators (a login check, for instance).
        """
        self._authorize_view = f

        @functools.wraps(f)
        def view(*args: Any, **kwargs: Any) -> Any:
            from . import views

            return views.authorize(*args, **kwargs)

        return view

    def token_handler(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Flask-OAuthlib's token view: ``f()`` returns a dict of extra token fields or None."""
        self._token_view = f

        @functools.wraps(f)
        def view(*args: Any, **kwargs: Any) -> Any:
            from . import views

            return views.token(*args, **kwargs)

        return view

    def revoke_handler(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Flask-OAuthlib's revocation view (RFC 7009); ``f``'s return value is ignored."""
        self._revoke_view = f

        @functools.wraps(f)
        def view(*args: Any, **kwargs: Any) -> Any:
            from . import views

            return views.revoke(*args, **kwargs)

        return view

    # -- protecting views (RFC 6750) -------------------------------------------------

    def require_oauth(self, *scopes: ScopesArg, optional: bool = False) -> Callable:
        """Protect a view: it needs a valid bearer token with **every** listed scope.

        ``@oauth.require_oauth("read", "write")`` needs both ``read`` and ``write``
        (Flask-OAuthlib let *any one* of them through, which surprised people — its
        issue #181). ``scopes`` may also be one ``callable(flask_request) -> list``,
        evaluated per request. With ``optional=True`` a request without any token gets
        through with ``current_token`` falsy; a bad token is still refused.

        Inside the view, :data:`current_token` has ``user``, ``client``, ``scopes`` (the
        granted ones) and ``expires_at``; ``flask.request.oauth`` is the core request,
        as in Flask-OAuthlib. Refusals (RFC 6750 §3): 401 with ``WWW-Authenticate:
        Bearer`` when no token was sent, 401 ``error="invalid_token"`` for an unknown,
        expired or revoked token, 403 ``error="insufficient_scope"``, 400
        ``invalid_request`` for a token sent two ways; JSON bodies.
        """

        per_request = len(scopes) == 1 and callable(scopes[0])
        fixed = None if per_request else resolve_scopes(scopes)  # parsed once

        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            width = SelectWidth()

            @functools.wraps(f)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                for before in self._before_request_funcs:
                    rv = before()
                    if rv is not None:
                        return rv
                required = resolve_scopes(scopes) if fixed is None else list(fixed)
                outcome = self._check_plain(required, width.wide)
                if outcome is GENERAL_PATH:
                    outcome = self._check_token(required, optional)
                if not isinstance(outcome, CurrentToken) and outcome is not None:
                    return outcome
                rv = f(*args, **kwargs)
                if outcome is not None:
                    width.learn(outcome)
                return rv

            return wrapper

        return decorator

    def verify_request(self, scopes: Optional[list[str]] = None) -> tuple[bool, Any]:
        """Check the current request's bearer token for ``scopes`` (all of them).

        Returns ``(valid, core_request)`` like Flask-OAuthlib; ``core_request.user``,
        ``.client`` and ``.scopes`` are set when the token is known. For code that
        cannot use the :meth:`require_oauth` decorator.
        """
        state = current_state()
        uri, method, body, headers = http.extract_resource_params()
        valid, request = state.server.verify_request(uri, method, body, headers,
                                                     list(scopes or []))
        if len(bearer_token_locations(request)) > 1:
            valid = False
        return valid, request

    def _check_plain(self, required: list[str], wide: bool) -> Any:
        """The short path of a protected call (see :mod:`flask_oauth_provider.bearer`):
        a :class:`CurrentToken`, a refusal, or ``GENERAL_PATH``."""
        if self._after_request_funcs or self._invalid_response is not None:
            return GENERAL_PATH  # Flask-OAuthlib hooks see the core request
        state = current_state()
        validator = state.validator
        fast = getattr(validator, "fast_bearer_path", None)
        if fast is None or not fast():
            return GENERAL_PATH
        if not http.transport_is_secure(state.config.insecure_transport):
            return GENERAL_PATH
        from .views import bearer_refusal

        outcome = check_plain_bearer(validator, state.server, required, bearer_refusal, wide)
        if isinstance(outcome, CurrentToken):
            publish(outcome)
        return outcome

    def _check_token(self, required: list[str], optional: bool) -> Any:
        """Verify the request's token; a :class:`CurrentToken`, ``None`` or a refusal."""
        from .views import bearer_refusal

        state = current_state()
        if not http.transport_is_secure(state.config.insecure_transport):
            return bearer_refusal(400, "invalid_request", "HTTPS is required.")
        uri, method, body, headers = http.extract_resource_params()
        server = state.server
        valid, request = server.verify_request(uri, method, body, headers, required)
        locations = bearer_token_locations(request)
        presented = bool(locations) or http.authorization_scheme(headers) == "bearer"
        for after in self._after_request_funcs:
            valid, request = after(valid, request)

        problem: Optional[tuple] = None
        error = getattr(request, "verify_error", None)
        if error is not None:
            status = error.status_code if error.status_code in (400, 500, 503) else 400
            problem = (status, error.error or "invalid_request", None)
        elif len(locations) > 1:
            # RFC 6750 §2: a client MUST NOT use more than one method per request.
            problem = (400, "invalid_request",
                       "The access token was sent in more than one way.")
        elif not valid:
            if not presented:
                if optional:
                    return None
                problem = (401, None, None)
            elif required and server.verify_request(uri, method, body, headers, [])[0]:
                # The token is good without the scopes: RFC 6750 §3.1 insufficient_scope.
                problem = (403, "insufficient_scope", None)
            else:
                problem = (401, "invalid_token", None)

        if problem is not None:
            status, code, description = problem
            if self._invalid_response is not None:
                request.error_message = description or code or "unauthorized"
                return self._invalid_response(request)
            if status == 403:
                return bearer_refusal(403, "insufficient_scope", scope=required)
            return bearer_refusal(status, code, description)

        token_obj = getattr(request, "access_token", None)
        if isinstance(token_obj, str):
            token_obj = None
        current = CurrentToken(
            user=getattr(request, "user", None),
            client=getattr(request, "client", None),
            scopes=list(getattr(request, "scopes", None) or []),
            expires_at=expires_at(token_obj) if token_obj is not None else None,
            token=token_obj,
            request=request,
        )
        publish(current)
        return current


def resolve_scopes(scopes: tuple) -> list[str]:
    """The scopes a view requires: strings, lists of strings, or one callable(request)."""
    if len(scopes) == 1 and callable(scopes[0]):
        scopes = (scopes[0](flask_request),)
    required: list[str] = []
    for item in scopes:
        if item is None:
            continue
        if isinstance(item, str):
            required.extend(item.split())
        else:
            for scope in item:
                required.extend(str(scope).split())
    return list(dict.fromkeys(required))


__all__ = ["OAuth2Provider", "current_token", "CurrentToken", "ProviderState"]
