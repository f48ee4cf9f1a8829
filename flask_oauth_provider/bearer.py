"""The token of a protected call, and the call's short path: one SELECT, nothing more.

A protected call (RFC 6750 §2.1: ``Authorization: Bearer <token>``) is what a provider
serves most. When the validator can look an access token up by itself
(``find_access_token``, the bundled SQLAlchemy store) and the request is the plain
case — the token in the header only, no form body, no Flask-OAuthlib hooks — the check
reads the header once, runs one SELECT, checks revocation, expiry and scopes, and
builds no ORM object: :class:`CurrentToken` gives ``user``, ``client`` and ``token``
when the view first touches them (from the columns already read when the view is known
to use them, see :class:`SelectWidth`). Every other
request takes the general path through the core's resource endpoint, which gives the
same answers for the plain case and handles the rest (RFC 6750 §2.2 form bodies,
§2.3 query tokens, tokens sent two ways, malformed requests, custom validators).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from flask import request as flask_request

from .core import errors
from .core.utils import urldecode

log = logging.getLogger(__name__)

#: :func:`check_plain_bearer`'s answer when the request needs the general path.
GENERAL_PATH = object()

_FORM = "application/x-www-form-urlencoded"
_UNSET: Any = object()


class CurrentToken:
    """What ``current_token`` points at inside a view protected by ``require_oauth``.

    ``scopes`` are the scopes the token was *granted* (not the ones the view required),
    ``client_id`` the client's id, ``sub`` the user's id as text (``None`` for a
    client's own token), ``expires_at`` the expiry (naive UTC, ``None`` = never);
    ``user``, ``client`` and ``token`` (the stored token object) load on first use when
    the short path found the token; ``request`` is the core request
    (``flask.request.oauth`` refers to it too, as in Flask-OAuthlib).
    """

    __slots__ = ("scopes", "expires_at", "_record", "_values")

    def __init__(self, user: Any = None, client: Any = None, scopes: Any = (),
                 expires_at: Any = None, token: Any = None, request: Any = None, *,
                 record: Any = None) -> None:
        self.scopes = list(scopes or [])
        self.expires_at = expires_at
        self._record = record
        self._values = {} if record is not None else {
            "user": user, "client": client, "token": token, "request": request}

    def _get(self, name: str) -> Any:
        value = self._values.get(name, _UNSET)
        if value is _UNSET:
            value = self._values[name] = getattr(self._record, name)
        return value

    @property
    def user(self) -> Any:
        return self._get("user")

    @property
    def client(self) -> Any:
        return self._get("client")

    @property
    def token(self) -> Any:
        return self._get("token")

    @property
    def request(self) -> Any:
        value = self._values.get("request", _UNSET)
        if value is _UNSET:
            value = self._values["request"] = _core_request(self)
        return value

    @property
    def client_id(self) -> Optional[str]:
        if self._record is not None:
            return self._record.client_id
        return getattr(self.client, "client_id", None)

    @property
    def sub(self) -> Optional[str]:
        if self._record is not None:
            return self._record.sub
        user = self.user
        get_id = getattr(user, "get_id", None)  # Flask-Login's UserMixin
        if callable(get_id):
            value = get_id()
            return None if value is None else str(value)
        return None

    def __repr__(self) -> str:
        return (f"<CurrentToken client_id={self.client_id!r} sub={self.sub!r} "
                f"scopes={self.scopes!r}>")


class _OAuthRequest:
    """``flask.request.oauth`` after the short path: the core request, built on first use
    of anything but ``user``, ``client``, ``scopes`` and ``access_token``."""

    __slots__ = ("_current",)

    def __init__(self, current: CurrentToken) -> None:
        self._current = current

    @property
    def user(self) -> Any:
        return self._current.user

    @property
    def client(self) -> Any:
        return self._current.client

    @property
    def scopes(self) -> list[str]:
        return self._current.scopes

    @property
    def access_token(self) -> Any:
        return self._current.token

    def __getattr__(self, name: str) -> Any:
        return getattr(self._current.request, name)


def _core_request(current: CurrentToken) -> Any:
    """The core request of the current Flask request, as the general path would give."""
    from . import http
    from .core.request import Request

    uri, method, body, headers = http.extract_resource_params()
    request = Request(uri, http_method=method, body=body, headers=headers)
    request.token_type = "Bearer"  # noqa: S105 - the token type's name
    request.verify_error = None
    request.user, request.client = current.user, current.client
    request.scopes, request.access_token = list(current.scopes), current.token
    return request


def _plain_bearer_token(environ: dict) -> Optional[str]:
    """The token of a request that carries it in the header only (RFC 6750 §2.1), or
    ``None`` when the general path must decide (no header, another scheme, a form body
    or a query that could carry one, a query the core would find malformed)."""
    parts = environ.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() == _FORM:
        return None
    query = environ.get("QUERY_STRING")
    if query:
        try:
            pairs = urldecode(query, strict_fields=True)  # as the core parses it
        except ValueError:
            return None
        if any(key == "access_token" for key, _ in pairs):
            return None
    return parts[1]


class SelectWidth:
    """Which of the store's SELECTs a protected view gets: the wide one (the token's,
    client's and user's columns) or the lean one (the values and ids only).

    A view starts wide, so that one statement serves it even when it reads
    ``current_token.user`` and ``.client``. After a call that touched none of them it
    gets the lean SELECT; should a lean call touch them after all (loading them by
    primary key, one statement each, once), the view stays wide from then on.
    """

    __slots__ = ("wide", "settled")

    def __init__(self) -> None:
        self.wide = True
        self.settled = False

    def learn(self, current: CurrentToken) -> None:
        record = current._record
        if record is None:
            return
        if record.touched:
            self.settled = self.settled or not self.wide
            self.wide = True
        elif not self.settled:
            self.wide = False


def check_plain_bearer(validator: Any, server: Any, required: list[str],
                       refuse: Callable[..., Any], wide: bool = True) -> Any:
    """The short path: a :class:`CurrentToken`, a refusal (``refuse(status, error,
    description=None, scope=None)``) or :data:`GENERAL_PATH`.

    Same answers as the general path: 401 ``invalid_token`` for an unknown, revoked or
    expired token (revocation and expiry are checked on every call, RFC 6750 §3.1),
    403 ``insufficient_scope`` naming the required scopes, 503 when the database is
    unavailable, 500 ``server_error`` for anything unexpected.
    """
    token = _plain_bearer_token(flask_request.environ)
    if token is None or not server.available:
        return GENERAL_PATH
    try:
        record = validator.find_access_token(token, wide)
        active = record is not None and record.is_active(validator.now())
    except errors.OAuth2Error as exc:
        status = exc.status_code if exc.status_code in (400, 500, 503) else 400
        return refuse(status, exc.error or "invalid_request")
    except Exception:
        if not server.catch_errors:
            raise
        log.exception("Unexpected error while verifying a resource request.")
        return refuse(500, "server_error")
    if not active:
        return refuse(401, "invalid_token")
    granted = record.scopes
    if any(scope not in granted for scope in required):
        return refuse(403, "insufficient_scope", scope=required)
    return CurrentToken(scopes=granted, expires_at=record.expires_at, record=record)


def publish(current: CurrentToken) -> None:
    """Make ``current`` the request's token: ``current_token`` and ``request.oauth``."""
    from flask import g

    g._oauth2_current_token = current
    flask_request.oauth = (_OAuthRequest(current) if current._record is not None
                           else current.request)
