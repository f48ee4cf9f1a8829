"""Bundled SQLAlchemy storage: three model mixins and the store that validates over them.

The app declares its own models from the mixins and adds what only it knows, the
primary key and the link to its user model::

    class Client(db.Model, ClientMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))   # optional
        user: Mapped[Optional[User]] = relationship()

    class AuthorizationCode(db.Model, AuthorizationCodeMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
        user: Mapped[User] = relationship()

    class Token(db.Model, TokenMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
        user: Mapped[Optional[User]] = relationship()

    oauth.init_sqlalchemy(db, client_model=Client, code_model=AuthorizationCode,
                          token_model=Token)

Storage rules (DESIGN.md "Storage", RFC 6819 §5.1.4.1.3 "no cleartext storage"):

- client secrets, authorization codes, access and refresh tokens are kept as SHA-256
  digests and looked up by digest; the clear value leaves the server once, in the
  response that creates it;
- code redemption and refresh-token rotation are one conditional ``UPDATE`` whose row
  count decides, committed in the same transaction as the new token, so two workers
  racing on one code or refresh token issue one token, never two;
- a replayed code revokes the tokens issued from it (RFC 6749 §4.1.2); a rotated-out
  refresh token presented again revokes its whole family (RFC 9700 §4.14.2).

A token row holds one access token and, optionally, the refresh token issued with it.
Every row descending from one authorization (a code, a password or client credentials
grant) shares a ``family_id``; an authorization code carries the ``family_id`` its
tokens will get, which is how a replayed code finds them.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import hmac
import logging
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Optional, Union

from sqlalchemy import (
    Boolean,
    DateTime,
    String,
    Text,
    and_,
    bindparam,
    delete,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from .config import KNOWN_GRANT_TYPES, ProviderConfig
from .core import errors
from .core.redirect_uris import check_redirect_uri
from .core.utils import verify_code_verifier
from .core.validator import RequestValidator
from .sqla_bearer import AccessTokenRecord, BearerPlan
from .validators import ProviderValidator

log = logging.getLogger("flask_oauth_provider.sqla")

__all__ = [
    "AuthorizationCodeMixin",
    "AuthorizedApplication",
    "ClientMixin",
    "SQLAlchemyStore",
    "TokenMixin",
    "UTCDateTime",
    "check_redirect_uri",
    "token_digest",
]

#: RFC 6749 §3.3: ``scope-token = 1*( %x21 / %x23-5B / %x5D-7E )``.
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


def token_digest(value: str) -> str:
    """The SHA-256 hex digest under which a secret, code or token is stored.

    These values are >= 256-bit random strings, so a fast hash is enough: nobody can
    brute-force the preimage, and a slow password hash (bcrypt, argon2) would only slow
    every token lookup. The digest is also the lookup key (a unique index).
    """
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_client_id() -> str:
    """A random client identifier (192 bits) that never starts with ``-``, which a command
    line would read as an option (``flask oauth delete-client CLIENT_ID``)."""
    while True:
        value = secrets.token_urlsafe(24)
        if not value.startswith("-"):
            return value


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _split(value: Optional[str]) -> list[str]:
    return value.split() if value else []


def _join(values: Union[str, Iterable[str], None]) -> str:
    if values is None:
        return ""
    if isinstance(values, str):
        values = values.split()
    return " ".join(dict.fromkeys(v for v in values if v))


#: Naive UTC timestamps (Flask-OAuthlib's ``expires`` convention); MariaDB/MySQL keep
#: microseconds too. A plain SQLAlchemy type, so that Alembic autogenerate renders it
#: without importing this package in the migration.
UTCDateTime = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# -- models ---------------------------------------------------------------------------


class ClientMixin:
    """Columns of an OAuth client (RFC 6749 §2), with Flask-OAuthlib's attribute names.

    The secret is never stored: ``client_secret_hash`` holds its SHA-256 digest, and
    :meth:`check_client_secret` compares in constant time. There is deliberately no
    ``client_secret`` attribute.
    """

    client_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    client_secret_hash: Mapped[Optional[str]] = mapped_column(String(64), default=None)
    #: ``"confidential"`` or ``"public"`` (RFC 6749 §2.1).
    client_type: Mapped[str] = mapped_column(String(12), default="confidential")
    name: Mapped[str] = mapped_column(String(100), default="")
    #: Registered redirect URIs, one per line; read :attr:`redirect_uris`.
    _redirect_uris: Mapped[str] = mapped_column("redirect_uris", Text, default="")
    #: Space-separated grant types; read :attr:`allowed_grant_types`.
    grant_types: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated response types; read :attr:`allowed_response_types`.
    response_types: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated scopes the client may ask for; read :attr:`allowed_scopes`.
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated scopes used when a request names none; read :attr:`default_scopes`.
    default_scope: Mapped[str] = mapped_column(Text, default="")
    #: May introspect tokens of other clients (RFC 7662 §4).
    is_resource_server: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=_utcnow)

    @property
    def is_confidential(self) -> bool:
        return self.client_type != "public"

    @property
    def token_endpoint_auth_method(self) -> str:
        """RFC 7591 §2 name of how the client authenticates at the token endpoint."""
        return "client_secret_basic" if self.is_confidential else "none"

    @property
    def redirect_uris(self) -> list[str]:
        return [uri for uri in (self._redirect_uris or "").splitlines() if uri]

    @redirect_uris.setter
    def redirect_uris(self, uris: Iterable[str]) -> None:
        self._redirect_uris = "\n".join(dict.fromkeys(uris))

    @property
    def default_redirect_uri(self) -> Optional[str]:
        """The only registered URI, else ``None`` (RFC 6749 §3.1.2.3)."""
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    @property
    def allowed_grant_types(self) -> list[str]:
        return _split(self.grant_types)

    @property
    def allowed_response_types(self) -> list[str]:
        return _split(self.response_types)

    @property
    def allowed_scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def default_scopes(self) -> list[str]:
        return _split(self.default_scope)

    def check_client_secret(self, client_secret: Optional[str]) -> bool:
        """Constant-time comparison of a presented secret with the stored digest."""
        stored = self.client_secret_hash or ""
        presented = token_digest(client_secret) if client_secret else ""
        ok = hmac.compare_digest(stored.encode(), presented.encode())
        return ok and bool(stored) and bool(client_secret)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.client_id!r} {self.name!r}>"


class AuthorizationCodeMixin:
    """An authorization code (RFC 6749 §4.1.2), stored as its digest.

    Bound to the client, the ``redirect_uri`` of the authorization request (``None``
    when the request omitted it) and the PKCE challenge (RFC 7636 §4.4).
    """

    code_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    redirect_uri: Mapped[Optional[str]] = mapped_column(Text, default=None)
    scope: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[Optional[str]] = mapped_column(String(128), default=None)
    code_challenge_method: Mapped[Optional[str]] = mapped_column(String(10), default=None)
    #: The family the tokens issued from this code join (replay revocation).
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)
    #: Set once, by the conditional UPDATE that redeems the code.
    consumed_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def expires(self) -> datetime.datetime:
        """Flask-OAuthlib's name for :attr:`expires_at` (naive UTC)."""
        return self.expires_at

    @property
    def consumed(self) -> bool:
        return self.consumed_at is not None

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at <= (now or _utcnow())


class TokenMixin:
    """An access token and, optionally, the refresh token issued with it, as digests."""

    access_token_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    refresh_token_digest: Mapped[Optional[str]] = mapped_column(
        String(64), unique=True, index=True, default=None
    )
    token_type: Mapped[str] = mapped_column(String(40), default="Bearer")
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    #: Scopes of the access token (narrower than the grant's after a narrowing refresh).
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Scopes the user granted: the refresh token's, kept across refreshes (RFC 6749 §6).
    grant_scope: Mapped[str] = mapped_column(Text, default="")
    #: Shared by every token descending from one authorization (code, password,
    #: client credentials grant) through refreshes.
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    issued_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, index=True, default=None
    )
    refresh_expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, default=None
    )
    #: When the refresh token was exchanged for a new one (rotation); presenting it
    #: again after that is reuse.
    refresh_rotated_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, default=None
    )
    #: Revokes the access token and the refresh token of this row.
    revoked_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, index=True, default=None
    )

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def grant_scopes(self) -> list[str]:
        return _split(self.grant_scope or self.scope)

    @property
    def expires(self) -> Optional[datetime.datetime]:
        """Flask-OAuthlib's name for :attr:`expires_at` (naive UTC, ``None`` = never)."""
        return self.expires_at

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or _utcnow())

    def is_active(self, now: Optional[datetime.datetime] = None) -> bool:
        """The access token may be used (not revoked, not expired)."""
        return self.revoked_at is None and not self.is_expired(now)

    def is_refresh_active(self, now: Optional[datetime.datetime] = None) -> bool:
        """The refresh token may be used (present, not revoked, rotated or expired)."""
        now = now or _utcnow()
        return (
            self.refresh_token_digest is not None
            and self.revoked_at is None
            and self.refresh_rotated_at is None
            and (self.refresh_expires_at is None or self.refresh_expires_at > now)
        )


# -- registration checks ----------------------------------------------------------------


def _check_scopes(scopes: Iterable[str], what: str) -> list[str]:
    values = scopes.split() if isinstance(scopes, str) else list(scopes)
    for scope in values:
        if not isinstance(scope, str) or not _SCOPE_TOKEN.match(scope):
            raise ValueError(f"{what}: {scope!r} is not a valid scope token (RFC 6749 §3.3).")
    return list(dict.fromkeys(values))


@dataclasses.dataclass
class AuthorizedApplication:
    """A client a user has live grants for (an "Authorized applications" page row)."""

    client: Any
    #: Union of the scopes of the user's live tokens for this client.
    scopes: list[str]
    #: When the oldest live token was issued.
    authorized_at: datetime.datetime
    #: When the newest live token was issued.
    last_issued_at: datetime.datetime


# -- the store --------------------------------------------------------------------------


class _GrantFailed(Exception):
    """A conditional UPDATE matched no row: someone else redeemed or rotated first."""


def _is_lost_race(exc: DBAPIError) -> bool:
    """A serialization failure, deadlock or lock timeout: a concurrent request won."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate and str(sqlstate).startswith("40"):  # PostgreSQL class 40: rollback
        return True
    code = (getattr(orig, "args", None) or (None,))[0]
    if code in (1205, 1213):  # MySQL/MariaDB lock wait timeout, deadlock
        return True
    return "database is locked" in str(orig)  # SQLite writer contention


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or used right now.

    A lost connection, a refused connection, an exhausted pool: the request may succeed
    if retried, so the client gets ``temporarily_unavailable`` (RFC 6749 §4.1.2.1) with
    HTTP 503 instead of a 500 or, worse, an ``invalid_grant`` that makes it throw away
    a still valid code or refresh token. Lost races are not outages.
    """
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return isinstance(exc, (OperationalError, InterfaceError)) and not _is_lost_race(exc)
    return False


def _unavailable_on_outage(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            try:
                self.session.rollback()
            except SQLAlchemyError:
                pass
            log.error("database unavailable in %s (%s); answering temporarily_unavailable",
                      method.__name__, type(exc).__name__)
            raise errors.TemporarilyUnavailableError(
                description="The authorization server is temporarily unavailable."
            ) from exc

    return wrapper


def _answer_outages_with_503(cls: type) -> type:
    """Wrap every validator method the core calls, so that a database outage inside
    any of them becomes ``temporarily_unavailable`` (503), never a 500 or a misleading
    error."""
    for name in dir(RequestValidator):
        method = getattr(cls, name, None)
        if not name.startswith("_") and callable(method):
            setattr(cls, name, _unavailable_on_outage(method))
    return cls


@_answer_outages_with_503
class SQLAlchemyStore(ProviderValidator):
    """The RequestValidator over the bundled models (a SQLAlchemy session, no Flask needed).

    ``session`` is a :class:`~sqlalchemy.orm.Session` or a ``scoped_session`` (such as
    Flask-SQLAlchemy's ``db.session``); give it one session per request. The store
    commits its own writes, each grant's in one transaction, and rolls back on failure.
    ``config`` is a :class:`~flask_oauth_provider.config.ProviderConfig` (code and
    refresh lifetimes, rotation policy, issuer) for use outside a Flask app; inside an
    app with a registered provider, that app's configuration applies (one lookup for
    every validator: :func:`flask_oauth_provider.state.config_in_force`).
    """

    def __init__(self, session: Any, *, client_model: type, code_model: type,
                 token_model: type, config: Optional[ProviderConfig] = None) -> None:
        for label, model, mixin in (
            ("client_model", client_model, ClientMixin),
            ("code_model", code_model, AuthorizationCodeMixin),
            ("token_model", token_model, TokenMixin),
        ):
            if not (isinstance(model, type) and issubclass(model, mixin)):
                raise TypeError(
                    f"{label} must be a mapped model class that subclasses "
                    f"flask_oauth_provider.sqla.{mixin.__name__}, not {model!r}."
                )
        self.session = session
        self.client_model = client_model
        self.code_model = code_model
        self.token_model = token_model
        self._explicit_config = config
        self._code_user = self._user_relationship(code_model)
        self._token_user = self._user_relationship(token_model)
        self._client_user = self._user_relationship(client_model)
        if self._code_user is None:
            raise TypeError(
                f"{code_model.__name__} needs a 'user' relationship to the app's user model "
                "(and its user_id column): an authorization code is granted by a user."
            )

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _user_relationship(model: type) -> Any:
        return inspect(model).relationships.get("user")

    def now(self) -> datetime.datetime:
        """The current time, naive UTC (tests may replace it)."""
        return _utcnow()

    def _set_user(self, row: Any, user: Any) -> None:
        """Point ``row``'s user foreign key at ``user`` without loading anything."""
        if user is None:
            return
        user = _unproxied(user)
        rel = inspect(type(row)).relationships.get("user")
        if rel is None:
            return
        user_state = inspect(user, raiseerr=False)
        if user_state is None or not user_state.mapper.isa(rel.mapper):
            row.user = user
            return
        row_mapper = inspect(type(row))
        for local, remote in rel.local_remote_pairs:
            value = user_state.mapper.get_property_by_column(remote).key
            setattr(row, row_mapper.get_property_by_column(local).key, getattr(user, value))

    def _write(self, fn: Any) -> Any:
        """Run ``fn()`` then commit; any failure rolls the whole transaction back."""
        try:
            result = fn()
            self.session.commit()
            return result
        except BaseException:
            self.session.rollback()
            raise

    @staticmethod
    def _cache(request: Any, name: str, value: Any = None) -> Any:
        # Core Request objects accept new attributes; the cache lives for one request.
        setattr(request, "_sqla_" + name, value)
        return value

    @staticmethod
    def _cached(request: Any, name: str) -> Any:
        return getattr(request, "__dict__", {}).get("_sqla_" + name)

    def _with_user(self, stmt: Any, model: type, rel: Any) -> Any:
        # populate_existing: a row already in the session (say with expire_on_commit off)
        # is refreshed from this SELECT, so a revocation or redemption is never missed.
        stmt = stmt.execution_options(populate_existing=True)
        return stmt.options(joinedload(model.user)) if rel is not None else stmt

    def _statement(self, name: str, build: Any) -> Any:
        """The statement ``name``, built once per store; callers bind only the values.

        Building a SELECT (and its cache key) on every call cost more than running it:
        the per-request lookups and writes reuse one immutable statement.
        """
        stmts = self.__dict__.setdefault("_statements", {})
        stmt = stmts.get(name)
        if stmt is None:
            stmt = stmts[name] = build()
        return stmt

    # -- clients ------------------------------------------------------------------------

    def load_client(self, client_id: Optional[str]) -> Any:
        """The client with this ``client_id`` (one SELECT, reused within the session)."""
        if not client_id or not isinstance(client_id, str):
            return None
        cached = self._client_in_session(client_id)
        if cached is not None:
            return cached
        stmt = self._statement("client", lambda: self._with_user(
            select(self.client_model)
            .where(self.client_model.client_id == bindparam("client_id")),
            self.client_model, self._client_user,
        ))
        client = self.session.scalars(stmt, {"client_id": client_id}).first()
        # Exact match: MariaDB's default collations ignore case and trailing spaces.
        return client if client is not None and client.client_id == client_id else None

    def _client_in_session(self, client_id: str) -> Any:
        # The token endpoint asks for the client two or three times per request
        # (client_authentication_required, authenticate_client, ...); the session's
        # identity map already holds it after the first SELECT. Expired (committed)
        # instances are skipped so that a fresh row is read.
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, self.client_model) and obj.__dict__.get("client_id") == client_id:
                state = inspect(obj)
                if state.persistent and not state.expired_attributes:
                    return obj
        return None

    def client_secret_matches(self, client: Any, client_secret: str) -> bool:
        """Constant-time comparison against the stored SHA-256 digest (RFC 6749 §2.3.1)."""
        if client is None or not isinstance(client, ClientMixin):
            # Same work for an unknown client as for a known one: no client-id oracle.
            token_digest(client_secret or "")
            hmac.compare_digest(b"0" * 64, b"1" * 64)
            return False
        return client.check_client_secret(client_secret)

    def create_client(
        self,
        name: str,
        redirect_uris: Sequence[str] = (),
        grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
        scopes: Union[str, Sequence[str]] = (),
        public: bool = False,
        user: Any = None,
        resource_server: bool = False,
        *,
        default_scopes: Union[str, Sequence[str], None] = None,
        response_types: Optional[Sequence[str]] = None,
    ) -> tuple[Any, Optional[str]]:
        """Register a client; return ``(client, client_secret)`` (``None`` for public ones).

        The secret is shown here once and stored only as its digest. Redirect URIs are
        checked by :func:`check_redirect_uri`; clients of the authorization code and
        implicit grants must register at least one (RFC 6749 §3.1.2.2). Raises
        ``ValueError`` with a message saying what is wrong.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("A client needs a name (shown to users on the consent page).")
        if len(name) > 100:
            raise ValueError("A client name must be at most 100 characters.")
        grant_types = grant_types.split() if isinstance(grant_types, str) else list(grant_types)
        bad = [g for g in grant_types if g not in KNOWN_GRANT_TYPES]
        if bad or not grant_types:
            raise ValueError(
                f"Grant types must be some of {', '.join(KNOWN_GRANT_TYPES)}; got {grant_types!r}."
            )
        if public and "client_credentials" in grant_types:
            raise ValueError(
                "A public client has no secret, so it cannot use the client_credentials "
                "grant (RFC 6749 §4.4)."
            )
        redirect_uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        for uri in redirect_uris:
            check_redirect_uri(uri, allow_insecure_http=self.config.insecure_transport)
        if not redirect_uris and {"authorization_code", "implicit"} & set(grant_types):
            raise ValueError(
                "Clients of the authorization_code or implicit grant must register at least "
                "one redirect URI (RFC 6749 §3.1.2.2)."
            )
        allowed = _check_scopes(scopes, "scopes")
        defaults = allowed if default_scopes is None else _check_scopes(default_scopes,
                                                                         "default_scopes")
        if not set(defaults) <= set(allowed):
            raise ValueError("default_scopes must be among the client's scopes.")
        if response_types is None:
            response_types = [rt for gt, rt in (("authorization_code", "code"),
                                                 ("implicit", "token")) if gt in grant_types]
        if user is not None and self._client_user is None:
            raise ValueError(
                f"{self.client_model.__name__} has no 'user' relationship, so a client "
                "cannot belong to a user."
            )

        secret = None if public else secrets.token_urlsafe(32)
        client = self.client_model()
        client.client_id = new_client_id()
        client.client_secret_hash = token_digest(secret) if secret else None
        client.client_type = "public" if public else "confidential"
        client.name = name.strip()
        client.redirect_uris = redirect_uris
        client.grant_types = _join(grant_types)
        client.response_types = _join(response_types)
        client.scope = _join(allowed)
        client.default_scope = _join(defaults)
        client.is_resource_server = bool(resource_server)
        client.created_at = self.now()
        if user is not None:
            self._set_user(client, user)

        def add() -> Any:
            self.session.add(client)
            return client

        self._write(add)
        return client, secret

    def list_clients(self) -> list[Any]:
        """Every registered client, oldest first."""
        model = self.client_model
        return list(self.session.scalars(select(model).order_by(model.created_at, model.client_id)))

    def delete_client(self, client_id: str) -> bool:
        """Delete a client with its codes and tokens; ``False`` if there is no such client."""
        client = self.load_client(client_id)
        if client is None:
            return False

        def remove() -> None:
            self.session.execute(
                delete(self.token_model).where(self.token_model.client_id == client_id),
                execution_options={"synchronize_session": False},
            )
            self.session.execute(
                delete(self.code_model).where(self.code_model.client_id == client_id),
                execution_options={"synchronize_session": False},
            )
            self.session.delete(client)

        self._write(remove)
        return True

    # -- authorization codes (RFC 6749 §4.1) ----------------------------------------------

    def save_authorization_code(self, client_id: str, code: dict, request: Any,
                                *args: Any, **kwargs: Any) -> None:
        """Store the code's digest, bound to client, user, redirect URI and PKCE challenge.

        RFC 6749 §4.1.2: the code expires after ``OAUTH2_PROVIDER_CODE_EXPIRES_IN``
        seconds (at most 10 minutes). The ``redirect_uri`` is kept only when the
        authorization request carried one, since only then must the token request
        repeat it (RFC 6749 §4.1.3).
        """
        now = self.now()
        row = self.code_model()
        row.code_digest = token_digest(code["code"])
        row.client_id = client_id or request.client.client_id
        explicit = not getattr(request, "using_default_redirect_uri", False)
        row.redirect_uri = request.redirect_uri if explicit else None
        row.scope = _join(request.scopes)
        row.code_challenge = getattr(request, "code_challenge", None) or None
        row.code_challenge_method = (
            getattr(request, "code_challenge_method", None) if row.code_challenge else None
        )
        row.family_id = uuid.uuid4().hex
        row.created_at = now
        row.expires_at = now + datetime.timedelta(seconds=self.config.code_expires_in)
        self._set_user(row, request.user)
        self._write(lambda: self.session.add(row))

    def _load_code(self, code: str, request: Any) -> Any:
        digest = token_digest(code)
        cached = self._cached(request, "code")
        if cached is not None and cached.code_digest == digest:
            return cached
        stmt = self._statement("code", lambda: self._with_user(
            select(self.code_model).where(self.code_model.code_digest == bindparam("digest")),
            self.code_model, self._code_user,
        ))
        return self._cache(request, "code", self.session.scalars(stmt, {"digest": digest}).first())

    def validate_code(self, client_id: str, code: str, client: Any, request: Any,
                      *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: the code exists, was issued to this client, is unused and alive.

        Sets ``request.user`` and ``request.scopes`` from the code. A code that was
        already redeemed is a replay (RFC 6749 §4.1.2, §10.5): when the request is
        otherwise genuine (the client authenticated, the PKCE verifier matches) the
        tokens issued from the code are revoked. A replay with a wrong verifier revokes
        nothing (OAuth 2.1 §4.1.3: no denial of service by a code thief).
        """
        if not code or not isinstance(code, str):
            return False
        row = self._load_code(code, request)
        if row is None:
            return False
        expected_client = getattr(client, "client_id", None) or client_id
        if not _same_client(row.client_id, expected_client):
            return False
        if row.consumed_at is not None:
            if self._replay_is_genuine(row, request):
                log.warning("authorization code replayed: revoking the tokens issued from it")
                self._revoke_family(row.family_id)
            return False
        if row.is_expired(self.now()):
            return False
        request.user = row.user if self._code_user is not None else None
        request.scopes = row.scopes
        return True

    def _replay_is_genuine(self, row: Any, request: Any) -> bool:
        if not row.code_challenge:
            return True
        verifier = getattr(request, "code_verifier", None)
        if not verifier:
            return False
        try:
            return bool(verify_code_verifier(verifier, row.code_challenge,
                                             row.code_challenge_method or "plain"))
        except Exception:  # noqa: BLE001 - a malformed verifier is simply not genuine
            return False

    def get_code_challenge(self, code: str, request: Any) -> Optional[str]:
        """The PKCE challenge bound to the code (RFC 7636 §4.6), or ``None``."""
        row = self._load_code(code, request)
        return row.code_challenge if row is not None else None

    def get_code_challenge_method(self, code: str, request: Any) -> Optional[str]:
        row = self._load_code(code, request)
        return row.code_challenge_method if row is not None else None

    def confirm_redirect_uri(self, client_id: str, code: str, redirect_uri: Optional[str],
                             client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: a ``redirect_uri`` sent with the authorization request must be
        sent again, identical; a code obtained without one accepts the client's default.
        """
        row = self._load_code(code, request)
        if row is None:
            return False
        using_default = bool(getattr(request, "using_default_redirect_uri", False))
        if row.redirect_uri is not None:
            return (not using_default and redirect_uri is not None
                    and redirect_uri == row.redirect_uri)
        if using_default or redirect_uri is None:
            return True
        return redirect_uri == self.get_default_redirect_uri(client_id, request)

    def invalidate_authorization_code(self, client_id: str, code: str, request: Any,
                                      *args: Any, **kwargs: Any) -> None:
        """Mark the code used. ``save_bearer_token`` already did so, atomically, when it
        issued the token; otherwise one conditional UPDATE does it here.
        """
        if self._cached(request, "redeemed"):
            return
        model = self.code_model
        self._write(lambda: self.session.execute(
            update(model)
            .where(model.code_digest == token_digest(code), model.consumed_at.is_(None))
            .values(consumed_at=self.now()),
            execution_options={"synchronize_session": False},
        ))

    # -- tokens (RFC 6749 §5, §6) ----------------------------------------------------------

    def validate_refresh_token(self, refresh_token: str, client: Any, request: Any,
                               *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §6: the refresh token exists, belongs to this client and is alive.

        A refresh token that was rotated out and is presented again is reuse (RFC 9700
        §4.14.2, OAuth 2.1 §4.3.1): its whole family is revoked.
        """
        if not refresh_token or not isinstance(refresh_token, str):
            return False
        model = self.token_model
        stmt = self._statement("refresh", lambda: self._with_user(
            select(model).where(model.refresh_token_digest == bindparam("digest")),
            model, self._token_user,
        ))
        row = self.session.scalars(stmt, {"digest": token_digest(refresh_token)}).first()
        if row is None:
            return False
        if not _same_client(row.client_id, getattr(client, "client_id", None)):
            return False
        if row.revoked_at is not None:
            return False
        if row.refresh_rotated_at is not None:
            log.warning("rotated-out refresh token presented again: revoking its family")
            self._revoke_family(row.family_id)
            return False
        if row.refresh_expires_at is not None and row.refresh_expires_at <= self.now():
            return False
        self._cache(request, "refresh", row)
        request.user = row.user if self._token_user is not None else None
        return True

    def get_original_scopes(self, refresh_token: str, request: Any, *args: Any,
                            **kwargs: Any) -> list[str]:
        """The scopes of the grant the refresh token belongs to (RFC 6749 §6)."""
        row = self._cached(request, "refresh")
        if row is None or row.refresh_token_digest != token_digest(refresh_token):
            row = self.session.scalars(select(self.token_model).where(
                self.token_model.refresh_token_digest == token_digest(refresh_token))).first()
        return row.grant_scopes if row is not None else []

    def save_bearer_token(self, token: dict, request: Any, *args: Any, **kwargs: Any) -> None:
        """Store the new token's digests, in one transaction with what it consumes.

        Authorization code grant: the code is redeemed by ``UPDATE ... SET consumed_at
        WHERE consumed_at IS NULL``; refresh with rotation: the old refresh token is
        retired by ``UPDATE ... SET refresh_rotated_at WHERE refresh_rotated_at IS NULL``.
        If the UPDATE matched no row, another request got there first: nothing is
        written and ``invalid_grant`` is raised (RFC 6749 §5.2).
        """
        now = self.now()
        grant_type = getattr(request, "grant_type", None)
        model = self.token_model
        client = request.client
        row = model()
        row.access_token_digest = token_digest(token["access_token"])
        row.token_type = token.get("token_type") or "Bearer"
        row.client_id = client.client_id
        scope = token.get("scope")
        row.scope = _join(scope if scope is not None else request.scopes)
        expires_in = token.get("expires_in")
        row.issued_at = now
        row.expires_at = (now + datetime.timedelta(seconds=int(expires_in))
                          if expires_in is not None else None)
        refresh = token.get("refresh_token")
        user = getattr(request, "user", None)

        code_row = self._cached(request, "code") if grant_type == "authorization_code" else None
        old = self._cached(request, "refresh") if grant_type == "refresh_token" else None
        row.grant_scope = row.scope
        if code_row is not None:
            row.family_id = code_row.family_id
        elif old is not None:
            row.family_id = old.family_id
            row.grant_scope = old.grant_scope or old.scope
        else:
            row.family_id = uuid.uuid4().hex
        if refresh and not (old is not None and refresh == request.refresh_token):
            row.refresh_token_digest = token_digest(refresh)
            lifetime = self.config.refresh_token_expires_in
            row.refresh_expires_at = (now + datetime.timedelta(seconds=lifetime)
                                      if lifetime is not None else None)
        self._set_user(row, user)

        def write() -> None:
            if code_row is not None:
                self._conditional(self._statement("redeem_code", lambda: (
                    update(self.code_model)
                    .where(self.code_model.code_digest == bindparam("digest"),
                           self.code_model.consumed_at.is_(None),
                           self.code_model.expires_at > bindparam("now"))
                    .values(consumed_at=bindparam("now"))
                )), {"digest": code_row.code_digest, "now": now})
            elif old is not None and row.refresh_token_digest is not None:
                self._conditional(self._statement("rotate_refresh", lambda: (
                    update(model)
                    .where(model.refresh_token_digest == bindparam("digest"),
                           model.refresh_rotated_at.is_(None),
                           model.revoked_at.is_(None))
                    .values(refresh_rotated_at=bindparam("now"))
                )), {"digest": old.refresh_token_digest, "now": now})
            elif old is not None:
                # No rotation: the refresh token must still be live when the new access
                # token is written, or a refresh racing a revocation would hand out an
                # access token after the grant was revoked (RFC 7009 §2.1). The UPDATE
                # changes nothing; its row count (and row lock) is the check.
                self._conditional(self._statement("check_refresh", lambda: (
                    update(model)
                    .where(model.refresh_token_digest == bindparam("digest"),
                           model.refresh_rotated_at.is_(None),
                           model.revoked_at.is_(None))
                    .values(refresh_expires_at=model.refresh_expires_at)
                )), {"digest": old.refresh_token_digest})
            values = _column_values(row)
            if values is None:  # a relationship was assigned: let the unit of work map it
                self.session.add(row)
                self.session.flush()
            else:
                # A Core INSERT of the row's values: the same row, without the unit of
                # work's bookkeeping for an object nothing reads again.
                self.session.execute(
                    self._statement("insert_token", lambda: insert(model.__table__)),
                    values)

        try:
            self._write(write)
        except _GrantFailed:
            # Another request redeemed the code / rotated the refresh token between our
            # read and our write: this one is a replay of it, refused, and (RFC 6749
            # §4.1.2, RFC 9700 §4.14.2) the tokens of that grant are revoked.
            log.warning("%s presented twice at once: refusing and revoking its family",
                        grant_type)
            self._revoke_family(row.family_id)
            raise errors.InvalidGrantError(request=request) from None
        except OperationalError as exc:
            if code_row is None and old is None or database_unavailable(exc):
                raise
            # Serialization failures, deadlocks, "database is locked" when racing on one
            # row: the other request won, so this one is refused cleanly.
            log.info("database refused a concurrent %s redemption", grant_type, exc_info=True)
            raise errors.InvalidGrantError(request=request) from None
        if code_row is not None:
            self._cache(request, "redeemed", True)

    def _conditional(self, stmt: Any, params: Optional[dict] = None) -> None:
        result = self.session.execute(stmt, params,
                                      execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise _GrantFailed()

    def _revoke_family(self, family_id: str) -> int:
        return self._revoke_rows(self.token_model.family_id == family_id)

    def validate_bearer_token(self, token: Optional[str], scopes: Optional[list[str]],
                              request: Any) -> bool:
        """RFC 6750 §2: one joined SELECT loads the token, its client and its user.

        Sets ``request.access_token`` (the token row), ``request.client``,
        ``request.user`` and ``request.scopes`` (the token's) when the token is active,
        even if it lacks a required scope; the result is ``False`` then, and the caller
        can tell ``insufficient_scope`` (RFC 6750 §3.1) from ``invalid_token`` by
        ``request.access_token`` being set.
        """
        if not token or not isinstance(token, str):
            return False
        model, client_model = self.token_model, self.client_model
        stmt = self._statement("bearer", lambda: self._with_user(
            select(model, client_model)
            .join(client_model, client_model.client_id == model.client_id)
            .where(model.access_token_digest == bindparam("digest")),
            model, self._token_user,
        ))
        found = self.session.execute(stmt, {"digest": token_digest(token)}).first()
        if found is None:
            return False
        row, client = found
        if not row.is_active(self.now()):
            return False
        request.access_token = row
        request.client = client
        request.user = row.user if self._token_user is not None else None
        request.scopes = row.scopes
        granted = set(row.scopes)
        return all(scope in granted for scope in (scopes or []))

    @_unavailable_on_outage
    def find_access_token(self, token: Optional[str],
                          wide: bool = True) -> Optional[AccessTokenRecord]:
        """The access token ``token`` in one SELECT, without building an ORM object.

        For ``require_oauth`` (RFC 6750 §2). The SELECT joins the client as
        :meth:`validate_bearer_token` does (a token whose client is gone is not found)
        and returns the token's client id, scope, expiry, revocation time and ids;
        ``wide`` adds every column of the token, its client and its user, so that the
        :class:`~flask_oauth_provider.sqla_bearer.AccessTokenRecord` can give a view
        those objects without a second statement. Whether the token is active is the
        caller's check (with :meth:`now`).
        """
        if not token or not isinstance(token, str):
            return None
        plan = self._statement("bearer_columns", lambda: BearerPlan.build(
            self, self.token_model, self.client_model, self._token_user))
        return plan.find(token_digest(token), wide)

    def fast_bearer_path(self) -> bool:
        """Whether :meth:`find_access_token` answers for :meth:`validate_bearer_token`:
        not when a subclass (or an instance attribute) changed how bearer tokens are
        validated or loaded."""
        return (getattr(self.validate_bearer_token, "__func__", None)
                is SQLAlchemyStore.validate_bearer_token
                and getattr(self.find_access_token, "__func__", None)
                is SQLAlchemyStore.find_access_token)

    def _find_token(self, token: str) -> tuple[Any, Optional[str]]:
        """The row holding ``token`` as access or refresh token (one SELECT), and which."""
        if not token or not isinstance(token, str):
            return None, None
        digest = token_digest(token)
        model = self.token_model
        stmt = self._with_user(
            select(model).where(or_(model.access_token_digest == digest,
                                    model.refresh_token_digest == digest)),
            model, self._token_user,
        )
        row = self.session.scalars(stmt).first()
        if row is None:
            return None, None
        kind = "access_token" if row.access_token_digest == digest else "refresh_token"
        return row, kind

    def introspect_token(self, token: str, token_type_hint: Optional[str], request: Any,
                         *args: Any, **kwargs: Any) -> Optional[dict]:
        """RFC 7662 §2.2 claims of an active token, or ``None`` (``{"active": false}``).

        Both token types are searched whatever the hint says (RFC 7662 §2.1). A client
        sees its own tokens; a client registered as resource server sees every token
        (RFC 7662 §4: the caller must be authorized for the token).
        """
        row, kind = self._find_token(token)
        if row is None:
            return None
        caller = getattr(request, "client", None)
        if caller is None or self.is_public_client(caller):
            return None  # RFC 7662 §2.1: the caller must authenticate; public clients can't
        if not (getattr(caller, "is_resource_server", False)
                or _same_client(row.client_id, getattr(caller, "client_id", None))):
            return None
        now = self.now()
        if kind == "access_token":
            if not row.is_active(now):
                return None
            expires = row.expires_at
        else:
            if not row.is_refresh_active(now):
                return None
            expires = row.refresh_expires_at
        claims: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope if kind == "access_token" else " ".join(row.grant_scopes),
            "iat": _epoch(row.issued_at),
        }
        if kind == "access_token":
            claims["token_type"] = row.token_type
        if expires is not None:
            claims["exp"] = _epoch(expires)
        user = row.user if self._token_user is not None else None
        if user is not None:
            identity = inspect(user, raiseerr=False)
            if identity is not None and identity.identity:
                claims["sub"] = str(identity.identity[0]) if len(identity.identity) == 1 \
                    else ":".join(str(part) for part in identity.identity)
            username = getattr(user, "username", None)
            if username is not None:
                claims["username"] = str(username)
        if self.config.issuer:
            claims["iss"] = self.config.issuer
        return claims

    def revoke_token(self, token: str, token_type_hint: Optional[str], request: Any,
                     *args: Any, **kwargs: Any) -> None:
        """RFC 7009 §2.1: revoke a token of the requesting client.

        A token of another client is left alone (§2.1: the token must belong to the
        requesting client); unknown tokens are ignored (§2.2). Revoking a refresh token
        revokes the access tokens of the same grant (its family, §2.1 SHOULD); revoking
        an access token also revokes the refresh token issued with it (§2.1 MAY).
        """
        row, kind = self._find_token(token)
        if row is None:
            return
        caller = getattr(request, "client", None)
        caller_id = getattr(caller, "client_id", None) or getattr(request, "client_id", None)
        if not _same_client(row.client_id, caller_id):
            log.info("revocation of another client's token refused (RFC 7009 §2.1)")
            return
        if kind == "refresh_token":
            self._revoke_family(row.family_id)
        else:
            self._revoke_rows(self.token_model.access_token_digest == row.access_token_digest)

    def _revoke_rows(self, *criteria: Any) -> int:
        model = self.token_model
        now = self.now()
        statement = (update(model).where(*criteria, model.revoked_at.is_(None))
                     .values(revoked_at=now))

        def revoke() -> int:
            options = {"synchronize_session": False}
            count = self.session.execute(statement, execution_options=options).rowcount
            # Under READ COMMITTED (PostgreSQL) an UPDATE that waited on the row lock of
            # a concurrent refresh rechecks that row only: the token the refresh inserted
            # is not in its snapshot and would stay live. A second statement takes a new
            # snapshot and catches it (the refresh has committed by then).
            return count + self.session.execute(statement, execution_options=options).rowcount

        return self._write(revoke)

    # -- administration --------------------------------------------------------------------

    def revoke_token_value(self, token: str) -> bool:
        """Revoke a token whoever it belongs to (administration); ``False`` if unknown.

        As at the revocation endpoint, a refresh token takes its family along.
        """
        row, kind = self._find_token(token)
        if row is None:
            return False
        if kind == "refresh_token":
            self._revoke_family(row.family_id)
        else:
            self._revoke_rows(self.token_model.access_token_digest == row.access_token_digest)
        return True

    def revoke_client_tokens(self, client_id: str) -> int:
        """Revoke every token of a client, and its unused codes; return the token count."""
        self._consume_codes(self.code_model.client_id == client_id)
        return self._revoke_rows(self.token_model.client_id == client_id)

    def revoke_user_tokens(self, user: Any, client_id: Optional[str] = None) -> int:
        """Revoke every token of ``user`` (with one client, if given) and unused codes.

        This is the "revoke access" button of an authorized-applications page.
        """
        criteria = [self._user_clause(self.token_model, user)]
        code_criteria = [self._user_clause(self.code_model, user)]
        if client_id is not None:
            criteria.append(self.token_model.client_id == client_id)
            code_criteria.append(self.code_model.client_id == client_id)
        self._consume_codes(*code_criteria)
        return self._revoke_rows(*criteria)

    def _consume_codes(self, *criteria: Any) -> None:
        model = self.code_model
        now = self.now()
        self._write(lambda: self.session.execute(
            update(model).where(*criteria, model.consumed_at.is_(None)).values(consumed_at=now),
            execution_options={"synchronize_session": False},
        ))

    def _user_clause(self, model: type, user: Any) -> Any:
        rel = inspect(model).relationships.get("user")
        if rel is None:
            raise TypeError(f"{model.__name__} has no 'user' relationship.")
        user = _unproxied(user)
        user_state = inspect(user, raiseerr=False)
        if user_state is None:
            raise TypeError(f"{user!r} is not a mapped user object.")
        clauses = []
        row_mapper = inspect(model)
        for local, remote in rel.local_remote_pairs:
            key = user_state.mapper.get_property_by_column(remote).key
            clauses.append(getattr(model, row_mapper.get_property_by_column(local).key)
                           == getattr(user, key))
        return and_(*clauses)

    def authorized_applications(self, user: Any) -> list[AuthorizedApplication]:
        """The clients ``user`` holds live grants for, with scopes and dates (one SELECT).

        A grant is live while one of its tokens can still be used: an unexpired access
        token, or a refresh token that is neither rotated out nor expired.
        """
        model, client_model = self.token_model, self.client_model
        now = self.now()
        stmt = (
            select(model, client_model)
            .join(client_model, client_model.client_id == model.client_id)
            .where(
                self._user_clause(model, user),
                model.revoked_at.is_(None),
                or_(
                    model.expires_at.is_(None),
                    model.expires_at > now,
                    and_(
                        model.refresh_token_digest.is_not(None),
                        model.refresh_rotated_at.is_(None),
                        or_(model.refresh_expires_at.is_(None), model.refresh_expires_at > now),
                    ),
                ),
            )
            .order_by(model.issued_at)
        )
        apps: dict[str, AuthorizedApplication] = {}
        for row, client in self.session.execute(stmt):
            app = apps.get(client.client_id)
            if app is None:
                apps[client.client_id] = AuthorizedApplication(
                    client=client, scopes=list(row.grant_scopes), authorized_at=row.issued_at,
                    last_issued_at=row.issued_at,
                )
            else:
                app.scopes.extend(s for s in row.grant_scopes if s not in app.scopes)
                app.last_issued_at = max(app.last_issued_at, row.issued_at)
        return list(apps.values())

    def purge(self, batch_size: int = 1000, now: Optional[datetime.datetime] = None
              ) -> dict[str, int]:
        """Delete expired codes and dead tokens, ``batch_size`` rows per transaction.

        A token row is dead when it is revoked, or when its access token has expired and
        its refresh token is absent or expired. Rotated-out refresh tokens are kept until
        they expire, so that their reuse is still detected. Returns the counts deleted.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be a positive number of rows.")
        now = now or self.now()
        code, token = self.code_model, self.token_model
        counts = {
            "codes": self._purge_batches(code, [code.expires_at <= now], batch_size),
            "tokens": self._purge_batches(token, [or_(
                token.revoked_at.is_not(None),
                and_(
                    token.expires_at.is_not(None),
                    token.expires_at <= now,
                    or_(token.refresh_token_digest.is_(None),
                        and_(token.refresh_expires_at.is_not(None),
                             token.refresh_expires_at <= now)),
                ),
            )], batch_size),
        }
        return counts

    def _purge_batches(self, model: type, criteria: list, batch_size: int) -> int:
        pk = inspect(model).primary_key
        if len(pk) != 1:
            raise TypeError(f"purge needs a single-column primary key on {model.__name__}.")
        (pk_col,) = pk
        total = 0
        while True:
            ids = list(self.session.scalars(select(pk_col).where(*criteria).limit(batch_size)))
            if not ids:
                self.session.commit()
                return total

            def remove(ids: list = ids) -> int:
                return self.session.execute(
                    delete(model).where(pk_col.in_(ids)),
                    execution_options={"synchronize_session": False},
                ).rowcount

            total += self._write(remove)
            if len(ids) < batch_size:
                return total


def _unproxied(obj: Any) -> Any:
    """The object behind a Werkzeug ``LocalProxy`` such as Flask-Login's ``current_user``."""
    getter = getattr(obj, "_get_current_object", None)
    return getter() if callable(getter) else obj


def _same_client(stored: Optional[str], presented: Optional[str]) -> bool:
    """Exact client_id equality (the database's collation may be case-insensitive)."""
    return isinstance(presented, str) and bool(presented) and stored == presented


def _column_values(row: Any) -> Optional[dict]:
    """The values set on a new, unflushed ``row`` by column key, for a Core INSERT;
    ``None`` when a relationship attribute was assigned (only the ORM can map it)."""
    state = row.__dict__
    mapper = inspect(type(row))
    if any(rel.key in state for rel in mapper.relationships):
        return None
    return {prop.columns[0].key: state[prop.key]
            for prop in mapper.column_attrs if prop.key in state}


def _epoch(value: datetime.datetime) -> int:
    return int(value.replace(tzinfo=datetime.timezone.utc).timestamp())
