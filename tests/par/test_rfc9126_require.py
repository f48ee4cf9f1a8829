"""RFC 9126 §5 and §6: metadata, and requiring PAR for the server or for one client."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.helpers import location_params, pkce_pair
from tests.par.par_app import CB, allow, authorize_url, dispose, log_in, make_app, push

METADATA = "/.well-known/oauth-authorization-server"


def _plain(client_id, **extra):
    return "/oauth/authorize?" + urlencode({"client_id": client_id, "response_type": "code",
                                            "redirect_uri": CB, "scope": "openid",
                                            "state": "st", **extra})


@pytest.fixture
def required_app(test_database, tables):
    app = make_app(test_database, OAUTH2_PROVIDER_REQUIRE_PAR=True)
    try:
        yield app
    finally:
        dispose(app)


# -- §5: metadata ----------------------------------------------------------------------------


def test_metadata_names_the_endpoint_and_the_requirement(client):
    metadata = client.get(METADATA).get_json()
    assert metadata["pushed_authorization_request_endpoint"] == "http://localhost/oauth/par"
    assert metadata["require_pushed_authorization_requests"] is False


def test_openid_discovery_names_the_endpoint_too(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["pushed_authorization_request_endpoint"].endswith("/oauth/par")


def test_metadata_says_when_par_is_required(required_app):
    metadata = required_app.test_client().get(METADATA).get_json()
    assert metadata["require_pushed_authorization_requests"] is True


# -- §5: OAUTH2_PROVIDER_REQUIRE_PAR -----------------------------------------------------------


def test_required_par_refuses_a_plain_request_without_redirecting(required_app):
    client = required_app.test_client()
    web = required_app.config["TEST_CLIENTS"]["web"]
    log_in(client)
    answer = client.get(_plain(web[0]))
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "invalid_request" in answer.get_data(as_text=True)


def test_required_par_refuses_before_login_too(required_app):
    client = required_app.test_client()
    web = required_app.config["TEST_CLIENTS"]["web"]
    answer = client.get(_plain(web[0], redirect_uri="https://attacker.example/cb"))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_required_par_accepts_a_pushed_request(required_app):
    client = required_app.test_client()
    web = required_app.config["TEST_CLIENTS"]["web"]
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    answer = allow(client, authorize_url(web[0], request_uri))
    assert "code" in location_params(answer.headers["Location"])


def test_required_par_refuses_a_request_uri_of_another_kind(required_app):
    client = required_app.test_client()
    web = required_app.config["TEST_CLIENTS"]["web"]
    log_in(client)
    answer = client.get(_plain(web[0], request_uri="https://client.example/request"))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


# -- §6: require_pushed_authorization_requests of a client -------------------------------------


def test_client_that_requires_par_is_refused_a_plain_request(client, strict):
    log_in(client)
    answer = client.get(_plain(strict[0]))
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_client_that_requires_par_completes_a_pushed_request(client, strict):
    request_uri = push(client, strict).get_json()["request_uri"]
    log_in(client)
    answer = allow(client, authorize_url(strict[0], request_uri))
    assert "code" in location_params(answer.headers["Location"])


def test_other_clients_may_still_send_plain_requests(client, web):
    log_in(client)
    assert client.get(_plain(web[0])).status_code == 200


def test_plain_request_of_a_public_client_still_works(client, spa):
    _, challenge = pkce_pair()
    log_in(client)
    answer = client.get(_plain(spa[0], code_challenge=challenge, code_challenge_method="S256"))
    assert answer.status_code == 200


# -- §6: dynamic registration -----------------------------------------------------------------


@pytest.fixture
def registering_app(test_database, tables):
    app = make_app(test_database, OAUTH2_PROVIDER_DYNAMIC_REGISTRATION="open",
                   OAUTH2_PROVIDER_REGISTRATION_SCOPES=("openid", "profile"))
    try:
        yield app
    finally:
        dispose(app)


def test_registration_accepts_require_pushed_authorization_requests(registering_app):
    client = registering_app.test_client()
    answer = client.post("/oauth/register", json={
        "redirect_uris": [CB], "client_name": "Bank app", "scope": "openid",
        "require_pushed_authorization_requests": True})
    assert answer.status_code == 201
    info = answer.get_json()
    assert info["require_pushed_authorization_requests"] is True
    log_in(client)
    refused = client.get(_plain(info["client_id"]))
    assert refused.status_code == 400 and "Location" not in refused.headers
    request_uri = push(client, (info["client_id"], info["client_secret"]),
                       scope="openid").get_json()["request_uri"]
    assert client.get(authorize_url(info["client_id"], request_uri)).status_code == 200


def test_registration_refuses_a_non_boolean_requirement(registering_app):
    answer = registering_app.test_client().post("/oauth/register", json={
        "redirect_uris": [CB], "require_pushed_authorization_requests": "yes"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_client_metadata"


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 601, "60", True])
def test_par_lifetime_out_of_range_is_refused_at_init(test_database, value):
    with pytest.raises(ValueError, match="PAR_LIFETIME"):
        make_app(test_database, OAUTH2_PROVIDER_PAR_LIFETIME=value)


def test_require_par_must_be_a_bool(test_database):
    with pytest.raises(ValueError, match="REQUIRE_PAR"):
        make_app(test_database, OAUTH2_PROVIDER_REQUIRE_PAR="yes")
