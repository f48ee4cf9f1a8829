"""The example app over real HTTP, driven by two independent OAuth client libraries.

requests-oauthlib's and Authlib's ``OAuth2Session`` talk to the example provider on a
real socket; the resource owner's part (log in, consent) goes through the real pages.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from tests.e2e.e2e_support import consent, submit
from tests.helpers import query_params

# -- authorization code + PKCE (RFC 6749 §4.1, RFC 7636) ------------------------------------


def test_code_flow_with_pkce_through_login_and_consent_pages_requests_oauthlib(
        server, register_client):
    creds = register_client()
    oauth = OAuth2Session(creds["client_id"], redirect_uri=creds["redirect_uri"],
                          scope=["profile"], pkce="S256")
    url, state = oauth.authorization_url(server.url + "/oauth/authorize")

    person = requests.Session()  # logged out: the provider sends it to the login page
    login_page = person.get(url, timeout=30)
    assert urlsplit(login_page.url).path == "/login"
    logged_in = submit(person, login_page, "password", {"username": "demo", "password": "demo"})
    assert logged_in.status_code == 302
    consent_page = person.get(urljoin(server.url, logged_in.headers["Location"]), timeout=30)
    assert consent_page.status_code == 200
    assert creds["name"] in consent_page.text
    answer = submit(person, consent_page, "allow", button="allow")

    assert answer.status_code in (302, 303)
    location = answer.headers["Location"]
    assert location.startswith(creds["redirect_uri"] + "?")
    assert query_params(location)["state"] == [state]
    assert query_params(location)["iss"] == [server.url]  # RFC 9207

    token = oauth.fetch_token(server.url + "/oauth/token", authorization_response=location,
                              client_secret=creds["client_secret"])
    assert token["token_type"].lower() == "bearer"
    assert token["scope"] == ["profile"]
    assert "refresh_token" in token

    me = oauth.get(server.url + "/api/me", timeout=30)
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "demo"


def test_code_flow_with_pkce_public_client_authlib(server, browser, demo_client_id):
    # The demo client registered http://127.0.0.1:5000/demo/callback; a loopback redirect
    # URI may use another port (RFC 8252 §7.3), here the test server's.
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile email", code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    verifier = generate_token(64)
    url, state = client.create_authorization_url(server.url + "/oauth/authorize",
                                                 code_verifier=verifier)
    location = consent(browser, url)

    token = client.fetch_token(server.url + "/oauth/token", authorization_response=location,
                               code_verifier=verifier)
    assert set(token["scope"].split()) == {"profile", "email"}
    me = client.get(server.url + "/api/me", timeout=30).json()
    assert me["user"] == {"id": me["user"]["id"], "username": "demo",
                          "email": "demo@example.org"}


def test_code_without_its_pkce_verifier_is_refused(server, browser, demo_client_id):
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile", code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize",
                                             code_verifier=generate_token(64))
    code = query_params(consent(browser, url))["code"][0]

    answer = requests.post(server.url + "/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": demo_client_id,
        "redirect_uri": server.url + "/demo/callback", "code_verifier": generate_token(64),
    }, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_unchecked_scope_is_not_granted(server, browser, demo_client_id):
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile email", code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    verifier = generate_token(64)
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize",
                                             code_verifier=verifier)
    location = consent(browser, url, scopes=["profile"])

    token = client.fetch_token(server.url + "/oauth/token", authorization_response=location,
                               code_verifier=verifier)
    assert token["scope"] == "profile"
    assert "email" not in client.get(server.url + "/api/me", timeout=30).json()["user"]


def test_deny_sends_access_denied_with_state(server, browser, demo_client_id):
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile", code_challenge_method="S256")
    url, state = client.create_authorization_url(server.url + "/oauth/authorize",
                                                 code_verifier=generate_token(64))
    location = consent(browser, url, button="deny")

    assert query_params(location)["error"] == ["access_denied"]
    assert query_params(location)["state"] == [state]
    assert "code" not in query_params(location)


# -- client credentials (RFC 6749 §4.4) ------------------------------------------------------


def test_client_credentials_requests_oauthlib(server, register_client):
    creds = register_client()
    oauth = OAuth2Session(client=BackendApplicationClient(client_id=creds["client_id"]),
                          scope=["profile"])
    # requests-oauthlib does not send the session's scope by itself with this grant.
    token = oauth.fetch_token(server.url + "/oauth/token", client_id=creds["client_id"],
                              client_secret=creds["client_secret"], scope=["profile"])
    assert "refresh_token" not in token  # RFC 6749 §4.4.3

    me = oauth.get(server.url + "/api/me", timeout=30).json()
    assert me["client_id"] == creds["client_id"]
    assert me["scopes"] == ["profile"]
    # The client acts for itself (RFC 6749 §4.4), even when a user registered it: the
    # token carries no user (issue 18: the owner used to be stored on it).
    assert me["user"] is None


def test_client_credentials_authlib_with_basic_auth(server, register_client):
    creds = register_client()
    client = AuthlibSession(creds["client_id"], creds["client_secret"], scope="profile",
                            token_endpoint_auth_method="client_secret_basic")
    token = client.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")
    assert token["scope"] == "profile"
    assert client.get(server.url + "/api/me", timeout=30).status_code == 200


def test_client_credentials_with_wrong_secret_is_invalid_client(server, register_client):
    creds = register_client()
    answer = requests.post(server.url + "/oauth/token",
                           data={"grant_type": "client_credentials", "scope": "profile"},
                           auth=(creds["client_id"], "not-the-secret"), timeout=30)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


# -- refresh (RFC 6749 §6) and rotation (RFC 9700 §4.14.2) -----------------------------------


def _public_token(server, browser, demo_client_id) -> tuple[AuthlibSession, dict]:
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile", code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    verifier = generate_token(64)
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize",
                                             code_verifier=verifier)
    token = client.fetch_token(server.url + "/oauth/token",
                               authorization_response=consent(browser, url),
                               code_verifier=verifier)
    return client, dict(token)


def test_refresh_gives_a_working_token_and_rotates_the_refresh_token(
        server, browser, demo_client_id):
    client, first = _public_token(server, browser, demo_client_id)

    second = client.refresh_token(server.url + "/oauth/token",
                                  refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(server.url + "/api/me", timeout=30).status_code == 200


def test_refresh_confidential_client_requests_oauthlib(server, browser, register_client):
    creds = register_client()
    oauth = OAuth2Session(creds["client_id"], redirect_uri=creds["redirect_uri"],
                          scope=["profile"], pkce="S256")
    url, _ = oauth.authorization_url(server.url + "/oauth/authorize")
    first = oauth.fetch_token(server.url + "/oauth/token",
                              authorization_response=consent(browser, url),
                              client_secret=creds["client_secret"])

    second = oauth.refresh_token(server.url + "/oauth/token",
                                 refresh_token=first["refresh_token"],
                                 auth=(creds["client_id"], creds["client_secret"]))
    assert second["access_token"] != first["access_token"]
    assert oauth.get(server.url + "/api/me", timeout=30).json()["user"]["username"] == "demo"


def test_reused_refresh_token_revokes_the_family(server, browser, demo_client_id):
    client, first = _public_token(server, browser, demo_client_id)
    second = client.refresh_token(server.url + "/oauth/token",
                                  refresh_token=first["refresh_token"])

    replay = requests.post(server.url + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": demo_client_id}, timeout=30)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    me = requests.get(server.url + "/api/me", timeout=30,
                      headers={"Authorization": "Bearer " + second["access_token"]})
    assert me.status_code == 401


# -- revocation (RFC 7009) and introspection (RFC 7662) -----------------------------------------


def test_revoked_access_token_no_longer_opens_the_api(server, register_client):
    creds = register_client()
    client = AuthlibSession(creds["client_id"], creds["client_secret"], scope="profile")
    token = client.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")

    answer = client.revoke_token(server.url + "/oauth/revoke", token=token["access_token"],
                                 token_type_hint="access_token")
    assert answer.status_code == 200
    me = client.get(server.url + "/api/me", timeout=30)
    assert me.status_code == 401
    assert 'error="invalid_token"' in me.headers["WWW-Authenticate"]


def test_introspection_reports_active_then_inactive_after_revocation(server, register_client):
    creds = register_client()
    client = AuthlibSession(creds["client_id"], creds["client_secret"], scope="profile email")
    token = client.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")

    active = client.introspect_token(server.url + "/oauth/introspect",
                                     token=token["access_token"]).json()
    assert active["active"] is True
    assert active["client_id"] == creds["client_id"]
    assert set(active["scope"].split()) == {"profile", "email"}

    client.revoke_token(server.url + "/oauth/revoke", token=token["access_token"])
    inactive = client.introspect_token(server.url + "/oauth/introspect",
                                       token=token["access_token"]).json()
    assert inactive == {"active": False}


# -- the protected API (RFC 6750) ------------------------------------------------------------------


def test_api_without_token_is_401_with_bearer_challenge(server):
    answer = requests.get(server.url + "/api/me", timeout=30)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_with_token_lacking_profile_scope_is_403(server, register_client):
    creds = register_client()
    client = AuthlibSession(creds["client_id"], creds["client_secret"], scope="email")
    client.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")

    answer = client.get(server.url + "/api/me", timeout=30)
    assert answer.status_code == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


def test_metadata_names_the_endpoints(server):
    meta = requests.get(server.url + "/.well-known/oauth-authorization-server", timeout=30).json()
    assert meta["issuer"] == server.url
    assert meta["token_endpoint"] == server.url + "/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
