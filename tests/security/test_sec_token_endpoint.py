"""The token endpoint (TE-01 .. TE-08) and client authentication (CA-01 .. CA-10).

RFC 6749 §2.3, §3.2, §5.1, §5.2, Appendix B; OAuth 2.1 §2.4, §3.2.
"""

from __future__ import annotations

import hmac
import json
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy

from tests.helpers import SPECIAL_ID, SPECIAL_SECRET, basic_auth, basic_raw, error_of
from tests.security.sec_app import TOKEN_ERRORS, assert_oauth_error, db
from tests.security.sec_flows import TOKEN

SPECIAL_BASIC = ("Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUy"
                 "RjhiTCUyQndmRlR0MXJGdyUzRA==")
SPECIAL_BASIC_RAW = ("Basic MVBwRy9RIDE6ei90WjlWd0ZacUFwbUlRK1pIMUk1cExrL3VCNHVkOlgyLzhiTCt3ZkZ"
                     "UdDFyRnc9")


def assert_no_store(response):
    assert "no-store" in response.headers.get("Cache-Control", ""), dict(response.headers)
    assert response.headers.get("Pragma") == "no-cache", dict(response.headers)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_TE_01_token_endpoint_refuses_other_methods_than_post(env, c1, method):
    response = env.http.open(TOKEN + "?grant_type=client_credentials", method=method,
                             headers=c1.auth())
    assert response.status_code in (400, 405)
    assert "access_token" not in response.get_data(as_text=True)


def test_TE_02_token_responses_are_not_cached(env, c1):
    grant = env.get_code(c1)
    for response in (env.exchange(c1, grant), env.client_credentials(c1)):
        assert response.status_code == 200
        assert_no_store(response)


def test_TE_02_refresh_response_is_not_cached(env, c1):
    refresh_token = env.tokens(c1)["refresh_token"]
    response = env.refresh(c1, refresh_token)
    assert response.status_code == 200
    assert_no_store(response)


@pytest.mark.parametrize("data", [{"grant_type": "authorization_code", "code": "nope"}, {}])
def test_TE_02_token_error_responses_are_not_cached(env, c1, data):
    response = env.token(data, c1.auth())
    assert response.status_code == 400
    assert_no_store(response)


def test_TE_02_invalid_client_response_is_not_cached(env, c1):
    response = env.client_credentials(c1.__class__(c1.client_id, "wrong", False, []))
    assert response.status_code == 401
    assert_no_store(response)


def test_TE_03_success_response_shape(env, c1):
    body = env.tokens(c1)
    assert isinstance(body["access_token"], str) and body["access_token"]
    assert body["token_type"].lower() == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert isinstance(body["refresh_token"], str)


def test_TE_03_scope_is_returned_when_narrower_than_requested(env, c1):
    env.login()
    page, verifier = env.consent_page(c1, scope="profile read")
    response = env.post_consent(page, uncheck=("read",))
    from tests.helpers import location_params

    code = location_params(response.headers["Location"])["code"]
    token = env.token({"grant_type": "authorization_code", "code": code,
                       "redirect_uri": "https://client.example/cb", "code_verifier": verifier},
                      c1.auth())
    assert token.status_code == 200
    assert token.get_json()["scope"].split() == ["profile"]


@pytest.mark.parametrize("data,error", [
    ({}, "invalid_request"),
    ({"grant_type": "foo"}, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "code": "bad", "redirect_uri": "x"}, "invalid_grant"),
    ({"grant_type": "authorization_code"}, "invalid_request"),
    ({"grant_type": "refresh_token", "refresh_token": "bad"}, "invalid_grant"),
    ({"grant_type": "refresh_token"}, "invalid_request"),
    ({"grant_type": "client_credentials", "scope": "admin"}, "invalid_scope"),
])
def test_TE_04_errors_are_rfc6749_json(env, c1, data, error):
    response = env.token(data, c1.auth())
    assert response.status_code == 400
    assert assert_oauth_error(response, TOKEN_ERRORS)["error"] == error


def test_TE_05_bad_basic_credentials_give_401_with_www_authenticate_basic(env, c1):
    response = env.token({"grant_type": "client_credentials"},
                         basic_auth(c1.client_id, "wrong-secret"))
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("basic")


def test_TE_05_bad_client_secret_post_is_invalid_client(env, c1):
    response = env.token({"grant_type": "client_credentials", "client_id": c1.client_id,
                          "client_secret": "wrong-secret"})
    assert response.status_code in (400, 401)
    assert error_of(response) == "invalid_client"


@pytest.mark.parametrize("param", ["code", "grant_type", "redirect_uri", "code_verifier"])
def test_TE_06_duplicated_parameter_is_invalid_request(env, c1, param):
    grant = env.get_code(c1)
    data = [("grant_type", "authorization_code"), ("code", grant.code),
            ("redirect_uri", grant.redirect_uri), ("code_verifier", grant.verifier)]
    data.append((param, dict(data)[param]))
    response = env.token(urlencode(data), c1.auth())
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


def test_TE_07_unknown_grant_type_is_unsupported_grant_type(env, c1):
    response = env.token({"grant_type": "urn:x:foo"}, c1.auth())
    assert error_of(response) == "unsupported_grant_type"


def test_TE_07_public_client_cannot_use_client_credentials(env, p1):
    response = env.token({"grant_type": "client_credentials", "client_id": p1.client_id})
    assert response.status_code in (400, 401)
    assert error_of(response) in ("unauthorized_client", "invalid_client")


def test_TE_07_grant_not_allowed_for_client_is_unauthorized_client(env):
    client = env.clients.create(grant_types=["authorization_code"])
    response = env.client_credentials(client)
    assert response.status_code == 400
    assert error_of(response) == "unauthorized_client"


def test_TE_08_json_body_is_invalid_request(env, c1):
    response = env.http.post(TOKEN, data=json.dumps({"grant_type": "client_credentials"}),
                             content_type="application/json", headers=c1.auth())
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


# -- client authentication ------------------------------------------------------------------


@pytest.fixture
def special(env):
    """A client whose id and secret are ``SPECIAL_ID`` / ``SPECIAL_SECRET`` of tests.helpers.

    ``create_client`` generates both, so the row is rewritten (the store keeps the
    secret's SHA-256 digest, ``flask_oauth_provider.sqla.token_digest``).
    """
    from flask_oauth_provider.sqla import token_digest
    from tests.security.sec_app import Client

    info = env.clients.create(grant_types=["client_credentials"])
    with env.app.app_context():
        row = db.session.execute(db.select(Client).filter_by(client_id=info.client_id)
                                 ).scalar_one()
        row.client_id = SPECIAL_ID
        row.client_secret_hash = token_digest(SPECIAL_SECRET)
        db.session.commit()
    info.client_id, info.secret = SPECIAL_ID, SPECIAL_SECRET
    return info


def test_CA_01_basic_credentials_are_form_urldecoded(env, special):
    assert basic_auth(SPECIAL_ID, SPECIAL_SECRET)["Authorization"] == SPECIAL_BASIC
    response = env.token({"grant_type": "client_credentials"}, {"Authorization": SPECIAL_BASIC})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_CA_01_over_encoded_basic_credentials_are_accepted(env, special):
    over = "1PpG%2FQ+1:" + "".join(f"%{b:02X}" for b in SPECIAL_SECRET.encode())
    header = basic_raw(over)
    response = env.token({"grant_type": "client_credentials"}, {"Authorization": header})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_CA_01_unencoded_basic_credentials_are_refused(env, special):
    response = env.token({"grant_type": "client_credentials"},
                         {"Authorization": SPECIAL_BASIC_RAW})
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"


def test_CA_01_secret_containing_a_colon_is_split_on_the_first_colon(env, c1):
    # The generated secret has no colon; a raw "id:sec:ret" must not authenticate as id/sec.
    header = basic_auth(c1.client_id, c1.secret + ":extra")
    response = env.token({"grant_type": "client_credentials"}, header)
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Basic", "Basic !!!notbase64", basic_raw(b"nocolon"),
                                    basic_raw(b"\xff\xfe:\xff"), "Basic a=b=c"])
def test_CA_01_malformed_basic_header_is_invalid_client(env, c1, header):
    response = env.token({"grant_type": "client_credentials"}, {"Authorization": header})
    assert response.status_code in (400, 401)
    assert error_of(response) in ("invalid_client", "invalid_request")


def test_CA_02_client_secret_post_is_accepted(env, c1):
    response = env.token({"grant_type": "client_credentials", "client_id": c1.client_id,
                          "client_secret": c1.secret})
    assert response.status_code == 200


def test_CA_02_credentials_in_the_query_string_are_refused(env, c1):
    qs = urlencode({"client_id": c1.client_id, "client_secret": c1.secret})
    response = env.http.post(TOKEN + "?" + qs, data="grant_type=client_credentials",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 401)
    assert "access_token" not in response.get_data(as_text=True)


def test_CA_03_two_authentication_methods_are_invalid_request(env, c1):
    response = env.token({"grant_type": "client_credentials", "client_id": c1.client_id,
                          "client_secret": c1.secret}, c1.auth())
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


def test_CA_03_basic_and_different_body_client_id_are_refused(env, c1, c2):
    response = env.token({"grant_type": "client_credentials", "client_id": c2.client_id},
                         c1.auth())
    assert response.status_code in (400, 401)
    assert error_of(response) in ("invalid_request", "invalid_client")


def test_CA_04_confidential_client_must_authenticate_to_redeem_a_code(env, c1):
    grant = env.get_code(c1)
    response = env.exchange(c1, grant, headers={}, client_id=c1.client_id)
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"


def test_CA_04_confidential_client_must_authenticate_to_refresh(env, c1):
    refresh_token = env.tokens(c1)["refresh_token"]
    response = env.refresh(c1, refresh_token, headers={}, client_id=c1.client_id)
    assert response.status_code == 401
    assert error_of(response) == "invalid_client"


def test_CA_05_public_client_gets_no_secret(env, p1):
    assert p1.secret is None


def test_CA_05_public_client_cannot_authenticate_with_a_made_up_secret(env, p1):
    response = env.token({"grant_type": "client_credentials"}, basic_auth(p1.client_id, "x"))
    assert response.status_code in (400, 401)
    assert "access_token" not in response.get_data(as_text=True)


def test_CA_07_client_secret_is_compared_in_constant_time(env, c1, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert env.client_credentials(c1).status_code == 200
    assert calls, "client authentication did not use hmac.compare_digest"


def scan_database(env):
    """Every text/binary value of every table, as strings."""
    values = []
    with env.app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sqlalchemy.select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        values.append(value.decode("latin-1"))
                    elif value is not None:
                        values.append(str(value))
    return "\n".join(values)


def test_CA_08_no_secret_code_or_token_is_stored_in_clear(env, c1):
    grant = env.get_code(c1)
    tokens = env.exchange(c1, grant).get_json()
    refreshed = env.refresh(c1, tokens["refresh_token"]).get_json()
    cc = env.client_credentials(c1).get_json()
    dump = scan_database(env)
    for name, value in [("secret", c1.secret), ("code", grant.code),
                        ("access token", tokens["access_token"]),
                        ("refresh token", tokens["refresh_token"]),
                        ("refreshed access token", refreshed["access_token"]),
                        ("new refresh token", refreshed.get("refresh_token")),
                        ("client credentials token", cc["access_token"]),
                        ("verifier", grant.verifier)]:
        if value:
            assert value not in dump, f"{name} stored in clear"


def test_CA_09_client_secrets_are_unique_and_long(env):
    secrets_ = [env.clients.create().secret for _ in range(20)]
    assert len(set(secrets_)) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]{43,}", s) for s in secrets_)


def test_CA_10_unknown_client_and_wrong_secret_look_the_same(env, c1):
    unknown = env.token({"grant_type": "client_credentials"}, basic_auth("no-such-client", "x"))
    wrong = env.token({"grant_type": "client_credentials"}, basic_auth(c1.client_id, "x"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert unknown.headers.get("WWW-Authenticate") == wrong.headers.get("WWW-Authenticate")


def test_RL_02_access_tokens_are_unique_and_long(env, c1):
    tokens = [env.client_credentials(c1).get_json()["access_token"] for _ in range(30)]
    assert len(set(tokens)) == 30
    assert all(len(t) >= 43 for t in tokens)  # >= 256 bits (DESIGN, RFC 6749 §10.10)


@pytest.mark.parametrize("path", ["/oauth/revoke", "/oauth/introspect"])
def test_CA_02_credentials_in_the_query_string_are_refused_at_revoke_and_introspect(
        env, c1, path):
    token = env.client_credentials(c1).get_json()["access_token"]
    qs = urlencode({"client_id": c1.client_id, "client_secret": c1.secret})
    response = env.http.post(path + "?" + qs, data=urlencode({"token": token}),
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 401)
    assert env.api(token, "/api/client").status_code == 200


def variants(value):
    return [value.swapcase(), value + " ", " " + value, value.upper(), value.lower()]


def test_CA_10_client_id_is_matched_exactly(env, c1):
    for client_id in variants(c1.client_id):
        if client_id == c1.client_id:
            continue
        response = env.token({"grant_type": "client_credentials"},
                             basic_auth(client_id, c1.secret))
        assert response.status_code == 401, client_id


def test_CA_10_client_secret_is_matched_exactly(env, c1):
    for secret in variants(c1.secret):
        if secret == c1.secret:
            continue
        response = env.token({"grant_type": "client_credentials"},
                             basic_auth(c1.client_id, secret))
        assert response.status_code == 401


def test_RU_07_client_id_variant_at_the_authorization_endpoint_never_redirects(env, c1):
    env.login()
    for client_id in variants(c1.client_id):
        if client_id == c1.client_id:
            continue
        query, _ = env.authorize_params(c1, client_id=client_id)
        response = env.authorize_get(query)
        assert response.status_code == 400 and "Location" not in response.headers
