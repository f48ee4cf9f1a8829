"""The device authorization grant (RFC 8628) in the core, section by section.

The device authorization endpoint (§3.1, §3.2), the user code (§6.1), the token
endpoint while the user decides (§3.4, §3.5), single redemption, the switch that keeps
the grant off, and the metadata (§4). Time is the validator's ``now``, moved by hand.
"""

from __future__ import annotations

import json
import re

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.core.endpoints import MetadataEndpoint
from flask_oauth_provider.core.grants import DeviceCodeGrant
from flask_oauth_provider.core.servers import Server, WebApplicationServer
from flask_oauth_provider.core.user_codes import (
    GUESS_SUCCESS_BOUND,
    USER_CODE_ALPHABET,
    USER_CODE_SPACE,
    format_user_code,
    generate_user_code,
    guess_budget,
    normalize_user_code,
)
from flask_oauth_provider.core.validator import DeviceRequestValidator, RequestValidator
from tests.core.device_support import (
    DEVICE_AUTHORIZATION,
    DEVICE_GRANT,
    DEVICE_URI,
    FORM,
    TOKEN,
    device_validator_class,
    poll_body,
)

USER_CODE_SHAPE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


@pytest.fixture
def validator(kit):
    return device_validator_class(kit.RecordingValidator)()


@pytest.fixture
def server(validator, kit):
    server = Server(validator, token_generator=kit.counting_generator("tok"),
                    refresh_token_generator=kit.counting_generator("ref"),
                    device_verification_uri=DEVICE_URI,
                    device_verification_uri_complete=True)
    server.device_code_grant.clock = lambda: validator.now
    return server


def authorize_device(server, body="client_id=tv&scope=read+profile", headers=None):
    headers = dict(FORM, **(headers or {}))
    return server.create_device_authorization_response(DEVICE_AUTHORIZATION, "POST", body,
                                                       headers)


def start(server, **kwargs):
    headers, body, status = authorize_device(server, **kwargs)
    assert status == 200, body
    return json.loads(body)


def poll(server, device_code, client_id="tv", headers=None, **extra):
    headers = dict(FORM, **(headers or {}))
    response_headers, body, status = server.create_token_response(
        TOKEN, "POST", poll_body(device_code, client_id, **extra), headers)
    return status, json.loads(body), response_headers


# -- §3.1 / §3.2: the device authorization request and response -------------------------


def test_rfc8628_3_2_response_carries_codes_uri_lifetime_and_interval(server, validator):
    headers, body, status = authorize_device(server)
    answer = json.loads(body)
    assert status == 200
    assert set(answer) == {"device_code", "user_code", "verification_uri",
                           "verification_uri_complete", "expires_in", "interval"}
    assert answer["verification_uri"] == DEVICE_URI
    assert answer["verification_uri_complete"] == (
        f"{DEVICE_URI}?user_code={answer['user_code']}")
    assert answer["expires_in"] == 600
    assert answer["interval"] == 5
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert validator.device_codes[answer["device_code"]]["scopes"] == ["read", "profile"]


def test_rfc8628_3_2_device_code_carries_256_random_bits(server):
    codes = {start(server)["device_code"] for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        # 32 bytes from secrets, base64url: 43 characters of 6 bits each.
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", code)


def test_rfc8628_3_1_public_client_identifies_with_client_id(server, validator):
    start(server)
    assert "authenticate_client_id" in validator.calls
    assert "authenticate_client" not in validator.calls


def test_rfc8628_3_1_confidential_client_authenticates_as_at_token_endpoint(server, kit,
                                                                             validator):
    answer = start(server, body="scope=read",
                   headers=kit.basic_auth("console", "console-secret"))
    assert validator.device_codes[answer["device_code"]]["client_id"] == "console"


def test_rfc8628_3_1_wrong_client_secret_is_invalid_client(server, kit, validator):
    headers, body, status = authorize_device(
        server, body="scope=read", headers=kit.basic_auth("console", "nope"))
    assert status == 401
    assert json.loads(body)["error"] == "invalid_client"
    assert "WWW-Authenticate" in headers
    assert validator.device_codes == {}


def test_rfc8628_3_1_missing_client_id_is_invalid_client(server, validator):
    headers, body, status = authorize_device(server, body="scope=read")
    assert (status, json.loads(body)["error"]) == (401, "invalid_client")
    assert validator.device_codes == {}


def test_rfc8628_3_1_unknown_client_is_invalid_client(server):
    _, body, status = authorize_device(server, body="client_id=nobody")
    assert (status, json.loads(body)["error"]) == (401, "invalid_client")


def test_rfc8628_3_1_client_not_registered_for_the_grant_is_unauthorized_client(server,
                                                                                validator):
    _, body, status = authorize_device(server, body="client_id=pub&scope=read")
    assert (status, json.loads(body)["error"]) == (400, "unauthorized_client")
    assert validator.device_codes == {}


def test_rfc8628_3_1_scope_outside_the_client_is_invalid_scope(server, validator):
    _, body, status = authorize_device(server, body="client_id=tv&scope=admin")
    assert (status, json.loads(body)["error"]) == (400, "invalid_scope")
    assert validator.device_codes == {}


def test_rfc8628_3_1_without_scope_the_client_defaults_apply(server, validator):
    answer = start(server, body="client_id=tv")
    assert validator.device_codes[answer["device_code"]]["scopes"] == ["read"]


@pytest.mark.parametrize(("method", "uri", "body", "headers"), [
    ("GET", DEVICE_AUTHORIZATION + "?client_id=tv", None, {}),
    ("POST", DEVICE_AUTHORIZATION + "?client_id=tv", "scope=read", FORM),
    ("POST", DEVICE_AUTHORIZATION, '{"client_id": "tv"}', {"Content-Type": "application/json"}),
    ("POST", DEVICE_AUTHORIZATION, "client_id=tv&scope=read&scope=write", FORM),
    ("POST", DEVICE_AUTHORIZATION, "client_id=tv&client_id=tv", FORM),
], ids=["get", "query-on-post", "json-body", "duplicate-scope", "duplicate-client_id"])
def test_rfc8628_3_1_malformed_request_is_invalid_request(server, validator, method, uri,
                                                           body, headers):
    _, answer, status = server.create_device_authorization_response(uri, method, body, headers)
    assert (status, json.loads(answer)["error"]) == (400, "invalid_request")
    assert validator.device_codes == {}


def test_rfc8628_3_2_verification_uri_complete_left_out_unless_configured(validator, kit):
    server = Server(validator, device_verification_uri=DEVICE_URI)
    answer = start(server)
    assert "verification_uri_complete" not in answer


def test_rfc8628_3_2_verification_uri_complete_as_format_string(validator):
    server = Server(validator, device_verification_uri=DEVICE_URI,
                    device_verification_uri_complete="https://as.example/d/{user_code}")
    answer = start(server)
    assert answer["verification_uri_complete"] == f"https://as.example/d/{answer['user_code']}"


# -- §6.1: the user code -------------------------------------------------------------------


def test_rfc8628_6_1_user_code_is_8_consonants_shown_as_two_groups(server):
    for _ in range(50):
        assert USER_CODE_SHAPE.match(start(server)["user_code"])


def test_rfc8628_6_1_alphabet_is_20_consonants():
    assert len(USER_CODE_ALPHABET) == len(set(USER_CODE_ALPHABET)) == 20
    assert not set("AEIOUY") & set(USER_CODE_ALPHABET)
    assert USER_CODE_SPACE == 20 ** 8


def test_rfc8628_6_1_generated_codes_use_the_whole_alphabet():
    seen = set()
    for _ in range(400):
        seen.update(generate_user_code().replace("-", ""))
    assert seen == set(USER_CODE_ALPHABET)


@pytest.mark.parametrize("typed", ["WDJB-MJHT", "wdjb-mjht", "WDJBMJHT", "wdjb mjht",
                                   " Wd-Jb-Mj-Ht "])
def test_rfc8628_6_1_user_code_is_read_ignoring_case_and_hyphens(typed):
    assert normalize_user_code(typed) == "WDJBMJHT"


def test_rfc8628_6_1_format_splits_eight_characters():
    assert format_user_code("WDJBMJHT") == "WDJB-MJHT"
    assert format_user_code("SHORT") == "SHORT"
    assert normalize_user_code(None) == ""


def test_user_code_generator_can_be_replaced(validator):
    server = Server(validator, device_verification_uri=DEVICE_URI)
    server.user_code_generator = lambda: "ABCD-EFGH"
    assert start(server)["user_code"] == "ABCD-EFGH"


# -- §3.4 / §3.5: polling the token endpoint ----------------------------------------------


def test_rfc8628_3_5_pending_until_the_user_decides(server):
    code = start(server)["device_code"]
    status, body, headers = poll(server, code)
    assert (status, body["error"]) == (400, "authorization_pending")
    assert headers["Cache-Control"] == "no-store"


def test_rfc8628_3_5_polling_faster_than_the_interval_is_slow_down(server, validator):
    code = start(server)["device_code"]
    poll(server, code)
    validator.now += 4
    status, body, _ = poll(server, code)
    assert (status, body["error"]) == (400, "slow_down")


def test_rfc8628_3_5_slow_down_grows_the_interval_by_5_seconds_and_keeps_it(server,
                                                                          validator):
    code = start(server)["device_code"]
    poll(server, code)
    validator.now += 1
    assert poll(server, code)[1]["error"] == "slow_down"
    assert validator.device_codes[code]["interval"] == 10
    # The old interval of 5 s is not enough any more ...
    validator.now += 6
    assert poll(server, code)[1]["error"] == "slow_down"
    assert validator.device_codes[code]["interval"] == 15
    # ... the grown one is.
    validator.now += 15
    assert poll(server, code)[1]["error"] == "authorization_pending"
    assert validator.device_codes[code]["interval"] == 15


def test_rfc8628_3_5_polling_at_the_interval_stays_pending(server, validator):
    code = start(server)["device_code"]
    for _ in range(4):
        assert poll(server, code)[1]["error"] == "authorization_pending"
        validator.now += 5


def test_rfc8628_3_5_approved_code_gives_token_with_approved_scopes(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"].lower(), approve=True, scopes=["read"])
    status, body, headers = poll(server, answer["device_code"], scope="read write profile")
    assert status == 200
    assert body == {"access_token": "tok-1", "expires_in": 3600, "token_type": "Bearer",
                    "scope": "read", "refresh_token": "ref-1"}
    assert validator.tokens["tok-1"]["user"].username == "alice"
    assert headers["Cache-Control"] == "no-store"


def test_rfc8628_3_5_token_request_calls_the_validator_in_order(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    validator.calls.clear()
    poll(server, answer["device_code"])
    assert validator.calls == [
        "client_authentication_required", "authenticate_client_id", "validate_grant_type",
        "validate_device_code", "validate_scopes", "redeem_device_code", "save_token",
        "save_bearer_token"]


def test_rfc8628_3_5_denied_code_is_access_denied_every_time(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=False)
    for _ in range(2):
        status, body, _ = poll(server, answer["device_code"])
        assert (status, body["error"]) == (400, "access_denied")
        validator.now += 5
    assert validator.tokens == {}


def test_rfc8628_3_5_expired_code_is_expired_token(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    validator.now += answer["expires_in"]
    status, body, _ = poll(server, answer["device_code"])
    assert (status, body["error"]) == (400, "expired_token")
    assert validator.tokens == {}


def test_rfc8628_3_5_code_is_redeemed_once(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    assert poll(server, answer["device_code"])[0] == 200
    status, body, _ = poll(server, answer["device_code"])
    assert (status, body["error"]) == (400, "invalid_grant")
    assert len(validator.tokens) == 1


def test_racing_polls_get_one_token(server, validator):
    """Two polls both pass validate_device_code before either redeems the code: the
    validator's redemption lets one through, the other is invalid_grant."""
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    inner = []
    validate = validator.validate_device_code

    def validate_then_race(client_id, code, request, *args, **kwargs):
        status = validate(client_id, code, request)
        if not inner:
            inner.append("racing")
            inner[0] = poll(server, code)
        return status

    validator.validate_device_code = validate_then_race
    outer = poll(server, answer["device_code"])
    outcomes = sorted([inner[0][0], outer[0]])
    assert outcomes == [200, 400]
    assert outer[1]["error"] == "invalid_grant"
    assert len(validator.tokens) == 1


def test_rfc8628_3_4_device_code_of_another_client_is_invalid_grant(server, kit, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    status, body, _ = poll(server, answer["device_code"], client_id="",
                           headers=kit.basic_auth("console", "console-secret"))
    assert (status, body["error"]) == (400, "invalid_grant")
    assert validator.tokens == {}


def test_rfc8628_3_4_unknown_device_code_is_invalid_grant(server):
    status, body, _ = poll(server, "no-such-code")
    assert (status, body["error"]) == (400, "invalid_grant")


def test_rfc8628_3_4_missing_device_code_is_invalid_request(server):
    status, body, _ = poll(server, "")
    assert (status, body["error"]) == (400, "invalid_request")
    assert body["error_description"] == "Missing device_code parameter."


def test_rfc8628_3_4_missing_client_id_is_invalid_client(server, validator):
    answer = start(server)
    validator.decide(answer["user_code"], approve=True)
    status, body, _ = poll(server, answer["device_code"], client_id="")
    assert (status, body["error"]) == (401, "invalid_client")
    assert validator.tokens == {}


def test_rfc8628_3_4_client_not_registered_for_the_grant_is_unauthorized_client(server):
    status, body, _ = poll(server, "whatever", client_id="pub")
    assert (status, body["error"]) == (400, "unauthorized_client")


def test_unrecognised_validator_status_is_invalid_grant(server, validator):
    code = start(server)["device_code"]
    validator.device_codes[code]["status"] = "maybe"
    status, body, _ = poll(server, code)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_validator_crash_is_server_error_without_detail(server, validator):
    code = start(server)["device_code"]
    validator.fail["validate_device_code"] = RuntimeError("database down: secret")
    status, body, _ = poll(server, code)
    assert (status, body) == (500, {"error": "server_error"})


def test_oauthlib_style_validator_paces_polls_itself(kit):
    """A validator with only oauthlib's device method: its own slow_down is passed on,
    and no poll bookkeeping or redemption is asked of it."""

    class OauthlibStyle(kit.RecordingValidator):
        statuses = ["authorization_pending", "slow_down", "authorized"]

        def validate_device_code(self, client_id, code, request, *args, **kwargs):
            self._record("validate_device_code", client_id, code)
            status = self.statuses.pop(0)
            if status == "authorized":
                request.user = self.users["alice"][1]
                request.scopes = ["read"]
            return status

        def validate_grant_type(self, client_id, grant_type, client, request, *a, **k):
            return True

    validator = OauthlibStyle()
    server = Server(validator, device_verification_uri=DEVICE_URI)
    assert [poll(server, "dc", client_id="pub")[1].get("error") for _ in range(3)] == [
        "authorization_pending", "slow_down", None]


# -- switched off by default ------------------------------------------------------------


def test_device_grant_is_off_unless_a_verification_uri_is_given(validator):
    server = Server(validator)
    assert DEVICE_GRANT not in server.grant_types
    _, body, status = authorize_device(server)
    assert (status, json.loads(body)["error"]) == (400, "unsupported_grant_type")
    status, body, _ = poll(server, "dc")
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    assert validator.device_codes == {}


def test_web_application_server_carries_the_device_grant_when_on(validator):
    server = WebApplicationServer(validator, device_verification_uri=DEVICE_URI)
    assert server.grant_types[DEVICE_GRANT] is server.device_code_grant
    assert USER_CODE_SHAPE.match(start(server)["user_code"])


def test_device_methods_live_on_the_device_validator_only():
    grant = DeviceCodeGrant()
    assert isinstance(grant.request_validator, DeviceRequestValidator)
    with pytest.raises(NotImplementedError):
        grant.request_validator.validate_device_code("tv", "dc", None)
    assert not hasattr(RequestValidator(), "validate_device_code")


# -- §4: metadata ---------------------------------------------------------------------------

ISSUER = "https://as.example"
BASE_CLAIMS = {"issuer": ISSUER, "authorization_endpoint": ISSUER + "/authorize",
               "token_endpoint": ISSUER + "/token", "revocation_endpoint": ISSUER + "/revoke",
               "introspection_endpoint": ISSUER + "/introspect"}


def test_rfc8628_4_metadata_names_the_endpoint_and_grant_when_on(server):
    claims = dict(BASE_CLAIMS, device_authorization_endpoint=DEVICE_AUTHORIZATION)
    metadata = MetadataEndpoint([server], claims).claims
    assert metadata["device_authorization_endpoint"] == DEVICE_AUTHORIZATION
    assert DEVICE_GRANT in metadata["grant_types_supported"]


def test_rfc8628_4_metadata_requires_the_endpoint_when_on(server):
    with pytest.raises(ValueError, match="device_authorization_endpoint"):
        MetadataEndpoint([server], dict(BASE_CLAIMS))


def test_rfc8628_4_metadata_leaves_the_endpoint_out_when_off(validator):
    claims = dict(BASE_CLAIMS, device_authorization_endpoint=DEVICE_AUTHORIZATION)
    metadata = MetadataEndpoint([Server(validator)], claims).claims
    assert "device_authorization_endpoint" not in metadata
    assert DEVICE_GRANT not in metadata["grant_types_supported"]


def test_device_errors_are_oauth2_errors_with_rfc_codes():
    assert errors.AuthorizationPendingError().error == "authorization_pending"
    assert errors.SlowDownError().error == "slow_down"
    assert errors.ExpiredTokenError().error == "expired_token"
    assert errors.ExpiredTokenError().status_code == 400


def test_rfc8628_6_1_taken_user_code_is_replaced_by_a_fresh_one(server, validator):
    """Two live authorizations never share a user code: a validator that reports the
    code taken gets a fresh one, and the answer carries the code that was stored."""
    codes = iter(["BBBB-BBBB", "BBBB-BBBB", "CCCC-CCCC"])
    server.user_code_generator = lambda: next(codes)
    save = validator.save_device_code

    def save_unless_taken(client_id, code, request, *args, **kwargs):
        taken = {record["user_code"] for record in validator.device_codes.values()}
        if normalize_user_code(code["user_code"]) in taken:
            return False
        return save(client_id, code, request)

    validator.save_device_code = save_unless_taken
    assert start(server)["user_code"] == "BBBB-BBBB"
    second = start(server)
    assert second["user_code"] == "CCCC-CCCC"
    assert second["verification_uri_complete"].endswith("user_code=CCCC-CCCC")


def test_no_free_user_code_is_server_error(server, validator):
    validator.save_device_code = lambda *args, **kwargs: False
    _, body, status = authorize_device(server)
    assert (status, json.loads(body)) == (500, {"error": "server_error"})


def test_rfc8628_5_1_guess_budget_keeps_the_success_chance_under_2_to_the_minus_20():
    budget = guess_budget()
    assert budget == 24414
    assert budget / USER_CODE_SPACE < GUESS_SUCCESS_BOUND == 2 ** -20
    assert (budget + 1) / USER_CODE_SPACE >= GUESS_SUCCESS_BOUND
    # An exact multiple stays strictly under the bound too.
    assert guess_budget(space=2 ** 30) == 2 ** 10 - 1


def test_verification_uri_may_be_made_per_request(validator):
    hosts = iter(["https://one.example", "https://two.example"])
    server = Server(validator, device_verification_uri=lambda: next(hosts) + "/device",
                    device_verification_uri_complete=True)
    first, second = start(server), start(server)
    assert first["verification_uri"] == "https://one.example/device"
    assert second["verification_uri_complete"] == (
        f"https://two.example/device?user_code={second['user_code']}")
