"""Refresh tokens (RT-01 .. RT-10) and grant types (GR-01 .. GR-04).

RFC 6749 §4.2-§4.4, §6, §10.4; RFC 9700 §2.2.2, §2.4, §4.14.2; OAuth 2.1 §4.3.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import threading

import requests

from tests.helpers import error_of, fragment_params, location_params, query_params
from tests.security.sec_app import ALICE_PASSWORD, REG, Token, User, db
from tests.security.sec_flows import METADATA, TOKEN


def test_RT_01_refresh_token_of_another_confidential_client_is_invalid_grant(env, c1, c2):
    refresh_token = env.tokens(c1)["refresh_token"]
    response = env.refresh(c2, refresh_token)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"
    assert env.refresh(c1, refresh_token).status_code == 200


def test_RT_01_refresh_token_of_another_public_client_is_invalid_grant(env, p1, p2):
    refresh_token = env.tokens(p1)["refresh_token"]
    response = env.refresh(p2, refresh_token)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"
    assert env.refresh(p1, refresh_token).status_code == 200


def test_RT_02_broader_scope_is_invalid_scope(env, c1):
    refresh_token = env.tokens(c1, scope="profile")["refresh_token"]
    response = env.refresh(c1, refresh_token, scope="profile write")
    assert response.status_code == 400
    assert error_of(response) == "invalid_scope"


def test_RT_02_narrower_scope_keeps_the_original_grant(env, c1):
    first = env.tokens(c1, scope="profile read")
    narrow = env.refresh(c1, first["refresh_token"], scope="read")
    assert narrow.status_code == 200
    body = narrow.get_json()
    assert body.get("scope", "read").split() == ["read"]
    assert env.api(body["access_token"]).status_code == 403  # no "profile" in the new AT
    next_refresh = body.get("refresh_token", first["refresh_token"])
    wide = env.refresh(c1, next_refresh, scope="profile read")
    assert wide.status_code == 200, wide.get_data(as_text=True)


def test_RT_02_omitted_scope_means_the_original_scope(env, c1):
    first = env.tokens(c1, scope="profile read")
    body = env.refresh(c1, first["refresh_token"]).get_json()
    assert sorted(body.get("scope", "profile read").split()) == ["profile", "read"]
    assert env.api(body["access_token"]).status_code == 200


def test_RT_03_public_client_refresh_token_rotates(env, p1):
    first = env.tokens(p1)
    second = env.refresh(p1, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    again = env.refresh(p1, first["refresh_token"])
    assert again.status_code == 400
    assert error_of(again) == "invalid_grant"


def test_RT_03_reuse_of_a_rotated_refresh_token_revokes_the_family(env, p1):
    first = env.tokens(p1)
    second = env.refresh(p1, first["refresh_token"]).get_json()
    assert env.api(second["access_token"]).status_code == 200
    assert error_of(env.refresh(p1, first["refresh_token"])) == "invalid_grant"
    assert error_of(env.refresh(p1, second["refresh_token"])) == "invalid_grant"
    assert env.api(second["access_token"]).status_code == 401
    assert env.api(first["access_token"]).status_code == 401


def test_RT_04_concurrent_refreshes_with_one_token_give_one_success(env, p1, live_server):
    refresh_token = env.tokens(p1)["refresh_token"]
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": p1.client_id}
    barrier = threading.Barrier(10)

    def refresh(_):
        barrier.wait(timeout=30)
        return requests.post(live_server.url + TOKEN, data=data, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(refresh, range(10)))
    statuses = [r.status_code for r in results]
    assert statuses.count(200) == 1, statuses
    assert all(r.json()["error"] == "invalid_grant" for r in results if r.status_code != 200)


def test_RT_05_confidential_clients_rotate_by_default(env, c1):
    first = env.tokens(c1)
    second = env.refresh(c1, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert error_of(env.refresh(c1, first["refresh_token"])) == "invalid_grant"


def test_RT_05_confidential_rotation_can_be_switched_off(make_env):
    env = make_env(ROTATE_REFRESH_TOKENS=False)
    c1 = env.clients.create()
    first = env.tokens(c1)
    second = env.refresh(c1, first["refresh_token"])
    assert second.status_code == 200
    assert second.get_json().get("refresh_token", first["refresh_token"]) == first[
        "refresh_token"]
    assert env.refresh(c1, first["refresh_token"]).status_code == 200


def test_RT_05_public_clients_rotate_even_when_rotation_is_off(make_env):
    env = make_env(ROTATE_REFRESH_TOKENS=False)
    p1 = env.clients.create(public=True)
    first = env.tokens(p1)
    assert env.refresh(p1, first["refresh_token"]).status_code == 200
    assert error_of(env.refresh(p1, first["refresh_token"])) == "invalid_grant"


def test_RT_07_expired_refresh_token_is_invalid_grant(env, c1):
    refresh_token = env.tokens(c1)["refresh_token"]
    column = next(name for name in ("refresh_token_expires_at", "refresh_expires_at")
                  if hasattr(Token, name))
    env.expire(Token, **{column: lambda v: v - datetime.timedelta(days=400)})
    response = env.refresh(c1, refresh_token)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_RT_09_client_credentials_issue_no_refresh_token(env, c1):
    body = env.client_credentials(c1).get_json()
    assert body["access_token"] and "refresh_token" not in body


def test_RT_09_implicit_issues_no_refresh_token(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "implicit", "refresh_token"])
    client = env.clients.create(public=True, grant_types=["implicit"])
    response, _ = env.authorize(client, response_type="token", pkce=False)
    assert response.status_code in (302, 303)
    fragment = fragment_params(response.headers["Location"])
    assert fragment["access_token"] and "refresh_token" not in fragment


def test_RT_10_modified_refresh_token_is_invalid_grant(env, c1):
    refresh_token = env.tokens(c1)["refresh_token"]
    flipped = refresh_token[:-1] + ("A" if refresh_token[-1] != "A" else "B")
    response = env.refresh(c1, flipped)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_GR_01_password_grant_is_off_by_default(env, c1):
    response = env.token({"grant_type": "password", "username": "alice", "password": "x"},
                         c1.auth())
    assert response.status_code == 400
    assert error_of(response) in ("unsupported_grant_type", "unauthorized_client")
    assert "password" not in env.http.get(METADATA).get_json()["grant_types_supported"]


def test_GR_02_implicit_is_off_by_default(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, response_type="token", pkce=False)
    response = env.authorize_get(query)
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith(REG)
    assert location_params(location)["error"] == "unsupported_response_type"
    assert "access_token" not in location
    assert "token" not in env.http.get(METADATA).get_json()["response_types_supported"]


def test_GR_02_implicit_when_enabled_puts_the_token_in_the_fragment_only(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "implicit"])
    client = env.clients.create(public=True, grant_types=["implicit"])
    response, _ = env.authorize(client, response_type="token", pkce=False)
    location = response.headers["Location"]
    fragment = fragment_params(location)
    assert fragment["access_token"] and fragment["token_type"][0].lower() == "bearer"
    assert fragment["state"] == ["st-123"]
    assert "access_token" not in query_params(location)
    assert "token" in env.http.get(METADATA).get_json()["response_types_supported"]


def test_GR_03_client_credentials_for_confidential_clients_only(env, c1, p1):
    ok = env.client_credentials(c1)
    assert ok.status_code == 200
    denied = env.token({"grant_type": "client_credentials", "client_id": p1.client_id})
    assert error_of(denied) in ("unauthorized_client", "invalid_client")


def test_GR_04_client_credentials_token_is_not_a_user_token(env, c1):
    token = env.client_credentials(c1).get_json()["access_token"]
    body = env.introspect(c1, token).get_json()
    assert body["active"] is True
    assert "username" not in body
    assert body.get("sub") in (None, c1.client_id)


def test_GR_01_enabled_password_grant_without_usergetter_accepts_no_password(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "password", "refresh_token"])
    client = env.clients.create(grant_types=["password"])
    password = ALICE_PASSWORD + "alice"
    response = env.token({"grant_type": "password", "username": "alice",
                          "password": password}, client.auth())
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"
    assert password not in response.get_data(as_text=True)


def test_GR_01_password_grant_when_enabled_needs_the_right_password(password_env):
    env = password_env
    client = env.clients.create(grant_types=["password", "refresh_token"])
    ok = env.token({"grant_type": "password", "username": "alice",
                    "password": ALICE_PASSWORD + "alice", "scope": "profile"}, client.auth())
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert env.api(ok.get_json()["access_token"]).get_json() == {"user": "alice"}
    wrong = env.token({"grant_type": "password", "username": "alice", "password": "nope"},
                      client.auth())
    assert error_of(wrong) == "invalid_grant"


def test_GR_01_password_grant_does_not_reveal_whether_the_user_exists(password_env):
    env = password_env
    client = env.clients.create(grant_types=["password"])
    known = env.token({"grant_type": "password", "username": "alice", "password": "nope"},
                      client.auth())
    unknown = env.token({"grant_type": "password", "username": "mallory", "password": "nope"},
                        client.auth())
    assert known.status_code == unknown.status_code == 400
    assert known.get_json() == unknown.get_json()


def test_GR_01_password_grant_needs_client_authentication(password_env):
    env = password_env
    client = env.clients.create(grant_types=["password"])
    response = env.token({"grant_type": "password", "username": "alice",
                          "password": ALICE_PASSWORD + "alice", "client_id": client.client_id})
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"


def test_GR_01_password_grant_refused_to_a_client_not_registered_for_it(password_env):
    env = password_env
    client = env.clients.create(grant_types=["authorization_code"])
    response = env.token({"grant_type": "password", "username": "alice",
                          "password": ALICE_PASSWORD + "alice"}, client.auth())
    assert response.status_code == 400
    assert error_of(response) == "unauthorized_client"


def test_RT_08_refresh_token_dies_when_the_user_revokes_the_grant(env, c1):
    tokens = env.tokens(c1)
    store = env.app.extensions["oauth2_provider"].validator
    with env.app.app_context():
        alice = db.session.execute(db.select(User).filter_by(username="alice")).scalar_one()
        assert store.revoke_user_tokens(alice, c1.client_id) >= 1
    assert error_of(env.refresh(c1, tokens["refresh_token"])) == "invalid_grant"
    assert env.api(tokens["access_token"]).status_code == 401


def test_RT_08_deleting_a_client_kills_its_tokens(env, c1):
    tokens = env.tokens(c1)
    store = env.app.extensions["oauth2_provider"].validator
    with env.app.app_context():
        assert store.delete_client(c1.client_id)
    assert env.api(tokens["access_token"]).status_code == 401
    response = env.refresh(c1, tokens["refresh_token"])
    assert response.status_code in (400, 401)


def test_GR_01_password_grant_is_refused_to_public_clients(password_env):
    env = password_env
    client = env.clients.create(public=True, grant_types=["password"], redirect_uris=[])
    response = env.token({"grant_type": "password", "username": "alice",
                          "password": ALICE_PASSWORD + "alice", "client_id": client.client_id})
    assert response.status_code in (400, 401)
    assert error_of(response) in ("unauthorized_client", "invalid_client")


def test_RT_10_access_token_or_code_is_not_a_refresh_token(env, c1):
    grant = env.get_code(c1)
    tokens = env.exchange(c1, grant).get_json()
    for value in (tokens["access_token"], grant.code):
        response = env.refresh(c1, value)
        assert response.status_code == 400
        assert error_of(response) == "invalid_grant"


def test_BR_02_code_is_not_an_access_token(env, c1):
    grant = env.get_code(c1)
    assert env.api(grant.code).status_code == 401


def refresh_while_the_owner_revokes(env, client, refresh_token):
    """Refresh with the refresh token revoked between the store's check and its write:
    the interleaving of a refresh racing a revocation, made deterministic."""
    store = env.app.extensions["oauth2_provider"].validator
    check = store.validate_refresh_token

    def check_then_revoke(token, client_obj, request, *args, **kwargs):
        valid = check(token, client_obj, request, *args, **kwargs)
        store.revoke_token_value(token)  # committed before the new token is written
        return valid

    store.validate_refresh_token = check_then_revoke
    try:
        return env.refresh(client, refresh_token)
    finally:
        del store.validate_refresh_token


def test_RV_05_refresh_racing_a_revocation_issues_nothing_usable_with_rotation(env, c1):
    tokens = env.tokens(c1)
    response = refresh_while_the_owner_revokes(env, c1, tokens["refresh_token"])
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_RV_05_refresh_racing_a_revocation_issues_nothing_usable_without_rotation(make_env):
    env = make_env(ROTATE_REFRESH_TOKENS=False)
    c1 = env.clients.create()
    tokens = env.tokens(c1)
    response = refresh_while_the_owner_revokes(env, c1, tokens["refresh_token"])
    if response.status_code == 200:
        assert env.api(response.get_json()["access_token"]).status_code == 401, (
            "an access token issued after its refresh token was revoked still works")
    else:
        assert error_of(response) == "invalid_grant"
