"""A provider with pushed authorization requests for the tests (RFC 9126).

``make_app(test_database, **config)`` returns the app: bundled models with ``par_model``,
OpenID Connect on (a signing key in the key store), Flask-Login with a ``/login`` form
that logs a user in by name (``POST username=...``) and honours ``next``. Clients, in
``app.config["TEST_CLIENTS"]`` as ``(client_id, secret)``: ``web`` (confidential),
``spa`` (public, PKCE), ``strict`` (confidential, ``require_pushed_authorization_requests``).
"""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urlencode

from flask import Flask, redirect, request
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider
from tests.helpers import basic_auth
from tests.helpers.sqla_models import MODELS, PushedRequest, SigningKey, User

CB = "https://rp.example/cb"
OTHER_CB = "https://rp.example/other"
PAR = "/oauth/par"
URN = "urn:ietf:params:oauth:request_uri:"


def make_app(test_database: Any, **config: Any) -> Flask:
    app = Flask(__name__)
    settings = dict(
        SECRET_KEY="par-test-secret", SQLALCHEMY_DATABASE_URI=test_database.url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
        OAUTH2_PROVIDER_OPENID=True,
        OAUTH2_PROVIDER_SCOPES={"openid": "Sign you in", "profile": "Your name",
                                "email": "Your email address"})
    settings.update(config)
    app.config.update(settings)
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, key_model=SigningKey, par_model=PushedRequest)
    oauth.init_app(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> Optional[User]:
        return db.session.get(User, int(user_id))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            row = db.session.query(User).filter_by(username=request.form["username"]).one()
            login_user(row)
            return redirect(request.args.get("next") or "/")
        return "<form method=post><input name=username></form>"

    app.extensions["test_db"] = db
    app.extensions["test_oauth"] = oauth
    with app.app_context():
        for name in ("alice", "bob"):
            db.session.add(User(username=name))
        db.session.commit()
        oauth.rotate_signing_key("RS256")
        scopes = ["openid", "profile", "email"]
        web, secret = oauth.create_client(name="Web", redirect_uris=[CB, OTHER_CB],
                                          scopes=scopes)
        spa, _ = oauth.create_client(name="SPA", redirect_uris=[CB], public=True,
                                     scopes=scopes)
        strict, strict_secret = oauth.create_client(
            name="Strict", redirect_uris=[CB], scopes=scopes,
            require_pushed_authorization_requests=True)
        app.config["TEST_CLIENTS"] = {"web": (web.client_id, secret),
                                      "spa": (spa.client_id, None),
                                      "strict": (strict.client_id, strict_secret)}
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db = app.extensions["test_db"]
        db.session.remove()
        db.engine.dispose()


def push(client: Any, credentials: tuple, **params: Any) -> Any:
    """POST the authorization parameters to the PAR endpoint (RFC 9126 §2.1): a
    confidential client with HTTP Basic, a public one with ``client_id`` in the body."""
    client_id, secret = credentials
    body = {"response_type": "code", "client_id": client_id, "redirect_uri": CB,
            "scope": "openid profile", "state": "st-1"}
    body.update(params)
    body = {k: v for k, v in body.items() if v is not None}
    headers = basic_auth(client_id, secret) if secret else {}
    return client.post(PAR, data=body, headers=headers)


def authorize_url(client_id: str, request_uri: str, **extra: Any) -> str:
    return "/oauth/authorize?" + urlencode({"client_id": client_id,
                                            "request_uri": request_uri, **extra})


def log_in(client: Any, name: str = "alice") -> None:
    client.post("/login", data={"username": name})


def consent_form(page: Any) -> tuple[str, list[str]]:
    """The CSRF token and the scope checkboxes of the consent page."""
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return token, re.findall(r'name="scope" type="checkbox" value="([^"]+)"', html)


def allow(client: Any, path: str, button: str = "allow") -> Any:
    """GET the consent page at ``path`` and answer it (Allow, or Deny), as a browser."""
    page = client.get(path)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    token, scopes = consent_form(page)
    return client.post(path, data={"csrf_token": token, "scope": scopes, button: "x"})
