"""Bearer-protected resources (BR-01 .. BR-08) and server metadata (MD-01 .. MD-06).

RFC 6750 §2, §3; OAuth 2.1 §5; RFC 8414 §2, §3; RFC 9207 §3.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

import pytest

from tests.security.sec_app import Token
from tests.security.sec_flows import AUTHORIZE, INTROSPECT, METADATA, REVOKE, TOKEN

AUTH_PARAM = re.compile(r'([a-zA-Z_]+)="([^"]*)"')


def challenge(response):
    header = response.headers.get("WWW-Authenticate", "")
    assert header.lower().startswith("bearer"), header
    names = [m.group(1) for m in AUTH_PARAM.finditer(header)]
    assert len(names) == len(set(names)), f"repeated attribute in {header!r}"  # BR-08
    return dict(AUTH_PARAM.findall(header))


@pytest.fixture
def token(env, c1):
    return env.tokens(c1, scope="profile read")["access_token"]


def test_BR_01_no_credentials_is_401_without_error(env):
    response = env.http.get("/api/me")
    assert response.status_code == 401
    assert "error" not in challenge(response)


@pytest.mark.parametrize("bad", ["garbage", "a" * 5000, "A" * 43])
def test_BR_02_unknown_token_is_invalid_token(env, bad):
    response = env.http.get("/api/me", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert challenge(response)["error"] == "invalid_token"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer x y", "Bearer \u00e9t\u00e9",
                                    "Bearer\tx", "Basic Zm9vOmJhcg==", "Bearer a,b"])
def test_BR_02_malformed_authorization_is_refused(env, header):
    response = env.http.get("/api/me", headers={"Authorization": header})
    assert response.status_code in (400, 401)
    challenge(response)


def test_BR_02_expired_token_is_invalid_token(env, token):
    env.expire(Token, expires_at=lambda v: v - datetime.timedelta(days=2))
    response = env.api(token)
    assert response.status_code == 401
    assert challenge(response)["error"] == "invalid_token"


def test_BR_02_revoked_token_is_invalid_token(env, c1, token):
    env.revoke(c1, token)
    response = env.api(token)
    assert response.status_code == 401
    assert challenge(response)["error"] == "invalid_token"


def test_BR_02_refresh_token_is_not_an_access_token(env, c1):
    refresh_token = env.tokens(c1)["refresh_token"]
    response = env.api(refresh_token)
    assert response.status_code == 401
    assert challenge(response)["error"] == "invalid_token"


def test_BR_03_insufficient_scope_is_403(env, token):
    response = env.api(token, "/api/write")
    assert response.status_code == 403
    assert challenge(response)["error"] == "insufficient_scope"


def test_BR_04_two_token_methods_are_invalid_request(env, c1):
    token = env.tokens(c1, scope="write")["access_token"]
    response = env.fresh_browser().post(
        "/api/write", data=urlencode({"access_token": token}),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert challenge(response)["error"] == "invalid_request"


def test_BR_05_query_string_token_is_ignored(env, token):
    response = env.fresh_browser().get("/api/me?" + urlencode({"access_token": token}))
    assert response.status_code == 401
    assert "error" not in challenge(response)


def test_BR_05_query_string_token_only_when_configured(make_env):
    env = make_env(ALLOW_QUERY_TOKEN=True)
    client = env.clients.create()
    token = env.tokens(client)["access_token"]
    response = env.fresh_browser().get("/api/me?" + urlencode({"access_token": token}))
    assert response.status_code == 200


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_BR_06_bearer_scheme_is_case_insensitive(env, token, scheme):
    response = env.fresh_browser().get("/api/me", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200


def test_BR_07_form_body_token_on_post(env, c1):
    token = env.tokens(c1, scope="write")["access_token"]
    response = env.fresh_browser().post("/api/write", data=urlencode({"access_token": token}),
                                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_BR_07_form_body_token_on_get_is_ignored(env, c1):
    token = env.tokens(c1, scope="write")["access_token"]
    response = env.fresh_browser().open("/api/write", method="GET",
                                        data=urlencode({"access_token": token}),
                                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401


def test_BR_07_json_body_token_is_ignored(env, c1):
    token = env.tokens(c1, scope="write")["access_token"]
    response = env.fresh_browser().post("/api/write", json={"access_token": token})
    assert response.status_code == 401


def test_BR_protected_errors_are_json(env, token):
    for response in (env.http.get("/api/me"), env.api("nope"), env.api(token, "/api/write")):
        assert response.headers["Content-Type"].startswith("application/json")
        assert isinstance(response.get_json(), dict)


# -- metadata --------------------------------------------------------------------------------


def metadata(env):
    response = env.http.get(METADATA)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.get_json()


def test_MD_01_metadata_is_published_as_json(env):
    assert metadata(env)


def test_MD_02_required_fields(env):
    doc = metadata(env)
    assert "?" not in doc["issuer"] and "#" not in doc["issuer"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["authorization_endpoint"].endswith(AUTHORIZE)
    assert doc["token_endpoint"].endswith(TOKEN)
    assert all(doc[k].startswith(doc["issuer"]) for k in
               ("authorization_endpoint", "token_endpoint"))


def test_MD_02_configured_issuer_must_be_https(make_env):
    with pytest.raises(ValueError):
        make_env(ISSUER="http://as.example")


def test_MD_02_configured_issuer_is_published_as_is(make_env):
    env = make_env(ISSUER="https://as.example")
    assert metadata(env)["issuer"] == "https://as.example"


def test_MD_03_code_challenge_methods(env):
    assert metadata(env)["code_challenge_methods_supported"] == ["S256"]


def test_MD_04_iss_parameter_supported(env):
    assert metadata(env)["authorization_response_iss_parameter_supported"] is True


def test_MD_05_only_enabled_features_are_advertised(env):
    doc = metadata(env)
    assert sorted(doc["grant_types_supported"]) == [
        "authorization_code", "client_credentials", "refresh_token"]
    assert doc["revocation_endpoint"].endswith(REVOKE)
    assert doc["introspection_endpoint"].endswith(INTROSPECT)
    # private_key_jwt / client_secret_jwt joined with issue 15 (RFC 7523); nothing else.
    assert {"client_secret_basic", "client_secret_post", "private_key_jwt",
            "client_secret_jwt", "none"} >= set(doc["token_endpoint_auth_methods_supported"])
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]


def test_MD_05_enabled_grants_are_advertised(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "implicit", "password"])
    doc = metadata(env)
    assert sorted(doc["grant_types_supported"]) == ["authorization_code", "implicit",
                                                    "password"]
    assert sorted(doc["response_types_supported"]) == ["code", "token"]


def test_MD_06_no_empty_arrays(env):
    assert all(value != [] for value in metadata(env).values())


def test_MD_01_issuer_with_a_path_publishes_metadata_after_the_well_known_prefix(make_env):
    env = make_env(ISSUER="https://as.example/tenant1")
    response = env.http.get(METADATA + "/tenant1", base_url="https://as.example")
    assert response.status_code == 200
    assert response.get_json()["issuer"] == "https://as.example/tenant1"


def test_BR_08_challenge_attributes_appear_once(env, token):
    for response in (env.http.get("/api/me"), env.api("nope"), env.api(token, "/api/write")):
        challenge(response)
