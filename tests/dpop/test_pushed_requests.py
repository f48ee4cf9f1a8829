"""RFC 9449 §10.1: a DPoP proof sent with a pushed authorization request (RFC 9126) binds
the code to the proof's key, as ``dpop_jkt`` does; with both, they must agree."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.dpop.dpop_support import ProofKey
from tests.helpers import FORM, basic_auth, pkce_pair, query_params
from tests.par.par_app import CB, PAR, allow, authorize_url, dispose, log_in, make_app

PAR_URL = "http://localhost" + PAR
TOKEN_URL = "http://localhost/oauth/token"


@pytest.fixture
def par_app(test_database, tables):
    app = make_app(test_database)
    try:
        yield app
    finally:
        dispose(app)


def push_with(http, credentials, proof=None, **params):
    client_id, secret = credentials
    verifier, challenge = pkce_pair()
    body = {"response_type": "code", "client_id": client_id, "redirect_uri": CB,
            "scope": "openid profile", "state": "s", "code_challenge": challenge,
            "code_challenge_method": "S256", **params}
    headers = {**basic_auth(client_id, secret)}
    if proof is not None:
        headers["DPoP"] = proof
    return http.post(PAR, data=body, headers=headers), verifier


def code_of(http, client_id, request_uri) -> str:
    log_in(http)
    answer = allow(http, authorize_url(client_id, request_uri))
    assert answer.status_code in (302, 303), answer.data
    return query_params(answer.headers["Location"])["code"][0]


def exchange(http, credentials, code, verifier, proof=None):
    client_id, secret = credentials
    headers = {**FORM, **basic_auth(client_id, secret)}
    if proof is not None:
        headers["DPoP"] = proof
    return http.post("/oauth/token", headers=headers, data=urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": CB,
        "code_verifier": verifier}))


def test_a_proof_at_the_par_endpoint_binds_the_code(par_app):
    http = par_app.test_client()
    web = par_app.config["TEST_CLIENTS"]["web"]
    key = ProofKey()
    pushed, verifier = push_with(http, web, key.proof("POST", PAR_URL))
    assert pushed.status_code == 201, pushed.json
    code = code_of(http, web[0], pushed.json["request_uri"])
    other = exchange(http, web, code, verifier, ProofKey().proof("POST", TOKEN_URL))
    assert other.status_code == 400
    assert other.json["error"] == "invalid_grant"
    bound = exchange(http, web, code, verifier, key.proof("POST", TOKEN_URL))
    assert bound.status_code == 200, bound.json
    assert bound.json["token_type"] == "DPoP"


def test_a_bad_proof_at_the_par_endpoint_is_refused(par_app):
    http = par_app.test_client()
    web = par_app.config["TEST_CLIENTS"]["web"]
    answer, _ = push_with(http, web, ProofKey().proof("POST", "http://localhost/elsewhere"))
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_dpop_proof"


def test_dpop_jkt_and_the_proof_must_name_the_same_key(par_app):
    http = par_app.test_client()
    web = par_app.config["TEST_CLIENTS"]["web"]
    key = ProofKey()
    answer, _ = push_with(http, web, key.proof("POST", PAR_URL), dpop_jkt=ProofKey().jkt)
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_request"
    same, _ = push_with(http, web, key.proof("POST", PAR_URL), dpop_jkt=key.jkt)
    assert same.status_code == 201, same.json
