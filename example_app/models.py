"""The example's models: its own ``User``, the three OAuth models built on the mixins, and
the OpenID Connect signing keys (kept encrypted by the provider), and
the two of the device authorization grant (RFC 8628).

The mixins of :mod:`flask_oauth_provider.sqla` bring every OAuth column; an app adds the
primary key and the link to its own user model, as below.
"""

from __future__ import annotations

from typing import Optional

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from flask_oauth_provider.sqla import (
    AuthorizationCodeMixin,
    ClientMixin,
    DeviceAttemptMixin,
    DeviceCodeMixin,
    InitialAccessTokenMixin,
    PushedAuthorizationRequestMixin,
    SigningKeyMixin,
    TokenMixin,
)

db = SQLAlchemy()


class User(db.Model, UserMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[Optional[str]] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Client(db.Model, ClientMixin):
    __tablename__ = "oauth_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The user who registered the client (optional: the CLI registers clients too).
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user: Mapped[Optional[User]] = relationship()


class AuthorizationCode(db.Model, AuthorizationCodeMixin):
    __tablename__ = "oauth_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()


class Token(db.Model, TokenMixin):
    __tablename__ = "oauth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for client-credentials tokens, which act for the client itself.
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[Optional[User]] = relationship()


class SigningKey(db.Model, SigningKeyMixin):
    __tablename__ = "oauth_signing_key"
    id: Mapped[int] = mapped_column(primary_key=True)


class DeviceCode(db.Model, DeviceCodeMixin):
    __tablename__ = "oauth_device_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The user who answered on the verification page; empty while the code is pending.
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[Optional[User]] = relationship()


class DeviceAttempt(db.Model, DeviceAttemptMixin):
    __tablename__ = "oauth_device_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)


class InitialAccessToken(db.Model, InitialAccessTokenMixin):
    """Initial access tokens for dynamic registration (``flask oauth registration-token``)."""

    __tablename__ = "oauth_initial_access_token"

    id: Mapped[int] = mapped_column(primary_key=True)


class PushedRequest(db.Model, PushedAuthorizationRequestMixin):
    """Pushed authorization requests (RFC 9126): ``POST /oauth/par`` keeps them here."""

    __tablename__ = "oauth_pushed_request"

    id: Mapped[int] = mapped_column(primary_key=True)
