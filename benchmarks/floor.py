"""The floor: bare Flask views doing the least work each call needs.

Token endpoint (client_credentials): one SELECT of the client by id, one INSERT of
the token's digest, one COMMIT. Protected GET: one indexed SELECT by token digest.
Same requests, same JSON as the other apps; same Flask-SQLAlchemy session stack, but
Core statements built once at import with bound parameters (no ORM objects, no OAuth
library, no statement construction per call).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from typing import Any
from urllib.parse import unquote_plus

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

from .db import Target
from .harness import API_PATH, SCOPE, TOKEN_PATH, BenchApp, sha256_hex

db = SQLAlchemy()

client_table = db.Table(
    "floor_client",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_digest", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(255), nullable=False),
)

token_table = db.Table(
    "floor_token",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("scope", sa.String(255), nullable=False),
    sa.Column("expires_at", sa.Integer, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

# Statements built once, values bound per call: the least work per call.
_select_client = sa.select(client_table.c.secret_digest, client_table.c.scope).where(
    client_table.c.client_id == sa.bindparam("client_id"))
_insert_token = token_table.insert()
_select_token = sa.select(token_table.c.client_id, token_table.c.user_id,
                          token_table.c.scope, token_table.c.expires_at,
                          token_table.c.revoked).where(
    token_table.c.digest == sa.bindparam("digest"))
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(error: str, status: int, headers: Any = None) -> Any:
    return jsonify(error=error), status, dict(NO_STORE, **(headers or {}))


def create_app(target: Target) -> Flask:
    app = Flask("floor")
    app.config.update(target.flask_config())
    db.init_app(app)

    @app.post(TOKEN_PATH)
    def token() -> Any:
        auth = request.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except (ValueError, binascii.Error):
            return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return _error("unsupported_grant_type", 400)
        row = db.session.execute(_select_client, {"client_id": client_id}).first()
        if row is None or not hmac.compare_digest(row.secret_digest, sha256_hex(secret)):
            return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
        scope = form.get("scope") or row.scope
        if not set(scope.split()) <= set(row.scope.split()):
            return _error("invalid_scope", 400)
        value = secrets.token_urlsafe(32)
        db.session.execute(_insert_token, {
            "digest": sha256_hex(value), "client_id": client_id, "user_id": None,
            "scope": scope, "expires_at": int(time.time()) + 3600, "revoked": False})
        db.session.commit()
        body = {"access_token": value, "token_type": "Bearer", "expires_in": 3600,
                "scope": scope}
        return jsonify(body), 200, NO_STORE

    @app.get(API_PATH)
    def me() -> Any:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value:
            return _error("invalid_token", 401, {"WWW-Authenticate": "Bearer"})
        row = db.session.execute(_select_token, {"digest": sha256_hex(value)}).first()
        if row is None or row.revoked or row.expires_at < time.time():
            return _error("invalid_token", 401,
                          {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if SCOPE not in row.scope.split():
            return _error("insufficient_scope", 403)
        return jsonify(client_id=row.client_id, user_id=row.user_id, scope=row.scope)

    return app


class Floor(BenchApp):
    name = "floor"
    flows = ("token", "protected")

    def __init__(self, target: Target, create: bool = True) -> None:
        self.app = create_app(target)
        self.client_id = "floor-client"
        self.client_secret = "floor-secret-" + "s" * 30
        self.user_id = 1
        if create:
            with self.app.app_context():
                db.create_all()
                db.session.execute(client_table.insert().values(
                    client_id=self.client_id, secret_digest=sha256_hex(self.client_secret),
                    scope=SCOPE))
                db.session.commit()

    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def new_access_tokens(self, n: int) -> list[str]:
        values = [secrets.token_urlsafe(32) for _ in range(n)]
        with self.app.app_context():
            db.session.execute(token_table.insert(), [self.bulk_row(v) for v in values])
            db.session.commit()
        return values

    # used by the 10^3..10^6 run
    table = token_table

    def bulk_row(self, value: str) -> dict:
        return {"digest": sha256_hex(value), "client_id": self.client_id,
                "user_id": self.user_id, "scope": SCOPE,
                "expires_at": int(time.time()) + 86400, "revoked": False}
