"""Registering keys (RFC 7591 §2 ``jwks`` / ``jwks_uri``, ``private_key_jwt``) at the
registration endpoint, and what the server metadata says (RFC 8414 §2, OpenID Connect
Discovery §3)."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import jose
from tests.client_jwt.conftest import REDIRECT, assertion, assertion_form, public_set


def register(app, metadata):
    return app.test_client().post("/oauth/register", json=metadata)


@pytest.fixture
def open_app(app_factory):
    return app_factory(DYNAMIC_REGISTRATION="open",
                       CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True)


def test_a_private_key_jwt_client_registers_its_jwks_and_gets_no_secret(open_app, client_key):
    response = register(open_app, {"redirect_uris": [REDIRECT],
                                   "grant_types": ["authorization_code"],
                                   "token_endpoint_auth_method": "private_key_jwt",
                                   "jwks": public_set(client_key)})
    assert response.status_code == 201, response.get_json()
    info = response.get_json()
    assert info["token_endpoint_auth_method"] == "private_key_jwt"
    assert "client_secret" not in info and "client_secret_expires_at" not in info
    assert info["jwks"]["keys"][0]["kid"] == client_key["kid"]
    assert "d" not in info["jwks"]["keys"][0]


def test_the_registered_client_authenticates_with_its_key(app_factory, client_key):
    app = app_factory(DYNAMIC_REGISTRATION="open",
                      REGISTRATION_GRANT_TYPES=("client_credentials",))
    info = register(app, {"grant_types": ["client_credentials"],
                          "token_endpoint_auth_method": "private_key_jwt",
                          "jwks": public_set(client_key)}).get_json()
    client_id = info["client_id"]
    response = app.test_client().post("/oauth/token", data=assertion_form(
        assertion(client_id, client_key), grant_type="client_credentials"))
    assert response.status_code == 200, response.get_json()


def test_a_private_key_jwt_client_registers_a_jwks_uri(open_app, key_server, client_key):
    uri = key_server.publish("keys.json", client_key)
    info = register(open_app, {"redirect_uris": [REDIRECT],
                               "token_endpoint_auth_method": "private_key_jwt",
                               "jwks_uri": uri}).get_json()
    assert info["jwks_uri"] == uri and "client_secret" not in info
    assert key_server.hits == [], "not fetched at registration"


@pytest.mark.parametrize("metadata, words", [
    ({"token_endpoint_auth_method": "private_key_jwt"}, "jwks"),
    ({"jwks_uri": "https://client.example/jwks", "jwks": {"keys": []}}, "both"),
    ({"jwks_uri": "http://client.example/jwks"}, "https"),
    ({"jwks_uri": "https://10.0.0.8/jwks"}, "public"),
    ({"jwks_uri": "https://127.0.0.1/jwks"}, "public"),
    ({"token_endpoint_auth_method": "client_secret_jwt"}, "token_endpoint_auth_method"),
], ids=["no-keys", "both", "plain-http", "private-10", "loopback", "client-secret-jwt"])
def test_bad_key_metadata_is_invalid_client_metadata(app_factory, metadata, words):
    app = app_factory(DYNAMIC_REGISTRATION="open")  # production SSRF rules
    response = register(app, {"redirect_uris": [REDIRECT], **metadata})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert words in response.get_json()["error_description"]


def test_a_private_key_is_refused_at_registration(open_app, client_key):
    response = register(open_app, {"redirect_uris": [REDIRECT],
                                   "token_endpoint_auth_method": "private_key_jwt",
                                   "jwks": {"keys": [client_key]}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert client_key["d"] not in response.get_data(as_text=True)


# -- metadata --------------------------------------------------------------------------------


def metadata_of(app, path="/.well-known/oauth-authorization-server"):
    return app.test_client().get(path).get_json()


def test_metadata_lists_the_methods_and_algorithms(app):
    document = metadata_of(app)
    methods = document["token_endpoint_auth_methods_supported"]
    assert "private_key_jwt" in methods and "client_secret_basic" in methods
    # The bundled store keeps secret digests: no client_secret_jwt, and no HMAC algs.
    assert "client_secret_jwt" not in methods
    algs = document["token_endpoint_auth_signing_alg_values_supported"]
    assert set(algs) == set(jose.ALGORITHMS)
    assert "none" not in algs
    for endpoint in ("revocation", "introspection"):
        assert document[f"{endpoint}_endpoint_auth_signing_alg_values_supported"] == algs
        assert "private_key_jwt" in document[f"{endpoint}_endpoint_auth_methods_supported"]
    assert "none" not in document["introspection_endpoint_auth_methods_supported"]
    assert document["request_parameter_supported"] is True
    assert document["request_uri_parameter_supported"] is False
    assert "none" not in document["request_object_signing_alg_values_supported"]


def test_metadata_follows_the_configured_methods(app_factory):
    app = app_factory(TOKEN_ENDPOINT_AUTH_METHODS=("private_key_jwt",),
                      TOKEN_ENDPOINT_AUTH_SIGNING_ALGS=("ES256",),
                      REQUEST_OBJECT_SIGNING_ALGS=("ES256",))
    document = metadata_of(app)
    assert document["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert document["token_endpoint_auth_signing_alg_values_supported"] == ["ES256"]
    assert document["request_object_signing_alg_values_supported"] == ["ES256"]


def test_no_signing_algs_without_a_jwt_method(app_factory):
    document = metadata_of(app_factory(TOKEN_ENDPOINT_AUTH_METHODS=("client_secret_basic",)))
    assert "token_endpoint_auth_signing_alg_values_supported" not in document


def test_openid_discovery_declares_request_objects(app_factory):
    app = app_factory(OPENID=True, SIGNING_KEYS={"keys": [jose.generate_key("ES256")]},
                      SCOPES={"openid": "OpenID", "profile": "Profile", "read": "Read"})
    document = metadata_of(app, "/.well-known/openid-configuration")
    assert document["request_parameter_supported"] is True
    assert document["request_uri_parameter_supported"] is False
    assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]


@pytest.mark.parametrize("key, value", [
    ("TOKEN_ENDPOINT_AUTH_METHODS", ("client_secret_basic", "tls_client_auth")),
    ("TOKEN_ENDPOINT_AUTH_METHODS", ()),
    ("TOKEN_ENDPOINT_AUTH_SIGNING_ALGS", ("none",)),
    ("REQUEST_OBJECT_SIGNING_ALGS", ("HS256",)),
    ("CLIENT_ASSERTION_MAX_LIFETIME", 0),
    ("CLIENT_ASSERTION_MAX_LIFETIME", 86400),
])
def test_bad_configuration_is_refused_at_init(app_factory, key, value):
    with pytest.raises(ValueError, match=key):
        app_factory(**{key: value})
