"""``require_oauth``, ``verify_request`` and ``current_token`` (RFC 6750)."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request

from flask_oauth_provider import current_token
from tests.flask.flask_support import access_token, create_app
from tests.helpers import bearer

#: RFC 9728 §5.1: every challenge names the metadata of the app's own resource (no
#: OAUTH2_PROVIDER_RESOURCES here, so the resource is the issuer, the app's root URL).
METADATA = 'resource_metadata="http://localhost/.well-known/oauth-protected-resource"'


def test_valid_token_with_the_scope_gets_200_and_current_token(client):
    token = access_token(client, scope="profile read")
    response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"user": "alice", "scopes": ["profile", "read"], "client": "C1"}


def test_no_token_is_401_with_a_challenge_without_error(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer " + METADATA
    assert response.is_json


def test_unknown_token_is_401_invalid_token(client):
    response = client.get("/api/me", headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token", ' + METADATA
    assert response.json["error"] == "invalid_token"


def test_expired_token_is_401_invalid_token(app, client):
    token = access_token(client)
    app.store.tokengetter(access_token=token).expires = dt.datetime(2000, 1, 1)
    response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_missing_scope_is_403_insufficient_scope(client):
    token = access_token(client, scope="profile")
    response = client.get("/api/both", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="profile write", ' + METADATA)
    assert response.json["error"] == "insufficient_scope"


def test_every_listed_scope_is_required(client):
    # Flask-OAuthlib let a token with any one of the scopes through (its issue #181).
    assert client.get("/api/both", headers=bearer(access_token(client, "write"))
                      ).status_code == 403
    assert client.get("/api/both", headers=bearer(access_token(client, "profile write"))
                      ).status_code == 200


def test_callable_scopes_are_evaluated_per_request(client):
    token = access_token(client, scope="profile")
    assert client.get("/api/dynamic?need=profile", headers=bearer(token)).status_code == 200
    assert client.get("/api/dynamic?need=write", headers=bearer(token)).status_code == 403


def test_optional_lets_anonymous_calls_through_with_current_token_falsy(client):
    response = client.get("/api/optional")
    assert response.status_code == 200
    assert response.json == {"user": None}


def test_optional_still_refuses_a_bad_token(client):
    assert client.get("/api/optional", headers=bearer("bad")).status_code == 401


def test_optional_with_a_token_sets_current_token(client):
    token = access_token(client)
    assert client.get("/api/optional", headers=bearer(token)).json == {"user": "alice"}


def test_token_in_the_form_body_of_a_post_is_accepted(client):
    token = access_token(client, scope="profile write")
    response = client.post("/api/both", data={"access_token": token})
    assert response.status_code == 200


def test_token_in_the_query_string_is_ignored(client):
    token = access_token(client)
    response = client.get("/api/me?access_token=" + token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer " + METADATA


def test_token_in_the_query_string_is_accepted_when_configured(mode):
    client = create_app(mode, ALLOW_QUERY_TOKEN=True).test_client()
    token = access_token(client)
    assert client.get("/api/me?access_token=" + token).status_code == 200


def test_token_sent_two_ways_is_400_invalid_request(client):
    token = access_token(client, scope="profile write")
    response = client.post("/api/both", data={"access_token": token}, headers=bearer(token))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_current_token_exposes_user_client_scopes_and_expiry(app, client):
    seen = {}

    @app.route("/api/inspect")
    @app.oauth.require_oauth()
    def inspect():
        seen.update(user=current_token.user.username, client=current_token.client.client_id,
                    scopes=current_token.scopes, expires_at=current_token.expires_at,
                    oauth_user=request.oauth.user.username)
        return "ok"

    token = access_token(client)
    assert client.get("/api/inspect", headers=bearer(token)).status_code == 200
    assert seen["user"] == seen["oauth_user"] == "alice"
    assert seen["client"] == "C1" and seen["scopes"] == ["profile", "read"]
    assert seen["expires_at"] > dt.datetime.now(dt.timezone.utc)


def test_stacked_decorators_check_each_layers_scopes(app, client):
    @app.route("/api/stacked")
    @app.oauth.require_oauth("profile")
    @app.oauth.require_oauth("write")
    def stacked():
        return "ok"

    assert client.get("/api/stacked", headers=bearer(access_token(client, "profile"))
                      ).status_code == 403
    assert client.get("/api/stacked", headers=bearer(access_token(client, "profile write"))
                      ).status_code == 200


def test_verify_request_for_code_without_a_decorator(app, client):
    @app.route("/api/manual")
    def manual():
        valid, req = app.oauth.verify_request(["profile"])
        return jsonify(valid=valid, user=req.user.username if valid else None)

    token = access_token(client)
    assert client.get("/api/manual", headers=bearer(token)).json == {"valid": True,
                                                                     "user": "alice"}
    assert client.get("/api/manual").json == {"valid": False, "user": None}


def test_resource_request_over_plain_http_on_a_public_host_is_refused(client):
    token = access_token(client)
    response = client.get("/api/me", headers=bearer(token), base_url="http://api.example")
    assert response.status_code == 400


def test_before_request_hook_can_short_circuit(app, client):
    @app.oauth.before_request
    def block():
        return jsonify(blocked=True), 429

    assert client.get("/api/me").status_code == 429


def test_invalid_response_hook_replaces_the_refusal(app, client):
    @app.oauth.invalid_response
    def custom(req):
        return jsonify(message=req.error_message, error=req.error), 401

    # Issue 19: the readable reason in error_message (Flask-OAuthlib's), the code in error.
    assert client.get("/api/me", headers=bearer("bad")).json == {
        "message": "Bearer token not found.", "error": "invalid_token"}


def test_view_can_still_read_its_own_form(app, client):
    @app.route("/api/form", methods=["POST"])
    @app.oauth.require_oauth("profile")
    def form():
        return request.form["name"]

    token = access_token(client)
    assert client.post("/api/form", data={"name": "x"}, headers=bearer(token)).data == b"x"


def test_view_can_still_read_its_json_body(app, client):
    @app.route("/api/json", methods=["POST"])
    @app.oauth.require_oauth("profile")
    def json_view():
        return request.get_json()["name"]

    token = access_token(client)
    assert client.post("/api/json", json={"name": "y"}, headers=bearer(token)).data == b"y"


def test_current_token_does_not_leak_into_a_later_request_of_the_same_app_context(app, client):
    # Two requests sharing one app context (and so one flask.g): the second, sent
    # without a token to an optional view, must not see the first one's token.
    token = access_token(client, scope="profile")
    with app.app_context():
        assert client.get("/api/me", headers=bearer(token)).status_code == 200
        response = client.get("/api/optional")
    assert response.status_code == 200
    assert response.json == {"user": None}
