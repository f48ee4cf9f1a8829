"""First start: create the schema (through the app's migrations) and the demo data."""

from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask import Flask

from .models import User, db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # an example on 127.0.0.1; change it before exposing the app
DEMO_CLIENT_NAME = "Demo client"
DEMO_SERVICE_NAME = "Demo service"
DEMO_DEVICE_CLIENT_NAME = "Demo device"
DEMO_REDIRECT_URIS = [
    # A loopback redirect URI: the provider lets its port vary (RFC 8252 §7.3), so the
    # demo client works on whatever port the app is started.
    "http://127.0.0.1:5000/demo/callback",
    "http://localhost:5000/demo/callback",
]


def create_schema() -> None:
    """Create every table: by running the migrations when Flask-Migrate is installed."""
    try:
        import flask_migrate
    except ImportError:
        flask_migrate = None
    if flask_migrate is not None and os.path.isdir(os.path.join(MIGRATIONS, "versions")):
        flask_migrate.upgrade(directory=MIGRATIONS)
    else:
        db.create_all()


def create_demo_data(app: Flask) -> None:
    """Create the demo user and two demo clients, and print their credentials once."""
    oauth = app.extensions["oauth2_provider"]
    user = User(username=DEMO_USERNAME, email="demo@example.org")
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.commit()
    if app.config.get("OAUTH2_PROVIDER_PROFILE"):
        # A security profile (FAPI 2.0) admits none of the demo clients' methods: register
        # private_key_jwt clients yourself (oauth.create_client(..., jwks=...)).
        click.echo(f" * Demo user: {DEMO_USERNAME} / {DEMO_PASSWORD} (no demo clients under "
                   f"the {app.config['OAUTH2_PROVIDER_PROFILE']} profile)")
        return

    web, _ = oauth.create_client(
        name=DEMO_CLIENT_NAME,
        redirect_uris=DEMO_REDIRECT_URIS,
        grant_types=["authorization_code", "refresh_token"],
        scopes=["openid", "profile", "email"],
        public=True,
    )
    service, service_secret = oauth.create_client(
        name=DEMO_SERVICE_NAME,
        redirect_uris=["http://127.0.0.1:8000/callback"],
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        scopes=["profile", "email"],
        public=False,
    )
    device, _ = oauth.create_client(
        name=DEMO_DEVICE_CLIENT_NAME,
        grant_types=["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        scopes=["profile", "email"],
        public=True,
    )
    db.session.commit()

    echo = click.echo
    url = db.engine.url.render_as_string(hide_password=True)
    echo(f" * Example provider: created its database with demo data ({url}).")
    echo(f" * Demo user:     {DEMO_USERNAME} / {DEMO_PASSWORD}")
    echo(f" * Demo client:   {DEMO_CLIENT_NAME} (public, PKCE)")
    echo(f"     client_id     {web.client_id}")
    echo(f"     redirect_uri  {DEMO_REDIRECT_URIS[0]}")
    echo(f" * Demo service:  {DEMO_SERVICE_NAME} (confidential)")
    echo(f"     client_id     {service.client_id}")
    echo(f"     client_secret {service_secret}")
    echo("     (the secret is stored as a digest: this is the only time it is shown)")
    echo("   Try: curl -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials "
         "-d scope=profile http://127.0.0.1:5000/oauth/token")
    echo(f" * Demo device:   {DEMO_DEVICE_CLIENT_NAME} (public, device authorization grant)")
    echo(f"     client_id     {device.client_id}")
    echo("   Try: python -m example_app.device_login")


def init_database(app: Flask) -> None:
    """Create the schema and the demo data when the database is still empty."""
    if not sa.inspect(db.engine).has_table(User.__tablename__):
        create_schema()
        if app.config["EXAMPLE_CREATE_DEMO_DATA"]:
            create_demo_data(app)
    ensure_signing_key(app)


def ensure_signing_key(app: Flask) -> None:
    """OpenID Connect signs ID tokens: make the first key when there is none (later ones
    come from `flask oauth keys rotate`)."""
    oauth = app.extensions["oauth2_provider"]
    if not app.config.get("OAUTH2_PROVIDER_OPENID") or oauth.key_store is None:
        return
    if not sa.inspect(db.engine).has_table("oauth_signing_key"):
        return  # an old schema: `flask --app example_app db upgrade` adds the table
    if not oauth.key_store.list():
        # The default alg of ID tokens (RS256, or ES256 under the FAPI 2.0 profile).
        oauth.rotate_signing_key(app.config["OAUTH2_PROVIDER_ID_TOKEN_SIGNING_ALG"])
