"""Flask-OAuthlib's provider (unmaintained since 2019), the way its documentation builds one.

Flask-OAuthlib 0.9.6 needs oauthlib < 3 (it imports ``oauthlib.common.bytes_type``,
removed in oauthlib 3), while this project uses oauthlib 4. So it cannot run in the
benchmark's process. When a directory holding it with oauthlib 2.1 and
requests-oauthlib 1.1 is given (``--flask-oauthlib-site``, made once with ``pip install
--no-deps --target DIR Flask-OAuthlib cachelib "oauthlib<3" "requests-oauthlib<1.2"``),
the runner starts ``benchmarks/child.py``
in a child process with that directory first on ``sys.path``; the child measures
Flask-OAuthlib and the floor side by side and prints JSON. Ratios to the floor are
comparable across the two processes; absolute times less so.

Callbacks as in Flask-OAuthlib's docs (clientgetter, grantgetter, tokengetter,
tokensetter) over Flask-SQLAlchemy models (tables ``fol_*``), minus the docs' deletion
of a user's previous tokens in the tokensetter (kept: the refresh grant deletes the row
of the refresh token it used, i.e. rotation). oauthlib 2.1 has no PKCE, so its code
exchange runs without ``code_verifier``. Secrets and tokens are stored in clear, as in
the docs. Its HTTP Basic client authentication is broken on Werkzeug >= 2.3 (see
``client_auth``), so its requests carry the client credentials in the body, and its
``require_oauth`` fails with HTTP 500 on any ``Authorization: Bearer`` header (see
``protected_envs``), so its protected calls carry the token in the query string.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import relationship

from .db import Target
from .harness import API_PATH, REDIRECT_URI, SCOPE, TOKEN_PATH, BenchApp, environ

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "fol_user"
    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(40), unique=True)


class Client(db.Model):
    __tablename__ = "fol_client"
    id = sa.Column(sa.Integer, primary_key=True)
    client_id = sa.Column(sa.String(64), unique=True, index=True)
    client_secret = sa.Column(sa.String(64), nullable=False)
    user_id = sa.Column(sa.ForeignKey("fol_user.id"))
    user = relationship(User)
    _redirect_uris = sa.Column(sa.Text)
    _default_scopes = sa.Column(sa.Text)
    client_type = "confidential"
    allowed_grant_types = ("authorization_code", "refresh_token", "client_credentials")

    @property
    def redirect_uris(self) -> list[str]:
        return self._redirect_uris.split() if self._redirect_uris else []

    @property
    def default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    @property
    def default_scopes(self) -> list[str]:
        return self._default_scopes.split() if self._default_scopes else []


class Grant(db.Model):
    __tablename__ = "fol_grant"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey("fol_user.id", ondelete="CASCADE"))
    user = relationship(User)
    client_id = sa.Column(sa.String(64), nullable=False)
    code = sa.Column(sa.String(255), index=True, nullable=False)
    redirect_uri = sa.Column(sa.String(255))
    expires = sa.Column(sa.DateTime)
    _scopes = sa.Column(sa.Text)

    def delete(self) -> Grant:
        db.session.delete(self)
        db.session.commit()
        return self

    @property
    def scopes(self) -> list[str]:
        return self._scopes.split() if self._scopes else []


class Token(db.Model):
    __tablename__ = "fol_token"
    id = sa.Column(sa.Integer, primary_key=True)
    client_id = sa.Column(sa.String(64), nullable=False)
    client = relationship(Client, primaryjoin="Client.client_id == foreign(Token.client_id)")
    user_id = sa.Column(sa.ForeignKey("fol_user.id"))
    user = relationship(User)
    token_type = sa.Column(sa.String(40))
    access_token = sa.Column(sa.String(255), unique=True)
    refresh_token = sa.Column(sa.String(255), unique=True)
    expires = sa.Column(sa.DateTime)
    _scopes = sa.Column(sa.Text)

    @property
    def scopes(self) -> list[str]:
        return self._scopes.split() if self._scopes else []


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def create_app(target: Target) -> Flask:
    from flask_oauthlib.provider import OAuth2Provider

    app = Flask("fol_app")
    app.config.update(target.flask_config())
    db.init_app(app)
    oauth = OAuth2Provider(app)

    @oauth.clientgetter
    def load_client(client_id: str) -> Any:
        return db.session.execute(
            sa.select(Client).filter_by(client_id=client_id)).scalars().first()

    @oauth.grantgetter
    def load_grant(client_id: str, code: str) -> Any:
        return db.session.execute(
            sa.select(Grant).filter_by(client_id=client_id, code=code)).scalars().first()

    @oauth.grantsetter
    def save_grant(client_id: str, code: dict, req: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("codes are inserted directly by the benchmark")

    @oauth.tokengetter
    def load_token(access_token: Any = None, refresh_token: Any = None) -> Any:
        q = sa.select(Token)
        q = (q.filter_by(access_token=access_token) if access_token
             else q.filter_by(refresh_token=refresh_token))
        return db.session.execute(q).scalars().first()

    @oauth.tokensetter
    def save_token(token: dict, req: Any, *args: Any, **kwargs: Any) -> None:
        if req.grant_type == "refresh_token":
            old = load_token(refresh_token=req.refresh_token)
            if old is not None:
                db.session.delete(old)
        tok = Token(access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    token_type=token["token_type"], _scopes=token["scope"],
                    expires=_utcnow() + datetime.timedelta(seconds=token["expires_in"]),
                    client_id=req.client.client_id,
                    user_id=req.user.id if req.user else None)
        db.session.add(tok)
        db.session.commit()

    @app.post(TOKEN_PATH)
    @oauth.token_handler
    def access_token() -> Any:
        return None

    @app.get(API_PATH)
    @oauth.require_oauth(SCOPE)
    def me() -> Any:
        tok = request.oauth.access_token
        return jsonify(client_id=tok.client_id, user_id=tok.user_id, scope=tok._scopes)

    return app


class FlaskOAuthlibApp(BenchApp):
    name = "Flask-OAuthlib"

    def __init__(self, target: Target, create: bool = True) -> None:
        self.app = create_app(target)
        self.client_id = "fol-client"
        self.client_secret = "fol-secret-" + "s" * 30
        self.user_id = 1
        if create:
            with self.app.app_context():
                db.create_all()
                db.session.add(User(id=self.user_id, username="alice"))
                db.session.flush()
                db.session.add(Client(client_id=self.client_id,
                                      client_secret=self.client_secret,
                                      user_id=self.user_id, _redirect_uris=REDIRECT_URI,
                                      _default_scopes=SCOPE))
                db.session.commit()

    def client_auth(self) -> tuple[dict, dict]:
        # Flask-OAuthlib reads HTTP Basic credentials only when Werkzeug's
        # ``request.authorization`` is a dict, which it stopped being in Werkzeug 2.3:
        # with Werkzeug 3 Basic client authentication always fails (invalid_client).
        # So this app gets the credentials in the body (client_secret_post).
        return {}, {"client_id": self.client_id, "client_secret": self.client_secret}

    def protected_envs(self, tokens: Any) -> list[dict]:
        # Same cause: with an ``Authorization: Bearer`` header, Flask-OAuthlib hands
        # oauthlib Werkzeug's Authorization object instead of the header string, and
        # oauthlib's ``estimate_type`` raises TypeError (HTTP 500). The token goes in
        # the query string instead (RFC 6750 §2.3), which it still reads.
        return [environ("GET", f"{API_PATH}?access_token={t}") for t in tokens]

    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def new_codes(self, n: int) -> list[tuple[str, str]]:
        codes = [secrets.token_urlsafe(32) for _ in range(n)]
        expires = _utcnow() + datetime.timedelta(seconds=600)
        with self.app.app_context():
            db.session.execute(sa.insert(Grant), [
                {"user_id": self.user_id, "client_id": self.client_id, "code": c,
                 "redirect_uri": REDIRECT_URI, "expires": expires, "_scopes": SCOPE}
                for c in codes])
            db.session.commit()
        return [(c, "") for c in codes]

    def _insert_tokens(self, n: int, refresh: bool) -> list[tuple[str, str]]:
        pairs = [(secrets.token_urlsafe(32), secrets.token_urlsafe(32)) for _ in range(n)]
        expires = _utcnow() + datetime.timedelta(days=1)
        with self.app.app_context():
            db.session.execute(sa.insert(Token), [
                {"client_id": self.client_id, "user_id": self.user_id,
                 "token_type": "Bearer", "access_token": a,
                 "refresh_token": r if refresh else None, "expires": expires,
                 "_scopes": SCOPE} for a, r in pairs])
            db.session.commit()
        return pairs

    def new_refresh_tokens(self, n: int) -> list[str]:
        return [r for _, r in self._insert_tokens(n, True)]

    def new_access_tokens(self, n: int) -> list[str]:
        return [a for a, _ in self._insert_tokens(n, False)]
