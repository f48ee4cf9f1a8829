"""Fixtures of the end-to-end tests: the example app on a real HTTP server.

One server serves the whole run. Its database is a database of its own (a SQLite file, or
a private PostgreSQL schema / MariaDB database on ``OAUTH_TEST_DATABASE_URL``'s server),
set up by the example app's own Flask-Migrate migration on first start, as a person would
get it: no table another test folder left in the run's shared database can meet it.
"""

from __future__ import annotations

import secrets
import uuid

import pytest
import requests
import sqlalchemy

from tests.e2e.e2e_support import log_in, submit, text_of
from tests.helpers import LiveServer
from tests.helpers.database import env_database_url, make_test_database

DEMO_USER = ("demo", "demo")


@pytest.fixture(scope="session")
def example_database(tmp_path_factory: pytest.TempPathFactory):
    database = make_test_database(
        env_database_url(), str(tmp_path_factory.mktemp("example-db") / "example.sqlite"))
    yield database
    database.close()


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory, example_database):
    from example_app import create_app
    from example_app.models import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": example_database.url,
            "SQLALCHEMY_ENGINE_OPTIONS": example_database.engine_options,
            "SECRET_KEY": secrets.token_hex(32),
            # A device polls every second here (5 s by default): the device flow tests
            # wait for real intervals, never for less.
            "OAUTH2_PROVIDER_DEVICE_CODE_INTERVAL": 1,
        },
        instance_path=str(tmp_path_factory.mktemp("example-instance")),
    )
    yield app
    with app.app_context():
        # Leave the database as we found it (a server's private schema is dropped next).
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sqlalchemy.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


@pytest.fixture(scope="session")
def server(example_app):
    # Both client libraries refuse plain http unless told: the server is on loopback,
    # where the provider itself accepts http (RFC 8252 §8.3).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        mp.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        live = LiveServer(example_app).start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture(scope="session")
def demo_client_id(example_app) -> str:
    from example_app.models import Client, db
    from example_app.setup import DEMO_CLIENT_NAME

    with example_app.app_context():
        return db.session.scalar(db.select(Client.client_id).filter_by(name=DEMO_CLIENT_NAME))


@pytest.fixture(scope="session")
def demo_device_client_id(example_app) -> str:
    from example_app.models import Client, db
    from example_app.setup import DEMO_DEVICE_CLIENT_NAME

    with example_app.app_context():
        return db.session.scalar(
            db.select(Client.client_id).filter_by(name=DEMO_DEVICE_CLIENT_NAME))


@pytest.fixture
def browser(server) -> requests.Session:
    """A requests session logged in as the demo user through the login page."""
    session = requests.Session()
    answer = log_in(session, server.url, *DEMO_USER)
    assert answer.status_code == 302, answer.text
    yield session
    session.close()


@pytest.fixture
def register_client(server, browser):
    """Register a client through the "Register a client" page; returns its credentials."""

    def register(public: bool = False, grant_types: tuple[str, ...] = (
            "authorization_code", "refresh_token", "client_credentials"),
                 scopes: tuple[str, ...] = ("profile", "email")) -> dict[str, str]:
        if public:
            grant_types = tuple(g for g in grant_types if g != "client_credentials")
        name = "e2e " + uuid.uuid4().hex[:8]
        page = browser.get(server.url + "/clients/new", timeout=30)
        answer = submit(browser, page, "redirect_uris", {
            "name": name,
            "redirect_uris": server.url + "/demo/callback",
            "grant_types": list(grant_types),
            "client_type": "public" if public else "confidential",
            "scopes": list(scopes),
        })
        assert answer.status_code == 200, answer.text
        creds = {"name": name, "client_id": text_of(answer.text, "client-id"),
                 "redirect_uri": server.url + "/demo/callback"}
        if not public:
            creds["client_secret"] = text_of(answer.text, "client-secret")
        return creds

    return register
