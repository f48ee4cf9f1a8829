"""The bundled models: three mixins with every OAuth column, and the digests kept in them.

The app declares its models from the mixins and adds the primary key and the link to
its user model (see :mod:`flask_oauth_provider.sqla`).

A token row holds one access token and, optionally, the refresh token issued with it.
Every row descending from one authorization (a code, a password or client credentials
grant) shares a ``family_id``; an authorization code carries the ``family_id`` its
tokens will get, which is how a replayed code finds them.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any, Optional, Union

from sqlalchemy import Boolean, DateTime, Integer, String, Text, and_, inspect
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column


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


def utcnow() -> datetime.datetime:
    """The current time as the columns keep it: naive UTC."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _split(value: Optional[str]) -> list[str]:
    return value.split() if value else []


def space_joined(values: Union[str, Iterable[str], None]) -> str:
    """Scopes, grant or response types as one space-separated column value, no repeats."""
    if values is None:
        return ""
    if isinstance(values, str):
        values = values.split()
    return " ".join(dict.fromkeys(v for v in values if v))


#: Longest ``client_id``: a client ID metadata document's URL is the client's id.
CLIENT_ID_LENGTH = 255

#: Where a client came from (``ClientMixin.registration_origin``): registered by the app
#: or ``flask oauth create-client``, with an initial access token (RFC 7591 §3), openly
#: (RFC 7591 §3 without one), or fetched from its client ID metadata document.
ORIGINS = ("manual", "token", "open", "document")

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

    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), unique=True, index=True)
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
    #: ``"jwt"`` or ``"opaque"``: this client's access tokens (RFC 9068); ``None``
    #: follows ``OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT``.
    access_token_format: Mapped[Optional[str]] = mapped_column(String(10), default=None)
    #: May introspect tokens of other clients (RFC 7662 §4).
    is_resource_server: Mapped[bool] = mapped_column(Boolean, default=False)
    #: OpenID Connect RP-Initiated Logout §2: where the client may be sent after logout,
    #: space-separated, matched exactly. Empty: nowhere.
    post_logout_redirect_uris: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: One of :data:`ORIGINS`: how the client was registered.
    registration_origin: Mapped[str] = mapped_column(String(16), default="manual")
    #: Digest of the RFC 7592 registration access token (dynamically registered clients).
    registration_token_digest: Mapped[Optional[str]] = mapped_column(
        String(64), unique=True, index=True, default=None)
    #: The IP address a dynamic registration came from (per-address limits).
    registered_from: Mapped[Optional[str]] = mapped_column(String(45), default=None)
    #: Further RFC 7591 §2 metadata as JSON (``client_uri``, ``logo_uri``, ``contacts``,
    #: ``token_endpoint_auth_method``, ...); read :attr:`client_metadata`.
    metadata_json: Mapped[str] = mapped_column(Text, default="")
    #: When the fetched client ID metadata document must be fetched again.
    metadata_expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, default=None)

    @property
    def is_confidential(self) -> bool:
        return self.client_type != "public"

    @property
    def client_metadata(self) -> dict[str, Any]:
        """The RFC 7591 §2 metadata kept beside the columns (a copy; assign to change)."""
        try:
            value = json.loads(self.metadata_json or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @client_metadata.setter
    def client_metadata(self, value: dict[str, Any]) -> None:
        self.metadata_json = json.dumps(value, sort_keys=True) if value else ""

    @property
    def token_endpoint_auth_method(self) -> str:
        """RFC 7591 §2 name of how the client authenticates at the token endpoint."""
        if not self.is_confidential:
            return "none"
        method = self.client_metadata.get("token_endpoint_auth_method")
        return method if method in ("client_secret_basic", "client_secret_post",
                                    "private_key_jwt") else "client_secret_basic"

    @property
    def dpop_bound_access_tokens(self) -> bool:
        """RFC 9449 §5.2: the client always uses DPoP at the token endpoint (its
        requests without a proof are refused). Kept in :attr:`client_metadata`."""
        return self.client_metadata.get("dpop_bound_access_tokens") is True

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
    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), index=True)
    redirect_uri: Mapped[Optional[str]] = mapped_column(Text, default=None)
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated resources (RFC 8707 §2.1) the code was issued for; read
    #: :attr:`resources`.
    resource: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[Optional[str]] = mapped_column(String(128), default=None)
    code_challenge_method: Mapped[Optional[str]] = mapped_column(String(10), default=None)
    #: The family the tokens issued from this code join (replay revocation).
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)
    #: Set once, by the conditional UPDATE that redeems the code.
    consumed_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)
    #: OpenID Connect: what the authorization request hands on to the ID token (nonce,
    #: claims request, auth_time, acr, amr), as JSON; None for plain OAuth 2.0.
    openid_request: Mapped[Optional[str]] = mapped_column(Text, default=None)
    #: The DPoP key thumbprint the code is bound to by ``dpop_jkt`` (RFC 9449 §10).
    dpop_jkt: Mapped[Optional[str]] = mapped_column(String(64), default=None)

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def resources(self) -> list[str]:
        return _split(self.resource)

    @property
    def expires(self) -> datetime.datetime:
        """Flask-OAuthlib's name for :attr:`expires_at` (naive UTC)."""
        return self.expires_at

    @property
    def consumed(self) -> bool:
        return self.consumed_at is not None

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at <= (now or utcnow())


def access_token_active(revoked_at: Optional[datetime.datetime],
                        expires_at: Optional[datetime.datetime],
                        now: datetime.datetime) -> bool:
    """The one rule for an access token in force: not revoked and not expired at ``now``
    (naive UTC); otherwise it is ``invalid_token`` (RFC 6750 §3.1)."""
    return revoked_at is None and (expires_at is None or expires_at > now)


class TokenMixin:
    """An access token and, optionally, the refresh token issued with it, as digests."""

    access_token_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    refresh_token_digest: Mapped[Optional[str]] = mapped_column(
        String(64), unique=True, index=True, default=None
    )
    token_type: Mapped[str] = mapped_column(String(40), default="Bearer")
    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), index=True)
    #: Scopes of the access token (narrower than the grant's after a narrowing refresh).
    scope: Mapped[str] = mapped_column(Text, default="")
    #: Scopes the user granted: the refresh token's, kept across refreshes (RFC 6749 §6).
    grant_scope: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated audience of the access token (RFC 8707, introspection's ``aud``).
    resource: Mapped[str] = mapped_column(Text, default="")
    #: Space-separated resources of the grant: the refresh token's, kept across
    #: refreshes, so that a refresh can narrow the audience but never widen it.
    grant_resource: Mapped[str] = mapped_column(Text, default="")
    #: Shared by every token descending from one authorization (code, password,
    #: client credentials grant) through refreshes.
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    issued_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
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
    #: OpenID Connect: the claims request and auth_time of the grant (JSON), for the
    #: UserInfo endpoint and refreshed ID tokens; None for plain OAuth 2.0.
    openid_request: Mapped[Optional[str]] = mapped_column(Text, default=None)
    #: The RFC 7638 thumbprint of the DPoP key the access token (and, for a public
    #: client, the refresh token) is bound to (RFC 9449 §5, §6); None for a bearer token.
    dpop_jkt: Mapped[Optional[str]] = mapped_column(String(64), default=None)

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    @property
    def grant_scopes(self) -> list[str]:
        return _split(self.grant_scope or self.scope)

    @property
    def resources(self) -> list[str]:
        """The audience of the access token (RFC 8707)."""
        return _split(self.resource)

    @property
    def grant_resources(self) -> list[str]:
        return _split(self.grant_resource or self.resource)

    @property
    def expires(self) -> Optional[datetime.datetime]:
        """Flask-OAuthlib's name for :attr:`expires_at` (naive UTC, ``None`` = never)."""
        return self.expires_at

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())

    def is_active(self, now: Optional[datetime.datetime] = None) -> bool:
        """The access token may be used (not revoked, not expired)."""
        return access_token_active(self.revoked_at, self.expires_at, now or utcnow())

    def is_refresh_active(self, now: Optional[datetime.datetime] = None) -> bool:
        """The refresh token may be used (present, not revoked, rotated or expired)."""
        now = now or utcnow()
        return (
            self.refresh_token_digest is not None
            and self.revoked_at is None
            and self.refresh_rotated_at is None
            and (self.refresh_expires_at is None or self.refresh_expires_at > now)
        )


#: States of a device authorization (RFC 8628 §3.3): the user has not answered yet, has
#: allowed the device, or has denied it.
DEVICE_PENDING, DEVICE_ALLOWED, DEVICE_DENIED = "pending", "allowed", "denied"


class DeviceCodeMixin:
    """A device authorization (RFC 8628 §3.2): the device code and the user code, both as
    digests (the user code in its normalized form, see
    :func:`~flask_oauth_provider.core.user_codes.normalize_user_code`).

    ``status`` goes from ``"pending"`` to ``"allowed"`` or ``"denied"`` once, when the
    user answers on the verification page; ``redeemed_at`` is set once, by the
    conditional UPDATE that lets the device have its token. The app adds the primary key
    and a nullable ``user_id`` with a ``user`` relationship (the user who answered).
    """

    device_code_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_code_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The scopes asked for; narrowed to those the user allowed.
    scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=DEVICE_PENDING)
    #: Seconds the device waits between polls; grows by 5 on ``slow_down`` (§3.5).
    poll_interval: Mapped[int] = mapped_column(Integer, default=5)
    last_polled_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, default=None)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)
    redeemed_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def scopes(self) -> list[str]:
        return _split(self.scope)

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at <= (now or utcnow())


class DeviceAttemptMixin:
    """One wrong user code entered on the verification page (RFC 8628 §5.1), counted per
    source (the digest of the IP address) and in total. The app adds the primary key;
    ``flask oauth purge`` deletes the rows older than a device code lifetime."""

    source_digest: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)


class InitialAccessTokenMixin:
    """An initial access token for dynamic registration (RFC 7591 §3), as its digest.

    ``remaining_uses`` counts down with each registration (``None``: any number until it
    expires); one conditional UPDATE spends a use, so a single-use token registers one
    client however many requests race for it.
    """

    token_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    remaining_uses: Mapped[Optional[int]] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)

    def is_usable(self, now: Optional[datetime.datetime] = None) -> bool:
        return ((self.remaining_uses is None or self.remaining_uses > 0)
                and (self.expires_at is None or self.expires_at > (now or utcnow())))


class PushedAuthorizationRequestMixin:
    """A pushed authorization request (RFC 9126 §2): ``request_uri`` as its SHA-256
    digest, bound to ``client_id``, alive until ``expires_at``. ``parameters`` holds the
    authorization parameters as a JSON object. The app adds the primary key::

        class PushedRequest(db.Model, PushedAuthorizationRequestMixin):
            id: Mapped[int] = mapped_column(primary_key=True)
    """

    request_uri_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), index=True)
    parameters: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)

    def is_expired(self, now: Optional[datetime.datetime] = None) -> bool:
        return self.expires_at <= (now or utcnow())


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


# -- the link to the app's user model -----------------------------------------------------


def user_relationship(model: type) -> Any:
    """The ``user`` relationship the app declared on ``model``, or ``None``."""
    return inspect(model).relationships.get("user")


def unproxied(obj: Any) -> Any:
    """The object behind a Werkzeug ``LocalProxy`` such as Flask-Login's ``current_user``."""
    getter = getattr(obj, "_get_current_object", None)
    return getter() if callable(getter) else obj


def set_user(row: Any, user: Any) -> None:
    """Point ``row``'s user foreign key at ``user`` without loading anything."""
    if user is None:
        return
    values = user_values(type(row), user)
    if values is None:
        if user_relationship(type(row)) is not None:
            row.user = unproxied(user)
        return
    for key, value in values.items():
        setattr(row, key, value)


def user_values(model: type, user: Any) -> Optional[dict]:
    """The foreign-key attributes of ``model`` that point at ``user``, by attribute name
    (for an UPDATE or a new row); ``None`` when ``model`` has no ``user`` relationship or
    ``user`` is not a mapped object of its target."""
    row_mapper = inspect(model)
    rel = row_mapper.relationships.get("user")
    if rel is None or user is None:
        return None
    user = unproxied(user)
    user_state = inspect(user, raiseerr=False)
    if user_state is None or not user_state.mapper.isa(rel.mapper):
        return None
    return {row_mapper.get_property_by_column(local).key:
            getattr(user, user_state.mapper.get_property_by_column(remote).key)
            for local, remote in rel.local_remote_pairs}


def user_clause(model: type, user: Any) -> Any:
    """The WHERE clause selecting the rows of ``model`` that belong to ``user``."""
    row_mapper = inspect(model)
    rel = row_mapper.relationships.get("user")
    if rel is None:
        raise TypeError(f"{model.__name__} has no 'user' relationship.")
    user = unproxied(user)
    user_state = inspect(user, raiseerr=False)
    if user_state is None:
        raise TypeError(f"{user!r} is not a mapped user object.")
    return and_(*(getattr(model, row_mapper.get_property_by_column(local).key)
                  == getattr(user, user_state.mapper.get_property_by_column(remote).key)
                  for local, remote in rel.local_remote_pairs))
