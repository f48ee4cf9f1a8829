"""TokenEndpoint: dispatch, JSON answers, and the departures from oauthlib."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.endpoints import TokenEndpoint

JSON_NO_STORE = {"Content-Type": "application/json", "Cache-Control": "no-store",
                 "Pragma": "no-cache"}


def assert_json_no_store(headers):
    """RFC 6749 §5.1: JSON, Cache-Control: no-store, Pragma: no-cache."""
    for key, value in JSON_NO_STORE.items():
        assert headers[key] == value


@pytest.fixture
def code_body(validator, kit):
    validator.add_code("code-1")
    return f"grant_type=authorization_code&code=code-1&redirect_uri={quote(kit.CONF_CB, safe='')}"


def test_code_exchange_answers_a_bearer_token(server, kit, code_body):
    """RFC 6749 §5.1: 200 with access_token, token_type, expires_in."""
    headers, body, status = server.create_token_response(
        kit.TOKEN, body=code_body, headers=kit.CONF_BASIC)
    assert status == 200
    assert_json_no_store(headers)
    token = kit.body_json(body)
    assert token["token_type"] == "Bearer"
    assert token["access_token"] == "tok-1"
    assert token["refresh_token"] == "ref-1"
    assert token["expires_in"] == 3600
    assert token["scope"] == "read"


def test_grant_errors_are_json_with_no_store(server, kit):
    headers, body, status = server.create_token_response(
        kit.TOKEN, body="grant_type=authorization_code&code=nope", headers=kit.CONF_BASIC)
    assert status == 400
    assert_json_no_store(headers)
    assert kit.body_json(body)["error"] == "invalid_grant"


def test_get_is_answered_invalid_request_not_raised(server, kit, validator):
    """RFC 6749 §3.2: "The client MUST use the HTTP POST method". Departure: oauthlib
    raises InvalidRequestError; we answer 400 JSON."""
    headers, body, status = server.create_token_response(
        kit.TOKEN + "?grant_type=client_credentials", http_method="GET",
        headers=kit.LIMITED_BASIC)
    assert status == 400
    assert_json_no_store(headers)
    assert kit.body_json(body) == {"error": "invalid_request",
                                   "error_description": "Unsupported request method GET"}
    assert validator.calls == []


def test_query_parameters_on_post_are_answered_invalid_request(server, kit, validator):
    """RFC 6749 §2.3.1: client credentials "MUST NOT be included in the request URI".
    Departure: answered as 400 JSON instead of raised."""
    headers, body, status = server.create_token_response(
        kit.TOKEN + "?client_secret=limited-secret",
        body="grant_type=client_credentials&client_id=limited")
    assert status == 400
    assert_json_no_store(headers)
    assert kit.body_json(body)["error"] == "invalid_request"
    assert validator.calls == []


@pytest.mark.parametrize("body", [
    "grant_type=client_credentials&scope=%zz",
    '{"grant_type": "client_credentials"}',
])
def test_unparseable_body_is_invalid_request(server, kit, validator, body):
    """RFC 6749 §4.1.3 / Appendix B: the body is application/x-www-form-urlencoded;
    anything else is a malformed request (§5.2 invalid_request). Departure: oauthlib
    silently ignores such a body."""
    headers, response, status = server.create_token_response(
        kit.TOKEN, body=body, headers=kit.LIMITED_BASIC)
    assert status == 400
    assert kit.body_json(response)["error"] == "invalid_request"
    assert validator.calls == []


def test_body_declared_as_json_is_invalid_request(server, kit, validator):
    """RFC 6749 §4.1.3: the token request body is application/x-www-form-urlencoded.
    Departure: oauthlib ignores a JSON body and answers as if it were empty."""
    _, response, status = server.create_token_response(
        kit.TOKEN, body='{"grant_type": "client_credentials"}',
        headers={**kit.LIMITED_BASIC, "Content-Type": "application/json"})
    assert status == 400
    assert kit.body_json(response) == {
        "error": "invalid_request",
        "error_description": "The request body must be application/x-www-form-urlencoded."}
    assert validator.calls == []


def test_form_content_type_with_charset_is_accepted(server, kit):
    _, _, status = server.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials",
        headers={**kit.LIMITED_BASIC,
                 "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert status == 200


def test_unknown_grant_type_is_unsupported(server, kit):
    """RFC 6749 §5.2 unsupported_grant_type."""
    _, body, status = server.create_token_response(
        kit.TOKEN, body="grant_type=foo", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "unsupported_grant_type"


def test_missing_grant_type_is_invalid_request(server, kit):
    """RFC 6749 §5.2: a missing required parameter is invalid_request (oauthlib
    answers unsupported_grant_type through its default grant)."""
    headers, body, status = server.create_token_response(kit.TOKEN, body="code=x",
                                                         headers=kit.CONF_BASIC)
    assert status == 400
    assert_json_no_store(headers)
    assert kit.body_json(body) == {"error": "invalid_request",
                                   "error_description": "Missing grant_type parameter."}


def test_bad_client_credentials_are_401_with_www_authenticate(server, kit):
    """RFC 6749 §5.2: invalid_client with 401 and WWW-Authenticate."""
    headers, body, status = server.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials",
        headers=kit.basic_auth("limited", "wrong"))
    assert status == 401
    assert "WWW-Authenticate" in headers
    assert_json_no_store(headers)
    assert kit.body_json(body)["error"] == "invalid_client"


def test_extra_credentials_are_merged_into_the_token(server, kit):
    _, body, _ = server.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials", headers=kit.LIMITED_BASIC,
        credentials={"tenant": "blue"})
    assert kit.body_json(body)["tenant"] == "blue"


def test_grant_type_for_scope_overrides_the_grant_type(server, kit, validator):
    server.create_token_response(kit.TOKEN, body="grant_type=foo", headers=kit.LIMITED_BASIC,
                                 grant_type_for_scope="client_credentials")
    assert ("validate_grant_type", ("limited", "client_credentials")) in validator.log


@pytest.mark.parametrize("failing", ["authenticate_client", "validate_code", "save_token",
                                     "invalidate_authorization_code"])
def test_validator_crash_is_a_bare_500_server_error(server, validator, kit, code_body,
                                                    failing):
    """Departure: any unexpected exception gives 500 {"error": "server_error"} with
    JSON headers and no detail (RFC 6749 §5.2 leaves no room for a stack trace)."""
    validator.fail[failing] = RuntimeError("connection string postgres://u:pw@db")
    headers, body, status = server.create_token_response(
        kit.TOKEN, body=code_body, headers=kit.CONF_BASIC)
    assert (status, body) == (500, '{"error": "server_error"}')
    assert_json_no_store(headers)


def test_validator_crash_is_logged_with_traceback(server, validator, kit, caplog):
    validator.fail["authenticate_client"] = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="flask_oauth_provider"):
        server.create_token_response(kit.TOKEN, body="grant_type=client_credentials",
                                     headers=kit.LIMITED_BASIC)
    errors_logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors_logged and errors_logged[0].exc_info


def test_catch_errors_off_lets_the_exception_through(server, validator, kit):
    server.catch_errors = False
    validator.fail["authenticate_client"] = RuntimeError("boom")
    with pytest.raises(RuntimeError):
        server.create_token_response(kit.TOKEN, body="grant_type=client_credentials",
                                     headers=kit.LIMITED_BASIC)


def test_claims_are_handed_to_the_grant_on_the_request(server, validator, kit):
    seen = []
    server.credentials_grant.custom_validators.post_token.append(
        lambda request: seen.append(request.claims))
    server.create_token_response(kit.TOKEN, body="grant_type=client_credentials",
                                 headers=kit.LIMITED_BASIC, claims={"email": None})
    assert seen == [{"email": None}]


def test_oauth_error_escaping_a_grant_is_answered_as_json(server, kit):
    """An OAuth2Error from a token modifier is still a well-formed §5.2 answer."""
    def refuse(token):
        raise errors.InvalidScopeError(description="Not today.")

    server.credentials_grant.register_token_modifier(refuse)
    headers, body, status = server.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials", headers=kit.LIMITED_BASIC)
    assert status == 400
    assert_json_no_store(headers)
    assert kit.body_json(body) == {"error": "invalid_scope", "error_description": "Not today."}


def test_unavailable_endpoint_answers_503_json(server, validator, kit):
    """RFC 6749 §4.1.2.1 temporarily_unavailable; departure: with the JSON and
    no-store headers of §5.1 (oauthlib sends no headers)."""
    server.available = False
    headers, body, status = server.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials", headers=kit.LIMITED_BASIC)
    assert (status, body) == (503, '{"error": "temporarily_unavailable"}')
    assert_json_no_store(headers)
    assert validator.calls == []


def test_wrong_arguments_are_a_type_error(server, kit):
    with pytest.raises(TypeError):
        server.create_token_response(kit.TOKEN, scopes=["read"])


def test_endpoint_with_a_single_grant(validator, kit):
    from flask_oauth_provider.core.grants import ClientCredentialsGrant
    from flask_oauth_provider.core.tokens import BearerToken

    grant = ClientCredentialsGrant(validator)
    endpoint = TokenEndpoint("client_credentials", BearerToken(validator),
                             {"client_credentials": grant})
    assert endpoint.default_grant_type_handler is grant
    _, _, status = endpoint.create_token_response(kit.TOKEN, body="grant_type=client_credentials",
                                                  headers=kit.LIMITED_BASIC)
    assert status == 200
