"""The OpenID Foundation's Config OP plan (oidcc-config-certification-test-plan): the
discovery document and the JWKS, plus key rotation seen through them."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import jose
from tests.helpers import basic_auth, location_params
from tests.oidc.oidc_app import CB, authorize_path, consent

ISSUER = "http://localhost"


@pytest.fixture
def discovery(client):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.get_json()


def test_oidcc_discovery_issuer_matches(discovery, client):
    """oidcc-discovery-issuer-not-matching-config: issuer byte-identical (Discovery §4.3),
    in the RFC 8414 document too."""
    assert discovery["issuer"] == ISSUER
    rfc8414 = client.get("/.well-known/oauth-authorization-server").get_json()
    assert rfc8414["issuer"] == ISSUER and rfc8414["jwks_uri"] == discovery["jwks_uri"]


def test_oidcc_discovery_endpoint_verification(discovery):
    """Required fields (Discovery §3) and the endpoints this provider serves."""
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                "response_types_supported", "subject_types_supported",
                "id_token_signing_alg_values_supported"):
        assert key in discovery, key
    assert discovery["userinfo_endpoint"] == ISSUER + "/oauth/userinfo"


def test_oidcc_discovery_scopes_supported_has_openid(discovery):
    assert "openid" in discovery["scopes_supported"]
    assert "offline_access" in discovery["scopes_supported"]


def test_oidcc_discovery_arrays_are_arrays(discovery):
    for key, value in discovery.items():
        if key.endswith("_supported") and not key.endswith("parameter_supported") \
                and key != "authorization_response_iss_parameter_supported":
            assert isinstance(value, list), key
    assert discovery["code_challenge_methods_supported"] == ["S256"]


def test_oidcc_discovery_truthful_fields(discovery):
    assert discovery["subject_types_supported"] == ["public"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    # Signed request objects by value are supported since issue 15 (RFC 9101), never
    # unsigned ones; request_uri only as PAR's.
    assert discovery["request_parameter_supported"] is True
    assert "none" not in discovery["request_object_signing_alg_values_supported"]
    assert discovery["request_uri_parameter_supported"] is False
    assert discovery["claims_parameter_supported"] is True
    assert "form_post" in discovery["response_modes_supported"]
    assert {"code", "id_token", "code id_token"} <= set(discovery["response_types_supported"])
    assert "refresh_token" in discovery["grant_types_supported"]


def test_oidcc_discovery_jwks(client, discovery):
    """oidcc-discovery-jwks-uri / distinct kids: public keys only, use and alg set,
    cacheable."""
    response = client.get(discovery["jwks_uri"].replace(ISSUER, ""))
    assert response.status_code == 200
    assert "max-age=" in response.headers["Cache-Control"]
    keys = response.get_json()["keys"]
    assert keys and len({k["kid"] for k in keys}) == len(keys)
    assert all(k["use"] == "sig" and k["alg"] and "d" not in k for k in keys)


def _id_token(client, web):
    client.post("/login", data={"username": "alice"})
    code = location_params(consent(client, authorize_path(web[0])).headers["Location"])["code"]
    response = client.post("/oauth/token", headers=basic_auth(*web), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CB})
    return response.get_json()


def test_key_rotation_end_to_end(client, app, web):
    """Tokens signed before a rotation still verify, new ones carry the new kid, and a
    retired key is gone from the JWKS (and its tokens stop verifying)."""
    oauth = app.extensions["test_oauth"]
    before = _id_token(client, web)
    with app.app_context():
        new_key = oauth.rotate_signing_key("RS256")
    keys = client.get("/oauth/jwks").get_json()["keys"]
    assert jose.verify(before["id_token"], keys)
    after = _id_token(client, web)
    assert jose.unverified_header(after["id_token"])["kid"] == new_key["kid"]
    with app.app_context():
        retired = oauth.retire_signing_keys()
    keys = client.get("/oauth/jwks").get_json()["keys"]
    assert [k["kid"] for k in keys] == [new_key["kid"]] and retired
    with pytest.raises(jose.JoseError):
        jose.verify(before["id_token"], keys)
    assert jose.verify(after["id_token"], keys)


def test_openid_endpoints_are_404_when_openid_is_off(test_database, tables):
    from tests.oidc.oidc_app import make_app

    app = make_app(test_database, OAUTH2_PROVIDER_OPENID=False)
    client = app.test_client()
    assert client.get("/oauth/jwks").status_code == 404
    assert client.get("/oauth/userinfo").status_code == 404
    assert client.get("/.well-known/openid-configuration").status_code == 404
    assert "userinfo_endpoint" not in client.get(
        "/.well-known/oauth-authorization-server").get_json()
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()
