"""ImplicitGrant (RFC 6749 §4.2), in the validator call order documented in
``flask_oauth_provider/core/grants/implicit.py``."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.grants import ImplicitGrant
from tests.core.grants.grant_support import (
    CLIENT_ID,
    REDIRECT_URI,
    RecordingValidator,
    authorization_request,
    bearer,
    hook,
    location_params,
)


def implicit_request(scopes=None, **params):
    query = {
        "response_type": "token",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        "scope": "read",
    }
    query.update(params)
    return authorization_request({k: v for k, v in query.items() if v is not None}, scopes)


def fragment_of(response):
    headers, response_body, status = response
    assert status == 302
    assert response_body is None
    base, query, fragment = location_params(headers)
    assert base == REDIRECT_URI
    assert query == {}
    return fragment


def test_implicit_calls_validator_and_hooks_in_graph_order(validator):
    grant = ImplicitGrant(
        validator,
        pre_auth=[hook(validator, "pre_auth")],
        pre_token=[hook(validator, "pre_token")],
        post_auth=[hook(validator, "post_auth")],
        post_token=[hook(validator, "post_token")],
    )
    grant.create_authorization_response(implicit_request(), bearer(validator))
    assert validator.calls == [
        "validate_client_id",
        "validate_redirect_uri",
        "pre_auth",
        "pre_token",
        "validate_response_type",
        "validate_scopes",
        "post_auth",
        "post_token",
        "save_bearer_token",
    ]


def test_implicit_puts_token_and_state_in_fragment(validator):
    grant = ImplicitGrant(validator)
    fragment = fragment_of(
        grant.create_authorization_response(implicit_request(), bearer(validator))
    )
    assert fragment == {
        "access_token": "access-token-1",
        "expires_in": "3600",
        "token_type": "Bearer",
        "scope": "read",
        "state": "xyz",
    }


def test_implicit_does_not_echo_an_empty_state(validator):
    grant = ImplicitGrant(validator)
    request = implicit_request(state="")
    fragment = fragment_of(grant.create_authorization_response(request, bearer(validator)))
    assert "state" not in fragment


def test_implicit_never_issues_refresh_token(validator):
    grant = ImplicitGrant(validator, refresh_token=True)
    fragment = fragment_of(
        grant.create_authorization_response(implicit_request(), bearer(validator))
    )
    assert "refresh_token" not in fragment
    assert "refresh_token" not in validator.saved_tokens[0]


def test_implicit_ignores_response_mode_query(validator):
    """RFC 6749 §4.2.2 (departure: oauthlib would put the token in the query)."""
    grant = ImplicitGrant(validator)
    request = implicit_request(response_mode="query")
    fragment = fragment_of(grant.create_authorization_response(request, bearer(validator)))
    assert fragment["access_token"] == "access-token-1"


def test_implicit_uses_scopes_chosen_at_the_endpoint(validator):
    grant = ImplicitGrant(validator)
    request = implicit_request(scopes=["read", "write"], scope="read write admin")
    fragment = fragment_of(grant.create_authorization_response(request, bearer(validator)))
    assert fragment["scope"] == "read write"


def test_implicit_without_scope_uses_default_scopes(validator):
    grant = ImplicitGrant(validator)
    scopes, _ = grant.validate_authorization_request(implicit_request(scope=None))
    assert scopes == ["read"]
    assert validator.calls[-2:] == ["get_default_scopes", "validate_scopes"]


def test_implicit_validate_authorization_request_returns_request_info(validator):
    grant = ImplicitGrant(validator)
    grant.custom_validators.pre_auth.append(lambda request: {"a": 1})
    grant.custom_validators.post_token.append(lambda request: None)
    request = implicit_request()
    scopes, info = grant.validate_authorization_request(request)
    assert scopes == ["read"]
    assert info == {
        "a": 1,
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "token",
        "state": "xyz",
        "request": request,
    }


def test_implicit_token_modifier_gets_token_handler_and_request(validator):
    grant = ImplicitGrant(validator)
    handler = bearer(validator)
    request = implicit_request()
    seen = []

    def modifier(token, token_handler, req):
        seen.append((token_handler, req))
        return dict(token, extra="x")

    grant.register_token_modifier(modifier)
    fragment = fragment_of(grant.create_authorization_response(request, handler))
    assert seen == [(handler, request)]
    assert fragment["extra"] == "x"


def test_implicit_missing_client_id_is_fatal(validator):
    grant = ImplicitGrant(validator)
    with pytest.raises(errors.MissingClientIdError):
        grant.create_authorization_response(implicit_request(client_id=None), bearer(validator))


def test_implicit_unknown_client_is_fatal():
    validator = RecordingValidator(validate_client_id=False)
    grant = ImplicitGrant(validator)
    with pytest.raises(errors.InvalidClientIdError):
        grant.create_authorization_response(implicit_request(), bearer(validator))
    assert validator.calls == ["validate_client_id"]


def test_implicit_duplicate_redirect_uri_is_fatal(validator):
    grant = ImplicitGrant(validator)
    request = authorization_request(
        [
            ("response_type", "token"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("redirect_uri", "https://evil.example/cb"),
        ]
    )
    with pytest.raises(errors.InvalidRequestFatalError, match="Duplicate redirect_uri"):
        grant.create_authorization_response(request, bearer(validator))
    assert validator.calls == []


def test_implicit_unregistered_redirect_uri_is_fatal():
    validator = RecordingValidator(validate_redirect_uri=False)
    grant = ImplicitGrant(validator)
    with pytest.raises(errors.MismatchingRedirectURIError):
        grant.create_authorization_response(implicit_request(), bearer(validator))


def test_implicit_no_redirect_uri_and_no_default_is_fatal():
    validator = RecordingValidator(get_default_redirect_uri=None)
    grant = ImplicitGrant(validator)
    with pytest.raises(errors.MissingRedirectURIError):
        grant.create_authorization_response(implicit_request(redirect_uri=None), bearer(validator))
    assert validator.calls == ["validate_client_id", "get_default_redirect_uri"]


def test_implicit_missing_response_type_is_redirected_in_fragment(validator):
    grant = ImplicitGrant(validator)
    fragment = fragment_of(
        grant.create_authorization_response(implicit_request(response_type=None), bearer(validator))
    )
    assert fragment["error"] == "invalid_request"
    assert fragment["state"] == "xyz"


def test_implicit_response_type_code_is_unsupported(validator):
    grant = ImplicitGrant(validator)
    fragment = fragment_of(
        grant.create_authorization_response(
            implicit_request(response_type="code"), bearer(validator)
        )
    )
    assert fragment["error"] == "unsupported_response_type"
    assert "validate_response_type" not in validator.calls


def test_implicit_registered_response_type_is_accepted(validator):
    grant = ImplicitGrant(validator)
    grant.register_response_type("id_token")
    grant.validate_authorization_request(implicit_request(response_type="id_token token"))
    assert "validate_response_type" in validator.calls


def test_implicit_response_type_refused_by_validator_is_unauthorized_client():
    validator = RecordingValidator(validate_response_type=False)
    grant = ImplicitGrant(validator)
    fragment = fragment_of(
        grant.create_authorization_response(implicit_request(), bearer(validator))
    )
    assert fragment["error"] == "unauthorized_client"
    assert "save_bearer_token" not in validator.calls


def test_implicit_refused_scope_is_invalid_scope():
    validator = RecordingValidator(validate_scopes=False)
    grant = ImplicitGrant(validator)
    fragment = fragment_of(
        grant.create_authorization_response(implicit_request(), bearer(validator))
    )
    assert fragment == {"error": "invalid_scope", "state": "xyz"}
    assert validator.saved_tokens == []
