"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at /oauth/logout."""

from __future__ import annotations

import re

import pytest

from tests.helpers.sqla_models import Client
from tests.oidc.oidc_app import authorize_path
from tests.oidc.test_basic_op import code_flow, login

AFTER = "https://rp.example/logged-out"


@pytest.fixture
def registered(app, web):
    """The client registers AFTER as its post_logout_redirect_uri."""
    with app.app_context():
        db = app.extensions["test_db"]
        client = db.session.query(Client).filter_by(client_id=web[0]).one()
        client.post_logout_redirect_uris = AFTER
        db.session.commit()


def test_logout_with_hint_redirects_with_state_and_logs_out(client, web, registered):
    """§2-§3: a valid id_token_hint and a registered post_logout_redirect_uri."""
    login(client)
    hint = code_flow(client, web)["id_token"]
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": AFTER, "state": "bye"})
    assert response.status_code == 302
    assert response.headers["Location"] == AFTER + "?state=bye"
    # Logged out: the authorization endpoint sends to the login page again.
    again = client.get(authorize_path(web[0]))
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_unregistered_post_logout_redirect_uri_is_an_error_page(client, web, registered):
    login(client)
    hint = code_flow(client, web)["id_token"]
    response = client.get("/oauth/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://evil.example/"})
    assert response.status_code == 400 and "Location" not in response.headers


def test_bad_hint_is_an_error_page(client):
    response = client.get("/oauth/logout", query_string={"id_token_hint": "a.b.c"})
    assert response.status_code == 400


def test_without_hint_the_user_confirms(client, web, registered):
    """§2: without id_token_hint the OP asks the user before logging out."""
    login(client)
    page = client.get("/oauth/logout", query_string={"client_id": web[0],
                                                     "post_logout_redirect_uri": AFTER})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    path = "/oauth/logout?" + f"client_id={web[0]}&post_logout_redirect_uri={AFTER}"
    refused = client.post(path, data={"allow": "Log out"})
    assert refused.status_code == 400  # no CSRF token, no logout
    done = client.post(path, data={"csrf_token": token, "allow": "Log out"})
    assert done.status_code == 302 and done.headers["Location"] == AFTER


def test_discovery_names_the_end_session_endpoint(client):
    doc = client.get("/.well-known/openid-configuration").get_json()
    assert doc["end_session_endpoint"] == "http://localhost/oauth/logout"
