"""RFC 9101 (JAR): signed request objects by value at the authorization endpoint.

A refused object is answered on this server's page, never by a redirect: neither the
redirect URI inside it nor the one in the query is vouched for (RFC 9101 §6.3)."""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import urlencode

import pytest

from flask_oauth_provider.core import jose
from flask_oauth_provider.request_objects import request_object_parameters
from tests.client_jwt.conftest import (
    ISSUER,
    REDIRECT,
    assertion,
    assertion_form,
    create_client,
    key_client,
)
from tests.helpers import location_params, pkce_pair

EVIL = "https://evil.example/steal"


@pytest.fixture
def jar_app(app):
    app.config["TEST_SKIP_CONSENT"] = True
    return app


@pytest.fixture
def browser(jar_app):
    http = jar_app.test_client()
    assert http.post("/login", data={"username": "alice"}).status_code == 200
    return http


def request_object(client_id, key, /, **params):
    """A request object for ``client_id`` signed with ``key``; ``None`` values dropped."""
    verifier, challenge = pkce_pair()
    now = int(time.time())
    claims = {"iss": client_id, "aud": ISSUER, "client_id": client_id, "iat": now,
              "exp": now + 300, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "profile", "state": "from-the-object",
              "code_challenge": challenge, "code_challenge_method": "S256"}
    claims.update(params)
    return jose.sign({k: v for k, v in claims.items() if v is not None}, key,
                     typ="oauth-authz-req+jwt"), verifier


def authorize(http, **query):
    return http.get("/oauth/authorize?" + urlencode(query))


def assert_refused_here(response, error="invalid_request_object"):
    assert response.status_code == 400, (response.status_code, response.headers)
    assert "Location" not in response.headers
    assert error in response.get_data(as_text=True)


def test_a_signed_request_object_is_used(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    token, verifier = request_object(client_id, client_key)
    response = authorize(browser, client_id=client_id, request=token)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(REDIRECT)
    params = location_params(response.headers["Location"])
    assert params["state"] == "from-the-object"
    # The code redeems with the PKCE verifier of the object's challenge.
    answer = jar_app.test_client().post("/oauth/token", data=assertion_form(
        assertion(client_id, client_key), grant_type="authorization_code",
        code=params["code"], redirect_uri=REDIRECT, code_verifier=verifier))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["scope"] == "profile"


def test_only_the_objects_parameters_are_used(jar_app, browser, client_key):
    """RFC 9101 §5: "MUST only use the parameters in the Request Object"."""
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key)
    response = authorize(browser, client_id=client_id, request=token, state="from-the-query",
                         redirect_uri=EVIL, scope="read", response_type="token")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT)
    assert location_params(response.headers["Location"])["state"] == "from-the-object"


def test_a_secret_client_may_sign_request_objects_with_registered_keys(jar_app, browser,
                                                                       client_key):
    client_id, _ = create_client(jar_app, jwks={"keys": [jose.public_jwk(client_key)]})
    token, _ = request_object(client_id, client_key)
    assert authorize(browser, client_id=client_id, request=token).status_code == 302


def test_the_consent_round_trip_keeps_the_object(app, client_key):
    """Without consent skipping, the consent form posts back to the same URL, request
    object included; it verifies again and the grant follows."""
    http = app.test_client()
    http.post("/login", data={"username": "bob"})
    client_id = key_client(app, client_key)
    token, _ = request_object(client_id, client_key)
    path = "/oauth/authorize?" + urlencode({"client_id": client_id, "request": token})
    page = http.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    answer = http.post(path, data={"csrf_token": csrf, "scope": ["profile"], "allow": "x"})
    assert answer.status_code == 303
    assert location_params(answer.headers["Location"])["state"] == "from-the-object"


# -- refusals ---------------------------------------------------------------------------------


def _unsigned(claims):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none'})}.{part(claims)}."


def test_an_unsigned_request_object_is_refused(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    claims = {"iss": client_id, "aud": ISSUER, "client_id": client_id,
              "response_type": "code", "redirect_uri": EVIL, "scope": "profile"}
    assert_refused_here(authorize(browser, client_id=client_id, request=_unsigned(claims)))


def test_a_request_object_signed_by_another_key_is_refused(jar_app, browser, client_key,
                                                          other_key):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, other_key, redirect_uri=EVIL)
    assert_refused_here(authorize(browser, client_id=client_id, request=token))


def test_a_request_object_of_a_client_without_keys_is_refused(jar_app, browser, client_key):
    client_id, _ = create_client(jar_app)
    token, _ = request_object(client_id, client_key)
    assert_refused_here(authorize(browser, client_id=client_id, request=token))


@pytest.mark.parametrize("claims", [
    {"aud": "https://other-server.example"},
    {"aud": None},
    {"iss": "someone-else"},
    {"client_id": "someone-else"},
    {"client_id": None},
    {"exp": 1000},
    {"nbf": 4102444800},
    {"request_uri": "https://client.example/ro"},
], ids=["wrong-aud", "no-aud", "wrong-iss", "other-client-id", "no-client-id", "expired",
        "not-yet-valid", "nested-request-uri"])
def test_a_request_object_breaking_a_claim_rule_is_refused(jar_app, browser, client_key,
                                                            claims):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key, redirect_uri=EVIL, **claims)
    assert_refused_here(authorize(browser, client_id=client_id, request=token))


def test_the_query_client_id_must_match_the_object(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    other_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key)
    assert_refused_here(authorize(browser, client_id=other_id, request=token))


def test_a_request_object_needs_client_id_in_the_query(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key)
    assert_refused_here(authorize(browser, request=token), error="invalid_request")


def test_an_unknown_client_is_refused_without_redirect(jar_app, browser, client_key):
    token, _ = request_object("nobody", client_key)
    response = authorize(browser, client_id="nobody", request=token)
    assert response.status_code == 400 and "Location" not in response.headers


def test_an_hmac_request_object_is_refused(jar_app, browser, client_key):
    """Request objects are asymmetric only: secrets are not kept in clear here."""
    client_id = key_client(jar_app, client_key)
    token = jose.sign_with_secret({"iss": client_id, "aud": ISSUER, "client_id": client_id,
                                   "response_type": "code", "redirect_uri": EVIL},
                                  "s" * 43)
    assert_refused_here(authorize(browser, client_id=client_id, request=token))


def test_garbage_is_refused_never_500(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    for garbage in ("x", "a.b.c", "e30.e30.e30", "x" * 20000):
        response = authorize(browser, client_id=client_id, request=garbage)
        assert response.status_code == 400 and "Location" not in response.headers


def test_request_uri_by_reference_is_not_supported(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    response = authorize(browser, client_id=client_id, response_type="code",
                         request_uri="https://client.example/ro.jwt")
    assert_refused_here(response, error="request_uri_not_supported")


def test_a_refusal_goes_to_a_registered_redirect_uri_of_the_query(jar_app, browser,
                                                                  client_key, other_key):
    """RFC 6749 §4.1.2.1: with a client and redirect URI the server can vouch for, the
    error goes back to the client, with the query's state; the object's redirect_uri
    (EVIL here) is never used."""
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, other_key, redirect_uri=EVIL)
    response = authorize(browser, client_id=client_id, request=token, redirect_uri=REDIRECT,
                         response_type="code", state="from-the-query")
    assert response.status_code == 302 and response.headers["Location"].startswith(REDIRECT)
    params = location_params(response.headers["Location"])
    assert params["error"] == "invalid_request_object"
    assert params["state"] == "from-the-query" and "code" not in params
    response = authorize(browser, client_id=client_id, response_type="code",
                         redirect_uri=REDIRECT, request_uri="https://client.example/ro.jwt")
    assert location_params(response.headers["Location"])["error"] == \
        "request_uri_not_supported"


def test_an_unregistered_redirect_uri_of_the_query_gets_no_redirect(jar_app, browser,
                                                                    client_key, other_key):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, other_key)
    assert_refused_here(authorize(browser, client_id=client_id, request=token,
                                  redirect_uri=EVIL))
    other_id = key_client(jar_app, client_key, redirect_uris=["https://other.example/cb"])
    assert_refused_here(authorize(browser, client_id=other_id, request=token,
                                  redirect_uri=REDIRECT))


def test_request_and_request_uri_together_are_refused(jar_app, browser, client_key):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key)
    response = authorize(browser, client_id=client_id, request=token,
                         request_uri="urn:ietf:params:oauth:request_uri:abc")
    assert_refused_here(response, error="invalid_request")


# -- the function the PAR endpoint calls ------------------------------------------------------


def test_request_object_parameters_returns_the_parameters(jar_app, client_key):
    client_id = key_client(jar_app, client_key)
    token, _ = request_object(client_id, client_key, max_age=300,
                              claims={"id_token": {"acr": {"essential": True}}})
    with jar_app.test_request_context("/oauth/par", method="POST"):
        client = jar_app.extensions["test_oauth"].store.load_client(client_id)
        params = request_object_parameters(client, token)
    assert params["client_id"] == client_id and params["state"] == "from-the-object"
    assert params["max_age"] == "300"
    assert json.loads(params["claims"]) == {"id_token": {"acr": {"essential": True}}}
    assert not {"iss", "aud", "exp", "iat"} & set(params)
