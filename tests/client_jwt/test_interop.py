"""Clients no one here wrote, over a real server on 127.0.0.1: requests-oauth2client
(``PrivateKeyJwt``, a signed request object) and Authlib (``PrivateKeyJWT``)."""

from __future__ import annotations

import pytest
import requests
from requests_oauth2client import AuthorizationRequest, OAuth2Client, PrivateKeyJwt

from flask_oauth_provider.core import jose
from tests.client_jwt.conftest import create_client
from tests.helpers import LiveServer

CALLBACK = "http://127.0.0.1:9/cb"


@pytest.fixture
def live_app(app_factory, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    app = app_factory(ISSUER=None, INSECURE_TRANSPORT=True,
                      CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True,
                      CLIENT_ASSERTION_MAX_LIFETIME=3600)
    app.config["TEST_SKIP_CONSENT"] = True
    server = LiveServer(app).start()
    yield app, server.url
    server.stop()


def _endpoints(base):
    # testing=True: requests-oauth2client insists on https endpoints otherwise.
    return {"testing": True, "token_endpoint": base + "/oauth/token",
            "revocation_endpoint": base + "/oauth/revoke",
            "introspection_endpoint": base + "/oauth/introspect"}


def test_requests_oauth2client_private_key_jwt(live_app, key_server):
    app, base = live_app
    key = jose.generate_key("ES256")
    client_id, _ = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                 jwks_uri=key_server.publish("rp.json", key),
                                 redirect_uris=[CALLBACK])
    client = OAuth2Client(auth=PrivateKeyJwt(client_id, key), **_endpoints(base))
    token = client.client_credentials(scope="read")
    assert token.access_token
    info = client.introspect_token(token.access_token)
    assert info["active"] is True and info["client_id"] == client_id
    client.revoke_access_token(token.access_token)
    assert client.introspect_token(token.access_token)["active"] is False
    assert key_server.hits == ["rp.json"]


def test_requests_oauth2client_signed_request_object_and_code_flow(live_app):
    app, base = live_app
    key = jose.generate_key("RS256")
    client_id, _ = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                 jwks=jose.public_jwk_set([key]), redirect_uris=[CALLBACK])
    client = OAuth2Client(auth=PrivateKeyJwt(client_id, key),
                          authorization_endpoint=base + "/oauth/authorize",
                          **_endpoints(base))
    # RFC 9101 §4: iss and aud SHOULD be in a signed object; this server requires them
    # (as FAPI 2.0 does), and requests-oauth2client adds extra parameters as claims.
    request = AuthorizationRequest(
        base + "/oauth/authorize", client_id=client_id, redirect_uri=CALLBACK,
        scope="profile", issuer=base, iss=client_id, aud=base)
    signed = request.sign(key, lifetime=120)
    browser = requests.Session()
    assert browser.post(base + "/login", data={"username": "interop"}, timeout=30).ok
    answer = browser.get(str(signed.uri), allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    response = request.validate_callback(answer.headers["Location"])
    token = client.authorization_code(response, validate=False)
    assert token.access_token and token.scope == "profile"
    me = requests.get(base + "/api/me", auth=token, timeout=30)
    assert me.json() == {"client": client_id}


def test_requests_oauth2client_with_another_key_is_refused(live_app):
    app, base = live_app
    key, stranger = jose.generate_key("ES256"), jose.generate_key("ES256")
    client_id, _ = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                 jwks=jose.public_jwk_set([key]))
    client = OAuth2Client(auth=PrivateKeyJwt(client_id, stranger), **_endpoints(base))
    with pytest.raises(Exception) as caught:
        client.client_credentials(scope="read")
    assert "invalid_client" in repr(caught.value) or "InvalidClient" in type(
        caught.value).__name__


def test_authlib_private_key_jwt(live_app):
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT

    app, base = live_app
    key = jose.generate_key("RS256")
    client_id, _ = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                 jwks=jose.public_jwk_set([key]))
    token_url = base + "/oauth/token"
    session = OAuth2Session(client_id, key, scope="read",
                            token_endpoint_auth_method=PrivateKeyJWT(token_url),
                            revocation_endpoint_auth_method=PrivateKeyJWT())
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["access_token"]
    # Without a fixed URL, Authlib signs for the URL it calls: the revocation endpoint.
    revoked = session.revoke_token(base + "/oauth/revoke", token["access_token"],
                                   token_type_hint="access_token")
    assert revoked.status_code == 200
    again = session.fetch_token(token_url, grant_type="client_credentials")
    assert again["access_token"] != token["access_token"], "a fresh jti each time"
