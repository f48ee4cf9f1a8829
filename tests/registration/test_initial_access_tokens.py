"""``DYNAMIC_REGISTRATION = "token"``: initial access tokens (RFC 7591 §3), single or
multi-use, with expiry, from ``oauth.create_initial_access_token`` or the CLI."""

from __future__ import annotations

import datetime
import json

import pytest
from sqlalchemy import select

from flask_oauth_provider.sqla.models import token_digest
from tests.helpers.sqla_models import InitialAccessToken

REDIRECT = "https://client.example/cb"
METADATA = {"redirect_uris": [REDIRECT]}


@pytest.fixture
def token_app(app_factory):
    return app_factory(DYNAMIC_REGISTRATION="token")


def make_token(app, **kwargs):
    with app.app_context():
        return app.extensions["test_oauth"].create_initial_access_token(**kwargs)


def register(app, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return app.test_client().post("/oauth/register", json=METADATA, headers=headers)


def test_registration_without_an_initial_access_token_is_refused(token_app):
    response = register(token_app)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_initial_access_token_is_invalid_token(token_app):
    response = register(token_app, "not-a-token")
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_a_single_use_token_registers_one_client(token_app):
    token = make_token(token_app)
    first = register(token_app, token)
    assert first.status_code == 201
    second = register(token_app, token)
    assert second.status_code == 401
    with token_app.app_context():
        row = token_app.extensions["oauth2_provider"].store.load_client(
            first.get_json()["client_id"])
        assert row.registration_origin == "token"


def test_a_multi_use_token_registers_until_its_uses_are_spent(token_app):
    token = make_token(token_app, uses=3)
    statuses = [register(token_app, token).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 401]


def test_an_expired_token_registers_nothing(token_app):
    token = make_token(token_app, uses=None, expires_in=60)
    assert register(token_app, token).status_code == 201
    store = token_app.extensions["oauth2_provider"].store
    later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + \
        datetime.timedelta(seconds=61)
    store.now = lambda: later
    assert register(token_app, token).status_code == 401


def test_a_refused_token_leaves_no_client_behind(token_app):
    token = make_token(token_app)
    register(token_app, token)
    with token_app.app_context():
        store = token_app.extensions["oauth2_provider"].store
        before = len(store.list_clients())
    register(token_app, token)
    with token_app.app_context():
        assert len(store.list_clients()) == before


def test_the_token_is_stored_as_its_digest(token_app):
    token = make_token(token_app, description="for the partner")
    with token_app.app_context():
        session = token_app.extensions["test_db"].session
        row = session.scalars(select(InitialAccessToken)).one()
        assert row.token_digest == token_digest(token)
        assert token not in (row.token_digest, row.description)


@pytest.mark.parametrize("kwargs", [{"uses": 0}, {"uses": None, "expires_in": None},
                                    {"expires_in": -5}, {"uses": True}])
def test_bad_token_settings_raise_value_error(token_app, kwargs):
    with pytest.raises(ValueError):
        make_token(token_app, **kwargs)


def test_the_cli_makes_a_working_token(token_app):
    result = token_app.test_cli_runner().invoke(
        args=["oauth", "registration-token", "--uses", "2", "--json"])
    assert result.exit_code == 0, result.output
    token = json.loads(result.output)["initial_access_token"]
    assert [register(token_app, token).status_code for _ in range(3)] == [201, 201, 401]


def test_the_cli_refuses_unlimited_without_expiry(token_app):
    result = token_app.test_cli_runner().invoke(
        args=["oauth", "registration-token", "--unlimited", "--expires-in", "0"])
    assert result.exit_code != 0
    assert "expiry" in result.output


def test_without_a_token_model_the_provider_says_what_to_do(test_database, tables):
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_oauth_provider import OAuth2Provider
    from tests.helpers.sqla_models import MODELS

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options))
    db = SQLAlchemy(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    with app.app_context(), pytest.raises(RuntimeError, match="initial_access_token_model"):
        oauth.create_initial_access_token()
    with app.app_context():
        db.engine.dispose()
