"""ResourceEndpoint.verify_request (RFC 6750)."""

from __future__ import annotations

import logging

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.servers import Server
from tests.helpers import bearer


@pytest.fixture
def issued(validator):
    validator.add_token("at-1", client_id="conf", scopes=("read", "profile"))
    return "at-1"


def test_valid_header_token_is_accepted(server, validator, kit, issued):
    """RFC 6750 §2.1: Authorization: Bearer."""
    valid, request = server.verify_request(kit.RESOURCE, headers=bearer("at-1"),
                                           scopes=["read"])
    assert valid is True
    assert request.verify_error is None
    assert request.token_type == "Bearer"
    assert request.client.client_id == "conf"
    assert request.scopes == ["read", "profile"]
    assert ("validate_bearer_token", ("at-1", ["read"])) in validator.log


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(server, kit, issued, scheme):
    valid, _ = server.verify_request(kit.RESOURCE, headers={"Authorization": f"{scheme} at-1"})
    assert valid is True


def test_insufficient_scope_is_refused_without_request_error(server, kit, issued):
    """RFC 6750 §3.1: insufficient_scope is for the caller to report (403)."""
    valid, request = server.verify_request(kit.RESOURCE, headers=bearer("at-1"),
                                           scopes=["write"])
    assert valid is False
    assert request.verify_error is None


def test_missing_token_still_asks_the_validator(server, validator, kit):
    valid, request = server.verify_request(kit.RESOURCE)
    assert valid is False
    assert ("validate_bearer_token", (None, [])) in validator.log
    assert request.verify_error is None


def test_query_token_is_ignored_by_default(server, validator, kit, issued):
    """Departure: RFC 6750 §2.3 allowed it; OAuth 2.1 §5.1 and RFC 9700 §4.3.2 say
    tokens must not travel in URLs, so it counts as no token at all."""
    valid, _ = server.verify_request(kit.RESOURCE + "?access_token=at-1")
    assert valid is False
    assert ("validate_bearer_token", (None, [])) in validator.log


def test_query_token_is_read_when_allowed(validator, kit, issued):
    server = Server(validator, allow_query_token=True)
    valid, request = server.verify_request(kit.RESOURCE + "?access_token=at-1")
    assert valid is True
    assert request.allow_query_token is True


def test_form_body_token_is_accepted(server, kit, issued):
    """RFC 6750 §2.2: access_token in a form-encoded POST body."""
    valid, _ = server.verify_request(kit.RESOURCE, http_method="POST", body="access_token=at-1",
                                     headers=kit.FORM)
    assert valid is True


def test_token_sent_two_ways_is_invalid_request(server, kit, issued):
    """RFC 6750 §2: "Clients MUST NOT use more than one method"; §3.1 invalid_request."""
    valid, request = server.verify_request(kit.RESOURCE, http_method="POST",
                                           body="access_token=at-1",
                                           headers={**bearer("at-1"), **kit.FORM})
    assert valid is False
    assert isinstance(request.verify_error, errors.InvalidRequestError)
    assert request.verify_error.status_code == 400


def test_unparseable_query_is_invalid_request(server, validator, kit):
    """RFC 6750 §3.1: a malformed request is invalid_request (400)."""
    valid, request = server.verify_request(kit.RESOURCE + "?a=%zz", headers=bearer("at-1"))
    assert valid is False
    assert request.verify_error.error == "invalid_request"
    assert validator.calls == []


def test_validator_crash_is_a_logged_server_error(server, validator, kit, issued, caplog):
    validator.fail["validate_bearer_token"] = RuntimeError("db down")
    with caplog.at_level(logging.ERROR, logger="flask_oauth_provider"):
        valid, request = server.verify_request(kit.RESOURCE, headers=bearer("at-1"))
    assert valid is False
    assert isinstance(request.verify_error, errors.ServerError)
    assert request.verify_error.status_code == 500
    assert any(record.exc_info for record in caplog.records)


def test_catch_errors_off_lets_a_crash_through(server, validator, kit):
    server.catch_errors = False
    validator.fail["validate_bearer_token"] = RuntimeError("db down")
    with pytest.raises(RuntimeError):
        server.verify_request(kit.RESOURCE, headers=bearer("x"))


def test_unavailable_is_reported_as_503(server, validator, kit, issued):
    server.available = False
    valid, request = server.verify_request(kit.RESOURCE, headers=bearer("at-1"))
    assert valid is False
    assert request.verify_error.status_code == 503
    assert validator.calls == []


def test_client_parameter_named_verify_error_cannot_spoof_the_result(server, kit, issued):
    valid, request = server.verify_request(kit.RESOURCE + "?verify_error=1",
                                           headers=bearer("at-1"))
    assert valid is True
    assert request.verify_error is None
