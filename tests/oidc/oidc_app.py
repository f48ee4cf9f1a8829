"""An OpenID Provider for the tests: bundled models, encrypted key store, Flask-Login.

``make_app(test_database)`` returns the app; its ``/login`` form logs a user in by name
(``POST username=...``) and honours ``next``. Clients: ``web`` (confidential, code and
hybrid/implicit, ``https://rp.example/cb``) and ``spa`` (public, PKCE).
"""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urlencode

from flask import Flask, redirect, request
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider
from tests.helpers.sqla_models import MODELS, SigningKey, User

CB = "https://rp.example/cb"
CLAIMS = {
    "alice": {"name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell",
              "email": "alice@example.org", "email_verified": True,
              "address": {"formatted": "1 Rabbit Hole, Oxford"},
              "phone_number": "+44 1865 000000", "phone_number_verified": False},
    "bob": {"name": "Bob", "email": "bob@example.org", "email_verified": False},
}


def make_app(test_database: Any, **config: Any) -> Flask:
    app = Flask(__name__)
    settings = dict(
        SECRET_KEY="oidc-test-secret", SQLALCHEMY_DATABASE_URI=test_database.url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
        OAUTH2_PROVIDER_OPENID=True,
        OAUTH2_PROVIDER_GRANT_TYPES=["authorization_code", "refresh_token", "implicit"],
        OAUTH2_PROVIDER_SCOPES={"openid": "Sign you in", "profile": "Your name",
                                "email": "Your email address", "address": "Your address",
                                "phone": "Your phone number",
                                "offline_access": "Stay signed in"})
    settings.update(config)
    app.config.update(settings)
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, key_model=SigningKey)
    oauth.init_app(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> Optional[User]:
        return db.session.get(User, int(user_id))

    @oauth.claimsgetter
    def claims(user: Any, scopes: list) -> dict:
        return dict(CLAIMS.get(user.username, {}))

    @oauth.skip_consent
    def skip(client: Any, user: Any, scopes: list, request: Any) -> bool:
        return app.config.get("TEST_SKIP_CONSENT", False)

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
        web, secret = oauth.create_client(
            name="Relying Party", redirect_uris=[CB],
            grant_types=["authorization_code", "refresh_token", "implicit"],
            scopes=["openid", "profile", "email", "address", "phone", "offline_access"])
        spa, _ = oauth.create_client(name="SPA", redirect_uris=[CB], public=True,
                                     scopes=["openid", "profile", "email"])
        app.config["TEST_CLIENTS"] = {"web": (web.client_id, secret),
                                      "spa": (spa.client_id, None)}
    return app


def authorize_path(client_id: str, **params: Any) -> str:
    query = {"client_id": client_id, "redirect_uri": CB, "response_type": "code",
             "scope": "openid", "state": "af0ifjsldkj"}
    query.update(params)
    return "/oauth/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})


def consent(client: Any, path: str) -> Any:
    """GET the consent page and allow every scope on it (POST back with CSRF)."""
    page = client.get(path)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    scopes = re.findall(r'name="scope" type="checkbox" value="([^"]+)"', html)
    return client.post(path, data={"csrf_token": token, "scope": scopes, "allow": "x"})
