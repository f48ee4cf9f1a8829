"""IntrospectEndpoint (RFC 7662)."""

from __future__ import annotations

import pytest


@pytest.fixture
def issued(validator):
    validator.add_token("at-1", client_id="conf", scopes=("read", "write"))
    return "at-1"


def test_active_token_answers_its_claims(server, kit, issued):
    """RFC 7662 §2.2: active true plus the token's metadata."""
    headers, body, status = server.create_introspect_response(
        kit.INTROSPECT, body="token=at-1", headers=kit.CONF_BASIC)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Pragma"] == "no-cache"
    claims = kit.body_json(body)
    assert claims["active"] is True
    assert claims["client_id"] == "conf"
    assert claims["scope"] == "read write"


def test_active_key_from_the_validator_is_replaced(server, validator, kit):
    validator.introspection_claims["t"] = {"active": "yes", "scope": "read"}
    _, body, _ = server.create_introspect_response(kit.INTROSPECT, body="token=t",
                                                   headers=kit.CONF_BASIC)
    assert kit.body_json(body) == {"active": True, "scope": "read"}


def test_unknown_token_is_exactly_inactive(server, kit):
    """RFC 7662 §2.2: SHOULD NOT include any additional information."""
    headers, body, status = server.create_introspect_response(
        kit.INTROSPECT, body="token=nope", headers=kit.CONF_BASIC)
    assert status == 200
    assert kit.body_json(body) == {"active": False}
    assert headers["Cache-Control"] == "no-store"


def test_claims_saying_inactive_give_exactly_inactive(server, validator, kit):
    """Departure: oauthlib pops "active" and answers active true with the claims;
    RFC 7662 §2.2 says nothing more than {"active": false} for an inactive token."""
    validator.introspection_claims["t"] = {"active": False, "scope": "read",
                                           "reason": "revoked"}
    _, body, _ = server.create_introspect_response(kit.INTROSPECT, body="token=t",
                                                   headers=kit.CONF_BASIC)
    assert kit.body_json(body) == {"active": False}


def test_missing_token_is_invalid_request(server, kit):
    """RFC 7662 §2.1: token is REQUIRED."""
    _, body, status = server.create_introspect_response(kit.INTROSPECT, body="",
                                                        headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "invalid_request"


def test_caller_must_authenticate(server, kit, issued):
    """RFC 7662 §2.1 "MUST also require some form of authorization"; §2.3: 401."""
    headers, body, status = server.create_introspect_response(
        kit.INTROSPECT, body="token=at-1", headers=kit.basic_auth("conf", "bad"))
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert kit.body_json(body)["error"] == "invalid_client"


def test_get_is_answered_invalid_request(server, validator, kit):
    """RFC 7662 §2.1 (POST) and RFC 9700 §4.3.2: no tokens in URLs."""
    _, body, status = server.create_introspect_response(
        kit.INTROSPECT + "?token=at-1", http_method="GET", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "invalid_request"
    assert validator.calls == []


def test_query_parameters_on_post_are_invalid_request(server, kit, issued):
    """RFC 7662 §2.1: a form body; RFC 9700 §4.3.2: tokens do not go in URLs."""
    _, body, status = server.create_introspect_response(
        kit.INTROSPECT + "?token=at-1", body="token=at-1", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "invalid_request"


def test_validator_crash_is_a_bare_500(server, validator, kit, issued):
    """Departure: RFC 6749 §4.1.2.1 server_error, status 500, no detail."""
    validator.fail["introspect_token"] = RuntimeError("db down")
    headers, body, status = server.create_introspect_response(
        kit.INTROSPECT, body="token=at-1", headers=kit.CONF_BASIC)
    assert (status, body) == (500, '{"error": "server_error"}')
    assert headers["Content-Type"] == "application/json"


def test_unavailable_is_503(server, kit):
    """RFC 6749 §4.1.2.1 temporarily_unavailable, as JSON with 503."""
    server.available = False
    _, body, status = server.create_introspect_response(
        kit.INTROSPECT, body="token=at-1", headers=kit.CONF_BASIC)
    assert (status, body) == (503, '{"error": "temporarily_unavailable"}')
