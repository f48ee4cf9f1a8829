"""Faults: the database going away mid-flow, and exceptions inside the validator or callbacks.

* Database down: the token, revocation and introspection endpoints answer 503
  ``temporarily_unavailable`` JSON (RFC 6749 §5.2 has no code for it; §4.1.2.1 names
  ``temporarily_unavailable`` for the authorization endpoint), protected views 503, the
  authorization endpoint never redirects; a failed write leaves nothing half-written; the
  same app serves again once the database is back, without a restart.
* Unexpected exceptions: 500 ``server_error`` JSON with no detail, logged with traceback.

On PostgreSQL / MariaDB (``OAUTH_TEST_DATABASE_URL``) the outage is real: the app talks to
the database through a TCP proxy on 127.0.0.1 that the test cuts. On SQLite every
statement fails with the driver's ``OperationalError`` while the outage lasts.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any, Optional

import pytest
import sqlalchemy

from flask_oauth_provider import OAuth2Provider
from tests.helpers.database import TestDatabase
from tests.security.sec_app import AuthorizationCode, Token, assert_oauth_error, db
from tests.security.sec_flows import INTROSPECT, METADATA, REVOKE, TOKEN


class TcpProxy:
    """A TCP relay 127.0.0.1:<port> -> upstream that can be cut and restored."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.available = True
        self.closed = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if not self.available:
                conn.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
                upstream.settimeout(None)
            except OSError:
                conn.close()
                continue
            with self.lock:
                self.sockets += [conn, upstream]
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.available = False
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.available = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


class Outage:
    """Switch the app's database off and on again."""

    def __init__(self, env: Any, proxy: Optional[TcpProxy]):
        self.env = env
        self.proxy = proxy
        self.active = False
        self.only: Optional[str] = None  # fail only statements starting with this
        with env.app.app_context():
            engine = db.engine
        self.dbapi_error = engine.dialect.loaded_dbapi.OperationalError

        @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
        def fail(conn, cursor, statement, parameters, context, executemany):
            if self.active and (self.only is None or
                                statement.lstrip().upper().startswith(self.only)):
                raise self.dbapi_error("simulated database outage")

    def down(self, only: Optional[str] = None) -> None:
        if self.proxy is not None and only is None:
            self.proxy.cut()
        else:
            self.only = only
            self.active = True

    def up(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        self.active = False
        self.only = None


@pytest.fixture
def outage_env(make_env, database_url):
    proxy: Optional[TcpProxy] = None

    def through_proxy(target: TestDatabase) -> TestDatabase:
        nonlocal proxy
        url = sqlalchemy.engine.make_url(target.url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or {"postgresql": 5432}.get(
            url.get_backend_name(), 3306))
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        relay = proxy

        def cleanup() -> None:  # after the app dropped its tables through the proxy
            relay.close()
            target.close()

        return TestDatabase(proxied.render_as_string(hide_password=False),
                              target.engine_options, cleanup)

    env = make_env(target_wrapper=through_proxy if database_url else None)
    outage = Outage(env, proxy)
    yield env, outage
    outage.up()


def assert_unavailable(response):
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True))
    body = assert_oauth_error(response)
    assert body["error"] == "temporarily_unavailable"
    assert "no-store" in response.headers.get("Cache-Control", "")


def assert_no_detail(response):
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "simulated", "exploded", "OperationalError", "sqlalchemy",
                 "SELECT", "psycopg", "sqlite"):
        assert leak not in text, f"{leak!r} leaked: {text[:300]!r}"


def count(env, model):
    with env.app.app_context():
        return db.session.scalar(sqlalchemy.select(sqlalchemy.func.count()).select_from(model))


def test_token_endpoint_answers_503_while_the_database_is_down(outage_env):
    env, outage = outage_env
    c1 = env.clients.create(grant_types=["client_credentials"])
    outage.down()
    response = env.client_credentials(c1)
    assert_unavailable(response)
    assert_no_detail(response)


def test_code_exchange_answers_503_while_the_database_is_down(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    grant = env.get_code(c1)
    outage.down()
    assert_unavailable(env.exchange(c1, grant))


def test_revocation_and_introspection_answer_503_while_the_database_is_down(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    token = env.tokens(c1)["access_token"]
    outage.down()
    assert_unavailable(env.revoke(c1, token))
    assert_unavailable(env.introspect(c1, token))


def test_protected_view_answers_503_while_the_database_is_down(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    token = env.tokens(c1)["access_token"]
    outage.down()
    response = env.api(token)
    assert response.status_code == 503
    assert_no_detail(response)


def test_database_outage_never_answers_a_token_or_a_redirect(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    grant = env.get_code(c1)
    query, _ = env.authorize_params(c1)
    outage.down()
    exchanged = env.exchange(c1, grant)
    assert exchanged.status_code >= 400 and "access_token" not in exchanged.get_data(
        as_text=True)
    assert_no_detail(exchanged)
    anonymous = env.fresh_browser()
    page = env.authorize_get(query, http=anonymous)
    assert page.status_code in (500, 503)
    assert "Location" not in page.headers
    assert_no_detail(page)
    assert env.http.get(METADATA).status_code == 200  # needs no database


def test_service_recovers_without_restart(outage_env):
    env, outage = outage_env
    c1 = env.clients.create(grant_types=["client_credentials"])
    token = env.client_credentials(c1).get_json()["access_token"]
    outage.down()
    assert env.client_credentials(c1).status_code >= 500
    assert env.api(token, "/api/client").status_code >= 500
    outage.up()
    assert env.client_credentials(c1).status_code == 200
    assert env.api(token, "/api/client").status_code == 200


def test_failed_token_write_leaves_the_code_redeemable(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    grant = env.get_code(c1)
    outage.down(only="INSERT")
    failed = env.exchange(c1, grant)
    outage.up()
    assert failed.status_code != 200
    assert count(env, Token) == 0
    with env.app.app_context():
        row = db.session.scalars(sqlalchemy.select(AuthorizationCode)).one()
        assert row.consumed_at is None, "the code was consumed without a token being issued"
    assert env.exchange(c1, grant).status_code == 200


def test_failed_token_write_answers_503_not_invalid_grant(outage_env):
    env, outage = outage_env
    c1 = env.clients.create()
    grant = env.get_code(c1)
    outage.down(only="INSERT")
    failed = env.exchange(c1, grant)
    outage.up()
    assert_unavailable(failed)


def test_failed_refresh_write_leaves_the_refresh_token_usable(outage_env):
    env, outage = outage_env
    p1 = env.clients.create(public=True)
    tokens = env.tokens(p1)
    outage.down(only="INSERT")
    failed = env.refresh(p1, tokens["refresh_token"])
    outage.up()
    assert failed.status_code != 200
    assert count(env, Token) == 1
    retried = env.refresh(p1, tokens["refresh_token"])
    assert retried.status_code == 200, retried.get_data(as_text=True)
    assert env.api(retried.get_json()["access_token"]).status_code == 200


# -- exceptions in the validator or callbacks ----------------------------------------------


def broken(*args, **kwargs):
    raise RuntimeError("storage exploded")


@pytest.fixture
def errors_logged(caplog):
    caplog.set_level(logging.ERROR, logger="flask_oauth_provider")
    return caplog


def assert_logged(caplog):
    assert any(r.exc_info and "storage exploded" in str(r.exc_info[1])
               for r in caplog.records), "the exception was not logged with its traceback"


def assert_server_error(response):
    assert response.status_code == 500
    body = assert_oauth_error(response)
    assert body["error"] == "server_error"
    assert set(body) <= {"error", "error_description"}
    assert_no_detail(response)


@pytest.mark.parametrize("method", ["authenticate_client", "validate_code", "save_bearer_token",
                                    "validate_grant_type", "confirm_redirect_uri"])
def test_validator_exception_at_token_endpoint_is_server_error(env, c1, errors_logged,
                                                                monkeypatch, method):
    grant = env.get_code(c1)
    monkeypatch.setattr(env.app.extensions["oauth2_provider"].validator, method, broken)
    assert_server_error(env.exchange(c1, grant))
    assert_logged(errors_logged)


def test_validator_exception_at_revocation_is_server_error(env, c1, errors_logged,
                                                           monkeypatch):
    monkeypatch.setattr(env.app.extensions["oauth2_provider"].validator, "revoke_token", broken)
    assert_server_error(env.post(REVOKE, {"token": "x"}, c1.auth()))
    assert_logged(errors_logged)


def test_validator_exception_at_introspection_is_server_error(env, c1, errors_logged,
                                                              monkeypatch):
    monkeypatch.setattr(env.app.extensions["oauth2_provider"].validator, "introspect_token",
                        broken)
    assert_server_error(env.post(INTROSPECT, {"token": "x"}, c1.auth()))
    assert_logged(errors_logged)


def test_validator_exception_at_protected_view_is_server_error(env, c1, errors_logged,
                                                               monkeypatch):
    token = env.tokens(c1)["access_token"]
    monkeypatch.setattr(env.app.extensions["oauth2_provider"].validator,
                        "validate_bearer_token", broken)
    response = env.api(token)
    assert response.status_code == 500
    assert_no_detail(response)
    assert_logged(errors_logged)


@pytest.mark.parametrize("method", ["validate_client_id", "validate_redirect_uri",
                                    "validate_scopes", "save_authorization_code"])
def test_validator_exception_at_authorization_endpoint_never_redirects(
        env, c1, errors_logged, monkeypatch, method):
    env.login()
    page, _ = env.consent_page(c1)
    monkeypatch.setattr(env.app.extensions["oauth2_provider"].validator, method, broken)
    for response in (env.authorize_get(env.authorize_params(c1)[0]), env.post_consent(page)):
        if method == "save_authorization_code" and response.status_code == 200:
            continue  # the GET does not save anything
        assert response.status_code == 500, response.status_code
        assert "Location" not in response.headers
        assert_no_detail(response)
    assert_logged(errors_logged)


def test_callback_exception_is_server_error(errors_logged):
    from flask import Flask

    app = Flask("sec_callbacks")
    app.config["SECRET_KEY"] = "x"
    oauth = OAuth2Provider(app)
    for name in ("clientgetter", "grantgetter", "grantsetter", "tokengetter", "tokensetter"):
        getattr(oauth, name)(broken)
    response = app.test_client().post(
        TOKEN, data="grant_type=client_credentials&client_id=a&client_secret=b",
        content_type="application/x-www-form-urlencoded")
    assert_server_error(response)
    assert_logged(errors_logged)
