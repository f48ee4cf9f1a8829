"""RFC 7591 §2.3: software statements, trusted only when signed by a configured key."""

from __future__ import annotations

import time

import pytest

from flask_oauth_provider.core import jose

REDIRECT = "https://client.example/cb"
VENDOR = jose.generate_key("ES256")
STRANGER = jose.generate_key("ES256")


def statement(key=VENDOR, **claims):
    body = {"iss": "https://vendor.example", "software_id": "agent-x",
            "client_name": "Signed agent", **claims}
    return jose.sign(body, key)


@pytest.fixture
def http(app_factory):
    app = app_factory(DYNAMIC_REGISTRATION="open",
                      SOFTWARE_STATEMENT_KEYS={"keys": [jose.public_jwk(VENDOR)]})
    return app.test_client()


def register(http, **metadata):
    return http.post("/oauth/register", json={"redirect_uris": [REDIRECT], **metadata})


def refused(response):
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_software_statement"
    return True


def test_a_statement_signed_by_a_trusted_key_is_accepted_and_wins(http):
    response = register(http, client_name="Plain name", software_statement=statement())
    assert response.status_code == 201, response.get_json()
    info = response.get_json()
    assert info["client_name"] == "Signed agent"
    assert info["software_id"] == "agent-x"
    assert "software_statement" not in info and "iss" not in info


def test_the_statements_values_go_through_the_same_policy(http):
    response = register(http, software_statement=statement(
        redirect_uris=["javascript:alert(1)"]))
    assert response.get_json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize("make", [
    lambda: statement(key=STRANGER),
    lambda: statement(iss=""),
    lambda: statement(exp=int(time.time()) - 60),
    lambda: statement() + "x",
    lambda: "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
    lambda: 42,
])
def test_untrusted_statements_are_refused(http, make):
    assert refused(register(http, software_statement=make()))


def test_without_configured_keys_every_statement_is_refused(client):
    assert refused(register(client, software_statement=statement()))


def test_the_keys_are_checked_at_init_app(app_factory):
    with pytest.raises(ValueError, match="SOFTWARE_STATEMENT_KEYS"):
        app_factory(DYNAMIC_REGISTRATION="open", SOFTWARE_STATEMENT_KEYS={"keys": "nope"})
