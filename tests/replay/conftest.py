"""Fixtures of tests/replay: an app per replay cache backend, Redis, a fresh namespace.

``cache_app`` runs a test once per backend: the database (SQLite, or the server of
``OAUTH_TEST_DATABASE_URL``), Redis at 127.0.0.1:6379, and memory. Without a Redis
server the Redis runs skip, or fail when ``OAUTH_REQUIRE_REDIS=1`` (as in CI).
"""

from __future__ import annotations

import os
import uuid

import pytest

from flask_oauth_provider.replay import RedisReplayCache
from tests.replay.replay_support import REDIS_URL, REQUIRE_REDIS_ENV, make_app


@pytest.fixture
def namespace():
    """A namespace no other test (or run) uses, so Redis keys never collide."""
    return "test-" + uuid.uuid4().hex[:16]


@pytest.fixture
def redis_client(namespace):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"no Redis server at {REDIS_URL} ({type(exc).__name__})"
        if os.environ.get(REQUIRE_REDIS_ENV) == "1":
            pytest.fail(message + f", and {REQUIRE_REDIS_ENV}=1")
        pytest.skip(message)
    try:
        yield client
    finally:
        # This test's keys (and its "-warm" namespace's) go; no one else's.
        pattern = f"{RedisReplayCache.DEFAULT_PREFIX}{namespace}*"
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(params=["database", "redis", "memory"])
def backend(request):
    """The backend's name; the fixtures it needs are set up."""
    if request.param == "database":
        request.getfixturevalue("tables")
    elif request.param == "redis":
        request.getfixturevalue("redis_client")
    return request.param


@pytest.fixture
def cache_app(backend, test_database):
    """An app whose OAUTH2_PROVIDER_REPLAY_CACHE selects ``backend``; an app context
    is pushed."""
    app = make_app(backend, test_database.url, test_database.engine_options)
    with app.app_context():
        yield app
