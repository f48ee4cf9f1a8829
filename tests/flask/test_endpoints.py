"""Token, revocation, introspection and metadata routes through the test client."""

from __future__ import annotations

import pytest

from tests.flask.flask_support import (
    REG,
    access_token,
    authorize_url,
    create_app,
    exchange,
    get_code,
    login,
)
from tests.helpers import basic_auth

C1 = basic_auth("C1", "C1-secret")


def test_token_endpoint_issues_a_token_for_a_code(client):
    login(client)
    response = exchange(client, get_code(client))
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "application/json"


def test_token_endpoint_client_credentials(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "scope": "read"}, headers=C1)
    assert response.status_code == 200
    assert response.json["scope"] == "read"
    assert "refresh_token" not in response.json


def test_refresh_token_grant(client):
    login(client)
    tokens = exchange(client, get_code(client)).json
    response = client.post("/oauth/token", headers=C1, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert response.json["access_token"] != tokens["access_token"]


def test_token_endpoint_refuses_get(client):
    assert client.get("/oauth/token?grant_type=client_credentials").status_code == 405


def test_token_endpoint_error_is_json_400(client):
    response = client.post("/oauth/token", data={"grant_type": "foo"}, headers=C1)
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"
    assert response.headers["Cache-Control"] == "no-store"


def test_disabled_grant_type_is_unsupported_even_if_the_validator_allows_it(client):
    response = client.post("/oauth/token", headers=C1, data={
        "grant_type": "password", "username": "alice", "password": "alice-pw"})
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_password_grant_when_enabled(mode):
    client = create_app(mode, GRANT_TYPES=["password", "refresh_token"]).test_client()
    response = client.post("/oauth/token", headers=C1, data={
        "grant_type": "password", "username": "alice", "password": "alice-pw",
        "scope": "read"})
    assert response.status_code == 200
    assert "refresh_token" in response.json


def test_no_refresh_token_when_the_refresh_grant_is_disabled(mode):
    client = create_app(mode, GRANT_TYPES=["authorization_code"]).test_client()
    login(client)
    response = exchange(client, get_code(client))
    assert response.status_code == 200
    assert "refresh_token" not in response.json


def test_oversized_token_request_is_413_json(client):
    response = client.post("/oauth/token", headers=C1,
                           data={"grant_type": "client_credentials", "pad": "a" * 70_000})
    assert response.status_code == 413
    assert response.json["error"] == "invalid_request"
    assert "access_token" not in response.get_data(as_text=True)


def test_request_size_limit_is_configurable(mode):
    client = create_app(mode, MAX_REQUEST_SIZE=512).test_client()
    response = client.post("/oauth/token", headers=C1,
                           data={"grant_type": "client_credentials", "pad": "a" * 600})
    assert response.status_code == 413


def test_unexpected_exception_is_a_bare_500_server_error(app, client):
    def boom(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    if app.oauth._validator is not None:
        app.oauth._validator.authenticate_client = boom
    else:
        app.oauth._callbacks["clientgetter"] = boom
        app.oauth._callback_validator = None
    response = client.post("/oauth/token", headers=C1,
                           data={"grant_type": "client_credentials"})
    assert response.status_code == 500
    assert response.json == {"error": "server_error"}
    assert "hunter2" not in response.get_data(as_text=True)


def test_exception_outside_the_core_is_a_bare_500_server_error(app, client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(type(app.extensions["oauth2_provider"].server),
                        "create_token_response", boom)
    response = client.post("/oauth/token", headers=C1, data={"grant_type": "client_credentials"})
    assert response.status_code == 500
    assert response.json == {"error": "server_error"}


def test_revocation_revokes_the_access_token(client):
    token = access_token(client)
    response = client.post("/oauth/revoke", data={"token": token}, headers=C1)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/me", headers={"Authorization": "Bearer " + token}).status_code == 401


def test_revocation_of_another_clients_token_does_nothing(client):
    token = access_token(client)
    response = client.post("/oauth/revoke", data={"token": token},
                           headers=basic_auth("C2", "C2-secret"))
    assert response.status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer " + token}).status_code == 200


def test_revocation_needs_client_authentication(client):
    response = client.post("/oauth/revoke", data={"token": "x"},
                           headers=basic_auth("C1", "wrong"))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_introspection_of_an_active_token(client):
    token = access_token(client)
    response = client.post("/oauth/introspect", data={"token": token}, headers=C1)
    assert response.status_code == 200
    assert response.json["active"] is True
    assert response.json["client_id"] == "C1"
    assert response.headers["Cache-Control"] == "no-store"


def test_introspection_of_an_unknown_token_is_inactive(client):
    response = client.post("/oauth/introspect", data={"token": "nope"}, headers=C1)
    assert response.json == {"active": False}


def test_public_client_cannot_introspect(client):
    token = access_token(client)
    response = client.post("/oauth/introspect", data={"token": token, "client_id": "P1"})
    assert response.status_code == 401
    assert "active" not in response.json


def test_metadata_document(client):
    response = client.get("/.well-known/oauth-authorization-server")
    body = response.json
    assert response.status_code == 200
    assert body["issuer"] == "http://localhost"
    assert body["authorization_endpoint"] == "http://localhost/oauth/authorize"
    assert body["token_endpoint"] == "http://localhost/oauth/token"
    assert body["revocation_endpoint"] == "http://localhost/oauth/revoke"
    assert body["introspection_endpoint"] == "http://localhost/oauth/introspect"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["grant_types_supported"] == ["authorization_code", "refresh_token",
                                             "client_credentials"]
    assert body["response_types_supported"] == ["code"]
    assert body["authorization_response_iss_parameter_supported"] is True


def test_metadata_follows_the_configuration(mode):
    client = create_app(mode, ISSUER="https://auth.example", URL_PREFIX="/o", PKCE_PLAIN=True,
                        GRANT_TYPES=["authorization_code", "implicit"]).test_client()
    body = client.get("/.well-known/oauth-authorization-server").json
    assert body["issuer"] == "https://auth.example"
    assert body["token_endpoint"] == "https://auth.example/o/token"
    assert body["code_challenge_methods_supported"] == ["S256", "plain"]
    assert body["response_types_supported"] == ["code", "token"]


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_json_endpoints_refuse_plain_http_on_a_public_host(client, path):
    response = client.post(path, data={"grant_type": "client_credentials", "token": "x"},
                           headers=C1, base_url="http://auth.example")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_pkce_plain_is_refused_unless_configured(mode):
    client = create_app(mode).test_client()
    login(client)
    refused = client.get(authorize_url(code_challenge_method="plain",
                                       code_challenge="p" * 43))
    assert "error=invalid_request" in refused.headers["Location"]
    client = create_app(mode, PKCE_PLAIN=True).test_client()
    login(client)
    assert client.get(authorize_url(code_challenge_method="plain",
                                     code_challenge="p" * 43)).status_code == 200


def test_configured_token_generator_and_expiry(mode):
    client = create_app(mode, TOKEN_GENERATOR=lambda request: "fixed-" + "x" * 40,
                        TOKEN_EXPIRES_IN=120).test_client()
    response = client.post("/oauth/token", headers=C1,
                           data={"grant_type": "client_credentials"})
    assert response.json["access_token"] == "fixed-" + "x" * 40
    assert response.json["expires_in"] == 120


def test_pkce_required_for_every_client_when_configured():
    client = create_app("callbacks", PKCE_REQUIRED=True).test_client()
    login(client)
    response = client.get(authorize_url(pkce=False))
    assert response.headers["Location"].startswith(REG + "?error=invalid_request")
