"""ResourceServer and DPoP (RFC 9449 §7): a token whose claims carry ``cnf.jkt`` (a JWT
access token, or an introspection answer) needs the DPoP scheme and a proof by that key;
``require_dpop`` refuses bearer tokens; the RFC 9728 document says so."""

from __future__ import annotations

import time

import pytest
from flask import Flask, jsonify, request

from flask_oauth_provider import ResourceServer, current_token
from flask_oauth_provider.core import jose
from tests.dpop.dpop_support import ProofKey
from tests.helpers import LiveServer
from tests.resources.resources_support import ORDERS

SERVICE_URL = "http://localhost/api/orders"


@pytest.fixture(scope="module")
def signing_key():
    return jose.generate_key("ES256")


@pytest.fixture
def issuer(signing_key):
    app = Flask(__name__)
    introspected = {}

    @app.get("/.well-known/oauth-authorization-server")
    def metadata():
        base = request.host_url.rstrip("/")
        return jsonify(issuer=base, jwks_uri=base + "/jwks",
                       introspection_endpoint=base + "/introspect")

    @app.get("/jwks")
    def jwks():
        return jsonify(jose.public_jwk_set([signing_key]))

    @app.post("/introspect")
    def introspect():
        return jsonify(introspected.get(request.form.get("token"), {"active": False}))

    server = LiveServer(app).start()
    yield server.url, introspected
    server.stop()


def make_service(issuer_url: str, **options):
    app = Flask(__name__)
    rs = ResourceServer(app, issuer=issuer_url, resource=ORDERS, client_id="rs",
                        client_secret="s", **options)

    @app.get("/api/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return jsonify(sub=current_token.sub, jkt=current_token.jkt)

    return app.test_client()


def jwt_for(issuer_url: str, signing_key: dict, jkt=None) -> str:
    now = int(time.time())
    claims = {"iss": issuer_url, "sub": "alice", "aud": ORDERS, "client_id": "shop",
              "iat": now, "exp": now + 300, "jti": f"j{now}", "scope": "orders:read"}
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    return jose.sign(claims, signing_key, typ="at+jwt")


def call(client, token: str, key=None, scheme: str = "DPoP", **proof_options):
    headers = {"Authorization": f"{scheme} {token}"}
    if key is not None:
        headers["DPoP"] = key.proof("GET", SERVICE_URL, access_token=token, **proof_options)
    return client.get("/api/orders", headers=headers)


def test_bound_jwt_with_a_proof_by_its_key_is_accepted(issuer, signing_key):
    url, _ = issuer
    key = ProofKey()
    token = jwt_for(url, signing_key, key.jkt)
    answer = call(make_service(url), token, key)
    assert answer.status_code == 200, answer.json
    assert answer.json == {"sub": "alice", "jkt": key.jkt}


def test_bound_jwt_as_bearer_is_refused(issuer, signing_key):
    url, _ = issuer
    key = ProofKey()
    answer = call(make_service(url), jwt_for(url, signing_key, key.jkt), None, "Bearer")
    assert answer.status_code == 401
    assert answer.json["error"] == "invalid_token"
    assert "DPoP" in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize("case", ["other key", "no ath", "wrong ath", "replay", "no proof"])
def test_bound_jwt_with_a_bad_proof_is_refused(issuer, signing_key, case):
    url, _ = issuer
    key = ProofKey()
    token = jwt_for(url, signing_key, key.jkt)
    client = make_service(url)
    if case == "other key":
        answer = call(client, token, ProofKey())
    elif case == "no ath":
        answer = call(client, token, key, drop=("ath",))
    elif case == "wrong ath":
        answer = call(client, token, key, ath="x" * 43)
    elif case == "no proof":
        answer = call(client, token, None)
    else:
        proof = key.proof("GET", SERVICE_URL, access_token=token)
        headers = {"Authorization": f"DPoP {token}", "DPoP": proof}
        assert client.get("/api/orders", headers=headers).status_code == 200
        answer = client.get("/api/orders", headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"] in ("invalid_token", "invalid_dpop_proof")
    assert "DPoP" in answer.headers["WWW-Authenticate"]


def test_introspected_token_with_cnf_needs_its_proof(issuer):
    url, introspected = issuer
    key = ProofKey()
    introspected["opaque-1"] = {"active": True, "sub": "alice", "client_id": "shop",
                                "scope": "orders:read", "aud": ORDERS,
                                "token_type": "DPoP",
                                "exp": int(time.time()) + 300, "cnf": {"jkt": key.jkt}}
    client = make_service(url)
    assert call(client, "opaque-1", None, "Bearer").status_code == 401
    answer = call(client, "opaque-1", key)
    assert answer.status_code == 200, answer.json


def test_require_dpop_refuses_bearer_tokens_and_says_so(issuer, signing_key):
    url, _ = issuer
    client = make_service(url, require_dpop=True)
    answer = call(client, jwt_for(url, signing_key), None, "Bearer")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("DPoP ")
    document = client.get("/.well-known/oauth-protected-resource/api").json
    assert document["dpop_bound_access_tokens_required"] is True


def test_unsupported_dpop_algorithm_list_is_refused_at_construction(issuer):
    url, _ = issuer
    with pytest.raises(ValueError):
        make_service(url, dpop_signing_algs=["HS256"])
