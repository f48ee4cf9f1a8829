"""The pre-built servers: oauthlib's constructor arguments, grants and endpoints."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from flask_oauth_provider.core.servers import (
    BackendApplicationServer,
    LegacyApplicationServer,
    MobileApplicationServer,
    Server,
    WebApplicationServer,
)


def test_server_routes_every_grant(validator):
    server = Server(validator)
    assert set(server.response_types) == {"code", "token", "none"}
    assert server.response_types["code"] is server.auth_grant
    assert server.response_types["none"] is server.auth_grant
    assert server.response_types["token"] is server.implicit_grant
    assert server.grant_types == {
        "authorization_code": server.auth_grant, "password": server.password_grant,
        "client_credentials": server.credentials_grant, "refresh_token": server.refresh_grant}
    assert server.default_grant_type == "authorization_code"
    assert server.default_response_type == "code"
    assert server.tokens == {"Bearer": server.bearer}


def test_web_application_server_has_code_and_refresh(validator):
    server = WebApplicationServer(validator)
    assert set(server.response_types) == {"code"}
    assert set(server.grant_types) == {"authorization_code", "refresh_token"}


def test_mobile_application_server_has_implicit_only(validator):
    server = MobileApplicationServer(validator)
    assert set(server.response_types) == {"token"}
    assert server.default_response_type == "token"
    assert not hasattr(server, "create_token_response")
    assert server.supported_token_types == ("access_token",)


def test_legacy_application_server_has_password_and_refresh(validator):
    server = LegacyApplicationServer(validator)
    assert set(server.grant_types) == {"password", "refresh_token"}
    assert server.default_grant_type == "password"
    assert not hasattr(server, "create_authorization_response")


def test_backend_application_server_has_client_credentials_only(validator):
    server = BackendApplicationServer(validator)
    assert set(server.grant_types) == {"client_credentials"}
    assert server.supported_token_types == ("access_token",)


def test_server_takes_token_expires_in_second(validator):
    """oauthlib's positional order: Server(validator, token_expires_in, token_generator)."""
    server = Server(validator, 60, lambda request: "fixed")
    assert server.bearer.expires_in == 60
    assert server.bearer.token_generator(None) == "fixed"


@pytest.mark.parametrize("cls", [WebApplicationServer, MobileApplicationServer,
                                 LegacyApplicationServer, BackendApplicationServer])
def test_other_servers_take_token_generator_second(validator, cls):
    server = cls(validator, lambda request: "fixed", 60)
    assert server.bearer.expires_in == 60
    assert server.bearer.token_generator(None) == "fixed"


def test_unknown_keyword_arguments_are_ignored_like_oauthlib(validator):
    Server(validator, interval=5, verification_uri="https://as.example/device")


def test_challenge_without_method_is_refused_by_default(validator, kit):
    """RFC 7636 §4.3: a missing method means plain; plain is off by default
    (RFC 7636 §7.2, RFC 9700 §2.1.1)."""
    uri = (f"{kit.AUTHORIZE}?response_type=code&client_id=pub&code_challenge={kit.VERIFIER}"
           f"&state=s")
    headers, _, _ = Server(validator).create_authorization_response(uri, scopes=["read"])
    params = kit.location_params(headers["Location"])
    assert params["error"] == "invalid_request"
    assert params["error_description"] == "Transform algorithm not supported."


def test_pkce_plain_is_forwarded_to_the_code_grant(validator, kit):
    uri = (f"{kit.AUTHORIZE}?response_type=code&client_id=pub&code_challenge={kit.VERIFIER}"
           f"&code_challenge_method=plain")
    headers, _, _ = Server(validator, pkce_plain=True).create_authorization_response(
        uri, scopes=["read"])
    assert "code" in kit.location_params(headers["Location"])


@pytest.mark.parametrize("cls", [Server, WebApplicationServer])
def test_s256_challenge_round_trip(validator, kit, cls):
    """RFC 7636 §4.6 with the Appendix B vector."""
    server = cls(validator)
    uri = (f"{kit.AUTHORIZE}?response_type=code&client_id=pub&code_challenge={kit.CHALLENGE}"
           f"&code_challenge_method=S256")
    headers, _, _ = server.create_authorization_response(uri, scopes=["read"])
    code = kit.location_params(headers["Location"])["code"]
    body = (f"grant_type=authorization_code&code={code}&client_id=pub"
            f"&redirect_uri={quote(kit.PUB_CB, safe='')}&code_verifier={kit.VERIFIER}")
    _, response, status = server.create_token_response(kit.TOKEN, body=body)
    assert status == 200, response
    assert "access_token" in kit.body_json(response)


@pytest.mark.parametrize("cls", [Server, WebApplicationServer, MobileApplicationServer,
                                 LegacyApplicationServer, BackendApplicationServer])
def test_allow_query_token_is_forwarded_to_the_resource_endpoint(validator, cls):
    assert cls(validator).allow_query_token is False
    assert cls(validator, allow_query_token=True).allow_query_token is True


def test_mobile_server_answers_code_requests_unsupported_in_the_fragment(validator, kit):
    uri = (f"{kit.AUTHORIZE}?response_type=code&client_id=conf"
           f"&redirect_uri={quote(kit.CONF_CB, safe='')}")
    headers, _, status = MobileApplicationServer(validator).create_authorization_response(uri)
    assert status == 302
    assert "#" in headers["Location"]
    assert kit.location_params(headers["Location"])["error"] == "unsupported_response_type"


def test_backend_server_refuses_the_password_grant(validator, kit):
    _, body, status = BackendApplicationServer(validator).create_token_response(
        kit.TOKEN, body="grant_type=password&username=alice&password=wonderland",
        headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "unsupported_grant_type"


def test_legacy_server_issues_tokens_for_the_password_grant(validator, kit):
    _, body, status = LegacyApplicationServer(validator).create_token_response(
        kit.TOKEN, body="grant_type=password&username=alice&password=wonderland",
        headers=kit.CONF_BASIC)
    assert status == 200
    assert "refresh_token" in kit.body_json(body)


def test_mobile_server_refuses_refresh_token_hints(validator, kit):
    """RFC 7009 §2.2.1: no refresh tokens here, so unsupported_token_type."""
    _, body, status = MobileApplicationServer(validator).create_introspect_response(
        kit.INTROSPECT, body="token=x&token_type_hint=refresh_token", headers=kit.CONF_BASIC)
    assert status == 400
    assert kit.body_json(body)["error"] == "unsupported_token_type"


def test_endpoints_of_a_server_share_availability(validator, kit):
    server = Server(validator)
    server.available = False
    assert server.create_token_response(kit.TOKEN, body="grant_type=x")[2] == 503
    assert server.create_revocation_response(kit.REVOKE, body="token=x")[2] == 503
