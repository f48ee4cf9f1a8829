"""A client no one here wrote, requests-oauth2client, over a real server on 127.0.0.1:
discovery, PAR with PKCE (RFC 9126, RFC 7636), a browser's login and consent, the code,
the token and the ID token it validates, then a second use of the request_uri refused."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests

from tests.helpers import LiveServer
from tests.par.par_app import CB

requests_oauth2client = pytest.importorskip("requests_oauth2client")


@pytest.fixture
def live(app):
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()


def _browser_consent(base_url: str, authorization_url: str) -> requests.Response:
    """A person's browser: log in, open the consent page, press Allow."""
    browser = requests.Session()
    login = browser.post(base_url + "/login", data={"username": "alice"},
                         allow_redirects=False, timeout=30)
    assert login.status_code == 302
    page = browser.get(authorization_url, timeout=30)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    scopes = re.findall(r'name="scope" type="checkbox" value="([^"]+)"', page.text)
    action = re.search(r'<form[^>]*action="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    answer = browser.post(urljoin(page.url, action), data={"csrf_token": token,
                                                            "scope": scopes, "allow": "x"},
                          allow_redirects=False, timeout=30)
    return answer, browser


@pytest.mark.parametrize("kind", ["web", "spa"])
def test_par_code_flow_with_requests_oauth2client(app, live, kind):
    client_id, secret = app.config["TEST_CLIENTS"][kind]
    auth = (client_id, secret) if secret else client_id
    oauth2client = requests_oauth2client.OAuth2Client.from_discovery_endpoint(
        live.url + "/.well-known/openid-configuration", issuer=live.url, auth=auth,
        redirect_uri=CB, testing=True)
    assert oauth2client.pushed_authorization_request_endpoint == live.url + "/oauth/par"
    request = oauth2client.authorization_request(scope="openid profile")
    pushed = oauth2client.pushed_authorization_request(request)
    assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    assert pushed.expires_at is not None  # from expires_in (§2.2)

    answer, browser = _browser_consent(live.url, pushed.uri)
    assert answer.status_code == 303
    response = request.validate_callback(answer.headers["Location"])
    token = oauth2client.authorization_code(response)
    assert token.access_token
    assert token.id_token is not None

    # §4: the request_uri was used up; the browser going back gets an error page.
    again = browser.get(pushed.uri, allow_redirects=False, timeout=30)
    assert again.status_code == 400 and "Location" not in again.headers


def test_refused_push_raises_the_servers_error(app, live):
    client_id, secret = app.config["TEST_CLIENTS"]["web"]
    oauth2client = requests_oauth2client.OAuth2Client.from_discovery_endpoint(
        live.url + "/.well-known/openid-configuration", issuer=live.url,
        auth=(client_id, "wrong secret"), redirect_uri=CB, testing=True)
    with pytest.raises(requests_oauth2client.InvalidClient):
        oauth2client.pushed_authorization_request(
            oauth2client.authorization_request(scope="openid"))
