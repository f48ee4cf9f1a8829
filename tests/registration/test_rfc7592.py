"""RFC 7592: read, update and delete with the registration access token, and its rotation."""

from __future__ import annotations

import pytest

from tests.helpers import basic_auth

REDIRECT = "https://client.example/cb"
OTHER = "https://client.example/other"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def path_of(info):
    return info["registration_client_uri"].removeprefix("https://as.example")


@pytest.fixture
def registered(client):
    response = client.post("/oauth/register", json={
        "redirect_uris": [REDIRECT], "client_name": "Agent",
        "grant_types": ["authorization_code", "refresh_token"]})
    assert response.status_code == 201
    return response.get_json()


def update_body(info, **changes):
    body = {key: value for key, value in info.items() if key not in (
        "registration_access_token", "registration_client_uri", "client_secret_expires_at",
        "client_id_issued_at", "client_secret")}
    body.update(changes)
    return body


def test_read_answers_the_registered_metadata(client, registered):
    response = client.get(path_of(registered), headers=bearer(
        registered["registration_access_token"]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    info = response.get_json()
    assert "client_secret" not in info  # only its digest is kept
    for key in ("client_id", "redirect_uris", "grant_types", "token_endpoint_auth_method",
                "client_name", "registration_access_token", "registration_client_uri"):
        assert info[key] == registered[key]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "Basic Zm9vOmJhcg=="}])
def test_read_without_the_right_token_is_invalid_token(client, registered, headers):
    response = client.get(path_of(registered), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_manages_only_its_own_client(client, registered):
    other = client.post("/oauth/register", json={"redirect_uris": [OTHER]}).get_json()
    response = client.get(path_of(registered), headers=bearer(
        other["registration_access_token"]))
    assert response.status_code == 401
    unknown = client.get("/oauth/register/no-such-client",
                         headers=bearer(registered["registration_access_token"]))
    assert unknown.status_code == 401


def test_a_client_registered_by_hand_cannot_be_managed(open_app, client):
    with open_app.app_context():
        manual, _ = open_app.extensions["test_oauth"].create_client(
            name="Manual", redirect_uris=[REDIRECT])
        client_id = manual.client_id
    response = client.get(f"/oauth/register/{client_id}", headers=bearer(""))
    assert response.status_code == 401


def test_update_replaces_the_metadata_and_rotates_the_token(client, registered):
    old_token = registered["registration_access_token"]
    response = client.put(path_of(registered), headers=bearer(old_token),
                          json=update_body(registered, redirect_uris=[OTHER],
                                           client_name="Agent 2"))
    assert response.status_code == 200, response.get_json()
    info = response.get_json()
    assert info["redirect_uris"] == [OTHER] and info["client_name"] == "Agent 2"
    assert info["registration_access_token"] != old_token
    assert client.get(path_of(registered), headers=bearer(old_token)).status_code == 401
    assert client.get(path_of(registered),
                      headers=bearer(info["registration_access_token"])).status_code == 200


def test_update_keeps_the_secret(client, registered):
    client.put(path_of(registered), headers=bearer(registered["registration_access_token"]),
               json=update_body(registered, client_secret=registered["client_secret"]))
    response = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": "unknown"},
                           headers=basic_auth(registered["client_id"],
                                              registered["client_secret"]))
    # The client authenticated (invalid_grant, not invalid_client).
    assert response.get_json()["error"] == "invalid_grant"


def test_a_confidential_client_cannot_be_made_public_by_an_update(client, registered):
    response = client.put(path_of(registered),
                          headers=bearer(registered["registration_access_token"]),
                          json=update_body(registered, token_endpoint_auth_method="none"))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    token = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                              "refresh_token": "x",
                                              "client_id": registered["client_id"]})
    assert token.status_code == 401  # still needs its secret
    read = client.get(path_of(registered),
                      headers=bearer(registered["registration_access_token"]))
    assert read.get_json()["token_endpoint_auth_method"] == "client_secret_basic"


@pytest.mark.parametrize("changes,error", [
    ({"client_id": "someone-else"}, "invalid_request"),
    ({"registration_access_token": "x"}, "invalid_request"),
    ({"client_id_issued_at": 1}, "invalid_request"),
    ({"client_secret": "chosen-by-the-client"}, "invalid_client_metadata"),
    ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri"),
])
def test_bad_updates_are_refused_and_change_nothing(client, registered, changes, error):
    token = registered["registration_access_token"]
    response = client.put(path_of(registered), headers=bearer(token),
                          json=update_body(registered, **changes))
    assert response.status_code == 400
    assert response.get_json()["error"] == error
    read = client.get(path_of(registered), headers=bearer(token))
    assert read.status_code == 200
    assert read.get_json()["redirect_uris"] == [REDIRECT]


def test_delete_removes_the_client_and_its_tokens(open_app, client, registered):
    with open_app.app_context():
        store = open_app.extensions["oauth2_provider"].store
        client_row = store.load_client(registered["client_id"])
        from tests.helpers.sqla_models import Token

        token_row = Token(access_token_digest="0" * 64, client_id=client_row.client_id,
                          family_id="f" * 32, scope="profile")
        store.session.add(token_row)
        store.session.commit()
    response = client.delete(path_of(registered),
                             headers=bearer(registered["registration_access_token"]))
    assert response.status_code == 204
    assert client.get(path_of(registered), headers=bearer(
        registered["registration_access_token"])).status_code == 401
    with open_app.app_context():
        store = open_app.extensions["oauth2_provider"].store
        assert store.load_client(registered["client_id"]) is None
        assert store.session.query(Token).count() == 0
    denied = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                               "refresh_token": "x"},
                         headers=basic_auth(registered["client_id"],
                                            registered["client_secret"]))
    assert denied.status_code == 401
