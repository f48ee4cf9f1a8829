"""The application the security suite attacks, and the helpers that drive it over HTTP.

Importable on its own (no pytest): ``scripts/fuzz.py`` and the gunicorn workers of the race
tests build the same app from here.  Everything goes through the public API (docs/api.rst):
``OAuth2Provider`` + ``init_sqlalchemy`` with the bundled mixin models, Flask-Login for the
resource owner, and ``require_oauth`` on a few API views.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, Optional
from urllib.parse import urlencode

import sqlalchemy
from flask import Flask, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.sqla import AuthorizationCodeMixin, ClientMixin, TokenMixin
from tests.helpers import Form, basic_auth, forms_of
from tests.helpers.database import TestDatabase

#: Registered redirect URIs used throughout.
REG = "https://client.example/cb"
REG2 = "https://client.example/other"
LOOPBACK_REG = "http://127.0.0.1/cb"
ALICE_PASSWORD = "alice-pw-" + "Zq8v3Lk2"  # noqa: S105 - a test user's password, hunted in logs
SCOPES = ["profile", "read", "write"]


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model, UserMixin):
    __tablename__ = "sec_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class Client(db.Model, ClientMixin):
    __tablename__ = "sec_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sec_user.id"), nullable=True)
    user: Mapped[Optional[User]] = relationship(User)


class AuthorizationCode(db.Model, AuthorizationCodeMixin):
    __tablename__ = "sec_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("sec_user.id"))
    user: Mapped[User] = relationship(User)


class Token(db.Model, TokenMixin):
    __tablename__ = "sec_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sec_user.id"), nullable=True)
    user: Mapped[Optional[User]] = relationship(User)


# --------------------------------------------------------------------------------------------
# The app


def create_app(target: TestDatabase, **oauth_config: Any) -> Flask:
    """A provider app on ``target``; ``oauth_config`` keys omit the ``OAUTH2_PROVIDER_`` prefix."""
    app = Flask("sec_app")
    app.config.update(
        SECRET_KEY="sec-" + secrets.token_hex(16),
        SQLALCHEMY_DATABASE_URI=target.url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(target.engine_options),
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
    )
    for key, value in oauth_config.items():
        app.config["OAUTH2_PROVIDER_" + key] = value
    db.init_app(app)

    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> Optional[User]:
        return db.session.get(User, int(user_id))

    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(
        db, client_model=Client, code_model=AuthorizationCode, token_model=Token
    )
    oauth.init_app(app)
    app.extensions["sec_oauth"] = oauth

    @app.route("/login", methods=["GET", "POST"])
    def login():  # a deliberately plain login page: the provider is under test, not this
        if request.method == "POST":
            user = db.session.execute(
                db.select(User).filter_by(username=request.form.get("username", ""))
            ).scalar_one_or_none()
            if user is None or not check_password_hash(
                user.password_hash, request.form.get("password", "")
            ):
                return "bad credentials", 401
            login_user(user)
            target = request.args.get("next") or "/"
            if not target.startswith("/") or target.startswith("//"):
                target = "/"
            return redirect(target, code=303)
        return (
            '<form method="post"><input name="username"><input name="password" '
            'type="password"><button type="submit">Log in</button></form>'
        )

    @app.route("/")
    def index():
        return "home" + (f" {current_user.username}" if current_user.is_authenticated else "")

    @app.route("/api/me")
    @oauth.require_oauth("profile")
    def api_me():
        return jsonify(user=current_token.user.username)

    @app.route("/api/write", methods=["GET", "POST"])
    @oauth.require_oauth("write")
    def api_write():
        return jsonify(ok=True)

    @app.route("/api/client")
    @oauth.require_oauth()
    def api_client():
        return jsonify(client_id=current_token.client.client_id)

    with app.app_context():
        if target.dialect == "sqlite":
            # Throw-away test files: skip the fsyncs (durability is not under test).
            sqlalchemy.event.listen(db.engine, "connect", _fast_sqlite)
        db.create_all()
        if db.session.execute(db.select(User).filter_by(username="alice")).first() is None:
            for name in ("alice", "bob"):
                db.session.add(User(
                    username=name,
                    password_hash=generate_password_hash(ALICE_PASSWORD + name,
                                                         "pbkdf2:sha256:1000"),
                ))
            db.session.commit()
    return app


def enable_password_users(app: Flask) -> None:
    """Register the password grant's usergetter: the suite's users, by password hash."""

    @app.extensions["sec_oauth"].usergetter
    def get_user(username: str, password: str, client: Any, request: Any,
                 *args: Any, **kwargs: Any) -> Optional[User]:
        user = db.session.execute(db.select(User).filter_by(username=username)
                                  ).scalar_one_or_none()
        if user is not None and check_password_hash(user.password_hash, password):
            return user
        return None


def _fast_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def clear_tables(app: Flask) -> None:
    """Delete every row of the suite's tables (cheaper than dropping them on a server)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def dispose_app(app: Flask, drop: bool = True) -> None:
    """Drop the app's tables (not worth it for a SQLite file) and close its connections."""
    with app.app_context():
        if drop and db.engine.dialect.name != "sqlite":
            db.session.remove()
            db.drop_all()
        db.engine.dispose()


# --------------------------------------------------------------------------------------------
# Small protocol helpers


APPROVE_WORDS = re.compile(r"allow|approve|authori[sz]e|accept|grant|confirm|yes", re.I)
DENY_WORDS = re.compile(r"deny|cancel|reject|decline|refuse|\bno\b", re.I)


def consent_form(html_text: str) -> Form:
    """The consent page's POST form (the one with a submit matching Allow)."""
    for form in forms_of(html_text):
        if form.method == "post" and form.buttons:
            return form
    raise AssertionError("no POST form on the consent page:\n" + html_text[:2000])


def consent_data(form: Form, approve: bool = True,
                 overrides: Optional[list[tuple[str, str]]] = None,
                 drop: tuple[str, ...] = (),
                 uncheck: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The pairs a browser would post for the Allow (or Deny) button.

    ``drop`` leaves out fields by name, ``uncheck`` leaves out checkboxes by value.
    """
    data: list[tuple[str, str]] = []
    for field in form.controls:
        if not field.successful or field.name in drop:
            continue
        if field.type in ("checkbox", "radio") and field.value in uncheck:
            continue
        data.append((field.name, field.value))
    words = APPROVE_WORDS if approve else DENY_WORDS
    chosen = None
    for sub in form.buttons:
        label = " ".join(str(part or "") for part in (sub.name, sub.value, sub.text))
        if words.search(label) and not (approve and DENY_WORDS.search(label)):
            chosen = sub
            break
    if chosen is None:
        raise AssertionError(f"no {'allow' if approve else 'deny'} button in {form.buttons}")
    if chosen.name:
        data.append((chosen.name, chosen.value))
    data.extend(overrides or [])
    return data


class Clients:
    """Registered clients of one app, created through ``OAuth2Provider.create_client``."""

    def __init__(self, app: Flask):
        self.app = app

    def create(self, *, public: bool = False, redirect_uris: Optional[list[str]] = None,
               grant_types: Optional[list[str]] = None, scopes: Optional[list[str]] = None,
               name: str = "test client", **extra: Any) -> ClientInfo:
        oauth = self.app.extensions["sec_oauth"]
        with self.app.app_context():
            client, secret = oauth.create_client(
                name=name,
                redirect_uris=[REG] if redirect_uris is None else redirect_uris,
                grant_types=grant_types or ["authorization_code", "refresh_token"],
                scopes=scopes or list(SCOPES),
                public=public,
                **extra,
            )
            db.session.commit()
            return ClientInfo(client.client_id, secret, public,
                              list(client.redirect_uris or []))


class ClientInfo:
    def __init__(self, client_id: str, secret: Optional[str], public: bool,
                 redirect_uris: list[str]):
        self.client_id = client_id
        self.secret = secret
        self.public = public
        self.redirect_uris = redirect_uris

    def auth(self) -> dict[str, str]:
        """Headers authenticating this client (Basic for confidential, none for public)."""
        return basic_auth(self.client_id, self.secret) if self.secret else {}

    def body_auth(self) -> dict[str, str]:
        """Form fields identifying a public client (RFC 6749 §3.2.1)."""
        return {} if self.secret else {"client_id": self.client_id}

    def __repr__(self) -> str:  # never the secret, even in a pytest failure message
        return f"<ClientInfo {self.client_id} public={self.public}>"


def json_body(response: Any) -> Any:
    """The response body parsed as JSON; fails clearly if it is not JSON."""
    data = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    try:
        return json.loads(data)
    except ValueError:
        raise AssertionError(f"not JSON (status {response.status_code}): {data[:500]!r}") from None


#: RFC 6749 §5.2: error_description / error_uri use only these characters.
ERROR_TEXT = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")
TOKEN_ERRORS = {
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope",
}


def assert_oauth_error(response: Any, allowed: Optional[set[str]] = None) -> dict[str, Any]:
    """Assert an RFC 6749 §5.2 error body and return it."""
    body = json_body(response)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str), body
    assert ERROR_TEXT.match(body["error"]), body
    if allowed is not None:
        assert body["error"] in allowed, body
    for key in ("error_description", "error_uri"):
        if key in body:
            assert isinstance(body[key], str) and ERROR_TEXT.match(body[key]), body
    ctype = response.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), ctype
    return body


def urlencoded(pairs: Any) -> str:
    return urlencode(pairs)
