"""Fixtures of the PAR tests: the test provider on the run's database."""

from __future__ import annotations

import pytest

from tests.par.par_app import dispose, make_app


@pytest.fixture
def app(test_database, tables):
    app = make_app(test_database)
    try:
        yield app
    finally:
        dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def web(app):
    return app.config["TEST_CLIENTS"]["web"]


@pytest.fixture
def spa(app):
    return app.config["TEST_CLIENTS"]["spa"]


@pytest.fixture
def strict(app):
    return app.config["TEST_CLIENTS"]["strict"]
