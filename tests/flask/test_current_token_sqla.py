"""``current_token`` over the SQLAlchemy store: one SELECT, objects only when touched.

A protected call with the token in the ``Authorization`` header reads the token, its
client and its user in one statement; ``current_token.user``, ``.client`` and
``.token`` are the session's ORM objects, built when the view first touches them.
"""

from __future__ import annotations

import pytest
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers import basic_auth, bearer
from tests.helpers.sqla_models import MODELS, Token, User
from tests.sqla.sqla_support import REDIRECT, Flow, StatementCounter


def _make_app(test_database, store_class=SQLAlchemyStore):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="current-token-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_ISSUER="https://as.example")
    db = SQLAlchemy()
    db.init_app(app)
    if store_class is SQLAlchemyStore:
        oauth = OAuth2Provider()
        store = oauth.init_sqlalchemy(db, **MODELS)
    else:  # a store of the app's own, given as the validator
        store = store_class(db.session, **MODELS)
        oauth = OAuth2Provider(validator=store)
    oauth.init_app(app)
    seen: dict = {}

    @app.get("/api/ids")
    @oauth.require_oauth("profile")
    def ids():
        # Only what the one SELECT returned: no ORM object is built.
        seen["objects_in_session"] = len(db.session.identity_map)
        return jsonify(client_id=current_token.client_id, sub=current_token.sub,
                       scopes=current_token.scopes)

    @app.get("/api/objects")
    @oauth.require_oauth("profile")
    def objects():
        user, client, token = current_token.user, current_token.client, current_token.token
        seen.update(user=user, client=client, token=token, oauth_user=request.oauth.user,
                    session_user=db.session.get(User, user.id) if user is not None else None,
                    session_client=db.session.get(type(client), client.id),
                    token_user=token.user, expires_at=current_token.expires_at)
        return jsonify(user=user.username if user is not None else None,
                       client=client.name, client_id=token.client_id,
                       scopes=current_token.scopes)

    app.extensions["test_db"] = db
    app.extensions["test_oauth"] = oauth
    app.extensions["test_store"] = store
    app.extensions["seen"] = seen
    return app


@pytest.fixture
def app(test_database, tables):
    app = _make_app(test_database)
    try:
        yield app
    finally:
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


def _tokens(app):
    """A code-flow token of erin's and a client-credentials token of the client's."""
    with app.app_context():
        db = app.extensions["test_db"]
        state = app.extensions["oauth2_provider"]
        user = User(username="erin")
        db.session.add(user)
        db.session.commit()
        client, secret = app.extensions["test_store"].create_client(
            name="Web", redirect_uris=[REDIRECT], scopes=["profile", "read"],
            grant_types=["authorization_code", "client_credentials"])
        flow = Flow(state.server, client, secret)
        user_token = flow.login(user, scopes=("profile", "read"))["access_token"]
        status, body = flow.token(grant_type="client_credentials", scope="profile")
        assert status == 200, body
        return {"user_id": user.id, "client_id": client.client_id, "secret": secret,
                "user_token": user_token, "client_token": body["access_token"],
                "engine": db.engine}


def _get(app, path, token):
    with app.test_client() as client:
        return client.get(path, headers=bearer(token))


def test_a_view_reading_ids_builds_no_object_and_costs_one_statement(app):
    t = _tokens(app)
    counter = StatementCounter(t["engine"])
    with counter.count():
        response = _get(app, "/api/ids", t["user_token"])
    assert response.status_code == 200
    assert response.json == {"client_id": t["client_id"], "sub": str(t["user_id"]),
                             "scopes": ["profile", "read"]}
    assert app.extensions["seen"]["objects_in_session"] == 0
    assert len(counter) == 1, counter.statements


def test_code_flow_token_user_client_and_row_are_the_sessions_objects(app):
    t = _tokens(app)
    counter = StatementCounter(t["engine"])
    with counter.count():
        response = _get(app, "/api/objects", t["user_token"])
    assert response.status_code == 200
    assert response.json == {"user": "erin", "client": "Web", "client_id": t["client_id"],
                             "scopes": ["profile", "read"]}
    seen = app.extensions["seen"]
    assert seen["user"] is seen["session_user"] is seen["oauth_user"] is seen["token_user"]
    assert seen["client"] is seen["session_client"]
    assert isinstance(seen["token"], Token) and seen["token"].user_id == t["user_id"]
    assert seen["expires_at"] == seen["token"].expires_at is not None
    assert len(counter) == 1, counter.statements  # user, client and token from one SELECT


def test_client_credentials_token_has_no_user_and_its_client(app):
    t = _tokens(app)
    assert _get(app, "/api/ids", t["client_token"]).json == {
        "client_id": t["client_id"], "sub": None, "scopes": ["profile"]}
    response = _get(app, "/api/objects", t["client_token"])
    assert response.status_code == 200
    assert response.json == {"user": None, "client": "Web", "client_id": t["client_id"],
                             "scopes": ["profile"]}
    seen = app.extensions["seen"]
    assert seen["user"] is None and seen["oauth_user"] is None and seen["token_user"] is None


def test_an_object_the_session_already_holds_is_returned_as_it_is(app):
    t = _tokens(app)
    db = app.extensions["test_db"]
    held = {}

    @app.before_request
    def load_user_first():
        held["user"] = db.session.get(User, t["user_id"])

    assert _get(app, "/api/objects", t["user_token"]).status_code == 200
    assert app.extensions["seen"]["user"] is held["user"]


def test_revocation_is_seen_on_the_next_call(app):
    t = _tokens(app)
    assert _get(app, "/api/ids", t["user_token"]).status_code == 200
    with app.test_client() as client:
        revoked = client.post("/oauth/revoke", headers=basic_auth(t["client_id"], t["secret"]),
                              data={"token": t["user_token"]})
    assert revoked.status_code == 200
    response = _get(app, "/api/ids", t["user_token"])
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"
    assert _get(app, "/api/ids", t["client_token"]).status_code == 200


def test_missing_scope_is_403_naming_the_required_scopes(app):
    t = _tokens(app)
    with app.app_context():
        db = app.extensions["test_db"]
        db.session.execute(Token.__table__.update().values(scope="read"))
        db.session.commit()
    response = _get(app, "/api/ids", t["user_token"])
    assert response.status_code == 403
    # RFC 9728 §5.1: the challenge also names the resource's metadata document.
    assert response.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="profile", '
        'resource_metadata="https://as.example/.well-known/oauth-protected-resource"')


def test_a_store_subclass_that_validates_tokens_itself_is_asked(test_database, tables):
    calls = []

    class Audited(SQLAlchemyStore):
        def validate_bearer_token(self, token, scopes, request):
            calls.append(token)
            return super().validate_bearer_token(token, scopes, request)

    app = _make_app(test_database, Audited)
    try:
        t = _tokens(app)
        response = _get(app, "/api/objects", t["user_token"])
        assert response.status_code == 200
        assert response.json["user"] == "erin"
        assert calls == [t["user_token"]]
    finally:
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


def test_a_view_that_reads_only_ids_gets_the_lean_select_after_its_first_call(app):
    t = _tokens(app)
    counter = StatementCounter(t["engine"])
    with counter.count():
        for _ in range(3):
            assert _get(app, "/api/ids", t["user_token"]).status_code == 200
    assert len(counter) == 3, counter.statements
    first, *later = counter.statements
    assert "sqla_user" in first  # wide: the user's columns come along
    assert all("sqla_user" not in s and "redirect_uris" not in s for s in later)


def test_a_view_that_starts_touching_objects_gets_them_right_and_one_select_again(app):
    t = _tokens(app)
    touch = {"now": False}

    @app.get("/api/sometimes")
    @app.extensions["test_oauth"].require_oauth("profile")
    def sometimes():
        if not touch["now"]:
            return jsonify(sub=current_token.sub)
        return jsonify(sub=current_token.sub, user=current_token.user.username,
                       client=current_token.client.name)

    counter = StatementCounter(t["engine"])
    assert _get(app, "/api/sometimes", t["user_token"]).json == {"sub": str(t["user_id"])}
    touch["now"] = True
    expected = {"sub": str(t["user_id"]), "user": "erin", "client": "Web"}
    with counter.count():  # a lean call: user and client loaded by key
        assert _get(app, "/api/sometimes", t["user_token"]).json == expected
    assert len(counter) == 3, counter.statements
    touch["now"] = False
    assert _get(app, "/api/sometimes", t["user_token"]).status_code == 200
    touch["now"] = True
    counter = StatementCounter(t["engine"])
    with counter.count():  # from now on wide: one statement
        assert _get(app, "/api/sometimes", t["user_token"]).json == expected
    assert len(counter) == 1, counter.statements
