"""Fixtures of the OpenID Connect tests: the test provider on the run's database."""

from __future__ import annotations

import pytest

from tests.oidc.oidc_app import make_app


@pytest.fixture
def app(test_database, tables):
    app = make_app(test_database)
    try:
        yield app
    finally:
        with app.app_context():
            db = app.extensions["test_db"]
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(app):
    return app.config["TEST_CLIENTS"]["web"]
