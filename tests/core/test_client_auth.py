"""core.client_auth: reading client credentials (RFC 6749 §2.3.1, Appendix B)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.client_auth import (
    ClientCredentials,
    extract_client_credentials,
    parse_basic_authorization,
)
from flask_oauth_provider.core.request import Request
from tests.helpers import SPECIAL_ID, SPECIAL_SECRET, basic_header, basic_raw

TOKEN_URI = "https://as.example/token"

# The example of RFC 6749 §2.3.1.
RFC_ID = "s6BhdRkqt3"
RFC_SECRET = "7Fjfp0ZBr1KtDRbnfVdmIw"
RFC_BASIC = "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"

SPECIAL_BASIC = (
    "Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUy"
    "RjhiTCUyQndmRlR0MXJGdyUzRA=="
)
SPECIAL_BASIC_UNENCODED = (
    "Basic MVBwRy9RIDE6ei90WjlWd0ZacUFwbUlRK1pIMUk1cExrL3VCNHVkOlgyLzhiTCt3ZkZUdDFyRnc9"
)


def token_request(body: str = "grant_type=client_credentials", authorization: str | None = None):
    headers = {"Authorization": authorization} if authorization else {}
    return Request(TOKEN_URI, "POST", body, headers)


# ----------------------------------------------------------------- Basic


def test_rfc6749_section_2_3_1_basic_example():
    credentials = extract_client_credentials(token_request(authorization=RFC_BASIC))
    assert credentials == ClientCredentials(RFC_ID, RFC_SECRET, "client_secret_basic")


def test_rfc6749_gx1_basic_example():
    credentials = extract_client_credentials(
        token_request(authorization="Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    )
    assert (credentials.client_id, credentials.client_secret) == (RFC_ID, "gX1fBat3bV")


def test_basic_parts_are_form_urldecoded_after_base64():
    # RFC 6749 §2.3.1 + Appendix B; the secret contains ":" and "+".
    credentials = extract_client_credentials(token_request(authorization=SPECIAL_BASIC))
    assert credentials == ClientCredentials(SPECIAL_ID, SPECIAL_SECRET, "client_secret_basic")


def test_basic_without_form_encoding_does_not_yield_the_secret():
    # "+" decodes to a space, so the unencoded form cannot authenticate.
    credentials = extract_client_credentials(token_request(authorization=SPECIAL_BASIC_UNENCODED))
    assert credentials.client_secret == SPECIAL_SECRET.replace("+", " ")


def test_basic_splits_on_the_first_colon():
    assert parse_basic_authorization(basic_header("id", "a:b:c", encode=False)) == ("id", "a:b:c")


def test_basic_tolerates_over_encoding():
    # Over-encoding (oauth4webapi escapes "_" and "-"): RFC 6749 Appendix B decoding
    # accepts any percent-escape.
    header = basic_raw(b"client:0jQKm%5FheHj4Ba7%2DIPX")
    assert parse_basic_authorization(header) == ("client", "0jQKm_heHj4Ba7-IPX")


def test_basic_appendix_b_characters_round_trip():
    assert parse_basic_authorization(basic_header("c", " %&+£€")) == ("c", " %&+£€")


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
def test_basic_scheme_is_case_insensitive(scheme):
    header = RFC_BASIC.replace("Basic", scheme)
    assert parse_basic_authorization(header) == (RFC_ID, RFC_SECRET)


def test_basic_without_padding_is_accepted():
    header = basic_header("ab", "c", encode=False).rstrip("=")
    assert parse_basic_authorization(header) == ("ab", "c")


def test_basic_empty_secret_gives_no_secret():
    credentials = extract_client_credentials(token_request(authorization=basic_header("pub", "")))
    assert credentials == ClientCredentials("pub", None, "client_secret_basic")


def test_other_authorization_schemes_are_not_client_credentials():
    credentials = extract_client_credentials(
        token_request("client_id=c1", authorization="Bearer abc")
    )
    assert credentials == ClientCredentials("c1", None, "none")


def test_parse_basic_returns_none_for_other_schemes():
    assert parse_basic_authorization("Bearer abc") is None


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic ",
        "Basic !!!notbase64",
        basic_raw(b"no-colon"),
        basic_raw(b":secret-without-id"),
        basic_raw(b"id:%zz"),
        basic_raw(b"id:%FF"),
        basic_raw(b"\xff\xfe:x"),
        "Basic abc def",
        "Basic a",
    ],
)
def test_malformed_basic_header_is_invalid_client(header):
    with pytest.raises(errors.InvalidClientError) as excinfo:
        extract_client_credentials(token_request(authorization=header))
    assert excinfo.value.status_code == 401


def test_malformed_basic_error_keeps_the_request_state():
    request = Request(TOKEN_URI, "POST", "state=s1", {"Authorization": "Basic !!"})
    with pytest.raises(errors.InvalidClientError) as excinfo:
        extract_client_credentials(request)
    assert excinfo.value.state == "s1"


# ------------------------------------------------------------------ body


def test_client_secret_post():
    credentials = extract_client_credentials(
        token_request(
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
            f"&client_id={RFC_ID}&client_secret={RFC_SECRET}"
        )
    )
    assert credentials == ClientCredentials(RFC_ID, RFC_SECRET, "client_secret_post")


def test_client_id_alone_is_method_none():
    credentials = extract_client_credentials(token_request("grant_type=x&client_id=pub"))
    assert credentials == ClientCredentials("pub", None, "none")


def test_no_credentials_at_all():
    assert extract_client_credentials(token_request()) == ClientCredentials(None, None, "none")


def test_secret_without_client_id_is_post_without_id():
    credentials = extract_client_credentials(token_request("client_secret=s"))
    assert credentials == ClientCredentials(None, "s", "client_secret_post")


def test_empty_body_values_count_as_omitted():
    # RFC 6749 §3.2: parameters sent without a value are treated as omitted.
    credentials = extract_client_credentials(token_request("client_id=pub&client_secret="))
    assert credentials == ClientCredentials("pub", None, "none")


def test_dict_body_credentials():
    request = Request(TOKEN_URI, "POST", {"client_id": "c", "client_secret": "s"})
    assert extract_client_credentials(request) == ClientCredentials("c", "s", "client_secret_post")


def test_credentials_in_query_are_not_read():
    # RFC 6749 §2.3.1: credentials MUST NOT be in the request URI.
    request = Request(TOKEN_URI + "?client_id=c&client_secret=s", "POST", "grant_type=x")
    assert extract_client_credentials(request) == ClientCredentials(None, None, "none")


@pytest.mark.parametrize("name", ["client_id", "client_secret"])
def test_repeated_body_credential_is_invalid_request(name):
    with pytest.raises(errors.InvalidRequestError):
        extract_client_credentials(token_request(f"client_id=c&{name}=a&{name}=b"))


def test_unparseable_body_gives_no_credentials():
    request = Request(TOKEN_URI, "POST", "client_id=c&client_secret=a b")
    assert extract_client_credentials(request) == ClientCredentials(None, None, "none")


# ------------------------------------------------------- two methods at once


def test_basic_plus_body_secret_is_invalid_request():
    # RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
    request = token_request(f"client_secret={RFC_SECRET}", authorization=RFC_BASIC)
    with pytest.raises(errors.InvalidRequestError) as excinfo:
        extract_client_credentials(request)
    assert excinfo.value.error == "invalid_request"
    assert excinfo.value.status_code == 400


def test_basic_with_different_body_client_id_is_invalid_request():
    request = token_request("client_id=other", authorization=RFC_BASIC)
    with pytest.raises(errors.InvalidRequestError):
        extract_client_credentials(request)


def test_basic_with_same_body_client_id_is_basic():
    request = token_request(f"client_id={RFC_ID}", authorization=RFC_BASIC)
    assert extract_client_credentials(request).method == "client_secret_basic"


def test_basic_with_empty_body_secret_is_basic():
    request = token_request("client_secret=", authorization=RFC_BASIC)
    assert extract_client_credentials(request) == ClientCredentials(
        RFC_ID, RFC_SECRET, "client_secret_basic"
    )


def test_authorization_header_name_is_case_insensitive():
    request = Request(TOKEN_URI, "POST", "", {"authorization": RFC_BASIC})
    assert extract_client_credentials(request).client_id == RFC_ID


# ------------------------------------------------------------------ properties


@given(st.text(min_size=1), st.text(min_size=1))
def test_form_encoded_basic_credentials_round_trip(client_id, secret):
    # RFC 6749 §2.3.1: whatever the characters, encoding then decoding is lossless.
    assert parse_basic_authorization(basic_header(client_id, secret)) == (client_id, secret)


@given(st.text())
def test_arbitrary_authorization_header_gives_credentials_or_invalid_client(header):
    request = Request(TOKEN_URI, "POST", "", {"Authorization": header})
    try:
        extract_client_credentials(request)
    except errors.InvalidClientError:
        pass
