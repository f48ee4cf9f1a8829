"""The authorization endpoint and the consent page (AZ-01 .. AZ-12).

RFC 6749 §3.1, §4.1.2, §10.12, §10.13; RFC 9207; RFC 9700 §4.16; OAuth 2.1 §3.1.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests.helpers import fragment_params, location_params
from tests.security.sec_app import ALICE_PASSWORD, REG, consent_form
from tests.security.sec_flows import AUTHORIZE, METADATA

THIRD_PARTY = re.compile(r"""<(script|img|link|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""",
                         re.I)


def assert_redirect_error(response, error, state="st-123"):
    assert response.status_code in (302, 303), (response.status_code,
                                                response.get_data(as_text=True)[:300])
    location = response.headers["Location"]
    assert location.startswith(REG + "?"), location
    params = location_params(location)
    assert params.get("error") == error, params
    assert "code" not in params
    if state is not None:
        assert params.get("state") == state
    return params


def issuer(env):
    return env.http.get(METADATA).get_json()["issuer"]


def test_AZ_01_authorization_endpoint_supports_get(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    assert page.status_code == 200
    assert consent_form(page.get_data(as_text=True))


def test_AZ_02_unknown_parameters_are_ignored(env, c1):
    env.login()
    page, _ = env.consent_page(c1, foo="bar", prompt_me="x")
    assert page.status_code == 200


@pytest.mark.parametrize("param", ["client_id", "redirect_uri"])
def test_AZ_02_duplicated_client_id_or_redirect_uri_is_refused_without_redirect(env, c1, param):
    env.login()
    query, _ = env.authorize_params(c1)
    response = env.authorize_get(urlencode(query) + "&" + urlencode({param: query[param]}))
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize("param", ["scope", "state", "response_type", "code_challenge"])
def test_AZ_02_duplicated_parameter_is_invalid_request(env, c1, param):
    env.login()
    query, _ = env.authorize_params(c1)
    response = env.authorize_get(urlencode(query) + "&" + urlencode({param: query[param]}))
    if response.status_code == 400:
        assert "Location" not in response.headers
    else:
        assert_redirect_error(response, "invalid_request", state=None)


def test_AZ_02_empty_state_is_treated_as_omitted(env, c1):
    response, _ = env.authorize(c1, state="")
    assert response.status_code in (302, 303)
    assert "state" not in location_params(response.headers["Location"])


def test_AZ_03_unknown_response_type_redirects_unsupported_response_type(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, response_type="foo")
    assert_redirect_error(env.authorize_get(query), "unsupported_response_type")


def test_AZ_03_missing_response_type_is_an_error(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, response_type=None)
    response = env.authorize_get(query)
    assert response.status_code != 200
    if response.status_code in (302, 303):
        assert_redirect_error(response, "invalid_request")


STRANGE_STATE = "a b&c=d#e+\u00fc%20/?="


def test_AZ_04_state_is_echoed_exactly_on_success(env, c1):
    response, _ = env.authorize(c1, state=STRANGE_STATE)
    params = location_params(response.headers["Location"])
    assert params["state"] == STRANGE_STATE and params["code"]


def test_AZ_04_state_is_echoed_exactly_on_access_denied(env, c1):
    response, _ = env.authorize(c1, approve=False, state=STRANGE_STATE)
    assert_redirect_error(response, "access_denied", state=STRANGE_STATE)


def test_AZ_04_state_is_echoed_exactly_on_a_redirected_error(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, scope="no-such-scope", state=STRANGE_STATE)
    assert_redirect_error(env.authorize_get(query), "invalid_scope", state=STRANGE_STATE)


def test_AZ_04_no_state_in_response_without_state(env, c1):
    response, _ = env.authorize(c1, state=None)
    assert "state" not in location_params(response.headers["Location"])


def test_AZ_05_iss_in_success_response_equals_metadata_issuer(env, c1):
    response, _ = env.authorize(c1)
    assert location_params(response.headers["Location"])["iss"] == issuer(env)


def test_AZ_05_iss_in_access_denied_response(env, c1):
    response, _ = env.authorize(c1, approve=False)
    params = assert_redirect_error(response, "access_denied")
    assert params["iss"] == issuer(env)


def test_AZ_05_iss_in_redirected_error_response(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, response_type="foo")
    params = assert_redirect_error(env.authorize_get(query), "unsupported_response_type")
    assert params["iss"] == issuer(env)


def test_AZ_05_issuer_is_an_url_without_query_or_fragment(env):
    value = issuer(env)
    assert value.startswith(("https://", "http://localhost"))
    assert "?" not in value and "#" not in value


def frame_protected(response):
    xfo = response.headers.get("X-Frame-Options", "").upper()
    csp = response.headers.get("Content-Security-Policy", "")
    return xfo in ("DENY", "SAMEORIGIN") and re.search(r"frame-ancestors\s+('none'|'self')", csp)


def test_AZ_06_consent_page_cannot_be_framed(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    assert frame_protected(page), dict(page.headers)


def test_AZ_06_error_page_cannot_be_framed(env, c1):
    env.login()
    response = env.authorize_get({"response_type": "code", "client_id": "nope"})
    assert response.status_code == 400
    assert frame_protected(response), dict(response.headers)


def test_AZ_07_consent_post_without_csrf_token_issues_no_code(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    form = consent_form(page.get_data(as_text=True))
    csrf_names = tuple(f.name for f in form.controls if "csrf" in (f.name or "").lower())
    assert csrf_names, form.controls
    response = env.post_consent(page, drop=csrf_names)
    assert response.status_code in (400, 403), response.status_code
    assert "code=" not in response.headers.get("Location", "")


def test_AZ_07_csrf_token_of_another_session_is_refused(env, c1):
    other = env.fresh_browser()
    env.login("bob", http=other)
    other_page, _ = env.consent_page(c1, http=other)
    other_form = consent_form(other_page.get_data(as_text=True))
    stolen = [(f.name, f.value) for f in other_form.controls
              if "csrf" in (f.name or "").lower()]
    env.login()
    page, _ = env.consent_page(c1)
    response = env.post_consent(page, drop=tuple(n for n, _ in stolen), overrides=stolen)
    assert response.status_code in (400, 403), response.status_code
    assert "code=" not in response.headers.get("Location", "")


@pytest.mark.parametrize("extra", [{"confirm": "yes"}, {"allow": "yes"}, {"approve": "1"},
                                   {"submit": "Allow"}, {"authorize": "true"}])
def test_AZ_07_get_never_grants(env, c1, extra):
    env.login()
    page, _ = env.consent_page(c1, **extra)
    assert page.status_code == 200
    assert "Location" not in page.headers


def test_AZ_07_tampered_hidden_fields_do_not_change_the_grant(env, c1, c2):
    env.login()
    page, verifier = env.consent_page(c1, redirect_uri=REG, scope="profile")
    response = env.post_consent(page, overrides=[
        ("scope", "profile read write"), ("redirect_uri", "https://evil.example/cb"),
        ("client_id", c2.client_id), ("code_challenge", "A" * 43),
        ("code_challenge_method", "plain"), ("response_type", "token"),
    ])
    location = response.headers.get("Location", "")
    assert "evil" not in location and "access_token" not in location
    if response.status_code in (400, 403):
        return  # rejected outright: fine
    params = location_params(location)
    assert location.startswith(REG + "?")
    data = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REG,
            "code_verifier": verifier}
    token = env.token(data, c1.auth())
    assert token.status_code == 200, token.get_data(as_text=True)
    assert token.get_json().get("scope", "profile").split() == ["profile"]


def test_AZ_07_consent_post_with_a_different_query_is_revalidated(env, c1):
    env.login()
    page, _ = env.consent_page(c1, scope="profile")
    query, _ = env.authorize_params(c1, redirect_uri="https://evil.example/cb")
    response = env.post_consent(page, query=urlencode(query))
    assert "evil" not in response.headers.get("Location", "")
    assert response.status_code == 400


def test_AZ_08_public_client_consent_is_asked_again(env, p1):
    first, _ = env.authorize(p1)
    assert "code" in location_params(first.headers["Location"])
    again, _ = env.consent_page(p1)
    assert again.status_code == 200
    assert "Location" not in again.headers


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_AZ_09_no_cors_on_the_authorization_endpoint(env, c1, method):
    env.login()
    query, _ = env.authorize_params(c1)
    response = env.http.open(AUTHORIZE + "?" + urlencode(query), method=method,
                             headers={"Origin": "https://evil.example",
                                      "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_AZ_10_consent_page_sends_no_referrer_and_loads_nothing_third_party(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    assert page.headers.get("Referrer-Policy") == "no-referrer"
    assert not THIRD_PARTY.search(page.get_data(as_text=True))


def test_AZ_10_error_page_sends_no_referrer_and_loads_nothing_third_party(env):
    response = env.authorize_get({"response_type": "code", "client_id": "nope"})
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    assert not THIRD_PARTY.search(response.get_data(as_text=True))


def test_AZ_10_consent_and_error_pages_are_not_cached(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    error = env.authorize_get({"response_type": "code", "client_id": "nope"})
    for response in (page, error):
        assert "no-store" in response.headers.get("Cache-Control", "")


SCRIPT = "<script>alert(1)</script>"


def test_AZ_12_error_page_escapes_reflected_input(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, redirect_uri="https://evil.example/" + SCRIPT,
                                    state=SCRIPT)
    query["client_id"] = SCRIPT
    body = env.authorize_get(query).get_data(as_text=True)
    assert SCRIPT not in body and "<script>" not in body


def test_AZ_12_consent_page_escapes_client_name(env):
    client = env.clients.create(name=SCRIPT)
    env.login()
    page, _ = env.consent_page(client)
    assert SCRIPT not in page.get_data(as_text=True)


def test_AZ_12_reflected_error_description_keeps_the_rfc_charset(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, scope='pro"file \u00fc\\ read')
    response = env.authorize_get(query)
    params = location_params(response.headers.get("Location", "?"))
    description = params.get("error_description", "")
    assert re.fullmatch(r"[\x20-\x21\x23-\x5B\x5D-\x7E]*", description), description


def test_AZ_07_extra_scope_values_in_the_consent_post_are_not_granted(env, c1):
    env.login()
    page, verifier = env.consent_page(c1, scope="profile")
    response = env.post_consent(page, overrides=[("scope", "write"), ("scope", "read"),
                                                 ("scope", "admin")])
    if response.status_code in (400, 403):
        return
    code = location_params(response.headers["Location"])["code"]
    token = env.token({"grant_type": "authorization_code", "code": code, "redirect_uri": REG,
                       "code_verifier": verifier}, c1.auth())
    assert token.status_code == 200
    assert token.get_json().get("scope", "profile").split() == ["profile"]
    assert env.api(token.get_json()["access_token"], "/api/write").status_code == 403


def test_AZ_07_unchecked_scope_is_not_granted(env, c1):
    env.login()
    page, verifier = env.consent_page(c1, scope="profile write")
    response = env.post_consent(page, uncheck=("write",))
    code = location_params(response.headers["Location"])["code"]
    token = env.token({"grant_type": "authorization_code", "code": code, "redirect_uri": REG,
                       "code_verifier": verifier}, c1.auth()).get_json()
    assert env.api(token["access_token"], "/api/write").status_code == 403


def test_AZ_03_client_not_registered_for_the_code_flow_gets_unauthorized_client(env):
    client = env.clients.create(grant_types=["implicit"], public=True)
    env.login()
    query, _ = env.authorize_params(client)
    response = env.authorize_get(query)
    assert response.status_code in (302, 303)
    params = location_params(response.headers["Location"])
    assert params["error"] in ("unauthorized_client", "unsupported_response_type")
    assert "code" not in params


def test_AZ_07_session_cookie_is_samesite_and_httponly(env):
    response = env.fresh_browser().post("/login", data={
        "username": "alice", "password": ALICE_PASSWORD + "alice"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "SameSite=Lax" in cookie or "SameSite=Strict" in cookie, cookie
    assert "HttpOnly" in cookie, cookie


@pytest.mark.parametrize("approve", [True, False])
def test_AZ_12_state_with_line_breaks_cannot_split_the_redirect(env, c1, approve):
    state = "a\r\nSet-Cookie: pwned=1\r\n\r\n<b>x"
    response, _ = env.authorize(c1, approve=approve, state=state)
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location
    assert "pwned" not in response.headers.get("Set-Cookie", "")
    assert location_params(location)["state"] == state


def test_AZ_12_state_with_line_breaks_on_an_error_redirect(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, scope="nope", state="a\r\nX-Injected: 1")
    response = env.authorize_get(query)
    assert "X-Injected" not in response.headers
    assert location_params(response.headers["Location"])["state"] == "a\r\nX-Injected: 1"


def test_AZ_05_iss_in_the_fragment_of_an_implicit_response(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "implicit"])
    client = env.clients.create(public=True, grant_types=["implicit"])
    response, _ = env.authorize(client, response_type="token", pkce=False)
    fragment = fragment_params(response.headers["Location"])
    issuer_value = env.http.get(METADATA).get_json()["issuer"]
    assert fragment["iss"] == [issuer_value]
    assert "iss=" not in response.headers["Location"].split("#")[0]
