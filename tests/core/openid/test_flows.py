"""OpenID Connect flows through the core Server (OpenID Connect Core 1.0 §3)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from flask_oauth_provider.core import jose
from tests.core.openid.openid_support import ALICE_CLAIMS, ISSUER, KEYS, decode_id_token

AUTHORIZE = "https://as.example/authorize"
TOKEN = "https://as.example/token"
CB = "https://client.example/cb"


def authorize(server, kit, scopes=None, logged_in=True, **params):
    query = {"client_id": "conf", "redirect_uri": CB, "response_type": "code",
             "scope": "openid", "state": "st"}
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None}
    return server.create_authorization_response(
        AUTHORIZE + "?" + urlencode(query), scopes=scopes,
        credentials={"user": kit.RecordingValidator().users["alice"][1]} if logged_in else None)


def code_of(server, kit, **params):
    headers, _, status = authorize(server, kit, **params)
    assert status == 302, headers
    return kit.location_params(headers["Location"])["code"]


def exchange(server, kit, code):
    body = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": CB})
    return server.create_token_response(TOKEN, "POST", body,
                                        dict(kit.FORM, **kit.CONF_BASIC))


def test_code_flow_returns_a_signed_id_token_with_the_required_claims(server, kit, validator):
    """§3.1.3.3: the token response carries id_token; §2: iss, sub, aud, exp, iat."""
    _, body, status = exchange(server, kit, code_of(server, kit, nonce="n-0S6"))
    assert status == 200
    token = json.loads(body)
    claims = decode_id_token(token["id_token"])
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "alice"
    assert claims["aud"] == "conf"
    assert claims["exp"] > claims["iat"]
    assert claims["nonce"] == "n-0S6"
    assert claims["auth_time"] == validator.session_auth_time
    assert jose.unverified_header(token["id_token"])["kid"] == KEYS["RS256"]["kid"]


def test_code_flow_id_token_has_at_hash_of_the_access_token(server, kit):
    """§3.1.3.6: at_hash is the left half of SHA-256 of the access token (RS256)."""
    token = json.loads(exchange(server, kit, code_of(server, kit))[1])
    claims = decode_id_token(token["id_token"])
    assert claims["at_hash"] == jose.token_hash(token["access_token"], "RS256")


def test_nonce_less_code_flow_has_no_nonce_claim(server, kit):
    """§3.1.2.1: nonce is OPTIONAL for the code flow; none sent, none echoed."""
    token = json.loads(exchange(server, kit, code_of(server, kit))[1])
    assert "nonce" not in decode_id_token(token["id_token"])


def test_code_flow_id_token_has_no_scope_claims_when_an_access_token_is_issued(server, kit):
    """§5.4: with an access token, the scope claims come from the UserInfo endpoint."""
    code = code_of(server, kit, scope="openid profile email")
    claims = decode_id_token(json.loads(exchange(server, kit, code)[1])["id_token"])
    assert "name" not in claims and "email" not in claims


def test_claims_parameter_puts_claims_in_the_id_token(server, kit):
    """§5.5: claims requested for the id_token appear in it."""
    request = json.dumps({"id_token": {"email": {"essential": True}}})
    code = code_of(server, kit, scope="openid", claims=request)
    claims = decode_id_token(json.loads(exchange(server, kit, code)[1])["id_token"])
    assert claims["email"] == ALICE_CLAIMS["email"]
    assert "name" not in claims


@pytest.mark.parametrize("alg", jose.ALGORITHMS)
def test_id_token_signed_with_the_client_algorithm(server, kit, validator, alg):
    """§3.1.3.7: the alg the client registered (id_token_signed_response_alg)."""
    validator.signing_alg = alg
    token = json.loads(exchange(server, kit, code_of(server, kit))[1])
    header = jose.unverified_header(token["id_token"])
    assert header["alg"] == alg and header["kid"] == KEYS[alg]["kid"]
    claims = decode_id_token(token["id_token"])
    assert claims["at_hash"] == jose.token_hash(token["access_token"], alg)


def test_plain_oauth_request_gets_no_id_token(server, kit):
    """Without the openid scope the request is plain OAuth 2.0 (§3.1.2.1)."""
    token = json.loads(exchange(server, kit, code_of(server, kit, scope="read"))[1])
    assert "id_token" not in token


def test_refresh_returns_a_new_id_token_with_the_original_auth_time(server, kit, validator):
    """§12.2: a refreshed ID token keeps iss, sub, aud and auth_time; no nonce."""
    first = json.loads(exchange(server, kit, code_of(server, kit, nonce="n1"))[1])
    original = decode_id_token(first["id_token"])
    validator.session_auth_time = 1
    body = urlencode({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    _, refreshed, status = server.create_token_response(
        TOKEN, "POST", body, dict(kit.FORM, **kit.CONF_BASIC))
    assert status == 200
    claims = decode_id_token(json.loads(refreshed)["id_token"])
    for name in ("iss", "sub", "aud", "auth_time"):
        assert claims[name] == original[name]
    assert "nonce" not in claims


def test_offline_access_required_for_refresh_tokens_when_configured(kit, validator):
    """§11: refresh tokens for openid grants only with offline_access and prompt=consent."""
    from flask_oauth_provider.core.openid import Server

    server = Server(validator, require_offline_access=True)
    without = json.loads(exchange(server, kit, code_of(server, kit))[1])
    assert "refresh_token" not in without
    ignored = code_of(server, kit, scope="openid offline_access")
    assert "refresh_token" not in json.loads(exchange(server, kit, ignored)[1])
    granted = code_of(server, kit, scope="openid offline_access", prompt="consent")
    assert "refresh_token" in json.loads(exchange(server, kit, granted)[1])


# -- implicit and hybrid --------------------------------------------------------------


def test_implicit_id_token_requires_a_nonce(server, kit):
    """§3.2.2.1: nonce REQUIRED for the implicit flow."""
    headers, _, _ = authorize(server, kit, response_type="id_token")
    params = kit.location_params(headers["Location"])
    assert params["error"] == "invalid_request"
    assert params["state"] == "st"
    assert "#" in headers["Location"]


def test_implicit_id_token_carries_scope_claims_and_no_access_token(server, kit):
    """§3.2.2.5 / §5.4: response_type=id_token issues no access token, so the scope
    claims are in the ID token; no at_hash (§3.2.2.10)."""
    headers, _, _ = authorize(server, kit, response_type="id_token", nonce="n",
                              scope="openid email")
    params = kit.location_params(headers["Location"])
    assert "access_token" not in params
    claims = decode_id_token(params["id_token"])
    assert claims["email"] == ALICE_CLAIMS["email"] and claims["nonce"] == "n"
    assert "at_hash" not in claims and "name" not in claims


def test_implicit_id_token_token_has_at_hash(server, kit):
    """§3.2.2.10: at_hash REQUIRED with response_type=id_token token."""
    headers, _, _ = authorize(server, kit, response_type="id_token token", nonce="n")
    params = kit.location_params(headers["Location"])
    claims = decode_id_token(params["id_token"])
    assert claims["at_hash"] == jose.token_hash(params["access_token"], "RS256")


def test_hybrid_id_token_has_no_scope_claims(server, kit):
    """§5.4: code id_token issues an access token (at the token endpoint), so the scope
    claims come from the UserInfo endpoint, not the ID token."""
    headers, _, _ = authorize(server, kit, response_type="code id_token", nonce="n",
                              scope="openid email")
    claims = decode_id_token(kit.location_params(headers["Location"])["id_token"])
    assert "email" not in claims


@pytest.mark.parametrize("response_type", ["code id_token", "code id_token token"])
def test_hybrid_id_token_has_c_hash_and_fragment_encoding(server, kit, response_type):
    """§3.3.2.11: c_hash REQUIRED; Multiple Response Types §5: fragment by default."""
    headers, _, _ = authorize(server, kit, response_type=response_type, nonce="n")
    assert "#" in headers["Location"] and "?" not in headers["Location"]
    params = kit.location_params(headers["Location"])
    claims = decode_id_token(params["id_token"])
    assert claims["c_hash"] == jose.token_hash(params["code"], "RS256")
    if "token" in response_type.split():
        assert claims["at_hash"] == jose.token_hash(params["access_token"], "RS256")


def test_hybrid_code_token_needs_no_nonce_and_returns_no_id_token(server, kit):
    """§3.3.2.11: nonce OPTIONAL for code token; no id_token from the authorization
    endpoint for that response type."""
    headers, _, _ = authorize(server, kit, response_type="code token")
    params = kit.location_params(headers["Location"])
    assert "code" in params and "access_token" in params and "id_token" not in params


def test_hybrid_code_id_token_requires_a_nonce(server, kit):
    headers, _, _ = authorize(server, kit, response_type="code id_token")
    assert kit.location_params(headers["Location"])["error"] == "invalid_request"


def test_hybrid_never_uses_the_query(server, kit):
    """Multiple Response Type Encoding Practices §2.1: for token-bearing types "the
    query encoding MUST NOT be used"."""
    headers, _, _ = authorize(server, kit, response_type="code id_token", nonce="n",
                              response_mode="query")
    assert "#" in headers["Location"] and "id_token=" not in headers["Location"].split("#")[0]


def test_form_post_response_mode(server, kit):
    """OAuth 2.0 Form Post Response Mode §2: an auto-submitting form to the redirect URI,
    its script allowed by a CSP nonce."""
    headers, body, status = authorize(server, kit, response_mode="form_post")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert f'action="{CB}"' in body and 'name="code"' in body and 'value="st"' in body
    csp = headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in body
    assert "form-action https://client.example" in csp
    assert headers["Cache-Control"] == "no-store"


def test_form_post_error_is_posted_too(server, kit):
    headers, body, status = authorize(server, kit, response_mode="form_post",
                                      prompt="bogus")
    assert status == 200 and 'value="invalid_request"' in body


def test_form_post_escapes_reflected_values(server, kit):
    _, body, _ = authorize(server, kit, response_mode="form_post", state='"><script>')
    assert "<script>" not in body.split("<script nonce")[0]


def test_form_post_left_to_the_caller_when_asked(server, kit):
    """A framework layer that adds iss (RFC 9207) renders the page itself: it gets the
    parameters in the fragment, never in the query."""
    server.openid_connect_auth.render_form_post = False
    headers, body, status = authorize(server, kit, response_mode="form_post")
    assert status == 302 and "#code=" in headers["Location"]
