"""Validators written for oauthlib run on our core as they do on oauthlib.

Four behaviours that oauthlib's own test suite exposed (tests/compat runs that suite):
PKCE with a validator that does not store challenges, a client object whose
``client_id`` is None, OAuth errors raised from the validator's storage methods, and
the one place to patch for fixed codes and tokens.
"""

from __future__ import annotations

import base64
import json
import logging
from unittest import mock
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from flask_oauth_provider.core import RequestValidator, Server, errors
from flask_oauth_provider.core.utils import pkce_s256
from flask_oauth_provider.core.validator import stores_code_challenges

AUTHORIZE = "https://as.example/authorize"
TOKEN = "https://as.example/token"
REVOKE = "https://as.example/revoke"
INTROSPECT = "https://as.example/introspect"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CONF_CB = "https://client.example/cb"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
GRANT_LOG = "flask_oauth_provider.core.grants"


@pytest.fixture
def RecordingValidator(kit):  # noqa: N802 - stands for the class
    return kit.RecordingValidator


@pytest.fixture
def ForgetfulValidator(kit):  # noqa: N802 - stands for the class
    class ForgetfulValidator(kit.RecordingValidator):
        """Like a typical oauthlib validator: get_code_challenge left at its default."""

        get_code_challenge = RequestValidator.get_code_challenge

    return ForgetfulValidator


@pytest.fixture
def ClientIdNoneValidator(kit):  # noqa: N802 - stands for the class
    class ClientIdNoneValidator(kit.RecordingValidator):
        """Sets ``request.client.client_id = request.client_id``: None without a body id,
        as oauthlib's own test validators do."""

        def authenticate_client(self, request, *args, **kwargs):
            self._record("authenticate_client", request)
            request.client = mock.Mock(client_id=request.client_id)
            return True

        def validate_grant_type(self, client_id, grant_type, client, request, *args,
                                **kwargs):
            return True

    return ClientIdNoneValidator


def basic_auth(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def authorize(server, challenge: str | None = None) -> str:
    """Run an authorization request of client ``conf``; return the issued code."""
    params = {"response_type": "code", "client_id": "conf", "redirect_uri": CONF_CB,
              "scope": "read", "state": "s1"}
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    headers, _, status = server.create_authorization_response(
        f"{AUTHORIZE}?{urlencode(params)}", scopes=["read"], credentials={"user": "alice"})
    assert status == 302
    return parse_qs(urlsplit(headers["Location"]).query)["code"][0]


def exchange(server, code: str, verifier: str | None = None) -> tuple:
    body = f"grant_type=authorization_code&code={code}&redirect_uri={quote(CONF_CB, safe='')}"
    if verifier is not None:
        body += f"&code_verifier={verifier}"
    headers, response_body, status = server.create_token_response(
        TOKEN, "POST", body, {**FORM, **basic_auth("conf", "conf-secret")})
    return status, json.loads(response_body), headers


def client_credentials(server) -> tuple:
    headers, response_body, status = server.create_token_response(
        TOKEN, "POST", "grant_type=client_credentials", {**FORM, **basic_auth("conf",
                                                                                "conf-secret")})
    return status, json.loads(response_body), headers


# -- PKCE with a validator that does or does not store challenges (RFC 9700 §4.8.2) ---

def test_validator_without_challenge_storage_issues_tokens_to_a_pkce_client(ForgetfulValidator):
    server = Server(ForgetfulValidator())
    code = authorize(server, challenge=pkce_s256(VERIFIER))
    status, token, _ = exchange(server, code, verifier=VERIFIER)
    assert status == 200
    assert "access_token" in token


def test_validator_without_challenge_storage_is_warned_about_once(caplog, ForgetfulValidator):
    class OnceWarnedValidator(ForgetfulValidator):
        pass

    server = Server(OnceWarnedValidator())
    with caplog.at_level(logging.WARNING, logger=GRANT_LOG):
        for _ in range(2):
            code = authorize(server, challenge=pkce_s256(VERIFIER))
            assert exchange(server, code, verifier=VERIFIER)[0] == 200
    warnings = [r for r in caplog.records if "does not store PKCE challenges" in r.message]
    assert len(warnings) == 1
    assert "OnceWarnedValidator" in warnings[0].message
    assert warnings[0].levelno == logging.WARNING


def test_storing_validator_refuses_a_verifier_for_a_code_without_challenge(RecordingValidator):
    server = Server(RecordingValidator())
    code = authorize(server)
    status, error, _ = exchange(server, code, verifier=VERIFIER)
    assert status == 400
    assert error["error"] == "invalid_request"
    assert "code_challenge" in error["error_description"]


def test_validator_that_stores_challenges_still_checks_the_verifier(RecordingValidator):
    server = Server(RecordingValidator())
    code = authorize(server, challenge=pkce_s256(VERIFIER))
    status, error, _ = exchange(server, code, verifier="x" * 43)
    assert status == 400
    assert error["error"] == "invalid_grant"


def test_stores_code_challenges_flag_declares_storage_without_an_override(ForgetfulValidator):
    class DeclaredValidator(ForgetfulValidator):
        stores_code_challenges = True

    server = Server(DeclaredValidator())
    code = authorize(server)
    status, error, _ = exchange(server, code, verifier=VERIFIER)
    assert (status, error["error"]) == (400, "invalid_request")


def test_stores_code_challenges_flag_false_turns_the_downgrade_check_off(RecordingValidator):
    class OptedOutValidator(RecordingValidator):
        stores_code_challenges = False

    server = Server(OptedOutValidator())
    code = authorize(server)
    assert exchange(server, code, verifier=VERIFIER)[0] == 200


def test_storage_detection_of_validators_written_for_oauthlib(RecordingValidator):
    from oauthlib.oauth2 import RequestValidator as OAuthlibValidator

    class PlainOAuthlibValidator(OAuthlibValidator):
        pass

    class StoringOAuthlibValidator(OAuthlibValidator):
        def get_code_challenge(self, code, request):
            return None

    assert stores_code_challenges(PlainOAuthlibValidator()) is False
    assert stores_code_challenges(StoringOAuthlibValidator()) is True
    assert stores_code_challenges(RequestValidator()) is False
    assert stores_code_challenges(RecordingValidator()) is True


# -- a client object whose client_id is None (as oauthlib's own test validators) ------

def test_client_whose_client_id_is_none_gets_a_token_as_with_oauthlib(ClientIdNoneValidator):
    _, body, status = Server(ClientIdNoneValidator()).create_token_response(
        TOKEN, "POST", "grant_type=client_credentials&scope=read", FORM)
    assert status == 200
    assert "access_token" in json.loads(body)


def test_client_whose_client_id_is_none_does_not_match_a_named_client(ClientIdNoneValidator):
    server = Server(ClientIdNoneValidator())

    def named_client(request, *args, **kwargs):
        request.client = mock.Mock(client_id=None)
        return True

    server.credentials_grant.request_validator.authenticate_client = named_client
    _, body, status = server.create_token_response(
        TOKEN, "POST", "grant_type=client_credentials&client_id=conf&client_secret=x", FORM)
    assert status == 401
    assert json.loads(body)["error"] == "invalid_client"


def test_client_object_without_client_id_attribute_is_still_a_programming_error(RecordingValidator):
    validator = RecordingValidator()
    validator.authenticate_client = lambda request, *a, **k: setattr(
        request, "client", object()) or True
    server = Server(validator)
    server.catch_errors = False
    with pytest.raises(NotImplementedError):
        client_credentials(server)


# -- OAuth errors raised by save_token, revoke_token, introspect_token ----------------

@pytest.mark.parametrize("error, status", [
    (errors.InvalidGrantError("The code was already used."), 400),
    (errors.InvalidClientError(), 401),
    (errors.AccessDeniedError(), 400),
])
def test_oauth2_error_from_save_token_is_answered_in_json(error, status, RecordingValidator):
    validator = RecordingValidator()
    validator.fail["save_bearer_token"] = error
    answer_status, body, headers = client_credentials(Server(validator))
    assert answer_status == status
    assert body["error"] == error.error
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert ("WWW-Authenticate" in headers) == (status == 401)


def test_oauth2_error_without_error_code_from_save_token_is_a_server_error(RecordingValidator):
    validator = RecordingValidator()
    validator.fail["save_bearer_token"] = errors.FatalClientError()
    status, body, _ = client_credentials(Server(validator))
    assert (status, body) == (500, {"error": "server_error"})


def test_oauth2_error_from_save_token_is_raised_with_catch_errors_off(RecordingValidator):
    validator = RecordingValidator()
    validator.fail["save_bearer_token"] = errors.InvalidGrantError()
    server = Server(validator)
    server.catch_errors = False
    with pytest.raises(errors.InvalidGrantError):
        client_credentials(server)


def test_unsupported_token_type_from_revoke_token_is_answered_in_json(RecordingValidator):
    class NoRefreshRevocation(RecordingValidator):
        def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
            raise errors.UnsupportedTokenTypeError(request=request)

    server = Server(NoRefreshRevocation())
    headers, body, status = server.create_revocation_response(
        REVOKE, "POST", "token=rt-1&token_type_hint=refresh_token",
        {**FORM, **basic_auth("conf", "conf-secret")})
    assert status == 400
    assert json.loads(body) == {"error": "unsupported_token_type"}
    assert headers["Content-Type"] == "application/json"


def test_oauth2_error_from_introspect_token_is_answered_in_json(RecordingValidator):
    class RefusingIntrospection(RecordingValidator):
        def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
            raise errors.InvalidClientError("Not allowed to introspect.", request=request)

    server = Server(RefusingIntrospection())
    headers, body, status = server.create_introspect_response(
        INTROSPECT, "POST", "token=at-1", {**FORM, **basic_auth("conf", "conf-secret")})
    assert status == 401
    assert json.loads(body)["error"] == "invalid_client"
    assert headers["WWW-Authenticate"].startswith("Bearer ")


def test_oauth2_error_from_save_authorization_code_is_raised_as_in_oauthlib(RecordingValidator):
    validator = RecordingValidator()
    validator.fail["save_authorization_code"] = errors.AccessDeniedError()
    with pytest.raises(errors.AccessDeniedError):
        authorize(Server(validator))


# -- the one place to patch for fixed codes and tokens --------------------------------

def test_patching_generate_token_fixes_codes_and_tokens(RecordingValidator):
    server = Server(RecordingValidator())
    with mock.patch("flask_oauth_provider.core.utils.generate_token",
                    return_value="fixed-value"):
        code = authorize(server)
        status, token, _ = exchange(server, code)
    assert code == "fixed-value"
    assert status == 200
    assert token["access_token"] == "fixed-value"
    assert token["refresh_token"] == "fixed-value"


def test_codes_and_tokens_are_random_without_the_patch(RecordingValidator):
    server = Server(RecordingValidator())
    codes = {authorize(server) for _ in range(3)}
    assert len(codes) == 3
    assert all(len(code) >= 43 for code in codes)
