"""The store's test models: the bundled mixins on a plain DeclarativeBase (tests/sqla, and
tests/flask/test_sqla_provider.py through the root conftest's ``schema`` / ``tables``)."""

from __future__ import annotations

from typing import Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flask_oauth_provider.sqla import (
    AuthorizationCodeMixin,
    ClientMixin,
    DeviceAttemptMixin,
    DeviceCodeMixin,
    InitialAccessTokenMixin,
    PushedAuthorizationRequestMixin,
    SigningKeyMixin,
    TokenMixin,
    replay_table,
)


class Base(DeclarativeBase):
    pass


class User(UserMixin, Base):
    """Also a Flask-Login user (tests/oidc logs it in)."""

    __tablename__ = "sqla_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)

    # What Flask-Login asks of a user (tests/resources logs one in); UserMixin is not
    # used because its __eq__ would change how the other tests compare users.
    is_active = is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class Client(Base, ClientMixin):
    __tablename__ = "sqla_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sqla_user.id"), nullable=True)
    user: Mapped[Optional[User]] = relationship(User)


class AuthorizationCode(Base, AuthorizationCodeMixin):
    __tablename__ = "sqla_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("sqla_user.id"), index=True)
    user: Mapped[User] = relationship(User)


class Token(Base, TokenMixin):
    __tablename__ = "sqla_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("sqla_user.id"), nullable=True, index=True
    )
    user: Mapped[Optional[User]] = relationship(User)


class SigningKey(Base, SigningKeyMixin):
    __tablename__ = "sqla_signing_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DeviceCode(Base, DeviceCodeMixin):
    __tablename__ = "sqla_device_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("sqla_user.id"), nullable=True, index=True
    )
    user: Mapped[Optional[User]] = relationship(User)


class DeviceAttempt(Base, DeviceAttemptMixin):
    __tablename__ = "sqla_device_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class InitialAccessToken(Base, InitialAccessTokenMixin):
    __tablename__ = "sqla_initial_access_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class PushedRequest(Base, PushedAuthorizationRequestMixin):
    __tablename__ = "sqla_pushed_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

#: The replay cache's table, declared up front so that the ``schema`` fixture creates it
#: (``init_sqlalchemy`` finds it on the client model's metadata and uses it).
REPLAY_TABLE = replay_table(Base.metadata)

MODELS = {"client_model": Client, "code_model": AuthorizationCode, "token_model": Token}
#: The device authorization grant's models, given to the store next to ``MODELS``.
DEVICE_MODELS = {"device_code_model": DeviceCode, "device_attempt_model": DeviceAttempt}
