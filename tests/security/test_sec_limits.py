"""Input limits (issue 7 "Limits") and transport security (RL-04).

A request-size limit on the OAuth endpoints, and length limits on ``client_id``,
``scope``, ``state``, ``redirect_uri`` and ``code_verifier`` answered with
``invalid_request`` (RFC 6749 §4.1.2.1, §5.2), so that no parameter can make the server
store or echo arbitrary amounts of data. RFC 6749 §10.9 / RFC 9700 §2.6: TLS everywhere.
"""

from __future__ import annotations

import pytest
import requests

from tests.helpers import error_of, location_params
from tests.security.sec_app import TOKEN_ERRORS, assert_oauth_error
from tests.security.sec_flows import INTROSPECT, REVOKE, TOKEN


@pytest.mark.parametrize("path", [TOKEN, REVOKE, INTROSPECT])
def test_oversized_body_is_refused_with_413_json(env, c1, path):
    body = "grant_type=client_credentials&token=x&pad=" + "a" * (70 * 1024)
    response = env.post(path, body, c1.auth())
    assert response.status_code == 413
    assert_oauth_error(response, TOKEN_ERRORS)


def test_request_size_limit_is_configurable(make_env):
    env = make_env(MAX_REQUEST_SIZE=1024)
    client = env.clients.create(grant_types=["client_credentials"])
    assert env.client_credentials(client).status_code == 200
    response = env.client_credentials(client, pad="a" * 2048)
    assert response.status_code == 413


def test_oversized_chunked_body_is_refused(env, c1, live_server):
    def chunks():
        yield b"grant_type=client_credentials&pad="
        for _ in range(80):
            yield b"a" * 1024

    headers = {"Content-Type": "application/x-www-form-urlencoded", **c1.auth()}
    response = requests.post(live_server.url + TOKEN, data=chunks(), headers=headers,
                             timeout=60)
    assert response.status_code in (400, 411, 413)
    assert "access_token" not in response.text


def test_huge_authorization_query_is_refused_cleanly(env, c1):
    env.login()
    query, _ = env.authorize_params(c1, state="s" * 200_000)
    response = env.authorize_get(query)
    assert response.status_code in (400, 414)
    assert "Location" not in response.headers


@pytest.mark.parametrize("param,value", [
    ("client_id", "c" * 1000),
    ("scope", "profile " + "s" * 10_000),
    ("code_verifier", "v" * 1000),
    ("redirect_uri", "https://client.example/cb?" + "r" * 10_000),
], ids=lambda v: v if len(v) < 20 else f"{len(v)}chars")
def test_overlong_token_parameter_is_invalid_request(env, c1, param, value):
    grant = env.get_code(c1)
    data = {"grant_type": "authorization_code", "code": grant.code,
            "redirect_uri": grant.redirect_uri, "code_verifier": grant.verifier}
    data[param] = value
    headers = {} if param == "client_id" else c1.auth()
    response = env.token(data, headers)
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


def test_overlong_client_credentials_scope_is_invalid_request(env, c1):
    response = env.client_credentials(c1, scope="read " * 2000)
    assert response.status_code == 400
    assert error_of(response) == "invalid_request"


@pytest.mark.parametrize("param,value", [
    ("client_id", "c" * 1000),
    ("redirect_uri", "https://client.example/cb?" + "r" * 10_000),
], ids=lambda v: v if len(v) < 20 else f"{len(v)}chars")
def test_overlong_fatal_authorization_parameter_is_refused_without_redirect(env, c1, param,
                                                                            value):
    env.login()
    query, _ = env.authorize_params(c1, **{param: value})
    response = env.authorize_get(query)
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize("param,value", [
    ("state", "s" * 10_000),
    ("scope", "profile " + "s" * 10_000),
    ("code_challenge", "c" * 1000),
], ids=lambda v: v if len(v) < 20 else f"{len(v)}chars")
def test_overlong_authorization_parameter_is_invalid_request(env, c1, param, value):
    env.login()
    query, _ = env.authorize_params(c1, **{param: value})
    response = env.authorize_get(query)
    assert response.status_code in (302, 303, 400), response.status_code
    if response.status_code != 400:
        params = location_params(response.headers["Location"])
        assert params["error"] == "invalid_request"
        assert len(response.headers["Location"]) < 5000


def test_ordinary_long_state_is_still_echoed(env, c1):
    state = "s" * 1000
    response, _ = env.authorize(c1, state=state)
    assert location_params(response.headers["Location"])["state"] == state


def test_RL_04_plain_http_on_a_public_host_is_refused(env, c1):
    response = env.http.post(TOKEN, data="grant_type=client_credentials", headers=c1.auth(),
                             content_type="application/x-www-form-urlencoded",
                             base_url="http://as.example")
    assert response.status_code in (400, 403)
    assert "access_token" not in response.get_data(as_text=True)


def test_RL_04_https_on_a_public_host_is_served(env, c1):
    response = env.http.post(TOKEN, data="grant_type=client_credentials", headers=c1.auth(),
                             content_type="application/x-www-form-urlencoded",
                             base_url="https://as.example")
    assert response.status_code == 200


def test_RL_04_plain_http_protected_view_on_a_public_host_is_refused(env, c1):
    token = env.tokens(c1)["access_token"]
    response = env.fresh_browser().get("/api/me", base_url="http://as.example",
                                       headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 403)


def test_RL_04_plain_http_authorization_page_on_a_public_host_is_refused(env, c1):
    env.login()
    query, _ = env.authorize_params(c1)
    from urllib.parse import urlencode

    response = env.http.get("/oauth/authorize?" + urlencode(query),
                            base_url="http://as.example")
    assert response.status_code in (400, 403)
