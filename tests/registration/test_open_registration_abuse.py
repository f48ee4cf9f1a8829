"""Open registration under attack: mass registration meets the limits, dangerous redirect
URIs are refused, a confidential client stays confidential, unused clients are purged."""

from __future__ import annotations

import datetime

import pytest

REDIRECT = "https://client.example/cb"


def register(client, address="203.0.113.7", **metadata):
    return client.post("/oauth/register", json={"redirect_uris": [REDIRECT], **metadata},
                       environ_base={"REMOTE_ADDR": address})


def test_mass_registration_from_one_address_hits_the_per_address_limit(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", REGISTRATION_LIMIT_PER_IP=(5, 3600))
    client = app.test_client()
    statuses = [register(client).status_code for _ in range(8)]
    assert statuses == [201] * 5 + [429] * 3
    refused = register(client)
    assert refused.get_json()["error"] == "temporarily_unavailable"
    assert refused.headers["Retry-After"] == "3600"
    # Another address is not held back by this one's limit.
    assert register(client, address="198.51.100.9").status_code == 201


def test_mass_registration_from_many_addresses_hits_the_global_limit(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", REGISTRATION_LIMIT_GLOBAL=(4, 600))
    client = app.test_client()
    statuses = [register(client, address=f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [201] * 4 + [429] * 2


def test_the_limit_window_slides(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", REGISTRATION_LIMIT_PER_IP=(1, 60))
    client = app.test_client()
    assert register(client).status_code == 201
    assert register(client).status_code == 429
    store = app.extensions["oauth2_provider"].store
    later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + \
        datetime.timedelta(seconds=120)
    store.now = lambda: later
    assert register(client).status_code == 201


def test_refused_registrations_do_not_count(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", REGISTRATION_LIMIT_PER_IP=(2, 3600))
    client = app.test_client()
    for _ in range(5):
        assert register(client, client_name="").status_code == 400
    assert register(client).status_code == 201


@pytest.mark.parametrize("uri", ["javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)",
                                 "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd",
                                 "vbscript:msgbox(1)"])
def test_script_and_file_redirect_uris_are_refused(client, uri):
    response = client.post("/oauth/register", json={"redirect_uris": [REDIRECT, uri]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_redirect_uri"


def test_open_registration_cannot_grant_itself_more_than_the_policy(client):
    response = client.post("/oauth/register", json={
        "redirect_uris": [REDIRECT], "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_basic"})
    assert response.get_json()["error"] == "invalid_client_metadata"
    info = client.post("/oauth/register", json={"redirect_uris": [REDIRECT],
                                                "scope": "admin profile"}).get_json()
    assert info["scope"] == "profile"


def test_a_confidential_client_cannot_be_forced_public(client):
    info = client.post("/oauth/register", json={"redirect_uris": [REDIRECT]}).get_json()
    body = {"client_id": info["client_id"], "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none"}
    response = client.put(f"/oauth/register/{info['client_id']}", json=body,
                          headers={"Authorization": "Bearer " +
                                   info["registration_access_token"]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    # And without its secret it still gets nowhere at the token endpoint.
    token = client.post("/oauth/token", data={"grant_type": "authorization_code",
                                              "code": "x", "client_id": info["client_id"]})
    assert token.status_code == 401


def test_purge_deletes_unused_anonymous_clients_only(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open", REGISTRATION_PURGE_UNUSED_AFTER=3600)
    client = app.test_client()
    unused = register(client).get_json()["client_id"]
    used = register(client).get_json()["client_id"]
    with app.app_context():
        oauth = app.extensions["test_oauth"]
        store = oauth.store
        manual, _ = oauth.create_client(name="Manual", redirect_uris=[REDIRECT])
        manual_id = manual.client_id
        from tests.helpers.sqla_models import Token

        store.session.add(Token(access_token_digest="1" * 64, client_id=used,
                                family_id="f" * 32, scope="profile"))
        store.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oauth", "purge"])
    assert "Deleted 0 unused anonymous client(s)." in result.output
    later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + \
        datetime.timedelta(hours=2)
    store.now = lambda: later
    result = runner.invoke(args=["oauth", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unused anonymous client(s)." in result.output
    with app.app_context():
        assert store.load_client(unused) is None
        assert store.load_client(used) is not None
        assert store.load_client(manual_id) is not None
