"""The UserInfo endpoint (OpenID Connect Core 1.0 §5.3) through the core Server."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from flask_oauth_provider.core import jose
from tests.core.openid.openid_support import ALICE_CLAIMS, ISSUER, decode_id_token

USERINFO = "https://as.example/userinfo"


@pytest.fixture
def access_token(validator):
    return validator.add_token("at-oidc", scopes=("openid", "profile", "email"),
                               refresh_token=None)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_userinfo_get_with_header(server, access_token):
    """§5.3.1: GET with the token in the Authorization header; §5.3.2 JSON with sub."""
    headers, body, status = server.create_userinfo_response(USERINFO, "GET",
                                                            headers=bearer(access_token))
    assert status == 200 and headers["Content-Type"] == "application/json"
    claims = json.loads(body)
    assert claims["sub"] == "alice"
    assert claims["email"] == ALICE_CLAIMS["email"] and claims["name"] == ALICE_CLAIMS["name"]
    assert "phone_number" not in claims and "address" not in claims


def test_userinfo_post_with_header(server, access_token):
    _, body, status = server.create_userinfo_response(USERINFO, "POST",
                                                      headers=bearer(access_token))
    assert status == 200 and json.loads(body)["sub"] == "alice"


def test_userinfo_post_with_form_body(server, access_token, kit):
    """§5.3.1 with RFC 6750 §2.2: the token in a form-encoded POST body."""
    _, body, status = server.create_userinfo_response(
        USERINFO, "POST", urlencode({"access_token": access_token}), kit.FORM)
    assert status == 200 and json.loads(body)["sub"] == "alice"


def test_userinfo_without_token_is_401_with_www_authenticate(server):
    """§5.3.3 / RFC 6750 §3.1: invalid_token, 401, WWW-Authenticate."""
    headers, body, status = server.create_userinfo_response(USERINFO)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert json.loads(body)["error"] == "invalid_token"


def test_userinfo_with_unknown_token_is_401(server):
    _, _, status = server.create_userinfo_response(USERINFO, headers=bearer("nope"))
    assert status == 401


def test_userinfo_token_without_openid_is_403_insufficient_scope(server, validator):
    """RFC 6750 §3.1 insufficient_scope: the token is valid, its scope lacks openid."""
    validator.add_token("at-plain", scopes=("read",), refresh_token=None)
    headers, body, status = server.create_userinfo_response(USERINFO,
                                                            headers=bearer("at-plain"))
    assert status == 403 and json.loads(body)["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in headers["WWW-Authenticate"]


def test_userinfo_token_in_two_places_is_invalid_request(server, access_token, kit):
    """RFC 6750 §2: "Clients MUST NOT use more than one method"."""
    _, body, status = server.create_userinfo_response(
        USERINFO, "POST", urlencode({"access_token": access_token}),
        dict(kit.FORM, **bearer(access_token)))
    assert status == 400 and json.loads(body)["error"] == "invalid_request"


def test_userinfo_claims_parameter_adds_requested_claims(server, validator):
    """§5.5: claims requested for userinfo are returned though no scope names them."""
    validator.add_token("at-c", scopes=("openid",), refresh_token=None)
    validator.tokens["at-c"]["claims"] = {"userinfo": {"phone_number": {"essential": True}}}
    _, body, _ = server.create_userinfo_response(USERINFO, headers=bearer("at-c"))
    assert json.loads(body) == {"sub": "alice",
                                "phone_number": ALICE_CLAIMS["phone_number"]}


@pytest.mark.parametrize("alg", jose.ALGORITHMS)
def test_userinfo_signed_when_the_client_registered_an_alg(server, access_token, validator,
                                                           alg):
    """§5.3.2: a signed response is a JWT, application/jwt, with iss and aud."""
    validator.userinfo_alg = alg
    headers, body, status = server.create_userinfo_response(USERINFO,
                                                            headers=bearer(access_token))
    assert status == 200 and headers["Content-Type"] == "application/jwt"
    claims = decode_id_token(body)
    assert claims["sub"] == "alice" and claims["iss"] == ISSUER and claims["aud"] == "conf"
    assert jose.unverified_header(body)["alg"] == alg


def test_userinfo_put_is_refused(server, access_token):
    _, _, status = server.create_userinfo_response(USERINFO, "PUT",
                                                   headers=bearer(access_token))
    assert status == 400


def test_userinfo_without_sub_is_a_server_error_not_a_leak(server, access_token, validator):
    validator.get_userinfo_claims = lambda request: {"name": "x"}
    headers, body, status = server.create_userinfo_response(USERINFO,
                                                            headers=bearer(access_token))
    assert status == 500 and json.loads(body) == {"error": "server_error"}


def test_resource_request_without_token_goes_to_the_bearer_type(server, validator):
    """A request without any token is answered by the default (Bearer) token type, not
    by the JWT type whose validator methods an app may not implement."""
    valid, request = server.verify_request("https://rs.example/api", scopes=["openid"])
    assert valid is False and request.token_type == "Bearer"
