"""Per-request state stays with its request, also when requests share an app context.

Test suites and pytest fixtures often push one app context and send several requests
inside it; Flask then gives them one ``flask.g``. A ported app must see each request
handled on its own: its login check runs for every authorization request, and a token
checked in one request is not the current token of the next.
"""

from __future__ import annotations

from tests.compat.flask_oauthlib.documented_app import authorize_url, bearer, make_app, tokens_for


def test_each_authorization_request_runs_the_apps_login_check():
    app = make_app()
    client = app.test_client()
    with app.app_context():
        first = client.get(authorize_url())
        second = client.get(authorize_url())
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].startswith("/login")
    assert app.counts["login_check"] == 2
    assert app.counts["consent_view"] == 0


def test_consent_view_runs_for_each_logged_in_request():
    app = make_app()
    client = app.test_client()
    client.post("/login", data={"username": "alice"})
    with app.app_context():
        assert client.get(authorize_url()).status_code == 200
        assert client.get(authorize_url()).status_code == 200
    assert app.counts["consent_view"] == 2


def test_token_of_one_request_is_not_current_in_the_next():
    app = make_app()
    client = app.test_client()
    tokens = tokens_for(client)
    with app.app_context():
        assert client.get("/api/me", headers=bearer(tokens["access_token"])).status_code == 200
        later = client.get("/public")
    assert later.json == {"has_token": False, "has_oauth": False}


def test_refused_token_after_a_good_one_is_refused():
    app = make_app()
    client = app.test_client()
    tokens = tokens_for(client)
    with app.app_context():
        assert client.get("/api/me", headers=bearer(tokens["access_token"])).status_code == 200
        assert client.get("/api/me", headers=bearer("forged")).status_code == 401
