"""Fixtures of the security suite: a provider app over the bundled SQLAlchemy models, clients,
and helpers that run whole OAuth flows through the Flask test client (or a live server).

Every test here is black-box: it speaks HTTP to the app built in ``sec_app.py``.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from tests.helpers import LiveServer
from tests.helpers.database import TestDatabase, env_database_url, make_test_database
from tests.security.sec_app import (
    LOOPBACK_REG,
    REG,
    REG2,
    ClientInfo,
    clear_tables,
    create_app,
    dispose_app,
    enable_password_users,
)
from tests.security.sec_flows import SecEnv


@pytest.fixture(scope="session")
def database_url() -> Optional[str]:
    return env_database_url()


@pytest.fixture(scope="session")
def server_target(database_url):
    """On PostgreSQL/MariaDB, one private schema/database for the session's apps."""
    if not database_url:
        yield None
        return
    target = make_test_database(database_url, "")
    yield target
    target.close()


@pytest.fixture
def make_env(tmp_path, server_target):
    """Factory: ``make_env(GRANT_TYPES=[...], ...)`` builds a fresh provider app.

    SQLite: a new file per app. A server: the session's schema, emptied after each test.
    """
    made: list[SecEnv] = []

    def factory(target_wrapper: Any = None, **config: Any) -> SecEnv:
        if server_target is None:
            target = make_test_database(None, str(tmp_path / f"sec{len(made)}.sqlite"))
        else:
            target = TestDatabase(server_target.url, server_target.engine_options)
        if target_wrapper is not None:
            target = target_wrapper(target)
        try:
            app = create_app(target, **config)
        except Exception:
            target.close()
            raise
        env = SecEnv(app, target)
        made.append(env)
        return env

    yield factory
    for env in made:
        try:
            if server_target is not None:
                clear_tables(env.app)
            dispose_app(env.app, drop=False)
        finally:
            env.target.close()


@pytest.fixture
def password_env(make_env) -> SecEnv:
    """An app with the password grant on and a usergetter over the suite's users."""
    env = make_env(GRANT_TYPES=["authorization_code", "password", "refresh_token"])
    enable_password_users(env.app)
    return env


@pytest.fixture
def env(make_env) -> SecEnv:
    return make_env()


@pytest.fixture
def c1(env) -> ClientInfo:
    """A confidential client with a secret."""
    return env.clients.create(name="C1", redirect_uris=[REG, REG2],
                              grant_types=["authorization_code", "refresh_token",
                                           "client_credentials"])


@pytest.fixture
def c2(env) -> ClientInfo:
    return env.clients.create(name="C2", grant_types=["authorization_code", "refresh_token",
                                                       "client_credentials"])


@pytest.fixture
def p1(env) -> ClientInfo:
    """A public client (no secret)."""
    return env.clients.create(name="P1", public=True)


@pytest.fixture
def p2(env) -> ClientInfo:
    return env.clients.create(name="P2", public=True)


@pytest.fixture
def n1(env) -> ClientInfo:
    """A native public client with a loopback redirect URI (RFC 8252 §7.3)."""
    return env.clients.create(name="N1", public=True, redirect_uris=[LOOPBACK_REG])


@pytest.fixture
def live_server(env):
    server = LiveServer(env.app).start()
    yield server
    server.stop()
