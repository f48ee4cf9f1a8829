"""AuthorizationCodeGrant (RFC 6749 §4.1, RFC 7636): the authorization request and the token
request, in the validator call order documented in
``flask_oauth_provider/core/grants/authorization_code.py``."""

from __future__ import annotations

import hmac
from unittest import mock

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.grants import AuthorizationCodeGrant
from flask_oauth_provider.core.request import Request
from tests.core.grants.grant_support import (
    AUTHORIZE_URI,
    CLIENT_ID,
    REDIRECT_URI,
    RecordingValidator,
    authorization_request,
    bearer,
    body,
    hook,
    location_params,
    token_request,
)
from tests.helpers import RFC7636_CHALLENGE, RFC7636_VERIFIER, s256

JSON_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


def code_request(**params):
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        "scope": "read",
    }
    query.update(params)
    return authorization_request({k: v for k, v in query.items() if v is not None})


def exchange_request(headers=None, **params):
    form = {"grant_type": "authorization_code", "code": "code-1", "redirect_uri": REDIRECT_URI}
    form.update(params)
    return token_request({k: v for k, v in form.items() if v is not None}, headers)


def redirected_error(response):
    headers, response_body, status = response
    assert status == 302
    assert response_body is None
    base, query, _ = location_params(headers)
    assert base == REDIRECT_URI
    return query


# --------------------------------------------------------------- authorization request


def test_authorization_request_calls_validator_in_graph_order(validator):
    grant = AuthorizationCodeGrant(validator)
    grant.validate_authorization_request(code_request())
    assert validator.calls == [
        "validate_client_id",
        "validate_redirect_uri",
        "validate_response_type",
        "is_pkce_required",
        "validate_scopes",
    ]


def test_authorization_request_returns_scopes_and_request_info(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request()
    scopes, info = grant.validate_authorization_request(request)
    assert scopes == ["read"]
    assert info == {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "state": "xyz",
        "request": request,
    }


def test_authorization_request_without_redirect_uri_uses_default(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(redirect_uri=None)
    grant.validate_authorization_request(request)
    assert validator.calls[:2] == ["validate_client_id", "get_default_redirect_uri"]
    assert request.redirect_uri == REDIRECT_URI
    assert request.using_default_redirect_uri is True


def test_authorization_request_without_scope_uses_default_scopes(validator):
    grant = AuthorizationCodeGrant(validator)
    scopes, _ = grant.validate_authorization_request(code_request(scope=None))
    assert validator.calls[-2:] == ["get_default_scopes", "validate_scopes"]
    assert scopes == ["read"]


def test_authorization_hooks_run_around_the_standard_checks(validator):
    grant = AuthorizationCodeGrant(
        validator,
        pre_auth=[hook(validator, "pre_auth")],
        post_auth=[hook(validator, "post_auth")],
    )
    grant.create_authorization_response(code_request(), bearer(validator))
    assert validator.calls == [
        "validate_client_id",
        "validate_redirect_uri",
        "pre_auth",
        "validate_response_type",
        "is_pkce_required",
        "validate_scopes",
        "post_auth",
        "save_authorization_code",
    ]


def test_authorization_hook_results_are_merged_into_request_info(validator):
    grant = AuthorizationCodeGrant(validator)
    grant.custom_validators.pre_auth.append(lambda request: {"tenant": "a"})
    grant.custom_validators.post_auth.append(lambda request: {"nonce": "n"})
    _, info = grant.validate_authorization_request(code_request())
    assert info["tenant"] == "a"
    assert info["nonce"] == "n"


def test_authorization_response_redirects_with_code_and_state(validator):
    grant = AuthorizationCodeGrant(validator)
    headers, response_body, status = grant.create_authorization_response(
        code_request(), bearer(validator)
    )
    assert status == 302
    assert response_body is None
    base, query, fragment = location_params(headers)
    assert base == REDIRECT_URI
    assert set(query) == {"code", "state"}
    assert query["state"] == "xyz"
    assert fragment == {}
    assert validator.saved_codes == [{"code": query["code"], "state": "xyz"}]


def test_authorization_code_has_at_least_256_bits(validator):
    grant = AuthorizationCodeGrant(validator)
    headers, _, _ = grant.create_authorization_response(code_request(), bearer(validator))
    assert len(location_params(headers)[1]["code"]) >= 43


def test_authorization_codes_differ_between_requests(validator):
    grant = AuthorizationCodeGrant(validator)
    first, _, _ = grant.create_authorization_response(code_request(), bearer(validator))
    second, _, _ = grant.create_authorization_response(code_request(), bearer(validator))
    assert location_params(first)[1]["code"] != location_params(second)[1]["code"]


def test_authorization_response_without_state_has_no_state(validator):
    grant = AuthorizationCodeGrant(validator)
    headers, _, _ = grant.create_authorization_response(code_request(state=None), bearer(validator))
    assert set(location_params(headers)[1]) == {"code"}


def test_authorization_response_keeps_query_of_registered_redirect_uri():
    validator = RecordingValidator()
    grant = AuthorizationCodeGrant(validator)
    request = code_request(redirect_uri=REDIRECT_URI + "?tenant=a")
    headers, _, _ = grant.create_authorization_response(request, bearer(validator))
    query = location_params(headers)[1]
    assert query["tenant"] == "a"
    assert "code" in query


def test_authorization_response_mode_fragment_puts_code_in_fragment(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(response_mode="fragment")
    headers, _, _ = grant.create_authorization_response(request, bearer(validator))
    _, query, fragment = location_params(headers)
    assert query == {}
    assert "code" in fragment


def test_authorization_response_unknown_response_mode_falls_back_to_query(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(response_mode="form_post")
    headers, _, _ = grant.create_authorization_response(request, bearer(validator))
    assert "code" in location_params(headers)[1]


def test_response_type_none_returns_only_state(validator):
    grant = AuthorizationCodeGrant(validator)
    headers, _, _ = grant.create_authorization_response(
        code_request(response_type="none"), bearer(validator)
    )
    assert location_params(headers)[1] == {"state": "xyz"}


def test_code_modifier_gets_grant_token_handler_and_request(validator):
    grant = AuthorizationCodeGrant(validator)
    seen = []

    def modifier(code_grant, token_handler, request):
        seen.append((token_handler, request))
        return dict(code_grant, extra="x")

    grant.register_code_modifier(modifier)
    handler = bearer(validator)
    request = code_request()
    grant.create_authorization_response(request, handler)
    assert seen == [(handler, request)]
    assert validator.saved_codes[0]["extra"] == "x"


def test_code_modifier_adding_access_token_saves_the_token_before_the_code(validator):
    grant = AuthorizationCodeGrant(validator)
    grant.register_code_modifier(
        lambda code_grant, handler, request: dict(code_grant, access_token="hybrid")
    )
    grant.create_authorization_response(code_request(), bearer(validator))
    assert validator.calls[-2:] == ["save_bearer_token", "save_authorization_code"]


def test_duplicate_client_id_is_fatal_and_calls_no_validator(validator):
    grant = AuthorizationCodeGrant(validator)
    request = authorization_request(
        [("client_id", CLIENT_ID), ("client_id", "other"), ("response_type", "code")]
    )
    with pytest.raises(errors.InvalidRequestFatalError, match="Duplicate client_id"):
        grant.create_authorization_response(request, bearer(validator))
    assert validator.calls == []


@pytest.mark.parametrize("param", ["response_type", "redirect_uri", "scope", "state"])
def test_duplicate_authorization_parameter_is_fatal(validator, param):
    grant = AuthorizationCodeGrant(validator)
    request = authorization_request(
        [("client_id", CLIENT_ID), (param, "a"), (param, "b")], response_type="code"
    )
    with pytest.raises(errors.InvalidRequestFatalError, match=f"Duplicate {param}"):
        grant.validate_authorization_request(request)


@pytest.mark.parametrize("param", ["code_challenge", "code_challenge_method"])
def test_duplicate_pkce_parameter_is_redirected_as_invalid_request(validator, param):
    grant = AuthorizationCodeGrant(validator)
    pkce = {"code_challenge": RFC7636_CHALLENGE, "code_challenge_method": "S256"}
    pairs = code_request(**pkce).uri_query_params + [(param, pkce[param])]
    request = authorization_request(pairs)
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error_description"] == f"Duplicate {param} parameter."
    assert validator.calls == ["validate_client_id", "validate_redirect_uri"]


def test_unparseable_query_is_fatal(validator):
    grant = AuthorizationCodeGrant(validator)
    request = Request(AUTHORIZE_URI + "?client_id=client1&response_type=code&")
    with pytest.raises(errors.InvalidRequestFatalError, match="Unable to parse"):
        grant.validate_authorization_request(request)
    assert validator.calls == []


def test_missing_client_id_is_fatal(validator):
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.MissingClientIdError):
        grant.create_authorization_response(code_request(client_id=None), bearer(validator))
    assert validator.calls == []


def test_unknown_client_id_is_fatal():
    validator = RecordingValidator(validate_client_id=False)
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.InvalidClientIdError):
        grant.create_authorization_response(code_request(), bearer(validator))
    assert validator.calls == ["validate_client_id"]


@pytest.mark.parametrize("uri", ["/cb", "client.example/cb", REDIRECT_URI + "#frag"])
def test_redirect_uri_that_is_not_absolute_or_has_fragment_is_fatal(validator, uri):
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.InvalidRedirectURIError):
        grant.create_authorization_response(code_request(redirect_uri=uri), bearer(validator))
    assert validator.calls == ["validate_client_id"]


def test_unregistered_redirect_uri_is_fatal():
    validator = RecordingValidator(validate_redirect_uri=False)
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.MismatchingRedirectURIError):
        grant.create_authorization_response(
            code_request(redirect_uri="https://evil.example/cb"), bearer(validator)
        )
    assert validator.calls == ["validate_client_id", "validate_redirect_uri"]


def test_no_redirect_uri_and_no_default_is_fatal():
    validator = RecordingValidator(get_default_redirect_uri=None)
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.MissingRedirectURIError):
        grant.create_authorization_response(code_request(redirect_uri=None), bearer(validator))


def test_relative_default_redirect_uri_is_fatal():
    validator = RecordingValidator(get_default_redirect_uri="/cb")
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.InvalidRedirectURIError):
        grant.create_authorization_response(code_request(redirect_uri=None), bearer(validator))


def test_missing_response_type_is_redirected_as_invalid_request(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(
        code_request(response_type=None), bearer(validator)
    )
    query = redirected_error(response)
    assert query == {
        "error": "invalid_request",
        "error_description": "Missing response_type parameter.",
        "state": "xyz",
    }
    assert "validate_response_type" not in validator.calls


def test_response_type_without_code_is_unsupported(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(
        code_request(response_type="token"), bearer(validator)
    )
    assert redirected_error(response)["error"] == "unsupported_response_type"


def test_response_type_containing_code_as_a_substring_only_is_unsupported(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(
        code_request(response_type="codex"), bearer(validator)
    )
    assert redirected_error(response)["error"] == "unsupported_response_type"


def test_response_type_refused_by_validator_is_unauthorized_client():
    validator = RecordingValidator(validate_response_type=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(code_request(), bearer(validator))
    assert redirected_error(response)["error"] == "unauthorized_client"
    assert validator.calls[-1] == "validate_response_type"


def test_refused_scope_is_redirected_as_invalid_scope():
    validator = RecordingValidator(validate_scopes=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(code_request(), bearer(validator))
    assert redirected_error(response) == {"error": "invalid_scope", "state": "xyz"}
    assert "save_authorization_code" not in validator.calls


def test_refused_scope_raises_from_validate_authorization_request():
    validator = RecordingValidator(validate_scopes=False)
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(errors.InvalidScopeError):
        grant.validate_authorization_request(code_request())


def test_error_from_pre_auth_hook_is_redirected(validator):
    def refuse(request):
        raise errors.AccessDeniedError(request=request)

    grant = AuthorizationCodeGrant(validator, pre_auth=[refuse])
    response = grant.create_authorization_response(code_request(), bearer(validator))
    assert redirected_error(response)["error"] == "access_denied"
    assert validator.calls == ["validate_client_id", "validate_redirect_uri"]


def test_error_with_response_mode_fragment_is_redirected_in_fragment():
    validator = RecordingValidator(validate_scopes=False)
    grant = AuthorizationCodeGrant(validator)
    headers, _, _ = grant.create_authorization_response(
        code_request(response_mode="fragment"), bearer(validator)
    )
    _, query, fragment = location_params(headers)
    assert query == {}
    assert fragment["error"] == "invalid_scope"


# -------------------------------------------------------------- PKCE at authorization


def test_pkce_required_without_challenge_is_invalid_request():
    validator = RecordingValidator(is_pkce_required=True)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_authorization_response(code_request(), bearer(validator))
    query = redirected_error(response)
    assert query["error"] == "invalid_request"
    assert query["error_description"] == "Code challenge required."
    assert validator.calls[-1] == "is_pkce_required"


def test_s256_challenge_is_put_into_request_info(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=RFC7636_CHALLENGE, code_challenge_method="S256")
    _, info = grant.validate_authorization_request(request)
    assert info["code_challenge"] == RFC7636_CHALLENGE
    assert info["code_challenge_method"] == "S256"


def test_plain_method_is_refused_by_default(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=RFC7636_VERIFIER, code_challenge_method="plain")
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error"] == "invalid_request"
    assert query["error_description"] == "Transform algorithm not supported."


def test_challenge_without_method_means_plain_and_is_refused_by_default(validator):
    """RFC 7636 §4.3: code_challenge_method defaults to plain."""
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=RFC7636_CHALLENGE)
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error_description"] == "Transform algorithm not supported."


def test_challenge_without_method_is_plain_when_plain_is_enabled(validator):
    grant = AuthorizationCodeGrant(validator, pkce_plain=True)
    request = code_request(code_challenge=RFC7636_VERIFIER)
    _, info = grant.validate_authorization_request(request)
    assert info["code_challenge_method"] == "plain"
    assert request.code_challenge_method == "plain"


def test_unknown_challenge_method_is_refused_even_with_plain_enabled(validator):
    grant = AuthorizationCodeGrant(validator, pkce_plain=True)
    request = code_request(code_challenge=RFC7636_CHALLENGE, code_challenge_method="S512")
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error_description"] == "Transform algorithm not supported."


@pytest.mark.parametrize("challenge", ["abc", "a" * 42, "a" * 129, "a" * 42 + "+"])
def test_malformed_challenge_is_invalid_request(validator, challenge):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=challenge, code_challenge_method="S256")
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error"] == "invalid_request"
    assert "save_authorization_code" not in validator.calls


def test_empty_challenge_counts_as_missing_when_pkce_is_required():
    validator = RecordingValidator(is_pkce_required=True)
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge="", code_challenge_method="S256")
    query = redirected_error(grant.create_authorization_response(request, bearer(validator)))
    assert query["error_description"] == "Code challenge required."


def test_empty_challenge_is_ignored_when_pkce_is_optional(validator):
    grant = AuthorizationCodeGrant(validator)
    _, info = grant.validate_authorization_request(code_request(code_challenge=""))
    assert "code_challenge" not in info


def test_challenge_is_available_to_save_authorization_code(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=RFC7636_CHALLENGE, code_challenge_method="S256")
    grant.create_authorization_response(request, bearer(validator))
    saved_request = validator.args["save_authorization_code"][2]
    assert saved_request.code_challenge == RFC7636_CHALLENGE
    assert saved_request.code_challenge_method == "S256"


def test_challenge_does_not_appear_in_the_redirect(validator):
    grant = AuthorizationCodeGrant(validator)
    request = code_request(code_challenge=RFC7636_CHALLENGE, code_challenge_method="S256")
    headers, _, _ = grant.create_authorization_response(request, bearer(validator))
    assert RFC7636_CHALLENGE not in headers["Location"]


# --------------------------------------------------------------------- token request


def test_token_request_calls_validator_in_graph_order(validator):
    grant = AuthorizationCodeGrant(validator)
    grant.create_token_response(exchange_request(), bearer(validator))
    assert validator.calls == [
        "client_authentication_required",
        "authenticate_client",
        "validate_grant_type",
        "validate_code",
        "get_code_challenge",
        "is_pkce_required",
        "confirm_redirect_uri",
        "save_bearer_token",
        "invalidate_authorization_code",
    ]


def test_token_hooks_run_before_client_authentication_and_after_redirect_check(validator):
    grant = AuthorizationCodeGrant(
        validator,
        pre_token=[hook(validator, "pre_token")],
        post_token=[hook(validator, "post_token")],
    )
    grant.create_token_response(exchange_request(), bearer(validator))
    assert validator.calls[0] == "pre_token"
    assert validator.calls[1] == "client_authentication_required"
    index = validator.calls.index("post_token")
    assert validator.calls[index - 1] == "confirm_redirect_uri"
    assert validator.calls[index + 1] == "save_bearer_token"


def test_token_response_is_json_token_with_no_store_headers(validator):
    grant = AuthorizationCodeGrant(validator)
    headers, response_body, status = grant.create_token_response(
        exchange_request(), bearer(validator)
    )
    assert status == 200
    assert headers == JSON_HEADERS
    assert body((headers, response_body, status)) == {
        "access_token": "access-token-1",
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "read",
        "refresh_token": "refresh-token-1",
    }
    assert validator.saved_tokens == [body((headers, response_body, status))]


def test_token_scope_comes_from_the_code_not_from_the_request(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(scope="admin"), bearer(validator))
    assert body(response)["scope"] == "read"


def test_code_is_invalidated_with_client_id_and_code(validator):
    grant = AuthorizationCodeGrant(validator)
    grant.create_token_response(exchange_request(), bearer(validator))
    client_id, code, _ = validator.args["invalidate_authorization_code"]
    assert (client_id, code) == (CLIENT_ID, "code-1")


def test_refresh_token_false_issues_no_refresh_token(validator):
    grant = AuthorizationCodeGrant(validator, refresh_token=False)
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert "refresh_token" not in body(response)


def test_token_modifier_gets_token_handler_and_request(validator):
    grant = AuthorizationCodeGrant(validator)
    handler = bearer(validator)
    request = exchange_request()
    seen = []

    def modifier(token, token_handler, req):
        seen.append((token_handler, req))
        token["extra"] = "x"
        return token

    grant.register_token_modifier(modifier)
    response = grant.create_token_response(request, handler)
    assert seen == [(handler, request)]
    assert body(response)["extra"] == "x"
    assert validator.saved_tokens[0]["extra"] == "x"


def test_public_client_is_identified_by_authenticate_client_id():
    validator = RecordingValidator(client_authentication_required=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(client_id=CLIENT_ID), bearer(validator))
    assert response[2] == 200
    assert validator.calls[:3] == [
        "client_authentication_required",
        "authenticate_client_id",
        "validate_grant_type",
    ]
    assert validator.args["authenticate_client_id"][0] == CLIENT_ID


def test_client_id_is_filled_from_the_authenticated_client(validator):
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request()
    grant.create_token_response(request, bearer(validator))
    assert request.client_id == CLIENT_ID
    assert validator.args["validate_code"][0] == CLIENT_ID


def test_wrong_grant_type_is_unsupported_grant_type(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(grant_type="password"), bearer(validator)
    )
    assert response[2] == 400
    assert body(response) == {"error": "unsupported_grant_type"}
    assert validator.calls == []


def test_missing_code_is_invalid_request(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(code=None), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": "Missing code parameter.",
    }
    assert validator.calls == []


@pytest.mark.parametrize("param", ["client_id", "grant_type", "redirect_uri", "code"])
def test_duplicate_token_parameter_is_invalid_request(validator, param):
    grant = AuthorizationCodeGrant(validator)
    form = {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
    }
    pairs = list(form.items()) + [(param, form[param])]
    response = grant.create_token_response(token_request(pairs), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": f"Duplicate {param} parameter.",
    }
    assert validator.calls == []


def test_error_response_has_no_store_headers():
    validator = RecordingValidator(validate_code=False)
    grant = AuthorizationCodeGrant(validator)
    headers, _, status = grant.create_token_response(exchange_request(), bearer(validator))
    assert status == 400
    assert headers == JSON_HEADERS


def test_failed_client_authentication_is_invalid_client_401():
    validator = RecordingValidator(authenticate_client=False)
    grant = AuthorizationCodeGrant(validator)
    headers, response_body, status = grant.create_token_response(
        exchange_request(headers={"Authorization": "Basic Y2xpZW50MTp3cm9uZw=="}),
        bearer(validator),
    )
    assert status == 401
    assert body((headers, response_body, status))["error"] == "invalid_client"
    assert headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_client"' in headers["WWW-Authenticate"]
    assert headers["Cache-Control"] == "no-store"
    assert validator.calls == ["client_authentication_required", "authenticate_client"]


def test_unknown_public_client_is_invalid_client_401():
    validator = RecordingValidator(
        client_authentication_required=False, authenticate_client_id=False
    )
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(client_id="nobody"), bearer(validator))
    assert response[2] == 401
    assert body(response)["error"] == "invalid_client"


def test_client_id_of_another_client_than_the_authenticated_one_is_invalid_client(validator):
    """Departure from oauthlib (server_error 400): the request names another client."""
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(client_id="client2"), bearer(validator))
    assert response[2] == 401
    assert body(response)["error"] == "invalid_client"
    assert "validate_grant_type" not in validator.calls


def test_validator_that_does_not_set_request_client_is_a_programming_error():
    validator = RecordingValidator(set_client=False)
    grant = AuthorizationCodeGrant(validator)
    with pytest.raises(NotImplementedError, match="authenticate_client"):
        grant.create_token_response(exchange_request(), bearer(validator))


def test_grant_type_refused_for_client_is_unauthorized_client():
    validator = RecordingValidator(validate_grant_type=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert body(response)["error"] == "unauthorized_client"
    assert validator.calls[-1] == "validate_grant_type"


def test_invalid_code_is_invalid_grant():
    validator = RecordingValidator(validate_code=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert response[2] == 400
    assert body(response) == {"error": "invalid_grant"}
    assert validator.calls[-1] == "validate_code"
    assert "save_bearer_token" not in validator.calls


def test_mismatching_redirect_uri_is_invalid_grant():
    """RFC 6749 §5.2 (departure: oauthlib answers invalid_request)."""
    validator = RecordingValidator(confirm_redirect_uri=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(redirect_uri="https://client.example/other"), bearer(validator)
    )
    assert body(response) == {
        "error": "invalid_grant",
        "error_description": "Mismatching redirect URI.",
    }
    assert validator.calls[-1] == "confirm_redirect_uri"


def test_missing_redirect_uri_confirms_the_default_redirect_uri(validator):
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request(redirect_uri=None)
    response = grant.create_token_response(request, bearer(validator))
    assert response[2] == 200
    index = validator.calls.index("get_default_redirect_uri")
    assert validator.calls[index + 1] == "confirm_redirect_uri"
    assert validator.args["confirm_redirect_uri"][2] == REDIRECT_URI
    assert request.using_default_redirect_uri is True


def test_given_redirect_uri_is_not_the_default(validator):
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request()
    grant.create_token_response(request, bearer(validator))
    assert request.using_default_redirect_uri is False
    assert "get_default_redirect_uri" not in validator.calls


def test_missing_redirect_uri_for_code_bound_to_one_is_invalid_grant():
    """RFC 6749 §4.1.3: the validator refuses the default for a code bound to a URI."""
    validator = RecordingValidator(confirm_redirect_uri=False)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(redirect_uri=None), bearer(validator))
    assert body(response)["error"] == "invalid_grant"


def test_missing_redirect_uri_without_default_is_invalid_grant():
    """RFC 6749 §4.1.3 (departure: oauthlib answers invalid_request)."""
    validator = RecordingValidator(get_default_redirect_uri=None)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(redirect_uri=None), bearer(validator))
    assert body(response) == {
        "error": "invalid_grant",
        "error_description": "Missing redirect URI.",
    }
    assert "confirm_redirect_uri" not in validator.calls


def test_error_from_pre_token_hook_stops_before_client_authentication(validator):
    def refuse(request):
        raise errors.InvalidRequestError(description="No.", request=request)

    grant = AuthorizationCodeGrant(validator, pre_token=[refuse])
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert body(response)["error_description"] == "No."
    assert validator.calls == []


def test_cors_header_for_allowed_https_origin(validator):
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request(headers={"Origin": "https://app.example"})
    headers, _, _ = grant.create_token_response(request, bearer(validator))
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert validator.calls[-1] == "is_origin_allowed"


def test_no_cors_header_for_http_origin(validator, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request(headers={"Origin": "http://app.example"})
    headers, _, _ = grant.create_token_response(request, bearer(validator))
    assert "Access-Control-Allow-Origin" not in headers
    assert "is_origin_allowed" not in validator.calls


def test_no_cors_header_for_origin_the_validator_refuses():
    validator = RecordingValidator(is_origin_allowed=False)
    grant = AuthorizationCodeGrant(validator)
    request = exchange_request(headers={"Origin": "https://app.example"})
    headers, _, _ = grant.create_token_response(request, bearer(validator))
    assert "Access-Control-Allow-Origin" not in headers


# ----------------------------------------------------------------------- PKCE at token


def pkce_validator(challenge=RFC7636_CHALLENGE, method="S256", **returns):
    return RecordingValidator(
        get_code_challenge=challenge, get_code_challenge_method=method, **returns
    )


def test_rfc7636_appendix_b_vector_through_the_code_grant():
    validator = RecordingValidator()
    grant = AuthorizationCodeGrant(validator)
    authorize = code_request(code_challenge=RFC7636_CHALLENGE, code_challenge_method="S256")
    headers, _, _ = grant.create_authorization_response(authorize, bearer(validator))
    code = location_params(headers)[1]["code"]
    stored = validator.args["save_authorization_code"][2]

    validator = pkce_validator(stored.code_challenge, stored.code_challenge_method)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code=code, code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert response[2] == 200
    assert body(response)["access_token"] == "access-token-1"
    assert validator.calls[4:6] == ["get_code_challenge", "get_code_challenge_method"]


def test_s256_verifier_at_lower_length_boundary_is_accepted():
    verifier = "a" * 43
    validator = pkce_validator(s256(verifier))
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=verifier), bearer(validator)
    )
    assert response[2] == 200


def test_missing_verifier_for_code_with_challenge_is_invalid_request():
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": "Code verifier required.",
    }
    assert validator.calls[-1] == "get_code_challenge"


def test_empty_verifier_for_code_with_challenge_is_missing_verifier():
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(code_verifier=""), bearer(validator))
    assert body(response)["error_description"] == "Code verifier required."


def test_empty_verifier_for_code_without_challenge_is_ignored(validator):
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(code_verifier=""), bearer(validator))
    assert response[2] == 200


def test_wrong_verifier_is_invalid_grant():
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier="b" * 43), bearer(validator)
    )
    assert body(response) == {"error": "invalid_grant"}
    assert "confirm_redirect_uri" not in validator.calls


def test_challenge_sent_as_verifier_is_invalid_grant():
    """The plain-downgrade attack against an S256 code."""
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_CHALLENGE), bearer(validator)
    )
    assert body(response)["error"] == "invalid_grant"


@pytest.mark.parametrize("verifier", ["abc", "a" * 42, "a" * 129, "a" * 42 + "/"])
def test_malformed_verifier_is_invalid_grant(verifier):
    validator = pkce_validator(challenge=s256(verifier))
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=verifier), bearer(validator)
    )
    assert body(response)["error"] == "invalid_grant"


def test_stored_challenge_without_method_is_invalid_grant():
    validator = pkce_validator(method=None)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert body(response) == {
        "error": "invalid_grant",
        "error_description": "Challenge method not found",
    }


def test_stored_unknown_method_is_server_error_without_detail():
    validator = pkce_validator(method="S512")
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert response[2] == 500
    assert body(response) == {"error": "server_error"}


def test_stored_plain_method_is_refused_when_plain_is_disabled():
    validator = pkce_validator(challenge=RFC7636_VERIFIER, method="plain")
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert body(response)["error"] == "invalid_grant"


def test_plain_verifier_is_accepted_when_plain_is_enabled():
    validator = pkce_validator(challenge=RFC7636_VERIFIER, method="plain")
    grant = AuthorizationCodeGrant(validator, pkce_plain=True)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert response[2] == 200


def test_verifier_is_compared_in_constant_time():
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    with mock.patch("hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        grant.create_token_response(
            exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
        )
    assert compare.called


def test_pkce_required_but_no_challenge_stored_and_no_verifier_is_invalid_request():
    validator = RecordingValidator(is_pkce_required=True)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(exchange_request(), bearer(validator))
    assert body(response)["error_description"] == "Code verifier required."
    assert validator.calls[-2:] == ["get_code_challenge", "is_pkce_required"]


def test_pkce_required_but_no_challenge_stored_is_invalid_grant():
    validator = RecordingValidator(is_pkce_required=True)
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert body(response) == {"error": "invalid_grant", "error_description": "Challenge not found"}


def test_verifier_for_code_issued_without_challenge_is_refused(validator):
    """RFC 9700 §4.8.2 PKCE downgrade (departure: oauthlib ignores the verifier)."""
    grant = AuthorizationCodeGrant(validator)
    response = grant.create_token_response(
        exchange_request(code_verifier=RFC7636_VERIFIER), bearer(validator)
    )
    assert body(response)["error"] == "invalid_request"
    assert "save_bearer_token" not in validator.calls


def test_duplicate_code_verifier_is_invalid_request():
    validator = pkce_validator()
    grant = AuthorizationCodeGrant(validator)
    form = [
        ("grant_type", "authorization_code"),
        ("code", "code-1"),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", RFC7636_VERIFIER),
        ("code_verifier", "b" * 43),
    ]
    response = grant.create_token_response(token_request(form), bearer(validator))
    assert body(response)["error_description"] == "Duplicate code_verifier parameter."
