"""Revocation (RV-01 .. RV-07) and introspection (IN-01 .. IN-08).

RFC 7009 §2.1, §2.2, §5; RFC 7662 §2.1-§2.3, §4.
"""

from __future__ import annotations

import datetime
import time

import pytest

from tests.helpers import basic_auth, error_of
from tests.security.sec_app import Token
from tests.security.sec_flows import INTROSPECT, METADATA, REVOKE

INACTIVE = {"active": False}


def test_RV_01_missing_token_is_invalid_request(env, c1):
    response = env.post(REVOKE, {"token_type_hint": "access_token"}, c1.auth())
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


def test_RV_02_unknown_token_revocation_is_200(env, c1):
    assert env.revoke(c1, "xyz").status_code == 200
    assert env.revoke(c1, "45ghiukldjahdnhzdauz", hint="refresh_token").status_code == 200


def test_RV_02_wrong_hint_still_revokes(env, c1):
    tokens = env.tokens(c1)
    assert env.revoke(c1, tokens["refresh_token"], hint="access_token").status_code == 200
    assert error_of(env.refresh(c1, tokens["refresh_token"])) == "invalid_grant"


def test_RV_02_unknown_hint_is_ignored(env, c1):
    tokens = env.tokens(c1)
    response = env.revoke(c1, tokens["access_token"], hint="something_else")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert error_of(response) == "unsupported_token_type"
    else:
        assert env.api(tokens["access_token"]).status_code == 401


def test_RV_03_client_cannot_revoke_another_clients_access_token(env, c1, c2):
    tokens = env.tokens(c1)
    response = env.revoke(c2, tokens["access_token"])
    assert response.status_code in (200, 400)
    assert env.api(tokens["access_token"]).status_code == 200


def test_RV_03_client_cannot_revoke_another_clients_refresh_token(env, c1, c2):
    tokens = env.tokens(c1)
    env.revoke(c2, tokens["refresh_token"])
    assert env.refresh(c1, tokens["refresh_token"]).status_code == 200


def test_RV_03_public_client_cannot_revoke_another_public_clients_token(env, p1, p2):
    tokens = env.tokens(p1)
    env.revoke(p2, tokens["refresh_token"])
    env.revoke(p2, tokens["access_token"])
    assert env.api(tokens["access_token"]).status_code == 200
    assert env.refresh(p1, tokens["refresh_token"]).status_code == 200


def test_RV_03_public_client_revokes_its_own_token(env, p1):
    tokens = env.tokens(p1)
    assert env.revoke(p1, tokens["access_token"]).status_code == 200
    assert env.api(tokens["access_token"]).status_code == 401


def test_RV_04_confidential_client_must_authenticate_to_revoke(env, c1):
    tokens = env.tokens(c1)
    response = env.post(REVOKE, {"token": tokens["access_token"], "client_id": c1.client_id})
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"
    assert env.api(tokens["access_token"]).status_code == 200


def test_RV_04_wrong_secret_is_invalid_client(env, c1):
    tokens = env.tokens(c1)
    response = env.post(REVOKE, {"token": tokens["access_token"]},
                        basic_auth(c1.client_id, "wrong"))
    assert response.status_code == 401
    assert env.api(tokens["access_token"]).status_code == 200


def test_RV_05_revoking_a_refresh_token_revokes_its_access_tokens(env, c1):
    tokens = env.tokens(c1)
    assert env.revoke(c1, tokens["refresh_token"]).status_code == 200
    assert env.introspect(c1, tokens["access_token"]).get_json() == INACTIVE
    assert env.api(tokens["access_token"]).status_code == 401


def test_RV_06_access_tokens_can_be_revoked(env, c1):
    tokens = env.tokens(c1)
    assert env.revoke(c1, tokens["access_token"], hint="access_token").status_code == 200
    assert env.api(tokens["access_token"]).status_code == 401


def test_RV_07_revocation_responses_are_not_cached(env, c1):
    for response in (env.revoke(c1, "xyz"), env.post(REVOKE, {}, c1.auth())):
        assert "no-store" in response.headers.get("Cache-Control", "")


def test_RV_revocation_endpoint_refuses_get(env, c1):
    response = env.http.get(REVOKE + "?token=xyz", headers=c1.auth())
    assert response.status_code in (400, 405)


# -- introspection ---------------------------------------------------------------------------


def test_IN_01_introspection_without_credentials_is_401(env, c1):
    token = env.tokens(c1)["access_token"]
    response = env.post(INTROSPECT, {"token": token})
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
    assert "active" not in (response.get_json() or {})


def test_IN_01_public_client_cannot_introspect(env, p1):
    token = env.tokens(p1)["access_token"]
    response = env.introspect(p1, token)
    assert response.status_code in (400, 401)
    assert "active" not in (response.get_json() or {})


def test_IN_02_unknown_token_is_exactly_inactive(env, c1):
    response = env.introspect(c1, "no-such-token")
    assert response.status_code == 200
    assert response.get_json() == INACTIVE


def test_IN_02_revoked_token_is_exactly_inactive(env, c1):
    token = env.tokens(c1)["access_token"]
    env.revoke(c1, token)
    assert env.introspect(c1, token).get_json() == INACTIVE


def test_IN_02_expired_token_is_exactly_inactive(env, c1):
    token = env.tokens(c1)["access_token"]
    env.expire(Token, expires_at=lambda v: v - datetime.timedelta(days=2))
    assert env.introspect(c1, token).get_json() == INACTIVE


def test_IN_02_another_clients_token_is_exactly_inactive(env, c1, c2):
    token = env.tokens(c1)["access_token"]
    response = env.introspect(c2, token)
    assert response.status_code == 200
    assert response.get_json() == INACTIVE


def test_IN_02_another_clients_refresh_token_is_exactly_inactive(env, c1, c2):
    token = env.tokens(c1)["refresh_token"]
    assert env.introspect(c2, token).get_json() == INACTIVE


def test_IN_02_resource_server_may_introspect_any_token(env, c1):
    rs = env.clients.create(name="RS", grant_types=["client_credentials"],
                            resource_server=True)
    token = env.tokens(c1)["access_token"]
    body = env.introspect(rs, token).get_json()
    assert body["active"] is True and body["client_id"] == c1.client_id


def test_IN_03_active_response_describes_the_token(env, c1):
    token = env.tokens(c1, scope="profile read")["access_token"]
    response = env.introspect(c1, token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is True
    assert body["client_id"] == c1.client_id
    assert sorted(body["scope"].split()) == ["profile", "read"]
    assert body["exp"] > time.time()
    assert body.get("username") == "alice"
    assert body.get("token_type", "Bearer").lower() in ("bearer", "access_token")
    if "iss" in body:
        assert body["iss"] == env.http.get(METADATA).get_json()["issuer"]


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "bogus"])
def test_IN_04_wrong_hint_still_finds_the_token(env, c1, hint):
    tokens = env.tokens(c1)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert env.introspect(c1, token, hint=hint).get_json()["active"] is True


def test_IN_05_introspection_refuses_get(env, c1):
    token = env.tokens(c1)["access_token"]
    response = env.http.get(INTROSPECT + "?token=" + token, headers=c1.auth())
    assert response.status_code in (400, 405)
    assert "active" not in response.get_data(as_text=True)


def test_IN_06_wrong_secret_is_401_invalid_client(env, c1):
    token = env.tokens(c1)["access_token"]
    response = env.post(INTROSPECT, {"token": token}, basic_auth(c1.client_id, "wrong"))
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"


def test_IN_08_introspection_responses_are_not_cached(env, c1):
    token = env.tokens(c1)["access_token"]
    for response in (env.introspect(c1, token), env.introspect(c1, "nope")):
        assert "no-store" in response.headers.get("Cache-Control", "")


def test_RV_03_resource_server_cannot_revoke_other_clients_tokens(env, c1):
    rs = env.clients.create(name="RS", grant_types=["client_credentials"],
                            resource_server=True)
    tokens = env.tokens(c1)
    env.revoke(rs, tokens["access_token"])
    env.revoke(rs, tokens["refresh_token"])
    assert env.api(tokens["access_token"]).status_code == 200
    assert env.introspect(rs, tokens["access_token"]).get_json()["active"] is True


def test_RV_04_revocation_without_any_client_identification_is_refused(env, p1):
    tokens = env.tokens(p1)
    response = env.post(REVOKE, {"token": tokens["access_token"]})
    assert response.status_code in (400, 401)
    assert env.api(tokens["access_token"]).status_code == 200
