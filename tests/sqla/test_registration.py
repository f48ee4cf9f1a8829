"""Client registration: redirect URI checks (RFC 6749 §3.1.2, RFC 9700 §2.6, RFC 8252 §7)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flask_oauth_provider.config import ProviderConfig
from flask_oauth_provider.sqla import check_redirect_uri
from tests.helpers.sqla_models import Client

ACCEPTED = [
    "https://client.example/cb",
    "https://client.example/cb?tenant=a",
    "http://127.0.0.1/cb",
    "http://127.0.0.1:8080/cb",
    "http://[::1]/cb",
    "http://localhost/cb",
    "com.example.app:/callback",
]

REFUSED = [
    "/relative/cb",
    "client.example/cb",
    "https://client.example/cb#frag",
    "https://client.example/cb#",
    "http://client.example/cb",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "myapp:/cb",
    "https://user@client.example/cb",
    "https:///cb",
    "https://client.example/c b",
    "https://client.example:99999/cb",
    "",
]


@pytest.mark.parametrize("uri", ACCEPTED)
def test_registration_accepts_redirect_uri(uri):
    check_redirect_uri(uri)


@pytest.mark.parametrize("uri", REFUSED)
def test_registration_refuses_redirect_uri(uri):
    with pytest.raises(ValueError):
        check_redirect_uri(uri)


def test_create_client_refuses_a_bad_redirect_uri_and_stores_nothing(store, session):
    with pytest.raises(ValueError, match="https"):
        store.create_client(name="App", redirect_uris=["http://client.example/cb"])
    assert session.scalar(select(func.count()).select_from(Client)) == 0


def test_insecure_transport_allows_http_redirect_uris(store):
    store.config = ProviderConfig(insecure_transport=True)
    client, _ = store.create_client(name="Dev", redirect_uris=["http://dev.example/cb"])
    assert client.redirect_uris == ["http://dev.example/cb"]


def test_code_grant_client_must_register_a_redirect_uri(store):
    with pytest.raises(ValueError, match="redirect URI"):
        store.create_client(name="App", grant_types=["authorization_code"])


def test_client_credentials_client_needs_no_redirect_uri(store):
    client, secret = store.create_client(name="Service", grant_types=["client_credentials"])
    assert secret and client.redirect_uris == []


def test_public_client_gets_no_secret(store):
    client, secret = store.create_client(name="Native", redirect_uris=["com.example.app:/cb"],
                                         public=True)
    assert secret is None
    assert client.client_type == "public" and client.client_secret_hash is None


def test_public_client_cannot_use_client_credentials(store):
    with pytest.raises(ValueError, match="client_credentials"):
        store.create_client(name="Native", grant_types=["client_credentials"], public=True)


@pytest.mark.parametrize("kwargs", [
    {"name": ""},
    {"name": "App", "grant_types": ["magic"]},
    {"name": "App", "scopes": ['bad"scope']},
    {"name": "App", "scopes": ["a"], "default_scopes": ["b"]},
])
def test_create_client_refuses_bad_input(store, kwargs):
    kwargs.setdefault("redirect_uris", ["https://client.example/cb"])
    with pytest.raises(ValueError):
        store.create_client(**kwargs)


def test_client_secret_and_id_are_long_random_strings(store):
    seen = set()
    for _ in range(5):
        client, secret = store.create_client(name="App", redirect_uris=["https://c.example/cb"])
        assert len(secret) >= 43 and len(client.client_id) >= 32
        seen.update((secret, client.client_id))
    assert len(seen) == 10


def test_client_may_belong_to_a_user(store, alice):
    client, _ = store.create_client(name="Mine", redirect_uris=["https://c.example/cb"],
                                    user=alice)
    assert client.user_id == alice.id


def test_delete_client_removes_its_codes_and_tokens(store, confidential, session, alice):
    from tests.helpers.sqla_models import AuthorizationCode, Token

    confidential.login(alice)
    confidential.authorize(alice)
    assert store.delete_client(confidential.client_id) is True
    for model in (Client, AuthorizationCode, Token):
        assert session.scalar(select(func.count()).select_from(model).where(
            model.client_id == confidential.client_id)) == 0
    assert store.delete_client(confidential.client_id) is False


def test_client_ids_never_start_with_a_dash(monkeypatch):
    from flask_oauth_provider.sqla import models as sqla

    draws = iter(["-Bdash", "_ok"])
    monkeypatch.setattr(sqla.secrets, "token_urlsafe", lambda n: next(draws))
    assert sqla.new_client_id() == "_ok"
