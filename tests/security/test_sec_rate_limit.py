"""RL-01 / CA-06 / AC-08 / IN-07 / RV-08: rate limiting failed client authentication.

Off by default (a lockout is also a denial-of-service lever, RFC 6819 §5.1.4.2.3); the
documented integration uses Flask-Limiter keyed by ``client_id`` and counts only failed
authentications (401). This test runs the code of the documented recipe
(``limit_failed_client_auth`` below, as in docs/security.rst) and skips where
Flask-Limiter is not installed.
"""

from __future__ import annotations

import pytest
from flask import jsonify, request

from flask_oauth_provider.http import presented_client_id
from tests.helpers import basic_auth

flask_limiter = pytest.importorskip("flask_limiter")


# -- the documented recipe ---------------------------------------------------------------------


def client_id_key() -> str:
    """The client a token/revoke/introspect request names, read as the endpoints read it."""
    client_id = presented_client_id()
    return "client:" + client_id if client_id else "ip:" + (request.remote_addr or "")


def failed(response) -> bool:
    """A failed client authentication (401), or a refused code, refresh token or password
    (400 ``invalid_grant``): the attempts worth counting against guessing."""
    return response.status_code == 401 or (
        response.status_code == 400 and b'"invalid_grant"' in response.get_data())


def limit_failed_client_auth(app, limiter, limit="5 per minute"):
    """Allow ``limit`` failed attempts per client_id at the token, revocation and
    introspection endpoints; past it, every request for that client gets 429 until the
    window has passed."""
    failures = limiter.shared_limit(limit, scope="oauth-client-auth", key_func=client_id_key,
                                    deduct_when=failed)
    for endpoint in ("oauth2_provider.token", "oauth2_provider.revoke",
                     "oauth2_provider.introspect"):
        app.view_functions[endpoint] = failures(app.view_functions[endpoint])

    @app.errorhandler(429)
    def too_many(error):
        response = jsonify(error="temporarily_unavailable",
                           error_description="Too many failed attempts; retry later.")
        response.status_code = 429
        response.headers["Cache-Control"] = "no-store"
        return response


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture
def limited(env):
    limiter = flask_limiter.Limiter(flask_limiter.util.get_remote_address, app=env.app,
                                    storage_uri="memory://", headers_enabled=True)
    limit_failed_client_auth(env.app, limiter, "5 per minute")
    return env


def wrong(client):
    return basic_auth(client.client_id, "wrong-secret")


def test_CA_06_RL_01_failed_client_authentications_are_limited_per_client(limited, c1):
    statuses = [limited.token({"grant_type": "client_credentials"}, wrong(c1)).status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    blocked = limited.client_credentials(c1)
    assert blocked.status_code == 429
    assert blocked.get_json()["error"] == "temporarily_unavailable"
    assert "Retry-After" in blocked.headers


def test_RL_01_successful_authentications_are_not_counted(limited, c1):
    for _ in range(8):
        assert limited.client_credentials(c1).status_code == 200


def test_RL_01_other_clients_keep_working_during_a_lockout(limited, c1, c2):
    for _ in range(6):
        limited.token({"grant_type": "client_credentials"}, wrong(c1))
    assert limited.client_credentials(c2).status_code == 200


def test_RL_01_body_credentials_count_too(limited, c1):
    for _ in range(5):
        limited.token({"grant_type": "client_credentials", "client_id": c1.client_id,
                       "client_secret": "x"})
    assert limited.client_credentials(c1).status_code == 429


def test_IN_07_failed_introspection_calls_count_and_are_limited(limited, c1):
    for _ in range(5):
        assert limited.post("/oauth/introspect", {"token": "x"}, wrong(c1)).status_code == 401
    assert limited.introspect(c1, "x").status_code == 429


def test_RV_08_failed_revocation_calls_count_and_are_limited(limited, c1):
    for _ in range(5):
        assert limited.post("/oauth/revoke", {"token": "x"}, wrong(c1)).status_code == 401
    assert limited.revoke(c1, "x").status_code == 429


def test_RL_01_the_limit_is_shared_by_token_revocation_and_introspection(limited, c1):
    for path in ("/oauth/introspect", "/oauth/revoke", "/oauth/token", "/oauth/revoke",
                 "/oauth/token"):
        assert limited.post(path, {"token": "x", "grant_type": "client_credentials"},
                            wrong(c1)).status_code == 401
    assert limited.client_credentials(c1).status_code == 429


def test_rate_limiting_is_off_by_default(env, c1):
    for _ in range(12):
        assert env.token({"grant_type": "client_credentials"}, wrong(c1)).status_code == 401
    assert env.client_credentials(c1).status_code == 200


def test_AC_08_invalid_code_submissions_are_limited(limited, c1):
    for i in range(5):
        response = limited.token({"grant_type": "authorization_code", "code": f"guess-{i}",
                                  "redirect_uri": "https://client.example/cb"}, c1.auth())
        assert response.get_json()["error"] == "invalid_grant"
    assert limited.client_credentials(c1).status_code == 429
