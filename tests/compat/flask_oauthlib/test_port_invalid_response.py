"""A ported app's ``invalid_response`` handler reads why a token was refused.

Flask-OAuthlib handed the handler its request with ``error_message`` set to a sentence
("Bearer token not found.", "Bearer token is expired."); apps put it in their JSON
answer. Here ``error_message`` carries that sentence and ``error`` the RFC 6750 §3.1
code (``None`` when no token was sent, as §3 asks for no error code then).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.compat.flask_oauthlib.documented_app import bearer, make_app, tokens_for


@pytest.fixture
def app():
    return make_app()


def test_no_token_is_not_found(app):
    response = app.test_client().get("/api/me")
    assert response.status_code == 401
    assert response.json == {"message": "Bearer token not found.", "error": None}


def test_unknown_token_is_not_found_and_invalid_token(app):
    response = app.test_client().get("/api/me", headers=bearer("no-such-token"))
    assert response.status_code == 401
    assert response.json == {"message": "Bearer token not found.", "error": "invalid_token"}


def test_expired_token_says_expired(app):
    client = app.test_client()
    tokens = tokens_for(client)
    with app.app_context():
        token = app.models["Token"].query.filter_by(access_token=tokens["access_token"]).one()
        token.expires = datetime.utcnow() - timedelta(seconds=1)
        app.db.session.commit()
    response = client.get("/api/me", headers=bearer(tokens["access_token"]))
    assert response.json == {"message": "Bearer token is expired.", "error": "invalid_token"}


def test_missing_scope_says_scope_not_valid(app):
    client = app.test_client()
    tokens = tokens_for(client)
    with app.app_context():
        token = app.models["Token"].query.filter_by(access_token=tokens["access_token"]).one()
        token._scopes = "address"
        app.db.session.commit()
    response = client.get("/api/me", headers=bearer(tokens["access_token"]))
    assert response.json == {"message": "Bearer token scope not valid.",
                             "error": "insufficient_scope"}


def test_valid_token_reaches_the_view(app):
    client = app.test_client()
    tokens = tokens_for(client)
    response = client.get("/api/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json == {"username": "alice"}


def test_without_a_handler_the_refusal_is_rfc_6750():
    app = make_app(invalid_response=False)
    response = app.test_client().get("/api/me", headers=bearer("no-such-token"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_token_sent_two_ways_says_so(app):
    client = app.test_client()
    tokens = tokens_for(client)
    response = client.post("/api/me", headers=bearer(tokens["access_token"]),
                           data={"access_token": tokens["access_token"]})
    assert response.json == {"message": "The access token was sent by more than one method.",
                             "error": "invalid_request"}
