"""Fixtures of the Flask-layer tests: each app comes in two storage flavours.

``callbacks``: the Flask-OAuthlib style getters/setters; ``validator``: a
``RequestValidator`` subclass written directly against the core.
"""

from __future__ import annotations

import pytest

from tests.flask.flask_support import create_app


@pytest.fixture(params=["callbacks", "validator"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(mode: str):
    return create_app(mode)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cb_app():
    """The callbacks flavour only (behaviour owned by the bundled policy)."""
    return create_app("callbacks")


@pytest.fixture
def cb_client(cb_app):
    return cb_app.test_client()
