"""Refresh tokens: rotation, family revocation on reuse, expiry (RFC 6749 §6, RFC 9700 §4.14.2)."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from flask_oauth_provider.config import ProviderConfig
from tests.helpers.sqla_models import Token
from tests.sqla.sqla_support import call_api


def test_refresh_issues_a_new_access_token(confidential, server, alice):
    first = confidential.login(alice, ("profile", "read"))
    status, body = confidential.refresh(first["refresh_token"])
    assert status == 200
    assert body["scope"] == "profile read"
    assert call_api(server, body["access_token"])[0]


def test_refresh_rotates_the_refresh_token(public, alice):
    first = public.login(alice)
    status, body = public.refresh(first["refresh_token"])
    assert status == 200
    assert body["refresh_token"] != first["refresh_token"]
    assert public.refresh(body["refresh_token"])[0] == 200


def test_rotated_out_refresh_token_is_refused(public, alice):
    first = public.login(alice)
    public.refresh(first["refresh_token"])
    status, body = public.refresh(first["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


def test_refresh_reuse_revokes_the_whole_family(public, server, alice):
    first = public.login(alice)
    _, second = public.refresh(first["refresh_token"])
    public.refresh(first["refresh_token"])  # reuse of the rotated-out token
    assert public.refresh(second["refresh_token"])[1]["error"] == "invalid_grant"
    assert call_api(server, second["access_token"])[0] is False
    assert call_api(server, first["access_token"])[0] is False


def test_refresh_reuse_leaves_other_families_alone(public, server, alice):
    first = public.login(alice)
    other = public.login(alice)
    public.refresh(first["refresh_token"])
    public.refresh(first["refresh_token"])
    assert call_api(server, other["access_token"])[0] is True
    assert public.refresh(other["refresh_token"])[0] == 200


def test_confidential_client_keeps_its_refresh_token_when_rotation_is_off(
        confidential, store, server, alice):
    store.config = ProviderConfig(rotate_refresh_tokens=False)
    first = confidential.login(alice)
    status, body = confidential.refresh(first["refresh_token"])
    assert status == 200
    assert body["refresh_token"] == first["refresh_token"]
    assert confidential.refresh(first["refresh_token"])[0] == 200
    assert call_api(server, body["access_token"])[0]


def test_public_client_rotates_even_when_rotation_is_off(public, store, alice):
    store.config = ProviderConfig(rotate_refresh_tokens=False)
    first = public.login(alice)
    _, body = public.refresh(first["refresh_token"])
    assert body["refresh_token"] != first["refresh_token"]


def test_refresh_token_of_another_client_is_refused(confidential, other_confidential, alice):
    first = confidential.login(alice)
    status, body = other_confidential.refresh(first["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    assert confidential.refresh(first["refresh_token"])[0] == 200


def test_expired_refresh_token_is_refused(confidential, store, alice):
    first = confidential.login(alice)
    later = store.now() + datetime.timedelta(seconds=store.config.refresh_token_expires_in + 1)
    store.now = lambda: later
    status, body = confidential.refresh(first["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


def test_refresh_with_broader_scope_is_refused(confidential, alice):
    first = confidential.login(alice, ("profile",))
    status, body = confidential.refresh(first["refresh_token"], scope="profile write")
    assert (status, body["error"]) == (400, "invalid_scope")


def test_refresh_with_narrower_scope_keeps_the_grant_scope(confidential, alice):
    first = confidential.login(alice, ("profile", "read"))
    _, narrow = confidential.refresh(first["refresh_token"], scope="read")
    assert narrow["scope"] == "read"
    _, again = confidential.refresh(narrow["refresh_token"])
    assert again["scope"] == "profile read"


def test_refreshed_token_stays_in_the_family(public, session, alice):
    first = public.login(alice)
    public.refresh(first["refresh_token"])
    session.expire_all()
    rows = session.scalars(select(Token).order_by(Token.id)).all()
    assert len(rows) == 2
    assert rows[0].family_id == rows[1].family_id
    assert rows[0].refresh_rotated_at is not None
    assert rows[1].refresh_rotated_at is None
