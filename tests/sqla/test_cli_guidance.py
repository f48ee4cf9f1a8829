"""``flask oauth`` tells the developer what to fix: missing tables, a grant the server has
off, a redirect URI written as a pattern."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider
from tests.helpers.sqla_models import MODELS


def make_app(database_url: str, engine_options: dict, **config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="cli-test", SQLALCHEMY_DATABASE_URI=database_url,
                      SQLALCHEMY_ENGINE_OPTIONS=engine_options, **config)
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    app.extensions["test_db"] = db
    return app


@pytest.fixture
def app(test_database, tables):
    app = make_app(test_database.url, dict(test_database.engine_options))
    yield app
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_missing_tables_are_named_with_the_command_that_creates_them(tmp_path):
    # A database of its own, empty: the run's shared test database has the tables.
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}", {})
    for command in (["create-client", "--name", "x", "--grant-type", "client_credentials"],
                    ["list-clients"], ["purge"]):
        result = app.test_cli_runner().invoke(args=["oauth", *command])
        assert result.exit_code == 1, result.output
        assert "The database has no table sqla_client, sqla_code, sqla_token" in result.output
        assert "flask db upgrade" in result.output and "db.create_all()" in result.output
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)  # click's clean exit, not a crash


def test_a_grant_type_the_server_has_off_is_created_with_a_warning(app):
    result = app.test_cli_runner().invoke(args=[
        "oauth", "create-client", "--json", "--name", "Legacy", "--grant-type", "password"])
    assert result.exit_code == 0, result.output
    assert "Warning: this server does not accept the password grant" in result.stderr
    assert "OAUTH2_PROVIDER_GRANT_TYPES" in result.stderr
    assert json.loads(result.stdout)["grant_types"] == ["password"]


def test_no_warning_when_the_grant_is_on(test_database, tables):
    app = make_app(test_database.url, dict(test_database.engine_options),
                   OAUTH2_PROVIDER_GRANT_TYPES=["password", "refresh_token"])
    try:
        result = app.test_cli_runner().invoke(args=[
            "oauth", "create-client", "--name", "Legacy", "--grant-type", "password"])
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.stderr
    finally:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()


@pytest.mark.parametrize("uri", ["https://*.example.com/cb", "https://app.example.com/*",
                                 "https://app.example.com/cb?next=*"])
def test_a_wildcard_redirect_uri_is_refused_with_the_rule(app, uri):
    result = app.test_cli_runner().invoke(args=[
        "oauth", "create-client", "--name", "Web", "--redirect-uri", uri])
    assert result.exit_code == 1
    assert "contains a wildcard" in result.output and "compared exactly" in result.output
    with app.app_context(), pytest.raises(ValueError, match="wildcard"):
        app.extensions["oauth2_provider"].create_client(name="Web", redirect_uris=[uri])
