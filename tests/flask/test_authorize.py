"""The authorization endpoint and its consent page (RFC 6749 §3.1, §4.1, §10.12)."""

from __future__ import annotations

from flask_oauth_provider import signals
from tests.flask.flask_support import (
    REG,
    authorize_url,
    consent,
    create_app,
    csrf_token,
    exchange,
    login,
)
from tests.helpers import location_values


def test_logged_out_user_is_sent_to_the_login_page_with_next(client):
    response = client.get(authorize_url())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logged_in_user_sees_the_consent_page_with_client_and_scopes(client):
    login(client)
    response = client.get(authorize_url(scope="profile read"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Test client" in html
    assert 'value="profile"' in html and 'value="read"' in html
    assert html.count("checked") == 2
    assert 'name="csrf_token"' in html


def test_consent_get_issues_nothing(client, app):
    login(client)
    client.get(authorize_url() + "&allow=Allow")
    assert app.store.grants == {}


def test_allow_redirects_303_with_code_state_and_iss(client):
    login(client)
    response = consent(client, authorize_url(state="s-1"))
    assert response.status_code == 303
    params = location_values(response.headers["Location"])
    assert response.headers["Location"].startswith(REG + "?")
    assert params["state"] == ["s-1"]
    assert params["iss"] == ["http://localhost"]
    assert len(params["code"][0]) >= 43


def test_code_from_consent_redeems_for_a_token(client):
    login(client)
    response = consent(client, authorize_url())
    code = location_values(response.headers["Location"])["code"][0]
    token = exchange(client, code)
    assert token.status_code == 200
    assert token.json["scope"] == "profile read"


def test_deny_redirects_with_access_denied_state_and_iss(client, app):
    login(client)
    response = consent(client, authorize_url(state="s-2"), allow=False)
    assert response.status_code == 303
    params = location_values(response.headers["Location"])
    assert params == {"error": ["access_denied"], "state": ["s-2"], "iss": ["http://localhost"]}
    assert app.store.grants == {}


def test_unchecked_scope_is_not_granted(client):
    login(client)
    response = consent(client, authorize_url(scope="profile read"), scopes=["profile"])
    code = location_values(response.headers["Location"])["code"][0]
    assert exchange(client, code).json["scope"] == "profile"


def test_scope_added_to_the_form_is_ignored(client):
    login(client)
    response = consent(client, authorize_url(scope="profile"), scopes=["profile", "write"])
    code = location_values(response.headers["Location"])["code"][0]
    assert exchange(client, code).json["scope"] == "profile"


def test_allow_with_every_scope_unchecked_is_a_denial(client):
    login(client)
    response = consent(client, authorize_url(scope="profile read"), scopes=[])
    assert location_values(response.headers["Location"])["error"] == ["access_denied"]


def test_post_without_csrf_token_is_400_and_issues_no_code(client, app):
    login(client)
    url = authorize_url()
    client.get(url)
    response = client.post(url, data={"scope": ["profile", "read"], "allow": "x"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert app.store.grants == {}


def test_post_with_a_csrf_token_of_another_session_is_400(app):
    attacker, victim = app.test_client(), app.test_client()
    login(attacker, "bob")
    token = csrf_token(attacker.get(authorize_url()).get_data(as_text=True))
    login(victim)
    victim.get(authorize_url())
    response = victim.post(authorize_url(), data={"csrf_token": token, "allow": "x",
                                                  "scope": ["profile"]})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert app.store.grants == {}


def test_hidden_oauth_fields_in_the_form_are_ignored(client):
    login(client)
    response = consent(client, authorize_url(state="orig"), redirect_uri="https://evil.example/",
                       client_id="C2", state="forged", code_challenge="x" * 43)
    location = response.headers["Location"]
    assert location.startswith(REG + "?")
    assert location_values(location)["state"] == ["orig"]
    code = location_values(location)["code"][0]
    assert exchange(client, code, client_id="C1").status_code == 200


def test_post_revalidates_the_request_from_the_query_string(client):
    login(client)
    html = client.get(authorize_url()).get_data(as_text=True)
    bad = authorize_url(redirect_uri="https://evil.example/cb")
    response = client.post(bad, data={"csrf_token": csrf_token(html), "allow": "x"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_fatal_error_shows_the_error_page_without_location(client):
    login(client)
    response = client.get(authorize_url(client_id="nobody"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.get_data(as_text=True)


def test_error_page_uses_the_configured_template():
    app = create_app(ERROR_TEMPLATE="my_error.html")
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader([DictLoader({"my_error.html": "custom {{ error }}"}),
                                     app.jinja_loader])
    client = app.test_client()
    response = client.get(authorize_url(client_id="nobody"))
    assert response.get_data(as_text=True) == "custom invalid_request"


def test_app_template_overrides_the_consent_page():
    from jinja2 import DictLoader

    app = create_app()
    app.jinja_loader = DictLoader({"oauth/authorize.html": "mine: {{ client_name }}"})
    client = app.test_client()
    login(client)
    assert client.get(authorize_url()).get_data(as_text=True) == "mine: Test client"


def test_redirectable_error_redirects_302_on_get(client):
    login(client)
    response = client.get(authorize_url(scope="admin"))
    assert response.status_code == 302
    assert location_values(response.headers["Location"])["error"] == ["invalid_scope"]


def test_consent_page_and_error_page_send_the_protective_headers(client):
    login(client)
    for response in (client.get(authorize_url()), client.get(authorize_url(client_id="x"))):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_skip_consent_hook_redirects_straight_to_the_client(app):
    seen = []

    @app.oauth.skip_consent
    def trusted(client, user, scopes, request):
        seen.append((client.client_id, user.username, scopes))
        return client.client_id == "C1"

    client = app.test_client()
    login(client)
    response = client.get(authorize_url())
    assert response.status_code == 302
    assert "code" in location_values(response.headers["Location"], keep_blank=False)
    assert seen == [("C1", "alice", ["profile", "read"])]
    assert client.get(authorize_url(client_id="C2", redirect_uri=REG)).status_code == 200


def test_consent_is_asked_every_time_without_a_hook(client):
    login(client)
    consent(client, authorize_url())
    assert client.get(authorize_url()).status_code == 200


def test_consent_signals_are_sent(client, app):
    received = []

    def granted(sender, **kw):
        received.append(("granted", kw["client"].client_id, kw["user"].username, kw["scopes"]))

    def denied(sender, **kw):
        received.append(("denied", kw["client"].client_id, kw["user"].username, kw["scopes"]))

    with signals.consent_granted.connected_to(granted, app), \
            signals.consent_denied.connected_to(denied, app):
        login(client)
        consent(client, authorize_url(), scopes=["profile"])
        consent(client, authorize_url(), allow=False)
    assert received == [("granted", "C1", "alice", ["profile"]),
                        ("denied", "C1", "alice", ["profile", "read"])]


def test_plain_http_on_a_public_host_is_refused(client):
    login(client)
    response = client.get(authorize_url(), base_url="http://auth.example")
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_plain_http_is_accepted_with_insecure_transport():
    client = create_app(INSECURE_TRANSPORT=True).test_client()
    client.post("/login", data={"username": "alice"}, base_url="http://auth.example")
    response = client.get(authorize_url(), base_url="http://auth.example")
    assert response.status_code == 200


def test_https_on_a_public_host_is_accepted(client):
    client.post("/login", data={"username": "alice"}, base_url="https://auth.example")
    response = client.get(authorize_url(), base_url="https://auth.example")
    assert response.status_code == 200


def test_configured_issuer_is_sent_as_iss():
    client = create_app(ISSUER="https://auth.example").test_client()
    login(client)
    response = consent(client, authorize_url())
    assert location_values(response.headers["Location"])["iss"] == ["https://auth.example"]


def test_implicit_is_refused_unless_enabled(client):
    login(client)
    response = client.get(authorize_url(response_type="token", pkce=False))
    assert response.status_code == 302
    assert location_values(response.headers["Location"])["error"] == ["unsupported_response_type"]


def test_implicit_token_and_iss_go_in_the_fragment_when_enabled():
    client = create_app(GRANT_TYPES=["authorization_code", "implicit"]).test_client()
    login(client)
    response = consent(client, authorize_url(response_type="token", pkce=False))
    fragment = response.headers["Location"].split("#", 1)[1]
    assert "access_token=" in fragment and "iss=" in fragment
    assert "?" not in response.headers["Location"].split("#", 1)[0]


def test_consent_template_can_be_named_in_the_config():
    from jinja2 import ChoiceLoader, DictLoader

    app = create_app(AUTHORIZE_TEMPLATE="consent.html")
    app.jinja_loader = ChoiceLoader([DictLoader({"consent.html": "ask {{ scopes|join(',') }}"}),
                                     app.jinja_loader])
    client = app.test_client()
    login(client)
    assert client.get(authorize_url()).get_data(as_text=True) == "ask profile,read"


def test_require_redirect_uri_refuses_a_request_that_leaves_it_out():
    """``OAUTH2_PROVIDER_REQUIRE_REDIRECT_URI`` (FAPI 2.0): C2 has one registered URI,
    which RFC 6749 §3.1.2.3 lets a request leave out; with the key that is
    invalid_request, sent to that registered URI with the state."""
    plain = create_app().test_client()
    login(plain)
    assert plain.get(authorize_url(client_id="C2", redirect_uri=None)).status_code == 200

    strict = create_app(REQUIRE_REDIRECT_URI=True).test_client()
    login(strict)
    refused = strict.get(authorize_url(client_id="C2", redirect_uri=None, state="s-2"))
    assert refused.status_code in (302, 303)
    assert refused.headers["Location"].startswith(REG + "?")
    params = location_values(refused.headers["Location"])
    assert params["error"] == ["invalid_request"] and params["state"] == ["s-2"]
    assert "redirect_uri" in params["error_description"][0]
    # With the URI named, the same request reaches the consent page.
    assert strict.get(authorize_url(client_id="C2", state="s-2")).status_code == 200
