"""The OpenID Foundation's Basic OP plan (oidcc-basic-certification-test-plan), module by
module, against the Flask provider over its HTTP interface (response_type=code,
client_secret_basic unless a module says otherwise). Each test is named after its module.
"""

from __future__ import annotations

import json
import time

import pytest

from flask_oauth_provider.core import jose
from tests.helpers import basic_auth, location_params, pkce_pair
from tests.oidc.oidc_app import CB, authorize_path, consent

ISSUER = "http://localhost"


def login(client, username="alice"):
    response = client.post("/login", data={"username": username})
    assert response.status_code == 302


def authorize(client, web, **params):
    """Consent to an authorization request; the Location's parameters."""
    response = consent(client, authorize_path(web[0], **params))
    assert response.status_code == 303, response.get_data(as_text=True)
    return location_params(response.headers["Location"])


def token_request(client, web, data, auth="basic"):
    data = dict(data)
    if auth == "basic":
        headers = basic_auth(*web)
    else:
        headers = {}
        data.update(client_id=web[0], client_secret=web[1])
    return client.post("/oauth/token", data=data, headers=headers)


def code_flow(client, web, auth="basic", **params):
    code = authorize(client, web, **params)["code"]
    response = token_request(client, web, {"grant_type": "authorization_code", "code": code,
                                           "redirect_uri": CB}, auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def jwks(client):
    return client.get("/oauth/jwks").get_json()["keys"]


def id_token_claims(client, token):
    return jose.verify(token, jwks(client), ["RS256"])[1]


def userinfo(client, access_token, how="get"):
    if how == "get":
        return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    if how == "post-header":
        return client.post("/oauth/userinfo",
                           headers={"Authorization": f"Bearer {access_token}"})
    return client.post("/oauth/userinfo", data={"access_token": access_token})


def test_oidcc_server(client, web):
    """oidcc-server: code flow with openid; a valid, signed ID token (Core §3.1.3.7)."""
    login(client)
    token = code_flow(client, web, nonce="n-0S6_WzA2Mj")
    claims = id_token_claims(client, token["id_token"])
    assert claims["iss"] == ISSUER and claims["aud"] == web[0]
    assert claims["sub"] and claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["exp"] > claims["iat"] >= claims["auth_time"]
    assert claims["at_hash"] == jose.token_hash(token["access_token"], "RS256")


def test_oidcc_response_type_missing(client, web):
    """oidcc-response-type-missing: the error is redirected to the client (Core §3.1.2.6)."""
    login(client)
    response = client.get(authorize_path(web[0], response_type=None))
    assert response.status_code == 302
    params = location_params(response.headers["Location"])
    assert params["error"] == "invalid_request" and params["state"] == "af0ifjsldkj"


def test_oidcc_id_token_signature(client, web):
    """oidcc-id-token-signature: RS256 with a kid that the JWKS publishes."""
    login(client)
    token = code_flow(client, web)
    header = jose.unverified_header(token["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in jwks(client)}


@pytest.mark.parametrize("how", ["get", "post-header", "post-body"])
def test_oidcc_userinfo(client, web, how):
    """oidcc-userinfo-get / -post-header / -post-body (Core §5.3.1)."""
    login(client)
    token = code_flow(client, web, scope="openid profile")
    response = userinfo(client, token["access_token"], how)
    assert response.status_code == 200, response.get_json()
    info = response.get_json()
    id_claims = id_token_claims(client, token["id_token"])
    assert info["sub"] == id_claims["sub"] and info["name"] == "Alice Liddell"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_oidcc_userinfo_bad_token(client):
    response = userinfo(client, "not-a-token")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(client, web):
    """oidcc-ensure-request-without-nonce-succeeds-for-code-flow (Core §3.1.2.1)."""
    login(client)
    claims = id_token_claims(client, code_flow(client, web)["id_token"])
    assert "nonce" not in claims


@pytest.mark.parametrize("scope,expected,absent", [
    ("openid profile", {"name", "given_name", "family_name"}, {"email", "address"}),
    ("openid email", {"email", "email_verified"}, {"name", "phone_number"}),
    ("openid address", {"address"}, {"email", "name"}),
    ("openid phone", {"phone_number", "phone_number_verified"}, {"email"}),
    ("openid profile email address phone", {"name", "email", "address", "phone_number"}, set()),
])
def test_oidcc_scope(client, web, scope, expected, absent):
    """oidcc-scope-profile / -email / -address / -phone / -all (Core §5.4)."""
    login(client)
    token = code_flow(client, web, scope=scope)
    info = userinfo(client, token["access_token"]).get_json()
    assert expected <= set(info) and not (absent & set(info))


@pytest.mark.parametrize("display", ["page", "popup"])
def test_oidcc_display(client, web, display):
    """oidcc-display-page / -popup: accepted (Core §3.1.2.1)."""
    login(client)
    assert "id_token" in code_flow(client, web, display=display)


def test_oidcc_prompt_login(client, web):
    """oidcc-prompt-login: a logged-in user is sent to log in again, then the same
    request goes on, and auth_time is the new login (Core §3.1.2.1)."""
    login(client)
    first = id_token_claims(client, code_flow(client, web)["id_token"])
    time.sleep(1.1)  # auth_time has whole seconds: the new login must be a later one
    path = authorize_path(web[0], prompt="login")
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client)
    code = location_params(consent(client, path).headers["Location"])["code"]
    token = token_request(client, web, {"grant_type": "authorization_code", "code": code,
                                        "redirect_uri": CB}).get_json()
    assert id_token_claims(client, token["id_token"])["auth_time"] > first["auth_time"]


def test_oidcc_prompt_none_not_logged_in(client, web):
    """oidcc-prompt-none-not-logged-in: login_required to the client, never a page."""
    response = client.get(authorize_path(web[0], prompt="none"))
    assert response.status_code == 302
    params = location_params(response.headers["Location"])
    assert params["error"] == "login_required" and params["state"] == "af0ifjsldkj"
    assert params["iss"] == ISSUER


def test_oidcc_prompt_none_logged_in(client, web, app):
    """oidcc-prompt-none-logged-in: with a session and consent, a code, no page."""
    login(client)
    app.config["TEST_SKIP_CONSENT"] = True
    response = client.get(authorize_path(web[0], prompt="none"))
    assert response.status_code == 302 and "code" in location_params(
        response.headers["Location"])


def test_prompt_none_without_consent_is_consent_required(client, web):
    login(client)
    response = client.get(authorize_path(web[0], prompt="none"))
    assert location_params(response.headers["Location"])["error"] == "consent_required"


def test_oidcc_max_age_1(client, web):
    """oidcc-max-age-1: a login older than a second means logging in again, and the ID
    token carries auth_time (Core §3.1.2.1)."""
    login(client)
    first = id_token_claims(client, code_flow(client, web)["id_token"])
    time.sleep(2.1)
    path = authorize_path(web[0], max_age="1")
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client)
    code = location_params(consent(client, path).headers["Location"])["code"]
    token = token_request(client, web, {"grant_type": "authorization_code", "code": code,
                                        "redirect_uri": CB}).get_json()
    assert id_token_claims(client, token["id_token"])["auth_time"] > first["auth_time"]


def test_oidcc_max_age_10000(client, web):
    """oidcc-max-age-10000: the existing login is recent enough; auth_time unchanged."""
    login(client)
    first = id_token_claims(client, code_flow(client, web)["id_token"])
    second = id_token_claims(client, code_flow(client, web, max_age="10000")["id_token"])
    assert second["auth_time"] == first["auth_time"]


def test_oidcc_unknown_parameter(client, web):
    """oidcc-ensure-other-scope-order-succeeds / unknown parameter: ignored (Core §3.1.2.1)."""
    login(client)
    assert "id_token" in code_flow(client, web, extra="foobar")


def test_oidcc_id_token_hint(client, web):
    """oidcc-id-token-hint: a hint of the logged-in user succeeds with prompt=none."""
    login(client)
    hint = code_flow(client, web)["id_token"]
    path = authorize_path(web[0], prompt="none", id_token_hint=hint)
    response = client.get(path)
    params = location_params(response.headers["Location"])
    # No consent to skip here: the hint itself was accepted (not login_required).
    assert params["error"] == "consent_required"


def test_id_token_hint_of_another_user_is_login_required(client, web, app):
    """Core §3.1.2.1: the hinted user is not the logged-in one: login_required (after the
    consent check, in oauthlib's order)."""
    login(client, "bob")
    bob_hint = code_flow(client, web)["id_token"]
    login(client, "alice")
    app.config["TEST_SKIP_CONSENT"] = True
    response = client.get(authorize_path(web[0], prompt="none", id_token_hint=bob_hint))
    assert location_params(response.headers["Location"])["error"] == "login_required"


def test_unverifiable_id_token_hint_is_invalid_request(client, web):
    login(client)
    response = client.get(authorize_path(web[0], id_token_hint="e30.e30.e30"))
    assert location_params(response.headers["Location"])["error"] == "invalid_request"


@pytest.mark.parametrize("name,value", [
    ("login_hint", "alice@example.org"), ("ui_locales", "se"), ("claims_locales", "se"),
    ("acr_values", "1 2")])
def test_oidcc_hints_and_locales(client, web, name, value):
    """oidcc-login-hint, -ui-locales, -claims-locales, -acr-values: accepted."""
    login(client)
    assert "id_token" in code_flow(client, web, **{name: value})


def test_oidcc_codereuse(client, web):
    """oidcc-codereuse: the second exchange fails and revokes what the first issued."""
    login(client)
    code = authorize(client, web)["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CB}
    first = token_request(client, web, data).get_json()
    again = token_request(client, web, data)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert userinfo(client, first["access_token"]).status_code == 401


def test_oidcc_codereuse_30seconds(client, web, app):
    """oidcc-codereuse-30seconds, with a controlled clock: 30 s later the reused code
    still fails and the token it issued is revoked."""
    login(client)
    code = authorize(client, web)["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CB}
    first = token_request(client, web, data).get_json()
    store = app.extensions["test_oauth"].store
    real_now = store.now
    store.now = lambda: real_now() + __import__("datetime").timedelta(seconds=30)
    try:
        again = token_request(client, web, data)
    finally:
        store.now = real_now
    assert again.status_code == 400
    assert userinfo(client, first["access_token"]).status_code == 401


def test_oidcc_ensure_registered_redirect_uri(client, web):
    """oidcc-ensure-registered-redirect-uri: an error page, never a redirect."""
    login(client)
    response = client.get(authorize_path(web[0], redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_unsigned_request_object_is_refused_as_invalid(client, web):
    """oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported.

    Request objects are supported since issue 15 (RFC 9101), signed ones only: discovery
    does not list ``none`` in ``request_object_signing_alg_values_supported`` (so the
    conformance suite skips this module), and an unsigned object is
    ``invalid_request_object`` (OpenID Connect Core §3.1.2.6), sent to the registered
    redirect_uri of the query with its state."""
    login(client)
    response = client.get(authorize_path(web[0], request="eyJhbGciOiJub25lIn0.e30."))
    params = location_params(response.headers["Location"])
    assert params["error"] == "invalid_request_object" and params["state"] == "af0ifjsldkj"


def test_oidcc_request_uri_unsigned_is_request_uri_not_supported(client, web):
    """oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported."""
    login(client)
    response = client.get(authorize_path(web[0], request_uri="https://rp.example/req"))
    assert location_params(response.headers["Location"])["error"] == "request_uri_not_supported"


def test_oidcc_ensure_request_object_with_redirect_uri(client, web):
    """oidcc-ensure-request-object-with-redirect-uri: refused as unsupported, redirected
    only to the registered redirect_uri of the query."""
    login(client)
    response = client.get(authorize_path(web[0], request="e30.e30."))
    assert response.headers["Location"].startswith(CB)


def test_oidcc_claims_essential(client, web):
    """oidcc-claims-essential: an essential userinfo claim is returned (Core §5.5)."""
    login(client)
    claims = json.dumps({"userinfo": {"name": {"essential": True}}})
    token = code_flow(client, web, claims=claims)
    assert userinfo(client, token["access_token"]).get_json()["name"] == "Alice Liddell"


def test_oidcc_refresh_token(client, web):
    """oidcc-refresh-token: offline_access with prompt=consent gives a refresh token; the
    refresh returns a new ID token with the same sub and auth_time (Core §11, §12.2)."""
    login(client)
    token = code_flow(client, web, scope="openid offline_access", prompt="consent")
    assert "refresh_token" in token
    first = id_token_claims(client, token["id_token"])
    refreshed = token_request(client, web, {"grant_type": "refresh_token",
                                            "refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_json()
    claims = id_token_claims(client, refreshed.get_json()["id_token"])
    assert (claims["sub"], claims["auth_time"]) == (first["sub"], first["auth_time"])


def test_no_refresh_token_without_offline_access(client, web):
    login(client)
    assert "refresh_token" not in code_flow(client, web)


def test_oidcc_ensure_pkce(client, app):
    """oidcc-ensure-pkce-code-verifier-required / PKCE with a public client."""
    login(client)
    spa = app.config["TEST_CLIENTS"]["spa"]
    verifier, challenge = pkce_pair()
    params = authorize(client, spa, code_challenge=challenge, code_challenge_method="S256")
    response = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": CB,
        "client_id": spa[0], "code_verifier": verifier})
    assert response.status_code == 200 and "id_token" in response.get_json()


def test_client_secret_post(client, web):
    """The plan's one module with client_secret_post."""
    login(client)
    assert "id_token" in code_flow(client, web, auth="post")


def test_implicit_id_token_token_and_hybrid(client, web):
    """Implicit and hybrid response types (enabled with the implicit grant): fragment,
    nonce required, at_hash / c_hash (Core §3.2.2.10, §3.3.2.11)."""
    login(client)
    params = authorize(client, web, response_type="code id_token token", nonce="n1")
    claims = id_token_claims(client, params["id_token"])
    assert claims["c_hash"] == jose.token_hash(params["code"], "RS256")
    assert claims["at_hash"] == jose.token_hash(params["access_token"], "RS256")
    assert params["iss"] == ISSUER


def test_form_post_response_mode_carries_iss(client, web):
    """Form Post Response Mode §2 with the iss parameter of RFC 9207."""
    login(client)
    page = client.get(authorize_path(web[0], response_mode="form_post"))
    html = page.get_data(as_text=True)
    token = __import__("re").search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    scopes = __import__("re").findall(r'name="scope" type="checkbox" value="([^"]+)"', html)
    response = client.post(authorize_path(web[0], response_mode="form_post"),
                           data={"csrf_token": token.group(1), "scope": scopes, "allow": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'action="{CB}"' in body
    assert 'name="code"' in body and 'name="iss"' in body
    assert "nonce-" in response.headers["Content-Security-Policy"]


def test_consent_page_shows_scope_descriptions_and_claims(client, web):
    """The consent page labels scopes with OAUTH2_PROVIDER_SCOPES and lists the claims
    the client will receive (Core §5.4, §5.5)."""
    login(client)
    html = client.get(authorize_path(web[0], scope="openid profile email")).get_data(
        as_text=True)
    assert "Your email address" in html and "Sign you in" in html
    assert "email_verified" in html and "given_name" in html


def test_oidcc_ensure_post_request_succeeds(client, web):
    """oidcc-ensure-post-request-succeeds: the authorization request as a form POST
    (Core §3.1.2.1) leads to the same consent and code."""
    login(client)
    response = client.post("/oauth/authorize", data={
        "client_id": web[0], "redirect_uri": CB, "response_type": "code",
        "scope": "openid", "state": "post-state", "nonce": "n-post"})
    assert response.status_code == 303
    path = response.headers["Location"]
    params = location_params(consent(client, path).headers["Location"])
    assert params["state"] == "post-state"
    token = token_request(client, web, {"grant_type": "authorization_code",
                                        "code": params["code"], "redirect_uri": CB})
    assert id_token_claims(client, token.get_json()["id_token"])["nonce"] == "n-post"
