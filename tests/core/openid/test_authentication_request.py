"""The checks of an authentication request (OpenID Connect Core 1.0 §3.1.2.1, §3.1.2.6)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from flask_oauth_provider.core import errors, jose
from tests.core.openid.openid_support import ISSUER, KEYS
from tests.core.openid.test_flows import AUTHORIZE, CB, authorize, code_of, exchange


def error_of(headers):
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(headers["Location"])
    params = parse_qs(parts.fragment or parts.query)
    return {k: v[0] for k, v in params.items()}


def validate(server, **params):
    query = {"client_id": "conf", "redirect_uri": CB, "response_type": "code",
             "scope": "openid", "state": "st"}
    query.update(params)
    return server.validate_authorization_request(AUTHORIZE + "?" + urlencode(query))


def id_token_for(validator, sub="alice", aud="conf", iss=ISSUER, key=None):
    claims = {"iss": iss, "sub": sub, "aud": aud, "iat": 1, "exp": 2}
    return jose.sign(claims, key or KEYS["RS256"])


def test_prompt_none_without_a_session_is_login_required(server, kit, validator):
    """§3.1.2.6 login_required, redirected with state, never a page."""
    validator.session_user = None
    headers, _, status = authorize(server, kit, prompt="none", logged_in=False)
    params = error_of(headers)
    assert status == 302 and params["error"] == "login_required" and params["state"] == "st"


def test_prompt_none_without_consent_is_consent_required(server, kit, validator):
    validator.consented = False
    headers, _, _ = authorize(server, kit, prompt="none")
    assert error_of(headers)["error"] == "consent_required"


def test_prompt_none_logged_in_and_consented_issues_a_code(server, kit):
    headers, _, status = authorize(server, kit, prompt="none")
    assert status == 302 and "code" in error_of(headers)


def test_prompt_none_with_another_value_is_invalid_request(server, kit):
    """§3.1.2.1: "If this parameter contains none with any other value, an error is
    returned"."""
    headers, _, _ = authorize(server, kit, prompt="none login")
    assert error_of(headers)["error"] == "invalid_request"


def test_unknown_prompt_value_is_invalid_request(server, kit):
    """Prompt Create §4.1: an unsupported prompt value is invalid_request."""
    headers, _, _ = authorize(server, kit, prompt="dance")
    assert error_of(headers)["error"] == "invalid_request"


@pytest.mark.parametrize("prompt", ["login", "consent", "select_account", "login consent"])
def test_prompt_values_are_reported_to_the_consent_step(server, prompt):
    """§3.1.2.1: the UI must know prompt to force a login or the consent page."""
    _, info = validate(server, prompt=prompt)
    assert info["prompt"] == set(prompt.split())


@pytest.mark.parametrize("max_age", ["-1", "1.5", "abc", "1e3", " 5"])
def test_max_age_must_be_a_non_negative_integer(server, kit, max_age):
    """§3.1.2.1 max_age: seconds, a non-negative integer."""
    headers, _, _ = authorize(server, kit, max_age=max_age)
    assert error_of(headers)["error"] == "invalid_request"


def test_max_age_is_reported_as_an_integer(server):
    assert validate(server, max_age="10000")[1]["max_age"] == 10000


def test_prompt_none_with_an_expired_max_age_is_login_required(server, kit, validator):
    """§3.1.2.1: the user logged in 60 s ago; max_age=1 requires a new login, which
    prompt=none forbids."""
    headers, _, _ = authorize(server, kit, prompt="none", max_age="1")
    assert error_of(headers)["error"] == "login_required"
    headers, _, _ = authorize(server, kit, prompt="none", max_age="10000")
    assert "code" in error_of(headers)


def test_max_age_id_token_carries_the_real_auth_time(server, kit, validator):
    """§2 auth_time: the time of the login (60 s before now), never the issue time."""
    code = code_of(server, kit, max_age="10000")
    token = json.loads(exchange(server, kit, code)[1])
    claims = jose.verify(token["id_token"], [KEYS["RS256"]])[1]
    assert claims["auth_time"] == validator.session_auth_time != claims["iat"]


def test_request_parameter_is_request_not_supported(server, kit):
    """§3.1.2.6 / §6: request objects are not supported and never silently ignored."""
    headers, _, _ = authorize(server, kit, request="eyJhbGciOiJub25lIn0.e30.")
    params = error_of(headers)
    assert params["error"] == "request_not_supported" and params["state"] == "st"


def test_request_uri_parameter_is_request_uri_not_supported(server, kit):
    headers, _, _ = authorize(server, kit, request_uri="https://client.example/r")
    assert error_of(headers)["error"] == "request_uri_not_supported"


def test_request_object_with_unregistered_redirect_uri_is_never_redirected(server, kit):
    """RFC 6749 §4.1.2.1: a bad redirect_uri is fatal, whatever else the request holds."""
    with pytest.raises(errors.MismatchingRedirectURIError):
        authorize(server, kit, request="x.y.z", redirect_uri="https://evil.example/cb")


@pytest.mark.parametrize("claims", ["{not json", "[]", '{"userinfo": []}',
                                    '{"id_token": {"email": 5}}',
                                    '{"userinfo": {"email": {"essential": "yes"}}}'])
def test_malformed_claims_parameter_is_invalid_request(server, kit, claims):
    """§5.5: the claims parameter is a JSON object of objects."""
    headers, _, _ = authorize(server, kit, claims=claims)
    assert error_of(headers)["error"] == "invalid_request"


def test_nonce_longer_than_the_limit_is_invalid_request(server, kit):
    headers, _, _ = authorize(server, kit, nonce="n" * 513)
    assert error_of(headers)["error"] == "invalid_request"


def test_id_token_hint_of_the_logged_in_user_is_accepted(server, kit, validator):
    """§3.1.2.1 id_token_hint: the hinted user is logged in, positive response."""
    headers, _, _ = authorize(server, kit, prompt="none", id_token_hint=id_token_for(validator))
    assert "code" in error_of(headers)


def test_id_token_hint_of_another_user_is_login_required(server, kit, validator):
    """§3.1.2.1: "If the End-User identified by the ID Token is [not] logged in ... it
    SHOULD return an error, such as login_required"."""
    hint = id_token_for(validator, sub="bob")
    headers, _, _ = authorize(server, kit, prompt="none", id_token_hint=hint, logged_in=False)
    assert error_of(headers)["error"] == "login_required"


@pytest.mark.parametrize("hint", ["garbage", "a.b.c"])
def test_unverifiable_id_token_hint_is_invalid_request(server, kit, validator, hint):
    headers, _, _ = authorize(server, kit, id_token_hint=hint)
    assert error_of(headers)["error"] == "invalid_request"


def test_id_token_hint_from_another_issuer_or_client_is_invalid_request(server, kit,
                                                                        validator):
    for hint in (id_token_for(validator, iss="https://other.example"),
                 id_token_for(validator, aud="pub")):
        headers, _, _ = authorize(server, kit, id_token_hint=hint)
        assert error_of(headers)["error"] == "invalid_request"


def test_id_token_hint_signed_by_an_unknown_key_is_invalid_request(server, kit, validator):
    """A key that is no longer published does not verify hints."""
    hint = id_token_for(validator, key=jose.generate_key("RS256"))
    headers, _, _ = authorize(server, kit, id_token_hint=hint)
    assert error_of(headers)["error"] == "invalid_request"


def test_requested_sub_value_of_another_user_is_login_required(server, kit):
    """§5.5.1: a sub requested with a value needs that user's session."""
    claims = json.dumps({"id_token": {"sub": {"value": "bob"}}})
    headers, _, _ = authorize(server, kit, claims=claims)
    assert error_of(headers)["error"] == "login_required"


@pytest.mark.parametrize("name,value", [
    ("display", "popup"), ("display", "page"), ("ui_locales", "fr-CA fr en"),
    ("claims_locales", "de"), ("acr_values", "urn:mace:incommon:iap:silver"),
    ("login_hint", "alice@example.org"), ("unknown_param", "x")])
def test_optional_parameters_are_accepted(server, kit, name, value):
    """§3.1.2.1: display, ui_locales, claims_locales, acr_values, login_hint; §3.1.2.1
    also says unknown parameters are ignored ("MUST ignore")."""
    headers, _, status = authorize(server, kit, **{name: value})
    assert status == 302 and "code" in error_of(headers)


def test_request_info_carries_hints_for_the_login_and_consent_pages(server):
    _, info = validate(server, login_hint="alice@example.org", ui_locales="fr en",
                       acr_values="a b", display="popup", nonce="n")
    assert info["login_hint"] == "alice@example.org"
    assert info["ui_locales"] == ["fr", "en"]
    assert info["acr_values"] == ["a", "b"]
    assert info["display"] == "popup" and info["nonce"] == "n"


def test_checks_are_skipped_for_plain_oauth_requests(server, kit):
    """Without openid the request is OAuth 2.0: prompt is not an OpenID prompt here."""
    headers, _, _ = authorize(server, kit, scope="read", prompt="dance")
    assert "code" in error_of(headers)
