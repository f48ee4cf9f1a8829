"""The core's PAR seam (``flask_oauth_provider.core.par.PushedRequestValidator``) with a
validator of the app's own: what it is given, when it is asked, what its answers do."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.par import PushedRequestValidator
from flask_oauth_provider.core.servers import WebApplicationServer
from tests.core.grants.grant_support import CLIENT_ID, REDIRECT_URI, RecordingValidator
from tests.helpers import FORM, basic_auth, location_params

PAR_URI = "https://as.example/par"
AUTHORIZE_URI = "https://as.example/authorize"


class OwnValidator(PushedRequestValidator, RecordingValidator):
    """Keeps pushed requests in a dict, by the digest of the request URI."""

    def __init__(self, required: bool = False) -> None:
        super().__init__()
        self.pushed: dict[str, tuple[str, dict]] = {}
        self.required = required

    @staticmethod
    def _key(request_uri: str) -> str:
        return hashlib.sha256(request_uri.encode()).hexdigest()

    def save_pushed_authorization_request(self, request_uri, client_id, params, expires_in,
                                          request, *args, **kwargs):
        self.pushed[self._key(request_uri)] = (client_id, dict(params))

    def get_pushed_authorization_request(self, request_uri, client_id, request, *args,
                                         **kwargs):
        found = self.pushed.get(self._key(request_uri))
        return dict(found[1]) if found and found[0] == client_id else None

    def consume_pushed_authorization_request(self, request_uri, client_id, request, *args,
                                             **kwargs):
        found = self.pushed.get(self._key(request_uri))
        if not found or found[0] != client_id:
            return False
        del self.pushed[self._key(request_uri)]
        return True

    def pushed_authorization_required(self, client_id, request, *args, **kwargs):
        return self.required


def _push(server, **extra):
    body = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
            "scope": "read", "state": "s1", "client_secret": "secret", **extra}
    headers, answer, status = server.create_pushed_authorization_response(
        PAR_URI, "POST", urlencode(body), dict(FORM))
    return status, json.loads(answer)


def _authorize_uri(request_uri, **extra):
    return AUTHORIZE_URI + "?" + urlencode({"client_id": CLIENT_ID, "request_uri": request_uri,
                                            **extra})


def test_validator_keeps_the_parameters_without_the_secret():
    validator = OwnValidator()
    status, answer = _push(WebApplicationServer(validator))
    assert status == 201
    (client_id, params), = validator.pushed.values()
    assert client_id == CLIENT_ID
    assert "client_secret" not in params and params["scope"] == "read"
    assert answer["request_uri"] not in json.dumps(validator.pushed)


def test_the_client_authenticates_before_anything_is_validated():
    validator = OwnValidator()
    validator.returns["authenticate_client"] = False
    status, answer = _push(WebApplicationServer(validator))
    assert (status, answer["error"]) == (401, "invalid_client")
    assert "validate_redirect_uri" not in validator.calls
    assert validator.pushed == {}


def test_authorization_uses_the_pushed_request_once():
    validator = OwnValidator()
    server = WebApplicationServer(validator)
    _, answer = _push(server)
    uri = _authorize_uri(answer["request_uri"], scope="write", state="other")
    scopes, info = server.validate_authorization_request(uri)
    assert scopes == ["read"] and info["state"] == "s1"
    headers, _, status = server.create_authorization_response(
        uri, scopes=scopes, credentials={"user": "alice"})
    assert location_params(headers["Location"])["state"] == "s1"
    with pytest.raises(errors.InvalidRequestURIFatalError):
        server.validate_authorization_request(uri)
    with pytest.raises(errors.InvalidRequestURIFatalError):
        server.create_authorization_response(uri, scopes=scopes, credentials={"user": "a"})


def test_a_validator_without_the_methods_serves_no_push():
    server = WebApplicationServer(RecordingValidator())
    status, answer = _push(server)
    assert (status, answer["error"]) == (400, "invalid_request")
    with pytest.raises(errors.InvalidRequestURIFatalError):
        server.validate_authorization_request(
            _authorize_uri("urn:ietf:params:oauth:request_uri:abc"))


def test_a_client_that_requires_par_is_refused_a_plain_request():
    server = WebApplicationServer(OwnValidator(required=True))
    plain = AUTHORIZE_URI + "?" + urlencode({"client_id": CLIENT_ID, "response_type": "code",
                                             "redirect_uri": REDIRECT_URI})
    with pytest.raises(errors.InvalidRequestFatalError):
        server.validate_authorization_request(plain)


def test_the_server_wide_requirement():
    server = WebApplicationServer(OwnValidator())
    server.require_pushed_requests = True
    plain = AUTHORIZE_URI + "?" + urlencode({"client_id": CLIENT_ID, "response_type": "code",
                                             "redirect_uri": REDIRECT_URI})
    with pytest.raises(errors.InvalidRequestFatalError):
        server.validate_authorization_request(plain)
    _, answer = _push(server)
    assert server.validate_authorization_request(_authorize_uri(answer["request_uri"]))


def test_pushed_parameters_as_a_header_credential_are_not_passed_on():
    """HTTP Basic credentials stay with the push, never in the stored request."""
    validator = OwnValidator()
    server = WebApplicationServer(validator)
    body = urlencode({"response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "read"})
    _, answer, status = server.create_pushed_authorization_response(
        PAR_URI, "POST", body, {**FORM, **basic_auth(CLIENT_ID, "secret")})
    assert status == 201
    (_, params), = validator.pushed.values()
    assert params["client_id"] == CLIENT_ID
