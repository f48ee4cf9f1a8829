from __future__ import annotations

import pytest

from tests.resources.resources_support import (
    BILLING,
    MCP,
    ORDERS,
    Browser,
    make_provider_app,
    register_client,
)


@pytest.fixture
def provider_app(test_database, tables):
    app = make_provider_app(test_database, RESOURCES={
        ORDERS: ["orders:read", "profile"], BILLING: None, MCP: "tools profile"})
    yield app
    with app.app_context():
        db = app.extensions["test_db"]
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def browser(provider_app):
    return Browser(provider_app, *register_client(provider_app))
