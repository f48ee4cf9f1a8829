"""PKCE (PK-01 .. PK-12) and authorization codes (AC-01 .. AC-07).

RFC 7636 §4.3-§4.6, §7.2; RFC 6749 §4.1.2, §4.1.3, §10.5, §10.10; RFC 9700 §2.1.1, §4.8;
OAuth 2.1 §4.1.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import hmac
import threading

import pytest
import requests

from tests.helpers import error_of, location_params, pkce_pair
from tests.security.sec_app import REG, AuthorizationCode
from tests.security.sec_flows import METADATA, TOKEN

RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def redirected_error(response):
    assert response.status_code in (302, 303), (response.status_code,
                                                response.get_data(as_text=True)[:300])
    location = response.headers["Location"]
    assert location.startswith(REG + "?"), location
    params = location_params(location)
    assert "code" not in params
    return params


def test_PK_01_s256_with_the_rfc7636_appendix_b_vector(env, p1):
    assert pkce_pair(RFC7636_VERIFIER)[1] == RFC7636_CHALLENGE
    grant = env.get_code(p1, verifier=RFC7636_VERIFIER)
    response = env.exchange(p1, grant)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["access_token"]


def test_PK_02_public_client_without_code_challenge_is_invalid_request(env, p1):
    env.login()
    query, _ = env.authorize_params(p1, pkce=False)
    params = redirected_error(env.authorize_get(query))
    assert params["error"] == "invalid_request"
    assert params["state"] == "st-123"


def test_PK_02_all_clients_need_pkce_when_configured(make_env):
    env = make_env(PKCE_REQUIRED=True)
    c1 = env.clients.create()
    env.login()
    query, _ = env.authorize_params(c1, pkce=False)
    assert redirected_error(env.authorize_get(query))["error"] == "invalid_request"


@pytest.mark.parametrize("method", ["S512", "s256", "SHA256", ""])
def test_PK_03_unsupported_code_challenge_method_is_invalid_request(env, p1, method):
    env.login()
    query, _ = env.authorize_params(p1, code_challenge_method=method)
    # An empty value counts as omitted, i.e. plain, which is off (RFC 7636 §4.3).
    assert redirected_error(env.authorize_get(query))["error"] == "invalid_request"


def test_PK_04_plain_method_is_refused_by_default(env, p1):
    env.login()
    verifier, _ = pkce_pair()
    query, _ = env.authorize_params(p1, code_challenge=verifier, code_challenge_method="plain")
    assert redirected_error(env.authorize_get(query))["error"] == "invalid_request"


def test_PK_04_challenge_without_method_is_refused_when_plain_is_off(env, p1):
    env.login()
    query, _ = env.authorize_params(p1, code_challenge_method=None)
    assert redirected_error(env.authorize_get(query))["error"] == "invalid_request"


def test_PK_04_metadata_advertises_only_s256(env):
    assert env.http.get(METADATA).get_json()["code_challenge_methods_supported"] == ["S256"]


def test_PK_04_plain_works_only_when_configured(make_env):
    env = make_env(PKCE_PLAIN=True)
    p1 = env.clients.create(public=True)
    verifier = "v" * 50
    grant = env.get_code(p1, pkce=False, code_challenge=verifier, code_challenge_method="plain")
    grant.verifier = verifier
    assert env.exchange(p1, grant).status_code == 200
    assert "plain" in env.http.get(METADATA).get_json()["code_challenge_methods_supported"]


def test_PK_05_wrong_verifier_is_invalid_grant(env, p1):
    grant = env.get_code(p1)
    response = env.exchange(p1, grant, verifier=pkce_pair()[0])
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_PK_06_missing_verifier_when_a_challenge_was_sent_fails(env, c1):
    grant = env.get_code(c1)
    response = env.exchange(c1, grant, verifier=None)
    assert response.status_code == 400
    assert error_of(response) in ("invalid_request", "invalid_grant")


def test_PK_07_verifier_for_a_code_without_challenge_is_invalid_request(env, c1):
    grant = env.get_code(c1, pkce=False)
    response = env.exchange(c1, grant, verifier=pkce_pair()[0])
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


def test_PK_08_challenge_sent_as_verifier_is_invalid_grant(env, p1):
    grant = env.get_code(p1, verifier=RFC7636_VERIFIER)
    response = env.exchange(p1, grant, verifier=RFC7636_CHALLENGE)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "abc", "a" * 42 + "+", "a" * 42 + "/",
                                      "a" * 42 + "=", "a" * 42 + " ", "a" * 42 + "%", "",
                                      "a" * 42 + "\u00e9"])
def test_PK_09_malformed_verifier_is_refused(env, p1, verifier):
    grant = env.get_code(p1, verifier=verifier if len(verifier) >= 43 else None)
    response = env.exchange(p1, grant, verifier=verifier)
    assert response.status_code == 400
    assert error_of(response) in ("invalid_request", "invalid_grant")


@pytest.mark.parametrize("verifier", ["a" * 43, "~" * 128, "A-._~" * 10])
def test_PK_09_boundary_verifiers_are_accepted(env, p1, verifier):
    grant = env.get_code(p1, verifier=verifier)
    assert env.exchange(p1, grant).status_code == 200


@pytest.mark.parametrize("challenge", ["a" * 42, "a" * 129, "a" * 42 + "+", "short"])
def test_PK_09_malformed_challenge_is_invalid_request(env, p1, challenge):
    env.login()
    query, _ = env.authorize_params(p1, code_challenge=challenge)
    assert redirected_error(env.authorize_get(query))["error"] == "invalid_request"


def test_PK_10_challenge_is_not_exposed(env, p1):
    grant = env.get_code(p1, verifier=RFC7636_VERIFIER)
    assert RFC7636_CHALLENGE not in grant.location
    response = env.exchange(p1, grant)
    assert RFC7636_CHALLENGE not in response.get_data(as_text=True)


def test_PK_12_verifier_is_compared_in_constant_time(env, p1, monkeypatch):
    grant = env.get_code(p1, verifier=RFC7636_VERIFIER)
    seen = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert env.exchange(p1, grant).status_code == 200
    flat = [x.decode("latin-1") if isinstance(x, bytes) else x for pair in seen for x in pair]
    assert RFC7636_CHALLENGE in flat, "the PKCE check did not go through hmac.compare_digest"


# -- authorization codes --------------------------------------------------------------------


def test_AC_01_expired_code_is_invalid_grant(env, c1):
    grant = env.get_code(c1)
    assert env.expire(AuthorizationCode,
                      expires_at=lambda v: v - datetime.timedelta(hours=1)) == 1
    response = env.exchange(c1, grant)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_AC_01_code_lifetime_longer_than_ten_minutes_is_refused(make_env):
    with pytest.raises(ValueError):
        make_env(CODE_EXPIRES_IN=601)


def test_AC_02_second_redemption_is_invalid_grant(env, c1):
    grant = env.get_code(c1)
    assert env.exchange(c1, grant).status_code == 200
    again = env.exchange(c1, grant)
    assert again.status_code == 400
    assert error_of(again) == "invalid_grant"


def test_AC_02_replay_revokes_the_tokens_of_the_first_redemption(env, c1):
    grant = env.get_code(c1)
    first = env.exchange(c1, grant).get_json()
    assert env.api(first["access_token"]).status_code == 200
    assert error_of(env.exchange(c1, grant)) == "invalid_grant"
    assert env.introspect(c1, first["access_token"]).get_json() == {"active": False}
    api = env.api(first["access_token"])
    assert api.status_code == 401
    assert 'error="invalid_token"' in api.headers["WWW-Authenticate"]
    assert error_of(env.refresh(c1, first["refresh_token"])) == "invalid_grant"


def test_AC_03_replay_with_wrong_verifier_does_not_revoke(env, p1):
    grant = env.get_code(p1)
    first = env.exchange(p1, grant).get_json()
    replay = env.exchange(p1, grant, verifier=pkce_pair()[0])
    assert error_of(replay) == "invalid_grant"
    assert env.api(first["access_token"]).status_code == 200


def test_AC_03_replay_with_wrong_client_secret_does_not_revoke(env, c1):
    grant = env.get_code(c1)
    first = env.exchange(c1, grant).get_json()
    from tests.helpers import basic_auth

    replay = env.exchange(c1, grant, headers=basic_auth(c1.client_id, "wrong-secret"))
    assert replay.status_code == 401
    assert env.api(first["access_token"]).status_code == 200


def test_AC_04_code_of_one_client_redeemed_by_another_is_invalid_grant(env, c1, c2):
    grant = env.get_code(c1)
    response = env.exchange(c2, grant)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_AC_04_public_client_code_redeemed_with_another_client_id_is_invalid_grant(
        env, p1, p2):
    grant = env.get_code(p1)
    response = env.exchange(p2, grant)
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"


def test_AC_06_codes_are_unique_and_long(env, p1):
    codes = [env.get_code(p1).code for _ in range(25)]
    assert len(set(codes)) == len(codes)
    assert min(len(c) for c in codes) >= 43  # 256 bits of base64url (DESIGN: >= 256 bits)


def test_AC_07_concurrent_redemptions_of_one_code_issue_one_token(env, c1, live_server):
    grant = env.get_code(c1)
    data = {"grant_type": "authorization_code", "code": grant.code, "redirect_uri": REG,
            "code_verifier": grant.verifier}
    barrier = threading.Barrier(10)

    def redeem(_):
        barrier.wait(timeout=30)
        return requests.post(live_server.url + TOKEN, data=data, headers=c1.auth(), timeout=60)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(redeem, range(10)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1, statuses
    assert all(r.json()["error"] == "invalid_grant" for r in results if r.status_code != 200)
