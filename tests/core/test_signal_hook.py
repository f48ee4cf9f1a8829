"""The signal hook of the servers (``send_signal(name, request)``, core.signals)."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import signals
from flask_oauth_provider.core.servers import BackendApplicationServer, Server


@pytest.fixture
def sent():
    return []


@pytest.fixture
def hooked(validator, sent):
    return Server(validator, send_signal=lambda name, request: sent.append((name, request)))


def test_a_token_response_sends_client_authenticated_then_token_issued(hooked, sent, kit):
    _, _, status = hooked.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials&scope=read", headers=kit.CONF_BASIC)
    assert status == 200
    assert [name for name, _ in sent] == [signals.CLIENT_AUTHENTICATED, signals.TOKEN_ISSUED]
    request = sent[-1][1]
    assert (request.client.client_id, request.grant_type, request.scopes) == (
        "conf", "client_credentials", ["read"])


def test_a_refused_token_request_sends_no_token_issued(hooked, sent, kit):
    _, _, status = hooked.create_token_response(
        kit.TOKEN, body="grant_type=client_credentials&scope=nope", headers=kit.CONF_BASIC)
    assert status == 400
    assert signals.TOKEN_ISSUED not in [name for name, _ in sent]


def test_revocation_sends_token_revoked_with_the_hint(hooked, sent, validator, kit):
    # RFC 7009 §2.1: token_type_hint travels on the request the hook is given.
    validator.add_token("at-1", client_id="conf", refresh_token="rt-1")
    hooked.create_revocation_response(
        kit.REVOKE, body="token=at-1&token_type_hint=access_token", headers=kit.CONF_BASIC)
    name, request = sent[-1]
    assert (name, request.token_type_hint, request.client.client_id) == (
        signals.TOKEN_REVOKED, "access_token", "conf")


def test_a_failed_client_authentication_sends_nothing(hooked, sent, kit):
    hooked.create_revocation_response(
        kit.REVOKE, body="token=at-1", headers={"Authorization": "Basic Y29uZjp3cm9uZw=="})
    assert sent == []


def test_without_a_hook_nothing_is_sent_and_every_server_accepts_one(validator, kit):
    answer = Server(validator).create_token_response(
        kit.TOKEN, body="grant_type=client_credentials", headers=kit.CONF_BASIC)
    assert answer[2] == 200
    sent = []
    server = BackendApplicationServer(validator, send_signal=lambda n, r: sent.append(n))
    server.create_token_response(kit.TOKEN, body="grant_type=client_credentials",
                                 headers=kit.CONF_BASIC)
    assert sent == [signals.CLIENT_AUTHENTICATED, signals.TOKEN_ISSUED]
