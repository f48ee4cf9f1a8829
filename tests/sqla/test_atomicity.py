"""All or nothing: a grant's writes commit together; races issue one token.

The race tests need a server database with row locks and several connections at once:
they run on PostgreSQL only (``OAUTH_TEST_DATABASE_URL``) and are skipped elsewhere.
"""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers.sqla_models import MODELS, AuthorizationCode, Token
from tests.sqla.sqla_support import Flow, call_api

RACERS = 6


def test_failed_token_write_leaves_the_code_unconsumed(confidential, store, session, alice):
    first = confidential.login(alice)
    taken = first["access_token"]
    clashing = Flow(Server(store, token_generator=lambda request, *a: taken),
                    confidential.client, confidential.secret)
    code, verifier = clashing.authorize(alice)
    status, body = clashing.exchange(code, verifier)  # INSERT hits the unique digest
    assert (status, body) == (500, {"error": "server_error"})
    session.expire_all()
    row = session.scalars(select(AuthorizationCode).where(
        AuthorizationCode.consumed_at.is_(None))).one()
    assert row.family_id is not None
    assert session.scalar(select(func.count()).select_from(Token)) == 1
    assert confidential.exchange(code, verifier)[0] == 200


def test_failed_rotation_leaves_the_old_refresh_token_usable(confidential, store, alice):
    first = confidential.login(alice)
    taken = first["access_token"]
    clashing = Flow(Server(store, token_generator=lambda request, *a: taken),
                    confidential.client, confidential.secret)
    status, _ = clashing.refresh(first["refresh_token"])
    assert status == 500
    assert confidential.refresh(first["refresh_token"])[0] == 200


# -- races (PostgreSQL) ------------------------------------------------------------------


def _race_worker(url, engine_options, client_id, secret, grant, barrier, results):
    from sqlalchemy import create_engine

    engine = create_engine(url, **engine_options)
    try:
        with Session(engine) as session:
            store = SQLAlchemyStore(session, **MODELS)
            client = store.load_client(client_id)
            flow = Flow(Server(store), client, secret)
            barrier.wait(timeout=30)
            status, body = flow.token(**grant)
            results.put((status, body.get("access_token")))
    except Exception as exc:  # report instead of hanging the parent
        results.put((-1, repr(exc)))
    finally:
        engine.dispose()


def _race(test_database, flow, grant):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(RACERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_race_worker, args=(
        test_database.url, test_database.engine_options, flow.client_id, flow.secret,
        grant, barrier, results)) for _ in range(RACERS)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    return outcomes


needs_postgres = pytest.mark.skipif(
    not os.environ.get("OAUTH_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="race tests need PostgreSQL (set OAUTH_TEST_DATABASE_URL)",
)


@needs_postgres
def test_racing_code_redemptions_issue_exactly_one_token(test_database, confidential, server,
                                                         session, alice):
    code, verifier = confidential.authorize(alice)
    session.commit()
    outcomes = _race(test_database, confidential, {
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "https://client.example/cb"})
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200] + [400] * (RACERS - 1), outcomes
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Token)) == 1


@needs_postgres
def test_racing_code_redemptions_revoke_the_winning_token(test_database, confidential, server,
                                                          session, alice):
    code, verifier = confidential.authorize(alice)
    session.commit()
    outcomes = _race(test_database, confidential, {
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "https://client.example/cb"})
    (winner,) = [token for status, token in outcomes if status == 200]
    session.expire_all()
    assert call_api(server, winner)[0] is False


@needs_postgres
def test_racing_refreshes_of_one_rotating_token_issue_exactly_one(test_database, public,
                                                                  session, alice):
    first = public.login(alice)
    session.commit()
    outcomes = _race(test_database, public, {
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200] + [400] * (RACERS - 1), outcomes
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Token)) == 2


def test_revocation_is_seen_by_a_session_that_does_not_expire_on_commit(db_engine, tables):
    from tests.helpers.sqla_models import User
    from tests.sqla.sqla_support import REDIRECT

    with Session(db_engine, expire_on_commit=False) as session:
        store = SQLAlchemyStore(session, **MODELS)
        server = Server(store)
        user = User(username="frank")
        session.add(user)
        session.commit()
        client, secret = store.create_client(name="App", redirect_uris=[REDIRECT],
                                             scopes=["profile"])
        flow = Flow(server, client, secret)
        body = flow.login(user)
        ok, held = call_api(server, body["access_token"])  # keeps the row in the session
        assert ok and held.access_token.revoked_at is None
        flow.revoke(body["access_token"])
        assert call_api(server, body["access_token"])[0] is False


def test_replay_is_detected_by_a_session_that_does_not_expire_on_commit(db_engine, tables):
    from tests.helpers.sqla_models import User
    from tests.sqla.sqla_support import REDIRECT

    with Session(db_engine, expire_on_commit=False) as session:
        store = SQLAlchemyStore(session, **MODELS)
        server = Server(store)
        user = User(username="grace")
        session.add(user)
        session.commit()
        client, secret = store.create_client(name="App", redirect_uris=[REDIRECT],
                                             scopes=["profile"])
        flow = Flow(server, client, secret)
        code, verifier = flow.authorize(user)
        _, first = flow.exchange(code, verifier)
        assert flow.exchange(code, verifier)[1]["error"] == "invalid_grant"
        assert call_api(server, first["access_token"])[0] is False
