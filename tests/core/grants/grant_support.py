"""Helpers for the grant tests: a recording validator and request builders."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask_oauth_provider.core.request import Request
from flask_oauth_provider.core.tokens import BearerToken
from flask_oauth_provider.core.utils import scope_to_list
from flask_oauth_provider.core.validator import RequestValidator
from tests.helpers import FORM, split_location

AUTHORIZE_URI = "https://as.example/authorize"
TOKEN_URI = "https://as.example/token"
REDIRECT_URI = "https://client.example/cb"
CLIENT_ID = "client1"



class Client:
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id


class RecordingValidator(RequestValidator):
    """Records the name of every validator method called, returns configured values.

    ``returns`` maps a method name to its return value; an exception instance is
    raised instead. Methods that a real validator uses to fill the request
    (``authenticate_client``, ``validate_code``, ...) do so when they succeed.
    """

    DEFAULTS: dict[str, Any] = {
        "client_authentication_required": True,
        "authenticate_client": True,
        "authenticate_client_id": True,
        "validate_client_id": True,
        "validate_redirect_uri": True,
        "get_default_redirect_uri": REDIRECT_URI,
        "validate_response_type": True,
        "is_pkce_required": False,
        "get_default_scopes": ["read"],
        "validate_scopes": True,
        "validate_grant_type": True,
        "validate_code": True,
        "get_code_challenge": None,
        "get_code_challenge_method": None,
        "confirm_redirect_uri": True,
        "validate_user": True,
        "validate_refresh_token": True,
        "get_original_scopes": ["read", "write"],
        "is_within_original_scope": False,
        "rotate_refresh_token": True,
        "is_origin_allowed": True,
        "save_authorization_code": None,
        "save_bearer_token": None,
        "invalidate_authorization_code": None,
    }

    def __init__(self, client_id: str = CLIENT_ID, set_client: bool = True, **returns: Any):
        self.calls: list[str] = []
        self.args: dict[str, tuple] = {}
        self.returns = dict(self.DEFAULTS)
        unknown = set(returns) - set(self.DEFAULTS)
        assert not unknown, unknown
        self.returns.update(returns)
        self.client_id = client_id
        self.set_client = set_client
        self.saved_codes: list[dict] = []
        self.saved_tokens: list[dict] = []
        self.code_scopes = ["read"]

    def _call(self, name: str, *args: Any) -> Any:
        self.calls.append(name)
        self.args[name] = args
        value = self.returns[name]
        if isinstance(value, BaseException):
            raise value
        return value

    def _give_client(self, request: Any, client_id: str | None = None) -> None:
        if self.set_client:
            request.client = Client(client_id or self.client_id)

    # client authentication
    def client_authentication_required(self, request, *args, **kwargs):
        return self._call("client_authentication_required", request)

    def authenticate_client(self, request, *args, **kwargs):
        result = self._call("authenticate_client", request)
        if result:
            self._give_client(request)
        return result

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        result = self._call("authenticate_client_id", client_id, request)
        if result:
            self._give_client(request, client_id)
        return result

    # authorization endpoint
    def validate_client_id(self, client_id, request, *args, **kwargs):
        result = self._call("validate_client_id", client_id, request)
        if result:
            request.client = Client(client_id)
        return result

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return self._call("validate_redirect_uri", client_id, redirect_uri, request)

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        return self._call("get_default_redirect_uri", client_id, request)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        return self._call("validate_response_type", client_id, response_type, client, request)

    def is_pkce_required(self, client_id, request):
        return self._call("is_pkce_required", client_id, request)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return self._call("get_default_scopes", client_id, request)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return self._call("validate_scopes", client_id, scopes, client, request)

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.saved_codes.append(dict(code))
        return self._call("save_authorization_code", client_id, code, request)

    # token endpoint
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return self._call("validate_grant_type", client_id, grant_type, client, request)

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        result = self._call("validate_code", client_id, code, client, request)
        if result:
            request.user = "alice"
            request.scopes = list(self.code_scopes)
        return result

    def get_code_challenge(self, code, request):
        return self._call("get_code_challenge", code, request)

    def get_code_challenge_method(self, code, request):
        return self._call("get_code_challenge_method", code, request)

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs):
        return self._call("confirm_redirect_uri", client_id, code, redirect_uri, client, request)

    def validate_user(self, username, password, client, request, *args, **kwargs):
        result = self._call("validate_user", username, password, client, request)
        if result:
            request.user = username
        return result

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        result = self._call("validate_refresh_token", refresh_token, client, request)
        if result:
            request.user = "alice"
        return result

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        return self._call("get_original_scopes", refresh_token, request)

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs):
        return self._call("is_within_original_scope", request_scopes, refresh_token, request)

    def rotate_refresh_token(self, request):
        return self._call("rotate_refresh_token", request)

    def is_origin_allowed(self, client_id, origin, request, *args, **kwargs):
        return self._call("is_origin_allowed", client_id, origin, request)

    def save_bearer_token(self, token, request, *args, **kwargs):
        self.saved_tokens.append(dict(token))
        return self._call("save_bearer_token", token, request)

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        return self._call("invalidate_authorization_code", client_id, code, request)


def hook(validator: RecordingValidator, name: str, result: Any = None):
    """A custom validator (or modifier) that records ``name`` in the validator's calls."""

    def run(request: Any) -> Any:
        validator.calls.append(name)
        return {} if result is None and name.endswith("_auth") else result

    return run


def authorization_request(
    query: dict | list | None = None,
    scopes: list | None = None,
    **params: Any,
) -> Request:
    """An authorization request as the authorization endpoint hands it to a grant."""
    pairs = list(query.items() if isinstance(query, dict) else query or [])
    pairs += list(params.items())
    request = Request(AUTHORIZE_URI + "?" + urlencode(pairs))
    request.scopes = scopes
    request.user = None
    return request


def token_request(
    body: dict | list, headers: dict | None = None, credentials: dict | None = None
) -> Request:
    """A token request as the token endpoint hands it to a grant."""
    all_headers = dict(FORM)
    all_headers.update(headers or {})
    request = Request(TOKEN_URI, "POST", urlencode(body), all_headers)
    request.scopes = scope_to_list(request.scope)
    request.extra_credentials = credentials
    return request


def bearer(validator: RequestValidator) -> BearerToken:
    return BearerToken(
        validator,
        token_generator=lambda request, *args: "access-token-1",
        refresh_token_generator=lambda request, *args: "refresh-token-1",
    )


def location_params(headers: dict) -> tuple[str, dict, dict]:
    """(uri without query/fragment, query params, fragment params) of a Location."""
    return split_location(headers["Location"])


def body(response: tuple) -> dict:
    return json.loads(response[1])
