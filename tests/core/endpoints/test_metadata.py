"""MetadataEndpoint (RFC 8414)."""

from __future__ import annotations

import json

import pytest

from flask_oauth_provider.core.endpoints import MetadataEndpoint
from flask_oauth_provider.core.servers import BackendApplicationServer, Server

ENDPOINT_URLS = {
    "issuer": "https://as.example",
    "authorization_endpoint": "https://as.example/authorize",
    "token_endpoint": "https://as.example/token",
    "revocation_endpoint": "https://as.example/revoke",
    "introspection_endpoint": "https://as.example/introspect",
}


def metadata(server, **claims):
    return MetadataEndpoint([server], {**ENDPOINT_URLS, **claims})


def test_claims_are_derived_from_the_configured_grants(validator):
    claims = metadata(Server(validator)).claims
    assert claims["issuer"] == "https://as.example"
    assert claims["response_types_supported"] == ["code", "token"]
    assert set(claims["grant_types_supported"]) == {
        "authorization_code", "password", "client_credentials", "refresh_token", "implicit"}
    assert claims["token_endpoint_auth_methods_supported"] == [
        "client_secret_post", "client_secret_basic"]


def test_only_s256_is_advertised_by_default(validator):
    """RFC 7636 §4.2 / RFC 9700 §2.1.1: S256; plain is off unless configured."""
    assert metadata(Server(validator)).claims["code_challenge_methods_supported"] == ["S256"]


def test_plain_is_advertised_when_enabled(validator):
    claims = metadata(Server(validator, pkce_plain=True)).claims
    assert claims["code_challenge_methods_supported"] == ["S256", "plain"]


def test_backend_server_lists_only_client_credentials(validator):
    claims = MetadataEndpoint([BackendApplicationServer(validator)], {
        "issuer": "https://as.example", "token_endpoint": "https://as.example/token",
        "revocation_endpoint": "https://as.example/revoke",
        "introspection_endpoint": "https://as.example/introspect"}).claims
    assert claims["grant_types_supported"] == ["client_credentials"]
    assert "authorization_endpoint" not in claims


def test_given_claims_win_over_derived_ones(validator):
    claims = metadata(Server(validator), grant_types_supported=["authorization_code"]).claims
    assert claims["grant_types_supported"] == ["authorization_code"]


def test_empty_arrays_are_omitted(validator):
    """RFC 8414 §2: arrays list supported values; an empty one is left out."""
    claims = metadata(Server(validator), scopes_supported=[]).claims
    assert "scopes_supported" not in claims


@pytest.mark.parametrize("issuer", [None, "http://as.example", "https://as.example/?t=1",
                                    "https://as.example/#f"])
def test_issuer_must_be_https_without_query_or_fragment(validator, issuer):
    """RFC 8414 §2: issuer is REQUIRED, https, no query or fragment."""
    claims = dict(ENDPOINT_URLS)
    if issuer is None:
        del claims["issuer"]
    else:
        claims["issuer"] = issuer
    with pytest.raises(ValueError):
        MetadataEndpoint([Server(validator)], claims)


def test_loopback_http_issuer_is_allowed_for_development(validator):
    claims = metadata(Server(validator), issuer="http://127.0.0.1:5000").claims
    assert claims["issuer"] == "http://127.0.0.1:5000"


def test_token_endpoint_url_is_required_when_the_token_endpoint_exists(validator):
    claims = dict(ENDPOINT_URLS)
    del claims["token_endpoint"]
    with pytest.raises(ValueError):
        MetadataEndpoint([Server(validator)], claims)


def test_raise_errors_false_accepts_incomplete_metadata(validator):
    endpoint = MetadataEndpoint([Server(validator)], {}, raise_errors=False)
    assert endpoint.claims["response_types_supported"] == ["code", "token"]


def test_response_is_public_json(validator):
    """RFC 8414 §3.2: 200 with application/json."""
    endpoint = metadata(Server(validator))
    headers, body, status = endpoint.create_metadata_response("https://as.example/.well-known/x")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(body) == endpoint.claims


def test_non_endpoint_is_refused():
    with pytest.raises(TypeError):
        MetadataEndpoint([object()], dict(ENDPOINT_URLS))
