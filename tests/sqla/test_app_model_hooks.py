"""An app's models with ORM load hooks (``@reconstructor``) behind the store.

The store makes the client, code and refresh-token objects from the columns of one
Core SELECT (not through the ORM's query path); an app model's ``@reconstructor`` still
runs for each object, as after an ORM load, and nothing costs a second statement.
"""

from __future__ import annotations

from typing import Optional

import pytest
from sqlalchemy import ForeignKey, Integer, String, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    reconstructor,
    relationship,
)

from flask_oauth_provider.sqla import (
    AuthorizationCodeMixin,
    ClientMixin,
    SQLAlchemyStore,
    TokenMixin,
)


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "hooks_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))


class HookedClient(Base, ClientMixin):
    __tablename__ = "hooks_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("hooks_user.id"))
    user: Mapped[Optional[Owner]] = relationship(Owner)

    @reconstructor
    def _loaded(self) -> None:
        self.label = f"{self.name} (loaded)"


class Code(Base, AuthorizationCodeMixin):
    __tablename__ = "hooks_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("hooks_user.id"))
    user: Mapped[Owner] = relationship(Owner)


class Token(Base, TokenMixin):
    __tablename__ = "hooks_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("hooks_user.id"))
    user: Mapped[Optional[Owner]] = relationship(Owner)


@pytest.fixture
def hooked(db_engine):
    Base.metadata.create_all(db_engine)
    try:
        with Session(db_engine) as session:
            yield session, SQLAlchemyStore(session, client_model=HookedClient,
                                           code_model=Code, token_model=Token)
    finally:
        Base.metadata.drop_all(db_engine)


def test_reconstructor_runs_and_the_owner_comes_with_the_one_select(hooked, db_engine):
    session, store = hooked
    owner = Owner(username="erin")
    session.add(owner)
    session.commit()
    client, _ = store.create_client(name="Hooked", user=owner, scopes=["read"],
                                    grant_types=["client_credentials"])
    client_id = client.client_id
    session.expunge_all()

    statements = []
    event.listen(db_engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    loaded = store.load_client(client_id)
    assert loaded.label == "Hooked (loaded)"
    assert loaded.user.username == "erin"
    assert store.load_client(client_id) is loaded
    assert len(statements) == 1, statements
    assert loaded in session and not session.dirty and not session.new
