"""Statements per OpenID request on the bundled store (measured; bounds, not goals)."""

from __future__ import annotations

from tests.helpers import location_params
from tests.oidc.oidc_app import CB, authorize_path, consent
from tests.oidc.test_basic_op import login, token_request
from tests.sqla.sqla_support import StatementCounter


def test_openid_code_exchange_and_userinfo_statement_counts(app, client, web):
    """The plain code exchange costs at most four statements; the ID token adds the one
    SELECT of the key ring (the code row is read once, for routing and checks alike)."""
    login(client)
    code = location_params(consent(client, authorize_path(web[0])).headers["Location"])["code"]
    with app.app_context():
        engine = app.extensions["test_db"].engine
    counter = StatementCounter(engine)
    with counter.count():
        response = token_request(client, web, {"grant_type": "authorization_code",
                                               "code": code, "redirect_uri": CB})
    assert response.status_code == 200 and "id_token" in response.get_json()
    assert len(counter) <= 5, counter.statements
    userinfo_counter = StatementCounter(engine)
    with userinfo_counter.count():
        info = client.get("/oauth/userinfo", headers={
            "Authorization": "Bearer " + response.get_json()["access_token"]})
    assert info.status_code == 200
    assert len(userinfo_counter) <= 1, userinfo_counter.statements
