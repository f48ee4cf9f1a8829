"""The provider under Flask-WTF's ``CSRFProtect``, which many Flask apps turn on app-wide.

The token, revocation and introspection endpoints are called by clients, machine to
machine, with no browser session to carry a CSRF token: they must work without the app
doing anything. The consent form keeps its own CSRF token, so a forged consent POST is
still refused. Both orders of setting up the two extensions are covered.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from flask import Flask, redirect, request
from flask_login import LoginManager, login_user

from flask_oauth_provider import OAuth2Provider
from tests.flask.flask_support import REG, Store, authorize_url, consent, csrf_token
from tests.helpers import RFC7636_VERIFIER, basic_auth, location_values

flask_wtf_csrf = pytest.importorskip("flask_wtf.csrf")


def make_app(csrf_first: bool) -> Flask:
    store = Store()
    app = Flask("csrf_test")
    app.config.update(SECRET_KEY="test-" + secrets.token_hex(8))
    csrf = flask_wtf_csrf.CSRFProtect()
    if csrf_first:
        csrf.init_app(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"
    login_manager.user_loader(store.user_by_id)
    oauth = OAuth2Provider()
    store.register(oauth)
    oauth.init_app(app)
    if not csrf_first:
        csrf.init_app(app)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        login_user(store.users[request.form["username"]])
        return redirect("/")

    @app.post("/profile")
    def profile() -> str:  # an ordinary form of the app, which CSRFProtect guards
        return "saved"

    csrf.exempt(login)  # the test logs in without a form
    return app


@pytest.fixture(params=[True, False], ids=["csrf-first", "provider-first"])
def http(request: pytest.FixtureRequest) -> Any:
    return make_app(request.param).test_client()


def test_csrfprotect_is_on_for_the_apps_own_forms(http):
    answer = http.post("/profile", data={"name": "x"})
    assert answer.status_code == 400 and b"CSRF" in answer.data


def test_token_revoke_and_introspect_work_without_a_csrf_token(http):
    token = http.post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                      data={"grant_type": "client_credentials", "scope": "profile"})
    assert token.status_code == 200, token.get_data(as_text=True)
    access_token = token.get_json()["access_token"]
    seen = http.post("/oauth/introspect", headers=basic_auth("C2", "C2-secret"),
                     data={"token": access_token})
    assert seen.status_code == 200 and seen.get_json()["active"] is True
    revoked = http.post("/oauth/revoke", headers=basic_auth("C2", "C2-secret"),
                        data={"token": access_token})
    assert revoked.status_code == 200
    seen = http.post("/oauth/introspect", headers=basic_auth("C2", "C2-secret"),
                     data={"token": access_token})
    assert seen.get_json() == {"active": False}


def test_the_consent_form_works_and_keeps_its_own_csrf_check(http):
    http.post("/login", data={"username": "alice"})
    url = authorize_url()
    allowed = consent(http, url)
    assert allowed.status_code == 303, allowed.get_data(as_text=True)
    code = location_values(allowed.headers["Location"])["code"][0]
    token = http.post("/oauth/token", headers=basic_auth("C1", "C1-secret"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REG,
        "code_verifier": RFC7636_VERIFIER})
    assert token.status_code == 200, token.get_data(as_text=True)

    # A consent POST without the page's token, or with a made-up one, issues no code.
    for fields in ({}, {"csrf_token": "forged"}):
        forged = http.post(url, data={"scope": "profile", "allow": "x", **fields})
        assert forged.status_code == 400 and "Location" not in forged.headers
    # The token of the consent page is the provider's, not Flask-WTF's.
    assert csrf_token(http.get(url).get_data(as_text=True))
