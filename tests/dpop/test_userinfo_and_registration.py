"""DPoP at the UserInfo endpoint (a protected resource, RFC 9449 §7) and the
``dpop_bound_access_tokens`` client metadata through dynamic registration (§5.2)."""

from __future__ import annotations

import json

import pytest

from flask_oauth_provider.core import jose
from tests.dpop.conftest import TOKEN_URL, Caller, make_app
from tests.dpop.dpop_support import ProofKey

USERINFO = "http://localhost/oauth/userinfo"


@pytest.fixture
def openid_app(test_database, tables):
    app = make_app(test_database, OPENID=True,
                   SIGNING_KEYS={"keys": [jose.generate_key("RS256")]})
    yield app
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_userinfo_accepts_a_bound_token_with_its_proof_only(openid_app):
    key = ProofKey()
    caller = Caller(openid_app, scopes=["openid", "profile"])
    token = caller.login(key, scope="openid profile", nonce="n").json["access_token"]
    ok = caller.call(token, key, url=USERINFO)
    assert ok.status_code == 200, ok.json
    assert ok.json["sub"]
    as_bearer = caller.call(token, None, scheme="Bearer", url=USERINFO)
    assert as_bearer.status_code == 401
    assert as_bearer.json["error"] == "invalid_token"
    other = caller.call(token, ProofKey(), url=USERINFO)
    assert other.status_code == 401
    no_proof = caller.call(token, None, url=USERINFO)
    assert no_proof.json["error"] == "invalid_dpop_proof"
    assert no_proof.headers["WWW-Authenticate"].startswith('DPoP error="invalid_dpop_proof"')


@pytest.fixture
def registration_app(test_database, tables):
    app = make_app(test_database, DYNAMIC_REGISTRATION="open",
                   REGISTRATION_GRANT_TYPES=["authorization_code", "client_credentials"],
                   SCOPES={"profile": "Your profile"})
    yield app
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def register(app, **metadata):
    return app.test_client().post("/oauth/register", data=json.dumps(metadata),
                                  headers={"Content-Type": "application/json"})


def test_registered_dpop_bound_access_tokens_is_enforced(registration_app):
    answer = register(registration_app, grant_types=["client_credentials"], scope="profile",
                      dpop_bound_access_tokens=True)
    assert answer.status_code == 201, answer.json
    assert answer.json["dpop_bound_access_tokens"] is True
    from tests.helpers import FORM, basic_auth

    http = registration_app.test_client()
    auth = basic_auth(answer.json["client_id"], answer.json["client_secret"])
    refused = http.post("/oauth/token", data="grant_type=client_credentials",
                        headers={**FORM, **auth})
    assert refused.status_code == 400
    assert refused.json["error"] == "invalid_request"
    key = ProofKey()
    bound = http.post("/oauth/token", data="grant_type=client_credentials",
                      headers={**FORM, **auth, "DPoP": key.proof("POST", TOKEN_URL)})
    assert bound.status_code == 200, bound.json
    assert bound.json["token_type"] == "DPoP"


def test_dpop_bound_access_tokens_must_be_a_boolean(registration_app):
    answer = register(registration_app, grant_types=["client_credentials"],
                      dpop_bound_access_tokens="yes")
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_client_metadata"
