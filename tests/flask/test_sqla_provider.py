"""The store behind ``OAuth2Provider.init_sqlalchemy``: HTTP endpoints and statement counts."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider, current_token
from tests.helpers import basic_auth
from tests.helpers.sqla_models import MODELS, User
from tests.sqla.sqla_support import REDIRECT, Flow, StatementCounter


@pytest.fixture
def app(test_database, tables):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="provider-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_ISSUER="https://as.example")
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me():
        return jsonify(user=current_token.user.username, client=current_token.client.name)

    app.extensions["test_db"] = db
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def setup(app):
    """A confidential client, a user and a code for them, made through the provider."""
    with app.app_context():
        db = app.extensions["test_db"]
        state = app.extensions["oauth2_provider"]
        user = User(username="erin")
        db.session.add(user)
        db.session.commit()
        client, secret = state.create_client(name="Web", redirect_uris=[REDIRECT],
                                             scopes=["profile"])
        flow = Flow(state.server, client, secret)
        code, verifier = flow.authorize(user)
        engine = db.engine
    return {"client_id": flow.client_id, "secret": secret, "code": code,
            "verifier": verifier, "engine": engine}


def _exchange(client, setup):
    return client.post("/oauth/token", headers=basic_auth(setup["client_id"], setup["secret"]),
                       data={"grant_type": "authorization_code", "code": setup["code"],
                             "code_verifier": setup["verifier"], "redirect_uri": REDIRECT})


def test_provider_uses_the_app_config(app):
    with app.app_context():
        store = app.extensions["oauth2_provider"].validator
        assert store.config.issuer == "https://as.example"


def test_code_exchange_over_http_costs_at_most_four_statements(app, setup):
    counter = StatementCounter(setup["engine"])
    with app.test_client() as client, counter.count():
        response = _exchange(client, setup)
    assert response.status_code == 200, response.get_json()
    assert len(counter) <= 4, counter.statements


def test_refresh_over_http_costs_at_most_four_statements(app, setup):
    counter = StatementCounter(setup["engine"])
    with app.test_client() as client:
        tokens = _exchange(client, setup).get_json()
        with counter.count():
            response = client.post(
                "/oauth/token", headers=basic_auth(setup["client_id"], setup["secret"]),
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200, response.get_json()
    assert len(counter) <= 4, counter.statements


def test_protected_view_costs_one_statement(app, setup):
    counter = StatementCounter(setup["engine"])
    with app.test_client() as client:
        token = _exchange(client, setup).get_json()["access_token"]
        with counter.count():
            response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"user": "erin", "client": "Web"}
    assert len(counter) == 1, counter.statements


def test_replayed_code_over_http_is_invalid_grant_and_revokes(app, setup):
    with app.test_client() as client:
        token = _exchange(client, setup).get_json()["access_token"]
        replay = _exchange(client, setup)
        assert replay.status_code == 400
        assert replay.get_json()["error"] == "invalid_grant"
        response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
