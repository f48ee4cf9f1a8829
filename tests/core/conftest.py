"""Shared fixtures for the core tests: a recording, in-memory RequestValidator.

The validator is self-contained (it decodes client credentials itself and only reads
request attributes that ``oauthlib.common.Request`` has too), so the differential
tests can hand the same class to oauthlib's server and to ours.

Clients (the setup the differential tests give oauthlib's servers and ours alike):

* ``conf``: confidential, secret ``conf-secret``, two redirect URIs (so no default),
  every grant and response type.
* ``pub``: public, PKCE required, one redirect URI (the default).
* ``limited``: confidential, secret ``limited-secret``, one redirect URI, only the
  ``client_credentials`` grant and no response type.

Users: ``alice`` / ``wonderland``. Scopes: ``read``, ``write``, ``profile``;
default ``read``.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import types
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import unquote_plus

import pytest

from flask_oauth_provider.core.validator import RequestValidator
from tests.helpers import (
    FORM,
    RFC7636_CHALLENGE,
    RFC7636_VERIFIER,
    basic_auth,
    location_params,
)

CONF_CB = "https://client.example/cb"
CONF_CB2 = "https://client.example/cb2"
PUB_CB = "https://public.example/cb"
LIMITED_CB = "https://limited.example/cb"
ALL_GRANTS = ("authorization_code", "password", "client_credentials", "refresh_token")
KNOWN_SCOPES = ("read", "write", "profile")


@dataclass
class Client:
    client_id: str
    client_secret: Optional[str]
    redirect_uris: List[str]
    grant_types: tuple = ALL_GRANTS
    response_types: tuple = ("code", "token", "none")
    default_scopes: List[str] = field(default_factory=lambda: ["read"])
    pkce_required: bool = False
    origins: tuple = ()

    @property
    def public(self) -> bool:
        return self.client_secret is None

    @property
    def default_redirect_uri(self) -> Optional[str]:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None


@dataclass
class User:
    username: str


class RecordingValidator(RequestValidator):
    """An in-memory validator that records each call as ``(method_name, args)``.

    ``validator.calls`` lists the method names in call order; ``validator.log`` holds
    ``(name, args)``. ``validator.fail[name] = exc`` makes that method raise ``exc``
    (used to test how endpoints contain validator crashes).
    """

    def __init__(self) -> None:
        self.calls: List[str] = []
        self.log: List[tuple] = []
        self.fail: Dict[str, BaseException] = {}
        self.clients = {
            "conf": Client("conf", "conf-secret", [CONF_CB, CONF_CB2],
                           origins=("https://app.example",)),
            "pub": Client("pub", None, [PUB_CB], pkce_required=True),
            "limited": Client("limited", "limited-secret", [LIMITED_CB],
                              grant_types=("client_credentials",), response_types=()),
        }
        self.users = {"alice": ("wonderland", User("alice"))}
        self.codes: Dict[str, Dict[str, Any]] = {}
        self.tokens: Dict[str, Dict[str, Any]] = {}
        self.refresh_tokens: Dict[str, Dict[str, Any]] = {}
        self.revoked: List[str] = []
        self.introspection_claims: Dict[str, Dict[str, Any]] = {}

    # -- recording ------------------------------------------------------------------

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append(name)
        self.log.append((name, args))
        if name in self.fail:
            raise self.fail[name]

    # -- helpers for tests ------------------------------------------------------------

    def add_code(self, code: str = "code-1", client_id: str = "conf",
                 redirect_uri: Optional[str] = CONF_CB, scopes=("read",),
                 challenge: Optional[str] = None, method: Optional[str] = None) -> str:
        """Store an authorization code as ``save_authorization_code`` would."""
        self.codes[code] = {
            "client_id": client_id, "redirect_uri": redirect_uri, "scopes": list(scopes),
            "user": self.users["alice"][1], "code_challenge": challenge,
            "code_challenge_method": method,
        }
        return code

    def add_token(self, access_token: str = "at-1", client_id: str = "conf",
                  scopes=("read",), refresh_token: Optional[str] = "rt-1",
                  expires_at: Optional[float] = None) -> str:
        """Store a token pair as ``save_bearer_token`` would."""
        record = {"access_token": access_token, "client_id": client_id,
                  "scopes": list(scopes), "user": self.users["alice"][1],
                  "refresh_token": refresh_token,
                  "expires_at": expires_at if expires_at is not None else time.time() + 3600}
        self.tokens[access_token] = record
        if refresh_token:
            self.refresh_tokens[refresh_token] = record
        return access_token

    def _client_credentials(self, request: Any):
        header = (request.headers or {}).get("Authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            except ValueError:
                return None, None, True
            client_id, sep, secret = decoded.partition(":")
            if not sep:
                return None, None, True
            return unquote_plus(client_id), unquote_plus(secret), True
        return request.client_id, getattr(request, "client_secret", None), False

    # -- client authentication ----------------------------------------------------------

    def client_authentication_required(self, request, *args, **kwargs):
        self._record("client_authentication_required", request)
        client_id, secret, used_basic = self._client_credentials(request)
        client = self.clients.get(client_id)
        if client is not None and client.public and not secret and not used_basic:
            return False
        return True

    def authenticate_client(self, request, *args, **kwargs):
        self._record("authenticate_client", request)
        client_id, secret, _ = self._client_credentials(request)
        client = self.clients.get(client_id)
        if client is None or client.public or secret != client.client_secret:
            return False
        request.client = client
        return True

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        self._record("authenticate_client_id", client_id)
        client = self.clients.get(client_id)
        if client is None or not client.public:
            return False
        request.client = client
        return True

    # -- authorization endpoint -----------------------------------------------------------

    def validate_client_id(self, client_id, request, *args, **kwargs):
        self._record("validate_client_id", client_id)
        client = self.clients.get(client_id)
        if client is None:
            return False
        request.client = client
        return True

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        self._record("validate_redirect_uri", client_id, redirect_uri)
        client = self.clients.get(client_id)
        return client is not None and redirect_uri in client.redirect_uris

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        self._record("get_default_redirect_uri", client_id)
        client = self.clients.get(client_id)
        return client.default_redirect_uri if client else None

    def validate_response_type(self, client_id, response_type, client, request, *args,
                               **kwargs):
        self._record("validate_response_type", client_id, response_type)
        client = self.clients.get(client_id)
        return client is not None and all(
            part in client.response_types for part in response_type.split())

    def is_pkce_required(self, client_id, request):
        self._record("is_pkce_required", client_id)
        client = self.clients.get(client_id)
        return bool(client and client.pkce_required)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        self._record("get_default_scopes", client_id)
        client = self.clients.get(client_id)
        return list(client.default_scopes) if client else []

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        self._record("validate_scopes", client_id, list(scopes or []))
        return bool(scopes) and all(scope in KNOWN_SCOPES for scope in scopes)

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        self._record("save_authorization_code", client_id)
        self.codes[code["code"]] = {
            "client_id": client_id, "redirect_uri": request.redirect_uri,
            "scopes": list(request.scopes or []), "user": request.user,
            "code_challenge": request.code_challenge,
            "code_challenge_method": request.code_challenge_method,
        }

    # -- token endpoint -------------------------------------------------------------------

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        self._record("validate_grant_type", client_id, grant_type)
        client = client or self.clients.get(client_id)
        return client is not None and grant_type in client.grant_types

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        self._record("validate_code", client_id, code)
        record = self.codes.get(code)
        if record is None or record["client_id"] != client_id:
            return False
        request.user = record["user"]
        request.scopes = list(record["scopes"])
        return True

    def get_code_challenge(self, code, request):
        self._record("get_code_challenge", code)
        record = self.codes.get(code)
        return record["code_challenge"] if record else None

    def get_code_challenge_method(self, code, request):
        self._record("get_code_challenge_method", code)
        record = self.codes.get(code)
        return record["code_challenge_method"] if record else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args,
                             **kwargs):
        self._record("confirm_redirect_uri", client_id, code, redirect_uri)
        record = self.codes.get(code)
        if record is None:
            return False
        return record["redirect_uri"] is None or record["redirect_uri"] == redirect_uri

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        self._record("invalidate_authorization_code", client_id, code)
        self.codes.pop(code, None)

    def validate_user(self, username, password, client, request, *args, **kwargs):
        self._record("validate_user", username)
        entry = self.users.get(username)
        if entry is None or entry[0] != password:
            return False
        request.user = entry[1]
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        self._record("validate_refresh_token", refresh_token)
        record = self.refresh_tokens.get(refresh_token)
        if record is None or client is None or record["client_id"] != client.client_id:
            return False
        request.user = record["user"]
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        self._record("get_original_scopes", refresh_token)
        record = self.refresh_tokens.get(refresh_token)
        return list(record["scopes"]) if record else []

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args,
                                 **kwargs):
        self._record("is_within_original_scope", list(request_scopes), refresh_token)
        return False

    def rotate_refresh_token(self, request):
        self._record("rotate_refresh_token")
        return True

    def save_token(self, token, request, *args, **kwargs):
        self._record("save_token")
        return self.save_bearer_token(token, request, *args, **kwargs)

    def save_bearer_token(self, token, request, *args, **kwargs):
        self._record("save_bearer_token")
        client = request.client
        record = {"access_token": token["access_token"],
                  "client_id": getattr(client, "client_id", request.client_id),
                  "scopes": (token.get("scope") or "").split(),
                  "user": request.user,
                  "refresh_token": token.get("refresh_token"),
                  "expires_at": time.time() + int(token.get("expires_in") or 0)}
        self.tokens[token["access_token"]] = record
        if record["refresh_token"]:
            self.refresh_tokens[record["refresh_token"]] = record

    def is_origin_allowed(self, client_id, origin, request, *args, **kwargs):
        self._record("is_origin_allowed", client_id, origin)
        client = self.clients.get(client_id)
        return bool(client and origin in client.origins)

    # -- resource, revocation, introspection ---------------------------------------------

    def validate_bearer_token(self, token, scopes, request):
        self._record("validate_bearer_token", token, list(scopes or []))
        record = self.tokens.get(token) if token else None
        if record is None or record["expires_at"] < time.time():
            return False
        if scopes and not set(scopes) <= set(record["scopes"]):
            return False
        request.client = self.clients.get(record["client_id"])
        request.user = record["user"]
        request.scopes = list(record["scopes"])
        request.access_token = record
        return True

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        self._record("revoke_token", token, token_type_hint)
        record = self.tokens.get(token) or self.refresh_tokens.get(token)
        owner = getattr(request.client, "client_id", request.client_id)
        if record is None or record["client_id"] != owner:
            return
        self.revoked.append(token)
        self.tokens.pop(record["access_token"], None)
        if record["refresh_token"]:
            self.refresh_tokens.pop(record["refresh_token"], None)

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        self._record("introspect_token", token, token_type_hint)
        if token in self.introspection_claims:
            return dict(self.introspection_claims[token])
        record = self.tokens.get(token) or self.refresh_tokens.get(token)
        if record is None:
            return None
        return {"client_id": record["client_id"], "scope": " ".join(record["scopes"]),
                "username": record["user"].username, "exp": int(record["expires_at"])}


def counting_generator(prefix: str):
    """A deterministic token generator: ``prefix-1``, ``prefix-2``, ..."""
    counter = itertools.count(1)

    def generate(request: Any) -> str:
        return f"{prefix}-{next(counter)}"

    return generate


def body_json(body: str) -> Dict[str, Any]:
    return json.loads(body)


#: Helpers and constants for tests, as one fixture (test modules cannot import this
#: conftest by name: other test folders have conftest modules too).
KIT = types.SimpleNamespace(
    RecordingValidator=RecordingValidator, Client=Client, basic_auth=basic_auth,
    counting_generator=counting_generator, location_params=location_params,
    body_json=body_json, FORM=FORM, CONF_CB=CONF_CB, CONF_CB2=CONF_CB2, PUB_CB=PUB_CB,
    LIMITED_CB=LIMITED_CB, AUTHORIZE="https://as.example/authorize",
    TOKEN="https://as.example/token", REVOKE="https://as.example/revoke",
    INTROSPECT="https://as.example/introspect", RESOURCE="https://rs.example/api",
    CONF_BASIC=basic_auth("conf", "conf-secret"),
    LIMITED_BASIC=basic_auth("limited", "limited-secret"),
    VERIFIER=RFC7636_VERIFIER, CHALLENGE=RFC7636_CHALLENGE,
)


@pytest.fixture
def kit() -> types.SimpleNamespace:
    return KIT


@pytest.fixture
def validator() -> RecordingValidator:
    return RecordingValidator()


@pytest.fixture
def server(validator):
    from flask_oauth_provider.core.servers import Server

    return Server(validator, token_generator=counting_generator("tok"),
                  refresh_token_generator=counting_generator("ref"))
