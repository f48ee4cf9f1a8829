"""End to end over real HTTP: the provider on one werkzeug server on 127.0.0.1, a
ResourceServer service in a second process with no database, and a requests-oauthlib
client going through both (opaque tokens, RFC 7662 introspection, RFC 8707, RFC 9728)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from requests_oauthlib import OAuth2Session

from tests.helpers import LiveServer, basic_auth, pkce_pair
from tests.resources.resources_support import (
    BILLING,
    ORDERS,
    REDIRECT,
    make_provider_app,
    register_client,
)

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)


def _post(url: str, **kwargs) -> requests.Response:
    return requests.post(url, timeout=30, **kwargs)


@pytest.fixture
def provider(test_database, tables):
    app = make_provider_app(test_database, ISSUER=None, RESOURCES={
        ORDERS: ["orders:read", "orders:write"], BILLING: None})
    server = LiveServer(app).start()
    yield app, server
    server.stop()
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()


def _start_service(issuer: str, client_id: str, secret: str, cache_seconds: int):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.resources.rs_service", issuer, ORDERS, client_id,
         secret, str(cache_seconds)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), "the service did not start"
    return process, url


@pytest.fixture
def service(provider):
    app, server = provider
    rs_id, rs_secret = register_client(app, name="Orders API", resource_server=True,
                                       grant_types=["client_credentials"], scopes=[])
    process, url = _start_service(server.url, rs_id, rs_secret, cache_seconds=0)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def oauth_client(provider, monkeypatch):
    # requests-oauthlib refuses a token endpoint over http unless told it is a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    app, server = provider
    client_id, secret = register_client(app, name="Shop", scopes=["orders:read", "orders:write"])
    return server.url, client_id, secret


def _session_with_token(provider_url: str, client_id: str, secret: str,
                        scope: list, resource: str) -> OAuth2Session:
    """The code flow as requests-oauthlib drives it, with PKCE and RFC 8707 resource."""
    session = OAuth2Session(client_id, redirect_uri=REDIRECT, scope=scope)
    session.get(provider_url + "/login/alice")  # the user's login at the provider
    verifier, challenge = pkce_pair()
    url, state = session.authorization_url(
        provider_url + "/oauth/authorize", code_challenge=challenge,
        code_challenge_method="S256", resource=resource)
    answer = session.get(url, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    session.fetch_token(provider_url + "/oauth/token",
                        authorization_response=answer.headers["Location"],
                        client_secret=secret, code_verifier=verifier, resource=resource)
    return session


def test_client_calls_the_service_with_a_token_for_it(oauth_client, service):
    session = _session_with_token(*oauth_client, ["orders:read"], ORDERS)
    answer = session.get(service + "/api/orders")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["client_id"] == oauth_client[1]
    assert (body["scopes"], body["aud"], body["username"]) == (["orders:read"], [ORDERS], "alice")
    assert body["sub"]
    assert _get(service + "/api/modules").json() == []


def test_service_refuses_a_token_for_another_resource(oauth_client, service):
    session = _session_with_token(*oauth_client, ["orders:read"], BILLING)
    answer = session.get(service + "/api/orders")
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_service_refuses_a_refresh_token_as_access_token(oauth_client, service):
    session = _session_with_token(*oauth_client, ["orders:read"], ORDERS)
    answer = _get(service + "/api/orders", headers={
        "Authorization": "Bearer " + session.token["refresh_token"]})
    assert answer.status_code == 401


def test_service_sees_a_revocation_when_it_does_not_cache(oauth_client, service):
    provider_url, client_id, secret = oauth_client
    session = _session_with_token(*oauth_client, ["orders:read"], ORDERS)
    assert session.get(service + "/api/orders").status_code == 200
    revoked = _post(provider_url + "/oauth/revoke",
                            data={"token": session.token["access_token"]},
                            headers=basic_auth(client_id, secret))
    assert revoked.status_code == 200
    assert session.get(service + "/api/orders").status_code == 401


def test_client_finds_the_authorization_server_from_a_401(oauth_client, service):
    # What an MCP client does: 401 -> resource_metadata -> authorization_servers[0] ->
    # RFC 8414 metadata.
    challenge = _get(service + "/api/orders").headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer resource_metadata=")
    url = challenge.split('resource_metadata="')[1].rstrip('"')
    assert url == "https://orders.example/.well-known/oauth-protected-resource/api"
    # The identifier is logical; the document is served by the service at that path.
    document = _get(service + "/.well-known/oauth-protected-resource/api").json()
    assert document == {"resource": ORDERS, "authorization_servers": [oauth_client[0]],
                        "scopes_supported": ["orders:read"],
                        "bearer_methods_supported": ["header"],
                        "dpop_signing_alg_values_supported": [
                            "ES256", "EdDSA", "PS256", "RS256"]}
    metadata = _get(document["authorization_servers"][0]
                            + "/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == oauth_client[0]


def test_insufficient_scope_at_the_service(oauth_client, service):
    session = _session_with_token(*oauth_client, ["orders:write"], ORDERS)
    answer = session.get(service + "/api/orders")
    assert answer.status_code == 403
    assert 'scope="orders:read"' in answer.headers["WWW-Authenticate"]
