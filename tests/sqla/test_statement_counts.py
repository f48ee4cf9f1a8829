"""SQL statements per call, counted with SQLAlchemy's ``before_cursor_execute`` hook.

Measured (SQLite, PostgreSQL, MariaDB alike): protected call 1; code exchange 4
(client SELECT, code+user SELECT, conditional UPDATE, token INSERT); refresh 4 (client
SELECT, token+user SELECT, conditional UPDATE, token INSERT).
"""

from __future__ import annotations

from flask_oauth_provider.config import ProviderConfig
from tests.sqla.sqla_support import call_api


def test_protected_call_costs_one_statement(confidential, server, alice, statements):
    body = confidential.login(alice)
    with statements.count():
        ok, request = call_api(server, body["access_token"])
        assert request.user.username == "alice"
        assert request.client.name == "Confidential app"
    assert ok
    assert len(statements) == 1


def test_confidential_code_exchange_costs_at_most_four_statements(confidential, alice,
                                                                  statements):
    code, verifier = confidential.authorize(alice)
    with statements.count():
        status, _ = confidential.exchange(code, verifier)
    assert status == 200
    assert len(statements) <= 4, statements.statements


def test_public_code_exchange_costs_at_most_four_statements(public, alice, statements):
    code, verifier = public.authorize(alice)
    with statements.count():
        status, _ = public.exchange(code, verifier)
    assert status == 200
    assert len(statements) <= 4, statements.statements


def test_rotating_refresh_costs_at_most_four_statements(confidential, alice, statements):
    body = confidential.login(alice)
    with statements.count():
        status, refreshed = confidential.refresh(body["refresh_token"])
    assert status == 200 and refreshed["refresh_token"] != body["refresh_token"]
    assert len(statements) <= 4, statements.statements


def test_non_rotating_refresh_costs_at_most_four_statements(confidential, store, alice,
                                                            statements):
    store.config = ProviderConfig(rotate_refresh_tokens=False)
    body = confidential.login(alice)
    with statements.count():
        status, _ = confidential.refresh(body["refresh_token"])
    assert status == 200
    assert len(statements) <= 4, statements.statements


def test_a_client_and_its_owner_cost_one_statement_and_stay_in_the_session(
        store, session, alice, statements):
    client, _ = store.create_client(name="Owned app", redirect_uris=[], user=alice,
                                    grant_types=["client_credentials"], scopes=["read"])
    client_id = client.client_id
    session.expunge_all()  # a new request: nothing of the client in the session
    with statements.count():
        loaded = store.load_client(client_id)
        assert loaded.user.username == "alice"  # the owner came with the same row
        assert store.load_client(client_id) is loaded  # asked again: no second SELECT
        assert loaded in session and loaded not in session.dirty and not session.new
    assert len(statements) == 1, statements.statements
    assert store.load_client(client_id + "x") is None
