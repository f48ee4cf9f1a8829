"""core.request.Request: oauthlib's attributes, and parse errors recorded instead of raised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_oauth_provider.core import set_debug
from flask_oauth_provider.core.request import PRESEEDED_PARAMS, CaseInsensitiveDict, Request

URI = "https://as.example/token"


@pytest.fixture(autouse=True)
def _debug_off():
    set_debug(False)
    yield
    set_debug(False)


# ------------------------------------------------------------- constructor


def test_constructor_defaults_match_oauthlib():
    request = Request(URI)
    assert request.http_method == "GET"
    assert request.body is None
    assert request.decoded_body is None
    assert dict(request.headers) == {}
    assert request.parse_error is None


def test_constructor_keeps_uri_and_method():
    request = Request(URI + "?a=1", "POST")
    assert request.uri == URI + "?a=1"
    assert request.http_method == "POST"


def test_bytes_arguments_are_decoded():
    request = Request(URI.encode(), b"POST", b"a=%C2%A3", {b"X-Test": b"v"})
    assert request.uri == URI
    assert request.http_method == "POST"
    assert request.body == "a=%C2%A3"
    assert request.a == "£"
    assert request.headers["x-test"] == "v"


def test_oauthlib_compat_attributes_exist():
    request = Request(URI)
    assert request.oauth_params == []
    assert request.validator_log == {}


# ----------------------------------------------------------------- params


@pytest.mark.parametrize("name", PRESEEDED_PARAMS)
def test_preseeded_params_read_as_none(name):
    assert getattr(Request(URI), name) is None


def test_preseeded_params_include_oauthlib_names():
    for name in ("client_id", "code_verifier", "token_type_hint", "response_mode", "device_code"):
        assert name in PRESEEDED_PARAMS


def test_unknown_attribute_raises_attribute_error():
    request = Request(URI)
    with pytest.raises(AttributeError):
        request.username  # noqa: B018


def test_getattr_default_works_for_unsent_params():
    assert getattr(Request(URI), "username", None) is None


def test_sent_extra_param_is_readable():
    request = Request(URI, "POST", "grant_type=password&username=alice&password=pw")
    assert request.username == "alice"
    assert request.password == "pw"


def test_query_params_are_read():
    request = Request(URI + "?client_id=abc&state=xyz")
    assert request.client_id == "abc"
    assert request.state == "xyz"


def test_body_wins_over_query_for_the_same_name():
    request = Request(URI + "?client_id=from-query", "POST", "client_id=from-body")
    assert request.client_id == "from-body"


def test_setting_an_attribute_shadows_the_param():
    request = Request(URI + "?scope=read")
    request.scopes = ["read"]
    request.client_id = "set"
    assert request.scopes == ["read"]
    assert request.client_id == "set"


def test_empty_value_is_kept_as_empty_string():
    assert Request(URI + "?scope=").scope == ""


def test_last_occurrence_of_a_repeated_param_is_the_attribute():
    assert Request(URI + "?state=a&state=b").state == "b"


# ------------------------------------------------------------------- body


def test_form_body_is_decoded_into_pairs():
    request = Request(URI, "POST", "grant_type=authorization_code&code=x+y")
    assert request.decoded_body == [("grant_type", "authorization_code"), ("code", "x y")]


def test_dict_body_is_accepted():
    request = Request(URI, "POST", {"grant_type": "client_credentials"})
    assert request.grant_type == "client_credentials"
    assert request.decoded_body == [("grant_type", "client_credentials")]


def test_list_of_pairs_body_is_accepted():
    request = Request(URI, "POST", [("grant_type", "password"), (b"username", b"alice")])
    assert request.username == "alice"


def test_list_that_is_not_pairs_is_a_parse_error():
    request = Request(URI, "POST", ["abc", "d"])
    assert request.decoded_body is None
    assert request.body_parse_error


def test_empty_body_decodes_to_no_params():
    request = Request(URI, "POST", "")
    assert request.decoded_body == []
    assert request.parse_error is None


def test_other_body_types_are_kept_but_not_decoded():
    request = Request(URI, "POST", 42)
    assert request.body == 42
    assert request.decoded_body is None
    assert request.parse_error is None


@pytest.mark.parametrize(
    "body",
    [
        '{"grant_type": "client_credentials"}',
        "grant_type=client credentials",
        "code=%zz",
        "code=%FF",
        "grant_type=é",
        b"code=\xff\xfe",
    ],
)
def test_unparseable_body_sets_parse_error_instead_of_raising(body):
    request = Request(URI, "POST", body)
    assert request.decoded_body is None
    assert request.body_parse_error
    assert request.parse_error == request.body_parse_error
    assert request.query_parse_error is None


def test_unparseable_body_contributes_no_params():
    request = Request(URI, "POST", "grant_type=password&username=a b")
    assert request.grant_type is None


def test_parse_error_does_not_quote_the_body():
    request = Request(URI, "POST", "client_secret=my secret")
    assert "my secret" not in request.parse_error


def test_json_body_declared_as_json_is_ignored_without_parse_error():
    request = Request(
        URI, "POST", '{"name": "x y"}', {"Content-Type": "application/json; charset=utf-8"}
    )
    assert request.decoded_body is None
    assert request.parse_error is None


def test_body_declared_as_form_is_parsed():
    request = Request(
        URI,
        "POST",
        "grant_type=password",
        {"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8"},
    )
    assert request.grant_type == "password"


def test_malformed_body_declared_as_form_is_a_parse_error():
    request = Request(
        URI, "POST", '{"a": 1}', {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert request.body_parse_error


def test_body_allows_trailing_ampersand():
    request = Request(URI, "POST", "grant_type=password&")
    assert request.parse_error is None
    assert request.grant_type == "password"


# ------------------------------------------------------------------ query


@pytest.mark.parametrize(
    "query", ["a=1&", "a=1&&b=2", "a=b c", "a=%zz", "redirect_uri=https://x/é", "a=%C3"]
)
def test_unparseable_query_sets_parse_error_instead_of_raising(query):
    request = Request(URI + "?" + query)
    assert request.query_parse_error
    assert request.parse_error == request.query_parse_error


def test_unparseable_query_contributes_no_params():
    request = Request(URI + "?client_id=abc&")
    assert request.client_id is None


def test_query_parse_error_is_reported_before_body_parse_error():
    request = Request(URI + "?a=1&", "POST", "b=x y")
    assert request.parse_error == request.query_parse_error
    assert request.body_parse_error


def test_uri_query_is_the_raw_query():
    assert Request(URI + "?a=1&b=%20").uri_query == "a=1&b=%20"


def test_uri_query_params_are_decoded_pairs():
    assert Request(URI + "?a=1&b=x+y").uri_query_params == [("a", "1"), ("b", "x y")]


def test_uri_query_params_of_no_query_is_empty():
    assert Request(URI).uri_query_params == []


def test_uri_query_params_never_raises_and_still_shows_a_bad_query():
    request = Request(URI + "?client_id=abc&")
    assert request.uri_query_params == [("client_id", "abc")]


def test_fragment_is_not_part_of_the_query():
    assert Request(URI + "?a=1#b=2").uri_query_params == [("a", "1")]


# ------------------------------------------------------------- duplicates


def test_duplicate_params_in_query():
    assert Request(URI + "?client_id=a&client_id=b").duplicate_params == ["client_id"]


def test_duplicate_params_across_query_and_body():
    request = Request(URI + "?scope=a", "POST", "scope=b")
    assert request.duplicate_params == ["scope"]


def test_duplicate_params_in_body():
    request = Request(URI, "POST", "code=a&grant_type=x&code=b")
    assert request.duplicate_params == ["code"]


def test_no_duplicates_gives_empty_list():
    assert Request(URI + "?a=1", "POST", "b=2").duplicate_params == []


def test_duplicate_params_with_unparseable_body_does_not_raise():
    request = Request(URI + "?a=1", "POST", "a=b c")
    assert request.duplicate_params == []


# ---------------------------------------------------------------- headers


def test_headers_are_case_insensitive():
    request = Request(URI, headers={"Authorization": "Bearer x"})
    assert request.headers["authorization"] == "Bearer x"
    assert request.headers.get("AUTHORIZATION") == "Bearer x"
    assert "aUtHoRiZaTiOn" in request.headers


def test_headers_get_default():
    assert Request(URI).headers.get("Origin", "none") == "none"


def test_case_insensitive_dict_keeps_first_spelling_and_replaces_value():
    headers = CaseInsensitiveDict({"Content-Type": "a"})
    headers["content-type"] = "b"
    assert dict(headers) == {"Content-Type": "b"}


def test_case_insensitive_dict_delete_and_pop():
    headers = CaseInsensitiveDict({"Origin": "https://a"})
    assert headers.pop("ORIGIN") == "https://a"
    assert "Origin" not in headers
    headers["X"] = "1"
    del headers["x"]
    assert dict(headers) == {}
    assert headers.pop("missing", None) is None
    with pytest.raises(KeyError):
        headers.pop("missing")


def test_case_insensitive_dict_copy_is_case_insensitive():
    copy = CaseInsensitiveDict({"Origin": "https://a"}).copy()
    assert copy["origin"] == "https://a"


def test_case_insensitive_dict_setdefault_and_update():
    headers = CaseInsensitiveDict()
    headers.update({"A": "1"}, b="2")
    assert headers.setdefault("a", "x") == "1"
    assert headers["B"] == "2"


# ------------------------------------------------------------------- repr


def test_repr_is_sanitized_outside_debug():
    request = Request(URI, "POST", "client_secret=s3cret", {"Authorization": "Basic abc"})
    assert repr(request) == "<Request SANITIZED>"


def test_repr_in_debug_redacts_secrets():
    set_debug(True)
    request = Request(
        URI + "?code=c0de&state=st",
        "POST",
        "client_secret=s3cret&grant_type=password&password=pw0rd",
        {"Authorization": "Basic YWJjOmRlZg=="},
    )
    text = repr(request)
    for secret in ("c0de", "s3cret", "pw0rd", "YWJjOmRlZg=="):
        assert secret not in text
    assert "grant_type=password" in text
    assert "state=st" in text


# ------------------------------------------------------ log: debug & redaction


def test_set_debug_toggles_get_debug():
    from flask_oauth_provider.core import get_debug

    set_debug(True)
    assert get_debug() is True
    set_debug(False)
    assert get_debug() is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code=abc&state=x", "code=<REDACTED>&state=x"),
        ("https://c/cb?state=s&code=abc", "https://c/cb?state=s&code=<REDACTED>"),
        (
            "https://c/cb#access_token=t&token_type=Bearer",
            "https://c/cb#access_token=<REDACTED>&token_type=Bearer",
        ),
        ('body="client_secret=s3"', 'body="client_secret=<REDACTED>"'),
        ("password=pw&username=alice", "password=<REDACTED>&username=alice"),
        ("x_code=1&mycode=2", "x_code=1&mycode=2"),
        ('{"access_token": "a", "scope": "r"}', '{"access_token": "<REDACTED>", "scope": "r"}'),
        ('{"refresh_token":"a\\"b"}', '{"refresh_token":"<REDACTED>"}'),
        ("Authorization: Basic YWJj", "Authorization: Basic <REDACTED>"),
        ("bearer tok123", "bearer <REDACTED>"),
    ],
)
def test_redact_hides_secret_values(text, expected):
    from flask_oauth_provider.core.log import redact

    assert redact(text) == expected


def test_redact_passes_non_text_through():
    from flask_oauth_provider.core.log import redact

    assert redact(None) is None
    assert redact(42) == 42


def test_redact_params_and_headers():
    from flask_oauth_provider.core.log import redact_headers, redact_params

    assert redact_params([("code", "c"), ("state", "s")]) == [
        ("code", "<REDACTED>"),
        ("state", "s"),
    ]
    assert redact_params({"client_secret": "x"}) == {"client_secret": "<REDACTED>"}
    assert redact_params(None) is None
    assert redact_headers({"authorization": "Basic x", "Origin": "o"}) == {
        "authorization": "<REDACTED>",
        "Origin": "o",
    }


def test_parse_error_is_logged_without_the_input(caplog):
    with caplog.at_level("DEBUG", logger="flask_oauth_provider.core"):
        Request(URI, "POST", "client_secret=top secret")
    assert "Malformed request" in caplog.text
    assert "top secret" not in caplog.text


# ------------------------------------------------------------------ properties


@given(st.text(), st.one_of(st.none(), st.text(), st.binary()))
def test_request_never_raises_on_any_query_or_body(query, body):
    request = Request(URI + "?" + query, "POST", body)
    assert request.parse_error is None or isinstance(request.parse_error, str)
    request.duplicate_params  # noqa: B018
    request.uri_query_params  # noqa: B018


def test_request_survives_deepcopy_and_pickle():
    import copy
    import pickle

    request = Request(URI + "?state=s", "POST", "code=c", {"Authorization": "Basic x"})
    for clone in (copy.deepcopy(request), pickle.loads(pickle.dumps(request))):  # noqa: S301 - our own data
        assert clone.state == "s"
        assert clone.code == "c"
        assert clone.headers["authorization"] == "Basic x"
        assert clone.client_id is None
