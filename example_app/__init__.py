"""A small OAuth 2.0 provider built with flask-oauth-provider, to click through.

Start it with::

    pip install -e ".[example]" && flask --app example_app run

and open http://127.0.0.1:5000. On the first start it creates its database (SQLite in
the instance folder, or the database named by ``DATABASE_URL``) with a demo user and a
demo client, and prints their credentials to the console.

What is in it:

* users with hashed passwords (``werkzeug.security``), Flask-Login log in / log out;
* a page where a logged-in user registers a client and sees its secret once;
* "Authorized applications": the clients a user granted access to, each with Revoke;
* "Applications" (for the users in ``EXAMPLE_ADMINS``): every client with where it came
  from (by hand, with an initial access token, openly registered), each with Delete;
* open dynamic client registration (RFC 7591) at ``/oauth/register``, for MCP clients;
* the extension's consent page at ``/oauth/authorize``;
* a protected JSON API, ``GET /api/me``, which needs a token with scope ``profile``;
* a "demo client" page that runs the authorization code flow with PKCE against this
  same server, so that a person can see every step in the browser;
* the device authorization grant (RFC 8628) with a demo device client:
  ``python -m example_app.device_login`` logs in from a terminal through the browser.
"""

from __future__ import annotations

import os
import secrets
from typing import Any, Optional

from flask import Flask

from .models import (
    AuthorizationCode,
    Client,
    DeviceAttempt,
    DeviceCode,
    InitialAccessToken,
    PushedRequest,
    SigningKey,
    Token,
    User,
    db,
)
from .setup import init_database
from .views import bp, login_manager, oauth

#: Scopes this provider knows, with the text the pages show for each.
SCOPES = {
    "openid": "Sign you in to the application",
    "profile": "See your user name",
    "email": "See your email address",
}


def database_url_from_env(instance_path: str) -> str:
    """The SQLAlchemy URL to use: ``DATABASE_URL`` if set, else SQLite in the instance folder.

    ``postgres://`` and ``postgresql://`` URLs are given the psycopg 3 driver and
    ``mysql://`` the PyMySQL driver, the drivers this project's extras install.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "example.sqlite")
    for plain, with_driver in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb://", "mysql+pymysql://"),
    ):
        if url.startswith(plain):
            return with_driver + url[len(plain):]
    return url


def _secret_key(instance_path: str) -> str:
    # A key made once per installation and kept in the instance folder: sessions survive
    # restarts, and no key is ever committed to the repository.
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made on an earlier start (or by the reloader's other process)
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key


def create_app(test_config: Optional[dict[str, Any]] = None,
               instance_path: Optional[str] = None) -> Flask:
    """Build the example provider.

    ``test_config`` overrides the configuration (tests use it); ``instance_path`` moves
    the instance folder (where the SQLite file and the secret key live).
    """
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=None,
        SQLALCHEMY_DATABASE_URI=None,
        # The demo user and client printed on the first start.
        EXAMPLE_CREATE_DEMO_DATA=True,
        EXAMPLE_SCOPES=SCOPES,
        # Plain http is accepted by the provider on 127.0.0.1 / localhost only.
        OAUTH2_PROVIDER_TOKEN_EXPIRES_IN=3600,
        # OpenID Connect: ID tokens, /oauth/userinfo, /oauth/jwks, discovery.
        OAUTH2_PROVIDER_OPENID=True,
        OAUTH2_PROVIDER_SCOPES=SCOPES,
        OAUTH2_PROVIDER_GRANT_TYPES=[
            "authorization_code", "refresh_token", "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        # Host headers this app answers (Flask >= 3.1); others get 400. Set
        # EXAMPLE_TRUSTED_HOSTS (comma-separated) to the names it is served under.
        TRUSTED_HOSTS=[host.strip() for host in os.environ.get(
            "EXAMPLE_TRUSTED_HOSTS", "127.0.0.1,localhost").split(",") if host.strip()],
        # Users who see the Applications page (every client, its origin, Delete).
        EXAMPLE_ADMINS=("demo",),
        # Agents and IDEs (MCP clients) register themselves (RFC 7591), at most the
        # example's scopes, and find it in the metadata.
        OAUTH2_PROVIDER_DYNAMIC_REGISTRATION="open",
        OAUTH2_PROVIDER_REGISTRATION_SCOPES=tuple(SCOPES),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(app.instance_path)

    db.init_app(app)
    login_manager.init_app(app)
    oauth.init_app(app)
    oauth.init_sqlalchemy(db, client_model=Client, code_model=AuthorizationCode,
                          token_model=Token, key_model=SigningKey, device_code_model=DeviceCode,
                          device_attempt_model=DeviceAttempt,
                          initial_access_token_model=InitialAccessToken,
                          par_model=PushedRequest)
    app.register_blueprint(bp)

    try:
        from flask_migrate import Migrate
    except ImportError:  # the app also runs without the "example" extra
        Migrate = None
    if Migrate is not None:
        Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))

    with app.app_context():
        init_database(app)
    return app


__all__ = ["create_app", "db", "User", "Client", "AuthorizationCode", "Token",
           "InitialAccessToken", "PushedRequest", "oauth"]
