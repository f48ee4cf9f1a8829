"""``flask oauth ...`` commands, through ``app.test_cli_runner()``."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider
from flask_oauth_provider.cli import oauth_cli
from tests.helpers.sqla_models import MODELS, User


@pytest.fixture
def app(test_database, tables):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="cli-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options))
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    app.cli.add_command(oauth_cli)
    app.extensions["test_db"] = db
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def store(app):
    return app.extensions["oauth2_provider"].validator


def _create(runner, *args):
    result = runner.invoke(args=["oauth", "create-client", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_create_client_prints_id_and_secret(runner):
    result = runner.invoke(args=["oauth", "create-client", "--name", "Web app",
                                 "--redirect-uri", "https://app.example/cb",
                                 "--scope", "profile read"])
    assert result.exit_code == 0, result.output
    assert "client_id:" in result.output and "client_secret:" in result.output


def test_create_client_json_gives_id_secret_and_settings(runner, app, store):
    info = _create(runner, "--name", "Web app", "--redirect-uri", "https://app.example/cb",
                   "--scope", "profile", "--scope", "read")
    assert info["scopes"] == ["profile", "read"]
    assert info["grant_types"] == ["authorization_code", "refresh_token"]
    with app.app_context():
        client = store.load_client(info["client_id"])
        assert client.check_client_secret(info["client_secret"])


def test_create_public_client_has_no_secret(runner):
    info = _create(runner, "--name", "Native", "--public",
                   "--redirect-uri", "com.example.app:/cb")
    assert info["client_secret"] is None and info["client_type"] == "public"


def test_create_client_for_a_user(runner, app):
    with app.app_context():
        db = app.extensions["test_db"]
        user = User(username="dora")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    info = _create(runner, "--name", "Mine", "--redirect-uri", "https://app.example/cb",
                   "--user", str(user_id))
    assert info["client_id"]


@pytest.mark.parametrize("args, message", [
    (["--name", "Bad", "--redirect-uri", "http://app.example/cb"], "https"),
    (["--name", "Bad", "--redirect-uri", "javascript:alert(1)"], "never allowed"),
    (["--name", "Bad", "--grant-type", "magic"], "Grant types"),
    (["--name", "Bad"], "redirect URI"),
    (["--name", "Bad", "--redirect-uri", "https://a.example/cb", "--user", "999"], "No user"),
    (["--name", "Bad", "--redirect-uri", "https://a.example/cb", "--user", "x"], "user id"),
])
def test_create_client_with_bad_input_fails_clearly(runner, args, message):
    result = runner.invoke(args=["oauth", "create-client", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_list_clients_shows_clients_without_secrets(runner):
    info = _create(runner, "--name", "Listed", "--redirect-uri", "https://app.example/cb")
    result = runner.invoke(args=["oauth", "list-clients"])
    assert result.exit_code == 0
    assert info["client_id"] in result.output and "Listed" in result.output
    assert info["client_secret"] not in result.output
    listed = json.loads(runner.invoke(args=["oauth", "list-clients", "--json"]).output)
    assert [c["client_id"] for c in listed] == [info["client_id"]]


def test_delete_client_removes_it(runner):
    info = _create(runner, "--name", "Gone", "--redirect-uri", "https://app.example/cb")
    result = runner.invoke(args=["oauth", "delete-client", info["client_id"], "--yes"])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(args=["oauth", "list-clients", "--json"]).output) == []


def test_delete_unknown_client_fails(runner):
    result = runner.invoke(args=["oauth", "delete-client", "nope", "--yes"])
    assert result.exit_code != 0 and "No client" in result.output


def _issue_client_credentials_token(app, store, client_id, secret):
    from tests.sqla.sqla_support import Flow

    with app.app_context():
        server = app.extensions["oauth2_provider"].server
        flow = Flow(server, store.load_client(client_id), secret)
        status, body = flow.token(grant_type="client_credentials", scope="read")
        assert status == 200, body
        return flow, body["access_token"]


def test_revoke_a_token(runner, app, store):
    info = _create(runner, "--name", "Svc", "--grant-type", "client_credentials",
                   "--scope", "read")
    flow, token = _issue_client_credentials_token(app, store, info["client_id"],
                                                  info["client_secret"])
    result = runner.invoke(args=["oauth", "revoke", "--token", token])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert flow.introspect(token) == {"active": False}


def test_revoke_every_token_of_a_client(runner, app, store):
    info = _create(runner, "--name", "Svc", "--grant-type", "client_credentials",
                   "--scope", "read")
    _issue_client_credentials_token(app, store, info["client_id"], info["client_secret"])
    _issue_client_credentials_token(app, store, info["client_id"], info["client_secret"])
    result = runner.invoke(args=["oauth", "revoke", "--client", info["client_id"]])
    assert result.exit_code == 0 and "Revoked 2 token(s)" in result.output


@pytest.mark.parametrize("args", [
    [],
    ["--token", "abc", "--client", "x"],
    ["--token", "unknown-token"],
    ["--client", "unknown-client"],
])
def test_revoke_with_bad_input_fails(runner, args):
    result = runner.invoke(args=["oauth", "revoke", *args])
    assert result.exit_code != 0
    assert result.output.strip()


def test_purge_reports_counts(runner):
    result = runner.invoke(args=["oauth", "purge", "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    assert "Deleted 0 code(s) and 0 token(s)." in result.output


def test_purge_refuses_a_zero_batch(runner):
    assert runner.invoke(args=["oauth", "purge", "--batch-size", "0"]).exit_code != 0


def test_commands_explain_when_the_sqlalchemy_store_is_missing():
    app = Flask(__name__)
    app.cli.add_command(oauth_cli)
    result = app.test_cli_runner().invoke(args=["oauth", "list-clients"])
    assert result.exit_code != 0 and "OAuth2Provider" in result.output


def test_init_app_registers_the_oauth_command_group():
    from flask import Flask

    from flask_oauth_provider import OAuth2Provider

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test"
    OAuth2Provider(app)
    result = app.test_cli_runner().invoke(args=["oauth", "--help"])
    assert result.exit_code == 0, result.output
    assert "create-client" in result.output
