"""The fuzzing harness: hypothesis strategies for requests to every endpoint, and the
invariants every response must keep.

Used by ``test_sec_fuzz.py`` (a bounded run in CI) and ``scripts/fuzz.py --minutes N``.

Invariants (issue 7, RFC 6749 §5.2):

* never a 5xx, never a traceback;
* never an existing token, the client secret or a user's password in a response body,
  header or redirect;
* every error of the token, revocation and introspection endpoints is an RFC 6749 §5.2
  JSON object (``error`` from the registered codes; ``error_description`` in the §5.2
  character set); ``405`` only for methods other than POST;
* the authorization endpoint redirects only to a registered redirect URI or to the login
  page; protected views answer 2xx only to a valid token.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlencode

from hypothesis import event
from hypothesis import strategies as st

from tests.helpers import basic_auth, basic_raw, location_params, pkce_pair
from tests.security.sec_app import (
    ALICE_PASSWORD,
    ERROR_TEXT,
    LOOPBACK_REG,
    REG,
    REG2,
    SCOPES,
    Clients,
    consent_data,
    consent_form,
    create_app,
)

AUTHORIZE = "/oauth/authorize"
TOKEN = "/oauth/token"
REVOKE = "/oauth/revoke"
INTROSPECT = "/oauth/introspect"
METADATA = "/.well-known/oauth-authorization-server"
JSON_ENDPOINTS = (TOKEN, REVOKE, INTROSPECT)
ENDPOINTS = (AUTHORIZE, TOKEN, REVOKE, INTROSPECT, METADATA, "/api/me", "/api/write")
JSON_ERRORS = {
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope", "unsupported_token_type",
}
PARAM_NAMES = (
    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
    "code_challenge_method", "grant_type", "code", "code_verifier", "refresh_token",
    "client_secret", "token", "token_type_hint", "access_token", "username", "password",
    "response_mode", "nonce", "prompt", "csrf_token", "confirm", "submit",
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|\.py\", line \d+")


@dataclass
class FuzzWorld:
    """One provider app with a confidential client, a public client, live tokens and
    two browsers (anonymous, logged in as alice)."""

    app: Any
    c1: Any
    p1: Any
    access_token: str
    refresh_token: str
    anonymous: Any
    browser: Any
    sensitive: dict = field(default_factory=dict)
    cases: int = 0

    @classmethod
    def build(cls, target: Any) -> FuzzWorld:
        app = create_app(target, GRANT_TYPES=["authorization_code", "refresh_token",
                                              "client_credentials", "implicit"])
        clients = Clients(app)
        c1 = clients.create(name="C1", redirect_uris=[REG, REG2],
                            grant_types=["authorization_code", "refresh_token",
                                         "client_credentials", "implicit"])
        p1 = clients.create(name="P1", public=True, redirect_uris=[REG, LOOPBACK_REG])
        browser = app.test_client()
        assert browser.post("/login", data={"username": "alice",
                                            "password": ALICE_PASSWORD + "alice"}
                            ).status_code == 303
        verifier, challenge = pkce_pair()
        query = urlencode({"response_type": "code", "client_id": c1.client_id,
                           "redirect_uri": REG, "scope": "profile read write", "state": "s",
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        page = browser.get(AUTHORIZE + "?" + query)
        form = consent_form(page.get_data(as_text=True))
        answer = browser.post(form.action or AUTHORIZE + "?" + query,
                              data=urlencode(consent_data(form)),
                              content_type="application/x-www-form-urlencoded")
        code = location_params(answer.headers["Location"])["code"]
        tokens = browser.post(TOKEN, data=urlencode({
            "grant_type": "authorization_code", "code": code, "redirect_uri": REG,
            "code_verifier": verifier}), headers=c1.auth(),
            content_type="application/x-www-form-urlencoded").get_json()
        world = cls(app, c1, p1, tokens["access_token"], tokens["refresh_token"],
                    app.test_client(), browser)
        world.sensitive = {
            "client secret": c1.secret,
            "access token": tokens["access_token"],
            "refresh token": tokens["refresh_token"],
            "password": ALICE_PASSWORD + "alice",
        }
        return world


# -- strategies ------------------------------------------------------------------------------

#: Text werkzeug's test client can carry in a header (latin-1, no CR/LF).
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                    blacklist_characters="\r\n\x7f"), max_size=80)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
huge_text = st.integers(min_value=5_000, max_value=80_000).map(lambda n: "A" * n)
url_junk = st.text(alphabet="%&=?#+/;:@[]!$'()*,azAZ09~._-\u00e9\u20ac \x00", max_size=80)


def value_for(world: FuzzWorld, name: str, path: str) -> st.SearchStrategy:
    """Plausible, hostile and random values for a parameter ``name`` sent to ``path``.

    Live credentials go only where they belong (token, revocation, introspection and API
    requests): the consent page may legitimately echo its own query string back.
    """
    common = [any_text, url_junk, st.just(""), huge_text]
    known = {
        "response_type": ["code", "token", "code token", "id_token", "none"],
        "client_id": [world.c1.client_id, world.p1.client_id, "unknown"],
        "redirect_uri": [REG, REG2, REG + "/", "https://evil.example/cb", "http://127.0.0.1:1/cb",
                         LOOPBACK_REG, "javascript:alert(1)", "http://[::::()]/"],
        "scope": ["profile", "profile read write", " ".join(SCOPES) + " admin", "\"", "a\\b"],
        "code_challenge": [pkce_pair()[1], "short", "A" * 129],
        "code_challenge_method": ["S256", "plain", "S512", ""],
        "grant_type": ["authorization_code", "refresh_token", "client_credentials", "password",
                       "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
        "code_verifier": [pkce_pair()[0], "a" * 42, "~" * 129],
        "token_type_hint": ["access_token", "refresh_token", "bogus"],
        "username": ["alice", "bob"],
        "response_mode": ["query", "fragment", "form_post"],
        "prompt": ["none", "login", "consent"],
    }.get(name, [])
    if path != AUTHORIZE:
        known = known + {
            "client_secret": [world.c1.secret, "wrong"],
            "refresh_token": [world.refresh_token, "nope"],
            "token": [world.access_token, world.refresh_token, "nope"],
            "access_token": [world.access_token, "nope"],
            "password": [ALICE_PASSWORD + "alice", "x"],
        }.get(name, [])
    return st.one_of(st.sampled_from(known), *common) if known else st.one_of(*common)


@st.composite
def params(draw: Any, world: FuzzWorld, path: str) -> list[tuple[str, str]]:
    names = draw(st.lists(st.one_of(st.sampled_from(PARAM_NAMES), any_text), max_size=9))
    return [(name, draw(value_for(world, name, path))) for name in names]


def encode_query(pairs: list[tuple[str, str]]) -> str:
    return urlencode([(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass"))
                      for k, v in pairs])


@st.composite
def authorization_header(draw: Any, world: FuzzWorld, path: str) -> Optional[str]:
    choice = draw(st.integers(0, 9))
    if path == AUTHORIZE and choice in (1, 2):
        choice = 0
    if choice == 0:
        return None
    if choice == 1:
        return basic_auth(world.c1.client_id, world.c1.secret)["Authorization"]
    if choice == 2:
        return "Bearer " + world.access_token
    if choice == 3:
        raw = draw(st.binary(max_size=60))
        return basic_raw(raw)
    if choice == 4:
        return "Basic " + draw(header_text)
    if choice == 5:
        return draw(st.sampled_from(["Bearer", "bearer", "Basic", "Digest", "MAC"])) + " " + draw(
            header_text)
    if choice == 6:
        return basic_auth(world.p1.client_id, draw(header_text))["Authorization"]
    return draw(header_text)


@dataclass
class FuzzRequest:
    path: str
    method: str
    query: str
    body: Optional[bytes]
    content_type: Optional[str]
    headers: dict
    logged_in: bool

    def describe(self) -> str:
        body = (self.body or b"")[:300]
        return (f"{self.method} {self.path}?{self.query[:300]} logged_in={self.logged_in} "
                f"ctype={self.content_type!r} headers={list(self.headers)} body={body!r}")


def valid_pairs(world: FuzzWorld, path: str, variant: int) -> list[tuple[str, str]]:
    """A well-formed request for ``path``: the starting point of a mutation."""
    if path == AUTHORIZE:
        client = world.c1 if variant % 2 else world.p1
        return [("response_type", "code"), ("client_id", client.client_id),
                ("redirect_uri", REG), ("scope", "profile read"), ("state", "xyz"),
                ("code_challenge", pkce_pair()[1]), ("code_challenge_method", "S256")]
    if path == TOKEN:
        return [
            [("grant_type", "client_credentials"), ("scope", "read")],
            [("grant_type", "refresh_token"), ("refresh_token", world.refresh_token)],
            [("grant_type", "authorization_code"), ("code", "x" * 43), ("redirect_uri", REG),
             ("code_verifier", pkce_pair()[0])],
            [("grant_type", "client_credentials"), ("client_id", world.c1.client_id),
             ("client_secret", world.c1.secret)],
        ][variant % 4]
    if path in (REVOKE, INTROSPECT):
        token = world.access_token if variant % 2 else world.refresh_token
        return [("token", token), ("token_type_hint", "access_token")]
    return []


@st.composite
def mutated(draw: Any, world: FuzzWorld, path: str) -> list[tuple[str, str]]:
    """A valid request with a few parameters dropped, repeated, replaced or added."""
    pairs = valid_pairs(world, path, draw(st.integers(0, 3)))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.integers(0, 3))
        if op == 0 and pairs:
            del pairs[draw(st.integers(0, len(pairs) - 1))]
        elif op == 1 and pairs:
            pairs.append(pairs[draw(st.integers(0, len(pairs) - 1))])
        elif op == 2 and pairs:
            i = draw(st.integers(0, len(pairs) - 1))
            pairs[i] = (pairs[i][0], draw(value_for(world, pairs[i][0], path)))
        else:
            name = draw(st.one_of(st.sampled_from(PARAM_NAMES), any_text))
            pairs.append((name, draw(value_for(world, name, path))))
    return pairs


@st.composite
def requests_(draw: Any, world: FuzzWorld) -> FuzzRequest:
    path = draw(st.sampled_from(ENDPOINTS))
    if draw(st.integers(0, 4)) >= 2:
        return draw(near_valid_request(world, path))
    post_default = path in JSON_ENDPOINTS
    method = draw(st.sampled_from(
        ["POST"] * 6 + ["GET"] * 2 + ["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
        if post_default else ["GET"] * 6 + ["POST"] * 3 + ["HEAD", "OPTIONS", "PUT"]))
    query = draw(st.one_of(st.just(""), params(world, path).map(encode_query), url_junk,
                           st.just("a=" + "%" * 3 + "&&=&==")))
    body_kind = draw(st.integers(0, 5))
    body: Optional[bytes] = None
    content_type: Optional[str] = "application/x-www-form-urlencoded"
    if body_kind <= 2:
        body = encode_query(draw(params(world, path))).encode("ascii")
    elif body_kind == 3:
        body = draw(st.binary(max_size=300))
    elif body_kind == 4:
        body = json.dumps(dict(draw(params(world, path)))).encode()
        content_type = "application/json"
    if draw(st.integers(0, 6)) == 0:
        content_type = draw(st.sampled_from([None, "text/plain", "multipart/form-data",
                                             "application/x-www-form-urlencoded; charset=latin-1",
                                             "application/x-www-form-urlencoded; charset=bogus",
                                             "x/y;;;"]))
    headers: dict[str, str] = {}
    auth = draw(authorization_header(world, path))
    if auth is not None:
        headers["Authorization"] = auth
    if draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from(["https://evil.example", "null"]))
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(["X-Forwarded-Proto", "X-Forwarded-Host", "Host", "Accept",
                                     "Content-Length", "Transfer-Encoding", "X-Junk"]))
        headers[name] = draw(header_text)
    return FuzzRequest(path, method, query, body, content_type, headers,
                       draw(st.booleans()))


# -- the invariants --------------------------------------------------------------------------


def send(world: FuzzWorld, req: FuzzRequest) -> Any:
    client = world.browser if req.logged_in else world.anonymous
    headers = dict(req.headers)
    kwargs: dict[str, Any] = {"method": req.method, "headers": headers}
    if req.body is not None and req.method not in ("GET", "HEAD"):
        kwargs["data"] = req.body
        if req.content_type:
            kwargs["content_type"] = req.content_type
    return client.open(req.path + ("?" + req.query if req.query else ""), **kwargs)


def routable_host(host: Any) -> bool:
    """Whether Werkzeug can bind its URL map to this Host header (it IDNA-encodes it)."""
    if host is None:
        return True
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def check(world: FuzzWorld, req: FuzzRequest, response: Any) -> None:
    """Assert every invariant of the module docstring for one request/response."""
    world.cases += 1
    what = req.describe()
    status = response.status_code
    event(f"{req.method} {req.path} -> {status}")
    if req.path == AUTHORIZE and req.method == "POST" and 300 <= status < 400:
        assert "code=" not in response.headers.get("Location", "") and (
            "access_token=" not in response.headers.get("Location", "")), (
            "a consent POST without the CSRF token granted", what)
    text = response.get_data(as_text=True)
    assert status < 500, (status, what, text[:500])
    assert not TRACEBACK.search(text), (what, text[:500])
    exposed = text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items()
                                      if k.lower() != "set-cookie")
    for name, value in world.sensitive.items():
        assert value not in exposed, f"{name} exposed by {what}"

    if req.path in JSON_ENDPOINTS and status >= 400 and req.method != "HEAD":
        if (status == 400 and response.mimetype == "text/html"
                and not routable_host(req.headers.get("Host"))):
            # Werkzeug refuses a Host it cannot IDNA-encode (BadHost) while binding the
            # URL map, before any route is chosen: the app's 400 page, not the provider's.
            pass
        elif status == 405:
            assert req.method != "POST", what
        else:
            body = json.loads(text)
            assert isinstance(body, dict) and body.get("error") in JSON_ERRORS, (what, body)
            for key in ("error_description", "error_uri"):
                if key in body:
                    assert ERROR_TEXT.match(body[key]), (what, body)
            assert "no-store" in response.headers.get("Cache-Control", ""), what
    if req.path == TOKEN and status == 200 and req.method == "POST":
        body = json.loads(text)
        assert body["access_token"] and body["token_type"].lower() == "bearer", what
    if req.path == AUTHORIZE and 300 <= status < 400:
        location = response.headers.get("Location", "")
        allowed = (REG + "?", REG + "#", REG2 + "?", REG2 + "#", "http://127.0.0.1:",
                   LOOPBACK_REG + "?", LOOPBACK_REG + "#", "/login", "http://localhost/login")
        if req.method == "POST" and status == 303:
            # OpenID Connect Core §3.1.2.1: an authorization request sent as a form POST
            # becomes the same request by GET, to this endpoint only.
            allowed += ("http://localhost" + AUTHORIZE + "?",)
        assert location.startswith(allowed), (what, location)
        if location.startswith("http://127.0.0.1:"):
            assert location.split("?")[0].split("#")[0].endswith("/cb"), (what, location)
    if req.path.startswith("/api/") and status in (401, 403):
        assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), what


@st.composite
def near_valid_request(draw: Any, world: FuzzWorld, path: str) -> FuzzRequest:
    """A mutated valid request: reaches the deep branches random input never gets to."""
    pairs = draw(mutated(world, path))
    headers: dict[str, str] = {}
    if path in JSON_ENDPOINTS:
        if not any(k == "client_secret" for k, _ in pairs) and draw(st.integers(0, 5)):
            headers = basic_auth(world.c1.client_id, world.c1.secret)
        in_query = draw(st.integers(0, 9)) == 0
        method = "POST" if draw(st.integers(0, 9)) else "GET"
        return FuzzRequest(path, method, encode_query(pairs) if in_query else "",
                           None if in_query else encode_query(pairs).encode("ascii"),
                           "application/x-www-form-urlencoded", headers, False)
    if path.startswith("/api/"):
        scheme = draw(st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Bearer  "]))
        token = draw(st.one_of(st.just(world.access_token), header_text.map(
            lambda t: world.access_token + t)))
        headers["Authorization"] = f"{scheme} {token}".encode()[:200].decode(
            "latin-1")
        method = draw(st.sampled_from(["GET", "POST"]))
        body = encode_query(pairs).encode("ascii") if method == "POST" else None
        return FuzzRequest(path, method, encode_query(pairs), body,
                           "application/x-www-form-urlencoded", headers, False)
    method = draw(st.sampled_from(["GET", "GET", "GET", "POST"]))
    body = encode_query(draw(params(world, path))).encode("ascii") if method == "POST" else None
    return FuzzRequest(path, method, encode_query(pairs), body,
                       "application/x-www-form-urlencoded", headers, draw(st.booleans()))
