"""AuthorizationEndpoint: routing, containment of failures, oauthlib's return shapes."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.endpoints import AuthorizationEndpoint


def authorize_uri(kit, **params):
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"{kit.AUTHORIZE}?{query}"


@pytest.fixture
def code_uri(kit):
    return authorize_uri(kit, response_type="code", client_id="conf",
                         redirect_uri=kit.CONF_CB, state="xyz")


def test_code_request_redirects_with_code_and_state(server, kit, code_uri):
    """RFC 6749 §4.1.2: the code and the exact state go to the redirect URI."""
    headers, body, status = server.create_authorization_response(
        code_uri, scopes=["read"], credentials={"user": "alice"})
    assert status == 302
    assert body is None
    assert headers["Location"].startswith(kit.CONF_CB + "?")
    params = kit.location_params(headers["Location"])
    assert params["state"] == "xyz"
    assert params["code"]


def test_validate_returns_scopes_and_request_info(server, kit):
    uri = authorize_uri(kit, response_type="code", client_id="conf", redirect_uri=kit.CONF_CB,
                        state="xyz", scope="read write")
    scopes, info = server.validate_authorization_request(uri)
    assert scopes == ["read", "write"]
    assert info["client_id"] == "conf"
    assert info["redirect_uri"] == kit.CONF_CB
    assert info["response_type"] == "code"
    assert info["state"] == "xyz"
    assert info["request"].client_id == "conf"


def test_credentials_are_set_on_the_request_for_the_validator(server, validator, code_uri):
    server.create_authorization_response(code_uri, scopes=["read"],
                                         credentials={"user": "alice"})
    (record,) = validator.codes.values()
    assert record["user"] == "alice"


def test_granted_scopes_replace_the_requested_ones(server, validator, kit):
    """RFC 6749 §3.3: the server may issue fewer scopes than requested."""
    uri = authorize_uri(kit, response_type="code", client_id="conf", redirect_uri=kit.CONF_CB,
                        scope="read write")
    server.create_authorization_response(uri, scopes=["read"])
    (record,) = validator.codes.values()
    assert record["scopes"] == ["read"]


def test_post_form_body_is_read_like_a_query(server, kit):
    """RFC 6749 §3.1: the endpoint MAY support POST."""
    body = f"response_type=code&client_id=conf&redirect_uri={quote(kit.CONF_CB, safe='')}"
    headers, _, status = server.create_authorization_response(
        kit.AUTHORIZE, http_method="POST", body=body, headers=kit.FORM, scopes=["read"])
    assert status == 302
    assert "code" in kit.location_params(headers["Location"])


def test_implicit_request_is_dispatched_to_the_implicit_grant(server, kit):
    uri = authorize_uri(kit, response_type="token", client_id="conf", redirect_uri=kit.CONF_CB,
                        state="s")
    headers, _, status = server.create_authorization_response(uri, scopes=["read"])
    assert status == 302
    assert "#" in headers["Location"]
    assert kit.location_params(headers["Location"])["token_type"] == "Bearer"


def test_unknown_response_type_goes_to_the_default_grant(server, kit):
    """RFC 6749 §4.1.2.1: unsupported_response_type, redirected."""
    uri = authorize_uri(kit, response_type="foo", client_id="conf", redirect_uri=kit.CONF_CB,
                        state="s")
    headers, _, status = server.create_authorization_response(uri)
    assert status == 302
    assert kit.location_params(headers["Location"])["error"] == "unsupported_response_type"


def test_missing_response_type_is_redirected_invalid_request(server, kit):
    uri = authorize_uri(kit, client_id="conf", redirect_uri=kit.CONF_CB, state="s1")
    headers, _, _ = server.create_authorization_response(uri)
    params = kit.location_params(headers["Location"])
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1"


@pytest.mark.parametrize("params, error_class", [
    ({"response_type": "code"}, errors.MissingClientIdError),
    ({"response_type": "code", "client_id": "nobody"}, errors.InvalidClientIdError),
    ({"response_type": "code", "client_id": "conf", "redirect_uri": "https://evil.example/cb"},
     errors.MismatchingRedirectURIError),
    ({"response_type": "code", "client_id": "conf"}, errors.MissingRedirectURIError),
])
def test_bad_client_or_redirect_uri_is_raised_never_redirected(server, kit, params,
                                                               error_class):
    """RFC 6749 §4.1.2.1: the server MUST NOT redirect to an invalid redirect URI."""
    uri = authorize_uri(kit, **params)
    with pytest.raises(error_class):
        server.create_authorization_response(uri)
    with pytest.raises(error_class):
        server.validate_authorization_request(uri)


@pytest.mark.parametrize("query", [
    "response_type=code&client_id=conf&",
    "response_type=code&client_id=c onf",
    "response_type=code&client_id=%zz",
])
def test_unparseable_query_is_a_fatal_invalid_request(server, kit, query):
    """Departure (oauthlib raised ValueError for some): RFC 6749 §4.1.2.1
    invalid_request, and nothing from a malformed request is redirected to."""
    with pytest.raises(errors.InvalidRequestFatalError) as caught:
        server.validate_authorization_request(f"{kit.AUTHORIZE}?{query}")
    assert caught.value.error == "invalid_request"
    with pytest.raises(errors.InvalidRequestFatalError):
        server.create_authorization_response(f"{kit.AUTHORIZE}?{query}")


def test_parse_error_description_does_not_echo_the_request(server, kit):
    with pytest.raises(errors.InvalidRequestFatalError) as caught:
        server.validate_authorization_request(f"{kit.AUTHORIZE}?client_id=%zzSECRET")
    assert "SECRET" not in (caught.value.description or "")


@pytest.mark.parametrize("failing", ["validate_client_id", "validate_scopes",
                                     "save_authorization_code"])
def test_validator_crash_raises_server_error_500_without_redirect(server, validator, code_uri,
                                                                  failing):
    """Departure: a crashing validator gives errors.ServerError (status 500) with no
    redirect URI, so the application shows an error page (RFC 9700 §4.11.2: never
    redirect to a URI that may not be validated)."""
    validator.fail[failing] = RuntimeError("database is down")
    with pytest.raises(errors.ServerError) as caught:
        server.create_authorization_response(code_uri, scopes=["read"])
    assert caught.value.status_code == 500
    assert caught.value.redirect_uri is None
    assert "database" not in (caught.value.description or "")


def test_validator_crash_on_validate_raises_server_error(server, validator, code_uri):
    validator.fail["validate_redirect_uri"] = KeyError("x")
    with pytest.raises(errors.ServerError) as caught:
        server.validate_authorization_request(code_uri)
    assert caught.value.status_code == 500


def test_validator_crash_is_logged_with_traceback(server, validator, code_uri, caplog):
    validator.fail["validate_client_id"] = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="flask_oauth_provider"):
        with pytest.raises(errors.ServerError):
            server.validate_authorization_request(code_uri)
    assert any(record.exc_info for record in caplog.records)


def test_catch_errors_off_lets_the_exception_through(server, validator, code_uri):
    server.catch_errors = False
    validator.fail["validate_client_id"] = RuntimeError("boom")
    with pytest.raises(RuntimeError):
        server.validate_authorization_request(code_uri)


def test_unavailable_create_answers_503_json(server, code_uri):
    """RFC 6749 §4.1.2.1 temporarily_unavailable; the validator is not consulted."""
    server.available = False
    headers, body, status = server.create_authorization_response(code_uri)
    assert status == 503
    assert body == '{"error": "temporarily_unavailable"}'
    assert headers["Content-Type"] == "application/json"


def test_unavailable_validate_raises_temporarily_unavailable(server, validator, code_uri):
    """Departure: raised (status 503, no redirect URI) instead of a 3-tuple where
    (scopes, request_info) is expected."""
    server.available = False
    with pytest.raises(errors.TemporarilyUnavailableError) as caught:
        server.validate_authorization_request(code_uri)
    assert caught.value.status_code == 503
    assert caught.value.redirect_uri is None
    assert validator.calls == []


def test_wrong_arguments_are_a_type_error_not_a_server_error(server, code_uri):
    with pytest.raises(TypeError):
        server.create_authorization_response(code_uri, no_such_argument=1)


def test_endpoint_works_with_a_single_grant(validator, kit):
    from flask_oauth_provider.core.grants import AuthorizationCodeGrant
    from flask_oauth_provider.core.tokens import BearerToken

    grant = AuthorizationCodeGrant(validator)
    endpoint = AuthorizationEndpoint("code", BearerToken(validator), {"code": grant})
    assert endpoint.default_response_type_handler is grant
    _, _, status = endpoint.create_authorization_response(
        authorize_uri(kit, response_type="code", client_id="conf", redirect_uri=kit.CONF_CB),
        scopes=["read"])
    assert status == 302
