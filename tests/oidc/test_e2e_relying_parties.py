"""Relying parties nobody here wrote, against the provider on a real HTTP server
(werkzeug on 127.0.0.1): Authlib's OpenID client and pyoidc (``oic``).

The test plays the browser with ``requests``: it logs in, reads the consent page, posts
it back, and hands the redirect to the relying party without following it.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

import pytest
import requests

from tests.helpers import LiveServer
from tests.oidc.oidc_app import CB, make_app


@pytest.fixture
def live(test_database, tables):
    app = make_app(test_database)
    server = LiveServer(app).start()
    try:
        yield server, app
    finally:
        server.stop()
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


def browse_to_redirect(base: str, authorization_url: str) -> str:
    """Log in as alice, consent to everything, return the redirect Location."""
    browser = requests.Session()
    browser.post(base + "/login", data={"username": "alice"}, allow_redirects=False)
    page = browser.get(authorization_url, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    scopes = re.findall(r'name="scope" type="checkbox" value="([^"]+)"', page.text)
    answer = browser.post(authorization_url, data={"csrf_token": token, "scope": scopes,
                                                   "allow": "x"}, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["Location"]


def test_authlib_openid_client(live):
    """Discovery, code flow with PKCE and nonce, ID token validated against the JWKS with
    Authlib's CodeIDToken rules, then UserInfo."""
    authlib_client = pytest.importorskip("authlib.integrations.requests_client")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.oidc.core import CodeIDToken

    server, app = live
    client_id, secret = app.config["TEST_CLIENTS"]["web"]
    metadata = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    session = authlib_client.OAuth2Session(
        client_id, secret, scope="openid profile email", redirect_uri=CB,
        code_challenge_method="S256")
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    location = browse_to_redirect(server.url, url)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location,
                                code_verifier=verifier, state=state)
    keys = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    claims = JsonWebToken(["RS256"]).decode(
        token["id_token"], keys, claims_cls=CodeIDToken,
        claims_options={"iss": {"value": metadata["issuer"]}},
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token[
            "access_token"]})
    claims.validate()
    assert claims["sub"] and claims["aud"] == client_id
    info = session.get(metadata["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["email"] == "alice@example.org"


def test_pyoidc_client(live):
    """pyoidc: provider_config (discovery), code flow, ID token verification with the
    provider's keys, UserInfo."""
    oic = pytest.importorskip("oic.oic")
    from oic.oic.message import AuthorizationResponse, RegistrationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD

    server, app = live
    client_id, secret = app.config["TEST_CLIENTS"]["web"]
    rp = oic.Client(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(server.url)
    rp.store_registration_info(RegistrationResponse(
        client_id=client_id, client_secret=secret, redirect_uris=[CB]))
    rp.redirect_uris = [CB]
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    request = rp.construct_AuthorizationRequest(request_args={
        "client_id": client_id, "response_type": "code", "scope": ["openid", "email"],
        "nonce": nonce, "redirect_uri": CB, "state": state})
    location = browse_to_redirect(server.url, request.request(rp.authorization_endpoint))
    response = rp.parse_response(AuthorizationResponse, info=urlsplit(location).query,
                                 sformat="urlencoded")
    assert response["state"] == state
    token = rp.do_access_token_request(state=state, request_args={"code": response["code"]},
                                       authn_method="client_secret_basic")
    id_token = token["id_token"]  # verified by pyoidc against the provider's JWKS
    assert id_token["nonce"] == nonce and id_token["iss"] == server.url
    info = rp.do_user_info_request(state=state)
    assert info["sub"] == id_token["sub"] and info["email"] == "alice@example.org"
