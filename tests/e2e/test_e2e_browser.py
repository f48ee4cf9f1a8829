"""A real browser: Playwright drives Debian's Chromium through the example app.

A person's path: log in, see the consent page, click Allow, land on the client's
redirect URI with a code, exchange it; and a device's: a device polls while the person
types its code on the verification page and allows. The consent page's screenshot is saved under
``tests/artifacts/`` (git-ignored) for a human to look at.

Playwright cannot download its own browsers here, so the test uses the system Chromium
(``apt-get install chromium``). Without it the tests skip, saying so — unless
``OAUTH_E2E_REQUIRE_BROWSER`` is set (``.ci/run`` sets it), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

from tests.helpers import query_params

CHROMIUM = os.environ.get("OAUTH_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _browser_missing() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        return (f"Chromium is not installed at {CHROMIUM}"
                + (f" (one is at {found}: set OAUTH_E2E_CHROMIUM)" if found else "")
                + "; install it with `apt-get install -y chromium`")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="module")
def chromium():
    missing = _browser_missing()
    if missing:
        if os.environ.get("OAUTH_E2E_REQUIRE_BROWSER"):
            pytest.fail(missing + " (OAUTH_E2E_REQUIRE_BROWSER is set)")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


def test_browser_logs_in_consents_and_exchanges_the_code(page, server, demo_client_id):
    # The test is the client: it builds the authorization request and exchanges the code.
    redirect_uri = server.url + "/demo/callback"
    client = AuthlibSession(demo_client_id, redirect_uri=redirect_uri,
                            scope="openid profile email",
                            code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(64)
    url, state = client.create_authorization_url(server.url + "/oauth/authorize",
                                                 code_verifier=verifier)

    page.goto(url)
    # Nobody is logged in: the provider sent the browser to the login page.
    assert urlsplit(page.url).path == "/login"
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")

    page.wait_for_selector("input[name=allow]")
    assert urlsplit(page.url).path == "/oauth/authorize"
    assert "Demo client" in page.inner_text("h1")
    assert page.is_checked("input[name=scope][value=profile]")
    # OpenID Connect: the scopes' descriptions and the claims the client will receive.
    assert "See your email address" in page.inner_text("main")
    assert "email_verified" in page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "consent-page.png"), full_page=True)

    page.click("input[name=allow]")
    page.wait_for_url(redirect_uri + "?*")
    params = query_params(page.url)
    assert params["state"] == [state]
    assert params["iss"] == [server.url]
    assert page.inner_text("#code") == params["code"][0]
    page.screenshot(path=str(ARTIFACTS / "redirect-with-code.png"), full_page=True)

    token = client.fetch_token(server.url + "/oauth/token", authorization_response=page.url,
                               code_verifier=verifier)
    me = requests.get(server.url + "/api/me", timeout=30,
                      headers={"Authorization": "Bearer " + token["access_token"]})
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "demo"
    assert "id_token" in token


def test_browser_runs_the_demo_client_from_the_home_page(page, server):
    # The path README.rst promises a person: home page -> demo client -> consent -> token.
    page.goto(server.url + "/")
    page.click("text=Start with the demo client")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")

    page.click("input[name=allow]")
    page.wait_for_selector("#exchange")
    page.click("#exchange")

    page.wait_for_selector("#me")
    assert "The token endpoint answered 200" in page.inner_text("h1")
    assert '"username": "demo"' in page.inner_text("#me")
    # The demo client shows the verified ID token and the UserInfo answer.
    assert '"sub"' in page.inner_text("#id-token")
    assert '"email": "demo@example.org"' in page.inner_text("#userinfo")
    page.screenshot(path=str(ARTIFACTS / "demo-client-result.png"), full_page=True)


def test_browser_refuses_to_frame_the_consent_page(page, server, demo_client_id):
    # RFC 9700 §4.16 (clickjacking): a hostile page that frames the consent page under a
    # decoy button gets an empty frame, not the Allow button.
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    client = AuthlibSession(demo_client_id, redirect_uri=server.url + "/demo/callback",
                            scope="profile", code_challenge_method="S256")
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize",
                                             code_verifier=generate_token(64))
    page.goto(url)
    assert page.locator("input[name=allow]").count() == 1  # the page itself renders

    page.set_content(f'<iframe id="decoy" src="{url}" width="600" height="400"></iframe>')
    page.wait_for_load_state("load")
    frame = page.frame_locator("#decoy")
    assert frame.locator("input[name=allow]").count() == 0


def test_browser_allows_a_device_while_it_polls(page, server, demo_device_client_id):
    # RFC 8628 §3.3: a device polls (requests, in a thread) while a person, in Chromium,
    # logs in, types the code shown on the device, reads the consent page and allows.
    from tests.e2e.test_e2e_device import RequestsDevice

    device = RequestsDevice(server.url, demo_device_client_id)
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    assert device.started.wait(30)

    page.goto(device.codes["verification_uri"])
    assert urlsplit(page.url).path == "/login"
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=user_code]")
    page.fill("input[name=user_code]", device.codes["user_code"].replace("-", "").lower())
    page.click("input[name=submit]")

    page.wait_for_selector("input[name=allow]")
    assert "Demo device" in page.inner_text("h1")
    assert "started this yourself" in page.inner_text(".warning")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "device-consent-page.png"), full_page=True)
    page.click("input[name=allow]")
    page.wait_for_selector("text=Device connected")

    thread.join(60)
    assert "access_token" in device.result, device.answers
    me = requests.get(server.url + "/api/me", timeout=30,
                      headers={"Authorization": "Bearer " + device.result["access_token"]})
    assert me.json()["user"]["username"] == "demo"
