"""What MCP clients trip over at an authorization server, each with a test.

The issuer string byte-identical in the metadata and the ``iss`` authorization response
parameter; well-known URLs that never redirect and answer 404 for the variants not
served; ``scopes_supported`` present; ``client_id`` in the token body alongside Basic.
(The SDK's whole conversation runs in ``tests/e2e/test_e2e_mcp.py``.)
"""

from __future__ import annotations

import pytest

from tests.helpers import basic_auth, location_params, pkce_pair
from tests.helpers.sqla_models import User

REDIRECT = "http://127.0.0.1:40111/callback"
METADATA = "/.well-known/oauth-authorization-server"


def code_for(app, info, user_name="trap-user"):
    """A code for the registered client ``info``, issued by the core (no consent page)."""
    with app.app_context():
        db = app.extensions["test_db"]
        user = User(username=user_name)
        db.session.add(user)
        db.session.commit()
        verifier, challenge = pkce_pair()
        headers, _, status = app.extensions["oauth2_provider"].server.create_authorization_response(
            f"https://as.example/oauth/authorize?response_type=code&client_id={info['client_id']}"
            f"&redirect_uri={REDIRECT}&scope=profile&state=s&code_challenge={challenge}"
            "&code_challenge_method=S256", scopes=["profile"], credentials={"user": user})
        assert status == 302
        return location_params(headers["Location"])["code"], verifier


@pytest.mark.parametrize("configured", ["https://as.example", "https://as.example/"])
def test_the_issuer_is_the_same_string_in_metadata_and_iss(app_factory, configured):
    app = app_factory(DYNAMIC_REGISTRATION="open", ISSUER=configured)
    client = app.test_client()
    metadata = client.get(METADATA).get_json()
    assert metadata["issuer"] == "https://as.example"
    assert metadata["registration_endpoint"].startswith(metadata["issuer"] + "/")
    info = client.post("/oauth/register", json={"redirect_uris": [REDIRECT],
                                                "token_endpoint_auth_method": "none"}).get_json()
    assert info["registration_client_uri"].startswith(metadata["issuer"] + "/")
    # The iss of an authorization response (RFC 9207) is built by the same function;
    # tests/e2e/test_e2e_mcp.py sees the SDK accept it after a real consent.
    with app.test_request_context("/oauth/authorize"):
        from flask_oauth_provider.views import with_iss

        location = with_iss(REDIRECT + "?code=c&state=s", app.extensions["oauth2_provider"])
    assert location_params(location)["iss"] == metadata["issuer"]


@pytest.mark.parametrize("path", [
    METADATA + "/",                                   # trailing slash
    METADATA + "/tenant",                             # path-inserted, for an issuer path we lack
    "/tenant" + METADATA,                             # path-appended
    "/.well-known/openid-configuration/tenant",       # path-inserted OpenID form
    "/tenant/.well-known/openid-configuration",       # path-appended OpenID form
    "/oauth" + METADATA,                              # under the endpoint prefix
])
def test_unsupported_well_known_variants_answer_404_without_redirecting(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_the_metadata_document_never_redirects(client):
    response = client.get(METADATA)
    assert response.status_code == 200
    assert "Location" not in response.headers


def test_an_issuer_with_a_path_serves_its_path_inserted_form_only(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", ISSUER="https://as.example/tenant")
    client = app.test_client()
    served = client.get(METADATA + "/tenant")
    assert served.status_code == 200
    assert served.get_json()["issuer"] == "https://as.example/tenant"
    assert client.get("/tenant" + METADATA).status_code == 404
    assert client.get(METADATA + "/other").status_code == 404


def test_scopes_supported_lists_what_clients_may_register(client):
    metadata = client.get(METADATA).get_json()
    assert metadata["scopes_supported"] == ["profile", "read"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_client_id_in_the_token_body_alongside_basic_is_accepted(open_app, client):
    info = client.post("/oauth/register", json={
        "redirect_uris": [REDIRECT], "grant_types": ["authorization_code"]}).get_json()
    code, verifier = code_for(open_app, info)
    response = client.post("/oauth/token",
                           headers=basic_auth(info["client_id"], info["client_secret"]),
                           data={"grant_type": "authorization_code", "code": code,
                                 "code_verifier": verifier, "redirect_uri": REDIRECT,
                                 "client_id": info["client_id"]})
    assert response.status_code == 200, response.get_json()


def test_a_different_client_id_in_the_body_than_in_basic_is_refused(open_app, client):
    info = client.post("/oauth/register", json={"redirect_uris": [REDIRECT]}).get_json()
    code, verifier = code_for(open_app, info)
    response = client.post("/oauth/token",
                           headers=basic_auth(info["client_id"], info["client_secret"]),
                           data={"grant_type": "authorization_code", "code": code,
                                 "code_verifier": verifier, "redirect_uri": REDIRECT,
                                 "client_id": "someone-else"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
