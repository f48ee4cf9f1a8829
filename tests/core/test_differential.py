"""Differential tests: the same requests into oauthlib's servers and ours.

Each case below runs against ``oauthlib.oauth2.<X>Server`` and
our ``<X>Server``, each with a fresh ``RecordingValidator`` seeded the same way. The
outcomes (status, error code and description, token fields, normalised ``Location``,
the relevant headers, or the raised error) must be equal, and so must the sequence of
validator calls. Where we depart from oauthlib on purpose, the case asserts both
outcomes explicitly and cites the RFC section that motivates the departure.

Skipped when oauthlib is not installed.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

oauth2 = pytest.importorskip("oauthlib.oauth2")

from flask_oauth_provider.core import servers as our_servers  # noqa: E402
from flask_oauth_provider.core.endpoints import MetadataEndpoint  # noqa: E402
from tests.helpers import FORM  # noqa: E402

AUTHORIZE = "https://as.example/authorize"
TOKEN = "https://as.example/token"
REVOKE = "https://as.example/revoke"
INTROSPECT = "https://as.example/introspect"
RESOURCE = "https://rs.example/api"
CB = quote("https://client.example/cb", safe="")
PUB_CB = quote("https://public.example/cb", safe="")
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
COMPARED_HEADERS = ("Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate",
                    "Access-Control-Allow-Origin")


@dataclass
class Case:
    id: str
    run: Callable[[Any], Any]
    setup: Optional[Callable[[Any], None]] = None
    server: str = "Server"
    ours_kwargs: Dict[str, Any] = field(default_factory=dict)
    # For a deliberate departure: fn(theirs, ours) asserting both outcomes.
    departure: Optional[Callable[[dict, dict], None]] = None
    compare_calls: bool = True


def normalise_location(location: str) -> tuple:
    parts = urlsplit(location)
    params = parse_qsl(parts.fragment or parts.query, keep_blank_values=True)
    normalised = {k: ("<code>" if k == "code" else v) for k, v in params}
    base = location.split("?")[0].split("#")[0]
    where = "fragment" if parts.fragment else "query"
    return base, where, normalised


def normalise_body(body: Any) -> Any:
    if isinstance(body, str) and body:
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def outcome(call: Callable[[], Any]) -> dict:
    """Run ``call`` and reduce its result or exception to comparable data."""
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - the harness compares what escapes
        return {"raised": type(exc).__name__, "error": getattr(exc, "error", None),
                "description": getattr(exc, "description", None),
                "status": getattr(exc, "status_code", None)}
    if isinstance(result, tuple) and len(result) == 3:
        headers, body, status = result
        shown = {k: headers[k] for k in COMPARED_HEADERS if k in headers}
        if "Location" in headers:
            shown["Location"] = normalise_location(headers["Location"])
        return {"status": status, "headers": shown, "body": normalise_body(body),
                "empty_headers": headers == {}}
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], bool):
        valid, request = result
        return {"valid": valid, "scopes": request.scopes,
                "token_type": getattr(request, "token_type", None)}
    scopes, info = result
    return {"scopes": scopes,
            "info": {k: v for k, v in info.items() if k != "request"}}


def token_body(**params) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def run_both(case: Case, kit):
    """(their outcome, our outcome, their calls, our calls)."""
    results = []
    for side in ("theirs", "ours"):
        validator = kit.RecordingValidator()
        if case.setup:
            case.setup(validator)
        kwargs = dict(token_generator=kit.counting_generator("tok"),
                      refresh_token_generator=kit.counting_generator("ref"))
        if side == "theirs":
            server = getattr(oauth2, case.server)(validator, **kwargs)
        else:
            server = getattr(our_servers, case.server)(validator, **kwargs, **case.ours_kwargs)
        results.append((outcome(functools.partial(case.run, server)), validator.calls))
    (theirs, their_calls), (ours, our_calls) = results
    return theirs, ours, their_calls, our_calls


# -- helpers for setups ----------------------------------------------------------------

def code_for(client_id="conf", redirect_uri="https://client.example/cb", challenge=None,
             method=None, scopes=("read",)):
    def setup(validator):
        validator.add_code("code-1", client_id=client_id, redirect_uri=redirect_uri,
                           challenge=challenge, method=method, scopes=scopes)
    return setup


def token_for(client_id="conf", scopes=("read", "write")):
    def setup(validator):
        validator.add_token("at-1", client_id=client_id, scopes=scopes, refresh_token="rt-1")
    return setup


def authorize(query, **kwargs):
    return lambda s: s.create_authorization_response(f"{AUTHORIZE}?{query}", **kwargs)


def validate(query):
    return lambda s: s.validate_authorization_request(f"{AUTHORIZE}?{query}")


def token(body, headers=None, **kwargs):
    return lambda s: s.create_token_response(TOKEN, body=body, headers=headers, **kwargs)


CONF = {"Authorization": "Basic Y29uZjpjb25mLXNlY3JldA=="}  # conf:conf-secret
LIMITED = {"Authorization": "Basic bGltaXRlZDpsaW1pdGVkLXNlY3JldA=="}
BAD_CONF = {"Authorization": "Basic Y29uZjp3cm9uZw=="}  # conf:wrong


def both_raise(their_type, our_type, our_error=None):
    def check(theirs, ours):
        assert theirs["raised"] == their_type
        assert ours["raised"] == our_type
        if our_error:
            assert ours["error"] == our_error
    return check


def json_error(status, error, description=None):
    def check(outcome_):
        assert outcome_["status"] == status
        assert outcome_["body"]["error"] == error
        if description is not None:
            assert outcome_["body"].get("error_description") == description
    return check


def raised_then_answered(their_description, our_description):
    """oauthlib raises InvalidRequestError; we answer 400 JSON (RFC 6749 §5.2)."""
    def check(theirs, ours):
        assert theirs["raised"] == "InvalidRequestError"
        assert theirs["description"] == their_description
        json_error(400, "invalid_request", our_description)(ours)
        assert ours["headers"]["Cache-Control"] == "no-store"
    return check


def code_grant_answer(their, our):
    """Same status, but a different error: RFC 6749 §5.2 says invalid_grant for a
    redirect URI that does not match the one the code was issued for (§4.1.3)."""
    def check(theirs, ours):
        json_error(400, "invalid_request", their)(theirs)
        json_error(400, "invalid_grant", our)(ours)
    return check


CODE_Q = f"response_type=code&client_id=conf&redirect_uri={CB}&state=xyz"

CASES = [
    # ---- authorization endpoint -------------------------------------------------------
    Case("A1-validate-code", validate(CODE_Q + "&scope=read")),
    Case("A2-code", authorize(CODE_Q, scopes=["read"], credentials={"user": "alice"})),
    Case("A3-missing-client-id", validate(f"response_type=code&redirect_uri={CB}")),
    Case("A4-unknown-client",
         validate(f"response_type=code&client_id=nobody&redirect_uri={CB}")),
    Case("A5-relative-redirect",
         validate("response_type=code&client_id=conf&redirect_uri=%2Fcb")),
    Case("A24-fragment-redirect",
         validate(f"response_type=code&client_id=conf&redirect_uri={CB}%23f")),
    Case("A6-unregistered-redirect",
         authorize("response_type=code&client_id=conf&redirect_uri=https%3A%2F%2Fevil.example")),
    Case("A7-no-redirect-no-default", authorize("response_type=code&client_id=conf")),
    Case("A8-missing-response-type", authorize("client_id=pub&state=s1")),
    Case("A9-unknown-response-type",
         authorize(f"response_type=foo&client_id=conf&redirect_uri={CB}")),
    Case("A32-token-code", authorize(f"response_type=token+code&client_id=conf&redirect_uri={CB}",
                                     scopes=["read"])),
    Case("A10-response-type-not-allowed",
         authorize("response_type=code&client_id=limited&state=s")),
    Case("A11-validate-invalid-scope", validate(CODE_Q + "&scope=admin")),
    Case("A12-invalid-scope", authorize(CODE_Q + "&scope=admin")),
    Case("A13-duplicate-client-id", validate(CODE_Q + "&client_id=conf")),
    Case("A14-trailing-ampersand", validate(CODE_Q + "&")),
    Case("A21-raw-space", validate(CODE_Q + "&scope=read write"),
         departure=both_raise("ValueError", "InvalidRequestFatalError", "invalid_request")),
    Case("A15-pkce-required", authorize("response_type=code&client_id=pub&state=s")),
    Case("A16-pkce-s512", authorize(f"response_type=code&client_id=pub&code_challenge={CHALLENGE}"
                                    "&code_challenge_method=S512")),
    Case("A16-pkce-s256", validate(f"response_type=code&client_id=pub&code_challenge={CHALLENGE}"
                                   "&code_challenge_method=S256")),
    Case("A29-challenge-without-method-plain-enabled",
         validate(f"response_type=code&client_id=pub&code_challenge={VERIFIER}"),
         ours_kwargs={"pkce_plain": True}),
    # RFC 7636 §4.3: no method means plain; plain is off unless configured (§7.2).
    Case("A29-challenge-without-method",
         validate(f"response_type=code&client_id=pub&code_challenge={VERIFIER}"),
         departure=lambda theirs, ours: (
             assert_equal(theirs["info"]["code_challenge_method"], "plain"),
             assert_equal((ours["raised"], ours["description"]),
                          ("UnsupportedCodeChallengeMethodError",
                           "Transform algorithm not supported."))),
         compare_calls=False),
    Case("A17-implicit", authorize(f"response_type=token&client_id=conf&redirect_uri={CB}"
                                   "&state=xyz&scope=read", scopes=["read"])),
    Case("A18-implicit-error", authorize(f"response_type=token&client_id=conf&redirect_uri={CB}"
                                         "&state=xyz&scope=admin")),
    Case("A19-none", authorize(f"response_type=none&client_id=conf&redirect_uri={CB}&state=xyz",
                               scopes=["read"])),
    Case("A20-fragment-mode", authorize(CODE_Q + "&response_mode=fragment", scopes=["read"])),
    Case("A20-fragment-mode-error", authorize(CODE_Q + "&response_mode=fragment&scope=admin")),
    Case("A20-form-post-falls-back", authorize(CODE_Q + "&response_mode=form_post",
                                               scopes=["read"])),
    Case("A23-registered-query-kept",
         authorize("response_type=code&client_id=conf&state=a+b%26c&redirect_uri="
                   + quote("https://client.example/cb?x=1", safe=""), scopes=["read"]),
         setup=lambda v: v.clients["conf"].redirect_uris.append("https://client.example/cb?x=1")),
    Case("A25-default-scopes", validate(CODE_Q)),
    Case("A26-default-scopes-create", authorize(CODE_Q)),
    # RFC 6749 §3.1: a parameter sent without a value is treated as omitted, so an
    # empty scope gets the client's default scopes (§3.3) instead of invalid_scope.
    Case("A27-empty-scope", validate(CODE_Q + "&scope="),
         departure=lambda theirs, ours: (
             assert_equal(theirs["raised"], "InvalidScopeError"),
             assert_equal(ours["scopes"], ["read"])), compare_calls=False),
    Case("A27b-empty-scope-create", authorize(CODE_Q + "&scope="),
         departure=lambda theirs, ours: (
             assert_equal(theirs["headers"]["Location"][2]["error"], "invalid_scope"),
             assert_equal(ours["headers"]["Location"][2]["code"], "<code>")),
         compare_calls=False),
    Case("A30-empty-granted-scopes", authorize(CODE_Q + "&scope=write", scopes=[])),
    Case("A28-post-form", lambda s: s.create_authorization_response(
        AUTHORIZE, http_method="POST", body=CODE_Q, headers=FORM, scopes=["read"])),

    # ---- token endpoint -------------------------------------------------------------------
    Case("T1-code-basic", token(token_body(grant_type="authorization_code", code="code-1",
                                           redirect_uri=CB), CONF), setup=code_for()),
    Case("T6-code-post", token(token_body(grant_type="authorization_code", code="code-1",
                                          redirect_uri=CB, client_id="conf",
                                          client_secret="conf-secret")), setup=code_for()),
    Case("T2-code-replay", lambda s: (
        s.create_token_response(TOKEN, body=f"grant_type=authorization_code&code=code-1"
                                f"&redirect_uri={CB}", headers=CONF),
        s.create_token_response(TOKEN, body=f"grant_type=authorization_code&code=code-1"
                                f"&redirect_uri={CB}", headers=CONF))[1], setup=code_for()),
    Case("T3-mismatched-redirect",
         token(token_body(grant_type="authorization_code", code="code-1",
                          redirect_uri=quote("https://client.example/cb2", safe="")), CONF),
         setup=code_for(),
         departure=code_grant_answer("Mismatching redirect URI.", "Mismatching redirect URI.")),
    Case("T4-redirect-omitted-no-default",
         token(token_body(grant_type="authorization_code", code="code-1"), CONF),
         setup=code_for(),
         departure=code_grant_answer("Missing redirect URI.", "Missing redirect URI.")),
    Case("T5-wrong-secret", token(token_body(grant_type="authorization_code", code="code-1",
                                             redirect_uri=CB), BAD_CONF), setup=code_for()),
    Case("T17-unknown-public-client", token(token_body(grant_type="authorization_code",
                                                       code="code-1", client_id="ghost"))),
    Case("T7-missing-code", token(token_body(grant_type="authorization_code"), CONF)),
    Case("T8-duplicate-grant-type", token(
        "grant_type=authorization_code&grant_type=authorization_code&code=code-1", CONF),
        setup=code_for()),
    Case("T9-unknown-grant-type", token("grant_type=foo", CONF)),
    # RFC 6749 §5.2: a missing required parameter is invalid_request.
    Case("T10-missing-grant-type", token("code=code-1", CONF),
         departure=lambda theirs, ours: (
             json_error(400, "unsupported_grant_type")(theirs),
             json_error(400, "invalid_request")(ours)), compare_calls=False),
    Case("T28f-dict-body", token({"grant_type": "client_credentials"}, LIMITED)),
    # RFC 6749 §4.1.3 / Appendix B: a body that is not form data is a malformed request.
    Case("T28e-json-body", token('{"grant_type": "client_credentials"}', LIMITED),
         departure=lambda theirs, ours: (
             json_error(400, "unsupported_grant_type")(theirs),
             json_error(400, "invalid_request")(ours)), compare_calls=False),
    # RFC 6749 §3.2 (POST only) and §2.3.1 (no credentials in the URI): answered, not raised.
    Case("T11-get", lambda s: s.create_token_response(
        TOKEN + "?grant_type=client_credentials", http_method="GET", headers=LIMITED),
        departure=raised_then_answered("Unsupported request method GET",
                                       "Unsupported request method GET")),
    Case("T12-query-on-post", lambda s: s.create_token_response(
        TOKEN + "?client_secret=limited-secret", body="grant_type=client_credentials",
        headers=LIMITED),
        departure=raised_then_answered("URL query parameters are not allowed",
                                       "URL query parameters are not allowed")),
    # Same outcome; the call order departs (test_password_policy_before_credentials).
    Case("T13-grant-not-allowed", token("grant_type=password&username=alice&password=wonderland",
                                        LIMITED), compare_calls=False),
    Case("T14-verifier-missing", token(token_body(grant_type="authorization_code", code="code-1",
                                                  client_id="pub", redirect_uri=PUB_CB)),
         setup=code_for("pub", "https://public.example/cb", CHALLENGE, "S256")),
    Case("T15-wrong-verifier", token(token_body(
        grant_type="authorization_code", code="code-1", client_id="pub", redirect_uri=PUB_CB,
        code_verifier="x" * 43)),
        setup=code_for("pub", "https://public.example/cb", CHALLENGE, "S256")),
    Case("T16-s256", token(token_body(
        grant_type="authorization_code", code="code-1", client_id="pub", redirect_uri=PUB_CB,
        code_verifier=VERIFIER)),
        setup=code_for("pub", "https://public.example/cb", CHALLENGE, "S256")),
    Case("T16b-plain-enabled", token(token_body(
        grant_type="authorization_code", code="code-1", client_id="pub", redirect_uri=PUB_CB,
        code_verifier=VERIFIER)),
        setup=code_for("pub", "https://public.example/cb", VERIFIER, "plain"),
        ours_kwargs={"pkce_plain": True}),
    # RFC 7636 §7.2 / RFC 9700 §2.1.1: a code bound with plain is not redeemed when
    # plain is off.
    Case("T16b-plain-disabled", token(token_body(
        grant_type="authorization_code", code="code-1", client_id="pub", redirect_uri=PUB_CB,
        code_verifier=VERIFIER)),
        setup=code_for("pub", "https://public.example/cb", VERIFIER, "plain"),
        departure=lambda theirs, ours: (
            assert_equal(theirs["status"], 200),
            json_error(400, "invalid_grant", "Transform algorithm not supported.")(ours)),
        compare_calls=False),
    Case("T31-cors-allowed", lambda s: s.create_token_response(
        TOKEN, body=f"grant_type=authorization_code&code=code-1&redirect_uri={CB}",
        headers={**CONF, "Origin": "https://app.example"}), setup=code_for()),
    Case("T31-cors-http-origin", lambda s: s.create_token_response(
        TOKEN, body=f"grant_type=authorization_code&code=code-1&redirect_uri={CB}",
        headers={**CONF, "Origin": "http://app.example"}), setup=code_for()),
    Case("T16c-code-of-another-client", token(token_body(
        grant_type="authorization_code", code="code-1", redirect_uri=PUB_CB), CONF),
        setup=code_for("pub", "https://public.example/cb")),
    # RFC 6749 §5.2 invalid_client: the client identified in the request is not the
    # one that authenticated (oauthlib answers server_error 400).
    Case("T16d-basic-and-body-client-differ", token(token_body(
        grant_type="authorization_code", code="code-1", redirect_uri=CB, client_id="pub"),
        CONF), setup=code_for(),
        departure=lambda theirs, ours: (
            json_error(400, "server_error")(theirs),
            json_error(401, "invalid_client")(ours))),
    Case("T16e-scope-param-ignored", token(token_body(
        grant_type="authorization_code", code="code-1", redirect_uri=CB, scope="write"), CONF),
        setup=code_for()),
    Case("T18-password", token("grant_type=password&username=alice&password=wonderland", CONF)),
    Case("T19-password-bad", token("grant_type=password&username=alice&password=nope", CONF)),
    Case("T20-password-missing-username", token("grant_type=password&password=x", CONF)),
    Case("T21-password-bad-scope", token(
        "grant_type=password&username=alice&password=wonderland&scope=admin", CONF)),
    Case("T22-client-credentials", token("grant_type=client_credentials", LIMITED)),
    Case("T23-client-credentials-public", token("grant_type=client_credentials&client_id=pub")),
    Case("T24-duplicate-scope", token("grant_type=client_credentials&scope=read&scope=read",
                                      LIMITED)),
    Case("T25-refresh-narrower", token("grant_type=refresh_token&refresh_token=rt-1&scope=read",
                                       CONF), setup=token_for()),
    Case("T26-refresh-broader", token(
        "grant_type=refresh_token&refresh_token=rt-1&scope=read+profile", CONF),
        setup=token_for()),
    Case("T27-refresh-unknown", token("grant_type=refresh_token&refresh_token=nope", CONF),
         setup=token_for()),
    Case("T28-refresh-missing", token("grant_type=refresh_token", CONF), setup=token_for()),
    Case("T28d-refresh-inherits-scopes", token("grant_type=refresh_token&refresh_token=rt-1",
                                               CONF), setup=token_for()),
    Case("T28a-error-echoes-state", token("grant_type=foo&state=abc", CONF)),
    Case("T29-extra-credentials", token("grant_type=client_credentials", LIMITED,
                                        credentials={"tenant": "blue"})),
    # oauthlib's Server also routes RFC 8628 device codes; this core does not (yet).
    Case("T30-device-code-grant", token(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d",
        CONF),
        departure=lambda theirs, ours: (
            json_error(400, "unauthorized_client")(theirs),
            json_error(400, "unsupported_grant_type")(ours)), compare_calls=False),

    # ---- resource, introspection, revocation ------------------------------------------------
    Case("R1-valid", lambda s: s.verify_request(
        RESOURCE, headers={"Authorization": "Bearer at-1"}, scopes=["read"]),
        setup=token_for()),
    Case("R2-insufficient-scope", lambda s: s.verify_request(
        RESOURCE, headers={"Authorization": "Bearer at-1"}, scopes=["profile"]),
        setup=token_for()),
    Case("R3-query-token-allowed", lambda s: s.verify_request(
        RESOURCE + "?access_token=at-1", scopes=["read"]),
        setup=token_for(), ours_kwargs={"allow_query_token": True}),
    # RFC 6750 §2.3 / OAuth 2.1 §5.1 / RFC 9700 §4.3.2: tokens in URLs are ignored.
    Case("R3-query-token", lambda s: s.verify_request(
        RESOURCE + "?access_token=at-1", scopes=["read"]), setup=token_for(),
        departure=lambda theirs, ours: (assert_equal(theirs["valid"], True),
                                        assert_equal(ours["valid"], False)),
        compare_calls=False),
    Case("R4-no-token", lambda s: s.verify_request(RESOURCE, scopes=["read"])),
    Case("X1-introspect-active", lambda s: s.create_introspect_response(
        INTROSPECT, body="token=at-1", headers=CONF), setup=token_for()),
    Case("X2-introspect-unknown", lambda s: s.create_introspect_response(
        INTROSPECT, body="token=nope", headers=CONF)),
    Case("X3-introspect-missing-token", lambda s: s.create_introspect_response(
        INTROSPECT, body="", headers=CONF)),
    Case("X4-introspect-bad-client", lambda s: s.create_introspect_response(
        INTROSPECT, body="token=at-1", headers=BAD_CONF)),
    Case("X5-introspect-get", lambda s: s.create_introspect_response(
        INTROSPECT + "?token=at-1", http_method="GET", headers=CONF)),
    # RFC 7662 §2.2: nothing but {"active": false} for an inactive token.
    Case("X6-introspect-claims-inactive", lambda s: s.create_introspect_response(
        INTROSPECT, body="token=t", headers=CONF),
        setup=lambda v: v.introspection_claims.update({"t": {"active": False, "scope": "x"}}),
        departure=lambda theirs, ours: (
            assert_equal(theirs["body"], {"active": True, "scope": "x"}),
            assert_equal(ours["body"], {"active": False}))),
    Case("V1-revoke", lambda s: s.create_revocation_response(
        REVOKE, body="token=at-1", headers=CONF), setup=token_for()),
    Case("V2-revoke-get", lambda s: s.create_revocation_response(
        REVOKE + "?token=at-1", http_method="GET", headers=CONF)),
    Case("V3-revoke-unknown-hint", lambda s: s.create_revocation_response(
        REVOKE, body="token=at-1&token_type_hint=banana", headers=CONF), setup=token_for()),
    Case("V4-revoke-refresh-hint-mobile", lambda s: s.create_revocation_response(
        REVOKE, body="token=rt-1&token_type_hint=refresh_token", headers=CONF),
        server="MobileApplicationServer"),
    Case("V4-revoke-refresh-hint-backend", lambda s: s.create_revocation_response(
        REVOKE, body="token=rt-1&token_type_hint=refresh_token", headers=LIMITED),
        server="BackendApplicationServer"),
    Case("V5-revoke-query-on-post", lambda s: s.create_revocation_response(
        REVOKE + "?token=at-1", body="token=at-1", headers=CONF)),
    Case("M1-mobile-code", authorize(CODE_Q), server="MobileApplicationServer"),
    Case("B1-backend-password", token("grant_type=password&username=alice&password=wonderland",
                                      CONF), server="BackendApplicationServer"),
    Case("W1-web-code", authorize(CODE_Q, scopes=["read"]), server="WebApplicationServer"),
    Case("L1-legacy-password", token("grant_type=password&username=alice&password=wonderland",
                                     CONF), server="LegacyApplicationServer"),
]


def assert_equal(actual, expected):
    assert actual == expected


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_same_outcome_as_oauthlib(case, kit):
    theirs, ours, their_calls, our_calls = run_both(case, kit)
    if case.departure is not None:
        case.departure(theirs, ours)
    else:
        assert ours == theirs
    if case.compare_calls:
        assert our_calls == policy_before_credentials(their_calls)


def policy_before_credentials(calls: list) -> list:
    """oauthlib's call order with the one deliberate change: the password grant asks
    validate_grant_type before validate_user (see test_password_policy_before_credentials)."""
    if "validate_user" not in calls:
        return calls
    calls = list(calls)
    user = calls.index("validate_user")
    if "validate_grant_type" not in calls:  # oauthlib stopped at a wrong password
        calls.insert(user, "validate_grant_type")
    elif user < calls.index("validate_grant_type"):
        calls.insert(user, calls.pop(calls.index("validate_grant_type")))
    return calls


# -- departures outside the request cases -------------------------------------------------


def test_password_policy_before_credentials(kit):
    """A client not allowed the password grant never reaches validate_user (RFC 6749
    §10.10, RFC 9700 §2.4): otherwise its client_id answers invalid_grant for a wrong
    password and unauthorized_client for a right one. oauthlib checks the password first.
    """
    case = next(case for case in CASES if case.id == "T13-grant-not-allowed")
    theirs, ours, their_calls, our_calls = run_both(case, kit)
    assert ours == theirs
    assert their_calls.index("validate_user") < their_calls.index("validate_grant_type")
    assert "validate_grant_type" in our_calls and "validate_user" not in our_calls

def test_unavailable_answers_the_same_error_with_json_headers(kit):
    """E1: same status and body; we add the JSON/no-store headers (RFC 6749 §5.1)."""
    theirs = oauth2.Server(kit.RecordingValidator())
    ours = our_servers.Server(kit.RecordingValidator())
    theirs.available = ours.available = False
    their_headers, their_body, their_status = theirs.create_token_response(TOKEN, body="x=1")
    our_headers, our_body, our_status = ours.create_token_response(TOKEN, body="x=1")
    assert (our_body, our_status) == (their_body, their_status) == (
        '{"error": "temporarily_unavailable"}', 503)
    assert their_headers == {}
    assert our_headers["Content-Type"] == "application/json"


def test_validator_crash_is_a_500_without_catch_errors(kit):
    """E2: oauthlib lets the exception escape unless catch_errors is set; we always
    answer 500 server_error (RFC 6749 §5.2 error format, no detail)."""
    their_validator, our_validator = kit.RecordingValidator(), kit.RecordingValidator()
    their_validator.fail["authenticate_client"] = RuntimeError("db down")
    our_validator.fail["authenticate_client"] = RuntimeError("db down")
    theirs = oauth2.Server(their_validator)
    with pytest.raises(RuntimeError):
        theirs.create_token_response(TOKEN, body="grant_type=client_credentials",
                                     headers=LIMITED)
    theirs.catch_errors = True
    their_result = theirs.create_token_response(TOKEN, body="grant_type=client_credentials",
                                                headers=LIMITED)
    our_result = our_servers.Server(our_validator).create_token_response(
        TOKEN, body="grant_type=client_credentials", headers=LIMITED)
    assert their_result[1:] == our_result[1:] == ('{"error": "server_error"}', 500)


def test_authorization_validator_crash_is_a_server_error_500(kit):
    """E3: oauthlib lets the exception escape; we raise errors.ServerError (500) with
    no redirect URI, so the application shows an error page (RFC 9700 §4.11.2)."""
    their_validator, our_validator = kit.RecordingValidator(), kit.RecordingValidator()
    their_validator.fail["validate_client_id"] = RuntimeError("db down")
    our_validator.fail["validate_client_id"] = RuntimeError("db down")
    uri = f"{AUTHORIZE}?{CODE_Q}"
    with pytest.raises(RuntimeError):
        oauth2.Server(their_validator).validate_authorization_request(uri)
    from flask_oauth_provider.core import errors

    with pytest.raises(errors.ServerError) as caught:
        our_servers.Server(our_validator).validate_authorization_request(uri)
    assert (caught.value.status_code, caught.value.redirect_uri) == (500, None)


def test_metadata_advertises_plain_only_when_enabled(kit):
    """RFC 7636 §7.2, RFC 9700 §2.1.1: S256 only by default; otherwise same claims."""
    claims = {"issuer": "https://as.example", "authorization_endpoint": AUTHORIZE,
              "token_endpoint": TOKEN, "revocation_endpoint": REVOKE,
              "introspection_endpoint": INTROSPECT}
    from oauthlib.oauth2.rfc6749.endpoints.metadata import MetadataEndpoint as TheirMetadata

    theirs = TheirMetadata([oauth2.Server(kit.RecordingValidator())], dict(claims)).claims
    ours = MetadataEndpoint([our_servers.Server(kit.RecordingValidator())], dict(claims)).claims
    assert sorted(theirs["code_challenge_methods_supported"]) == ["S256", "plain"]
    assert ours["code_challenge_methods_supported"] == ["S256"]
    device = "urn:ietf:params:oauth:grant-type:device_code"
    assert set(theirs["grant_types_supported"]) - {device} == set(ours["grant_types_supported"])
    for key in set(theirs) - {"code_challenge_methods_supported", "grant_types_supported"}:
        assert ours[key] == theirs[key], key
