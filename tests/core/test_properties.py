"""Property tests: whatever arrives, every endpoint answers a well-formed OAuth response.

Random queries, bodies, headers and methods, mixed from plausible OAuth parameters
and noise, go into every endpoint of a ``Server``. The only exceptions allowed out
are ``OAuth2Error`` (including ``FatalClientError``) from the authorization
endpoint; the JSON endpoints always answer RFC 6749 §5.1/§5.2 shaped responses, and
no redirect ever leaves for a URI that is not registered (RFC 6749 §3.1.2.4,
RFC 9700 §4.11.2).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.servers import Server
from tests.helpers import basic_header

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

#: RFC 6749 §5.2 / §4.1.2.1: the characters error_description may use.
SAFE_DESCRIPTION = re.compile(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]*$")
ERROR_CODES = {
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope", "unsupported_token_type", "server_error",
    "temporarily_unavailable", "access_denied", "unsupported_response_type",
}
REGISTERED = ("https://client.example/cb", "https://client.example/cb2",
              "https://public.example/cb", "https://limited.example/cb")
PLAUSIBLE = {
    "client_id": ["conf", "pub", "limited", "nobody", ""],
    "client_secret": ["conf-secret", "wrong", ""],
    "redirect_uri": [*REGISTERED, "https://evil.example/cb", "/relative", REGISTERED[0] + "#f",
                     "http://[::1", "javascript:alert(1)"],
    "response_type": ["code", "token", "none", "code token", "foo", ""],
    "response_mode": ["query", "fragment", "form_post"],
    "grant_type": ["authorization_code", "password", "client_credentials", "refresh_token",
                   "foo", ""],
    "code": ["code-1", "nope"],
    "refresh_token": ["rt-1", "nope"],
    "username": ["alice", "bob"],
    "password": ["wonderland", "x"],
    "scope": ["read", "read write", "admin", ""],
    "state": ["xyz", "a b&c", ""],
    "code_challenge": ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "short"],
    "code_challenge_method": ["S256", "plain", "S512"],
    "code_verifier": ["dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "bad"],
    "token": ["at-1", "rt-1", "nope"],
    "token_type_hint": ["access_token", "refresh_token", "banana"],
    "access_token": ["at-1", "nope"],
}

noise = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
plausible_pair = st.sampled_from(sorted(PLAUSIBLE)).flatmap(
    lambda key: st.tuples(st.just(key), st.sampled_from(PLAUSIBLE[key])))
noisy_pair = st.one_of(
    st.sampled_from(sorted(PLAUSIBLE)).flatmap(
        lambda key: st.tuples(st.just(key), st.sampled_from(PLAUSIBLE[key]) | noise)),
    st.tuples(noise, noise),
)


def encode(pairs, raw_noise=""):
    encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return encoded + raw_noise


raw_fragment = st.sampled_from(["", "&", "&&", "%zz", " x", "=", "%", "\x00", "é"])


def template(required, optional):
    """Requests shaped like one flow: its parameters with plausible values."""
    return st.fixed_dictionaries(
        {k: (st.just(v) if isinstance(v, str) else st.sampled_from(PLAUSIBLE[k]))
         for k, v in required.items()},
        optional={k: st.sampled_from(PLAUSIBLE[k]) for k in optional},
    ).map(lambda params: encode(sorted(params.items())))


CLIENT = ("client_id", "client_secret")
TOKEN_FORMS = st.one_of(
    template({"grant_type": "authorization_code", "code": None},
             ("redirect_uri", "code_verifier", "scope", "state", *CLIENT)),
    template({"grant_type": "password", "username": None, "password": None},
             ("scope", *CLIENT)),
    template({"grant_type": "client_credentials"}, ("scope", *CLIENT)),
    template({"grant_type": "refresh_token", "refresh_token": None}, ("scope", *CLIENT)),
)
TOKEN_LOOKUP_FORMS = template({"token": None}, ("token_type_hint", *CLIENT))
AUTHORIZE_FORMS = template(
    {"client_id": None, "response_type": None},
    ("redirect_uri", "scope", "state", "response_mode", "code_challenge",
     "code_challenge_method"))
RESOURCE_FORMS = template({}, ("access_token",))
noisy_form = st.builds(encode, st.lists(noisy_pair, max_size=8), raw_fragment)


def form_of(flow_forms):
    """Mostly flow-shaped, sometimes any OAuth parameters, sometimes noise."""
    return st.integers(0, 9).flatmap(
        lambda i: flow_forms if i < 7 else plausible_form if i < 9 else noisy_form)


def query_of(flow_forms):
    return st.integers(0, 9).flatmap(lambda i: form_of(flow_forms) if i == 0 else st.just(""))


def body_of(flow_forms):
    others = st.one_of(st.none(), noise, st.binary(max_size=20),
                       st.dictionaries(noise, noise, max_size=3),
                       st.just('{"grant_type": "client_credentials"}'))
    return st.integers(0, 9).flatmap(lambda i: form_of(flow_forms) if i < 8 else others)


plausible_form = st.builds(encode, st.lists(plausible_pair, max_size=9,
                                            unique_by=lambda kv: kv[0]))


CREDENTIALS = [("conf", "conf-secret"), ("limited", "limited-secret"), ("conf", "wrong"),
               ("pub", ""), ("x:y", "z")]
authorization = st.integers(0, 9).flatmap(lambda i: [
    st.none(), st.none(), st.none(),
    st.sampled_from(CREDENTIALS).map(lambda c: basic_header(*c, encode=False)),
    st.sampled_from(CREDENTIALS[:2]).map(lambda c: basic_header(*c, encode=False)),
    st.sampled_from(CREDENTIALS[:2]).map(lambda c: basic_header(*c, encode=False)),
    st.builds(lambda user, secret: basic_header(user, secret, encode=False), noise, noise),
    st.builds(lambda t: f"Bearer {t}", st.sampled_from(["at-1", "at-1", "nope", ""]) | noise),
    st.sampled_from(["Basic !!!", "Basic", "Digest x", "bearer", "Bearer a b"]),
    noise,
][i])
headers = st.builds(
    lambda auth, ctype, origin: {k: v for k, v in (("Authorization", auth),
                                                   ("Content-Type", ctype),
                                                   ("Origin", origin)) if v is not None},
    authorization,
    st.sampled_from([None, "application/x-www-form-urlencoded", "application/json"]),
    st.sampled_from([None, "https://app.example", "http://app.example", "null"]),
)
method = st.sampled_from(["POST"] * 20 + ["GET", "PUT", "get", "PATCH"])


def make_server(kit):
    validator = kit.RecordingValidator()
    validator.add_code("code-1")
    validator.add_token("at-1", refresh_token="rt-1")
    return Server(validator, token_generator=kit.counting_generator("tok"))


def assert_json_error_or_token(headers_out, body_out, status, success_keys):
    assert isinstance(headers_out, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers_out.items())
    assert isinstance(status, int)
    assert status in {200, 400, 401, 403, 500, 503}
    assert headers_out.get("Content-Type") == "application/json"
    assert headers_out.get("Cache-Control") == "no-store"
    assert headers_out.get("Pragma") == "no-cache"
    document = json.loads(body_out)
    assert isinstance(document, dict)
    if status == 200:
        assert success_keys <= set(document)
        return document
    assert document["error"] in ERROR_CODES
    assert SAFE_DESCRIPTION.match(document.get("error_description", ""))
    if status == 401:
        assert headers_out["WWW-Authenticate"].startswith("Bearer ")
    return document


@SETTINGS
@given(q=query_of(TOKEN_FORMS), b=body_of(TOKEN_FORMS), h=headers, m=method)
def test_token_endpoint_always_answers_json(kit, q, b, h, m):
    server = make_server(kit)
    headers_out, body_out, status = server.create_token_response(
        f"{kit.TOKEN}?{q}" if q else kit.TOKEN, http_method=m, body=b, headers=h)
    document = assert_json_error_or_token(headers_out, body_out, status,
                                          {"access_token", "token_type"})
    if status == 200:
        assert document["token_type"] == "Bearer"


@SETTINGS
@given(q=query_of(TOKEN_LOOKUP_FORMS), b=body_of(TOKEN_LOOKUP_FORMS), h=headers, m=method)
def test_revocation_endpoint_always_answers_well_formed(kit, q, b, h, m):
    server = make_server(kit)
    headers_out, body_out, status = server.create_revocation_response(
        f"{kit.REVOKE}?{q}" if q else kit.REVOKE, http_method=m, body=b, headers=h)
    if status == 200:
        assert (headers_out, body_out) == ({}, "")
    else:
        assert_json_error_or_token(headers_out, body_out, status, set())


@SETTINGS
@given(q=query_of(TOKEN_LOOKUP_FORMS), b=body_of(TOKEN_LOOKUP_FORMS), h=headers, m=method)
def test_introspection_endpoint_always_answers_well_formed(kit, q, b, h, m):
    server = make_server(kit)
    headers_out, body_out, status = server.create_introspect_response(
        f"{kit.INTROSPECT}?{q}" if q else kit.INTROSPECT, http_method=m, body=b, headers=h)
    document = assert_json_error_or_token(headers_out, body_out, status, {"active"})
    if status == 200 and document["active"] is False:
        assert document == {"active": False}


@SETTINGS
@given(q=form_of(AUTHORIZE_FORMS), b=st.none() | body_of(AUTHORIZE_FORMS), h=headers,
       m=method, granted=st.none() | st.lists(
    st.sampled_from(["read", "write", "admin"]), max_size=2))
def test_authorization_endpoint_redirects_only_to_registered_uris(kit, q, b, h, m, granted):
    server = make_server(kit)
    uri = f"{kit.AUTHORIZE}?{q}" if q else kit.AUTHORIZE
    try:
        headers_out, body_out, status = server.create_authorization_response(
            uri, http_method=m, body=b, headers=h, scopes=granted, credentials={"user": "u"})
    except errors.OAuth2Error as error:
        assert error.status_code in {400, 401, 500, 503}
        assert SAFE_DESCRIPTION.match(error.description or "")
        return
    assert status == 302
    assert body_out is None
    location = headers_out["Location"]
    # A bare registered URI is a valid answer too (response_type=none, no state).
    assert any(location == registered
               or location.startswith(registered) and location[len(registered)] in "?#"
               for registered in REGISTERED)


@SETTINGS
@given(q=form_of(AUTHORIZE_FORMS), b=st.none() | body_of(AUTHORIZE_FORMS), h=headers,
       m=method)
def test_authorization_validation_returns_scopes_and_info_or_raises(kit, q, b, h, m):
    server = make_server(kit)
    uri = f"{kit.AUTHORIZE}?{q}" if q else kit.AUTHORIZE
    try:
        scopes, info = server.validate_authorization_request(uri, http_method=m, body=b,
                                                             headers=h)
    except errors.OAuth2Error as error:
        if not isinstance(error, errors.FatalClientError) and error.redirect_uri:
            # a redirectable error only ever names a validated, registered URI
            assert error.redirect_uri in REGISTERED
        return
    assert isinstance(scopes, list)
    assert info["redirect_uri"] in REGISTERED
    assert urlsplit(info["redirect_uri"]).scheme == "https"


@SETTINGS
@given(q=query_of(RESOURCE_FORMS), b=body_of(RESOURCE_FORMS), h=headers, m=method,
       scopes=st.none() | st.lists(st.sampled_from(["read", "write"]), max_size=2))
def test_resource_endpoint_returns_a_verdict(kit, q, b, h, m, scopes):
    server = make_server(kit)
    valid, request = server.verify_request(f"{kit.RESOURCE}?{q}" if q else kit.RESOURCE,
                                           http_method=m, body=b, headers=h, scopes=scopes)
    assert isinstance(valid, bool)
    assert request.verify_error is None or isinstance(request.verify_error, errors.OAuth2Error)
    if valid:
        assert request.verify_error is None
        assert request.user is not None
