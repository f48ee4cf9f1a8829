"""The application the security suite attacks, and the helpers that drive it over HTTP.

Importable on its own (no pytest): ``scripts/fuzz.py`` and the gunicorn workers of the race
tests build the same app from here.  Everything goes through the public API of DESIGN.md:
``OAuth2Provider`` + ``init_sqlalchemy`` with the bundled mixin models, Flask-Login for the
resource owner, and ``require_oauth`` on a few API views.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import os
import re
import secrets
import threading
import uuid
from typing import Any, Optional
from urllib.parse import parse_qs, parse_qsl, quote_plus, urlencode, urlsplit

import sqlalchemy
from flask import Flask, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.sqla import AuthorizationCodeMixin, ClientMixin, TokenMixin

#: Registered redirect URIs used throughout (the checklist's ``REG``).
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
# Database targets


class DatabaseTarget:
    """Where an app's tables live: a SQLite file, or a private schema/database on a server.

    ``OAUTH_TEST_DATABASE_URL`` selects PostgreSQL or MariaDB; each target gets its own schema
    (PostgreSQL) or database (MariaDB) so concurrent runs never see each other's rows.
    """

    def __init__(self, url: str, engine_options: dict[str, Any], cleanup: Any = None):
        self.url = url
        self.engine_options = engine_options
        self._cleanup = cleanup

    @property
    def dialect(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None


def database_target(server_url: Optional[str], sqlite_path: str) -> DatabaseTarget:
    """Build a private :class:`DatabaseTarget` on ``server_url`` or, if None, a SQLite file."""
    if not server_url:
        return DatabaseTarget(f"sqlite:///{sqlite_path}", {})
    import sqlalchemy

    name = "sec_" + uuid.uuid4().hex[:12]
    admin = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    if server_url.startswith("postgresql"):
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        options = {"connect_args": {"options": f"-csearch_path={name}"}}

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            admin.dispose()

        return DatabaseTarget(server_url, options, cleanup)
    if server_url.startswith("mysql") or server_url.startswith("mariadb"):
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        url = sqlalchemy.engine.make_url(server_url).set(database=name)

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            admin.dispose()

        return DatabaseTarget(url.render_as_string(hide_password=False), {}, cleanup)
    admin.dispose()
    raise ValueError(f"unsupported OAUTH_TEST_DATABASE_URL {server_url!r}")


# --------------------------------------------------------------------------------------------
# The app


def create_app(target: DatabaseTarget, **oauth_config: Any) -> Flask:
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


def pkce_pair(verifier: Optional[str] = None) -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636 §4.2)."""
    verifier = verifier or secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("utf-8")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic_auth(client_id: str, secret: str, encode: bool = True) -> dict[str, str]:
    """``Authorization: Basic`` per RFC 6749 §2.3.1 (form-urlencode each part, then base64)."""
    if encode:
        client_id, secret = quote_plus(client_id, safe=""), quote_plus(secret, safe="")
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


def location_params(location: str) -> dict[str, str]:
    """Query (or, if none, fragment) parameters of a redirect ``Location``; repeats refused."""
    parts = urlsplit(location)
    pairs = parse_qsl(parts.query or parts.fragment, keep_blank_values=True)
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"repeated parameter in {location!r}"
    return dict(pairs)


def fragment_params(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).fragment, keep_blank_values=True)


def query_params(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query, keep_blank_values=True)


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._button: Optional[dict[str, Any]] = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"),
                               "fields": [], "submits": []})
        elif not self.forms:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self.forms[-1]["submits"].append(
                    {"name": a.get("name"), "value": a.get("value", ""), "text": a.get("value", "")}
                )
            else:
                self.forms[-1]["fields"].append({
                    "type": kind, "name": a.get("name"), "value": a.get("value", ""),
                    "checked": "checked" in a,
                })
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = {"name": a.get("name"), "value": a.get("value", ""), "text": ""}
            self.forms[-1]["submits"].append(self._button)
        elif tag in ("select", "textarea") and a.get("name"):
            self.forms[-1]["fields"].append(
                {"type": tag, "name": a.get("name"), "value": "", "checked": True}
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] += data


APPROVE_WORDS = re.compile(r"allow|approve|authori[sz]e|accept|grant|confirm|yes", re.I)
DENY_WORDS = re.compile(r"deny|cancel|reject|decline|refuse|\bno\b", re.I)


def consent_form(html_text: str) -> dict[str, Any]:
    """The consent page's POST form (the one with a submit matching Allow)."""
    parser = _FormParser()
    parser.feed(html_text)
    for form in parser.forms:
        if form["method"].lower() == "post" and form["submits"]:
            return form
    raise AssertionError("no POST form on the consent page:\n" + html_text[:2000])


def consent_data(form: dict[str, Any], approve: bool = True,
                 overrides: Optional[list[tuple[str, str]]] = None,
                 drop: tuple[str, ...] = (),
                 uncheck: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The pairs a browser would post for the Allow (or Deny) button.

    ``drop`` leaves out fields by name, ``uncheck`` leaves out checkboxes by value.
    """
    data: list[tuple[str, str]] = []
    for field in form["fields"]:
        if not field["name"] or field["name"] in drop:
            continue
        if field["type"] in ("checkbox", "radio") and (
            not field["checked"] or field["value"] in uncheck
        ):
            continue
        data.append((field["name"], field["value"]))
    words = APPROVE_WORDS if approve else DENY_WORDS
    chosen = None
    for sub in form["submits"]:
        label = " ".join(str(sub.get(k) or "") for k in ("name", "value", "text"))
        if words.search(label) and not (approve and DENY_WORDS.search(label)):
            chosen = sub
            break
    if chosen is None:
        raise AssertionError(f"no {'allow' if approve else 'deny'} button in {form['submits']}")
    if chosen.get("name"):
        data.append((chosen["name"], chosen["value"]))
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


class ServerThread:
    """A real HTTP server (werkzeug ``make_server``) on 127.0.0.1, random port, in a thread."""

    def __init__(self, app: Flask):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def env_database_url() -> Optional[str]:
    return os.environ.get("OAUTH_TEST_DATABASE_URL") or None
