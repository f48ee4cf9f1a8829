"""The store's device authorization methods (RFC 8628) on the test database, and two polls
racing with one approved device code on PostgreSQL: one token, never two."""

from __future__ import annotations

import datetime
import json
import threading
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from flask_oauth_provider.config import ProviderConfig
from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers import FORM
from tests.helpers.sqla_models import DEVICE_MODELS, MODELS, DeviceCode, Token, User

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AS = "https://as.example"


#: The store's policy outside a Flask app: the device grant on.
CONFIG = ProviderConfig(grant_types=("authorization_code", "refresh_token", DEVICE_GRANT))


def make_store(session):
    return SQLAlchemyStore(session, **MODELS, **DEVICE_MODELS, config=CONFIG)


@pytest.fixture
def device_store(session):
    return make_store(session)


def device_server(store):
    return Server(store, device_verification_uri=AS + "/device")


@pytest.fixture
def tv(device_store):
    client, _ = device_store.create_client(name="TV", public=True, scopes=["profile", "read"],
                                           grant_types=[DEVICE_GRANT, "refresh_token"])
    return client.client_id


@pytest.fixture
def erin(session):
    user = User(username="erin")
    session.add(user)
    session.commit()
    return user


def start(store, client_id, scope="profile read"):
    _, body, status = device_server(store).create_device_authorization_response(
        AS + "/device_authorization", "POST", urlencode({"client_id": client_id,
                                                         "scope": scope}), FORM)
    assert status == 200, body
    return json.loads(body)


def poll(store, client_id, device_code):
    _, body, status = device_server(store).create_token_response(
        AS + "/token", "POST", urlencode({"grant_type": DEVICE_GRANT, "client_id": client_id,
                                          "device_code": device_code}), FORM)
    return status, json.loads(body)


def test_user_code_is_found_however_it_is_typed(device_store, tv):
    body = start(device_store, tv)
    typed = body["user_code"].lower().replace("-", " ")
    assert device_store.find_device_authorization(typed).client_id == tv
    assert device_store.find_device_authorization("") is None


def test_a_live_user_code_is_never_given_twice(device_store, tv):
    body = start(device_store, tv)
    code = {"device_code": "another-device", "user_code": body["user_code"],
            "expires_in": 600, "interval": 5}
    request = type("R", (), {"scopes": ["profile"], "client": None})()
    assert device_store.save_device_code(tv, code, request) is False
    assert device_store.session.scalar(select(func.count()).select_from(DeviceCode)) == 1


def test_an_expired_user_code_makes_way(device_store, tv, monkeypatch):
    body = start(device_store, tv)
    later = device_store.now() + datetime.timedelta(seconds=601)
    monkeypatch.setattr(device_store, "now", lambda: later)
    code = {"device_code": "another-device", "user_code": body["user_code"],
            "expires_in": 600, "interval": 5}
    request = type("R", (), {"scopes": ["profile"], "client": None})()
    assert device_store.save_device_code(tv, code, request) is None
    assert device_store.session.scalar(select(func.count()).select_from(DeviceCode)) == 1


def test_an_answer_is_recorded_once(device_store, tv, erin):
    body = start(device_store, tv)
    assert device_store.decide_device_authorization(body["user_code"], erin, True, ["read"])
    assert not device_store.decide_device_authorization(body["user_code"], erin, False)
    status, token = poll(device_store, tv, body["device_code"])
    assert (status, token["scope"]) == (200, "read")


def test_redeemed_once_then_unknown(device_store, tv, erin):
    body = start(device_store, tv)
    device_store.decide_device_authorization(body["user_code"], erin, True)
    assert poll(device_store, tv, body["device_code"])[0] == 200
    assert poll(device_store, tv, body["device_code"]) == (400, {"error": "invalid_grant"})
    tokens = device_store.session.scalars(select(Token)).all()
    assert len(tokens) == 1 and tokens[0].user_id == erin.id


def _wait_until_blocked(engine, timeout: float = 10.0) -> None:
    """Wait until another PostgreSQL backend waits for a lock."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()")).scalar()
            # pg_stat_activity is a snapshot taken once per transaction: end it, or a
            # check made before the other backend blocks would be repeated forever.
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second poll never waited for the first one's row lock")


def test_racing_polls_get_one_token_on_postgresql(db_engine, device_store, tv, erin):
    """The first poll has redeemed the code and inserted its token, and has not committed,
    when the second poll (which read the code as allowed and unredeemed) tries to redeem
    it: the second waits for the row lock, then matches nothing and gets invalid_grant."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("the row-lock interleaving is checked on PostgreSQL")
    body = start(device_store, tv)
    device_store.decide_device_authorization(body["user_code"], erin, True)

    first_session, second_session = Session(db_engine), Session(db_engine)
    first, second = make_store(first_session), make_store(second_session)
    about_to_commit, may_commit = threading.Event(), threading.Event()
    real_commit = first_session.commit

    def paused_commit() -> None:
        about_to_commit.set()
        assert may_commit.wait(20)
        real_commit()

    first_session.commit = paused_commit
    results: dict = {}
    first_poll = threading.Thread(
        target=lambda: results.setdefault("first", poll(first, tv, body["device_code"])))
    second_poll = threading.Thread(
        target=lambda: results.setdefault("second", poll(second, tv, body["device_code"])))
    first_poll.start()
    try:
        assert about_to_commit.wait(20), "the first poll never reached its commit"
        second_poll.start()
        _wait_until_blocked(db_engine)
        may_commit.set()
        first_poll.join(20)
        second_poll.join(20)
    finally:
        may_commit.set()
        first_poll.join(20)
        first_session.close()
        second_session.close()

    assert results["first"][0] == 200, results["first"]
    assert results["second"] == (400, {"error": "invalid_grant"})
    with Session(db_engine) as check:
        assert check.scalar(select(func.count()).select_from(Token)) == 1
