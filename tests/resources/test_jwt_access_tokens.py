"""JWT access tokens at the provider (RFC 9068 §2 claims, §4 checks at its own views) and
at a ResourceServer that verifies them with the provider's JWKS."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from flask import Flask, jsonify

from flask_oauth_provider import ResourceServer, current_token
from flask_oauth_provider.core import jose
from tests.helpers import LiveServer, basic_auth, bearer
from tests.resources.resources_support import (
    ISSUER,
    MCP,
    ORDERS,
    Browser,
    make_provider_app,
    register_client,
)

KEY = jose.generate_key("RS256")


def _claims(token: str) -> tuple[dict, dict]:
    def part(segment: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _ = token.split(".")
    return part(header), part(payload)


@pytest.fixture
def jwt_app(test_database, tables):
    app = make_provider_app(test_database, ACCESS_TOKEN_FORMAT="jwt",
                            SIGNING_KEYS={"keys": [KEY]},
                            RESOURCES={ORDERS: None, MCP: None})
    yield app
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()


@pytest.fixture
def jwt_browser(jwt_app):
    return Browser(jwt_app, *register_client(jwt_app))


def test_rfc9068_header_and_claims(jwt_browser):
    before = int(time.time())
    token = jwt_browser.login(scope="profile tools", resources=(MCP,))
    header, claims = _claims(token["access_token"])
    assert (header["typ"], header["alg"], header["kid"]) == ("at+jwt", "RS256", KEY["kid"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == MCP
    assert claims["client_id"] == jwt_browser.client_id
    assert claims["scope"] == "profile tools"
    assert claims["sub"] and claims["sub"] != jwt_browser.client_id
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 300 == token["expires_in"]
    assert len(claims["jti"]) >= 16


def test_refresh_tokens_stay_opaque(jwt_browser):
    token = jwt_browser.login()
    assert "." not in token["refresh_token"]
    refreshed = jwt_browser.refresh(token["refresh_token"]).json
    assert refreshed["access_token"].count(".") == 2


def test_client_credentials_token_has_the_client_as_subject(jwt_browser):
    answer = jwt_browser.token([("grant_type", "client_credentials"), ("scope", "profile")])
    claims = _claims(answer.json["access_token"])[1]
    assert claims["sub"] == claims["client_id"] == jwt_browser.client_id
    assert claims["aud"] == ORDERS


def test_each_token_has_its_own_jti(jwt_browser):
    first = _claims(jwt_browser.login()["access_token"])[1]["jti"]
    second = _claims(jwt_browser.login()["access_token"])[1]["jti"]
    assert first != second


def test_provider_view_accepts_its_jwt(jwt_browser):
    token = jwt_browser.login(scope="profile")["access_token"]
    assert jwt_browser.http.get("/api/me", headers=bearer(token)).status_code == 200


def test_revoked_jwt_is_refused_by_the_provider(jwt_browser):
    token = jwt_browser.login(scope="profile")["access_token"]
    jwt_browser.http.post("/oauth/revoke", data={"token": token},
                          headers=basic_auth(jwt_browser.client_id, jwt_browser.secret))
    assert jwt_browser.http.get("/api/me", headers=bearer(token)).status_code == 401


def test_jwt_of_another_resource_is_refused_at_a_resource_view(jwt_browser):
    token = jwt_browser.login(scope="tools", resources=(ORDERS,))["access_token"]
    assert jwt_browser.http.get("/mcp/tools", headers=bearer(token)).status_code == 401


def test_jwt_signed_by_a_stranger_is_refused(jwt_browser):
    token = jwt_browser.login(scope="profile")["access_token"]
    _, claims = _claims(token)
    forged = jose.sign(claims, jose.generate_key("RS256"), typ="at+jwt")
    assert jwt_browser.http.get("/api/me", headers=bearer(forged)).status_code == 401


def test_introspection_of_a_jwt(jwt_browser):
    token = jwt_browser.login(scope="tools", resources=(MCP,))["access_token"]
    claims = jwt_browser.introspect(token)
    assert (claims["active"], claims["aud"], claims["iss"]) == (True, MCP, ISSUER)


def test_a_client_may_choose_jwt_while_the_default_is_opaque(test_database, tables):
    app = make_provider_app(test_database, SIGNING_KEYS={"keys": [KEY]})
    plain = Browser(app, *register_client(app))
    assert "." not in plain.login()["access_token"]
    client_id, secret = register_client(app, name="JWT client")
    with app.app_context():
        db = app.extensions["test_db"]
        from tests.helpers.sqla_models import Client

        db.session.query(Client).filter_by(client_id=client_id).update(
            {"access_token_format": "jwt"})
        db.session.commit()
    jwt_client = Browser(app, client_id, secret)
    assert _claims(jwt_client.login()["access_token"])[0]["typ"] == "at+jwt"
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_configuration_refuses_an_unknown_format():
    from flask_oauth_provider.config import ProviderConfig

    with pytest.raises(ValueError, match="ACCESS_TOKEN_FORMAT"):
        ProviderConfig.from_mapping({"OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT": "paseto"})


def test_explicit_lifetime_applies_to_jwts_too():
    from flask_oauth_provider.config import ProviderConfig

    config = ProviderConfig.from_mapping({"OAUTH2_PROVIDER_ACCESS_TOKEN_FORMAT": "jwt",
                                          "OAUTH2_PROVIDER_TOKEN_EXPIRES_IN": 120})
    assert config.jwt_token_expires_in == 120


# -- a ResourceServer verifies the provider's JWTs with its JWKS, without calling it ------


@pytest.fixture
def live_jwt_provider(test_database, tables):
    app = make_provider_app(test_database, ISSUER=None, ACCESS_TOKEN_FORMAT="jwt",
                            OPENID=True, SIGNING_KEYS={"keys": [KEY]}, RESOURCES=[ORDERS])
    server = LiveServer(app).start()
    yield app, server
    server.stop()
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()


def test_resource_server_accepts_the_providers_jwt(live_jwt_provider):
    app, server = live_jwt_provider
    browser = Browser(app, *register_client(app))
    service = Flask(__name__)
    rs = ResourceServer(service, issuer=server.url, resource=ORDERS)

    @service.get("/api/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return jsonify(sub=current_token.sub, client_id=current_token.client_id)

    # Issued over the live server, so that iss is that server's URL.
    token = requests.post(server.url + "/oauth/token", timeout=30,
                          data={"grant_type": "client_credentials", "scope": "orders:read"},
                          headers=basic_auth(browser.client_id, browser.secret)
                          ).json()["access_token"]
    answer = service.test_client().get("/api/orders", headers=bearer(token))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"sub": browser.client_id, "client_id": browser.client_id}


def test_provider_jwt_check_costs_the_one_statement_of_an_opaque_token(jwt_app, jwt_browser):
    from tests.sqla.sqla_support import StatementCounter

    token = jwt_browser.login(scope="profile")["access_token"]
    jwt_browser.http.get("/api/me", headers=bearer(token))  # keys read once per 30 s
    with jwt_app.app_context():
        engine = jwt_app.extensions["test_db"].engine
    counter = StatementCounter(engine)
    with counter.count():
        assert jwt_browser.http.get("/api/me", headers=bearer(token)).status_code == 200
    assert len(counter) == 1, counter.statements


def test_jwks_is_published_for_jwt_access_tokens_without_openid(jwt_app):
    http = jwt_app.test_client()
    metadata = http.get("/.well-known/oauth-authorization-server").json
    assert metadata["jwks_uri"] == ISSUER + "/oauth/jwks"
    keys = http.get("/oauth/jwks").json["keys"]
    assert [key["kid"] for key in keys] == [KEY["kid"]]
    assert "d" not in keys[0]


def test_no_jwks_with_opaque_tokens_and_openid_off(test_database, tables):
    app = make_provider_app(test_database, SIGNING_KEYS={"keys": [KEY]})
    http = app.test_client()
    assert "jwks_uri" not in http.get("/.well-known/oauth-authorization-server").json
    assert http.get("/oauth/jwks").status_code == 404
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_key_rotation_at_the_provider_is_seen_by_a_running_resource_server(
        test_database, tables):
    """Tokens signed before a rotation still verify; tokens of the new key verify once
    the service fetches the JWKS again for their unknown kid."""
    app = make_provider_app(test_database, ISSUER=None, ACCESS_TOKEN_FORMAT="jwt",
                            RESOURCES=[ORDERS])
    ring = {"keys": [jose.generate_key("RS256")]}
    app.extensions["oauth2_provider"].provider.signingkeysgetter(lambda: ring)
    server = LiveServer(app).start()
    try:
        browser = Browser(app, *register_client(app))
        service = Flask(__name__)
        rs = ResourceServer(service, issuer=server.url, resource=ORDERS,
                            jwks_refresh_interval=0)

        @service.get("/api/orders")
        @rs.require_oauth("orders:read")
        def orders():
            return jsonify(client_id=current_token.client_id)

        def token() -> str:
            return requests.post(
                server.url + "/oauth/token", timeout=30,
                data={"grant_type": "client_credentials", "scope": "orders:read"},
                headers=basic_auth(browser.client_id, browser.secret)).json()["access_token"]

        http = service.test_client()
        before = token()
        assert http.get("/api/orders", headers=bearer(before)).status_code == 200
        ring["keys"] = [jose.generate_key("RS256"), *ring["keys"]]  # the rotation: new key first
        after = token()
        assert _claims(after)[0]["kid"] == ring["keys"][0]["kid"] != _claims(before)[0]["kid"]
        assert http.get("/api/orders", headers=bearer(after)).status_code == 200
        assert http.get("/api/orders", headers=bearer(before)).status_code == 200
        ring["keys"] = ring["keys"][:1]  # the old key retired
        rs.issuer._keys = None  # as after the service's next scheduled refetch
        assert http.get("/api/orders", headers=bearer(before)).status_code == 401
    finally:
        server.stop()
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()
