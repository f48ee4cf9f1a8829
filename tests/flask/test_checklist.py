"""The security requirements that concern the Flask layer, by the IDs of tests/security (its
package docstring lists them).

RU: redirect URIs, AZ: authorization endpoint, CA: client authentication, BR: bearer
resource protection. Each runs with the callback storage and with a custom validator.
"""

from __future__ import annotations

import re
from unittest import mock
from urllib.parse import urlencode

import pytest

from tests.flask.flask_support import (
    REG,
    REG2,
    access_token,
    authorize_url,
    consent,
    create_app,
    csrf_token,
    exchange,
    get_code,
    login,
)
from tests.helpers import (
    RFC7636_VERIFIER,
    SPECIAL_ID,
    SPECIAL_SECRET,
    basic_auth,
    basic_raw,
    bearer,
    location_values,
)


def assert_not_redirected(response):
    assert response.status_code == 400
    assert "Location" not in response.headers


# -- RU: redirect URIs ---------------------------------------------------------------------


@pytest.mark.parametrize("mutation", [
    REG + "/", "https://client.example/CB", "https://CLIENT.example/cb", REG + "?x=1",
    REG + "?code=attackercode", REG + "#x", "http://client.example/cb",
    "https://client.example:443/cb", "https://client.example%2Fcb", REG + "/../evil",
    REG + "/..%2Fevil", REG + "%2F..%2Fevil", REG + "/%2e%2e%2Fevil", REG + "/;/../../evil",
    REG + "%0A%0D/../../evil", "https://client.example@evil.example/cb",
    "https://client.example.evil.example/cb", REG + "%252F",
])
def test_RU_01_redirect_uri_must_match_exactly(client, mutation):
    login(client)
    assert_not_redirected(client.get(authorize_url(redirect_uri=mutation)))


def test_RU_02_client_without_redirect_uris_never_redirects(app, client):
    app.store.add_client("NOURI", "s", [], ["profile"])
    login(client)
    assert_not_redirected(client.get(authorize_url(client_id="NOURI", redirect_uri=None)))
    assert_not_redirected(client.get(authorize_url(client_id="NOURI")))


def test_RU_03_loopback_redirect_uri_may_change_only_its_port(client):
    login(client)
    url = authorize_url(client_id="N1", redirect_uri="http://127.0.0.1:51004/cb")
    response = consent(client, url)
    assert response.headers["Location"].startswith("http://127.0.0.1:51004/cb?code=")
    for bad in ("http://127.0.0.1:51004/cb?x=1", "http://127.0.0.1:51004/other",
                "http://localhost:51004/cb", "http://127.0.0.1.evil.example:51004/cb",
                "http://127.0.0.1:80@evil.example/cb"):
        assert_not_redirected(client.get(authorize_url(client_id="N1", redirect_uri=bad)))


def test_RU_03_port_exception_never_applies_to_https_uris(client):
    login(client)
    assert_not_redirected(client.get(authorize_url(
        redirect_uri="https://client.example:8443/cb")))


def test_RU_04_http_redirect_uri_is_refused_unless_loopback(cb_app, cb_client):
    cb_app.store.add_client("HTTP", "s", ["http://client.example/cb"], ["profile"])
    login(cb_client)
    assert_not_redirected(cb_client.get(authorize_url(
        client_id="HTTP", redirect_uri="http://client.example/cb")))


def test_RU_04_http_redirect_uri_is_allowed_with_insecure_transport():
    app = create_app("callbacks", INSECURE_TRANSPORT=True)
    app.store.add_client("HTTP", "s", ["http://client.example/cb"], ["profile"])
    client = app.test_client()
    login(client)
    url = authorize_url(client_id="HTTP", redirect_uri="http://client.example/cb",
                        scope="profile")
    assert client.get(url).status_code == 200


def test_RU_05_query_of_the_registered_redirect_uri_is_kept(app, client):
    app.store.add_client("Q", "Q-secret", ["https://c.example/cb?tenant=a"], ["profile"])
    login(client)
    response = consent(client, authorize_url(client_id="Q", scope="profile",
                                             redirect_uri="https://c.example/cb?tenant=a"))
    location = response.headers["Location"]
    assert location.startswith("https://c.example/cb?tenant=a&code=")
    assert location_values(location)["state"] == ["xyz"]


def test_RU_07_unknown_client_with_evil_redirect_is_not_redirected(client):
    login(client)
    assert_not_redirected(client.get(authorize_url(client_id="nobody",
                                                   redirect_uri="https://evil.example/")))


@pytest.mark.parametrize("extra", [
    {"response_type": "foo"}, {"scope": "admin"}, {"code_challenge_method": "S512"},
    {"code_challenge": None}, {"response_type": "token"},
])
def test_RU_08_no_error_path_redirects_to_an_unregistered_uri(client, extra):
    login(client)
    params = {"response_type": "code", "client_id": "P1",
              "redirect_uri": "https://evil.example/cb", "scope": "profile", "state": "s",
              "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
              "code_challenge_method": "S256"}
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    response = client.get("/oauth/authorize?" + urlencode(params))
    assert_not_redirected(response)


def test_RU_08_anonymous_user_with_unregistered_uri_is_not_redirected(client):
    response = client.get(authorize_url(redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_RU_09_redirect_uri_optional_with_one_registered_uri(client):
    login(client)
    response = consent(client, authorize_url(client_id="C2", redirect_uri=None))
    assert response.headers["Location"].startswith(REG + "?code=")


def test_RU_09_redirect_uri_required_with_several_registered_uris(client):
    login(client)
    assert_not_redirected(client.get(authorize_url(client_id="C1", redirect_uri=None)))


def test_RU_10_token_request_redirect_uri_must_equal_the_codes(client):
    login(client)
    code = get_code(client, authorize_url(redirect_uri=REG))
    response = exchange(client, code, redirect_uri=REG2)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_RU_12_consent_post_answers_303_never_307(client):
    login(client)
    assert consent(client, authorize_url()).status_code == 303
    assert consent(client, authorize_url(), allow=False).status_code == 303


def test_RU_13_anonymous_user_is_sent_to_login_never_to_the_client(client):
    for url in (authorize_url(), authorize_url(scope="admin")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


# -- AZ: authorization endpoint -------------------------------------------------------------


def test_AZ_01_get_is_supported(client):
    login(client)
    assert client.get(authorize_url()).status_code == 200


def test_AZ_02_unknown_parameters_are_ignored(client):
    login(client)
    assert client.get(authorize_url(foo="bar")).status_code == 200


@pytest.mark.parametrize("param", ["client_id", "redirect_uri"])
def test_AZ_02_duplicate_client_id_or_redirect_uri_is_not_redirected(client, param):
    login(client)
    value = {"client_id": "C1", "redirect_uri": REG}[param]
    assert_not_redirected(client.get(authorize_url() + "&" + urlencode({param: value})))


@pytest.mark.parametrize("param,value", [("scope", "profile"), ("code_challenge", "x" * 43),
                                         ("code_challenge_method", "S256")])
def test_AZ_02_duplicate_parameter_is_invalid_request(client, param, value):
    login(client)
    response = client.get(authorize_url() + "&" + urlencode({param: value}))
    if response.status_code == 400:
        assert "Location" not in response.headers
    else:
        assert location_values(response.headers["Location"])["error"] == ["invalid_request"]


def test_AZ_02_empty_state_is_treated_as_absent(client):
    login(client)
    response = consent(client, authorize_url(state=""))
    assert "state" not in location_values(response.headers["Location"])


def test_AZ_03_unknown_response_type_is_redirected_as_unsupported(client):
    login(client)
    response = client.get(authorize_url(response_type="foo"))
    assert location_values(response.headers["Location"]) == {
        "error": ["unsupported_response_type"], "state": ["xyz"],
        "iss": ["http://localhost"]}


def test_AZ_04_state_is_echoed_exactly_on_success_and_denial(client):
    state = "a b&c=d#e+ü"
    login(client)
    assert location_values(consent(client, authorize_url(state=state)).headers["Location"])[
        "state"] == [state]
    assert location_values(consent(client, authorize_url(state=state), allow=False).headers[
        "Location"])["state"] == [state]


def test_AZ_05_iss_is_in_every_authorization_response(client):
    login(client)
    success = consent(client, authorize_url())
    denial = consent(client, authorize_url(), allow=False)
    error = client.get(authorize_url(scope="admin"))
    metadata = client.get("/.well-known/oauth-authorization-server").json
    for response in (success, denial, error):
        assert location_values(response.headers["Location"])["iss"] == [metadata["issuer"]]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_AZ_06_consent_and_error_pages_cannot_be_framed(client):
    login(client)
    for response in (client.get(authorize_url()), client.get(authorize_url(client_id="x"))):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_AZ_07_a_consent_post_without_csrf_token_issues_nothing(app, client):
    login(client)
    client.get(authorize_url())
    response = client.post(authorize_url(), data={"allow": "x", "scope": ["profile"]})
    assert_not_redirected(response)
    assert app.store.grants == {}


def test_AZ_07_a_csrf_token_from_another_session_is_refused(app):
    mallory, alice = app.test_client(), app.test_client()
    login(mallory, "bob")
    token = csrf_token(mallory.get(authorize_url()).get_data(as_text=True))
    login(alice)
    alice.get(authorize_url())
    assert_not_redirected(alice.post(authorize_url(), data={"csrf_token": token,
                                                            "allow": "x"}))
    assert app.store.grants == {}


def test_AZ_07_no_get_request_ever_grants(app, client):
    login(client)
    response = client.get(authorize_url() + "&allow=Allow&approve=yes&confirm=yes")
    assert response.status_code == 200
    assert app.store.grants == {}


def test_AZ_07_tampered_hidden_fields_do_not_change_the_grant(client):
    login(client)
    response = consent(client, authorize_url(scope="profile"), scopes=["profile", "write"],
                       redirect_uri="https://evil.example/", client_id="C2",
                       code_challenge="A" * 43)
    location = response.headers["Location"]
    assert location.startswith(REG + "?")
    token = exchange(client, location_values(location)["code"][0], verifier=RFC7636_VERIFIER)
    assert token.json["scope"] == "profile"


def test_AZ_08_consent_is_asked_again_for_a_public_client(client):
    login(client)
    url = authorize_url(client_id="P1", redirect_uri=REG)
    assert consent(client, url).status_code == 303
    assert client.get(url).status_code == 200


def test_AZ_09_no_cors_at_the_authorization_endpoint(client):
    login(client)
    for response in (client.get(authorize_url(), headers={"Origin": "https://evil.example"}),
                     client.options(authorize_url(),
                                    headers={"Origin": "https://evil.example"})):
        assert "Access-Control-Allow-Origin" not in response.headers


def test_AZ_10_pages_send_no_referrer_and_load_no_third_party_resources(client):
    login(client)
    for response in (client.get(authorize_url()), client.get(authorize_url(client_id="x"))):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        html = response.get_data(as_text=True)
        assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", html)


def test_AZ_12_reflected_values_are_escaped_on_the_error_page(client):
    login(client)
    response = client.get(authorize_url(client_id="<script>alert(1)</script>"))
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_AZ_12_consent_page_escapes_the_client_name(app, client):
    app.store.add_client("X", "s", [REG], ["profile"], name="<b>evil</b>")
    login(client)
    html = client.get(authorize_url(client_id="X", scope="profile")).get_data(as_text=True)
    assert "<b>evil</b>" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html


# -- CA: client authentication -------------------------------------------------------------




def client_credentials(client, headers=None, **data):
    return client.post("/oauth/token", data={"grant_type": "client_credentials", **data},
                       headers=headers or {})


def test_CA_01_basic_credentials_are_form_urldecoded(client):
    header = ("Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUy"
              "RjhiTCUyQndmRlR0MXJGdyUzRA==")
    assert client_credentials(client, {"Authorization": header}).status_code == 200


def test_CA_01_over_encoded_basic_credentials_are_accepted(app, client):
    app.store.add_client("0jQKm_heHj4Ba7-IPX", "s3cr3t-value", [REG], ["read"])
    raw = b"0jQKm%5FheHj4Ba7%2DIPX:s3cr3t-value"
    header = {"Authorization": basic_raw(raw)}
    assert client_credentials(client, header).status_code == 200


def test_CA_01_unencoded_basic_credentials_are_refused(client):
    raw = f"{SPECIAL_ID}:{SPECIAL_SECRET}".encode()
    response = client_credentials(client, {"Authorization": basic_raw(raw)})
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_CA_01_bad_basic_credentials_are_challenged_with_basic(client):
    response = client_credentials(client, basic_auth("C1", "wrong"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_CA_02_client_secret_post_is_accepted(client):
    assert client_credentials(client, client_id="C1",
                              client_secret="C1-secret").status_code == 200


def test_CA_02_credentials_in_the_query_string_are_refused(client):
    response = client.post("/oauth/token?client_id=C1&client_secret=C1-secret",
                           data={"grant_type": "client_credentials"})
    assert response.status_code in (400, 401)
    assert "access_token" not in response.get_data(as_text=True)


def test_CA_03_two_authentication_methods_are_invalid_request(cb_client):
    response = client_credentials(cb_client, basic_auth("C1", "C1-secret"),
                                  client_secret="C1-secret")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_CA_04_confidential_client_must_authenticate_to_redeem_a_code(client):
    login(client)
    code = get_code(client)
    response = exchange(client, code, secret=None)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_CA_04_confidential_client_must_authenticate_to_refresh(client):
    login(client)
    refresh = exchange(client, get_code(client)).json["refresh_token"]
    response = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": refresh, "client_id": "C1"})
    assert response.status_code == 401


def test_CA_05_public_client_is_identified_by_client_id_alone(client):
    login(client)
    code = get_code(client, authorize_url(client_id="P1", redirect_uri=REG))
    response = exchange(client, code, client_id="P1", secret=None)
    assert response.status_code == 200


def test_CA_05_public_client_cannot_use_client_credentials(client):
    response = client_credentials(client, client_id="P1")
    assert response.status_code in (400, 401)
    assert "access_token" not in response.get_data(as_text=True)


def test_CA_07_secrets_are_compared_in_constant_time(cb_client):
    import hmac

    with mock.patch("hmac.compare_digest", wraps=hmac.compare_digest) as spy:
        assert client_credentials(cb_client, basic_auth("C1", "C1-secret")).status_code == 200
    assert spy.called


def test_CA_10_unknown_client_and_wrong_secret_look_the_same(client):
    unknown = client_credentials(client, basic_auth("nobody", "x"))
    wrong = client_credentials(client, basic_auth("C1", "x"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json == wrong.json


# -- BR: bearer resource protection ----------------------------------------------------------


def test_BR_01_no_credentials_is_401_with_a_challenge_without_error(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and "error=" not in challenge


def test_BR_02_invalid_expired_revoked_or_malformed_token_is_invalid_token(app, client):
    import datetime as dt

    expired = access_token(client)
    app.store.tokengetter(access_token=expired).expires = dt.datetime(2000, 1, 1)
    revoked = access_token(client)
    client.post("/oauth/revoke", data={"token": revoked}, headers=basic_auth("C1", "C1-secret"))
    for token in ("unknown-token", expired, revoked, "a b"):
        response = client.get("/api/me", headers=bearer(token))
        assert response.status_code == 401, token
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_BR_03_insufficient_scope_is_403(client):
    response = client.get("/api/me", headers=bearer(access_token(client, scope="read")))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="profile"' in response.headers["WWW-Authenticate"]


def test_BR_04_token_in_header_and_body_is_invalid_request(client):
    token = access_token(client, scope="profile write")
    response = client.post("/api/both", headers=bearer(token), data={"access_token": token})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_BR_05_token_in_the_query_is_ignored(client):
    token = access_token(client)
    response = client.get("/api/me?access_token=" + token)
    assert response.status_code == 401
    assert "error=" not in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_BR_06_bearer_scheme_is_case_insensitive(client, scheme):
    token = access_token(client)
    assert client.get("/api/me", headers=bearer(token, scheme)).status_code == 200


def test_BR_07_form_body_token_works_on_post_only(client):
    token = access_token(client, scope="profile write")
    assert client.post("/api/both", data={"access_token": token}).status_code == 200
    response = client.open("/api/both", method="GET", data={"access_token": token})
    assert response.status_code == 401


def test_BR_08_challenge_attributes_appear_at_most_once(client):
    token = access_token(client, scope="read")
    for response in (client.get("/api/me"), client.get("/api/me", headers=bearer("x")),
                     client.get("/api/me", headers=bearer(token))):
        names = re.findall(r'(\w+)="', response.headers["WWW-Authenticate"])
        assert len(names) == len(set(names))


def test_AZ_07_session_cookie_is_samesite_lax_and_httponly(client):
    response = client.post("/login", data={"username": "alice"})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_AZ_07_an_apps_own_samesite_choice_is_kept():
    from flask import Flask

    from flask_oauth_provider import OAuth2Provider

    app = Flask(__name__)
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    OAuth2Provider(app, validator=object())
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
