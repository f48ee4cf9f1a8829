"""Protected resources, revocation (RFC 7009) and introspection (RFC 7662) over the store."""

from __future__ import annotations

import datetime

from tests.helpers import FORM
from tests.sqla.sqla_support import call_api


def test_protected_call_sets_token_client_user_and_scopes(confidential, server, alice):
    body = confidential.login(alice, ("profile", "read"))
    ok, request = call_api(server, body["access_token"], ("read",))
    assert ok
    assert request.client.client_id == confidential.client_id
    assert request.user.username == "alice"
    assert request.scopes == ["profile", "read"]
    assert request.access_token.client_id == confidential.client_id


def test_token_without_required_scope_is_refused_but_identified(confidential, server, alice):
    body = confidential.login(alice, ("profile",))
    ok, request = call_api(server, body["access_token"], ("write",))
    assert ok is False
    assert request.access_token is not None  # insufficient_scope, not invalid_token


def test_unknown_access_token_is_refused(confidential, server, alice):
    confidential.login(alice)
    ok, request = call_api(server, "nope")
    assert ok is False


def test_expired_access_token_is_refused(confidential, store, server, alice):
    body = confidential.login(alice)
    later = store.now() + datetime.timedelta(seconds=3601)
    store.now = lambda: later
    assert call_api(server, body["access_token"])[0] is False


def test_refresh_token_is_not_an_access_token(confidential, server, alice):
    body = confidential.login(alice)
    assert call_api(server, body["refresh_token"])[0] is False


def test_revoking_an_access_token_stops_it(confidential, server, alice):
    body = confidential.login(alice)
    assert confidential.revoke(body["access_token"], "access_token") == 200
    assert call_api(server, body["access_token"])[0] is False


def test_revoking_a_refresh_token_revokes_its_access_tokens(confidential, server, alice):
    body = confidential.login(alice)
    _, refreshed = confidential.refresh(body["refresh_token"])
    assert confidential.revoke(refreshed["refresh_token"]) == 200
    assert call_api(server, refreshed["access_token"])[0] is False
    assert call_api(server, body["access_token"])[0] is False


def test_revocation_finds_the_token_whatever_the_hint(confidential, server, alice):
    body = confidential.login(alice)
    assert confidential.revoke(body["refresh_token"], "access_token") == 200
    assert confidential.refresh(body["refresh_token"])[1]["error"] == "invalid_grant"


def test_client_cannot_revoke_another_clients_token(confidential, other_confidential, server,
                                                    alice):
    body = confidential.login(alice)
    assert other_confidential.revoke(body["access_token"]) == 200
    assert other_confidential.revoke(body["refresh_token"]) == 200
    assert call_api(server, body["access_token"])[0] is True
    assert confidential.refresh(body["refresh_token"])[0] == 200


def test_public_client_cannot_revoke_another_public_clients_token(public, store, server, alice):
    from tests.sqla.sqla_support import REDIRECT, Flow

    client, _ = store.create_client(name="Other native", redirect_uris=[REDIRECT], public=True,
                                    scopes=["profile"])
    intruder = Flow(server, client, None)
    body = public.login(alice)
    assert intruder.revoke(body["access_token"]) == 200
    assert call_api(server, body["access_token"])[0] is True


def test_revoking_an_unknown_token_succeeds(confidential, alice):
    assert confidential.revoke("never-issued") == 200


def test_introspection_of_an_active_access_token(confidential, store, alice):
    body = confidential.login(alice, ("profile", "read"))
    claims = confidential.introspect(body["access_token"])
    assert claims["active"] is True
    assert claims["client_id"] == confidential.client_id
    assert claims["scope"] == "profile read"
    assert claims["username"] == "alice"
    assert claims["sub"] == str(alice.id)
    assert claims["token_type"] == "Bearer"
    assert claims["exp"] > claims["iat"]


def test_introspection_of_a_refresh_token_with_the_wrong_hint(confidential, alice):
    body = confidential.login(alice)
    claims = confidential.introspect(body["refresh_token"], "access_token")
    assert claims["active"] is True


def test_introspection_of_a_revoked_token_is_inactive(confidential, alice):
    body = confidential.login(alice)
    confidential.revoke(body["access_token"])
    assert confidential.introspect(body["access_token"]) == {"active": False}


def test_introspection_of_another_clients_token_is_inactive(confidential, other_confidential,
                                                            alice):
    body = confidential.login(alice)
    assert other_confidential.introspect(body["access_token"]) == {"active": False}


def test_resource_server_may_introspect_any_token(confidential, store, server, alice):
    from tests.sqla.sqla_support import Flow

    client, secret = store.create_client(name="API", grant_types=["client_credentials"],
                                         resource_server=True)
    api = Flow(server, client, secret)
    body = confidential.login(alice)
    assert api.introspect(body["access_token"])["active"] is True


def test_introspection_reports_the_configured_issuer(confidential, store, alice):
    from flask_oauth_provider.config import ProviderConfig

    store.config = ProviderConfig(issuer="https://as.example")
    body = confidential.login(alice)
    assert confidential.introspect(body["access_token"])["iss"] == "https://as.example"


def test_client_credentials_token_has_no_user(confidential, server):
    status, body = confidential.token(grant_type="client_credentials", scope="read")
    assert status == 200
    assert "refresh_token" not in body
    ok, request = call_api(server, body["access_token"], ("read",))
    assert ok and request.user is None


def test_public_client_cannot_introspect(public, alice):
    import json

    body = public.login(alice)
    _, response, status = public.server.create_introspect_response(
        "https://as.example/introspect", "POST",
        f"token={body['access_token']}&client_id={public.client_id}",
        FORM)
    assert status in (400, 401) or json.loads(response) == {"active": False}
