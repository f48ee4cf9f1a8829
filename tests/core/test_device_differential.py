"""Differential tests of the device authorization grant (RFC 8628) against oauthlib.

The same requests go to oauthlib's ``DeviceAuthorizationEndpoint`` and ``Server`` (whose
token endpoint carries its ``DeviceCodeGrant``) and to ours, each with a fresh copy of
the same in-memory validator. Where oauthlib defines the outcome, status and body must
be equal and our validator calls must be oauthlib's plus only the device methods of
ours (poll pacing, redemption). Where we depart on purpose, the case asserts both
outcomes and names the RFC section.

Skipped when oauthlib (with ``oauthlib.oauth2.rfc8628``) is not installed.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Dict, Optional

import pytest

rfc8628 = pytest.importorskip("oauthlib.oauth2.rfc8628.endpoints")
oauth2 = pytest.importorskip("oauthlib.oauth2")

from flask_oauth_provider.core.endpoints import DeviceAuthorizationEndpoint  # noqa: E402
from flask_oauth_provider.core.servers import Server  # noqa: E402
from tests.core.device_support import (  # noqa: E402
    DEVICE_AUTHORIZATION,
    DEVICE_URI,
    FORM,
    TOKEN,
    device_validator_class,
    poll_body,
)

CONSOLE = dict(FORM, Authorization="Basic Y29uc29sZTpjb25zb2xlLXNlY3JldA==")  # console:…
BAD_CONSOLE = dict(FORM, Authorization="Basic Y29uc29sZTp3cm9uZw==")  # console:wrong
COMPLETE = DEVICE_URI + "?user_code={user_code}"
#: Our optional device methods, which oauthlib never calls.
OURS_ONLY = {"get_device_code_poll", "save_device_code_poll", "redeem_device_code",
             "save_device_code"}


def outcome(call: Callable[[], Any]) -> Dict[str, Any]:
    """A result or a raised OAuth error, reduced to comparable data."""
    try:
        headers, body, status = call()
    except Exception as exc:  # noqa: BLE001 - the harness compares what escapes
        return {"raised": type(exc).__name__, "error": getattr(exc, "error", None)}
    if isinstance(body, str):
        body = json.loads(body)
    body = dict(body)
    if status == 200 and "device_code" in body:
        assert len(body.pop("device_code")) >= 30
        body.pop("scope", None)  # oauthlib 4 echoes the scope; RFC 8628 §3.2 has none
    return {"status": status, "body": body}


def sides(kit, setup: Optional[Callable] = None):
    """(theirs, ours) validators, seeded alike."""
    validators = []
    for _ in range(2):
        validator = device_validator_class(kit.RecordingValidator)()
        if setup:
            setup(validator)
        validators.append(validator)
    return validators


def device_endpoints(kit, setup=None):
    theirs_v, ours_v = sides(kit, setup)
    options = dict(expires_in=600, interval=5, verification_uri_complete=COMPLETE,
                   user_code_generator=lambda: "WDJB-MJHT")
    theirs = rfc8628.DeviceAuthorizationEndpoint(theirs_v, DEVICE_URI, **options)
    ours = DeviceAuthorizationEndpoint(ours_v, DEVICE_URI, **options)
    return (theirs, theirs_v), (ours, ours_v)


def token_servers(kit, setup=None):
    theirs_v, ours_v = sides(kit, setup)

    def generators():
        return dict(token_generator=kit.counting_generator("tok"),
                    refresh_token_generator=kit.counting_generator("ref"))

    theirs = oauth2.Server(theirs_v, **generators())
    ours = Server(ours_v, **generators(), device_verification_uri=DEVICE_URI)
    return (theirs, theirs_v), (ours, ours_v)


def run_device(kit, body, headers=FORM, setup=None):
    results = []
    for endpoint, validator in device_endpoints(kit, setup):
        call = functools.partial(endpoint.create_device_authorization_response,
                                 DEVICE_AUTHORIZATION, "POST", body, headers)
        results.append((outcome(call), validator.calls))
    return results


def run_token(kit, body, headers=FORM, setup=None, polls=1):
    results = []
    for server, validator in token_servers(kit, setup):
        for _ in range(polls):
            result = outcome(functools.partial(server.create_token_response, TOKEN, "POST",
                                               body, headers))
        results.append((result, validator.calls, validator))
    return results


def device_code(status="authorization_pending", client_id="tv", scopes=("read",),
                expired=False):
    """A setup storing device code ``dc-1`` as ``save_device_code`` would."""
    def setup(validator):
        validator.device_codes["dc-1"] = {
            "client_id": client_id, "user_code": "WDJBMJHT", "scopes": list(scopes),
            "status": status, "user": validator.users["alice"][1],
            "expires_at": validator.now + (-1 if expired else 600), "interval": 5,
            "last_polled_at": None, "redeemed": False}
    return setup


def assert_same(results, compare_calls=True):
    (theirs, their_calls, *_), (ours, our_calls, *_) = results
    assert ours == theirs
    if compare_calls:
        assert [c for c in our_calls if c not in OURS_ONLY] == their_calls


# -- the device authorization endpoint (RFC 8628 §3.1, §3.2) ------------------------------


@pytest.mark.parametrize("body", ["client_id=tv&scope=read+profile", "client_id=tv"],
                         ids=["with-scope", "default-scope"])
def test_device_authorization_answer_matches(kit, body):
    (theirs, _), (ours, our_calls) = run_device(kit, body)
    assert ours == theirs
    assert theirs["body"] == {
        "user_code": "WDJB-MJHT", "verification_uri": DEVICE_URI,
        "verification_uri_complete": DEVICE_URI + "?user_code=WDJB-MJHT",
        "expires_in": 600, "interval": 5}
    assert our_calls[-1] == "save_device_code"


def test_confidential_client_with_client_id_matches(kit):
    (theirs, _), (ours, _) = run_device(kit, "client_id=console&scope=read", CONSOLE)
    assert ours == theirs
    assert ours["status"] == 200


def test_departure_confidential_client_need_not_repeat_client_id(kit):
    """RFC 8628 §3.1: client_id is REQUIRED only "if the client is not authenticating
    with the authorization server"; oauthlib requires it in the body anyway."""
    (theirs, _), (ours, _) = run_device(kit, "scope=read", CONSOLE)
    assert theirs == {"raised": "MissingClientIdError", "error": "invalid_request"}
    assert ours["status"] == 200


@pytest.mark.parametrize(("body", "headers", "their_error", "status", "our_error"), [
    ("client_id=tv&scope=admin", FORM, "InvalidScopeError", 400, "invalid_scope"),
    ("client_id=console&scope=read", BAD_CONSOLE, "InvalidClientError", 401,
     "invalid_client"),
    ("client_id=nobody", FORM, "InvalidClientIdError", 401, "invalid_client"),
], ids=["invalid-scope", "wrong-secret", "unknown-client"])
def test_departure_errors_are_answered_not_raised(kit, body, headers, their_error, status,
                                                  our_error):
    """RFC 8628 §3.2 (errors as in RFC 6749 §5.2): we answer JSON as the token endpoint
    does; oauthlib raises. An unknown client is invalid_client (RFC 6749 §5.2), where
    oauthlib's validate_client_id raises its invalid_request flavour."""
    (theirs, _), (ours, _) = run_device(kit, body, headers)
    assert theirs["raised"] == their_error
    assert (ours["status"], ours["body"]["error"]) == (status, our_error)


def test_departure_missing_client_id(kit):
    """No client_id and no authentication: RFC 6749 §5.2 invalid_client ("no client
    authentication included"), as at our token endpoint; oauthlib raises
    invalid_request."""
    (theirs, _), (ours, _) = run_device(kit, "scope=read")
    assert theirs == {"raised": "MissingClientIdError", "error": "invalid_request"}
    assert (ours["status"], ours["body"]["error"]) == (401, "invalid_client")


def test_departure_client_without_the_grant_is_refused_up_front(kit):
    """RFC 6749 §5.2 unauthorized_client at the device authorization endpoint already,
    so no user approves a code the device can never redeem; oauthlib hands out codes
    and refuses only at the token endpoint."""
    (theirs, _), (ours, _) = run_device(kit, "client_id=pub&scope=read")
    assert theirs["status"] == 200
    assert (ours["status"], ours["body"]["error"]) == (400, "unauthorized_client")


# -- the token endpoint (RFC 8628 §3.4, §3.5) ----------------------------------------------


@pytest.mark.parametrize("setup", [
    device_code("authorization_pending"),
    device_code("access_denied"),
    device_code("slow_down"),
    device_code("authorized", expired=True),
    device_code("authorized", scopes=("read", "profile")),
    device_code("authorized", client_id="console"),
    None,
], ids=["pending", "denied", "validator-slow-down", "expired", "authorized",
        "another-clients-code", "unknown-code"])
def test_token_answer_matches(kit, setup):
    results = run_token(kit, poll_body("dc-1"), setup=setup)
    assert_same(results)


def test_authorized_token_is_the_same(kit):
    results = run_token(kit, poll_body("dc-1"), setup=device_code("authorized"))
    assert results[1][0] == {"status": 200, "body": {
        "access_token": "tok-1", "expires_in": 3600, "token_type": "Bearer",
        "scope": "read", "refresh_token": "ref-1"}}
    assert_same(results)


@pytest.mark.parametrize(("body", "headers"), [
    (poll_body(""), FORM),
    (poll_body("dc-1", client_id="pub"), FORM),
    (poll_body("dc-1", client_id=""), FORM),
    (poll_body("dc-1", client_id="console"), BAD_CONSOLE),
], ids=["missing-device-code", "client-without-grant", "missing-client-id",
        "wrong-secret"])
def test_token_errors_match(kit, body, headers):
    """Same answers. A missing device_code is refused before client authentication
    here (as a missing code is by the code grant), after it by oauthlib."""
    results = run_token(kit, body, headers, setup=device_code("authorized"))
    assert_same(results, compare_calls="device_code=&" not in body)
    assert results[1][0]["status"] in (400, 401)


def test_departure_second_redemption_is_invalid_grant(kit):
    """RFC 6749 §10.5 / RFC 8628 §3.5: the device code ends with its token; we redeem it
    through the validator, so a second poll is invalid_grant. oauthlib leaves single use
    to validate_device_code, and this validator (like many) does not do it there."""
    theirs, ours = run_token(kit, poll_body("dc-1"), setup=device_code("authorized"),
                             polls=2)
    assert theirs[0]["status"] == 200
    assert len(theirs[2].tokens) == 2
    assert (ours[0]["status"], ours[0]["body"]["error"]) == (400, "invalid_grant")
    assert len(ours[2].tokens) == 1


def test_departure_our_pacing_answers_slow_down(kit):
    """RFC 8628 §3.5: a second poll within the interval is slow_down; oauthlib only says
    so when the validator does, and this validator leaves pacing to the grant."""
    theirs, ours = run_token(kit, poll_body("dc-1"), setup=device_code(), polls=2)
    assert theirs[0]["body"] == {"error": "authorization_pending"}
    assert ours[0]["body"] == {"error": "slow_down"}
