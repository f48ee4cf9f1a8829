"""Our provider: ``OAuth2Provider`` + ``init_sqlalchemy`` over the bundled mixins.

Tables ``ours_*`` on the same database as the other apps. Same client policy as the
Authlib app: one confidential client (client_secret_basic) allowed
client_credentials, authorization_code (PKCE S256) and refresh_token, scope
``profile``; refresh tokens rotate (our default).
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import Any, Optional

import sqlalchemy as sa
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Target
from .harness import API_PATH, REDIRECT_URI, SCOPE, BenchApp, pkce_pair, sha256_hex

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "ours_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)


def _models() -> tuple[type, type, type]:
    # Imported lazily: the module must import (for --help, floor-only runs) even while
    # the provider is missing or broken.
    from flask_oauth_provider.sqla import AuthorizationCodeMixin, ClientMixin, TokenMixin

    global Client, AuthorizationCode, Token
    if "Client" in globals():
        return Client, AuthorizationCode, Token

    class Client(db.Model, ClientMixin):  # type: ignore[no-redef]
        __tablename__ = "ours_client"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ours_user.id"))
        user: Mapped[Optional[User]] = relationship(User)
        # OpenID Connect Registration §2, honoured when the client model has it (the
        # mixins have no column for it): benchmarks.openid_rows signs per algorithm.
        id_token_signed_response_alg: Mapped[Optional[str]] = mapped_column(sa.String(16))

    class AuthorizationCode(db.Model, AuthorizationCodeMixin):  # type: ignore[no-redef]
        __tablename__ = "ours_code"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(sa.ForeignKey("ours_user.id"), index=True)
        user: Mapped[User] = relationship(User)

    class Token(db.Model, TokenMixin):  # type: ignore[no-redef]
        __tablename__ = "ours_token"
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ours_user.id"),
                                                       index=True)
        user: Mapped[Optional[User]] = relationship(User)

    return Client, AuthorizationCode, Token


def create_app(target: Target, signing_keys: Any = None, openid: bool = False) -> Flask:
    from flask_oauth_provider import OAuth2Provider, current_token

    client_model, code_model, token_model = _models()
    app = Flask("ours")
    app.config.update(target.flask_config())
    # No SECRET_KEY: like the other apps, no cookie session is opened per request (the
    # consent page, which needs one, is not benchmarked).
    app.config.update(OAUTH2_PROVIDER_TOKEN_EXPIRES_IN=3600)
    if signing_keys is not None:  # JWT access tokens (benchmarks.jwt_tokens)
        app.config["OAUTH2_PROVIDER_SIGNING_KEYS"] = signing_keys
    if openid:  # OpenID Connect code exchanges (benchmarks.openid_rows)
        app.config["OAUTH2_PROVIDER_OPENID"] = True
    db.init_app(app)
    oauth = OAuth2Provider(app)
    oauth.init_sqlalchemy(db, client_model=client_model, code_model=code_model,
                          token_model=token_model)

    @app.get(API_PATH)
    @oauth.require_oauth(SCOPE)
    def me() -> Any:
        # The token's ids, as the other apps' views read them (Authlib: token.client_id,
        # token.user_id); current_token.client / .user would load the objects.
        tok = current_token
        return jsonify(client_id=tok.client_id, user_id=tok.sub, scope=" ".join(tok.scopes))

    app.extensions["bench_oauth"] = oauth
    return app


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Ours(BenchApp):
    name = "ours"

    #: The scope of the codes ``new_codes`` stores, and extra columns of their rows
    #: (benchmarks.openid_rows stores ``openid`` codes with their nonce).
    code_scope = SCOPE
    code_extra: dict = {}

    def __init__(self, target: Target, create: bool = True, signing_keys: Any = None,
                 openid: bool = False) -> None:
        self.app = create_app(target, signing_keys, openid)
        self.user_id = 1
        self._grant_scope = "grant_scope" in self.table.c
        self._bulk_now = _now()
        if create:
            with self.app.app_context():
                db.create_all()
                user = User(id=self.user_id, username="alice")
                db.session.add(user)
                db.session.commit()
                oauth = self.app.extensions["bench_oauth"]
                client, secret = oauth.create_client(
                    name="bench", redirect_uris=[REDIRECT_URI],
                    grant_types=["authorization_code", "refresh_token", "client_credentials"],
                    scopes=[SCOPE])
                self.client_id, self.client_secret = client.client_id, secret

    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def new_codes(self, n: int) -> list[tuple[str, str]]:
        _, code_model, _ = _models()
        out, rows = [], []
        now = _now()
        for _ in range(n):
            code = secrets.token_urlsafe(32)
            verifier, challenge = pkce_pair(code)
            out.append((code, verifier))
            rows.append({"code_digest": sha256_hex(code), "client_id": self.client_id,
                         "redirect_uri": REDIRECT_URI, "scope": self.code_scope,
                         "code_challenge": challenge, "code_challenge_method": "S256",
                         "family_id": uuid.uuid4().hex, "created_at": now,
                         "expires_at": now + datetime.timedelta(seconds=600),
                         "consumed_at": None, "user_id": self.user_id, **self.code_extra})
        with self.app.app_context():
            db.session.execute(sa.insert(code_model), rows)
            db.session.commit()
        return out

    def new_refresh_tokens(self, n: int) -> list[str]:
        _, _, token_model = _models()
        values = [secrets.token_urlsafe(32) for _ in range(n)]
        now = _now()
        rows = [dict(self.bulk_row(secrets.token_urlsafe(32)),
                     refresh_token_digest=sha256_hex(v),
                     refresh_expires_at=now + datetime.timedelta(days=30)) for v in values]
        with self.app.app_context():
            db.session.execute(sa.insert(token_model), rows)
            db.session.commit()
        return values

    def new_access_tokens(self, n: int) -> list[str]:
        _, _, token_model = _models()
        values = [secrets.token_urlsafe(32) for _ in range(n)]
        with self.app.app_context():
            db.session.execute(sa.insert(token_model), [self.bulk_row(v) for v in values])
            db.session.commit()
        return values

    @property
    def table(self) -> sa.Table:
        return _models()[2].__table__

    def bulk_row(self, value: str) -> dict:
        now = self._bulk_now
        digest = sha256_hex(value)
        row = {"access_token_digest": digest, "refresh_token_digest": None,
               "token_type": "Bearer", "client_id": self.client_id, "scope": SCOPE,
               # unique per row and cheaper than uuid4 for a million rows
               "family_id": digest[:32], "issued_at": now,
               "expires_at": now + datetime.timedelta(days=1), "refresh_expires_at": None,
               "refresh_rotated_at": None, "revoked_at": None, "user_id": self.user_id}
        if self._grant_scope:  # the scope of the original grant, when the model stores it
            row["grant_scope"] = SCOPE
        return row
