"""Apps with dynamic registration switched on, over the store's test models."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider, current_token
from tests.helpers.sqla_models import MODELS, InitialAccessToken

#: The scopes the test apps let dynamically registered clients have.
SCOPES = ("profile", "read")


def make_app(test_database: Any, **config: Any) -> Flask:
    """A provider with the bundled store; ``config`` keys without the prefix."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="registration-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_ISSUER="https://as.example",
                      OAUTH2_PROVIDER_REGISTRATION_SCOPES=SCOPES)
    app.config.update({"OAUTH2_PROVIDER_" + key: value for key, value in config.items()})
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, initial_access_token_model=InitialAccessToken)
    oauth.init_app(app)

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me():
        return jsonify(client=current_token.client.client_id)

    app.extensions["test_db"] = db
    app.extensions["test_oauth"] = oauth
    return app


@pytest.fixture
def app_factory(test_database, tables) -> Callable[..., Flask]:
    apps: list[Flask] = []

    def factory(**config: Any) -> Flask:
        app = make_app(test_database, **config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


@pytest.fixture
def open_app(app_factory) -> Flask:
    return app_factory(DYNAMIC_REGISTRATION="open")


@pytest.fixture
def client(open_app):
    return open_app.test_client()
