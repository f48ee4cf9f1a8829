"""The mixins on a plain DeclarativeBase and on Flask-SQLAlchemy's ``db.Model``."""

from __future__ import annotations

from typing import Optional

import pytest
from sqlalchemy import ForeignKey, Integer, String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import (
    AuthorizationCodeMixin,
    ClientMixin,
    SQLAlchemyStore,
    TokenMixin,
)
from tests.helpers.sqla_models import AuthorizationCode, Client, Token
from tests.sqla.sqla_support import REDIRECT, Flow, call_api


def _indexed_columns(model):
    table = model.__table__
    return {col.name for index in table.indexes for col in index.columns}


def test_lookup_columns_are_indexed():
    assert {"client_id"} <= _indexed_columns(Client)
    assert {"code_digest", "client_id", "family_id"} <= _indexed_columns(AuthorizationCode)
    assert {"access_token_digest", "refresh_token_digest", "client_id",
            "family_id"} <= _indexed_columns(Token)


def test_client_exposes_flask_oauthlib_attributes(store):
    client, _ = store.create_client(name="App", redirect_uris=[REDIRECT], scopes="profile read",
                                    default_scopes=["profile"])
    assert client.client_type == "confidential" and client.is_confidential
    assert client.redirect_uris == [REDIRECT]
    assert client.default_redirect_uri == REDIRECT
    assert client.default_scopes == ["profile"]
    assert client.allowed_scopes == ["profile", "read"]
    assert client.allowed_grant_types == ["authorization_code", "refresh_token"]
    assert client.allowed_response_types == ["code"]
    assert client.token_endpoint_auth_method == "client_secret_basic"
    assert not hasattr(client, "client_secret")


def test_client_secret_is_checked_against_its_digest(store):
    client, secret = store.create_client(name="App", redirect_uris=[REDIRECT])
    assert client.client_secret_hash != secret
    assert client.check_client_secret(secret)
    assert not client.check_client_secret(secret + "x")
    assert not client.check_client_secret("")


def test_store_refuses_a_model_without_its_mixin(session):
    with pytest.raises(TypeError, match="TokenMixin"):
        SQLAlchemyStore(session, client_model=Client, code_model=AuthorizationCode,
                        token_model=Client)


def test_mixins_work_with_flask_sqlalchemy_db_model(test_database):
    flask = pytest.importorskip("flask")
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    class FUser(db.Model):
        __tablename__ = "fsa_user"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        username: Mapped[str] = mapped_column(String(80))

    class FClient(db.Model, ClientMixin):
        __tablename__ = "fsa_client"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)

    class FCode(db.Model, AuthorizationCodeMixin):
        __tablename__ = "fsa_code"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("fsa_user.id"))
        user: Mapped[FUser] = relationship()

    class FToken(db.Model, TokenMixin):
        __tablename__ = "fsa_token"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("fsa_user.id"))
        user: Mapped[Optional[FUser]] = relationship()

    app = flask.Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options))
    db.init_app(app)
    with app.app_context():
        db.create_all()
        try:
            store = SQLAlchemyStore(db.session, client_model=FClient, code_model=FCode,
                                    token_model=FToken)
            user = FUser(username="carol")
            db.session.add(user)
            db.session.commit()
            client, secret = store.create_client(name="FSA app", redirect_uris=[REDIRECT],
                                                 scopes=["profile"])
            server = Server(store)
            body = Flow(server, client, secret).login(user)
            ok, request = call_api(server, body["access_token"])
            assert ok and request.user.username == "carol"
            assert inspect(FToken).columns["access_token_digest"].unique
        finally:
            db.session.remove()
            db.drop_all()


def test_alembic_autogenerate_renders_the_tables_without_importing_this_package():
    pytest.importorskip("alembic")
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from tests.helpers.sqla_models import Base

    engine = create_engine("sqlite://")  # an empty database: every table is new
    with engine.connect() as conn:
        ops = produce_migrations(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    code = render_python_code(ops.upgrade_ops)
    assert "create_table('sqla_token'" in code
    assert "flask_oauth_provider" not in code
