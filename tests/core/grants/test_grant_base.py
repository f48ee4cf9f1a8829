"""GrantTypeBase: hooks, registration, client authentication, redirect placement."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.grants import (
    AuthorizationCodeGrant,
    GrantTypeBase,
    ImplicitGrant,
    ValidatorsContainer,
)
from flask_oauth_provider.core.validator import RequestValidator
from tests.core.grants.grant_support import (
    CLIENT_ID,
    REDIRECT_URI,
    RecordingValidator,
    authorization_request,
    location_params,
    token_request,
)


def test_validators_container_chains_pre_and_post_lists():
    container = ValidatorsContainer(["post_auth"], ["post_token"], ["pre_auth"], ["pre_token"])
    assert list(container.all_pre) == ["pre_auth", "pre_token"]
    assert list(container.all_post) == ["post_auth", "post_token"]


def test_keyword_arguments_become_grant_attributes(validator):
    grant = AuthorizationCodeGrant(validator, refresh_token=False, error_uri="https://as/e")
    assert grant.refresh_token is False
    assert grant.error_uri == "https://as/e"


def test_grant_without_validator_uses_the_base_request_validator():
    assert isinstance(AuthorizationCodeGrant().request_validator, RequestValidator)


def test_pkce_plain_is_off_by_default(validator):
    assert AuthorizationCodeGrant(validator).code_challenge_methods == ("S256",)
    assert AuthorizationCodeGrant(validator, pkce_plain=True).code_challenge_methods == (
        "S256",
        "plain",
    )


def test_custom_validator_lists_from_constructor_are_used(validator):
    pre = [lambda request: {}]
    grant = AuthorizationCodeGrant(validator, pre_auth=pre)
    assert grant.custom_validators.pre_auth is pre
    assert grant.custom_validators.post_token == []


def test_register_response_type_changes_only_that_grant(validator):
    first = ImplicitGrant(validator)
    second = ImplicitGrant(validator)
    first.register_response_type("id_token")
    assert first.response_types == ["token", "id_token"]
    assert second.response_types == ["token"]
    assert ImplicitGrant.response_types == ["token"]


def test_base_entry_points_are_abstract(validator):
    grant = GrantTypeBase(validator)
    with pytest.raises(NotImplementedError):
        grant.create_token_response(token_request({}), None)
    with pytest.raises(NotImplementedError):
        grant.create_authorization_response(authorization_request(), None)


def test_base_grant_refuses_authorization_validators(validator):
    with pytest.raises(ValueError):
        GrantTypeBase(validator, pre_auth=[lambda request: {}])


# ------------------------------------------------------------ client authentication


def test_client_authentication_required_leads_to_authenticate_client(validator):
    request = token_request({"grant_type": "x"})
    GrantTypeBase(validator).validate_client_authentication(request)
    assert validator.calls == ["client_authentication_required", "authenticate_client"]
    assert request.client.client_id == CLIENT_ID
    assert request.client_id == CLIENT_ID


def test_client_authentication_not_required_leads_to_authenticate_client_id():
    validator = RecordingValidator(client_authentication_required=False)
    request = token_request({"grant_type": "x", "client_id": CLIENT_ID})
    GrantTypeBase(validator).validate_client_authentication(request)
    assert validator.calls == ["client_authentication_required", "authenticate_client_id"]
    assert validator.args["authenticate_client_id"][0] == CLIENT_ID


def test_failed_authenticate_client_raises_invalid_client():
    validator = RecordingValidator(authenticate_client=False)
    with pytest.raises(errors.InvalidClientError) as info:
        GrantTypeBase(validator).validate_client_authentication(token_request({}))
    assert info.value.status_code == 401


def test_failed_authenticate_client_id_raises_invalid_client():
    validator = RecordingValidator(
        client_authentication_required=False, authenticate_client_id=False
    )
    with pytest.raises(errors.InvalidClientError):
        GrantTypeBase(validator).validate_client_authentication(token_request({}))


def test_matching_client_id_is_accepted(validator):
    request = token_request({"client_id": CLIENT_ID})
    GrantTypeBase(validator).validate_client_authentication(request)
    assert request.client_id == CLIENT_ID


def test_client_id_differing_from_authenticated_client_raises_invalid_client(validator):
    request = token_request({"client_id": "client2"})
    with pytest.raises(errors.InvalidClientError):
        GrantTypeBase(validator).validate_client_authentication(request)


def test_authenticate_client_that_sets_no_client_raises_not_implemented():
    validator = RecordingValidator(set_client=False)
    with pytest.raises(NotImplementedError, match="authenticate_client must set"):
        GrantTypeBase(validator).validate_client_authentication(token_request({}))


def test_authenticate_client_id_that_sets_no_client_raises_not_implemented():
    validator = RecordingValidator(client_authentication_required=False, set_client=False)
    request = token_request({"client_id": CLIENT_ID})
    with pytest.raises(NotImplementedError, match="authenticate_client_id must set"):
        GrantTypeBase(validator).validate_client_authentication(request)


def test_client_object_without_client_id_raises_not_implemented(validator):
    class Broken(RecordingValidator):
        def authenticate_client(self, request, *args, **kwargs):
            request.client = object()
            return True

    with pytest.raises(NotImplementedError):
        GrantTypeBase(Broken()).validate_client_authentication(token_request({}))


# ------------------------------------------------------------------- redirect placement


def prepared(grant, **params):
    request = authorization_request(**params)
    request.redirect_uri = REDIRECT_URI
    headers, response_body, status = grant.prepare_authorization_response(
        request, {"code": "c", "state": "s"}, {}, None, 302
    )
    assert (response_body, status) == (None, 302)
    return location_params(headers)


def test_code_grant_puts_parameters_in_query_by_default(validator):
    _, query, fragment = prepared(AuthorizationCodeGrant(validator), response_type="code")
    assert query == {"code": "c", "state": "s"}
    assert fragment == {}


def test_unknown_response_mode_uses_grant_default(validator):
    _, query, _ = prepared(
        AuthorizationCodeGrant(validator), response_type="code", response_mode="form_post"
    )
    assert query == {"code": "c", "state": "s"}


def test_base_default_response_mode_is_fragment(validator):
    _, query, fragment = prepared(GrantTypeBase(validator), response_type="code")
    assert query == {}
    assert fragment == {"code": "c", "state": "s"}


def test_default_token_endpoint_headers(validator):
    assert GrantTypeBase(validator)._get_default_headers() == {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    }
