"""ProviderValidator: the client policy shared by the bundled validators."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from flask_oauth_provider.config import ProviderConfig
from flask_oauth_provider.core import errors
from flask_oauth_provider.core.redirect_uris import transport_allows
from flask_oauth_provider.core.request import Request
from flask_oauth_provider.validators import ProviderValidator, is_public_client

REG = "https://client.example/cb"


class Clients(ProviderValidator):
    def __init__(self, **clients):
        self.clients = clients

    def load_client(self, client_id):
        return self.clients.get(client_id)


def make_client(**kw):
    base = dict(client_id="c", client_secret="s", client_type="confidential",
                redirect_uris=[REG], default_scopes=["read"])
    base.update(kw)
    return SimpleNamespace(**base)


def request(body=None, headers=None):
    return Request("https://as.example/oauth/token", "POST", body, headers or {})


@pytest.mark.parametrize("client,public", [
    (SimpleNamespace(is_confidential=False), True),
    (SimpleNamespace(is_confidential=True, client_type="public"), False),
    (SimpleNamespace(client_type="public"), True),
    (SimpleNamespace(client_type="confidential"), False),
    (SimpleNamespace(), False),
])
def test_is_public_client(client, public):
    assert is_public_client(client) is public


def test_client_secret_matches_uses_compare_digest():
    validator = Clients()
    assert validator.client_secret_matches(make_client(), "s")
    assert not validator.client_secret_matches(make_client(), "t")
    assert not validator.client_secret_matches(make_client(client_secret=None), "")


def test_authenticate_client_sets_request_client():
    client = make_client()
    req = request("grant_type=client_credentials&client_id=c&client_secret=s")
    assert Clients(c=client).authenticate_client(req)
    assert req.client is client


def test_public_client_never_authenticates_with_a_secret():
    req = request("client_id=c&client_secret=s")
    # Issue 19: refused with invalid_client that says why (the client is public).
    with pytest.raises(errors.InvalidClientError, match="registered as public"):
        Clients(c=make_client(client_type="public")).authenticate_client(req)


def test_confidential_client_never_authenticates_by_id_alone():
    assert not Clients(c=make_client()).authenticate_client_id("c", request("client_id=c"))


def test_presented_credentials_are_always_checked():
    validator = Clients(c=make_client(client_type="public"))
    assert validator.client_authentication_required(request("client_id=c&client_secret=x"))
    assert not validator.client_authentication_required(request("client_id=c"))


def test_client_own_validate_redirect_uri_decides_but_transport_still_applies():
    client = make_client(validate_redirect_uri=lambda uri: True)
    validator = Clients(c=client)
    assert validator.validate_redirect_uri("c", "https://anything.example/", request())
    assert not validator.validate_redirect_uri("c", "http://anything.example/", request())


def test_default_redirect_uri_only_with_exactly_one_registered():
    validator = Clients(a=make_client(client_id="a"),
                        b=make_client(client_id="b", redirect_uris=[REG, REG + "2"]))
    assert validator.get_default_redirect_uri("a", request()) == REG
    assert validator.get_default_redirect_uri("b", request()) is None


def test_client_own_validate_scopes_decides():
    client = make_client(validate_scopes=lambda scopes: scopes == ["x"])
    assert Clients().validate_scopes("c", ["x"], client, request())
    assert not Clients().validate_scopes("c", ["read"], client, request())


def test_allowed_scopes_win_over_default_scopes():
    client = make_client(allowed_scopes=["read", "write"])
    assert Clients().validate_scopes("c", ["write"], client, request())
    assert not Clients().validate_scopes("c", ["admin"], client, request())


def test_grant_type_must_be_enabled_and_allowed_for_the_client():
    validator = Clients()
    client = make_client(allowed_grant_types=["authorization_code"])
    assert validator.validate_grant_type("c", "authorization_code", client, request())
    assert not validator.validate_grant_type("c", "client_credentials", client, request())
    assert not validator.validate_grant_type("c", "password", make_client(), request())


def test_client_credentials_acts_for_no_user_even_with_an_owner():
    # RFC 6749 §4.4: the client acts for itself. (Until issue 18 the owner was set
    # here, which put machine tokens on the owner's authorized-applications page.)
    req = request()
    req.user = "someone"
    client = make_client(user="owner")
    assert Clients().validate_grant_type("c", "client_credentials", client, req)
    assert req.user is None


def test_pkce_and_rotation_follow_the_config():
    validator = Clients(c=make_client(), p=make_client(client_type="public"))
    assert validator.is_pkce_required("p", request())
    assert not validator.is_pkce_required("c", request())
    validator.config = ProviderConfig(pkce_required=True, rotate_refresh_tokens=False)
    assert validator.is_pkce_required("c", request())
    req = request()
    req.client = make_client()
    assert not validator.rotate_refresh_token(req)
    req.client = make_client(client_type="public")
    assert validator.rotate_refresh_token(req)


def test_validate_user_uses_the_usergetter():
    validator = Clients()
    assert not validator.validate_user("alice", "pw", make_client(), request())
    validator.usergetter = lambda u, p, c, r: "alice-user" if p == "pw" else None
    req = request()
    assert validator.validate_user("alice", "pw", make_client(), req) and req.user == "alice-user"


def test_config_outside_an_app_is_the_default():
    assert Clients().config == ProviderConfig()
    with Flask(__name__).app_context():
        assert Clients().config == ProviderConfig()


@pytest.mark.parametrize("uri,insecure,allowed", [
    ("https://c.example/cb", False, True), ("http://127.0.0.1:8000/cb", False, True),
    ("http://[::1]/cb", False, True), ("http://c.example/cb", False, False),
    ("http://c.example/cb", True, True), ("com.example.app:/cb", False, True),
])
def test_transport_rule_for_redirect_uris(uri, insecure, allowed):
    assert transport_allows(uri, insecure) is allowed
