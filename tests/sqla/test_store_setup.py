"""Setting the store up the ways docs/storage.rst shows: clear errors, and the provider's
helpers working whichever way the store was given."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import sessionmaker

from flask_oauth_provider import OAuth2Provider
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers.sqla_models import MODELS


def test_create_client_works_for_a_store_given_as_the_validator(session):
    store = SQLAlchemyStore(session, **MODELS)
    app = Flask(__name__)
    oauth = OAuth2Provider(app, validator=store)
    assert oauth.store is store
    with app.app_context():
        client, secret = oauth.create_client(name="Reports", scopes=["reports"],
                                             grant_types=["client_credentials"])
    assert secret and store.load_client(client.client_id) is not None


def test_create_client_without_a_store_says_what_to_do():
    oauth = OAuth2Provider(Flask(__name__), validator=object())
    with pytest.raises(RuntimeError, match="init_sqlalchemy"):
        oauth.create_client(name="x")


def test_a_sessionmaker_is_refused_with_the_fix(db_engine):
    with pytest.raises(TypeError, match=r"scoped_session\(sessionmaker\(engine\)\)"):
        SQLAlchemyStore(sessionmaker(db_engine), **MODELS)
