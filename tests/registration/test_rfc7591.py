"""RFC 7591: the registration endpoint, §2 field by field, §3.2.1 answers, §3.2.2 errors."""

from __future__ import annotations

import json

import pytest

from tests.helpers import basic_auth, location_params, pkce_pair

REDIRECT = "https://client.example/cb"


def register(client, metadata, **kwargs):
    return client.post("/oauth/register", json=metadata, **kwargs)


def assert_no_nulls(value):
    if isinstance(value, dict):
        for key, item in value.items():
            assert item is not None, key
            assert_no_nulls(item)
    elif isinstance(value, list):
        for item in value:
            assert_no_nulls(item)


def assert_error(response, error, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json().get("error_description")


# -- §3.2.1: the answer ----------------------------------------------------------------


def test_registration_answers_201_with_the_full_metadata_and_no_nulls(client):
    response = register(client, {"redirect_uris": [REDIRECT], "client_name": "Agent"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    info = response.get_json()
    assert_no_nulls(info)
    assert info["client_id"] and info["client_secret"]
    assert isinstance(info["client_id_issued_at"], int)
    assert info["client_secret_expires_at"] == 0
    assert info["token_endpoint_auth_method"] == "client_secret_basic"
    assert info["redirect_uris"] == [REDIRECT]
    assert info["grant_types"] == ["authorization_code"]
    assert info["response_types"] == ["code"]
    assert info["client_name"] == "Agent"
    assert info["scope"] == "profile read"
    assert info["registration_access_token"]
    assert info["registration_client_uri"] == (
        "https://as.example/oauth/register/" + info["client_id"])


def test_registered_client_completes_the_code_flow_with_its_secret(open_app, client):
    info = register(client, {"redirect_uris": [REDIRECT],
                             "grant_types": ["authorization_code", "refresh_token"]}).get_json()
    with open_app.app_context():
        state = open_app.extensions["oauth2_provider"]
        db = open_app.extensions["test_db"]
        from tests.helpers.sqla_models import User

        user = User(username="reg-user")
        db.session.add(user)
        db.session.commit()
        verifier, challenge = pkce_pair()
        headers, _, status = state.server.create_authorization_response(
            "https://as.example/oauth/authorize?response_type=code&client_id="
            f"{info['client_id']}&redirect_uri={REDIRECT}&scope=profile&state=s"
            f"&code_challenge={challenge}&code_challenge_method=S256",
            scopes=["profile"], credentials={"user": user})
        assert status == 302
        code = location_params(headers["Location"])["code"]
    response = client.post("/oauth/token",
                           headers=basic_auth(info["client_id"], info["client_secret"]),
                           data={"grant_type": "authorization_code", "code": code,
                                 "code_verifier": verifier, "redirect_uri": REDIRECT})
    assert response.status_code == 200, response.get_json()
    token = response.get_json()
    assert token["refresh_token"]
    api = client.get("/api/me", headers={"Authorization": "Bearer " + token["access_token"]})
    assert api.get_json() == {"client": info["client_id"]}


def test_secrets_are_stored_as_digests(open_app, client):
    info = register(client, {"redirect_uris": [REDIRECT]}).get_json()
    with open_app.app_context():
        store = open_app.extensions["oauth2_provider"].store
        row = store.load_client(info["client_id"])
        columns = {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}
    dumped = json.dumps(columns, default=str)
    assert info["client_secret"] not in dumped
    assert info["registration_access_token"] not in dumped
    assert row.registration_origin == "open"


# -- §2, field by field -------------------------------------------------------------------


@pytest.mark.parametrize("uri", ["http://127.0.0.1/cb", "http://127.0.0.1:45123/cb",
                                 "http://localhost:8080/callback", "com.example.agent:/cb",
                                 "https://client.example/cb?x=1"])
def test_redirect_uris_under_the_registration_rules_are_accepted(client, uri):
    response = register(client, {"redirect_uris": [uri]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["redirect_uris"] == [uri]


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd",
                                 "http://client.example/cb", "https://client.example/cb#x",
                                 "/relative", "myapp:/cb", "https://user@client.example/cb"])
def test_redirect_uris_breaking_the_rules_are_invalid_redirect_uri(client, uri):
    assert_error(register(client, {"redirect_uris": [uri]}), "invalid_redirect_uri")


@pytest.mark.parametrize("value", [None, [], "https://client.example/cb", [1], [""]])
def test_redirect_uris_missing_or_malformed_for_the_code_grant(client, value):
    metadata = {} if value is None else {"redirect_uris": value}
    assert_error(register(client, metadata), "invalid_redirect_uri")


def test_token_endpoint_auth_method_none_makes_a_public_client_without_secret(client):
    info = register(client, {"redirect_uris": [REDIRECT],
                             "token_endpoint_auth_method": "none"}).get_json()
    assert info["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in info and "client_secret_expires_at" not in info


def test_token_endpoint_auth_method_client_secret_post_is_kept(client):
    info = register(client, {"redirect_uris": [REDIRECT],
                             "token_endpoint_auth_method": "client_secret_post"}).get_json()
    assert info["token_endpoint_auth_method"] == "client_secret_post"
    assert info["client_secret"]


@pytest.mark.parametrize("method", ["private_key_jwt", "client_secret_jwt", "tls_client_auth",
                                    "", 7])
def test_unsupported_token_endpoint_auth_method_is_invalid_client_metadata(client, method):
    assert_error(register(client, {"redirect_uris": [REDIRECT],
                                   "token_endpoint_auth_method": method}),
                 "invalid_client_metadata")


def test_grant_types_within_the_policy_are_registered(client):
    info = register(client, {"redirect_uris": [REDIRECT],
                             "grant_types": ["authorization_code", "refresh_token"]}).get_json()
    assert info["grant_types"] == ["authorization_code", "refresh_token"]
    assert info["response_types"] == ["code"]


@pytest.mark.parametrize("grant_types", [["client_credentials"], ["password"], ["implicit"],
                                         ["urn:ietf:params:oauth:grant-type:device_code"], [],
                                         "authorization_code"])
def test_grant_types_outside_the_policy_are_invalid_client_metadata(client, grant_types):
    assert_error(register(client, {"redirect_uris": [REDIRECT], "grant_types": grant_types}),
                 "invalid_client_metadata")


def test_response_types_must_match_grant_types(client):
    assert_error(register(client, {"redirect_uris": [REDIRECT], "response_types": ["token"]}),
                 "invalid_client_metadata")
    ok = register(client, {"redirect_uris": [REDIRECT], "response_types": ["code"]})
    assert ok.status_code == 201


def test_client_name_defaults_to_the_redirect_host_and_is_bounded(client):
    assert register(client, {"redirect_uris": [REDIRECT]}).get_json()["client_name"] == \
        "client.example"
    assert_error(register(client, {"redirect_uris": [REDIRECT], "client_name": "x" * 101}),
                 "invalid_client_metadata")
    assert_error(register(client, {"redirect_uris": [REDIRECT], "client_name": ["a"]}),
                 "invalid_client_metadata")


def test_scope_is_narrowed_to_the_registration_scopes(client):
    info = register(client, {"redirect_uris": [REDIRECT],
                             "scope": "read admin openid"}).get_json()
    assert info["scope"] == "read"
    assert_error(register(client, {"redirect_uris": [REDIRECT], "scope": ["read"]}),
                 "invalid_client_metadata")


def test_url_fields_and_contacts_and_software_fields_are_echoed(client):
    metadata = {"redirect_uris": [REDIRECT], "client_uri": "https://client.example/",
                "logo_uri": "https://client.example/logo.png",
                "tos_uri": "https://client.example/tos", "policy_uri": "https://client.example/p",
                "contacts": ["ops@client.example"], "software_id": "agent-x",
                "software_version": "1.2", "application_type": "native"}
    info = register(client, metadata).get_json()
    for key, value in metadata.items():
        assert info[key] == value


@pytest.mark.parametrize("field,value", [
    ("client_uri", "http://client.example/"), ("logo_uri", "javascript:alert(1)"),
    ("tos_uri", 5), ("policy_uri", "not a url"), ("contacts", "ops@client.example"),
    ("software_id", ""), ("application_type", "desktop"),
])
def test_malformed_optional_fields_are_invalid_client_metadata(client, field, value):
    assert_error(register(client, {"redirect_uris": [REDIRECT], field: value}),
                 "invalid_client_metadata")


def test_unknown_fields_are_ignored_and_not_echoed(client):
    info = register(client, {"redirect_uris": [REDIRECT], "x_custom": "y",
                             "jwks_uri": "https://client.example/jwks"}).get_json()
    # jwks_uri is a field this server supports since private_key_jwt (RFC 7523): it is
    # registered and echoed (RFC 7591 §3.2.1); the unknown field still is not.
    assert "x_custom" not in info and info["jwks_uri"] == "https://client.example/jwks"


def test_software_statement_is_refused_without_a_trusted_key(client):
    assert_error(register(client, {"redirect_uris": [REDIRECT],
                                   "software_statement": "eyJhbGciOiJub25lIn0.e30."}),
                 "invalid_software_statement")


# -- §3.2.2 and the HTTP frame ------------------------------------------------------------


def test_a_body_that_is_not_json_is_invalid_client_metadata(client):
    assert_error(client.post("/oauth/register", data="redirect_uris=x",
                             content_type="application/x-www-form-urlencoded"),
                 "invalid_client_metadata")
    assert_error(client.post("/oauth/register", data="{not json",
                             content_type="application/json"), "invalid_client_metadata")
    assert_error(register(client, [REDIRECT]), "invalid_client_metadata")


def test_an_oversized_body_is_refused(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", MAX_REQUEST_SIZE=1024)
    response = register(app.test_client(), {"redirect_uris": [REDIRECT],
                                            "client_name": "x", "pad": "y" * 4096})
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_client_metadata"


def test_metadata_names_the_registration_endpoint_only_when_on(app_factory):
    on = app_factory(DYNAMIC_REGISTRATION="open").test_client()
    off = app_factory().test_client()
    assert on.get("/.well-known/oauth-authorization-server").get_json()[
        "registration_endpoint"] == "https://as.example/oauth/register"
    assert "registration_endpoint" not in off.get(
        "/.well-known/oauth-authorization-server").get_json()
    assert off.post("/oauth/register", json={"redirect_uris": [REDIRECT]}).status_code == 404


def test_registration_is_refused_over_plain_http_on_a_public_host(client):
    response = register(client, {"redirect_uris": [REDIRECT]},
                        base_url="http://as.example")
    assert_error(response, "invalid_request")


def test_absurdly_nested_json_is_invalid_client_metadata(client):
    body = "[" * 30000 + "]" * 30000  # within the 64 KiB limit
    assert_error(client.post("/oauth/register", data=body, content_type="application/json"),
                 "invalid_client_metadata")


@pytest.mark.parametrize("csrf_first", [True, False], ids=["csrf-first", "provider-first"])
def test_registration_works_under_flask_wtf_csrfprotect(test_database, tables, csrf_first):
    csrf_module = pytest.importorskip("flask_wtf.csrf")
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_oauth_provider import OAuth2Provider
    from tests.helpers.sqla_models import MODELS

    app = Flask(__name__)
    app.config.update(SECRET_KEY="csrf", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_DYNAMIC_REGISTRATION="open")
    csrf = csrf_module.CSRFProtect()
    if csrf_first:
        csrf.init_app(app)
    db = SQLAlchemy(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    if not csrf_first:
        csrf.init_app(app)

    @app.post("/profile")
    def profile():
        return "saved"

    http = app.test_client()
    assert http.post("/profile", data={"x": "1"}).status_code == 400  # CSRFProtect is on
    info = register(http, {"redirect_uris": [REDIRECT]})
    assert info.status_code == 201, info.get_data(as_text=True)
    path = info.get_json()["registration_client_uri"].removeprefix("http://localhost")
    token = {"Authorization": "Bearer " + info.get_json()["registration_access_token"]}
    assert http.delete(path, headers=token).status_code == 204
    with app.app_context():
        db.engine.dispose()
