"""ResourceServer in one process: discovery, introspection cache, audience, failures of the
issuer (503, rate-limited retries), its RFC 9728 document, and what it logs."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask, jsonify, request

from flask_oauth_provider import ResourceServer, current_token
from flask_oauth_provider.remote_issuer import IntrospectionCache
from tests.helpers import LiveServer, bearer
from tests.resources.resources_support import (
    ORDERS,
    Browser,
    make_provider_app,
    register_client,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def service_app(issuer: str, **kwargs) -> tuple[Flask, ResourceServer]:
    app = Flask(__name__)
    rs = ResourceServer(app, issuer=issuer, resource=ORDERS, **kwargs)

    @app.get("/api/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return jsonify(sub=current_token.sub, client_id=current_token.client_id)

    @app.get("/api/maybe")
    @rs.require_oauth(optional=True)
    def maybe():
        return jsonify(anonymous=not current_token)

    return app, rs


@pytest.fixture
def provider(test_database, tables):
    app = make_provider_app(test_database, ISSUER=None, RESOURCES=[ORDERS])
    calls = app.extensions["introspection_calls"] = []

    @app.before_request
    def count():
        if request.path == "/oauth/introspect":
            calls.append(1)

    server = LiveServer(app).start()
    yield app, server
    server.stop()
    with app.app_context():
        app.extensions["test_db"].session.remove()
        app.extensions["test_db"].engine.dispose()


@pytest.fixture
def setup(provider):
    app, server = provider
    rs_id, rs_secret = register_client(app, name="API", resource_server=True,
                                       grant_types=["client_credentials"], scopes=[])
    browser = Browser(app, *register_client(app))
    service, rs = service_app(server.url, client_id=rs_id, client_secret=rs_secret)
    return browser, service.test_client(), rs, app.extensions["introspection_calls"]


def test_active_answers_are_cached(setup):
    browser, service, rs, calls = setup
    token = browser.login(scope="orders:read")["access_token"]
    assert service.get("/api/orders", headers=bearer(token)).status_code == 200
    assert service.get("/api/orders", headers=bearer(token)).status_code == 200
    assert len(calls) == 1


def test_cached_answers_expire_after_the_bound(setup):
    browser, service, rs, calls = setup
    clock = Clock()
    rs.issuer.cache.clock = clock
    token = browser.login(scope="orders:read")["access_token"]
    service.get("/api/orders", headers=bearer(token))
    clock.now += rs.issuer.cache.max_age + 1
    service.get("/api/orders", headers=bearer(token))
    assert len(calls) == 2


def test_inactive_answers_are_not_cached(setup):
    browser, service, rs, calls = setup
    assert service.get("/api/orders", headers=bearer("unknown")).status_code == 401
    assert service.get("/api/orders", headers=bearer("unknown")).status_code == 401
    assert len(calls) == 2


def test_unknown_token_is_invalid_token_with_the_metadata(setup):
    _, service, _, _ = setup
    answer = service.get("/api/orders", headers=bearer("unknown"))
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer error="invalid_token", resource_metadata='
        '"https://orders.example/.well-known/oauth-protected-resource/api"')


def test_current_token_has_sub_and_client_id(setup):
    browser, service, _, _ = setup
    token = browser.login(scope="orders:read")["access_token"]
    body = service.get("/api/orders", headers=bearer(token)).json
    assert body["client_id"] == browser.client_id
    assert body["sub"]


def test_optional_view_without_token(setup):
    _, service, _, calls = setup
    assert service.get("/api/maybe").json == {"anonymous": True}
    assert calls == []


def test_token_in_the_query_or_body_is_not_read(setup):
    browser, service, _, _ = setup
    token = browser.login(scope="orders:read")["access_token"]
    assert service.get("/api/orders?access_token=" + token).status_code == 401


def test_the_token_never_reaches_the_logs(setup, caplog):
    browser, service, _, _ = setup
    token = browser.login(scope="orders:read", resources=(ORDERS,))["access_token"]
    caplog.set_level(logging.DEBUG)
    service.get("/api/orders", headers=bearer(token))
    service.get("/api/orders", headers=bearer(token + "x"))
    assert token not in caplog.text


def test_cache_keeps_digests_not_tokens():
    cache = IntrospectionCache(max_age=60)
    cache.put("secret-token", {"active": True})
    assert "secret-token" not in repr(cache._entries)
    assert cache.get("secret-token") == {"active": True}


def test_cache_never_outlives_the_token():
    clock = Clock()
    cache = IntrospectionCache(max_age=60, clock=clock)
    cache.put("t", {"active": True, "exp": clock.now + 5})
    clock.now += 6
    assert cache.get("t") is None


def test_cache_is_bounded():
    cache = IntrospectionCache(max_age=60, max_entries=3)
    for name in "abcd":
        cache.put(name, {"active": True})
    assert cache.get("a") is None
    assert cache.get("d") == {"active": True}


# -- the issuer fails ---------------------------------------------------------------------


@pytest.fixture
def broken_issuer():
    """An 'issuer' whose metadata is garbage, counting the requests it gets."""
    app = Flask(__name__)
    hits = app.extensions["hits"] = []
    answers = app.extensions["answers"] = ["<html>not json</html>"]

    @app.get("/.well-known/oauth-authorization-server")
    def metadata():
        hits.append(1)
        return answers[0], 200, {"Content-Type": "application/json"}

    server = LiveServer(app).start()
    yield server, hits, answers
    server.stop()


def test_garbage_metadata_is_503_not_500(broken_issuer):
    server, hits, _ = broken_issuer
    service, _ = service_app(server.url, client_id="x", client_secret="y")
    answer = service.test_client().get("/api/orders", headers=bearer("t"))
    assert answer.status_code == 503
    assert answer.json["error"] == "temporarily_unavailable"
    assert answer.headers["Retry-After"]


def test_failed_issuer_is_not_asked_again_before_retry_after(broken_issuer):
    server, hits, answers = broken_issuer
    service, rs = service_app(server.url, client_id="x", client_secret="y")
    clock = Clock()
    rs.issuer.clock = clock
    client = service.test_client()
    for _ in range(5):
        assert client.get("/api/orders", headers=bearer("t")).status_code == 503
    assert len(hits) == 1
    clock.now += rs.issuer.retry_after + 1
    client.get("/api/orders", headers=bearer("t"))
    assert len(hits) == 2


def test_metadata_of_another_issuer_is_refused(broken_issuer):
    server, _, answers = broken_issuer
    # RFC 8414 §3.3: byte for byte; a trailing slash is another issuer.
    answers[0] = json.dumps({"issuer": server.url + "/",
                             "introspection_endpoint": server.url + "/x"})
    service, _ = service_app(server.url, client_id="x", client_secret="y")
    assert service.test_client().get("/api/orders", headers=bearer("t")).status_code == 503


def test_issuer_down_is_503(broken_issuer):
    server, _, _ = broken_issuer
    url = server.url
    server.stop()
    service, _ = service_app(url, client_id="x", client_secret="y", timeout=2)
    assert service.test_client().get("/api/orders", headers=bearer("t")).status_code == 503


def test_garbage_introspection_answer_is_503(broken_issuer):
    server, _, answers = broken_issuer
    answers[0] = json.dumps({
        "issuer": server.url,
        "introspection_endpoint": server.url + "/.well-known/oauth-authorization-server"})
    service, _ = service_app(server.url, client_id="x", client_secret="y")
    # The 'introspection endpoint' answers GET only: a POST gets 405, which is no answer.
    assert service.test_client().get("/api/orders", headers=bearer("t")).status_code == 503


# -- its own metadata (RFC 9728) and configuration -------------------------------------------


def test_document_at_the_path_and_root_forms():
    service, _ = service_app("https://as.example", scopes_supported=["orders:read"])
    client = service.test_client()
    expected = {"resource": ORDERS, "authorization_servers": ["https://as.example"],
                "scopes_supported": ["orders:read"], "bearer_methods_supported": ["header"],
                # RFC 9728 §2 / RFC 9449: the DPoP proof algorithms it accepts.
                "dpop_signing_alg_values_supported": ["ES256", "EdDSA", "PS256", "RS256"]}
    assert client.get("/.well-known/oauth-protected-resource/api").json == expected
    assert client.get("/.well-known/oauth-protected-resource").json == expected


def test_no_token_is_401_with_only_the_metadata():
    service, _ = service_app("https://as.example")
    answer = service.test_client().get("/api/orders")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer resource_metadata="https://orders.example/.well-known/oauth-protected-resource/api"')


@pytest.mark.parametrize("issuer", ["http://as.example", "as.example", "https://as.example#x"])
def test_issuer_must_be_an_https_uri(issuer):
    with pytest.raises(ValueError, match="issuer"):
        ResourceServer(Flask(__name__), issuer=issuer, resource=ORDERS)


def test_registered_once_per_app():
    app = Flask(__name__)
    ResourceServer(app, issuer="https://as.example", resource=ORDERS)
    with pytest.raises(RuntimeError, match="already registered"):
        ResourceServer(app, issuer="https://as.example", resource=ORDERS)


# -- the issuer's published keys: fetched once, refetched on an unknown kid, rate-limited ----


@pytest.fixture
def key_issuer():
    """An issuer publishing a JWK set that the test changes, counting JWKS fetches."""
    app = Flask(__name__)
    state = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "kid": "k1"}],
             "hits": 0, "garbage": False}

    @app.get("/.well-known/oauth-authorization-server")
    def metadata():
        return jsonify(issuer=request.host_url.rstrip("/"),
                       jwks_uri=request.host_url + "jwks")

    @app.get("/jwks")
    def jwks():
        state["hits"] += 1
        return "garbage" if state["garbage"] else jsonify(keys=state["keys"])

    server = LiveServer(app).start()
    yield server.url, state
    server.stop()


def _remote(url: str, clock: Clock):
    from flask_oauth_provider.remote_issuer import RemoteIssuer

    return RemoteIssuer(url, jwks_refresh_interval=60, clock=clock)


def test_keys_are_fetched_once(key_issuer):
    url, state = key_issuer
    remote = _remote(url, Clock())
    assert [key["kid"] for key in remote.keys("k1")] == ["k1"]
    remote.keys("k1")
    remote.keys()
    assert state["hits"] == 1


def test_unknown_kid_refetches_at_most_once_per_interval(key_issuer):
    url, state = key_issuer
    clock = Clock()
    remote = _remote(url, clock)
    remote.keys("k1")
    state["keys"].append({"kty": "OKP", "crv": "Ed25519", "x": "BBBB", "kid": "k2"})
    for forged in ("x1", "x2", "x3", "k2"):
        remote.keys(forged)
    assert state["hits"] == 1  # within the interval: no refetch, however many kids
    clock.now += 61
    assert "k2" in [key["kid"] for key in remote.keys("k2")]
    assert state["hits"] == 2


def test_garbage_on_refetch_keeps_the_known_keys(key_issuer):
    url, state = key_issuer
    clock = Clock()
    remote = _remote(url, clock)
    remote.keys()
    state["garbage"] = True
    clock.now += 61
    assert [key["kid"] for key in remote.keys("k9")] == ["k1"]


def test_garbage_keys_at_first_fetch_is_unavailable(key_issuer):
    from flask_oauth_provider.remote_issuer import IssuerUnavailable

    url, state = key_issuer
    state["garbage"] = True
    with pytest.raises(IssuerUnavailable):
        _remote(url, Clock()).keys()
