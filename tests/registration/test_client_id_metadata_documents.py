"""Client ID metadata documents, fetched from a local document server on 127.0.0.1
(allowed by ``CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE``, as only tests may)."""

from __future__ import annotations

import datetime
import json
import time
from types import SimpleNamespace

import pytest
from flask import Flask, Response

from flask_oauth_provider import metadata_documents
from flask_oauth_provider.metadata_documents import DocumentError, cache_lifetime
from tests.helpers import LiveServer, location_params, pkce_pair
from tests.helpers.sqla_models import User

REDIRECT = "http://127.0.0.1:9999/callback"


class DocumentServer:
    """Serves ``pages[path] = (status, headers, body)`` and counts the requests."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple] = {}
        self.hits: list[str] = []
        app = Flask("documents")

        @app.route("/<path:path>")
        def page(path):
            self.hits.append(path)
            status, headers, body = self.pages.get(path, (404, {}, "not found"))
            if callable(body):
                body = body()
            return Response(body, status=status, headers=headers)

        self.live = LiveServer(app).start()
        self.url = self.live.url

    def publish(self, path, document=None, status=200, headers=None, **changes):
        url = f"{self.url}/{path}"
        if document is None:
            document = {"client_id": url, "client_name": "Doc agent",
                        "redirect_uris": [REDIRECT],
                        "grant_types": ["authorization_code", "refresh_token"], **changes}
        body = document if isinstance(document, str) else json.dumps(document)
        self.pages[path] = (status, {"Content-Type": "application/json", **(headers or {})},
                            body)
        return url


@pytest.fixture
def documents():
    server = DocumentServer()
    yield server
    server.live.stop()


@pytest.fixture
def cimd_app(app_factory):
    return app_factory(CLIENT_ID_METADATA_DOCUMENTS=True,
                       CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True)


def load(app, client_id):
    """The client as the store loads it, read inside the app context (or None)."""
    with app.app_context():
        row = app.extensions["oauth2_provider"].store.load_client(client_id)
        if row is None:
            return None
        return SimpleNamespace(name=row.name, redirect_uris=row.redirect_uris,
                               registration_origin=row.registration_origin,
                               is_confidential=row.is_confidential)


def test_metadata_says_documents_are_supported(cimd_app, app_factory):
    on = cimd_app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    off = app_factory().test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert on["client_id_metadata_document_supported"] is True
    assert "client_id_metadata_document_supported" not in off


def test_a_document_client_completes_the_code_flow(cimd_app, documents):
    client_id = documents.publish("agent.json")
    with cimd_app.app_context():
        state = cimd_app.extensions["oauth2_provider"]
        db = cimd_app.extensions["test_db"]
        user = User(username="doc-user")
        db.session.add(user)
        db.session.commit()
        verifier, challenge = pkce_pair()
        headers, _, status = state.server.create_authorization_response(
            f"https://as.example/oauth/authorize?response_type=code&client_id={client_id}"
            f"&redirect_uri={REDIRECT}&scope=profile&state=s&code_challenge={challenge}"
            "&code_challenge_method=S256", scopes=["profile"], credentials={"user": user})
        assert status == 302, headers
        code = location_params(headers["Location"])["code"]
    response = cimd_app.test_client().post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "code_verifier": verifier, "redirect_uri": REDIRECT})
    assert response.status_code == 200, response.get_json()
    row = load(cimd_app, client_id)
    assert row.registration_origin == "document" and not row.is_confidential
    assert row.name == "Doc agent" and row.redirect_uris == [REDIRECT]


def test_the_document_is_cached_for_its_max_age(cimd_app, documents):
    client_id = documents.publish("cached.json", headers={"Cache-Control": "max-age=120"})
    assert load(cimd_app, client_id) is not None
    assert load(cimd_app, client_id) is not None
    assert documents.hits == ["cached.json"]
    store = cimd_app.extensions["oauth2_provider"].store
    start = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    store.now = lambda: start + datetime.timedelta(seconds=90)
    assert load(cimd_app, client_id) is not None
    assert documents.hits == ["cached.json"]
    store.now = lambda: start + datetime.timedelta(seconds=130)
    assert load(cimd_app, client_id) is not None
    assert documents.hits == ["cached.json", "cached.json"]


def test_a_changed_document_changes_the_client_and_a_vanished_one_removes_it(cimd_app, documents):
    client_id = documents.publish("changing.json", headers={"Cache-Control": "max-age=60"})
    assert load(cimd_app, client_id).redirect_uris == [REDIRECT]
    store = cimd_app.extensions["oauth2_provider"].store
    start = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    documents.publish("changing.json", redirect_uris=["http://127.0.0.1:9999/other"],
                      headers={"Cache-Control": "max-age=60"})
    store.now = lambda: start + datetime.timedelta(seconds=61)
    assert load(cimd_app, client_id).redirect_uris == ["http://127.0.0.1:9999/other"]
    del documents.pages["changing.json"]
    store.now = lambda: start + datetime.timedelta(seconds=200)
    assert load(cimd_app, client_id) is None


@pytest.mark.parametrize("changes", [
    {"client_id": "https://elsewhere.example/agent.json"},
    {"client_secret": "s3cret"},
    {"token_endpoint_auth_method": "client_secret_basic"},
    {"redirect_uris": ["javascript:alert(1)"]},
    {"grant_types": ["client_credentials"]},
])
def test_documents_that_break_the_rules_give_no_client(cimd_app, documents, changes):
    client_id = documents.publish("bad.json", **changes)
    assert load(cimd_app, client_id) is None


@pytest.mark.parametrize("status,headers,body", [
    (200, {"Content-Type": "text/html"}, "{}"),
    (200, {"Content-Type": "application/json"}, "[1, 2]"),
    (200, {"Content-Type": "application/json"}, "{not json"),
    (200, {"Content-Type": "application/json"}, '{"pad": "' + "x" * 6000 + '"}'),
    (404, {"Content-Type": "application/json"}, "{}"),
    (500, {"Content-Type": "application/json"}, "{}"),
])
def test_bad_answers_give_no_client(cimd_app, documents, status, headers, body):
    documents.pages["odd.json"] = (status, headers, body)
    assert load(cimd_app, f"{documents.url}/odd.json") is None


def test_a_redirect_to_another_host_is_not_followed(cimd_app, documents):
    target = documents.publish("target.json")
    elsewhere = target.replace("127.0.0.1", "localhost")
    documents.pages["hop.json"] = (302, {"Location": elsewhere}, "")
    assert load(cimd_app, f"{documents.url}/hop.json") is None
    assert "target.json" not in documents.hits


def test_a_same_origin_redirect_is_followed_but_the_id_must_match(cimd_app, documents):
    client_id = f"{documents.url}/moved.json"
    documents.publish("new-home.json", client_id=client_id)
    documents.pages["moved.json"] = (301, {"Location": "/new-home.json"}, "")
    assert load(cimd_app, client_id) is not None


def test_a_slow_server_runs_into_the_deadline(cimd_app, documents, monkeypatch):
    monkeypatch.setattr(metadata_documents, "TIMEOUT", 0.5)

    def slow():
        time.sleep(2)
        return "{}"

    documents.pages["slow.json"] = (200, {"Content-Type": "application/json"}, slow)
    assert load(cimd_app, f"{documents.url}/slow.json") is None


def test_without_the_test_switch_loopback_documents_are_refused(app_factory, documents):
    app = app_factory(CLIENT_ID_METADATA_DOCUMENTS=True)
    client_id = documents.publish("agent.json")
    assert load(app, client_id) is None
    assert documents.hits == []


def test_with_documents_off_a_url_client_id_is_just_unknown(app_factory, documents):
    client_id = documents.publish("agent.json")
    assert load(app_factory(), client_id) is None
    assert documents.hits == []


@pytest.mark.parametrize("url", [
    "https://10.0.0.8/agent.json", "https://169.254.169.254/latest/meta-data",
    "https://[::1]/agent.json", "https://192.168.1.1/client", "https://0.0.0.0/client",
    "https://[fe80::1]/client", "https://224.0.0.1/client",
])
def test_internal_addresses_are_never_fetched(url):
    with pytest.raises(DocumentError, match="non-public"):
        metadata_documents.fetch_document(url)


@pytest.mark.parametrize("url", [
    "http://client.example/agent.json", "https://client.example", "https://client.example/",
    "https://user@client.example/agent.json", "https://client.example/a/../b.json",
    "https://client.example/agent.json#x", "ftp://client.example/agent.json",
])
def test_malformed_document_urls_are_refused(url):
    with pytest.raises(DocumentError):
        metadata_documents.fetch_document(url)


@pytest.mark.parametrize("header,seconds", [
    ("max-age=600", 600), ("public, max-age=7200", 7200), ("max-age=5", 60),
    ("max-age=99999999", 86400), ("no-store", 60), ("", 300), ("max-age=abc", 300),
])
def test_cache_lifetime_follows_cache_control_within_bounds(header, seconds):
    assert cache_lifetime(header) == seconds
