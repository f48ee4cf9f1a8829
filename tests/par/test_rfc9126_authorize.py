"""RFC 9126 §4: the authorization endpoint answers a pushed request, once."""

from __future__ import annotations

import datetime

from sqlalchemy import update

from tests.helpers import basic_auth, location_params, pkce_pair
from tests.helpers.sqla_models import PushedRequest
from tests.par.par_app import CB, OTHER_CB, URN, allow, authorize_url, consent_form, log_in, push


def _redeem(client, credentials, code, redirect_uri=CB, **extra):
    client_id, secret = credentials
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            **extra}
    headers = basic_auth(client_id, secret) if secret else {}
    if not secret:
        data["client_id"] = client_id
    return client.post("/oauth/token", data=data, headers=headers)


def _refused_page(answer, error="invalid_request_uri"):
    """An error page, never a redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2)."""
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert error in answer.get_data(as_text=True)


# -- the flow ------------------------------------------------------------------------------


def test_push_authorize_consent_code_token(client, web):
    request_uri = push(client, web, nonce="n-0S6").get_json()["request_uri"]
    log_in(client)
    answer = allow(client, authorize_url(web[0], request_uri))
    assert answer.status_code == 303
    params = location_params(answer.headers["Location"])
    assert answer.headers["Location"].startswith(CB + "?")
    assert params["state"] == "st-1"
    token = _redeem(client, web, params["code"])
    assert token.status_code == 200
    assert token.get_json()["scope"] == "openid profile"
    assert "id_token" in token.get_json()


def test_public_client_with_pkce(client, spa):
    verifier, challenge = pkce_pair()
    request_uri = push(client, spa, code_challenge=challenge,
                       code_challenge_method="S256").get_json()["request_uri"]
    log_in(client)
    answer = allow(client, authorize_url(spa[0], request_uri))
    code = location_params(answer.headers["Location"])["code"]
    assert _redeem(client, spa, code, code_verifier="x" * 43).status_code == 400
    request_uri = push(client, spa, code_challenge=challenge,
                       code_challenge_method="S256").get_json()["request_uri"]
    answer = allow(client, authorize_url(spa[0], request_uri))
    code = location_params(answer.headers["Location"])["code"]
    assert _redeem(client, spa, code, code_verifier=verifier).status_code == 200


def test_login_comes_first_and_keeps_the_request_uri(client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    page = client.get(authorize_url(web[0], request_uri))
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    log_in(client)
    assert allow(client, authorize_url(web[0], request_uri)).status_code == 303


# -- pushed parameters win -----------------------------------------------------------------


def test_front_channel_parameters_are_ignored(client, web):
    """§4 with RFC 9101 §6.3: only the pushed parameters are used; a redirect_uri, scope
    or state added on the front channel changes nothing."""
    request_uri = push(client, web, scope="openid").get_json()["request_uri"]
    log_in(client)
    path = authorize_url(web[0], request_uri, redirect_uri=OTHER_CB,
                         scope="openid profile email", state="from-the-browser",
                         response_type="token")
    page = client.get(path)
    assert page.status_code == 200
    _, scopes = consent_form(page)
    assert scopes == ["openid"]
    answer = allow(client, path)
    location = answer.headers["Location"]
    assert location.startswith(CB + "?")
    assert location_params(location)["state"] == "st-1"


def test_consent_page_shows_the_pushed_scopes(client, web):
    request_uri = push(client, web, scope="openid email").get_json()["request_uri"]
    log_in(client)
    _, scopes = consent_form(client.get(authorize_url(web[0], request_uri)))
    assert scopes == ["openid", "email"]


def test_consent_post_for_another_pushed_request_is_refused(client, web):
    """The consent form's CSRF token is bound to the request it was shown for: a token of
    one pushed request does not approve another (RFC 6749 §10.12)."""
    first = push(client, web, scope="openid").get_json()["request_uri"]
    second = push(client, web, scope="openid email").get_json()["request_uri"]
    log_in(client)
    token, _ = consent_form(client.get(authorize_url(web[0], first)))
    answer = client.post(authorize_url(web[0], second),
                         data={"csrf_token": token, "scope": ["openid", "email"],
                               "allow": "x"})
    assert answer.status_code == 400
    assert "Location" not in answer.headers


# -- one-time use --------------------------------------------------------------------------


def test_reloading_the_consent_page_keeps_the_request(client, web):
    """§4: the server "MAY allow for duplicate requests due to a user reloading"."""
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    path = authorize_url(web[0], request_uri)
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert allow(client, path).status_code == 303


def test_second_authorization_with_the_same_request_uri_is_refused(client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    path = authorize_url(web[0], request_uri)
    page = client.get(path)
    token, scopes = consent_form(page)
    first = client.post(path, data={"csrf_token": token, "scope": scopes, "allow": "x"})
    assert first.status_code == 303
    _refused_page(client.get(path))


def test_replayed_consent_post_is_refused(client, web):
    """The consent POST itself, sent twice (a double click, a replay), issues one code."""
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    path = authorize_url(web[0], request_uri)
    token, scopes = consent_form(client.get(path))
    assert client.post(path, data={"csrf_token": token, "scope": scopes,
                                   "allow": "x"}).status_code == 303
    again = client.post(path, data={"csrf_token": token, "scope": scopes, "allow": "x"})
    assert again.status_code == 400
    assert "Location" not in again.headers


def test_denial_uses_the_request_uri_up(client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    path = authorize_url(web[0], request_uri)
    answer = allow(client, path, button="deny")
    assert location_params(answer.headers["Location"])["error"] == "access_denied"
    _refused_page(client.get(path))


def test_request_uri_of_another_client_is_refused(client, web, strict):
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    _refused_page(client.get(authorize_url(strict[0], request_uri)))
    # Still usable by the client it was issued to.
    assert client.get(authorize_url(web[0], request_uri)).status_code == 200


def test_unknown_request_uri_is_refused(client, web):
    log_in(client)
    _refused_page(client.get(authorize_url(web[0], URN + "never-issued")))


def test_expired_request_uri_is_refused(app, client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    with app.app_context():
        db = app.extensions["test_db"]
        past = datetime.datetime.utcnow() - datetime.timedelta(seconds=1)
        db.session.execute(update(PushedRequest).values(expires_at=past))
        db.session.commit()
    log_in(client)
    _refused_page(client.get(authorize_url(web[0], request_uri)))


def test_request_uri_without_client_id_is_refused(client, web):
    request_uri = push(client, web).get_json()["request_uri"]
    log_in(client)
    answer = client.get("/oauth/authorize?request_uri=" + request_uri)
    _refused_page(answer, "invalid_request")


# -- OpenID Connect ------------------------------------------------------------------------


def test_pushed_prompt_none_is_answered_at_the_authorization_endpoint(client, web):
    """prompt=none was accepted at the push; with no user logged in the authorization
    endpoint answers login_required to the pushed (registered) redirect URI."""
    request_uri = push(client, web, prompt="none").get_json()["request_uri"]
    answer = client.get(authorize_url(web[0], request_uri))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(CB + "?")
    params = location_params(answer.headers["Location"])
    assert params["error"] == "login_required" and params["state"] == "st-1"
