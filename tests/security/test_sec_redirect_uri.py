"""Redirect URI validation and open redirectors (RU-01 .. RU-13).

RFC 6749 §3.1.2, RFC 9700 §2.1 / §4.1.3 / §4.11.2, RFC 8252 §7.3, OAuth 2.1 §2.3.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.helpers import location_params
from tests.security.sec_app import LOOPBACK_REG, REG, REG2

EVIL = "https://evil.example/cb"

#: RU-01 mutations of REG (https://client.example/cb) and the §2.4 path-confusion payloads.
REG_MUTATIONS = [
    REG + "/",
    "https://client.example/CB",
    "https://CLIENT.example/cb",
    REG + "?x=1",
    REG + "?code=attackercode",
    REG + "#x",
    "http://client.example/cb",
    "https://client.example:443/cb",
    "https://client.example%2Fcb",
    "https://client.example/%63b",
    REG + "/../evil",
    REG + "/..%2Fevil",
    REG + "%2F..%2Fevil",
    REG + "/%2e%2e%2Fevil",
    REG + "/;/../../evil",
    REG + "%0A%0D/../../evil",
    "https://client.example@evil.example/cb",
    "https://client.example%40evil.example/cb",
    "https://a@b@evil.example/cb",
    "https://client.example.evil.example/cb",
    "https://client.example/cb/../../blog",
    REG + "%252F",
    " " + REG,
    REG + " ",
    REG + "\x00",
]
CONFUSION_SUFFIXES = [
    "/FAKEPATH", "%2FFAKEPATH", "/..%2FFAKEPATH", "/%2e%2e%2FFAKEPATH", "/..%252FFAKEPATH",
    "/%252e%252e%252FFAKEPATH", "/FAKEPATH/..", "%2FFAKEPATH%2F..", "%2FFAKEPATH%2F%2e%2e",
    "%252FFAKEPATH%252F..", "%252FFAKEPATH%252F%252e%252e", "/;/../../FAKEPATH",
    "/%3B/../../FAKEPATH", "%3B%2F..%2F..%2FFAKEPATH", "%3B%2F%2e%2e%2F%2F%2e%2eFAKEPATH",
    "%253B%252F..%252F..%252FFAKEPATH", "%0A%0D/../../FAKEPATH", "%0A%0D%2F..%2F..%2FFAKEPATH",
    "%0A%0D%2F%2e%2e%2F%2F%2e%2eFAKEPATH", "%250A%250D%252F..%252F..%252FFAKEPATH",
]


def assert_no_redirect(response, what=""):
    """RFC 6749 §4.1.2.1: an invalid client or redirect URI is shown to the user, not redirected."""
    assert response.status_code == 400, (what, response.status_code,
                                         response.headers.get("Location"))
    assert "Location" not in response.headers, what


def authorize_query(env, client, redirect_uri, **params):
    query, _ = env.authorize_params(client, redirect_uri=redirect_uri, **params)
    return query


@pytest.mark.parametrize("mutation", REG_MUTATIONS)
def test_RU_01_redirect_uri_mutation_is_refused_without_redirect(env, c1, mutation):
    env.login()
    response = env.authorize_get(authorize_query(env, c1, mutation))
    assert_no_redirect(response, mutation)


@pytest.mark.parametrize("suffix", CONFUSION_SUFFIXES)
def test_RU_01_path_confusion_payload_is_refused_without_redirect(env, c1, suffix):
    env.login()
    # The payloads are already percent-encoded: put them into the query string raw.
    query = (f"response_type=code&client_id={c1.client_id}&scope=profile&state=s"
             f"&redirect_uri=https%3A%2F%2Fclient.example%2Fcb{suffix}")
    response = env.authorize_get(query)
    assert_no_redirect(response, suffix)


def test_RU_01_exact_registered_uri_is_accepted(env, c1):
    env.login()
    page, _ = env.consent_page(c1, redirect_uri=REG)
    assert page.status_code == 200


def test_RU_02_client_without_redirect_uri_never_redirects(env):
    try:
        client = env.clients.create(public=True, redirect_uris=[])
    except ValueError:
        return  # registration refused: the requirement holds
    env.login()
    query, _ = env.authorize_params(client, redirect_uri=None)
    assert_no_redirect(env.authorize_get(query))
    query, _ = env.authorize_params(client, redirect_uri=EVIL)
    assert_no_redirect(env.authorize_get(query))


def test_RU_03_loopback_redirect_accepts_any_port(env, n1):
    uri = "http://127.0.0.1:51004/cb"
    response, _ = env.authorize(n1, redirect_uri=uri)
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.split("?", 1)[0] == uri
    assert "code" in location_params(location)


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:51004/cb?x=1",
    "http://127.0.0.1:51004/other",
    "http://127.0.0.1:51004/cb/",
    "http://localhost:51004/cb",
    "http://[::1]:51004/cb",
    "https://127.0.0.1:51004/cb",
    "http://127.0.0.1.evil.example:51004/cb",
    "http://127.0.0.1:80@evil.example/cb",
    "http://evil.example@127.0.0.1:51004/cb",
    "http://127.0.0.2:51004/cb",
    "http://127.0.0.1:51004/cb#x",
    "http://127.0.0.1:notaport/cb",
])
def test_RU_03_loopback_exception_keeps_scheme_host_path_and_query_exact(env, n1, uri):
    env.login()
    assert_no_redirect(env.authorize_get(authorize_query(env, n1, uri)), uri)


def test_RU_03_loopback_exception_never_applies_to_a_non_loopback_uri(env, c1):
    env.login()
    response = env.authorize_get(authorize_query(env, c1, "https://client.example:8443/cb"))
    assert_no_redirect(response)


def test_RU_03_ipv6_loopback_accepts_any_port(env):
    client = env.clients.create(public=True, redirect_uris=["http://[::1]/cb"])
    response, _ = env.authorize(client, redirect_uri="http://[::1]:61023/cb")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("http://[::1]:61023/cb?")


@pytest.mark.parametrize("uri", ["http://client.example/cb", "http://192.168.1.10/cb"])
def test_RU_04_http_redirect_uri_registration_is_refused(env, uri):
    with pytest.raises(ValueError):
        env.clients.create(redirect_uris=[uri])


def test_RU_04_http_loopback_redirect_uri_registration_is_allowed(env):
    client = env.clients.create(public=True, redirect_uris=[LOOPBACK_REG])
    assert client.redirect_uris == [LOOPBACK_REG]


@pytest.mark.parametrize("uri", ["https://c.example/cb#f", "/relative/cb", "c.example/cb"])
def test_RU_05_redirect_uri_must_be_absolute_without_fragment(env, uri):
    with pytest.raises(ValueError):
        env.clients.create(redirect_uris=[uri])


def test_RU_05_registered_query_is_kept_when_params_are_added(env):
    uri = "https://c.example/cb?tenant=a"
    client = env.clients.create(public=True, redirect_uris=[uri])
    response, _ = env.authorize(client, redirect_uri=uri)
    assert response.status_code in (302, 303)
    params = location_params(response.headers["Location"])
    assert params["tenant"] == "a"
    assert params["code"] and params["state"] == "st-123"


@pytest.mark.parametrize("uri", [
    "myapp:/cb", "javascript:alert(1)", "data:text/html,hi", "vbscript:x", "file:///etc/passwd",
    "blob:https://c.example/x",
])
def test_RU_06_dangerous_or_dotless_schemes_are_refused(env, uri):
    with pytest.raises(ValueError):
        env.clients.create(public=True, redirect_uris=[uri])


def test_RU_06_private_use_scheme_with_a_dot_is_allowed(env):
    client = env.clients.create(public=True, redirect_uris=["com.example.app:/cb"])
    assert client.redirect_uris == ["com.example.app:/cb"]


@pytest.mark.parametrize("client_id", ["unknown-client", "", None])
def test_RU_07_unknown_or_missing_client_id_never_redirects(env, c1, client_id):
    env.login()
    query = {"response_type": "code", "redirect_uri": EVIL, "state": "s", "scope": "profile"}
    if client_id is not None:
        query["client_id"] = client_id
    assert_no_redirect(env.authorize_get(query))


def test_RU_07_unknown_client_id_never_redirects_anonymous_user(env):
    query = {"response_type": "code", "client_id": "nope", "redirect_uri": EVIL}
    assert_no_redirect(env.authorize_get(query))


RU_08_CASES = {
    "unsupported_response_type": {"response_type": "foo"},
    "missing_response_type": {"response_type": None},
    "invalid_scope": {"scope": "admin"},
    "unsupported_challenge_method": {"code_challenge_method": "S512"},
    "plain_challenge_method": {"code_challenge_method": "plain"},
    "implicit_disabled": {"response_type": "token"},
    "bad_challenge": {"code_challenge": "short"},
}


@pytest.mark.parametrize("case", sorted(RU_08_CASES))
def test_RU_08_error_paths_never_redirect_to_an_unregistered_uri(env, c1, p1, case):
    env.login()
    for client in (c1, p1):
        query = authorize_query(env, client, EVIL, **RU_08_CASES[case])
        assert_no_redirect(env.authorize_get(query), (case, client))


def test_RU_08_missing_code_challenge_never_redirects_to_an_unregistered_uri(env, p1):
    env.login()
    query = authorize_query(env, p1, EVIL, pkce=False)
    assert_no_redirect(env.authorize_get(query))


def test_RU_08_duplicate_parameter_never_redirects_to_an_unregistered_uri(env, c1):
    env.login()
    query = authorize_query(env, c1, EVIL)
    assert_no_redirect(env.authorize_get(urlencode(query) + "&scope=read"))


def test_RU_08_anonymous_user_never_redirected_to_an_unregistered_uri(env, c1):
    response = env.authorize_get(authorize_query(env, c1, EVIL))
    assert "evil" not in response.headers.get("Location", "")
    assert response.status_code == 400


@pytest.mark.parametrize("uri", ["https://[::::()]/cb", "http://[", "https://" + "a" * 5000,
                                 "https://client.example/cb\r\nX-Injected: 1", "%zz", "::"])
def test_RU_08_malformed_redirect_uri_is_refused_without_redirect(env, c1, uri):
    env.login()
    response = env.authorize_get(authorize_query(env, c1, uri))
    assert_no_redirect(response, uri)
    assert "X-Injected" not in response.headers


def test_RU_09_redirect_uri_required_when_several_are_registered(env, c1):
    assert set(c1.redirect_uris) == {REG, REG2}
    env.login()
    assert_no_redirect(env.authorize_get(authorize_query(env, c1, None)))


def test_RU_09_redirect_uri_optional_when_one_is_registered(env, p1):
    response, _ = env.authorize(p1, redirect_uri=None)
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith(REG + "?")


def test_RU_10_token_request_with_another_registered_redirect_uri_is_invalid_grant(env, c1):
    grant = env.get_code(c1, redirect_uri=REG)
    response = env.exchange(c1, grant, redirect_uri=REG2)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_RU_10_token_request_without_the_bound_redirect_uri_is_invalid_grant(env, c1):
    grant = env.get_code(c1, redirect_uri=REG)
    response = env.exchange(c1, grant, redirect_uri=None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_RU_10_code_bound_to_its_redirect_uri_is_redeemed_with_it(env, c1):
    grant = env.get_code(c1, redirect_uri=REG2)
    assert env.exchange(c1, grant).status_code == 200


def test_RU_12_consent_post_answers_302_or_303_never_307(env, c1):
    for approve in (True, False):
        response, _ = env.authorize(c1, approve=approve)
        assert response.status_code in (302, 303), response.status_code


def test_RU_13_anonymous_user_gets_login_not_a_client_redirect(env, c1):
    query, _ = env.authorize_params(c1)
    response = env.authorize_get(query)
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        assert location.startswith("/login") or location.startswith("http://localhost/login"), (
            location)
        assert "code=" not in location.split("?", 1)[0]
    else:
        assert response.status_code in (200, 401)
    assert not response.headers.get("Location", "").startswith(REG)


def test_RU_13_login_round_trip_returns_to_the_authorization_request(env, c1):
    query, _ = env.authorize_params(c1)
    response = env.authorize_get(query)
    assert response.status_code == 302
    assert "next=" in response.headers["Location"]
    env.login()
    assert env.authorize_get(query).status_code == 200


@pytest.mark.parametrize("uri", ["HTTPS://client.example/cb", "https://client.example/c%62",
                                 "https://client.\uff45xample/cb", "https://xn--client-.example/cb",
                                 "https://client.example./cb", "https://client.example/cb?"])
def test_RU_01_scheme_case_encoding_and_unicode_variants_are_refused(env, c1, uri):
    env.login()
    assert_no_redirect(env.authorize_get(authorize_query(env, c1, uri)), uri)


@pytest.mark.parametrize("redirect_uri", [EVIL, REG])
def test_RU_08_prompt_none_for_an_anonymous_user_never_redirects_a_code(env, c1, redirect_uri):
    response = env.authorize_get(authorize_query(env, c1, redirect_uri, prompt="none"))
    location = response.headers.get("Location", "")
    assert "evil" not in location and "code=" not in location
    if redirect_uri == EVIL:
        assert_no_redirect(response)
    elif location.startswith(REG):
        assert location_params(location)["error"] in ("login_required", "interaction_required")


def test_RU_10_code_obtained_without_redirect_uri_refuses_another_one_at_the_token_endpoint(
        env, p1):
    grant = env.get_code(p1, redirect_uri=None)
    response = env.exchange(p1, grant, redirect_uri=EVIL)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert env.exchange(p1, grant, redirect_uri=None).status_code == 200
