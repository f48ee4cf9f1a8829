"""RFC 7523 §2.2 / §3 and OpenID Connect Core §9: private_key_jwt client authentication,
through the token, revocation, introspection and device authorization endpoints."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest

from flask_oauth_provider.core import jose
from tests.client_jwt.conftest import (
    ASSERTION_TYPE,
    ISSUER,
    TOKEN_URL,
    assertion,
    assertion_form,
    create_client,
    key_client,
)
from tests.helpers import basic_auth, error_of


def token_request(app, token, **fields):
    fields.setdefault("grant_type", "client_credentials")
    fields.setdefault("scope", "read")
    return app.test_client().post("/oauth/token", data=assertion_form(token, **fields))


def granted(app, client_id, key, **claims):
    return token_request(app, assertion(client_id, key, **claims))


# -- §2.2: the assertion authenticates the client ------------------------------------------


def test_a_good_assertion_gets_a_token(app, client_key):
    client_id = key_client(app, client_key)
    response = granted(app, client_id, client_key)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["token_type"] == "Bearer"


@pytest.mark.parametrize("aud", [ISSUER, TOKEN_URL, [ISSUER]])
def test_aud_may_be_the_issuer_or_the_token_endpoint(app, client_key, aud):
    client_id = key_client(app, client_key)
    assert granted(app, client_id, client_key, aud=aud).status_code == 200


def test_client_id_may_be_left_out(app, client_key):
    """RFC 7521 §4.2: client_id is optional beside an assertion; iss names the client."""
    client_id = key_client(app, client_key)
    response = token_request(app, assertion(client_id, client_key))
    assert response.status_code == 200


def test_a_body_client_id_must_name_the_asserted_client(app, client_key):
    client_id = key_client(app, client_key)
    other_id = key_client(app, client_key)
    response = token_request(app, assertion(client_id, client_key),
                             client_id=other_id)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_the_assertion_authenticates_at_revocation(app, client_key):
    client_id = key_client(app, client_key)
    access = granted(app, client_id, client_key).get_json()["access_token"]
    http = app.test_client()
    response = http.post("/oauth/revoke", data=assertion_form(
        assertion(client_id, client_key, aud=ISSUER + "/oauth/revoke"),
        token=access))
    assert response.status_code == 200
    assert http.get("/api/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_the_assertion_authenticates_at_introspection(app, client_key):
    client_id = key_client(app, client_key)
    access = granted(app, client_id, client_key).get_json()["access_token"]
    response = app.test_client().post("/oauth/introspect", data=assertion_form(
        assertion(client_id, client_key, aud=ISSUER + "/oauth/introspect"),
        token=access))
    assert response.status_code == 200
    assert response.get_json()["active"] is True
    assert response.get_json()["client_id"] == client_id


def test_introspection_refuses_a_bad_assertion(app, client_key, other_key):
    client_id = key_client(app, client_key)
    access = granted(app, client_id, client_key).get_json()["access_token"]
    response = app.test_client().post("/oauth/introspect", data=assertion_form(
        assertion(client_id, other_key), token=access))
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_the_assertion_authenticates_at_device_authorization(app_factory, client_key):
    app = app_factory(GRANT_TYPES=("authorization_code", "client_credentials",
                                   "urn:ietf:params:oauth:grant-type:device_code"))
    client_id = key_client(app, client_key, grant_types=[
        "urn:ietf:params:oauth:grant-type:device_code"], redirect_uris=[])
    http = app.test_client()
    good = http.post("/oauth/device_authorization", data=assertion_form(
        assertion(client_id, client_key), scope="read"))
    assert good.status_code == 200, good.get_json()
    bad = http.post("/oauth/device_authorization", data=assertion_form(
        assertion(client_id, client_key, aud="https://elsewhere.example"),
        scope="read"))
    assert bad.status_code == 401 and error_of(bad) == "invalid_client"


# -- §3: the claims, one by one -----------------------------------------------------------


@pytest.mark.parametrize("claims", [
    {"iss": "someone-else"},
    {"sub": "someone-else"},
    {"iss": None},
    {"sub": None},
], ids=["wrong-iss", "wrong-sub", "no-iss", "no-sub"])
def test_iss_and_sub_must_be_the_client_id(app, client_key, claims):
    client_id = key_client(app, client_key)
    response = token_request(app, assertion(client_id, client_key, **claims),
                             client_id=client_id)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


@pytest.mark.parametrize("aud", [
    "https://other-server.example/oauth/token",
    "https://other-server.example",
    [ISSUER, "https://other-server.example"],
    [],
    None,
    "https://as.example/oauth/token/",
], ids=["other-token-endpoint", "other-issuer", "ours-and-another", "empty", "none",
        "trailing-slash"])
def test_an_aud_that_does_not_name_this_server_alone_is_refused(app, client_key, aud):
    client_id = key_client(app, client_key)
    response = granted(app, client_id, client_key, aud=aud)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_an_aud_from_a_spoofed_host_header_is_refused(app, client_key):
    """The accepted URLs come from the configured issuer, not from the Host header."""
    client_id = key_client(app, client_key)
    response = app.test_client().post(
        "/oauth/token", base_url="https://evil.example",
        data=assertion_form(assertion(
            client_id, client_key, aud="https://evil.example/oauth/token"),
            grant_type="client_credentials", scope="read"))
    assert response.status_code == 401


def test_an_expired_assertion_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    now = int(time.time())
    response = granted(app, client_id, client_key, iat=now - 200, exp=now - 100)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_an_assertion_without_exp_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    assert granted(app, client_id, client_key, exp=None).status_code == 401


@pytest.mark.parametrize("claims", [
    {"lifetime": 3600},
    {"iat": None, "lifetime": 3600},
], ids=["from-iat", "from-now"])
def test_an_assertion_living_too_long_is_refused(app, client_key, claims):
    client_id = key_client(app, client_key)
    lifetime = claims.pop("lifetime")
    token = assertion(client_id, client_key, lifetime=lifetime, **claims)
    assert token_request(app, token).status_code == 401


def test_the_lifetime_bound_is_configurable(app_factory, client_key):
    app = app_factory(CLIENT_ASSERTION_MAX_LIFETIME=3600)
    client_id = key_client(app, client_key)
    assert token_request(app, assertion(
        client_id, client_key, lifetime=3600)).status_code == 200


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_an_assertion_from_the_future_is_refused(app, client_key, claim):
    client_id = key_client(app, client_key)
    assert granted(app, client_id, client_key, **{claim: int(time.time()) + 120}
                   ).status_code == 401


def test_small_clock_skew_is_tolerated(app, client_key):
    client_id = key_client(app, client_key)
    assert granted(app, client_id, client_key, iat=int(time.time()) + 5,
                   nbf=int(time.time()) + 5).status_code == 200


@pytest.mark.parametrize("jti", [None, "", 7, "x" * 256], ids=["none", "empty", "number",
                                                                "too-long"])
def test_a_usable_jti_is_required(app, client_key, jti):
    client_id = key_client(app, client_key)
    assert granted(app, client_id, client_key, jti=jti).status_code == 401


def test_a_replayed_jti_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    token = assertion(client_id, client_key)
    assert token_request(app, token).status_code == 200
    again = token_request(app, token)
    assert again.status_code == 401 and error_of(again) == "invalid_client"


def test_the_same_jti_from_two_clients_is_two_values(app, client_key):
    """The jti is kept per client (namespace client_assertion, keyed with the client_id)."""
    first, second = key_client(app, client_key), key_client(app, client_key)
    assert granted(app, first, client_key, jti="shared").status_code == 200
    assert granted(app, second, client_key, jti="shared").status_code == 200


# -- signatures and algorithms ---------------------------------------------------------------


def _unsigned(claims: dict) -> str:
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_alg_none_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    now = int(time.time())
    token = _unsigned({"iss": client_id, "sub": client_id, "aud": TOKEN_URL,
                       "exp": now + 60, "jti": "n"})
    response = token_request(app, token)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_hs256_is_refused_for_a_private_key_jwt_client(app, client_key):
    """An HMAC keyed with the client's public key (algorithm confusion, RFC 8725 §2.1)."""
    client_id = key_client(app, client_key)
    now = int(time.time())
    public_text = json.dumps(jose.public_jwk(client_key), sort_keys=True)
    token = jose.sign_with_secret({"iss": client_id, "sub": client_id, "aud": TOKEN_URL,
                                   "exp": now + 60, "jti": "hs"}, public_text)
    assert token_request(app, token).status_code == 401


def test_a_key_that_is_not_the_clients_is_refused(app, client_key, other_key):
    client_id = key_client(app, client_key)
    response = granted(app, client_id, other_key)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_an_algorithm_off_the_list_is_refused(app_factory):
    app = app_factory(TOKEN_ENDPOINT_AUTH_SIGNING_ALGS=("ES256",))
    rsa = jose.generate_key("RS256")
    client_id = key_client(app, rsa)
    assert granted(app, client_id, rsa).status_code == 401


def test_a_tampered_assertion_is_refused(app, client_key):
    client_id = key_client(app, client_key)
    header, payload, signature = assertion(client_id, client_key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["exp"] += 10
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert token_request(app, f"{header}.{forged}.{signature}").status_code == 401


# -- methods: one per request, the registered one ---------------------------------------------


def test_an_assertion_with_basic_is_invalid_request(app, client_key):
    client_id = key_client(app, client_key)
    response = app.test_client().post(
        "/oauth/token", headers=basic_auth(client_id, "whatever"),
        data=assertion_form(assertion(client_id, client_key),
                            grant_type="client_credentials"))
    assert response.status_code == 400 and error_of(response) == "invalid_request"


def test_an_assertion_with_client_secret_is_invalid_request(app, client_key):
    client_id = key_client(app, client_key)
    response = token_request(app, assertion(client_id, client_key),
                             client_secret="whatever")
    assert response.status_code == 400 and error_of(response) == "invalid_request"


def test_half_an_assertion_is_invalid_request(app, client_key):
    client_id = key_client(app, client_key)
    response = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE})
    assert response.status_code == 400 and error_of(response) == "invalid_request"
    response = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials",
        "client_assertion": assertion(client_id, client_key)})
    assert response.status_code == 400 and error_of(response) == "invalid_request"


def test_an_unknown_assertion_type_is_invalid_client(app, client_key):
    client_id = key_client(app, client_key)
    form = assertion_form(assertion(client_id, client_key),
                          grant_type="client_credentials")
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
    response = app.test_client().post("/oauth/token", data=form)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


def test_a_secret_client_cannot_send_an_assertion(app, client_key):
    """A client registered for client_secret_basic has no keys to speak of; even one that
    registered keys (for request objects) must use the method it registered."""
    client_id, _ = create_client(app, jwks={"keys": [jose.public_jwk(client_key)]})
    assert granted(app, client_id, client_key).status_code == 401


def test_a_private_key_jwt_client_cannot_use_a_secret(app, client_key):
    client_id = key_client(app, client_key)
    response = app.test_client().post("/oauth/token", headers=basic_auth(client_id, ""),
                                      data={"grant_type": "client_credentials"})
    assert response.status_code == 401


def test_a_public_client_cannot_send_an_assertion(app, client_key):
    client_id, _ = create_client(app, public=True, grant_types=["authorization_code"],
                                 jwks={"keys": [jose.public_jwk(client_key)]})
    response = token_request(app, assertion(client_id, client_key),
                             grant_type="authorization_code", code="x")
    assert response.status_code == 401


def test_a_method_left_out_of_the_config_is_refused(app_factory, client_key):
    """A client registered before its method was left out of the config (create_client
    now refuses such a client) can no longer authenticate."""
    client_id = key_client(app_factory(), client_key)
    app = app_factory(TOKEN_ENDPOINT_AUTH_METHODS=("client_secret_basic",))
    assert granted(app, client_id, client_key).status_code == 401
    with pytest.raises(ValueError, match="'private_key_jwt' is not enabled"):
        key_client(app, client_key)


def test_a_secret_method_left_out_of_the_config_is_refused(app_factory):
    """The FAPI 2.0 profile lists private_key_jwt alone: secrets stop working."""
    client_id, secret = create_client(app_factory())
    app = app_factory(TOKEN_ENDPOINT_AUTH_METHODS=("private_key_jwt",))
    with pytest.raises(ValueError, match="'client_secret_basic' is not enabled"):
        create_client(app)
    response = app.test_client().post("/oauth/token", headers=basic_auth(client_id, secret),
                                      data={"grant_type": "client_credentials"})
    assert response.status_code == 401


def test_public_clients_are_refused_without_none(app_factory):
    client_id, _ = create_client(app_factory(), public=True,
                                 grant_types=["authorization_code", "refresh_token"])
    app = app_factory(TOKEN_ENDPOINT_AUTH_METHODS=("private_key_jwt",))
    with pytest.raises(ValueError, match="'none' is not enabled"):
        create_client(app, public=True, grant_types=["authorization_code"])
    response = app.test_client().post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": "x", "client_id": client_id})
    assert response.status_code == 401 and error_of(response) == "invalid_client"


# -- errors: nothing of the assertion leaks ----------------------------------------------------


def test_the_refusal_and_the_log_never_hold_the_assertion(app, client_key, other_key, caplog):
    client_id = key_client(app, client_key)
    token = assertion(client_id, other_key)
    with caplog.at_level(logging.DEBUG, logger="flask_oauth_provider"):
        response = token_request(app, token)
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    signature = token.split(".")[2]
    assert token not in body and signature not in body
    assert "client assertion" in response.get_json()["error_description"]
    assert caplog.records, "the refusal is logged"
    assert all(signature not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "e30.e30.", "." * 5, "x" * 20000],
                         ids=["word", "dots", "empty-signature", "only-dots", "huge"])
def test_garbage_assertions_are_invalid_client_never_500(app, client_key, garbage):
    client_id = key_client(app, client_key)
    response = token_request(app, garbage, client_id=client_id)
    assert response.status_code in (400, 401), response.get_data(as_text=True)
    assert error_of(response) in ("invalid_client", "invalid_request")


def test_a_replay_store_outage_fails_closed(app, client_key, monkeypatch):
    """The jti cannot be checked: the request is refused (503 temporarily_unavailable),
    never accepted unchecked, and the answer holds nothing of the assertion."""
    from flask_oauth_provider import assertion_auth

    class Down:
        def first_use(self, namespace, value, expires_at):
            raise ConnectionError("store down")

    monkeypatch.setattr(assertion_auth, "_replay_cache", lambda: Down())
    client_id = key_client(app, client_key)
    token = assertion(client_id, client_key)
    response = token_request(app, token)
    assert response.status_code == 503
    assert error_of(response) == "temporarily_unavailable"
    assert token.split(".")[2] not in response.get_data(as_text=True)


@pytest.mark.parametrize("aud, status", [(ISSUER, 200), ([ISSUER], 200), (TOKEN_URL, 401)])
def test_issuer_alone_as_audience_when_configured(app_factory, client_key, aud, status):
    """``OAUTH2_PROVIDER_CLIENT_ASSERTION_AUDIENCE = "issuer"`` (FAPI 2.0's rule): the
    token endpoint's URL no longer names this server."""
    app = app_factory(CLIENT_ASSERTION_AUDIENCE="issuer")
    client_id = key_client(app, client_key)
    response = granted(app, client_id, client_key, aud=aud)
    assert response.status_code == status, response.get_json()
    if status == 401:
        assert response.get_json()["error"] == "invalid_client"


def test_an_unknown_audience_rule_stops_init_app(app_factory):
    with pytest.raises(ValueError, match="CLIENT_ASSERTION_AUDIENCE must be one of"):
        app_factory(CLIENT_ASSERTION_AUDIENCE="endpoint")
