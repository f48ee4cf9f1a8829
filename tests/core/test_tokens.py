"""core.tokens: BearerToken creation and finding the bearer token (RFC 6749 §5.1, RFC 6750 §2)."""

from __future__ import annotations

from unittest import mock

import pytest

from flask_oauth_provider.core.request import Request
from flask_oauth_provider.core.tokens import (
    BearerToken,
    OAuth2Token,
    TokenBase,
    bearer_token_locations,
    get_token_from_header,
    random_token_generator,
)
from flask_oauth_provider.core.validator import RequestValidator
from tests.helpers import FORM

API = "https://rs.example/api"


def token_request(**attrs):
    request = Request("https://as.example/token", "POST", "grant_type=x")
    for name, value in attrs.items():
        setattr(request, name, value)
    return request


def fixed(value):
    return lambda request: value


# ---------------------------------------------------------- random tokens


def test_random_token_generator_gives_256_bit_urlsafe_tokens():
    token = random_token_generator(None)
    assert len(token) == 43
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_random_token_generator_uses_secrets():
    with mock.patch("secrets.token_urlsafe", return_value="t") as token_urlsafe:
        assert random_token_generator(None, refresh_token=True) == "t"
    token_urlsafe.assert_called_once_with(32)


def test_random_tokens_are_unique():
    assert len({random_token_generator(None) for _ in range(1000)}) == 1000


# ------------------------------------------------------------ create_token


def test_create_token_has_rfc6749_section_5_1_fields():
    token = BearerToken(token_generator=fixed("at")).create_token(token_request())
    assert token == {"access_token": "at", "expires_in": 3600, "token_type": "Bearer"}
    assert isinstance(token, OAuth2Token)


def test_create_token_default_generator_is_random():
    token = BearerToken().create_token(token_request())
    assert len(token["access_token"]) == 43


def test_create_token_sets_request_expires_in():
    request = token_request()
    BearerToken(expires_in=60).create_token(request)
    assert request.expires_in == 60


def test_create_token_expires_in_may_be_callable():
    request = token_request(client_id="c1")
    token = BearerToken(expires_in=lambda r: 120 if r.client_id == "c1" else 1).create_token(
        request
    )
    assert token["expires_in"] == 120


def test_create_token_includes_scope_when_scopes_set():
    token = BearerToken().create_token(token_request(scopes=["read", "write"]))
    assert token["scope"] == "read write"


def test_create_token_includes_empty_scope_for_empty_list():
    assert BearerToken().create_token(token_request(scopes=[]))["scope"] == ""


def test_create_token_omits_scope_when_scopes_none():
    assert "scope" not in BearerToken().create_token(token_request())


def test_create_token_without_refresh_token_by_default():
    assert "refresh_token" not in BearerToken().create_token(token_request())


def test_create_token_with_refresh_token():
    bearer = BearerToken(token_generator=fixed("at"), refresh_token_generator=fixed("rt"))
    assert bearer.create_token(token_request(), refresh_token=True)["refresh_token"] == "rt"


def test_refresh_token_generator_defaults_to_token_generator():
    bearer = BearerToken(token_generator=fixed("same"))
    assert bearer.create_token(token_request(), refresh_token=True)["refresh_token"] == "same"


def test_refresh_rotates_by_default():
    bearer = BearerToken(RequestValidator(), refresh_token_generator=fixed("new"))
    token = bearer.create_token(token_request(refresh_token="old"), refresh_token=True)
    assert token["refresh_token"] == "new"


def test_refresh_keeps_old_token_when_validator_does_not_rotate():
    # RFC 6749 §6: the server MAY issue a new refresh token.
    validator = mock.Mock(spec=RequestValidator)
    validator.rotate_refresh_token.return_value = False
    request = token_request(refresh_token="old")
    token = BearerToken(validator).create_token(request, refresh_token=True)
    assert token["refresh_token"] == "old"
    validator.rotate_refresh_token.assert_called_once_with(request)


def test_extra_credentials_are_merged():
    token = BearerToken().create_token(token_request(extra_credentials={"user_id": 7}))
    assert token["user_id"] == 7


def test_save_token_kwarg_is_deprecated_and_ignored():
    with pytest.warns(DeprecationWarning):
        BearerToken().create_token(token_request(), save_token=True)


# ------------------------------------------------------------- OAuth2Token


def test_oauth2token_scope_unchanged():
    token = OAuth2Token({"scope": "a b"}, old_scope=["b", "a"])
    assert not token.scope_changed


def test_oauth2token_scope_changed():
    token = OAuth2Token({"scope": "a"}, old_scope="a b")
    assert token.scope_changed
    assert token.missing_scopes == ["b"]
    assert token.additional_scopes == []
    assert token.scopes == ["a"]
    assert token.old_scopes == ["a", "b"]


def test_oauth2token_without_scope_inherits_old_scope():
    token = OAuth2Token({"access_token": "x"}, old_scope="a")
    assert token.scope == "a"
    assert not token.scope_changed


# -------------------------------------------------------- finding the token


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_header_token_scheme_is_case_insensitive(scheme):
    # RFC 6750 §2.1 (BR-06 of tests/security).
    request = Request(API, headers={"Authorization": f"{scheme} mF_9.B5f-4.1JqM"})
    assert get_token_from_header(request) == "mF_9.B5f-4.1JqM"


def test_header_with_other_scheme_gives_no_token():
    request = Request(API, headers={"Authorization": "Basic abc"})
    assert get_token_from_header(request) is None


def test_malformed_bearer_header_gives_no_token():
    request = Request(API, headers={"Authorization": "Bearer a b"})
    assert get_token_from_header(request) is None


def test_no_token_gives_none():
    assert get_token_from_header(Request(API)) is None


def test_form_body_token_on_post():
    # RFC 6750 §2.2.
    request = Request(API, "POST", "access_token=body-token", FORM)
    assert get_token_from_header(request) == "body-token"


def test_form_body_token_without_content_type_is_accepted():
    request = Request(API, "POST", "access_token=body-token")
    assert get_token_from_header(request) == "body-token"


def test_body_token_on_get_is_ignored():
    # RFC 6750 §2.2: "The HTTP request method ... GET method MUST NOT be used."
    request = Request(API, "GET", "access_token=body-token", FORM)
    assert get_token_from_header(request) is None


def test_body_token_with_non_form_content_type_is_ignored():
    request = Request(API, "POST", {"access_token": "t"}, {"Content-Type": "multipart/form-data"})
    assert get_token_from_header(request) is None


def test_query_token_is_ignored_by_default():
    # RFC 9700 §2.5 / OAuth 2.1 §5.1.1 (BR-05 of tests/security).
    request = Request(API + "?access_token=query-token")
    assert get_token_from_header(request) is None


def test_query_token_is_read_when_allowed():
    request = Request(API + "?access_token=query-token")
    request.allow_query_token = True
    assert get_token_from_header(request) == "query-token"


def test_query_token_in_body_of_post_is_not_confused_with_query():
    request = Request(API + "?access_token=query-token", "POST", "x=1", FORM)
    assert get_token_from_header(request) is None


def test_token_sent_two_ways_gives_none():
    # RFC 6750 §2: clients MUST NOT use more than one method.
    request = Request(API, "POST", "access_token=b", {"Authorization": "Bearer h", **FORM})
    assert get_token_from_header(request) is None


def test_bearer_token_locations_lists_each_method():
    request = Request(
        API + "?access_token=q", "POST", "access_token=b", {"Authorization": "Bearer h", **FORM}
    )
    assert bearer_token_locations(request) == ["header", "body"]
    request.allow_query_token = True
    assert bearer_token_locations(request) == ["header", "body", "query"]


def test_bearer_token_locations_empty_without_token():
    assert bearer_token_locations(Request(API)) == []


# --------------------------------------------------- validate / estimate


def test_validate_request_passes_token_and_scopes_to_validator():
    validator = mock.Mock(spec=RequestValidator)
    validator.validate_bearer_token.return_value = True
    request = Request(API, headers={"Authorization": "Bearer tok"})
    request.scopes = ["read"]
    assert BearerToken(validator).validate_request(request) is True
    validator.validate_bearer_token.assert_called_once_with("tok", ["read"], request)


def test_validate_request_without_token_still_asks_validator_with_none():
    validator = mock.Mock(spec=RequestValidator)
    validator.validate_bearer_token.return_value = False
    request = Request(API)
    assert BearerToken(validator).validate_request(request) is False
    validator.validate_bearer_token.assert_called_once_with(None, None, request)


def test_estimate_type_header_is_9():
    request = Request(API, headers={"Authorization": "Bearer x"})
    assert BearerToken().estimate_type(request) == 9


def test_estimate_type_body_is_5():
    assert BearerToken().estimate_type(Request(API, "POST", "access_token=x")) == 5


def test_estimate_type_disallowed_query_is_0():
    assert BearerToken().estimate_type(Request(API + "?access_token=x")) == 0


def test_estimate_type_nothing_is_0():
    assert BearerToken().estimate_type(Request(API)) == 0


def test_token_base_methods_are_abstract():
    base = TokenBase()
    for call in (
        lambda: base(None),
        lambda: base.validate_request(None),
        lambda: base.estimate_type(None),
    ):
        with pytest.raises(NotImplementedError):
            call()
