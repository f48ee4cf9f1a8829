"""Authlib's provider, the way its documentation builds one.

``authlib.integrations.flask_oauth2.AuthorizationServer`` with the
``authlib.integrations.sqla_oauth2`` mixins and helper functions, a
``ResourceProtector`` with the helper's bearer-token validator, on the same database
as the other apps (tables ``authlib_*``). Grants: client_credentials,
authorization_code with PKCE (S256, required) and refresh_token with rotation — the
same policy our provider applies by default.

Storage is Authlib's: tokens, codes and client secrets are kept in clear (Authlib's
mixins have no digests), which saves Authlib a hash per call compared with ours.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.integrations.sqla_oauth2 import (
    OAuth2AuthorizationCodeMixin,
    OAuth2ClientMixin,
    OAuth2TokenMixin,
    create_bearer_token_validator,
    create_query_client_func,
    create_save_token_func,
)
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy

from .db import Target
from .harness import API_PATH, REDIRECT_URI, SCOPE, TOKEN_PATH, BenchApp, pkce_pair

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "authlib_user"
    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(40), unique=True, nullable=False)

    def get_user_id(self) -> int:
        return self.id


class Client(db.Model, OAuth2ClientMixin):
    __tablename__ = "authlib_client"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("authlib_user.id", ondelete="CASCADE"))


class AuthorizationCode(db.Model, OAuth2AuthorizationCodeMixin):
    __tablename__ = "authlib_code"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("authlib_user.id", ondelete="CASCADE"))


class Token(db.Model, OAuth2TokenMixin):
    __tablename__ = "authlib_token"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("authlib_user.id", ondelete="CASCADE"))

    def is_refresh_token_active(self) -> bool:
        if self.refresh_token_revoked_at or self.access_token_revoked_at:
            return False
        return self.issued_at + self.expires_in * 2 > time.time()


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        item = AuthorizationCode(
            code=code, client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri, scope=request.payload.scope,
            user_id=request.user.id,
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"))
        db.session.add(item)
        db.session.commit()

    def query_authorization_code(self, code: str, client: Any) -> Any:
        item = db.session.execute(sa.select(AuthorizationCode).filter_by(
            code=code, client_id=client.client_id)).scalar_one_or_none()
        if item and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code: Any) -> None:
        db.session.delete(authorization_code)
        db.session.commit()

    def authenticate_user(self, authorization_code: Any) -> Any:
        return db.session.get(User, authorization_code.user_id)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Any:
        item = db.session.execute(sa.select(Token).filter_by(
            refresh_token=refresh_token)).scalar_one_or_none()
        if item and item.is_refresh_token_active():
            return item
        return None

    def authenticate_user(self, credential: Any) -> Any:
        return db.session.get(User, credential.user_id)

    def revoke_old_credential(self, credential: Any) -> None:
        credential.refresh_token_revoked_at = int(time.time())
        db.session.add(credential)
        db.session.commit()


def create_app(target: Target, openid: Any = None) -> Flask:
    app = Flask("authlib_app")
    app.config.update(target.flask_config())
    app.config.update(
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": 3600, "client_credentials": 3600,
                                 "refresh_token": 3600},
    )
    db.init_app(app)
    server = AuthorizationServer(
        app, query_client=create_query_client_func(db.session, Client),
        save_token=create_save_token_func(db.session, Token))
    server.register_grant(grants.ClientCredentialsGrant)
    # ``openid``: Authlib's OpenIDCode extension (benchmarks.openid_rows).
    server.register_grant(CodeGrant, [CodeChallenge(required=True)]
                          + ([openid] if openid is not None else []))
    server.register_grant(RefreshGrant)
    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(create_bearer_token_validator(db.session, Token)())

    @app.post(TOKEN_PATH)
    def token() -> Any:
        return server.create_token_response()

    @app.get(API_PATH)
    @require_oauth(SCOPE)
    def me() -> Any:
        tok = current_token
        return jsonify(client_id=tok.client_id, user_id=tok.user_id, scope=tok.scope)

    app.extensions["bench_server"] = server
    return app


class AuthlibApp(BenchApp):
    name = "Authlib"

    code_scope = SCOPE  # as Ours.code_scope / code_extra
    code_extra: dict = {}

    def __init__(self, target: Target, create: bool = True, openid: Any = None) -> None:
        self.app = create_app(target, openid)
        self.client_id = "authlib-client"
        self.client_secret = "authlib-secret-" + "s" * 30
        self.user_id = 1
        if create:
            with self.app.app_context():
                db.create_all()
                user = User(id=self.user_id, username="alice")
                db.session.add(user)
                db.session.flush()
                client = Client(client_id=self.client_id, client_secret=self.client_secret,
                                client_id_issued_at=int(time.time()), user_id=self.user_id)
                client.set_client_metadata({
                    "client_name": "bench", "redirect_uris": [REDIRECT_URI],
                    "grant_types": ["authorization_code", "refresh_token",
                                    "client_credentials"],
                    "response_types": ["code"], "scope": SCOPE,
                    "token_endpoint_auth_method": "client_secret_basic"})
                db.session.add(client)
                db.session.commit()

    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def new_codes(self, n: int) -> list[tuple[str, str]]:
        out, rows = [], []
        now = int(time.time())
        for _ in range(n):
            code = secrets.token_urlsafe(32)
            verifier, challenge = pkce_pair(code)
            out.append((code, verifier))
            rows.append({"code": code, "client_id": self.client_id,
                         "redirect_uri": REDIRECT_URI, "response_type": "code",
                         "scope": self.code_scope, "auth_time": now,
                         "code_challenge": challenge, "code_challenge_method": "S256",
                         "user_id": self.user_id, **self.code_extra})
        with self.app.app_context():
            db.session.execute(sa.insert(AuthorizationCode), rows)
            db.session.commit()
        return out

    def new_refresh_tokens(self, n: int) -> list[str]:
        values = [secrets.token_urlsafe(36) for _ in range(n)]
        rows = [dict(self.bulk_row(secrets.token_urlsafe(32)), refresh_token=v) for v in values]
        with self.app.app_context():
            db.session.execute(sa.insert(Token), rows)
            db.session.commit()
        return values

    def new_access_tokens(self, n: int) -> list[str]:
        values = [secrets.token_urlsafe(32) for _ in range(n)]
        with self.app.app_context():
            db.session.execute(sa.insert(Token), [self.bulk_row(v) for v in values])
            db.session.commit()
        return values

    table = Token.__table__

    def bulk_row(self, value: str) -> dict:
        return {"client_id": self.client_id, "token_type": "Bearer", "access_token": value,
                "refresh_token": None, "scope": SCOPE, "issued_at": int(time.time()),
                "access_token_revoked_at": 0, "refresh_token_revoked_at": 0,
                "expires_in": 86400, "user_id": self.user_id}
