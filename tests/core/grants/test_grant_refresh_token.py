"""RefreshTokenGrant (RFC 6749 §6), in the validator call order documented in
``flask_oauth_provider/core/grants/refresh_token.py``."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.grants import RefreshTokenGrant
from tests.core.grants.grant_support import (
    CLIENT_ID,
    RecordingValidator,
    bearer,
    body,
    hook,
    token_request,
)


def refresh_request(pairs=None, headers=None, **params):
    form = {"grant_type": "refresh_token", "refresh_token": "old-refresh"}
    form.update(params)
    items = [(k, v) for k, v in form.items() if v is not None] + list(pairs or [])
    return token_request(items, headers)


def test_refresh_calls_validator_in_graph_order(validator):
    grant = RefreshTokenGrant(
        validator,
        pre_token=[hook(validator, "pre_token")],
        post_token=[hook(validator, "post_token")],
    )
    grant.create_token_response(refresh_request(), bearer(validator))
    assert validator.calls == [
        "pre_token",
        "client_authentication_required",
        "authenticate_client",
        "validate_grant_type",
        "validate_refresh_token",
        "get_original_scopes",
        "post_token",
        "rotate_refresh_token",
        "save_bearer_token",
    ]


def test_refresh_without_scope_keeps_the_original_scopes(validator):
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert response[2] == 200
    assert body(response)["scope"] == "read write"


def test_refresh_with_narrower_scope_is_accepted_without_asking_validator(validator):
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(scope="read"), bearer(validator))
    assert body(response)["scope"] == "read"
    assert "is_within_original_scope" not in validator.calls


def test_refresh_with_broader_scope_is_invalid_scope(validator):
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(scope="read admin"), bearer(validator))
    assert body(response) == {"error": "invalid_scope"}
    assert validator.calls[-2:] == ["get_original_scopes", "is_within_original_scope"]
    assert validator.saved_tokens == []


def test_refresh_with_broader_scope_the_validator_allows_is_accepted():
    validator = RecordingValidator(is_within_original_scope=True)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(scope="read admin"), bearer(validator))
    assert body(response)["scope"] == "read admin"
    assert validator.args["is_within_original_scope"][0] == ["read", "admin"]


def test_refresh_with_scope_when_original_scopes_are_unknown_is_invalid_scope():
    validator = RecordingValidator(get_original_scopes=None)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(scope="read"), bearer(validator))
    assert body(response)["error"] == "invalid_scope"


def test_refresh_never_calls_validate_scopes(validator):
    grant = RefreshTokenGrant(validator)
    grant.create_token_response(refresh_request(scope="read"), bearer(validator))
    assert "validate_scopes" not in validator.calls
    assert "get_default_scopes" not in validator.calls


def test_refresh_rotates_the_refresh_token(validator):
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert body(response)["refresh_token"] == "refresh-token-1"


def test_refresh_without_rotation_returns_the_presented_refresh_token():
    validator = RecordingValidator(rotate_refresh_token=False)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert body(response)["refresh_token"] == "old-refresh"


def test_refresh_issue_new_refresh_tokens_false_issues_none(validator):
    grant = RefreshTokenGrant(validator, issue_new_refresh_tokens=False)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert "refresh_token" not in body(response)
    assert "rotate_refresh_token" not in validator.calls


def test_refresh_token_modifier_gets_token_handler_and_request(validator):
    grant = RefreshTokenGrant(validator)
    handler = bearer(validator)
    request = refresh_request()
    seen = []

    def modifier(token, token_handler, req):
        seen.append((token_handler, req))
        return dict(token, extra="x")

    grant.register_token_modifier(modifier)
    response = grant.create_token_response(request, handler)
    assert seen == [(handler, request)]
    assert body(response)["extra"] == "x"


def test_refresh_public_client_uses_authenticate_client_id():
    validator = RecordingValidator(client_authentication_required=False)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(client_id=CLIENT_ID), bearer(validator))
    assert response[2] == 200
    assert validator.calls[:2] == ["client_authentication_required", "authenticate_client_id"]


def test_refresh_cors_header_for_allowed_origin(validator):
    grant = RefreshTokenGrant(validator)
    request = refresh_request(headers={"Origin": "https://app.example"})
    headers, _, _ = grant.create_token_response(request, bearer(validator))
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_refresh_wrong_grant_type_is_unsupported_before_pre_token(validator):
    grant = RefreshTokenGrant(validator, pre_token=[hook(validator, "pre_token")])
    response = grant.create_token_response(
        refresh_request(grant_type="password"), bearer(validator)
    )
    assert body(response) == {"error": "unsupported_grant_type"}
    assert validator.calls == []


def test_refresh_missing_refresh_token_is_invalid_request(validator):
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(refresh_token=None), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": "Missing refresh token parameter.",
    }
    assert validator.calls == []


def test_refresh_duplicate_refresh_token_is_invalid_request(validator):
    grant = RefreshTokenGrant(validator)
    request = refresh_request(pairs=[("refresh_token", "other")])
    response = grant.create_token_response(request, bearer(validator))
    assert body(response)["error_description"] == "Duplicate refresh_token parameter."
    assert validator.calls == []


def test_refresh_failed_client_authentication_is_invalid_client_401():
    validator = RecordingValidator(authenticate_client=False)
    grant = RefreshTokenGrant(validator)
    headers, _, status = grant.create_token_response(refresh_request(), bearer(validator))
    assert status == 401
    assert 'error="invalid_client"' in headers["WWW-Authenticate"]
    assert validator.calls == ["client_authentication_required", "authenticate_client"]


def test_refresh_refused_for_client_is_unauthorized_client():
    validator = RecordingValidator(validate_grant_type=False)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert body(response)["error"] == "unauthorized_client"
    assert validator.calls[-1] == "validate_grant_type"


def test_refresh_invalid_refresh_token_is_invalid_grant():
    validator = RecordingValidator(validate_refresh_token=False)
    grant = RefreshTokenGrant(validator)
    response = grant.create_token_response(refresh_request(), bearer(validator))
    assert body(response) == {"error": "invalid_grant"}
    assert validator.calls[-1] == "validate_refresh_token"


def test_refresh_refuses_authorization_validators(validator):
    with pytest.raises(ValueError, match="does not support authorization validators"):
        RefreshTokenGrant(validator, post_auth=[lambda request: {}])
