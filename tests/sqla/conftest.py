from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers.sqla_models import MODELS, User
from tests.sqla.sqla_support import REDIRECT, REDIRECT2, Flow, StatementCounter


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
