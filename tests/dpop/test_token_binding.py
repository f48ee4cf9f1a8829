"""RFC 9449 §5, §6, §10: what a proof at the token endpoint binds, and what a bound grant
then demands: token_type DPoP, cnf.jkt in introspection and JWT access tokens, public
clients' refresh tokens, dpop_jkt on the authorization request, dpop_bound_access_tokens,
OAUTH2_PROVIDER_REQUIRE_DPOP, and the metadata that says so."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import jose
from tests.dpop.conftest import TOKEN_URL, Caller, make_app, stored_jkt
from tests.dpop.dpop_support import ProofKey


@pytest.fixture
def jwt_app(test_database, tables):
    app = make_app(test_database, ACCESS_TOKEN_FORMAT="jwt",
                   SIGNING_KEYS={"keys": [jose.generate_key("ES256")]})
    yield app
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_code_exchange_with_a_proof_issues_a_dpop_token(caller, key):
    answer = caller.login(key)
    assert answer.status_code == 200, answer.json
    assert answer.json["token_type"] == "DPoP"
    claims = caller.introspect(answer.json["access_token"])
    assert claims["cnf"] == {"jkt": key.jkt}
    assert claims["token_type"] == "DPoP"


def test_without_a_proof_the_token_stays_a_bearer_token(caller):
    answer = caller.login()
    assert answer.json["token_type"] == "Bearer"
    assert "cnf" not in caller.introspect(answer.json["access_token"])


def test_client_credentials_token_is_bound(caller, key):
    token = caller.client_credentials(key).json["access_token"]
    assert caller.introspect(token)["cnf"] == {"jkt": key.jkt}


def test_jwt_access_token_carries_cnf_jkt(jwt_app, key):
    caller = Caller(jwt_app)
    answer = caller.login(key)
    assert answer.json["token_type"] == "DPoP"
    _, claims = jose.verify(answer.json["access_token"],
                            jwt_app.config["OAUTH2_PROVIDER_SIGNING_KEYS"]["keys"])
    assert claims["cnf"] == {"jkt": key.jkt}
    assert caller.call(answer.json["access_token"], key).status_code == 200
    refused = caller.call(answer.json["access_token"], None, scheme="Bearer")
    assert refused.status_code == 401


def test_public_client_refresh_token_is_bound_to_the_key(public_caller, key):
    tokens = public_caller.login(key).json
    refreshed = public_caller.refresh(tokens["refresh_token"], key)
    assert refreshed.status_code == 200, refreshed.json
    assert refreshed.json["token_type"] == "DPoP"
    # The refreshed token stays bound to the same key.
    assert stored_jkt(public_caller.app, refreshed.json["access_token"]) == key.jkt


def test_public_client_refresh_with_another_key_fails(public_caller, key):
    tokens = public_caller.login(key).json
    answer = public_caller.refresh(tokens["refresh_token"], ProofKey())
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_grant"


def test_public_client_refresh_without_a_proof_fails(public_caller, key):
    tokens = public_caller.login(key).json
    answer = public_caller.refresh(tokens["refresh_token"], None)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_dpop_proof"
    # Still usable with the right key afterwards: the refusal consumed nothing.
    assert public_caller.refresh(tokens["refresh_token"], key).status_code == 200


def test_confidential_client_refresh_token_is_not_bound_but_the_new_token_is(caller, key):
    tokens = caller.login(key).json
    other = ProofKey()
    answer = caller.refresh(tokens["refresh_token"], other)
    assert answer.status_code == 200, answer.json
    assert caller.introspect(answer.json["access_token"])["cnf"] == {"jkt": other.jkt}


def test_dpop_jkt_on_the_authorization_request_binds_the_code(caller, key):
    code = caller.code(dpop_jkt=key.jkt)
    params = caller.code_params(code)
    assert caller.token(params, ProofKey().proof("POST", TOKEN_URL)).json["error"] == (
        "invalid_grant")


def test_dpop_jkt_bound_code_needs_a_proof(caller, key):
    code = caller.code(dpop_jkt=key.jkt)
    answer = caller.token(caller.code_params(code))
    assert answer.json["error"] == "invalid_dpop_proof"


def test_dpop_jkt_bound_code_with_its_key_is_exchanged(caller, key):
    code = caller.code(dpop_jkt=key.jkt)
    answer = caller.token(caller.code_params(code), key.proof("POST", TOKEN_URL))
    assert answer.status_code == 200, answer.json
    assert caller.introspect(answer.json["access_token"])["cnf"] == {"jkt": key.jkt}


@pytest.mark.parametrize("value", ["short", "x" * 43 + "!", "a" * 44])
def test_a_malformed_dpop_jkt_is_invalid_request(caller, value):
    from urllib.parse import urlencode

    from tests.helpers import pkce_pair, query_params
    from tests.resources.resources_support import REDIRECT

    _, challenge = pkce_pair()
    answer = caller.http.get("/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": caller.client_id, "redirect_uri": REDIRECT,
        "scope": "profile", "code_challenge": challenge, "code_challenge_method": "S256",
        "dpop_jkt": value}))
    assert answer.status_code == 302
    assert query_params(answer.headers["Location"])["error"] == ["invalid_request"]


def test_a_dpop_jkt_in_the_token_request_body_binds_nothing(caller, key):
    # Only a proof binds: a body parameter of the same name is not read.
    answer = caller.token([("grant_type", "client_credentials"), ("dpop_jkt", key.jkt)])
    assert answer.json["token_type"] == "Bearer"
    assert "cnf" not in caller.introspect(answer.json["access_token"])


def test_dpop_bound_access_tokens_client_must_send_a_proof(provider_app, key):
    caller = Caller(provider_app, dpop_bound_access_tokens=True)
    answer = caller.client_credentials(None)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_request"
    assert caller.client_credentials(key).status_code == 200


def test_require_dpop_makes_a_proof_mandatory_for_every_client(test_database, tables, key):
    app = make_app(test_database, REQUIRE_DPOP=True)
    try:
        caller = Caller(app)
        assert caller.client_credentials(None).json["error"] == "invalid_request"
        assert caller.client_credentials(key).json["token_type"] == "DPoP"
        meta = app.test_client().get("/.well-known/oauth-protected-resource").json
        assert meta["dpop_bound_access_tokens_required"] is True
    finally:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()


def test_authorization_server_metadata_lists_the_proof_algorithms(provider_app):
    meta = provider_app.test_client().get("/.well-known/oauth-authorization-server").json
    assert meta["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA", "PS256", "RS256"]


def test_protected_resource_metadata_lists_the_proof_algorithms(provider_app):
    meta = provider_app.test_client().get("/.well-known/oauth-protected-resource").json
    assert meta["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA", "PS256", "RS256"]
    assert "dpop_bound_access_tokens_required" not in meta
