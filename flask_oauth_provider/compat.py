"""The Flask-OAuthlib surface of :class:`~flask_oauth_provider.OAuth2Provider`, as a mixin.

An app written for Flask-OAuthlib's ``OAuth2Provider`` keeps its code: the storage
callbacks (``@oauth.clientgetter`` and friends, or methods named ``_clientgetter``, ...
on a subclass), its own consent, token and revocation views (``authorize_handler``,
``token_handler``, ``revoke_handler``), the ``before_request`` / ``after_request`` /
``invalid_response`` hooks of protected views, and ``verify_request``.

The objects the callbacks return follow :mod:`flask_oauth_provider.core.types`
(:class:`~flask_oauth_provider.core.types.Client`,
:class:`~flask_oauth_provider.core.types.Grant`,
:class:`~flask_oauth_provider.core.types.Token`).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional

from . import views
from .callbacks import ALL_CALLBACKS, CallbackValidator
from .core.request import Request
from .core.types import Client, Grant, Token
from .resource import verify_token

View = Callable[..., Any]


def _delegating_view(f: View, blueprint_view: str) -> View:
    """A view named like ``f`` that answers with the blueprint's view of that name."""

    @functools.wraps(f)
    def view(*args: Any, **kwargs: Any) -> Any:
        return getattr(views, blueprint_view)(*args, **kwargs)

    return view


class FlaskOAuthlibCompat:
    """Flask-OAuthlib's registrars and hooks; state lives on the provider object.

    Every hook is a public attribute, read by the views (through
    :class:`~flask_oauth_provider.state.ProviderState`) and by
    :mod:`~flask_oauth_provider.resource`.
    """

    #: The callbacks registered with the decorators below, by name.
    _callbacks: dict[str, Callable[..., Any]]
    #: The validator built from the callbacks (rebuilt when one is registered).
    _callback_validator: Optional[CallbackValidator]
    #: ``f()`` run before each ``require_oauth`` check; a non-None return is the response.
    before_request_funcs: list[Callable[[], Any]]
    #: ``f(valid, request) -> (valid, request)`` run after each ``require_oauth`` check.
    after_request_funcs: list[Callable[[bool, Request], tuple[bool, Request]]]
    #: ``f(request)`` answering a refused ``require_oauth`` call, or ``None`` (RFC 6750).
    invalid_response_func: Optional[Callable[[Request], Any]]
    #: The app's consent view (``authorize_handler``), or ``None``: the bundled page.
    authorize_view: Optional[View]
    #: The app's token view (``token_handler``): extra token fields, or ``None``.
    token_view: Optional[View]
    #: The app's revocation view (``revoke_handler``), or ``None``.
    revoke_view: Optional[View]
    #: ``f(error, redirect_content)`` answering a refused authorization request
    #: (``exception_handler``), or ``None``: redirect, or show the error page.
    exception_handler_func: Optional[Callable[[Any, Optional[str]], Any]]

    def _init_compat(self) -> None:
        self._callbacks = {}
        self._callback_validator = None
        self.before_request_funcs = []
        self.after_request_funcs = []
        self.invalid_response_func = None
        self.authorize_view = None
        self.token_view = None
        self.revoke_view = None
        self.exception_handler_func = None

    # -- storage callbacks ------------------------------------------------------------

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

    def clientgetter(self, f: Callable[[str], Optional[Client]]) -> Callable[..., Any]:
        """Register ``f(client_id) -> client or None`` (required with callbacks).

        The client follows :class:`~flask_oauth_provider.core.types.Client`.
        """
        return self._register_callback("clientgetter", f)

    def grantgetter(self, f: Callable[..., Optional[Grant]]) -> Callable[..., Any]:
        """Register ``f(client_id, code) -> grant or None``, called with keywords.

        The grant follows :class:`~flask_oauth_provider.core.types.Grant`.
        """
        return self._register_callback("grantgetter", f)

    def grantsetter(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``f(client_id, code, request, *args, **kwargs)``.

        ``code`` is a dict: ``code['code']`` is the code; with PKCE it also holds
        ``code_challenge`` and ``code_challenge_method``, which the grant must keep.
        ``request.user``, ``request.scopes`` and ``request.redirect_uri`` are set.
        """
        return self._register_callback("grantsetter", f)

    def tokengetter(self, f: Callable[..., Optional[Token]]) -> Callable[..., Any]:
        """Register ``f(access_token=None, refresh_token=None) -> token or None``.

        The token follows :class:`~flask_oauth_provider.core.types.Token`.
        """
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

    def tokendeleter(self, f: Callable[[Token], Any]) -> Callable[..., Any]:
        """Register ``f(token)`` to delete a token; without it ``token.delete()`` is called."""
        return self._register_callback("tokendeleter", f)

    def grantdeleter(self, f: Callable[[Grant], Any]) -> Callable[..., Any]:
        """Register ``f(grant)`` to delete a used code; without it ``grant.delete()`` is called."""
        return self._register_callback("grantdeleter", f)

    # -- the app's own views ------------------------------------------------------------

    def authorize_handler(self, f: View) -> View:
        """Flask-OAuthlib's consent hook: the app renders its own page and returns a bool.

        On GET, ``f(*args, scopes=..., client_id=..., redirect_uri=..., response_type=...,
        state=..., request=..., **kwargs)`` renders the page; on POST it returns True
        (allow), False (deny) or a response. On POST the OAuth parameters are validated
        again from the query string and, as Flask-OAuthlib's templates post them back as
        hidden fields, from the form. The app's page must carry its own CSRF protection:
        the bundled consent page (used when no handler is registered) does. An app route
        for the same URL keeps its own decorators (a login check, for instance).
        """
        self.authorize_view = f
        return _delegating_view(f, "authorize")

    def token_handler(self, f: View) -> View:
        """Flask-OAuthlib's token view: ``f()`` returns a dict of extra token fields or None."""
        self.token_view = f
        return _delegating_view(f, "token")

    def revoke_handler(self, f: View) -> View:
        """Flask-OAuthlib's revocation view (RFC 7009); ``f``'s return value is ignored."""
        self.revoke_view = f
        return _delegating_view(f, "revoke")

    def exception_handler(self, f: Callable[[Any, Optional[str]], Any]
                          ) -> Callable[[Any, Optional[str]], Any]:
        """Answer every refused authorization request with ``f(error, redirect_content)``.

        ``error`` is the :class:`~flask_oauth_provider.core.errors.OAuth2Error`;
        ``redirect_content`` is where the provider would send the browser: the client's
        redirect URI with the error (an error that may go back to the client, or a
        denied consent), the app's error URI with the error (one that must not, RFC 6749
        §4.1.2.1, with ``OAUTH2_PROVIDER_ERROR_URI`` or ``_ERROR_ENDPOINT`` set), or
        ``None`` (one that must not, and no error URI: the provider would show its
        error page). ``f``'s return value is the response. Flask-OAuthlib's hook.
        """
        if not callable(f):
            raise TypeError(f"exception_handler needs a function(error, redirect_content), "
                            f"not {f!r}.")
        self.exception_handler_func = f
        return f

    # -- protected views --------------------------------------------------------------

    def before_request(self, f: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``f()`` before every ``require_oauth`` check; a non-None return is the response."""
        self.before_request_funcs.append(f)
        return f

    def after_request(self, f: Callable[[bool, Request], tuple[bool, Request]]
                      ) -> Callable[[bool, Request], tuple[bool, Request]]:
        """Chain ``f(valid, request) -> (valid, request)`` after the token check."""
        self.after_request_funcs.append(f)
        return f

    def invalid_response(self, f: Callable[[Request], Any]) -> Callable[[Request], Any]:
        """Answer a refused ``require_oauth`` call with ``f(request)`` instead of the RFC 6750
        401/403 (``request.error_message`` says why)."""
        self.invalid_response_func = f
        return f

    def verify_request(self, scopes: Optional[list[str]] = None) -> tuple[bool, Request]:
        """Check the current request's bearer token for ``scopes`` (all of them).

        Returns ``(valid, core_request)`` like Flask-OAuthlib; ``core_request.user``,
        ``.client`` and ``.scopes`` are set when the token is known. For code that
        cannot use the ``require_oauth`` decorator.
        """
        return verify_token(list(scopes or []))
