"""ClientCredentialsGrant (RFC 6749 §4.4), in the validator call order documented in
``flask_oauth_provider/core/grants/client_credentials.py``."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core.grants import ClientCredentialsGrant
from tests.core.grants.grant_support import RecordingValidator, bearer, body, hook, token_request


def credentials_request(pairs=None, **params):
    form = {"grant_type": "client_credentials"}
    form.update(params)
    items = [(k, v) for k, v in form.items() if v is not None] + list(pairs or [])
    return token_request(items, {"Authorization": "Basic Y2xpZW50MTpzZWNyZXQ="})


def test_client_credentials_calls_validator_in_graph_order(validator):
    grant = ClientCredentialsGrant(
        validator,
        pre_token=[hook(validator, "pre_token")],
        post_token=[hook(validator, "post_token")],
    )
    grant.create_token_response(credentials_request(), bearer(validator))
    assert validator.calls == [
        "pre_token",
        "authenticate_client",
        "validate_grant_type",
        "get_default_scopes",
        "validate_scopes",
        "post_token",
        "save_bearer_token",
    ]


def test_client_credentials_issues_token_without_refresh_token(validator):
    grant = ClientCredentialsGrant(validator)
    headers, response_body, status = grant.create_token_response(
        credentials_request(), bearer(validator)
    )
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert headers["Pragma"] == "no-cache"
    assert body((headers, response_body, status)) == {
        "access_token": "access-token-1",
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "read",
    }


def test_client_credentials_fills_client_id_from_authenticated_client(validator):
    grant = ClientCredentialsGrant(validator)
    request = credentials_request()
    grant.create_token_response(request, bearer(validator))
    assert request.client_id == "client1"
    assert validator.args["validate_grant_type"][0] == "client1"


def test_client_credentials_never_asks_whether_authentication_is_required():
    validator = RecordingValidator(client_authentication_required=False)
    grant = ClientCredentialsGrant(validator)
    grant.create_token_response(credentials_request(), bearer(validator))
    assert "client_authentication_required" not in validator.calls
    assert "authenticate_client_id" not in validator.calls


def test_client_credentials_unauthenticated_client_is_invalid_client_401():
    validator = RecordingValidator(authenticate_client=False)
    grant = ClientCredentialsGrant(validator)
    headers, response_body, status = grant.create_token_response(
        credentials_request(), bearer(validator)
    )
    assert status == 401
    assert body((headers, response_body, status))["error"] == "invalid_client"
    assert "WWW-Authenticate" in headers
    assert validator.calls == ["authenticate_client"]


def test_client_credentials_client_id_of_other_client_is_invalid_client(validator):
    grant = ClientCredentialsGrant(validator)
    response = grant.create_token_response(
        credentials_request(client_id="client2"), bearer(validator)
    )
    assert response[2] == 401
    assert body(response)["error"] == "invalid_client"


def test_client_credentials_token_modifier_is_called_with_the_token_only(validator):
    grant = ClientCredentialsGrant(validator)
    seen = []

    def modifier(*args):
        seen.append(args)
        return dict(args[0], extra="x")

    grant.register_token_modifier(modifier)
    response = grant.create_token_response(credentials_request(), bearer(validator))
    assert len(seen) == 1 and len(seen[0]) == 1
    assert body(response)["extra"] == "x"


def test_client_credentials_missing_grant_type_is_invalid_request(validator):
    grant = ClientCredentialsGrant(validator)
    response = grant.create_token_response(credentials_request(grant_type=None), bearer(validator))
    assert body(response) == {
        "error": "invalid_request",
        "error_description": "Request is missing grant type.",
    }
    assert validator.calls == []


def test_client_credentials_wrong_grant_type_is_unsupported(validator):
    grant = ClientCredentialsGrant(validator)
    response = grant.create_token_response(
        credentials_request(grant_type="password"), bearer(validator)
    )
    assert body(response) == {"error": "unsupported_grant_type"}


def test_client_credentials_duplicate_scope_is_invalid_request(validator):
    grant = ClientCredentialsGrant(validator)
    request = credentials_request(pairs=[("scope", "read"), ("scope", "write")])
    response = grant.create_token_response(request, bearer(validator))
    assert body(response)["error_description"] == "Duplicate scope parameter."
    assert validator.calls == []


def test_client_credentials_refused_for_client_is_unauthorized_client():
    validator = RecordingValidator(validate_grant_type=False)
    grant = ClientCredentialsGrant(validator)
    response = grant.create_token_response(credentials_request(), bearer(validator))
    assert body(response)["error"] == "unauthorized_client"


def test_client_credentials_refused_scope_is_invalid_scope():
    validator = RecordingValidator(validate_scopes=False)
    grant = ClientCredentialsGrant(validator)
    response = grant.create_token_response(credentials_request(scope="admin"), bearer(validator))
    assert body(response)["error"] == "invalid_scope"
    assert validator.saved_tokens == []


def test_client_credentials_has_no_authorization_validators(validator):
    grant = ClientCredentialsGrant(validator)
    with pytest.raises(AttributeError):
        grant.custom_validators.pre_auth.append(lambda request: {})
