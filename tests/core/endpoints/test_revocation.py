"""RevocationEndpoint (RFC 7009)."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.servers import MobileApplicationServer


@pytest.fixture
def issued(validator):
    validator.add_token("at-1", client_id="conf", refresh_token="rt-1")
    return "at-1"


def test_revocation_answers_empty_200(server, validator, kit, issued):
    """RFC 7009 §2.2: 200 when the token has been revoked."""
    response = server.create_revocation_response(
        kit.REVOKE, body="token=at-1&token_type_hint=access_token", headers=kit.CONF_BASIC)
    assert response == ({}, "", 200)
    assert ("revoke_token", ("at-1", "access_token")) in validator.log
    assert "at-1" in validator.revoked


def test_unknown_token_is_still_200(server, kit):
    """RFC 7009 §2.2: "invalid tokens do not cause an error response"."""
    assert server.create_revocation_response(
        kit.REVOKE, body="token=xyz", headers=kit.CONF_BASIC) == ({}, "", 200)


def test_unknown_hint_is_ignored(server, validator, kit, issued):
    """RFC 7009 §2.1: an unknown hint value does not influence the response."""
    _, _, status = server.create_revocation_response(
        kit.REVOKE, body="token=at-1&token_type_hint=banana", headers=kit.CONF_BASIC)
    assert status == 200
    assert "at-1" in validator.revoked


def test_missing_token_is_invalid_request(server, kit):
    """RFC 7009 §2.1: token is REQUIRED."""
    headers, body, status = server.create_revocation_response(
        kit.REVOKE, body="token_type_hint=access_token", headers=kit.CONF_BASIC)
    assert status == 400
    assert headers["Cache-Control"] == "no-store"
    assert kit.body_json(body) == {"error": "invalid_request",
                                   "error_description": "Missing token parameter."}


def test_get_is_answered_invalid_request(server, validator, kit):
    """RFC 7009 §2.1: the client sends a POST."""
    headers, body, status = server.create_revocation_response(
        kit.REVOKE + "?token=at-1", http_method="GET", headers=kit.CONF_BASIC)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert kit.body_json(body)["error"] == "invalid_request"
    assert validator.calls == []


def test_query_parameters_on_post_are_invalid_request(server, kit):
    """RFC 7009 §2.1: parameters go in the form body; RFC 6749 §2.3.1: credentials
    never in the URI. Departure: answered 400 JSON, as oauthlib does here."""
    _, body, status = server.create_revocation_response(
        kit.REVOKE + "?token=at-1", body="token=at-1", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "invalid_request"


def test_unparseable_body_is_invalid_request(server, validator, kit):
    """Departure (RFC 6749 §5.2 invalid_request for a malformed body; oauthlib
    ignores it and reports a missing token)."""
    _, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=%zz", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "invalid_request"
    assert validator.calls == []


def test_failed_client_authentication_is_401(server, validator, kit, issued):
    """RFC 7009 §2.1 / RFC 6749 §5.2 invalid_client, with WWW-Authenticate."""
    headers, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=at-1", headers=kit.basic_auth("conf", "wrong"))
    assert status == 401
    assert "WWW-Authenticate" in headers
    assert kit.body_json(body)["error"] == "invalid_client"
    assert validator.revoked == []


def test_public_client_is_identified_by_client_id(server, validator, kit):
    validator.add_token("at-pub", client_id="pub", refresh_token=None)
    _, _, status = server.create_revocation_response(kit.REVOKE,
                                                     body="token=at-pub&client_id=pub")
    assert status == 200
    assert "authenticate_client_id" in validator.calls
    assert "at-pub" in validator.revoked


def test_validator_sees_the_authenticated_client(server, validator, kit, issued):
    """RFC 7009 §2.1: the server verifies the token was issued to the requester, so
    request.client is the authenticated client when revoke_token runs."""
    seen = []
    original = validator.revoke_token

    def spy(token, hint, request, *args, **kwargs):
        seen.append((request.client.client_id, request.client_id))
        return original(token, hint, request, *args, **kwargs)

    validator.revoke_token = spy
    server.create_revocation_response(kit.REVOKE, body="token=at-1", headers=kit.CONF_BASIC)
    assert seen == [("conf", "conf")]


def test_client_id_differing_from_the_authenticated_client_is_invalid_client(
        server, validator, kit, issued):
    """Departure: oauthlib does not compare them here; a body client_id naming
    another client than the one authenticated is invalid_client (RFC 6749 §5.2)."""
    _, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=at-1&client_id=pub", headers=kit.CONF_BASIC)
    assert status == 401
    assert kit.body_json(body)["error"] == "invalid_client"
    assert validator.revoked == []


def test_refresh_token_hint_unsupported_without_refresh_tokens(validator, kit):
    """RFC 7009 §2.2.1 unsupported_token_type."""
    server = MobileApplicationServer(validator)
    _, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=rt-1&token_type_hint=refresh_token", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "unsupported_token_type"


def test_validator_crash_is_a_bare_500(server, validator, kit):
    """Departure: RFC 6749 §4.1.2.1 server_error, status 500, no detail."""
    validator.fail["revoke_token"] = RuntimeError("db down")
    headers, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=at-1", headers=kit.CONF_BASIC)
    assert (status, body) == (500, '{"error": "server_error"}')
    assert headers["Cache-Control"] == "no-store"


def test_unavailable_is_503(server, validator, kit):
    """RFC 7009 §2.2.1: 503 tells the client to retry later."""
    server.available = False
    _, body, status = server.create_revocation_response(
        kit.REVOKE, body="token=at-1", headers=kit.CONF_BASIC)
    assert (status, body) == (503, '{"error": "temporarily_unavailable"}')
    assert validator.calls == []
