"""ResourceOwnerPasswordCredentialsGrant (RFC 6749 §4.3), in the validator call order
documented in ``flask_oauth_provider/core/grants/resource_owner_password_credentials.py``."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.grants import ResourceOwnerPasswordCredentialsGrant
from tests.core.grants.grant_support import (
    CLIENT_ID,
    RecordingValidator,
    bearer,
    body,
    hook,
    token_request,
)


def password_request(pairs=None, headers=None, **params):
    form = {"grant_type": "password", "username": "alice", "password": "pw", "scope": "read"}
    form.update(params)
    items = [(k, v) for k, v in form.items() if v is not None] + list(pairs or [])
    return token_request(items, headers)


def test_password_grant_calls_validator_in_graph_order(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(
        validator,
        pre_token=[hook(validator, "pre_token")],
        post_token=[hook(validator, "post_token")],
    )
    grant.create_token_response(password_request(), bearer(validator))
    assert validator.calls == [
        "pre_token",
        "client_authentication_required",
        "authenticate_client",
        "validate_grant_type",
        "validate_user",
        "validate_scopes",
        "post_token",
        "save_bearer_token",
    ]


def test_password_grant_issues_token_with_refresh_token(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    headers, response_body, status = grant.create_token_response(
        password_request(), bearer(validator)
    )
    assert status == 200
    assert headers == {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    }
    assert body((headers, response_body, status)) == {
        "access_token": "access-token-1",
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "read",
        "refresh_token": "refresh-token-1",
    }


def test_password_grant_passes_credentials_to_validate_user(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    request = password_request()
    grant.create_token_response(request, bearer(validator))
    username, password, client, _ = validator.args["validate_user"]
    assert (username, password, client.client_id) == ("alice", "pw", CLIENT_ID)
    assert request.user == "alice"


def test_password_grant_refresh_token_false_issues_none(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator, refresh_token=False)
    response = grant.create_token_response(password_request(), bearer(validator))
    assert "refresh_token" not in body(response)


def test_password_grant_without_scope_uses_default_scopes(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(scope=None), bearer(validator))
    assert body(response)["scope"] == "read"
    assert validator.calls[-3:-1] == ["get_default_scopes", "validate_scopes"]


def test_password_grant_token_modifier_is_called_with_the_token_only(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    seen = []

    def modifier(*args):
        seen.append(args)
        return dict(args[0], extra="x")

    grant.register_token_modifier(modifier)
    response = grant.create_token_response(password_request(), bearer(validator))
    assert len(seen) == 1 and len(seen[0]) == 1
    assert body(response)["extra"] == "x"


def test_password_grant_public_client_uses_authenticate_client_id():
    validator = RecordingValidator(client_authentication_required=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(client_id=CLIENT_ID), bearer(validator))
    assert response[2] == 200
    assert validator.calls[1] == "authenticate_client_id"


@pytest.mark.parametrize("param", ["grant_type", "username", "password"])
def test_password_grant_missing_parameter_is_invalid_request(validator, param):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(**{param: None}), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": f"Request is missing {param} parameter.",
    }
    assert validator.calls == []


def test_password_grant_checks_parameters_before_client_authentication():
    validator = RecordingValidator(authenticate_client=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(username=None), bearer(validator))
    assert body(response)["error"] == "invalid_request"


@pytest.mark.parametrize("param", ["username", "password", "scope"])
def test_password_grant_duplicate_parameter_is_invalid_request(validator, param):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    request = password_request(pairs=[(param, "again")])
    response = grant.create_token_response(request, bearer(validator))
    assert body(response)["error_description"] == f"Duplicate {param} parameter."


def test_password_grant_wrong_grant_type_is_unsupported(validator):
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(
        password_request(grant_type="client_credentials"), bearer(validator)
    )
    assert body(response) == {"error": "unsupported_grant_type"}


def test_password_grant_failed_client_authentication_is_invalid_client_401():
    validator = RecordingValidator(authenticate_client=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    headers, _, status = grant.create_token_response(password_request(), bearer(validator))
    assert status == 401
    assert 'error="invalid_client"' in headers["WWW-Authenticate"]
    assert "validate_user" not in validator.calls


def test_password_grant_wrong_credentials_are_invalid_grant():
    validator = RecordingValidator(validate_user=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(), bearer(validator))
    assert body(response) == {
        "error": "invalid_grant",
        "error_description": "Invalid credentials given.",
    }
    assert validator.calls[-1] == "validate_user"


def test_password_grant_refused_for_client_is_unauthorized_client():
    validator = RecordingValidator(validate_grant_type=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(), bearer(validator))
    assert body(response)["error"] == "unauthorized_client"
    assert validator.calls[-1] == "validate_grant_type"
    assert "validate_user" not in validator.calls


def test_password_grant_refused_scope_is_invalid_scope():
    validator = RecordingValidator(validate_scopes=False)
    grant = ResourceOwnerPasswordCredentialsGrant(validator)
    response = grant.create_token_response(password_request(scope="admin"), bearer(validator))
    assert body(response)["error"] == "invalid_scope"
    assert validator.saved_tokens == []


def test_password_grant_refuses_authorization_validators(validator):
    with pytest.raises(ValueError, match="does not support authorization validators"):
        ResourceOwnerPasswordCredentialsGrant(validator, pre_auth=[lambda request: {}])
