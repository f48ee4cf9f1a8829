"""Revoking a grant while one of its refresh tokens is being rotated (RFC 7009 §2.1).

The refresh has updated the old refresh token and inserted the new token, and has not
committed yet, when the revocation starts: the revocation must not miss the new token.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from flask_oauth_provider.core import Server
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers.sqla_models import MODELS
from tests.sqla.sqla_support import call_api


def _wait_until_blocked(engine, timeout: float = 5.0) -> None:
    """On PostgreSQL, wait until another backend waits for a lock; elsewhere, a pause."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )).scalar()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the revocation never waited for the refresh's row lock")


def test_revocation_during_a_rotating_refresh_revokes_the_new_token(
        db_engine, public, store, alice):
    first = public.login(alice)

    # The refresh runs on its own connection and stops just before its COMMIT.
    refresh_session = Session(db_engine)
    refresh_store = SQLAlchemyStore(refresh_session, **MODELS)
    about_to_commit = threading.Event()
    may_commit = threading.Event()
    real_commit = refresh_session.commit

    def paused_commit() -> None:
        about_to_commit.set()
        assert may_commit.wait(10)
        real_commit()

    refresh_session.commit = paused_commit
    result: dict = {}

    def refresh() -> None:
        flow = type(public)(Server(refresh_store), public.client, None)
        flow.client_id = public.client_id
        result["refresh"] = flow.refresh(first["refresh_token"])

    refresher = threading.Thread(target=refresh)
    refresher.start()
    try:
        assert about_to_commit.wait(10), "the refresh never reached its commit"
        revoker = threading.Thread(
            target=lambda: result.setdefault("revoked", store.revoke_token_value(
                first["refresh_token"])))
        revoker.start()
        _wait_until_blocked(db_engine)
        may_commit.set()
        refresher.join(10)
        revoker.join(10)
    finally:
        may_commit.set()
        refresher.join(10)
        refresh_session.close()

    status, body = result["refresh"]
    assert status == 200, body
    assert result["revoked"] is True
    store.session.expire_all()
    assert call_api(Server(store), body["access_token"])[0] is False
    assert public.refresh(body["refresh_token"])[1]["error"] == "invalid_grant"
