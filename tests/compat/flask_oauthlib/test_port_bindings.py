"""``bind_sqlalchemy`` and ``bind_cache_grant``: one call binds a ported app's models.

Flask-OAuthlib's ``contrib.oauth2`` registered the getters and setters over the app's
own ``User``/``Client``/``Token``/``Grant`` models in one call, and could keep grants
in a cache instead of a table. ``flask_oauth_provider.bindings`` offers the same two
calls over the same model shapes (the documented models, plus the grant's PKCE
columns).
"""

from __future__ import annotations

import pytest

from tests.compat.flask_oauthlib.documented_app import (
    CONFIDENTIAL,
    PUBLIC,
    basic,
    bearer,
    code_for,
    exchange,
    make_app,
)

PASSWORD_GRANTS = {"OAUTH2_PROVIDER_GRANT_TYPES": (
    "authorization_code", "refresh_token", "client_credentials", "password")}


@pytest.fixture(params=["bind_sqlalchemy", "bind_cache_grant"])
def app(request):
    config = {"OAUTH2_CACHE_TYPE": "simple"} if request.param == "bind_cache_grant" else {}
    return make_app({**PASSWORD_GRANTS, **config}, storage=request.param)


def test_bound_app_runs_the_code_flow_and_protects_its_api(app):
    client = app.test_client()
    response = exchange(client, code_for(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    me = client.get("/api/me", headers=bearer(response.json["access_token"]))
    assert me.json == {"username": "alice"}


def test_bound_code_is_used_once(app):
    client = app.test_client()
    code = code_for(client)
    assert exchange(client, code).status_code == 200
    again = exchange(client, code)
    assert again.status_code == 400
    assert again.json["error"] == "invalid_grant"


def test_bound_refresh_token_gives_a_new_access_token(app):
    client = app.test_client()
    tokens = exchange(client, code_for(client)).json
    refreshed = client.post("/oauth/token", headers=basic(CONFIDENTIAL), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert client.get("/api/me", headers=bearer(refreshed.json["access_token"])
                      ).status_code == 200


def test_bound_password_grant_checks_the_users_password(app):
    client = app.test_client()
    good = client.post("/oauth/token", headers=basic(CONFIDENTIAL), data={
        "grant_type": "password", "username": "alice", "password": "wonderland",
        "scope": "email"})
    assert good.status_code == 200, good.get_data(as_text=True)
    bad = client.post("/oauth/token", headers=basic(CONFIDENTIAL), data={
        "grant_type": "password", "username": "alice", "password": "guess",
        "scope": "email"})
    assert bad.status_code == 400
    assert bad.json["error"] == "invalid_grant"


def test_bound_client_credentials_act_for_the_client_not_its_owner(app):
    # Flask-OAuthlib made the client's owner the token's user; a client-credentials
    # token acts for the client alone (RFC 6749 §4.4; docs/migrating.rst says so).
    client = app.test_client()
    response = client.post("/oauth/token", headers=basic(CONFIDENTIAL),
                           data={"grant_type": "client_credentials", "scope": "email"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get("/api/whoami", headers=bearer(response.json["access_token"])
                      ).json == {"username": None, "client_id": CONFIDENTIAL[0]}


def test_bound_revocation_ends_the_token(app):
    client = app.test_client()
    access = exchange(client, code_for(client)).json["access_token"]
    assert client.post("/oauth/revoke", headers=basic(CONFIDENTIAL),
                       data={"token": access}).status_code == 200
    assert client.get("/api/me", headers=bearer(access)).status_code == 401


def test_bound_public_client_uses_pkce(app):
    client = app.test_client()
    from tests.compat.flask_oauthlib.documented_app import CHALLENGE, VERIFIER

    code = code_for(client, PUBLIC[0], code_challenge=CHALLENGE,
                    code_challenge_method="S256")
    response = exchange(client, code, auth={}, client_id=PUBLIC[0], code_verifier=VERIFIER)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_cache_grant_keeps_codes_out_of_the_database():
    app = make_app({"OAUTH2_CACHE_TYPE": "simple"}, storage="bind_cache_grant")
    client = app.test_client()
    code_for(client)
    with app.app_context():
        assert app.models["Grant"].query.count() == 0


def test_cache_grant_can_be_given_a_cache_object():
    from cachelib import SimpleCache

    from flask_oauth_provider.bindings import bind_cache_grant

    cache = SimpleCache()
    app = make_app(storage="bind_sqlalchemy")
    with app.app_context():
        bind_cache_grant(app, app.oauth, lambda: app.models["User"].query.first(),
                         cache=cache)
    client = app.test_client()
    code = code_for(client)
    assert exchange(client, code).status_code == 200


def test_cache_grant_needs_a_cache_type():
    with pytest.raises(RuntimeError, match="OAUTH2_CACHE_TYPE"):
        make_app(storage="bind_cache_grant")
