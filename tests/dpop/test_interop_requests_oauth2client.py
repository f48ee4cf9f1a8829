"""Interop: requests-oauth2client (a DPoP client no one here wrote) against a live provider
on 127.0.0.1: token requests with its proofs (client credentials; authorization code with
PKCE, dpop_jkt and a public client; refresh), server nonces, and DPoP-protected calls."""

from __future__ import annotations

import pytest
import requests

requests_oauth2client = pytest.importorskip("requests_oauth2client")

from requests_oauth2client import DPoPKey, DPoPToken, OAuth2Client  # noqa: E402

from tests.dpop.conftest import make_app  # noqa: E402
from tests.helpers import LiveServer  # noqa: E402
from tests.resources.resources_support import REDIRECT, register_client  # noqa: E402


@pytest.fixture(params=[False, True], ids=["no-nonce", "nonce"])
def live(request, test_database, tables):
    app = make_app(test_database, DPOP_NONCE=request.param)
    server = LiveServer(app).start()
    yield app, server.url
    server.stop()
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_client_credentials_then_a_dpop_protected_call(live):
    app, url = live
    client_id, secret = register_client(app)
    client = OAuth2Client(token_endpoint=url + "/oauth/token", client_id=client_id,
                          client_secret=secret, introspection_endpoint=url
                          + "/oauth/introspect", testing=True)
    token = client.client_credentials(scope="tools", dpop=True)
    assert isinstance(token, DPoPToken)
    assert token.token_type.lower() == "dpop"
    answer = requests.get(url + "/mcp/tools", auth=token, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"tools": []}
    # The same token without its proof (stolen as a bearer token) is refused.
    stolen = requests.get(url + "/mcp/tools", timeout=10,
                          headers={"Authorization": f"Bearer {token.access_token}"})
    assert stolen.status_code == 401
    claims = client.introspect_token(token.access_token)
    assert claims["cnf"]["jkt"] == token.dpop_key.dpop_jkt


def test_public_client_code_flow_with_dpop_jkt_refresh_and_call(live):
    app, url = live
    client_id, _ = register_client(app, public=True,
                                   grant_types=["authorization_code", "refresh_token"])
    client = OAuth2Client(token_endpoint=url + "/oauth/token", client_id=client_id,
                          authorization_endpoint=url + "/oauth/authorize",
                          redirect_uri=REDIRECT, testing=True)
    key = DPoPKey.generate(alg="ES256")
    azr = client.authorization_request(scope="profile", dpop_key=key, nonce=None)
    assert "dpop_jkt" in azr.uri
    browser = requests.Session()
    browser.get(url + "/login/alice", timeout=10)
    answer = browser.get(azr.uri, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    response = azr.validate_callback(answer.headers["Location"])
    token = client.authorization_code(response, dpop_key=key)
    assert isinstance(token, DPoPToken)
    me = requests.get(url + "/api/me", auth=token, timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["user"] == "alice"

    refreshed = client.refresh_token(token)
    assert isinstance(refreshed, DPoPToken)
    assert requests.get(url + "/api/me", auth=refreshed, timeout=10).status_code == 200


def test_ps256_and_eddsa_proofs_of_the_client_library_are_accepted(test_database, tables):
    app = make_app(test_database)
    server = LiveServer(app).start()
    try:
        client_id, secret = register_client(app)
        client = OAuth2Client(token_endpoint=server.url + "/oauth/token",
                              client_id=client_id, client_secret=secret, testing=True)
        for alg in ("PS256", "EdDSA"):
            token = client.client_credentials(scope="tools",
                                              dpop_key=DPoPKey.generate(alg=alg))
            assert isinstance(token, DPoPToken), alg
            answer = requests.get(server.url + "/mcp/tools", auth=token, timeout=10)
            assert answer.status_code == 200, (alg, answer.text)
    finally:
        server.stop()
        with app.app_context():
            app.extensions["test_db"].engine.dispose()
