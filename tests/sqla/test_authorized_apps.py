"""The "authorized applications" API and housekeeping (purge)."""

from __future__ import annotations

import datetime

from sqlalchemy import func, select

from tests.helpers.sqla_models import AuthorizationCode, Token
from tests.sqla.sqla_support import call_api


def test_authorized_applications_lists_clients_with_live_grants(confidential, public, store,
                                                                alice, bob):
    confidential.login(alice, ("profile",))
    confidential.login(alice, ("read",))
    public.login(bob)
    apps = store.authorized_applications(alice)
    assert [app.client.client_id for app in apps] == [confidential.client_id]
    (app,) = apps
    assert sorted(app.scopes) == ["profile", "read"]
    assert app.authorized_at <= app.last_issued_at


def test_authorized_applications_omits_revoked_grants(confidential, store, alice):
    body = confidential.login(alice)
    confidential.revoke(body["refresh_token"])
    assert store.authorized_applications(alice) == []


def test_authorized_applications_keeps_grants_with_a_live_refresh_token(confidential, store,
                                                                         alice):
    confidential.login(alice)
    later = store.now() + datetime.timedelta(hours=2)
    store.now = lambda: later
    assert len(store.authorized_applications(alice)) == 1


def test_revoking_a_user_client_pair_revokes_all_its_tokens(confidential, other_confidential,
                                                            store, server, alice, bob):
    one = confidential.login(alice)
    two = confidential.login(alice)
    other = other_confidential.login(alice)
    bobs = confidential.login(bob)
    code, verifier = confidential.authorize(alice)
    assert store.revoke_user_tokens(alice, confidential.client_id) == 2
    assert call_api(server, one["access_token"])[0] is False
    assert call_api(server, two["access_token"])[0] is False
    assert confidential.refresh(one["refresh_token"])[1]["error"] == "invalid_grant"
    assert confidential.exchange(code, verifier)[1]["error"] == "invalid_grant"
    assert call_api(server, other["access_token"])[0] is True
    assert call_api(server, bobs["access_token"])[0] is True


def test_purge_deletes_expired_codes_and_dead_tokens(confidential, store, session, alice):
    dead = confidential.login(alice)
    confidential.revoke(dead["access_token"])
    live = confidential.login(alice)
    confidential.authorize(alice)
    assert store.purge() == {"codes": 0, "tokens": 1}
    later = store.now() + datetime.timedelta(seconds=store.config.code_expires_in + 1)
    counts = store.purge(now=later)
    assert counts == {"codes": 3, "tokens": 0}
    assert session.scalar(select(func.count()).select_from(AuthorizationCode)) == 0
    assert confidential.refresh(live["refresh_token"])[0] == 200


def test_purge_keeps_expired_access_tokens_whose_refresh_token_lives(confidential, store,
                                                                      session, alice):
    confidential.login(alice)
    later = store.now() + datetime.timedelta(hours=2)
    assert store.purge(now=later)["tokens"] == 0
    much_later = store.now() + datetime.timedelta(
        seconds=store.config.refresh_token_expires_in + 1)
    assert store.purge(now=much_later)["tokens"] == 1


def test_purge_works_in_batches(confidential, store, session, alice):
    for _ in range(5):
        confidential.revoke(confidential.login(alice)["access_token"])
    assert store.purge(batch_size=2)["tokens"] == 5
    assert session.scalar(select(func.count()).select_from(Token)) == 0
