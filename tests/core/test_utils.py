"""core.utils: scopes, form decoding, URIs, exact redirect matching, secrets, PKCE."""

from __future__ import annotations

import hmac
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_oauth_provider.core import redirect_uris, utils
from tests.helpers import RFC7636_CHALLENGE, RFC7636_VERIFIER

REG = "https://client.example/cb"

# --------------------------------------------------------------------- scopes


def test_scope_to_list_splits_on_spaces():
    assert utils.scope_to_list("read write") == ["read", "write"]


def test_scope_to_list_strips_outer_whitespace():
    assert utils.scope_to_list(" read write ") == ["read", "write"]


def test_scope_to_list_keeps_none():
    assert utils.scope_to_list(None) is None


def test_scope_to_list_of_empty_string_is_one_empty_scope_like_oauthlib():
    assert utils.scope_to_list("") == [""]


def test_scope_to_list_accepts_sequences():
    assert utils.scope_to_list(("a", "b")) == ["a", "b"]
    assert sorted(utils.scope_to_list({"a", "b"})) == ["a", "b"]


def test_list_to_scope_joins_with_single_spaces():
    assert utils.list_to_scope(["read", "write"]) == "read write"


def test_list_to_scope_passes_strings_and_none_through():
    assert utils.list_to_scope("read") == "read"
    assert utils.list_to_scope(None) is None


def test_list_to_scope_rejects_other_types():
    with pytest.raises(ValueError):
        utils.list_to_scope(42)


# ------------------------------------------------------------------ urldecode


def test_urldecode_decodes_pairs_in_order():
    assert utils.urldecode("a=1&b=x+y&c=%C2%A3") == [("a", "1"), ("b", "x y"), ("c", "£")]


def test_urldecode_rfc6749_appendix_b_example():
    assert utils.urldecode("v=+%25%26%2B%C2%A3%E2%82%AC") == [("v", " %&+£€")]


def test_urldecode_keeps_field_without_equals_as_empty_value():
    assert utils.urldecode("c2") == [("c2", "")]


def test_urldecode_accepts_bytes():
    assert utils.urldecode(b"a=1") == [("a", "1")]


@pytest.mark.parametrize(
    "text",
    ["a=b c", 'a="x"', "a=é", "a={}", "a=%zz", "a=%4", "a=%", "a=%FF", "a=1#frag", "a=<b>"],
)
def test_urldecode_rejects_text_that_is_not_form_urlencoded(text):
    with pytest.raises(ValueError):
        utils.urldecode(text)


def test_urldecode_rejects_non_ascii_bytes():
    with pytest.raises(ValueError):
        utils.urldecode("a=é".encode())


def test_urldecode_skips_empty_fields_unless_strict():
    assert utils.urldecode("a=1&&b=2&") == [("a", "1"), ("b", "2")]
    with pytest.raises(ValueError):
        utils.urldecode("a=1&", strict_fields=True)


def test_urldecode_error_does_not_quote_the_input():
    with pytest.raises(ValueError) as excinfo:
        utils.urldecode("client_secret=top secret")
    assert "top secret" not in str(excinfo.value)


# ------------------------------------------------------------ add_params_to_uri


def test_add_params_to_uri_appends_to_query():
    uri = utils.add_params_to_uri(REG, [("code", "abc"), ("state", "a b&c")])
    assert parse_qsl(urlsplit(uri).query) == [("code", "abc"), ("state", "a b&c")]


def test_add_params_to_uri_retains_existing_query_verbatim():
    # RFC 6749 §3.1.2: the query component MUST be retained.
    uri = utils.add_params_to_uri("https://c.example/cb?tenant=a%20b&x=1", {"code": "c"})
    assert uri == "https://c.example/cb?tenant=a%20b&x=1&code=c"


def test_add_params_to_uri_fragment_mode_uses_the_fragment():
    uri = utils.add_params_to_uri(REG, [("access_token", "t")], fragment=True)
    assert uri == REG + "#access_token=t"


def test_add_params_to_uri_skips_none_values():
    assert utils.add_params_to_uri(REG, [("state", None), ("code", "c")]) == REG + "?code=c"


def test_params_from_uri_splits_scope():
    assert utils.params_from_uri("https://x/?scope=a+b&s=1") == {"scope": ["a", "b"], "s": "1"}


def test_host_from_uri_defaults_ports():
    assert utils.host_from_uri("https://a.example/x") == ("a.example", "443")
    assert utils.host_from_uri("http://a.example:8080/x") == ("a.example", "8080")


# ------------------------------------------------------------- is_absolute_uri


@pytest.mark.parametrize(
    "uri",
    [
        REG,
        "https://client.example/cb?tenant=a",
        "http://127.0.0.1:8000/cb",
        "http://[::1]/cb",
        "com.example.app:/oauth2redirect",
        "urn:ietf:wg:oauth:2.0:oob",
    ],
)
def test_is_absolute_uri_accepts(uri):
    assert utils.is_absolute_uri(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "/cb",
        "cb",
        "//client.example/cb",
        REG + "#frag",
        "https://client.example/c b",
        "https://client.example/cb\n",
        'https://client.example/"',
        "https://client.example/%zz",
        "https:///cb",
        "https://client.example:99999/cb",
        "1http://x/",
        "",
        None,
    ],
)
def test_is_absolute_uri_rejects(uri):
    # RFC 6749 §3.1.2: absolute, no fragment.
    assert not utils.is_absolute_uri(uri)


# ------------------------------------------------------------ transport & hosts


def test_is_secure_transport_requires_https(monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    assert utils.is_secure_transport("https://a.example")
    assert utils.is_secure_transport("HTTPS://A.EXAMPLE")
    assert not utils.is_secure_transport("http://a.example")


def test_is_secure_transport_honours_oauthlib_insecure_transport(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    assert utils.is_secure_transport("http://a.example")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_is_loopback_host_accepts_loopback(host):
    assert utils.is_loopback_host(host)


@pytest.mark.parametrize(
    "host", ["127.0.0.1.evil.example", "10.0.0.1", "example.com", "[::2]", "127.1", "", None]
)
def test_is_loopback_host_rejects_others(host):
    assert not utils.is_loopback_host(host)


# -------------------------------------------------------- redirect_uri_matches


def test_redirect_uri_matches_identical_string():
    assert redirect_uris.redirect_uri_matches(REG, REG)


def test_redirect_uri_matches_identical_string_with_query():
    assert redirect_uris.redirect_uri_matches(REG + "?tenant=a", REG + "?tenant=a")


@pytest.mark.parametrize(
    "requested",
    [
        REG + "/",
        "https://client.example/CB",
        "https://CLIENT.example/cb",
        REG + "?x=1",
        REG + "?code=attackercode",
        REG + "#x",
        "http://client.example/cb",
        "https://client.example:443/cb",
        "https://client.example/%63b",
        "https://client.example%2Fcb",
        REG + "/../evil",
        REG + "/..%2Fevil",
        REG + "%2F..%2Fevil",
        REG + "/%2e%2e%2Fevil",
        REG + "/;/../../evil",
        REG + "%0A%0D/../../evil",
        "https://client.example@evil.example/cb",
        "https://client.example%40evil.example/cb",
        "https://a@b@evil.example/cb",
        "https://client.example.evil.example/cb",
        "https://client.example/cb/../../blog",
        "https://client.example/cb%252F",
        "https://client.example:8443/cb",
        " " + REG,
        REG + " ",
        "",
    ],
)
def test_redirect_uri_matches_rejects_mutations_of_registered_uri(requested):
    # RFC 9700 §4.1.3: simple string comparison (RU-01 / RU-03 of tests/security).
    assert not redirect_uris.redirect_uri_matches(REG, requested)


PATH_CONFUSION_SUFFIXES = """
/FAKEPATH   %2FFAKEPATH   /..%2FFAKEPATH   /%2e%2e%2FFAKEPATH   /..%252FFAKEPATH
/%252e%252e%252FFAKEPATH   /FAKEPATH/..   %2FFAKEPATH%2F..   %2FFAKEPATH%2F%2e%2e
%252FFAKEPATH%252F..   %252FFAKEPATH%252F%252e%252e   /;/../../FAKEPATH
/%3B/../../FAKEPATH   %3B%2F..%2F..%2FFAKEPATH   %3B%2F%2e%2e%2F%2F%2e%2eFAKEPATH
%253B%252F..%252F..%252FFAKEPATH   %0A%0D/../../FAKEPATH   %0A%0D%2F..%2F..%2FFAKEPATH
%0A%0D%2F%2e%2e%2F%2F%2e%2eFAKEPATH   %250A%250D%252F..%252F..%252FFAKEPATH
""".split()


def test_path_confusion_list_has_all_twenty_payloads():
    assert len(set(PATH_CONFUSION_SUFFIXES)) == 20


@pytest.mark.parametrize("suffix", PATH_CONFUSION_SUFFIXES)
def test_redirect_uri_matches_rejects_path_confusion_payloads(suffix):
    # Redirect URI confusion (RFC 9700 §4.1.1; OAuch's RedirectUriConfusionTest).
    assert not redirect_uris.redirect_uri_matches(REG, REG + suffix)


@pytest.mark.parametrize("suffix", PATH_CONFUSION_SUFFIXES)
def test_redirect_uri_matches_rejects_path_confusion_on_loopback(suffix):
    assert not redirect_uris.redirect_uri_matches(
        "http://127.0.0.1/cb", "http://127.0.0.1:5000/cb" + suffix
    )


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        ("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb"),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:51004/cb"),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1/cb"),
        ("http://[::1]/cb", "http://[::1]:51004/cb"),
        ("http://localhost/cb", "http://localhost:51004/cb"),
        ("http://127.0.0.1/cb?x=1", "http://127.0.0.1:51004/cb?x=1"),
    ],
)
def test_redirect_uri_matches_lets_loopback_port_vary(registered, requested):
    # RFC 8252 §7.3: any port for loopback IP redirect URIs.
    assert redirect_uris.redirect_uri_matches(registered, requested)


@pytest.mark.parametrize(
    "requested",
    [
        "http://127.0.0.1:51004/cb?x=1",
        "http://127.0.0.1:51004/other",
        "http://127.0.0.1:51004/cb/",
        "http://127.0.0.1:51004/CB",
        "http://127.0.0.1:51004/cb#x",
        "http://localhost:51004/cb",
        "http://[::1]:51004/cb",
        "http://127.0.0.2:51004/cb",
        "http://127.0.0.1.evil.example:51004/cb",
        "http://127.0.0.1:80@evil.example/cb",
        "http://evil@127.0.0.1:51004/cb",
        "https://127.0.0.1:51004/cb",
        "HTTP://127.0.0.1:51004/cb",
        "http://127.0.0.1:0/cb",
        "http://127.0.0.1:65536/cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:5x/cb",
        "http://127.0.0.1:-1/cb",
        "http://127.0.0.1:51004\\@evil.example/cb",
    ],
)
def test_redirect_uri_matches_loopback_only_port_may_differ(requested):
    # RFC 8252 §7.3 (RU-03 of tests/security): scheme, host, path and query stay exact.
    assert not redirect_uris.redirect_uri_matches("http://127.0.0.1/cb", requested)


def test_redirect_uri_matches_never_varies_port_of_non_loopback_uri():
    assert not redirect_uris.redirect_uri_matches("http://client.example/cb", "http://client.example:81/cb")


def test_redirect_uri_matches_rejects_non_strings():
    assert not redirect_uris.redirect_uri_matches(REG, None)
    assert not redirect_uris.redirect_uri_matches(None, REG)


# -------------------------------------------------------------------- secrets


def test_generate_token_carries_256_bits_of_urlsafe_text():
    token = utils.generate_token()
    assert len(token) == 43
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_generate_token_values_are_unique():
    assert len({utils.generate_token() for _ in range(1000)}) == 1000


def test_generate_token_refuses_fewer_than_32_bytes():
    with pytest.raises(ValueError):
        utils.generate_token(16)


def test_generate_token_uses_secrets():
    with mock.patch("secrets.token_urlsafe", return_value="x" * 43) as token_urlsafe:
        assert utils.generate_token() == "x" * 43
    token_urlsafe.assert_called_once_with(32)


def test_safe_string_equals_compares():
    assert utils.safe_string_equals("abc", "abc")
    assert not utils.safe_string_equals("abc", "abd")
    assert not utils.safe_string_equals("abc", "abcd")
    assert utils.safe_string_equals("é", "é")


def test_safe_string_equals_is_false_for_none():
    assert not utils.safe_string_equals(None, "abc")
    assert not utils.safe_string_equals("abc", None)


def test_safe_string_equals_uses_compare_digest():
    with mock.patch("hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        utils.safe_string_equals("abc", "abc")
    assert compare.called


# ----------------------------------------------------------------------- PKCE



def test_pkce_s256_rfc7636_appendix_b_vector():
    assert utils.pkce_s256(RFC7636_VERIFIER) == RFC7636_CHALLENGE


@pytest.mark.parametrize(
    ("verifier", "challenge"),
    [
        (
            "3641a2d12d66101249cdf7a79c000c1f8c05d2aafcf14bf146497bed",
            "6fdkQaPm51l13DSukcAH3Mdx7_ntecHYd1vi3n0hMZY",
        ),
        ("a" * 43, "ZtNPunH49FD35FWYhT5Tv8I7vRKQJ8uxMaL0_9eHjNA"),
        ("~" * 128, "zNhOm5Jyonenca7bQzzpjUpwFDVrfhrbbOGCqgWA6HU"),
    ],
)
def test_pkce_s256_more_vectors(verifier, challenge):
    assert utils.pkce_s256(verifier) == challenge


def test_verify_code_verifier_s256_accepts_rfc7636_vector():
    assert utils.verify_code_verifier(RFC7636_VERIFIER, RFC7636_CHALLENGE, "S256")


def test_verify_code_verifier_s256_rejects_challenge_sent_as_verifier():
    # RFC 9700 §2.1.1 / RFC 7636 §7.2 (PK-08 of tests/security): the plain-downgrade attack.
    assert not utils.verify_code_verifier(RFC7636_CHALLENGE, RFC7636_CHALLENGE, "S256")


def test_verify_code_verifier_s256_rejects_wrong_verifier():
    assert not utils.verify_code_verifier("b" * 43, RFC7636_CHALLENGE, "S256")


def test_verify_code_verifier_plain_compares_verbatim():
    assert utils.verify_code_verifier("a" * 43, "a" * 43, "plain")
    assert not utils.verify_code_verifier("a" * 43, "a" * 44, "plain")


@pytest.mark.parametrize("method", ["S512", "s256", "PLAIN", None, ""])
def test_verify_code_verifier_rejects_unknown_method(method):
    assert not utils.verify_code_verifier(RFC7636_VERIFIER, RFC7636_CHALLENGE, method)


def test_verify_code_verifier_rejects_missing_values():
    assert not utils.verify_code_verifier(None, RFC7636_CHALLENGE, "S256")
    assert not utils.verify_code_verifier(RFC7636_VERIFIER, None, "S256")


def test_verify_code_verifier_rejects_non_ascii_verifier():
    assert not utils.verify_code_verifier("é" * 43, RFC7636_CHALLENGE, "S256")


def test_verify_code_verifier_compares_in_constant_time():
    # PK-12 of tests/security.
    with mock.patch("hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        utils.verify_code_verifier(RFC7636_VERIFIER, RFC7636_CHALLENGE, "S256")
    assert compare.called


@pytest.mark.parametrize("verifier", ["a" * 43, "~" * 128, RFC7636_VERIFIER, "A-._~" * 9])
def test_is_valid_code_verifier_accepts_43_to_128_unreserved(verifier):
    assert utils.is_valid_code_verifier(verifier)


@pytest.mark.parametrize(
    "verifier",
    [
        "a" * 42,
        "a" * 129,
        "abc",
        "",
        None,
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + "=",
        "a" * 42 + " ",
        "a" * 42 + "%",
        "a" * 43 + "\n",
        "é" * 43,
    ],
)
def test_is_valid_code_verifier_rejects_bad_shapes(verifier):
    # RFC 7636 §4.1 (PK-09 of tests/security).
    assert not utils.is_valid_code_verifier(verifier)


def test_is_valid_code_challenge_has_the_same_shape():
    assert utils.is_valid_code_challenge(RFC7636_CHALLENGE)
    assert not utils.is_valid_code_challenge("short")


# ------------------------------------------------------------------ properties


@given(st.text())
def test_urldecode_only_ever_raises_value_error(text):
    try:
        utils.urldecode(text)
    except ValueError:
        pass


@given(st.lists(st.tuples(st.text(min_size=1), st.text())))
def test_add_params_to_uri_round_trips(params):
    uri = utils.add_params_to_uri(REG + "?keep=1", params)
    assert utils.urldecode(urlsplit(uri).query) == [("keep", "1"), *params]


@given(st.text())
def test_redirect_uri_matches_only_identical_for_non_loopback(requested):
    assert redirect_uris.redirect_uri_matches(REG, requested) == (requested == REG)


@given(st.integers(min_value=1, max_value=65535))
def test_redirect_uri_matches_any_loopback_port(port):
    assert redirect_uris.redirect_uri_matches("http://127.0.0.1/cb", f"http://127.0.0.1:{port}/cb")


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
        min_size=43,
        max_size=128,
    )
)
def test_every_valid_verifier_verifies_against_its_own_s256_challenge(verifier):
    assert utils.is_valid_code_verifier(verifier)
    assert utils.verify_code_verifier(verifier, utils.pkce_s256(verifier), "S256")
