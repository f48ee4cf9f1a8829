"""RFC 9449 §7, §9 at the provider's own protected views (require_oauth): the DPoP scheme
with a proof by the bound key, refusals with their error codes and challenges, server
nonces, proof replay; on the one-SELECT short path and on the general path."""

from __future__ import annotations

import logging

import pytest

from tests.dpop.conftest import API_URL, TOKEN_URL, Caller, make_app
from tests.dpop.dpop_support import ProofKey


@pytest.fixture
def bound(caller, key) -> str:
    answer = caller.login(key)
    assert answer.json["token_type"] == "DPoP"
    return answer.json["access_token"]


def challenge(answer) -> str:
    return answer.headers.get("WWW-Authenticate", "")


def test_dpop_scheme_with_a_proof_by_the_bound_key_is_accepted(caller, key, bound):
    answer = caller.call(bound, key)
    assert answer.status_code == 200, answer.json
    assert answer.json == {"user": "alice", "scopes": ["profile"]}


def test_a_bound_token_sent_as_bearer_is_refused(caller, key, bound):
    answer = caller.call(bound, None, scheme="Bearer")
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_token"
    assert challenge(answer).startswith('Bearer error="invalid_token"')
    assert 'DPoP ' in challenge(answer) and 'algs="ES256 EdDSA PS256 RS256"' in challenge(answer)


def test_a_bound_token_sent_as_bearer_with_a_proof_is_refused(caller, key, bound):
    answer = caller.call(bound, key, scheme="Bearer")
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_token"


def test_dpop_scheme_without_a_proof_is_refused(caller, bound):
    answer = caller.call(bound, None)
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_dpop_proof"
    assert challenge(answer).startswith('DPoP error="invalid_dpop_proof"')
    assert "Bearer" in challenge(answer)


def test_a_proof_without_ath_is_refused(caller, key, bound):
    answer = caller.call(bound, key, drop=("ath",))
    assert answer.json["error"] == "invalid_dpop_proof"


def test_a_proof_with_the_ath_of_another_token_is_refused(caller, key, bound):
    answer = caller.call(bound, key, access_token="another-token")
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_dpop_proof"


def test_a_proof_by_another_key_is_refused(caller, bound):
    answer = caller.call(bound, ProofKey())
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_token"


def test_a_proof_for_another_uri_or_method_is_refused(caller, key, bound):
    for htm, htu in (("GET", "http://localhost/api/other"), ("POST", API_URL),
                     ("GET", API_URL + "?q=1")):
        headers = {"Authorization": f"DPoP {bound}",
                   "DPoP": key.proof(htm, htu, access_token=bound)}
        answer = caller.http.get("/api/me", headers=headers)
        assert answer.status_code == 401
        assert answer.json["error"] == "invalid_dpop_proof"


def test_a_replayed_proof_is_refused(caller, key, bound):
    proof = key.proof("GET", API_URL, access_token=bound)
    headers = {"Authorization": f"DPoP {bound}", "DPoP": proof}
    assert caller.http.get("/api/me", headers=headers).status_code == 200
    again = caller.http.get("/api/me", headers=headers)
    assert again.status_code == 401
    assert again.json["error"] == "invalid_dpop_proof"


def test_an_unbound_token_with_the_dpop_scheme_is_refused(caller, key):
    token = caller.login().json["access_token"]
    answer = caller.call(token, key)
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_token"


def test_an_unbound_token_as_bearer_still_works(caller):
    token = caller.login().json["access_token"]
    answer = caller.call(token, None, scheme="Bearer")
    assert answer.status_code == 200
    assert "DPoP" not in challenge(answer)


def test_an_unknown_token_with_the_dpop_scheme_gets_a_dpop_challenge(caller, key):
    answer = caller.call("unknown-token", key)
    assert answer.status_code == 401
    assert 'DPoP error="invalid_token"' in challenge(answer)


def test_insufficient_scope_is_checked_after_the_proof(provider_app, key):
    caller = Caller(provider_app)
    token = caller.login(key, scope="billing").json["access_token"]
    assert caller.call(token, ProofKey()).status_code == 401
    answer = caller.call(token, key)
    assert answer.status_code == 403
    assert answer.json["error"] == "insufficient_scope"


def test_the_general_path_checks_dpop_too(provider_app, key, caplog):
    # An invalid_response handler sends every call down the general path.
    caller = Caller(provider_app)
    token = caller.login(key).json["access_token"]
    provider = provider_app.extensions["oauth2_provider"].provider
    provider.invalid_response(lambda request: ({"refused": request.error}, 401))
    assert caller.call(token, key).status_code == 200
    assert caller.call(token, None, scheme="Bearer").json == {"refused": "invalid_token"}
    assert caller.call(token, ProofKey()).json == {"refused": "invalid_token"}


def test_a_form_body_token_of_a_bound_token_is_refused(caller, key, bound):
    answer = caller.http.post("/api/me", data={"access_token": bound})
    assert answer.status_code in (401, 405)


def test_the_proof_is_not_logged(caller, key, bound, caplog):
    caplog.set_level(logging.DEBUG, logger="flask_oauth_provider")
    proof = key.proof("GET", API_URL, access_token="wrong")
    caller.http.get("/api/me", headers={"Authorization": f"DPoP {bound}", "DPoP": proof})
    assert proof not in caplog.text
    assert bound not in caplog.text


# -- server nonces (§8, §9) ------------------------------------------------------------


@pytest.fixture
def nonce_app(test_database, tables):
    app = make_app(test_database, DPOP_NONCE=True)
    yield app
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


def test_token_endpoint_asks_for_a_nonce_then_accepts_it(nonce_app, key):
    caller = Caller(nonce_app)
    first = caller.client_credentials(key)
    assert first.status_code == 400
    assert first.json["error"] == "use_dpop_nonce"
    nonce = first.headers["DPoP-Nonce"]
    answer = caller.token([("grant_type", "client_credentials")],
                          key.proof("POST", TOKEN_URL, nonce=nonce))
    assert answer.status_code == 200, answer.json
    assert answer.headers["DPoP-Nonce"]


def test_a_wrong_nonce_is_answered_with_the_right_one(nonce_app, key):
    caller = Caller(nonce_app)
    answer = caller.token([("grant_type", "client_credentials")],
                          key.proof("POST", TOKEN_URL, nonce="made-up"))
    assert answer.json["error"] == "use_dpop_nonce"
    assert answer.headers["DPoP-Nonce"] != "made-up"


def test_resource_asks_for_a_nonce_with_401_and_a_dpop_challenge(nonce_app, key):
    caller = Caller(nonce_app)
    params = caller.code_params(caller.code())
    nonce = caller.token(params, key.proof("POST", TOKEN_URL)).headers["DPoP-Nonce"]
    answer = caller.token(params, key.proof("POST", TOKEN_URL, nonce=nonce))
    assert answer.status_code == 200, answer.json
    token = answer.json["access_token"]
    refused = caller.call(token, key)
    assert refused.status_code == 401
    assert 'DPoP error="use_dpop_nonce"' in challenge(refused)
    assert refused.headers["DPoP-Nonce"] == nonce
    assert caller.call(token, key, nonce=nonce).status_code == 200


def test_nonces_agree_across_apps_with_the_same_secret(test_database, tables, key):
    # Two app objects stand for two worker processes: no shared state but SECRET_KEY.
    one, two = make_app(test_database, DPOP_NONCE=True), make_app(test_database,
                                                                 DPOP_NONCE=True)
    try:
        nonce = Caller(one).client_credentials(key).headers["DPoP-Nonce"]
        caller = Caller(two)
        answer = caller.token([("grant_type", "client_credentials")],
                              key.proof("POST", TOKEN_URL, nonce=nonce))
        assert answer.status_code == 200, answer.json
    finally:
        for app in (one, two):
            with app.app_context():
                app.extensions["test_db"].engine.dispose()


def test_nonce_source_rotates_and_accepts_the_previous_slot():
    from flask_oauth_provider.core.dpop import NonceSource

    source = NonceSource(b"k" * 32, period=300)
    now = 1_800_000_000
    current = source.current(now)
    assert source.is_valid(current, now + 299)
    assert source.current(now + 300) != current
    assert source.is_valid(current, now + 300)      # the previous slot
    assert not source.is_valid(current, now + 600)  # two slots later
    assert not NonceSource(b"j" * 32).is_valid(current, now)


# -- OAUTH2_PROVIDER_REQUIRE_DPOP at resources ------------------------------------------


def test_require_dpop_refuses_unbound_tokens_and_challenges_with_dpop_only(
        test_database, tables):
    app = make_app(test_database)
    try:
        token = Caller(app).login().json["access_token"]
        app.extensions["oauth2_provider"].config = app.extensions[
            "oauth2_provider"].config.__class__.from_mapping(
                {**app.config, "OAUTH2_PROVIDER_REQUIRE_DPOP": True})
        answer = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert challenge(answer).startswith('DPoP error="invalid_token"')
        assert "Bearer" not in challenge(answer)
    finally:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()


def test_flask_oauthlib_verify_request_applies_the_dpop_rules(test_database, tables, key):
    app = make_app(test_database)
    oauth = app.extensions["oauth2_provider"].provider
    seen = {}

    @app.get("/manual")
    def manual():
        valid, request = oauth.verify_request(["profile"])
        seen["valid"], seen["error"] = valid, getattr(request, "error", None)
        return "ok"

    try:
        caller = Caller(app)
        token = caller.login(key).json["access_token"]
        caller.http.get("/manual", headers={"Authorization": f"Bearer {token}"})
        assert seen == {"valid": False, "error": "invalid_token"}
        caller.http.get("/manual", headers={
            "Authorization": f"DPoP {token}",
            "DPoP": key.proof("GET", "http://localhost/manual", access_token=token)})
        assert seen["valid"] is True
    finally:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()
