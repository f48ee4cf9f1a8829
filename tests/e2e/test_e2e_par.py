"""The example app's pushed authorization requests (RFC 9126) over real HTTP, driven by
requests-oauth2client: discovery, PAR with PKCE, the real login and consent pages, the
token, a protected call; the request_uri refused when used again."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.e2e.e2e_support import submit

requests_oauth2client = pytest.importorskip("requests_oauth2client")


def test_par_code_flow_through_login_and_consent_pages(server, register_client):
    creds = register_client()
    client = requests_oauth2client.OAuth2Client.from_discovery_endpoint(
        server.url + "/.well-known/oauth-authorization-server", issuer=server.url,
        auth=(creds["client_id"], creds["client_secret"]), redirect_uri=creds["redirect_uri"],
        testing=True)
    request = client.authorization_request(scope="profile", nonce=None)
    pushed = client.pushed_authorization_request(request)
    assert set(urlsplit(pushed.uri).query.split("&")) == {
        "client_id=" + creds["client_id"],
        "request_uri=" + pushed.request_uri.replace(":", "%3A")}

    person = requests.Session()  # logged out: the provider sends it to the login page
    login_page = person.get(pushed.uri, timeout=30)
    assert urlsplit(login_page.url).path == "/login"
    logged_in = submit(person, login_page, "password", {"username": "demo", "password": "demo"})
    consent_page = person.get(urljoin(server.url, logged_in.headers["Location"]), timeout=30)
    assert consent_page.status_code == 200 and creds["name"] in consent_page.text
    answer = submit(person, consent_page, "allow", button="allow")
    assert answer.status_code in (302, 303)

    token = client.authorization_code(request.validate_callback(answer.headers["Location"]))
    me = requests.get(server.url + "/api/me", auth=token, timeout=30)
    assert me.status_code == 200 and me.json()["user"]["username"] == "demo"

    again = person.get(pushed.uri, allow_redirects=False, timeout=30)
    assert again.status_code == 400 and "Location" not in again.headers
