"""core/openid/claims.py (OpenID Connect Core 1.0 §5.4, §5.5) and rules.py (§3.1.2.1)."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.openid import claims, rules

USER = {"name": "Alice", "email": "a@example.org", "email_verified": True,
        "phone_number": "+1", "address": {"country": "GB"}, "picture": None,
        "favourite_colour": "blue", "sub": "forged"}


@pytest.mark.parametrize("scope,expected", [
    ("profile", {"name"}), ("email", {"email", "email_verified"}),
    ("address", {"address"}), ("phone", {"phone_number"}),
    ("profile email address phone", {"name", "email", "email_verified", "address",
                                     "phone_number"})])
def test_scope_claims_of_section_5_4(scope, expected):
    """§5.4: each scope gives its claims; None values are omitted (§5.3.2)."""
    selected = claims.select_claims(USER, "alice", scope.split(), None, "userinfo")
    assert set(selected) == expected | {"sub"}


def test_sub_always_comes_from_the_subject():
    """§5.3.2: sub MUST always be returned; a user claim cannot override it."""
    assert claims.select_claims(USER, "alice", [], None, "userinfo") == {"sub": "alice"}


def test_non_standard_claims_need_a_claims_request():
    requested = {"userinfo": {"favourite_colour": None}}
    selected = claims.select_claims(USER, "alice", ["openid"], requested, "userinfo")
    assert selected == {"sub": "alice", "favourite_colour": "blue"}
    assert "favourite_colour" not in claims.select_claims(USER, "alice", [], requested,
                                                          "id_token")


def test_id_token_scope_claims_only_when_asked():
    """§5.4: scope claims go to the ID token only when no access token is issued."""
    assert claims.select_claims(USER, "a", ["email"], None, "id_token",
                                include_scope_claims=False) == {"sub": "a"}


def test_essential_claims_are_listed():
    request = claims.parse_claims_request(
        '{"userinfo": {"name": {"essential": true}, "email": null}}')
    assert claims.essential_claims(request, "userinfo") == ["name"]
    assert claims.essential_claims(request, "id_token") == []


def test_claims_request_ignores_unknown_members():
    """§5.5: members other than userinfo and id_token are extensions, ignored."""
    assert claims.parse_claims_request('{"verified_claims": 5}') == {"verified_claims": 5}
    assert claims.parse_claims_request(None) is None
    assert claims.parse_claims_request("") is None


@pytest.mark.parametrize("value", ["nope", "5", '{"id_token": {"x": {"values": 1}}}'])
def test_malformed_claims_request_raises_invalid_request(value):
    with pytest.raises(errors.InvalidRequestError):
        claims.parse_claims_request(value)


def test_standard_claims_lists_sub_and_every_scope_claim():
    assert "sub" in claims.STANDARD_CLAIMS and "phone_number_verified" in claims.STANDARD_CLAIMS


@pytest.mark.parametrize("prompt,needed", [
    ("", False), ("consent", False), ("login", True), ("select_account", True)])
def test_prompt_login_and_select_account_force_authentication(prompt, needed):
    """§3.1.2.1 prompt=login: "prompt the End-User for reauthentication"."""
    assert rules.authentication_required(prompt.split(), None, 100, 100) is needed


@pytest.mark.parametrize("max_age,auth_time,needed", [
    (10, 95, False), (10, 89, True), (0, 100, False), (0, 99, True), (5, None, True)])
def test_max_age_forces_authentication_when_the_login_is_older(max_age, auth_time, needed):
    """§3.1.2.1 max_age: "If the elapsed time is greater than this value, the OP MUST
    attempt to actively re-authenticate the End-User"."""
    assert rules.authentication_required((), max_age, auth_time, 100) is needed


def test_nonce_rules():
    """§3.2.2.1, §3.3.2.11: required when the authorization endpoint returns an ID token."""
    assert rules.nonce_required("id_token token") and rules.nonce_required("code id_token")
    assert not rules.nonce_required("code token") and not rules.nonce_required("code")
    rules.check_nonce(None, required=False)
    with pytest.raises(errors.InvalidRequestError):
        rules.check_nonce("", required=True)


def test_parse_max_age_accepts_integers():
    assert rules.parse_max_age("0") == 0 and rules.parse_max_age(7) == 7
    assert rules.parse_max_age(None) is None
    with pytest.raises(errors.InvalidRequestError):
        rules.parse_max_age(True)
