"""The device authorization grant (RFC 8628) through the Flask test client, section by section.

An app with the bundled store (its device models too), Flask-Login and the grant on. The
device's requests go to ``/oauth/device_authorization`` and ``/oauth/token``; the user's to
the verification page ``/oauth/device``, driven as a browser does (forms read from the
page, CSRF token included). Time is a clock the tests move, shared by the store and the
grant.
"""

from __future__ import annotations

import datetime
import logging

import pytest
from flask import Flask, jsonify
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from flask_oauth_provider import OAuth2Provider, current_token, signals
from tests.helpers import basic_auth, bearer, error_of, find_form
from tests.helpers.sqla_models import DEVICE_MODELS, MODELS, DeviceAttempt, DeviceCode, User

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ISSUER = "https://as.example"


class Clock:
    """Seconds since the epoch, moved by the tests; the store reads it as naive UTC."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def utc(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.now, datetime.timezone.utc).replace(
            tzinfo=None)


@pytest.fixture
def clock():
    return Clock()


def make_app(test_database, clock, **config):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="device-test", SQLALCHEMY_DATABASE_URI=test_database.url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
        OAUTH2_PROVIDER_ISSUER=ISSUER,
        OAUTH2_PROVIDER_GRANT_TYPES=["authorization_code", "refresh_token", DEVICE_GRANT],
        OAUTH2_PROVIDER_INSECURE_TRANSPORT=True, **config)
    db = SQLAlchemy()
    db.init_app(app)
    login = LoginManager(app)
    login.login_view = "login_page"
    login.user_loader(lambda user_id: db.session.get(User, int(user_id)))
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, **DEVICE_MODELS)
    oauth.init_app(app)
    oauth.store.now = clock.utc

    @app.get("/login")
    def login_page():
        return "log in first", 401

    @app.get("/login/<name>")
    def log_in(name: str):
        user = db.session.scalar(select(User).filter_by(username=name))
        login_user(user)
        return "logged in"

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me():
        return jsonify(user=current_token.user.username, scopes=current_token.scopes)

    with app.app_context():
        for name in ("erin", "frank"):
            db.session.add(User(username=name))
        db.session.commit()
        state = app.extensions["oauth2_provider"]
        state.server.device_code_grant.clock = lambda: clock.now
        tv, _ = state.create_client(name="Living-room TV", public=True,
                                    grant_types=[DEVICE_GRANT, "refresh_token"],
                                    scopes=["profile", "read"])
        console, secret = state.create_client(name="Console", grant_types=[DEVICE_GRANT],
                                              scopes=["profile"])
        web, _ = state.create_client(name="Web", redirect_uris=["https://web.example/cb"],
                                     scopes=["profile"], public=True)
        app.config["TEST_CLIENTS"] = {"tv": tv.client_id, "console": console.client_id,
                                      "console_secret": secret, "web": web.client_id}
    app.extensions["test_db"] = db
    return app


@pytest.fixture
def app(test_database, tables, clock):
    app = make_app(test_database, clock)
    yield app
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()


@pytest.fixture
def ids(app):
    return app.config["TEST_CLIENTS"]


@pytest.fixture
def device(app):
    """The device: its own HTTP client, no cookies of the user."""
    return app.test_client()


@pytest.fixture
def browser(app):
    """The user's browser, logged in as erin."""
    client = app.test_client()
    assert client.get("/login/erin").status_code == 200
    return client


def start(device, client_id, scope="profile read", **extra):
    response = device.post("/oauth/device_authorization",
                           data={"client_id": client_id, "scope": scope, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def poll(device, device_code, client_id):
    return device.post("/oauth/token", data={"grant_type": DEVICE_GRANT,
                                             "device_code": device_code,
                                             "client_id": client_id})


def enter_code(browser, user_code):
    """Type ``user_code`` on the verification page; returns the answer (the consent page)."""
    page = browser.get("/oauth/device")
    form = find_form(page.get_data(as_text=True), "user_code")
    return browser.post(form.action, data=MultiDict(form.data({"user_code": user_code})))


def answer(browser, consent_page, button, overrides=None):
    form = find_form(consent_page.get_data(as_text=True), button)
    return browser.post(form.action, data=MultiDict(form.data(overrides, submit=button)))


def approve(browser, user_code, overrides=None):
    consent = enter_code(browser, user_code)
    assert consent.status_code == 200, consent.get_data(as_text=True)
    return answer(browser, consent, "allow", overrides)


# -- §3.1 / §3.2: the device authorization request ---------------------------------------


def test_rfc8628_3_2_answer_over_http(device, ids):
    response = device.post("/oauth/device_authorization",
                           data={"client_id": ids["tv"], "scope": "profile"})
    body = response.get_json()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert body["verification_uri"] == ISSUER + "/oauth/device"
    assert body["verification_uri_complete"] == (
        f"{ISSUER}/oauth/device?user_code={body['user_code']}")
    assert (body["expires_in"], body["interval"]) == (600, 5)


def test_rfc8628_3_2_codes_are_stored_as_digests(app, device, ids):
    body = start(device, ids["tv"])
    with app.app_context():
        row = app.extensions["test_db"].session.scalars(select(DeviceCode)).one()
        stored = {row.device_code_digest, row.user_code_digest}
    assert body["device_code"] not in str(stored)
    assert body["user_code"].replace("-", "") not in str(stored)
    assert all(len(value) == 64 for value in stored)


def test_rfc8628_3_1_confidential_client_authenticates(device, ids):
    response = device.post("/oauth/device_authorization", data={"scope": "profile"},
                           headers=basic_auth(ids["console"], ids["console_secret"]))
    assert response.status_code == 200


@pytest.mark.parametrize(("data", "status", "error"), [
    ({"client_id": "nobody"}, 401, "invalid_client"),
    ({}, 401, "invalid_client"),
    ({"client_id": "WEB", "scope": "profile"}, 400, "unauthorized_client"),
    ({"client_id": "TV", "scope": "admin"}, 400, "invalid_scope"),
], ids=["unknown-client", "no-client", "client-without-the-grant", "invalid-scope"])
def test_rfc8628_3_1_bad_requests_get_the_rfc_error(app, device, ids, data, status, error):
    data = {k: ids.get(v.lower(), v) for k, v in data.items()}
    response = device.post("/oauth/device_authorization", data=data)
    assert (response.status_code, error_of(response)) == (status, error)
    with app.app_context():
        assert app.extensions["test_db"].session.scalars(select(DeviceCode)).all() == []


def test_rfc8628_3_1_oversized_parameter_is_invalid_request(app, device, ids):
    response = device.post("/oauth/device_authorization",
                           data={"client_id": ids["tv"], "scope": "profile " * 400})
    assert (response.status_code, error_of(response)) == (400, "invalid_request")


def test_rfc8628_3_1_get_is_not_allowed(device):
    assert device.get("/oauth/device_authorization").status_code == 405


# -- §4: metadata, and the switch --------------------------------------------------------


def test_rfc8628_4_metadata_names_the_endpoint(device):
    metadata = device.get("/.well-known/oauth-authorization-server").get_json()
    assert metadata["device_authorization_endpoint"] == ISSUER + "/oauth/device_authorization"
    assert DEVICE_GRANT in metadata["grant_types_supported"]


def test_grant_off_by_default_no_routes_no_metadata(test_database, tables, clock):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options))
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, **DEVICE_MODELS)
    oauth.init_app(app)
    client = app.test_client()
    try:
        assert client.post("/oauth/device_authorization", data={"client_id": "x"}
                           ).status_code == 404
        assert client.get("/oauth/device").status_code == 404
        metadata = client.get("/.well-known/oauth-authorization-server").get_json()
        assert "device_authorization_endpoint" not in metadata
        assert DEVICE_GRANT not in metadata["grant_types_supported"]
        response = client.post("/oauth/token", data={"grant_type": DEVICE_GRANT,
                                                     "device_code": "x", "client_id": "x"})
        assert error_of(response) == "unsupported_grant_type"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_grant_on_without_device_models_fails_clearly(test_database, tables, clock):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_GRANT_TYPES=["authorization_code", DEVICE_GRANT])
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    try:
        with app.test_request_context(), pytest.raises(RuntimeError, match="device_code_model"):
            assert app.extensions["oauth2_provider"].server is None
    finally:
        with app.app_context():
            db.engine.dispose()


# -- §3.3: the verification page -----------------------------------------------------------


def test_rfc8628_3_3_page_needs_a_logged_in_user(app, device):
    response = device.get("/oauth/device")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_rfc8628_3_3_consent_names_client_scopes_and_warns(browser, device, ids):
    body = start(device, ids["tv"])
    consent = enter_code(browser, body["user_code"].lower().replace("-", ""))
    html = consent.get_data(as_text=True)
    assert consent.status_code == 200
    assert "Living-room TV" in html
    assert "profile" in html and "read" in html
    assert "started this yourself" in html
    assert consent.headers["X-Frame-Options"] == "DENY"
    assert consent.headers["Cache-Control"] == "no-store"


def test_rfc8628_3_3_whole_flow_allow_then_token_then_api(browser, device, ids, clock):
    body = start(device, ids["tv"])
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "authorization_pending"
    done = approve(browser, body["user_code"])
    assert done.status_code == 200
    assert "Device connected" in done.get_data(as_text=True)
    clock.now += 5
    token = poll(device, body["device_code"], ids["tv"])
    assert token.status_code == 200, token.get_json()
    tokens = token.get_json()
    assert set(tokens["scope"].split()) == {"profile", "read"}
    assert "refresh_token" in tokens
    me = device.get("/api/me", headers=bearer(tokens["access_token"]))
    assert me.get_json()["user"] == "erin"


def test_rfc8628_3_3_1_complete_uri_shows_consent_but_decides_nothing(browser, device, ids):
    body = start(device, ids["tv"])
    path = body["verification_uri_complete"][len(ISSUER):]
    consent = browser.get(path)
    assert consent.status_code == 200
    assert find_form(consent.get_data(as_text=True), "allow")
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "authorization_pending"


def test_rfc8628_3_3_user_may_grant_fewer_scopes(browser, device, ids, clock):
    body = start(device, ids["tv"])
    approve(browser, body["user_code"], overrides={"scope": ["read"]})
    token = poll(device, body["device_code"], ids["tv"]).get_json()
    assert token["scope"] == "read"


def test_rfc8628_3_5_denied_code_is_access_denied(browser, device, ids, clock):
    body = start(device, ids["tv"])
    consent = enter_code(browser, body["user_code"])
    done = answer(browser, consent, "deny")
    assert "Access denied" in done.get_data(as_text=True)
    for _ in range(2):
        assert error_of(poll(device, body["device_code"], ids["tv"])) == "access_denied"
        clock.now += 5


def test_consent_post_without_csrf_token_decides_nothing(browser, device, ids):
    body = start(device, ids["tv"])
    consent = enter_code(browser, body["user_code"])
    form = find_form(consent.get_data(as_text=True), "allow")
    data = [(k, v) for k, v in form.data(submit="allow") if k != "csrf_token"]
    response = browser.post(form.action, data=MultiDict(data))
    assert response.status_code == 400
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "authorization_pending"


def test_consent_post_by_another_session_is_refused(app, browser, device, ids):
    """The CSRF token is bound to the session that got the page (RFC 6749 §10.12)."""
    body = start(device, ids["tv"])
    consent = enter_code(browser, body["user_code"])
    form = find_form(consent.get_data(as_text=True), "allow")
    other = app.test_client()
    other.get("/login/frank")
    response = other.post(form.action, data=MultiDict(form.data(submit="allow")))
    assert response.status_code == 400
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "authorization_pending"


def test_answered_code_cannot_be_answered_again(browser, device, ids, clock):
    body = start(device, ids["tv"])
    consent = enter_code(browser, body["user_code"])
    answer(browser, consent, "deny")
    again = answer(browser, consent, "allow")
    assert again.status_code == 400
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "access_denied"


def test_expired_user_code_is_not_accepted(browser, device, ids, clock):
    body = start(device, ids["tv"])
    clock.now += 600
    response = enter_code(browser, body["user_code"])
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_signals_for_granted_and_denied(app, browser, device, ids):
    seen = []

    def record(name):
        return lambda sender, client, user, scopes: seen.append(
            (name, client.name, user.username, scopes))

    granted, denied = record("granted"), record("denied")
    signals.device_authorization_granted.connect(granted, app)
    signals.device_authorization_denied.connect(denied, app)
    try:
        approve(browser, start(device, ids["tv"])["user_code"], overrides={"scope": ["read"]})
        consent = enter_code(browser, start(device, ids["tv"], scope="profile")["user_code"])
        answer(browser, consent, "deny")
    finally:
        signals.device_authorization_granted.disconnect(granted, app)
        signals.device_authorization_denied.disconnect(denied, app)
    assert seen == [("granted", "Living-room TV", "erin", ["read"]),
                    ("denied", "Living-room TV", "erin", ["profile"])]


# -- §3.4 / §3.5: polling over HTTP ---------------------------------------------------------


def test_rfc8628_3_5_slow_down_grows_interval_in_the_database(app, device, ids, clock):
    body = start(device, ids["tv"])
    poll(device, body["device_code"], ids["tv"])
    clock.now += 2
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "slow_down"
    clock.now += 6
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "slow_down"
    with app.app_context():
        row = app.extensions["test_db"].session.scalars(select(DeviceCode)).one()
        assert row.poll_interval == 15
    clock.now += 15
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "authorization_pending"


def test_rfc8628_3_5_expired_device_code(browser, device, ids, clock):
    body = start(device, ids["tv"])
    approve(browser, body["user_code"])
    clock.now += 600
    response = poll(device, body["device_code"], ids["tv"])
    assert (response.status_code, error_of(response)) == (400, "expired_token")


def test_rfc8628_3_5_code_redeemed_once(browser, device, ids):
    body = start(device, ids["tv"])
    approve(browser, body["user_code"])
    assert poll(device, body["device_code"], ids["tv"]).status_code == 200
    assert error_of(poll(device, body["device_code"], ids["tv"])) == "invalid_grant"


def test_rfc8628_3_4_device_code_of_another_client(browser, device, ids):
    body = start(device, ids["tv"], scope="profile")
    approve(browser, body["user_code"])
    response = device.post("/oauth/token",
                           data={"grant_type": DEVICE_GRANT, "device_code": body["device_code"]},
                           headers=basic_auth(ids["console"], ids["console_secret"]))
    assert error_of(response) == "invalid_grant"
    assert poll(device, body["device_code"], ids["tv"]).status_code == 200


def test_rfc8628_3_4_missing_client_id_is_invalid_client(device, ids):
    body = start(device, ids["tv"])
    response = device.post("/oauth/token", data={"grant_type": DEVICE_GRANT,
                                                 "device_code": body["device_code"]})
    assert (response.status_code, error_of(response)) == (401, "invalid_client")


def test_token_issued_signal_names_the_device_grant(app, browser, device, ids):
    seen = []

    def record(sender, client, user, scopes, grant_type):
        seen.append((client.name, user.username, grant_type))

    signals.token_issued.connect(record, app)
    try:
        body = start(device, ids["tv"])
        approve(browser, body["user_code"])
        poll(device, body["device_code"], ids["tv"])
    finally:
        signals.token_issued.disconnect(record, app)
    assert seen == [("Living-room TV", "erin", DEVICE_GRANT)]


# -- §5.1: guessing user codes ----------------------------------------------------------


def test_rfc8628_5_1_session_limit_refuses_even_a_right_code(browser, device, ids):
    body = start(device, ids["tv"])
    for _ in range(5):
        assert enter_code(browser, "BBBB-BBBB").status_code == 400
    refused = enter_code(browser, body["user_code"])
    assert refused.status_code == 429
    assert "Too many" in refused.get_data(as_text=True)


def test_rfc8628_5_1_ip_limit_holds_across_sessions(app, device, ids):
    body = start(device, ids["tv"])
    for _ in range(4):  # 4 sessions x 5 wrong codes = 20, the per-IP limit
        fresh = app.test_client()
        fresh.get("/login/frank")
        for _ in range(5):
            assert enter_code(fresh, "BBBB-BBBB").status_code == 400
    fresh = app.test_client()
    fresh.get("/login/frank")
    assert enter_code(fresh, body["user_code"]).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    elsewhere.get("/login/frank")
    assert enter_code(elsewhere, body["user_code"]).status_code == 200


def test_rfc8628_5_1_server_wide_budget(app, device, ids, monkeypatch):
    monkeypatch.setattr("flask_oauth_provider.device.guess_budget", lambda: 3)
    body = start(device, ids["tv"])
    for number in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        client.get("/login/frank")
        assert enter_code(client, "BBBB-BBBB").status_code == 400
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    client.get("/login/erin")
    assert enter_code(client, body["user_code"]).status_code == 429


def test_rfc8628_5_1_limits_count_one_code_lifetime(browser, device, ids, clock):
    for _ in range(5):
        enter_code(browser, "BBBB-BBBB")
    clock.now += 601
    body = start(device, ids["tv"])
    assert enter_code(browser, body["user_code"]).status_code == 200


def test_rfc8628_5_1_wrong_entries_are_logged_without_the_code(browser, caplog):
    with caplog.at_level(logging.INFO, logger="flask_oauth_provider.device"):
        enter_code(browser, "QWRT-ZXCV")
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "unknown or expired user code" in messages
    assert "QWRT" not in messages and "ZXCV" not in messages


# -- flask oauth purge ------------------------------------------------------------------------


def test_purge_removes_expired_device_codes_and_old_attempts(app, browser, device, ids, clock):
    start(device, ids["tv"])
    enter_code(browser, "BBBB-BBBB")
    clock.now += 300
    live = start(device, ids["tv"])
    clock.now += 301
    result = app.test_cli_runner().invoke(args=["oauth", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 device code(s)" in result.output
    assert "1 old wrong user-code entries" in result.output
    with app.app_context():
        session = app.extensions["test_db"].session
        assert len(session.scalars(select(DeviceCode)).all()) == 1
        assert session.scalars(select(DeviceAttempt)).all() == []
    assert error_of(poll(device, live["device_code"], ids["tv"])) == "authorization_pending"
