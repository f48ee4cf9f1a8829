"""core.errors: oauthlib's error tree, response encodings, and our status departures."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.request import Request

REG = "https://client.example/cb"


# ------------------------------------------------------------- hierarchy


@pytest.mark.parametrize(
    "cls",
    [
        errors.InvalidRedirectURIError,
        errors.MissingRedirectURIError,
        errors.MismatchingRedirectURIError,
        errors.InvalidClientIdError,
        errors.MissingClientIdError,
    ],
)
def test_redirect_and_client_id_errors_are_fatal_invalid_request(cls):
    # RFC 6749 §4.1.2.1: these MUST NOT redirect.
    assert issubclass(cls, errors.InvalidRequestFatalError)
    assert issubclass(cls, errors.FatalClientError)
    assert cls.error == "invalid_request"


def test_invalid_client_is_fatal_with_status_401():
    assert issubclass(errors.InvalidClientError, errors.FatalClientError)
    assert errors.InvalidClientError.error == "invalid_client"
    assert errors.InvalidClientError().status_code == 401


@pytest.mark.parametrize(
    "cls",
    [
        errors.MissingResponseTypeError,
        errors.MissingCodeChallengeError,
        errors.MissingCodeVerifierError,
        errors.UnsupportedCodeChallengeMethodError,
    ],
)
def test_pkce_and_response_type_errors_are_redirectable_invalid_request(cls):
    assert issubclass(cls, errors.InvalidRequestError)
    assert not issubclass(cls, errors.FatalClientError)
    assert cls.error == "invalid_request"


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (errors.AccessDeniedError, "access_denied", 400),
        (errors.UnsupportedResponseTypeError, "unsupported_response_type", 400),
        (errors.InvalidScopeError, "invalid_scope", 400),
        (errors.InvalidGrantError, "invalid_grant", 400),
        (errors.UnauthorizedClientError, "unauthorized_client", 400),
        (errors.UnsupportedGrantTypeError, "unsupported_grant_type", 400),
        (errors.UnsupportedTokenTypeError, "unsupported_token_type", 400),
        (errors.InvalidTokenError, "invalid_token", 401),
        (errors.InsufficientScopeError, "insufficient_scope", 403),
        (errors.ConsentRequired, "consent_required", 400),
        (errors.LoginRequired, "login_required", 400),
        (errors.InvalidRequestError, "invalid_request", 400),
    ],
)
def test_error_codes_and_statuses(cls, code, status):
    error = cls()
    assert error.error == code
    assert error.status_code == status
    assert isinstance(error, errors.OAuth2Error)


def test_server_error_has_status_500():
    # Departure from oauthlib (400): a server fault is a 500 when not redirected.
    assert errors.ServerError().status_code == 500
    assert errors.ServerError.error == "server_error"


def test_temporarily_unavailable_has_status_503():
    # Departure from oauthlib (400 as a class).
    assert errors.TemporarilyUnavailableError().status_code == 503
    assert errors.TemporarilyUnavailableError.error == "temporarily_unavailable"


@pytest.mark.parametrize(
    ("cls", "text"),
    [
        (errors.InvalidRedirectURIError, "Invalid redirect URI."),
        (errors.MissingRedirectURIError, "Missing redirect URI."),
        (errors.MismatchingRedirectURIError, "Mismatching redirect URI."),
        (errors.InvalidClientIdError, "Invalid client_id parameter value."),
        (errors.MissingClientIdError, "Missing client_id parameter."),
        (errors.MissingResponseTypeError, "Missing response_type parameter."),
        (errors.MissingCodeChallengeError, "Code challenge required."),
        (errors.MissingCodeVerifierError, "Code verifier required."),
        (errors.UnsupportedCodeChallengeMethodError, "Transform algorithm not supported."),
    ],
)
def test_default_descriptions_match_oauthlib(cls, text):
    assert cls().description == text


# ------------------------------------------------------------ constructor


def test_constructor_arguments():
    error = errors.InvalidGrantError(
        description="Bad code.", uri="https://doc.example/e", state="s", status_code=418
    )
    assert error.description == "Bad code."
    assert error.uri == "https://doc.example/e"
    assert error.state == "s"
    assert error.status_code == 418


def test_constructor_takes_fields_from_request():
    request = Request(
        "https://as.example/authorize?client_id=c1&redirect_uri=https%3A%2F%2Fc%2Fcb"
        "&response_type=code&response_mode=fragment&state=xyz&grant_type=g"
    )
    request.scopes = ["read"]
    error = errors.InvalidScopeError(request=request)
    assert error.client_id == "c1"
    assert error.redirect_uri == "https://c/cb"
    assert error.response_type == "code"
    assert error.response_mode == "fragment"
    assert error.grant_type == "g"
    assert error.scopes == ["read"]
    assert error.state == "xyz"


def test_explicit_state_wins_over_request_state():
    request = Request("https://as.example/authorize?state=from-request")
    assert errors.AccessDeniedError(state="explicit", request=request).state == "explicit"


def test_fields_are_none_without_request():
    error = errors.AccessDeniedError()
    assert (error.redirect_uri, error.client_id, error.scopes) == (None, None, None)
    assert (error.response_type, error.response_mode, error.grant_type) == (None, None, None)


def test_message_names_error_and_description_but_not_the_request():
    request = Request("https://as.example/token", "POST", "client_secret=s3cret")
    error = errors.InvalidClientError("Bad client.", request=request)
    assert str(error) == "(invalid_client) Bad client."


def test_custom_error_sets_its_code():
    error = errors.CustomOAuth2Error("slow_down", description="Wait.", status_code=429)
    assert error.error == "slow_down"
    assert error.status_code == 429
    assert json.loads(error.json) == {"error": "slow_down", "error_description": "Wait."}


# ---------------------------------------------------------------- encodings


def test_twotuples_order_and_optional_parts():
    error = errors.InvalidRequestError("Missing code.", uri="https://d/e", state="s")
    assert error.twotuples == [
        ("error", "invalid_request"),
        ("error_description", "Missing code."),
        ("error_uri", "https://d/e"),
        ("state", "s"),
    ]


def test_twotuples_leave_out_empty_parts():
    assert errors.AccessDeniedError().twotuples == [("error", "access_denied")]


def test_json_is_the_rfc6749_section_5_2_object():
    body = json.loads(errors.InvalidGrantError("Bad.", state="s").json)
    assert body == {"error": "invalid_grant", "error_description": "Bad.", "state": "s"}


def test_urlencoded():
    error = errors.AccessDeniedError("No way.", state="a b")
    assert error.urlencoded == "error=access_denied&error_description=No+way.&state=a+b"


def test_description_characters_outside_rfc6749_set_are_replaced():
    # RFC 6749 §5.2: error_description excludes '"', '\\' and non-ASCII.
    error = errors.InvalidScopeError('Bad scope "x\\y" ünï\n')
    description = dict(error.twotuples)["error_description"]
    assert description == "Bad scope ?x?y? ?n??"
    assert error.description == 'Bad scope "x\\y" ünï\n'


def test_description_sanitizing_keeps_allowed_characters():
    text = "Scope 'read' isn't allowed (try #2): ok!"
    assert dict(errors.InvalidScopeError(text).twotuples)["error_description"] == text


def test_in_uri_adds_error_to_query():
    error = errors.AccessDeniedError(state="xyz")
    uri = error.in_uri(REG + "?tenant=a")
    parts = urlsplit(uri)
    assert parse_qsl(parts.query) == [("tenant", "a"), ("error", "access_denied"), ("state", "xyz")]
    assert parts.fragment == ""


def test_in_uri_uses_fragment_for_fragment_response_mode():
    request = Request("https://as.example/authorize?response_mode=fragment&state=s")
    uri = errors.AccessDeniedError(request=request).in_uri(REG)
    parts = urlsplit(uri)
    assert parts.query == ""
    assert parse_qsl(parts.fragment) == [("error", "access_denied"), ("state", "s")]


def test_headers_www_authenticate_for_401():
    # RFC 6750 §3 / RFC 6749 §5.2; the scheme is Bearer, as oauthlib sends.
    error = errors.InvalidClientError("Bad client.")
    assert error.headers == {
        "WWW-Authenticate": 'Bearer error="invalid_client", error_description="Bad client."'
    }


def test_headers_include_error_uri():
    error = errors.InvalidTokenError(description="Expired.", uri="https://d/e")
    assert error.headers["WWW-Authenticate"] == (
        'Bearer error="invalid_token", error_description="Expired.", error_uri="https://d/e"'
    )


def test_headers_cannot_be_broken_by_quotes_in_description():
    header = errors.InvalidClientError('x", evil="1').headers["WWW-Authenticate"]
    assert header == 'Bearer error="invalid_client", error_description="x?, evil=?1"'


@pytest.mark.parametrize(
    "error", [errors.InvalidRequestError(), errors.InsufficientScopeError(), errors.ServerError()]
)
def test_headers_are_empty_unless_401(error):
    assert error.headers == {}


def test_status_override_to_401_adds_header():
    assert "WWW-Authenticate" in errors.InvalidRequestError(status_code=401).headers


# ------------------------------------------------------------- raise_from_error


def test_raise_from_error_picks_the_class():
    with pytest.raises(errors.InvalidGrantError) as excinfo:
        errors.raise_from_error("invalid_grant", {"error_description": "d", "state": "s"})
    assert (excinfo.value.description, excinfo.value.state) == ("d", "s")


def test_raise_from_error_unknown_code_is_custom():
    with pytest.raises(errors.CustomOAuth2Error) as excinfo:
        errors.raise_from_error("whatever")
    assert excinfo.value.error == "whatever"
