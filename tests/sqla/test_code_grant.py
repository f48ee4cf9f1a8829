"""Authorization code storage through the core Server (RFC 6749 §4.1, RFC 7636)."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from tests.helpers.sqla_models import AuthorizationCode, Token
from tests.sqla.sqla_support import REDIRECT, REDIRECT2, call_api


def test_code_exchange_issues_working_tokens(confidential, server, alice):
    body = confidential.login(alice, ("profile", "read"))
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "profile read"
    assert body["refresh_token"]
    ok, request = call_api(server, body["access_token"], ("profile",))
    assert ok
    assert request.user.username == "alice"


def test_public_client_code_exchange_issues_tokens(public, alice):
    body = public.login(alice)
    assert body["access_token"] and body["refresh_token"]


def test_code_scopes_come_from_the_code_not_the_token_request(confidential, alice):
    code, verifier = confidential.authorize(alice, ("profile",))
    status, body = confidential.token(grant_type="authorization_code", code=code,
                                      code_verifier=verifier, redirect_uri=REDIRECT,
                                      scope="profile write")
    assert status == 200
    assert body["scope"] == "profile"


def test_code_is_stored_as_digest_bound_to_client_user_and_challenge(confidential, session,
                                                                      alice):
    code, _ = confidential.authorize(alice, ("profile",))
    row = session.scalars(select(AuthorizationCode)).one()
    assert row.code_digest != code and len(row.code_digest) == 64
    assert row.client_id == confidential.client_id
    assert row.user_id == alice.id
    assert row.code_challenge_method == "S256"
    assert row.redirect_uri == REDIRECT
    assert not row.consumed


def test_code_replay_is_refused_with_invalid_grant(confidential, alice):
    code, verifier = confidential.authorize(alice)
    assert confidential.exchange(code, verifier)[0] == 200
    status, body = confidential.exchange(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_code_replay_revokes_issued_tokens(confidential, server, alice):
    code, verifier = confidential.authorize(alice)
    _, first = confidential.exchange(code, verifier)
    confidential.exchange(code, verifier)
    assert call_api(server, first["access_token"])[0] is False
    assert confidential.refresh(first["refresh_token"])[1]["error"] == "invalid_grant"
    assert confidential.introspect(first["access_token"]) == {"active": False}


def test_code_replay_with_wrong_verifier_revokes_nothing(confidential, server, alice):
    code, verifier = confidential.authorize(alice)
    _, first = confidential.exchange(code, verifier)
    status, body = confidential.exchange(code, "w" * 50)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert call_api(server, first["access_token"])[0] is True


def test_code_of_another_client_is_refused(confidential, other_confidential, alice):
    code, verifier = confidential.authorize(alice)
    status, body = other_confidential.exchange(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert confidential.exchange(code, verifier)[0] == 200


def test_expired_code_is_refused(confidential, store, alice):
    code, verifier = confidential.authorize(alice)
    later = store.now() + datetime.timedelta(seconds=store.config.code_expires_in + 1)
    store.now = lambda: later
    status, body = confidential.exchange(code, verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_unknown_code_is_refused(confidential, alice):
    confidential.authorize(alice)
    status, body = confidential.exchange("not-a-code", "v" * 43)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_redirect_uri_must_equal_the_one_bound_to_the_code(confidential, alice):
    code, verifier = confidential.authorize(alice, redirect_uri=REDIRECT)
    status, body = confidential.exchange(code, verifier, redirect_uri=REDIRECT2)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_redirect_uri_sent_at_authorization_is_required_at_token(public, alice):
    code, verifier = public.authorize(alice, redirect_uri=REDIRECT)
    status, body = public.exchange(code, verifier, redirect_uri=None)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_code_without_redirect_uri_accepts_the_default(public, alice):
    code, verifier = public.authorize(alice, redirect_uri=None)
    assert public.exchange(code, verifier, redirect_uri=None)[0] == 200


def test_wrong_code_verifier_is_refused(confidential, alice):
    code, _ = confidential.authorize(alice)
    status, body = confidential.exchange(code, "x" * 43)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_redeemed_code_is_marked_consumed_and_token_joins_its_family(confidential, session,
                                                                    alice):
    code, verifier = confidential.authorize(alice)
    confidential.exchange(code, verifier)
    session.expire_all()
    code_row = session.scalars(select(AuthorizationCode)).one()
    token_row = session.scalars(select(Token)).one()
    assert code_row.consumed
    assert token_row.family_id == code_row.family_id
    assert token_row.user_id == alice.id


def test_client_id_lookup_is_exact(confidential, store):
    assert store.load_client(confidential.client_id) is not None
    assert store.load_client(confidential.client_id.swapcase()) is None
    assert store.load_client(confidential.client_id + " ") is None


def test_implicit_grant_token_is_stored_without_refresh_token(store, server, session, alice):
    from urllib.parse import urlencode

    from flask_oauth_provider.config import ProviderConfig
    from tests.helpers import fragment_params
    from tests.helpers.sqla_models import Token

    store.config = ProviderConfig(grant_types=("authorization_code", "implicit"))
    client, _ = store.create_client(name="SPA", redirect_uris=[REDIRECT], public=True,
                                    grant_types=["implicit"], scopes=["profile"])
    params = {"response_type": "token", "client_id": client.client_id,
              "redirect_uri": REDIRECT, "scope": "profile", "state": "s"}
    headers, _, status = server.create_authorization_response(
        "https://as.example/authorize?" + urlencode(params), scopes=["profile"],
        credentials={"user": alice})
    assert status == 302
    fragment = fragment_params(headers["Location"])
    assert "refresh_token" not in fragment
    assert call_api(server, fragment["access_token"][0])[0] is True
    row = session.scalars(select(Token)).one()
    assert row.refresh_token_digest is None and row.user_id == alice.id
