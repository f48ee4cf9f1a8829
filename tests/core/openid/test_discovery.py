"""OpenID Provider metadata (OpenID Connect Discovery 1.0 §3) from the core Server."""

from __future__ import annotations

import json

import pytest

from flask_oauth_provider.core.openid import OpenIDMetadataEndpoint

BASE = {
    "issuer": "https://as.example",
    "authorization_endpoint": "https://as.example/authorize",
    "token_endpoint": "https://as.example/token",
    "revocation_endpoint": "https://as.example/revoke",
    "introspection_endpoint": "https://as.example/introspect",
    "userinfo_endpoint": "https://as.example/userinfo",
    "jwks_uri": "https://as.example/jwks",
}


@pytest.fixture
def metadata(server):
    _, body, status = OpenIDMetadataEndpoint([server], dict(BASE)).create_metadata_response(
        "https://as.example/.well-known/openid-configuration")
    assert status == 200
    return json.loads(body)


def test_required_fields_of_discovery_section_3(metadata):
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                "response_types_supported", "subject_types_supported",
                "id_token_signing_alg_values_supported"):
        assert key in metadata, key
    assert metadata["issuer"] == BASE["issuer"]


def test_scopes_supported_has_openid(metadata):
    """Discovery §3: "The server MUST support the openid scope value"."""
    assert "openid" in metadata["scopes_supported"]


def test_arrays_are_arrays(metadata):
    for key, value in metadata.items():
        if key.endswith("_supported") and not key.endswith("parameter_supported"):
            assert isinstance(value, list), key
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_request_objects_declared_unsupported(metadata):
    """Discovery §3: request_uri_parameter_supported defaults to true when omitted."""
    assert metadata["request_parameter_supported"] is False
    assert metadata["request_uri_parameter_supported"] is False
    assert metadata["claims_parameter_supported"] is True


def test_never_advertises_none_or_hmac(metadata):
    assert set(metadata["id_token_signing_alg_values_supported"]) == {"RS256", "ES256",
                                                                      "EdDSA"}


def test_response_types_and_modes(metadata):
    assert {"code", "id_token", "code id_token token"} <= set(
        metadata["response_types_supported"])
    assert "form_post" in metadata["response_modes_supported"]
    assert "refresh_token" in metadata["grant_types_supported"]


def test_jwks_uri_is_required():
    from flask_oauth_provider.core.openid import RequestValidator, Server

    base = {k: v for k, v in BASE.items() if k != "jwks_uri"}
    with pytest.raises(ValueError):
        OpenIDMetadataEndpoint([Server(RequestValidator())], base)


def test_unsigned_id_tokens_cannot_be_advertised(server):
    with pytest.raises(ValueError):
        OpenIDMetadataEndpoint([server], dict(BASE, id_token_signing_alg_values_supported=[
            "none"]))
