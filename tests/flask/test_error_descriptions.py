"""Refusals a client developer can act on: ``error_description`` says which rule refused.

RFC 6749 §5.2 lets every error carry a human-readable ``error_description``. An
``invalid_client`` answer must not tell whether the client exists, so its description
depends only on what the request carried.
"""

from __future__ import annotations

import re

import pytest

from tests.flask.flask_support import access_token, create_app
from tests.helpers import basic_auth

CC = {"grant_type": "client_credentials"}
#: RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'.
DESCRIPTION_CHARS = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]+$")


@pytest.fixture
def client():
    app = create_app("callbacks")
    app.store.clients["C2"].allowed_grant_types = ["authorization_code", "refresh_token"]
    return app.test_client()


def test_a_grant_type_the_client_is_not_registered_for(client):
    answer = client.post("/oauth/token", headers=basic_auth("C2", "C2-secret"), data=CC)
    assert answer.status_code == 400
    assert answer.get_json() == {
        "error": "unauthorized_client",
        "error_description": "This client is not registered for the client_credentials grant."}


def test_a_grant_type_off_on_the_server():
    client = create_app("callbacks").test_client()
    answer = client.post("/oauth/token", headers=basic_auth("C1", "C1-secret"), data={
        "grant_type": "password", "username": "alice", "password": "alice-pw"})
    assert answer.status_code == 400
    assert answer.get_json() == {
        "error": "unsupported_grant_type",
        "error_description": "The password grant is not enabled on this server."}


def test_failed_authentication_reads_the_same_for_unknown_and_known_clients(client):
    unknown = client.post("/oauth/token", headers=basic_auth("NOPE", "x"), data=CC)
    wrong = client.post("/oauth/token", headers=basic_auth("C2", "wrong"), data=CC)
    in_body = client.post("/oauth/token", data={**CC, "client_id": "C2", "client_secret": "x"})
    for answer in (unknown, wrong, in_body):
        assert answer.status_code == 401
        assert answer.get_json()["error"] == "invalid_client"
        assert answer.get_json()["error_description"].startswith("Client authentication failed")
    assert unknown.get_json() == wrong.get_json() == in_body.get_json()
    assert DESCRIPTION_CHARS.match(unknown.get_json()["error_description"])
    assert unknown.headers["WWW-Authenticate"].startswith("Basic")


def test_missing_client_credentials_are_named(client):
    for client_id in ("C1", "NOPE"):  # a confidential client, and none at all
        answer = client.post("/oauth/token", data={**CC, "client_id": client_id})
        assert answer.status_code == 401
        assert answer.get_json()["error"] == "invalid_client"
        assert "needs client authentication" in answer.get_json()["error_description"]
        assert "HTTP Basic" in answer.get_json()["error_description"]
        assert DESCRIPTION_CHARS.match(answer.get_json()["error_description"])


def test_revocation_and_introspection_describe_invalid_client_too(client):
    for path in ("/oauth/revoke", "/oauth/introspect"):
        answer = client.post(path, headers=basic_auth("C2", "wrong"), data={"token": "t"})
        assert answer.status_code == 401
        assert answer.get_json()["error_description"].startswith("Client authentication failed")


def test_a_core_description_is_kept(client):
    answer = client.post("/oauth/token", headers=basic_auth("C1", "C1-secret"),
                         data={**CC, "client_secret": "C1-secret"})
    assert answer.get_json()["error_description"] == (
        "Only one client authentication method may be used per request.")


def test_a_token_in_the_query_string_is_named_in_the_body_only(client):
    token = access_token(client)
    answer = client.get("/api/me?access_token=" + token)
    assert answer.status_code == 401
    # RFC 6750 §3: no error info; RFC 9728 §5.1: where the resource's metadata is.
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer resource_metadata="http://localhost/.well-known/oauth-protected-resource"')
    assert answer.get_json()["error_description"] == (
        "Tokens in the query string are not accepted; send an Authorization: Bearer header.")
    without = client.get("/api/me")
    assert "query string" not in without.get_json()["error_description"]
