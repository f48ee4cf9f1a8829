"""Shared database fixtures.

``OAUTH_TEST_DATABASE_URL`` selects the server (PostgreSQL through psycopg 3, MariaDB
through PyMySQL); without it the tests use a SQLite file. Each pytest run works in a
private schema (PostgreSQL) or database (MariaDB) that it drops at the end, so runs on
one server never see each other's rows.

Fixtures:

``test_database``
    (session) a :class:`TestDatabase`: ``url``, ``engine_options``, ``dialect`` and
    ``create_engine()``. Give ``url`` and ``engine_options`` to Flask-SQLAlchemy as
    ``SQLALCHEMY_DATABASE_URI`` / ``SQLALCHEMY_ENGINE_OPTIONS``.
``db_engine``
    (function) an engine on it, disposed after the test. Tests create and drop their
    own tables, or use:
``schema`` / ``tables``
    the tables of the store's test models (``tests/helpers/sqla_models.py``): created once
    per run / emptied after each test.
"""

from __future__ import annotations

import pytest

from tests.helpers.database import TestDatabase, env_database_url, make_test_database


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory):
    database = make_test_database(
        env_database_url(),
        str(tmp_path_factory.mktemp("db") / "oauth-test.sqlite"),
    )
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def db_engine(test_database: TestDatabase):
    engine = test_database.create_engine()
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def schema(test_database):
    """The tables of ``tests.helpers.sqla_models``, created once per run (DDL is slow on
    MariaDB)."""
    from tests.helpers.sqla_models import Base

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
    from tests.helpers.sqla_models import Base

    try:
        yield
    finally:
        with db_engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
