"""ResourceServer and JWT access tokens (RFC 9068 §4): verified with the issuer's published
keys, no call to the issuer; every way a token can be wrong is a 401, never a 500."""

from __future__ import annotations

import time

import pytest
from flask import Flask, jsonify, request

from flask_oauth_provider import ResourceServer, current_token
from flask_oauth_provider.core import jose
from tests.helpers import LiveServer, bearer
from tests.resources.resources_support import ORDERS


@pytest.fixture(scope="module")
def keys():
    return {alg: jose.generate_key(alg) for alg in jose.ALGORITHMS}


@pytest.fixture
def issuer(keys):
    """An issuer publishing the public part of its keys; the test changes which."""
    app = Flask(__name__)
    state = {"published": [keys["RS256"]], "jwks_hits": 0, "introspections": 0}

    @app.get("/.well-known/oauth-authorization-server")
    def metadata():
        base = request.host_url.rstrip("/")
        return jsonify(issuer=base, jwks_uri=base + "/jwks",
                       introspection_endpoint=base + "/introspect")

    @app.get("/jwks")
    def jwks():
        state["jwks_hits"] += 1
        return jsonify(jose.public_jwk_set(state["published"]))

    @app.post("/introspect")
    def introspect():
        state["introspections"] += 1
        return jsonify(active=False)

    server = LiveServer(app).start()
    yield server.url, state
    server.stop()


def claims_for(issuer: str, **overrides) -> dict:
    now = int(time.time())
    claims = {"iss": issuer, "sub": "alice", "aud": ORDERS, "client_id": "shop", "iat": now,
              "exp": now + 300, "jti": "j-" + str(now), "scope": "orders:read"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def service(issuer):
    url, _ = issuer
    app = Flask(__name__)
    rs = ResourceServer(app, issuer=url, resource=ORDERS, client_id="rs", client_secret="s")

    @app.get("/api/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return jsonify(sub=current_token.sub, client_id=current_token.client_id,
                       aud=current_token.aud, scopes=current_token.scopes)

    return app.test_client(), rs


def test_a_good_jwt_is_accepted_without_asking_the_issuer(issuer, service, keys):
    url, state = issuer
    client, _ = service
    token = jose.sign(claims_for(url), keys["RS256"], typ="at+jwt")
    answer = client.get("/api/orders", headers=bearer(token))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"sub": "alice", "client_id": "shop", "aud": [ORDERS],
                           "scopes": ["orders:read"]}
    client.get("/api/orders", headers=bearer(token))
    assert (state["jwks_hits"], state["introspections"]) == (1, 0)


@pytest.mark.parametrize("alg", jose.ALGORITHMS)
def test_each_published_algorithm(issuer, service, keys, alg):
    url, state = issuer
    state["published"] = [keys[alg]]
    token = jose.sign(claims_for(url), keys[alg], typ="at+jwt")
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("change", [
    {"aud": "https://billing.example"}, {"iss": "https://other.example"}, {"exp": 1000},
    {"sub": None}, {"client_id": None}, {"jti": None}, {"aud": None},
])
def test_wrong_claims_are_invalid_token(issuer, service, keys, change):
    url, _ = issuer
    token = jose.sign(claims_for(url, **change), keys["RS256"], typ="at+jwt")
    answer = service[0].get("/api/orders", headers=bearer(token))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_issuer_with_a_trailing_slash_is_another_issuer(issuer, service, keys):
    url, _ = issuer
    token = jose.sign(claims_for(url + "/"), keys["RS256"], typ="at+jwt")
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 401


def test_an_id_token_is_not_an_access_token(issuer, service, keys):
    url, _ = issuer
    token = jose.sign(claims_for(url), keys["RS256"], typ="JWT")
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 401


def test_alg_none_is_refused(issuer, service):
    import base64
    import json

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    url, _ = issuer
    token = part({"alg": "none", "typ": "at+jwt"}) + "." + part(claims_for(url)) + ".x"
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 401


def test_hmac_with_the_public_key_is_refused(issuer, service, keys):
    # The classic confusion: HS256 keyed with the published RSA key's bytes.
    import base64
    import hashlib
    import hmac
    import json

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    url, _ = issuer
    public = json.dumps(jose.public_jwk(keys["RS256"])).encode()
    signing_input = (part(json.dumps({"alg": "HS256", "typ": "at+jwt",
                                      "kid": keys["RS256"]["kid"]}).encode()) + "."
                     + part(json.dumps(claims_for(url)).encode()))
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + part(signature)
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 401


def test_tampered_signature_is_refused(issuer, service, keys):
    url, _ = issuer
    token = jose.sign(claims_for(url), keys["RS256"], typ="at+jwt")
    head, payload, signature = token.split(".")
    tampered = jose.sign(claims_for(url, scope="orders:read admin"), keys["RS256"],
                         typ="at+jwt").split(".")[1]
    assert service[0].get("/api/orders", headers=bearer(
        f"{head}.{tampered}.{signature}")).status_code == 401


def test_a_key_the_issuer_does_not_publish_is_refused(issuer, service, keys):
    url, _ = issuer
    stranger = jose.generate_key("RS256")
    token = jose.sign(claims_for(url), stranger, typ="at+jwt")
    assert service[0].get("/api/orders", headers=bearer(token)).status_code == 401


def test_rotation_is_seen_by_a_running_service(issuer, service, keys):
    url, state = issuer
    client, rs = service
    old = jose.sign(claims_for(url), keys["RS256"], typ="at+jwt")
    assert client.get("/api/orders", headers=bearer(old)).status_code == 200
    state["published"] = [keys["ES256"], keys["RS256"]]  # the issuer rotated to ES256
    rs.issuer.jwks_refresh_interval = 0
    new = jose.sign(claims_for(url), keys["ES256"], typ="at+jwt")
    assert client.get("/api/orders", headers=bearer(new)).status_code == 200
    assert client.get("/api/orders", headers=bearer(old)).status_code == 200
    assert state["jwks_hits"] == 2


def test_forged_kids_do_not_hammer_the_issuer(issuer, service, keys):
    url, state = issuer
    client, rs = service
    good = jose.sign(claims_for(url), keys["RS256"], typ="at+jwt")
    client.get("/api/orders", headers=bearer(good))
    for n in range(20):
        forged = jose.sign(claims_for(url), jose.generate_key("EdDSA") | {"kid": f"k{n}"},
                           typ="at+jwt")
        assert client.get("/api/orders", headers=bearer(forged)).status_code == 401
    assert state["jwks_hits"] == 1
