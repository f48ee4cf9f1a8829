from __future__ import annotations

import pytest
from sqla_models import MODELS, Base, User
from sqla_support import REDIRECT, REDIRECT2, Flow, StatementCounter
from sqlalchemy.orm import Session

from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import SQLAlchemyStore


@pytest.fixture(scope="session")
def schema(test_database):
    """The test models' tables, created once per run (DDL is slow on MariaDB)."""
    engine = test_database.create_engine()
    Base.metadata.create_all(engine)
    try:
        yield
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def tables(db_engine, schema):
    """Empty tables for one test: every row is deleted afterwards."""
    try:
        yield
    finally:
        with db_engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def session(db_engine, tables):
    with Session(db_engine) as session:
        yield session


@pytest.fixture
def store(session):
    return SQLAlchemyStore(session, **MODELS)


@pytest.fixture
def server(store):
    return Server(store)


@pytest.fixture
def alice(session):
    user = User(username="alice")
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def bob(session):
    user = User(username="bob")
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def confidential(store, server):
    client, secret = store.create_client(
        name="Confidential app", redirect_uris=[REDIRECT, REDIRECT2],
        grant_types=["authorization_code", "refresh_token", "client_credentials"],
        scopes=["profile", "read", "write"])
    return Flow(server, client, secret)


@pytest.fixture
def other_confidential(store, server):
    client, secret = store.create_client(
        name="Other app", redirect_uris=[REDIRECT],
        grant_types=["authorization_code", "refresh_token"], scopes=["profile", "read"])
    return Flow(server, client, secret)


@pytest.fixture
def public(store, server):
    client, secret = store.create_client(
        name="Native app", redirect_uris=[REDIRECT], public=True,
        grant_types=["authorization_code", "refresh_token"], scopes=["profile", "read"])
    assert secret is None
    return Flow(server, client, None)


@pytest.fixture
def statements(db_engine):
    return StatementCounter(db_engine)
