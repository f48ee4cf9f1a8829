"""The device authorization grant (RFC 8628) end to end: a device client polls the example
app on a real werkzeug server on 127.0.0.1 while a person's browser (a requests session
logged in through the login page) enters the code on the verification page and allows.

The device waits ``interval`` seconds between polls, as RFC 8628 §3.5 asks (1 s in these
tests), so it never gets ``slow_down``; no assertion depends on how long anything takes.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from example_app import device_login
from tests.e2e.e2e_support import submit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class RequestsDevice:
    """A device written with requests: asks for codes, then polls until it has an answer."""

    def __init__(self, base_url: str, client_id: str) -> None:
        self.base_url = base_url
        self.client_id = client_id
        self.http = requests.Session()
        self.answers: list[str] = []
        self.codes: dict[str, Any] = {}
        self.started = threading.Event()
        self.result: dict[str, Any] = {}

    def run(self, scope: str = "profile") -> None:
        start = self.http.post(self.base_url + "/oauth/device_authorization",
                               data={"client_id": self.client_id, "scope": scope}, timeout=30)
        start.raise_for_status()
        self.codes = start.json()
        self.started.set()
        interval = self.codes["interval"]
        stop = threading.Event()
        for _ in range(120):
            answer = self.http.post(self.base_url + "/oauth/token", timeout=30, data={
                "grant_type": DEVICE_GRANT, "device_code": self.codes["device_code"],
                "client_id": self.client_id})
            body = answer.json()
            self.answers.append(body.get("error", "token"))
            if answer.status_code == 200 or body.get("error") not in (
                    "authorization_pending", "slow_down"):
                self.result = body
                return
            if body["error"] == "slow_down":
                interval += 5
            stop.wait(interval)  # RFC 8628 §3.5: never sooner than the interval


def test_device_logs_in_while_the_browser_allows(server, browser, demo_device_client_id):
    device = RequestsDevice(server.url, demo_device_client_id)
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    assert device.started.wait(30)
    codes = device.codes
    assert codes["verification_uri"] == server.url + "/oauth/device"

    # The person opens the verification URI, types the code in lower case, allows.
    page = browser.get(codes["verification_uri"], timeout=30)
    assert page.status_code == 200, page.text
    consent = submit(browser, page, "user_code", {"user_code": codes["user_code"].lower()})
    assert consent.status_code == 200, consent.text
    assert "Demo device" in consent.text and "started this yourself" in consent.text
    done = submit(browser, consent, "allow", button="allow")
    assert done.status_code == 200 and "Device connected" in done.text

    thread.join(60)
    assert not thread.is_alive()
    assert "access_token" in device.result, device.answers
    assert set(device.answers) <= {"authorization_pending", "token"}
    me = requests.get(server.url + "/api/me", timeout=30,
                      headers={"Authorization": "Bearer " + device.result["access_token"]})
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "demo"


def test_device_is_told_when_the_browser_denies(server, browser, demo_device_client_id):
    device = RequestsDevice(server.url, demo_device_client_id)
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    assert device.started.wait(30)
    page = browser.get(device.codes["verification_uri_complete"], timeout=30)
    assert page.status_code == 200, page.text
    done = submit(browser, page, "deny", button="deny")
    assert "Access denied" in done.text
    thread.join(60)
    assert device.result == {"error": "access_denied"}


def test_example_device_login_module(server, browser, demo_device_client_id):
    """``python -m example_app.device_login``'s flow, with the browser answering for the
    person reading the terminal."""
    shown: list[str] = []
    result: dict[str, Any] = {}
    code_shown = threading.Event()

    def show(line: str) -> None:
        shown.append(line)
        code_shown.set()

    def run() -> None:
        result["token"] = device_login.device_login(server.url, demo_device_client_id,
                                                    show=show)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert code_shown.wait(30)
    user_code = shown[0].rsplit(" ", 1)[1]
    page = browser.get(server.url + "/oauth/device", timeout=30)
    consent = submit(browser, page, "user_code", {"user_code": user_code})
    submit(browser, consent, "allow", button="allow")
    thread.join(60)
    token = result["token"]
    assert token["scope"] == "profile"
    assert device_login.get_json(server.url + "/api/me", token["access_token"])["user"][
        "username"] == "demo"
