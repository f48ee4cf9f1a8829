"""A client's keys by reference (RFC 7591 §2 ``jwks_uri``): fetched from a key server on
127.0.0.1 (allowed by ``CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE``, as only tests may),
cached, refetched once on an unknown kid, and refused at private addresses otherwise."""

from __future__ import annotations

import pytest

from flask_oauth_provider import client_keys
from flask_oauth_provider.client_keys import JwksCache, check_client_keys, usable_keys
from flask_oauth_provider.core import jose
from flask_oauth_provider.metadata_documents import DocumentError
from tests.client_jwt.conftest import assertion, assertion_form, create_client
from tests.helpers import error_of


def token_request(app, client_id, key, **claims):
    return app.test_client().post("/oauth/token", data=assertion_form(
        assertion(client_id, key, **claims), grant_type="client_credentials", scope="read"))


def uri_client(app, uri):
    client_id, secret = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                      jwks_uri=uri)
    assert secret is None
    return client_id


def test_keys_are_fetched_from_jwks_uri(app, key_server, client_key):
    client_id = uri_client(app, key_server.publish("keys.json", client_key))
    assert token_request(app, client_id, client_key).status_code == 200
    assert token_request(app, client_id, client_key).status_code == 200
    assert key_server.hits == ["keys.json"], "cached for its max-age"


def test_an_unknown_kid_refetches_once(app, key_server, client_key, other_key):
    """The client rotated its key: one refetch finds it; a made-up kid costs one fetch per
    interval, not one per request."""
    uri = key_server.publish("rotating.json", client_key)
    client_id = uri_client(app, uri)
    assert token_request(app, client_id, client_key).status_code == 200
    key_server.publish("rotating.json", other_key)
    assert token_request(app, client_id, other_key).status_code == 200
    assert key_server.hits == ["rotating.json", "rotating.json"]
    stranger = jose.generate_key("ES256")
    assert token_request(app, client_id, stranger).status_code == 401
    assert token_request(app, client_id, stranger).status_code == 401
    assert key_server.hits == ["rotating.json", "rotating.json"], "rate-limited refetch"


def test_the_refetch_interval_passes(monkeypatch, client_key, other_key):
    clock = [1000.0]
    fetched = []

    def fetch(url, allow_private):
        fetched.append(url)
        return jose.public_jwk_set([client_key if len(fetched) < 3 else other_key]), 600

    cache = JwksCache(fetch=fetch, clock=lambda: clock[0])
    assert cache.keys("https://c.example/k", client_key["kid"])
    cache.keys("https://c.example/k", "unknown-kid")
    assert len(fetched) == 2
    cache.keys("https://c.example/k", "unknown-kid")
    assert len(fetched) == 2
    clock[0] += client_keys.REFETCH_INTERVAL
    assert cache.keys("https://c.example/k", other_key["kid"])[0]["kid"] == other_key["kid"]
    assert len(fetched) == 3
    clock[0] += 601
    cache.keys("https://c.example/k")
    assert len(fetched) == 4, "expired: fetched again"


def test_a_failed_refetch_keeps_the_cached_keys_until_they_expire(client_key):
    clock = [0.0]
    answers = [(jose.public_jwk_set([client_key]), 120)]

    def fetch(url, allow_private):
        if answers:
            return answers.pop()
        raise DocumentError("down")

    cache = JwksCache(fetch=fetch, clock=lambda: clock[0])
    assert cache.keys("https://c.example/k")
    clock[0] += 100
    assert cache.keys("https://c.example/k", "other")  # refetch fails, cache kept
    clock[0] += 30
    assert cache.keys("https://c.example/k") == [], "expired and unreachable: fail closed"


def test_a_jwks_uri_that_cannot_be_fetched_refuses_the_client(app, key_server, client_key):
    client_id = uri_client(app, f"{key_server.url}/missing.json")
    response = token_request(app, client_id, client_key)
    assert response.status_code == 401 and error_of(response) == "invalid_client"


@pytest.mark.parametrize("uri", [
    "https://127.0.0.1/jwks", "https://10.1.2.3/jwks", "https://169.254.169.254/latest",
    "https://[::1]/jwks", "http://client.example/jwks", "https://user@client.example/jwks",
    "https://client.example", "ftp://client.example/jwks",
])
def test_jwks_uri_at_a_private_address_or_not_https_is_refused(app_factory, uri):
    app = app_factory()  # the production SSRF rules: no private addresses
    with pytest.raises(ValueError, match="jwks_uri"):
        create_client(app, token_endpoint_auth_method="private_key_jwt", jwks_uri=uri)


def test_a_host_that_resolves_to_a_private_address_is_not_fetched(app_factory, client_key,
                                                                  key_server):
    """localhost passes the shape check but resolves to loopback: the fetch refuses it, and
    the client fails authentication (no request reaches the key server)."""
    app = app_factory()
    uri = key_server.publish("keys.json", client_key).replace("127.0.0.1", "localhost")
    uri = uri.replace("http://", "https://")
    client_id = uri_client(app, uri)
    assert token_request(app, client_id, client_key).status_code == 401
    assert key_server.hits == []


def test_private_keys_are_never_accepted_as_client_keys(client_key):
    with pytest.raises(ValueError, match="public keys only"):
        check_client_keys({"keys": [client_key]})
    with pytest.raises(ValueError, match="public keys only"):
        check_client_keys({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    assert usable_keys({"keys": [client_key]}) == [], "a published private key is skipped"


def test_jwks_and_jwks_uri_are_mutually_exclusive(client_key):
    with pytest.raises(ValueError, match="both"):
        check_client_keys(jose.public_jwk_set([client_key]), "https://c.example/jwks")


@pytest.mark.parametrize("jwks", [{}, {"keys": "no"}, [], "not json", {"keys": []},
                                  {"keys": [{"kty": "EC", "crv": "P-521", "x": "a", "y": "b"}]}])
def test_a_malformed_or_useless_jwks_is_refused(jwks):
    with pytest.raises(ValueError):
        check_client_keys(jwks)


def test_create_client_needs_keys_for_private_key_jwt(app):
    with pytest.raises(ValueError, match="jwks"):
        create_client(app, token_endpoint_auth_method="private_key_jwt")


def test_create_client_refuses_client_secret_jwt(app):
    """Its HMAC needs the secret in clear; the bundled store keeps only a digest."""
    with pytest.raises(ValueError, match="digest"):
        create_client(app, token_endpoint_auth_method="client_secret_jwt")


def test_a_client_id_metadata_document_may_carry_a_jwks_uri(app_factory, key_server,
                                                             client_key):
    """A metadata-document client with private_key_jwt: confidential, no secret, keys
    fetched from its jwks_uri by the same fetcher."""
    app = app_factory(CLIENT_ID_METADATA_DOCUMENTS=True,
                      CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True,
                      REGISTRATION_GRANT_TYPES=("authorization_code", "client_credentials"))
    jwks_uri = key_server.publish("agent-keys.json", client_key)
    client_id = f"{key_server.url}/agent.json"
    key_server.pages["agent.json"] = {
        "client_id": client_id, "client_name": "Keyed agent",
        "grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt",
        "jwks_uri": jwks_uri}
    response = token_request(app, client_id, client_key)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        row = app.extensions["test_oauth"].store.load_client(client_id)
        assert row.is_confidential and row.client_secret_hash is None
        assert row.token_endpoint_auth_method == "private_key_jwt"
    assert token_request(app, client_id, jose.generate_key("ES256")).status_code == 401


def test_a_metadata_document_client_with_a_secret_method_is_refused(app_factory, key_server):
    app = app_factory(CLIENT_ID_METADATA_DOCUMENTS=True,
                      CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True)
    client_id = f"{key_server.url}/secret.json"
    key_server.pages["secret.json"] = {
        "client_id": client_id, "redirect_uris": ["https://c.example/cb"],
        "token_endpoint_auth_method": "client_secret_basic"}
    with app.app_context():
        assert app.extensions["test_oauth"].store.load_client(client_id) is None
