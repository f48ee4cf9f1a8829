"""The Flask-OAuthlib callbacks behind CallbackValidator."""

from __future__ import annotations

import datetime as dt

import pytest

from flask_oauth_provider.callbacks import CallbackValidator
from tests.flask.flask_support import (
    REG,
    Store,
    access_token,
    authorize_url,
    consent,
    create_app,
    exchange,
    get_code,
    login,
)
from tests.helpers import basic_auth, location_values

C1 = basic_auth("C1", "C1-secret")


def test_missing_required_callbacks_are_named():
    with pytest.raises(RuntimeError, match="@oauth.tokensetter"):
        CallbackValidator(clientgetter=len, grantgetter=len, grantsetter=len, tokengetter=len)


def test_unknown_callback_name_is_a_type_error():
    with pytest.raises(TypeError, match="clientloader"):
        CallbackValidator(clientloader=len)


def test_grantdeleter_is_used_instead_of_grant_delete():
    app = create_app("callbacks")
    deleted = []

    @app.oauth.grantdeleter
    def delete_grant(grant):
        deleted.append(grant.code)
        app.store.grants.pop(grant.code)

    client = app.test_client()
    login(client)
    code = get_code(client)
    assert exchange(client, code).status_code == 200
    assert deleted == [code]


def test_tokendeleter_is_used_on_revocation():
    app = create_app("callbacks")
    deleted = []

    @app.oauth.tokendeleter
    def delete_token(token):
        deleted.append(token.access_token)
        app.store.tokens.remove(token)

    client = app.test_client()
    token = access_token(client)
    client.post("/oauth/revoke", data={"token": token}, headers=C1)
    assert deleted == [token]


def test_a_used_code_cannot_be_redeemed_again(cb_client):
    login(cb_client)
    code = get_code(cb_client)
    assert exchange(cb_client, code).status_code == 200
    replay = exchange(cb_client, code)
    assert replay.status_code == 400 and replay.json["error"] == "invalid_grant"


def test_expired_code_is_refused(cb_app, cb_client):
    login(cb_client)
    code = get_code(cb_client)
    cb_app.store.grants[code].expires = dt.datetime(2000, 1, 1)
    assert exchange(cb_client, code).json["error"] == "invalid_grant"


def test_rotated_refresh_token_is_deleted(cb_client):
    login(cb_client)
    old = exchange(cb_client, get_code(cb_client)).json["refresh_token"]
    data = {"grant_type": "refresh_token", "refresh_token": old}
    first = cb_client.post("/oauth/token", data=data, headers=C1)
    assert first.status_code == 200 and first.json["refresh_token"] != old
    assert cb_client.post("/oauth/token", data=data, headers=C1).json["error"] == (
        "invalid_grant")


def test_refresh_token_of_another_client_is_refused(cb_client):
    login(cb_client)
    refresh = exchange(cb_client, get_code(cb_client)).json["refresh_token"]
    response = cb_client.post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                              data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert response.json["error"] == "invalid_grant"


def test_token_without_expiry_never_expires(cb_app, cb_client):
    token = access_token(cb_client)
    cb_app.store.tokengetter(access_token=token).expires = None
    response = cb_client.get("/api/me", headers={"Authorization": "Bearer " + token})
    assert response.status_code == 200


def test_pkce_challenge_reaches_the_grantsetter_but_not_the_redirect(cb_app, cb_client):
    login(cb_client)
    response = consent(cb_client, authorize_url())
    code = location_values(response.headers["Location"])["code"][0]
    assert "code_challenge" not in response.headers["Location"]
    assert cb_app.store.grants[code].code_challenge_method == "S256"


def test_grantsetter_that_drops_the_pkce_challenge_issues_no_code():
    store = Store()
    original = store.grantsetter

    def forgetful(client_id, code, request, *args, **kwargs):
        original(client_id, {"code": code["code"]}, request)

    store.grantsetter = forgetful
    client = create_app("callbacks", store=store).test_client()
    login(client)
    response = consent(client, authorize_url(client_id="P1", redirect_uri=REG))
    assert response.status_code == 500
    assert "Location" not in response.headers


def test_password_grant_needs_a_usergetter():
    store = Store()
    app = create_app("callbacks", store=store, GRANT_TYPES=["password"])
    del app.oauth._callbacks["usergetter"]
    app.oauth._callback_validator = None
    response = app.test_client().post("/oauth/token", headers=C1, data={
        "grant_type": "password", "username": "alice", "password": "alice-pw"})
    assert response.status_code == 400
    assert "access_token" not in response.get_data(as_text=True)


def test_introspection_reports_username_scope_and_expiry(cb_client):
    token = access_token(cb_client)
    body = cb_client.post("/oauth/introspect", data={"token": token}, headers=C1).json
    assert body["active"] is True and body["username"] == "alice"
    assert body["scope"] == "profile read" and body["exp"] > 0


def test_introspection_finds_a_refresh_token_despite_a_wrong_hint(cb_client):
    login(cb_client)
    refresh = exchange(cb_client, get_code(cb_client)).json["refresh_token"]
    body = cb_client.post("/oauth/introspect", headers=C1, data={
        "token": refresh, "token_type_hint": "access_token"}).json
    assert body["active"] is True
