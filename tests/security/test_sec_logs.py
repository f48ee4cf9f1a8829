"""RL-05 log hygiene: at DEBUG, through full flows and their failures, no token, code, secret,
verifier or password appears in any log record (message, arguments or traceback).

RFC 6819 §5.1.4.1 (no cleartext credentials), RFC 9700 §4.3 (credential leakage).
"""

from __future__ import annotations

import logging

import pytest

from flask_oauth_provider.core import set_debug
from tests.helpers import basic_auth, pkce_pair
from tests.security.sec_app import ALICE_PASSWORD
from tests.security.sec_flows import INTROSPECT


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.formatter_ = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        out = []
        for record in self.records:
            text = self.formatter_.format(record)  # message, args and traceback
            out.append(text + " " + repr(record.args) + " " + repr(record.__dict__.get(
                "extra", "")))
        return out


@pytest.fixture
def capture():
    handler = Capture()
    root = logging.getLogger()
    package = logging.getLogger("flask_oauth_provider")
    old = (root.level, package.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    package.setLevel(logging.DEBUG)
    set_debug(True)
    try:
        yield handler
    finally:
        set_debug(False)
        root.removeHandler(handler)
        root.setLevel(old[0])
        package.setLevel(old[1])


def assert_clean(capture, secrets_):
    texts = capture.texts()
    assert texts, "nothing was logged at DEBUG: the capture is not working"
    for name, value in secrets_.items():
        if not value:
            continue
        for text in texts:
            assert value not in text, f"{name} appears in a log record: {text[:300]!r}"


def test_RL_05_full_flows_log_no_credential(env, c1, p1, capture):
    seen = {"client secret": c1.secret, "password": ALICE_PASSWORD + "alice"}
    # code flow, confidential client (Basic auth) and public client (PKCE)
    for client in (c1, p1):
        grant = env.get_code(client)
        seen[f"code {client}"] = grant.code
        seen[f"verifier {client}"] = grant.verifier
        tokens = env.exchange(client, grant).get_json()
        seen[f"access token {client}"] = tokens["access_token"]
        seen[f"refresh token {client}"] = tokens["refresh_token"]
        assert env.api(tokens["access_token"]).status_code == 200
        refreshed = env.refresh(client, tokens["refresh_token"]).get_json()
        seen[f"refreshed access token {client}"] = refreshed["access_token"]
        seen[f"refreshed refresh token {client}"] = refreshed.get("refresh_token")
        # failures that log warnings: code replay, refresh-token reuse
        assert env.exchange(client, grant).status_code == 400
        assert env.refresh(client, tokens["refresh_token"]).status_code == 400
    # client credentials, introspection, revocation (also with credentials in the body)
    cc = env.client_credentials(c1).get_json()["access_token"]
    seen["client credentials token"] = cc
    env.introspect(c1, cc)
    env.post(INTROSPECT, {"token": cc, "client_id": c1.client_id, "client_secret": c1.secret})
    env.revoke(c1, cc)
    # failed client authentication and bad grants carry credentials too
    env.token({"grant_type": "client_credentials"}, basic_auth(c1.client_id, "wrong-" + c1.secret))
    seen["wrong secret"] = "wrong-" + c1.secret
    bad_code, bad_verifier = "badcode-" + pkce_pair()[0], pkce_pair()[0]
    env.token({"grant_type": "authorization_code", "code": bad_code, "code_verifier": bad_verifier,
               "redirect_uri": "https://client.example/cb"}, c1.auth())
    seen["unknown code"], seen["unknown verifier"] = bad_code, bad_verifier
    env.api("unknown-token-" + bad_verifier)
    seen["unknown token"] = "unknown-token-" + bad_verifier
    # a failed login of the app itself is not ours; the user's password posted to /login is
    assert_clean(capture, seen)


def test_RL_05_validator_exception_logs_no_credential(env, c1, capture, monkeypatch):
    store = env.app.extensions["oauth2_provider"].validator

    def broken(*args, **kwargs):
        raise RuntimeError("storage exploded")

    monkeypatch.setattr(store, "validate_code", broken)
    grant = env.get_code(c1)
    response = env.exchange(c1, grant)
    assert response.status_code == 500
    assert_clean(capture, {"secret": c1.secret, "code": grant.code, "verifier": grant.verifier})
    assert any("storage exploded" in t for t in capture.texts()), "the traceback was not logged"
