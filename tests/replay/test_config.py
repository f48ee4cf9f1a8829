"""``OAUTH2_PROVIDER_REPLAY_CACHE``: checked at init_app, resolved on first use."""

from __future__ import annotations

import logging
import time

import pytest
from flask import Flask

from flask_oauth_provider import OAuth2Provider
from flask_oauth_provider.replay import MemoryReplayCache, RedisReplayCache
from flask_oauth_provider.sqla import DatabaseReplayCache
from flask_oauth_provider.state import current_state
from tests.replay.replay_support import make_app


def provider_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="replay-test", **config)
    OAuth2Provider(app)
    return app


@pytest.mark.parametrize("value", [
    "redis", "Database", "postgresql://db/replay", "memcached://127.0.0.1", 42, "",
    ["memory"], object(), "redis://127.0.0.1:notaport/0",
    MemoryReplayCache,  # the class, not a cache
])
def test_an_invalid_setting_is_refused_at_init_app(value):
    with pytest.raises(ValueError, match="OAUTH2_PROVIDER_REPLAY_CACHE"):
        provider_app(OAUTH2_PROVIDER_REPLAY_CACHE=value)


def test_a_redis_url_with_a_password_is_not_quoted_in_the_error():
    with pytest.raises(ValueError) as caught:
        provider_app(OAUTH2_PROVIDER_REPLAY_CACHE="redis://:hunter2@127.0.0.1:bad/0")
    assert "hunter2" not in str(caught.value)


def test_unset_with_the_bundled_models_is_the_database(test_database, tables):
    app = make_app("unset", test_database.url, test_database.engine_options)
    with app.app_context():
        assert isinstance(current_state().replay_cache, DatabaseReplayCache)


def test_unset_without_the_bundled_models_is_memory_with_a_warning(caplog):
    app = provider_app()
    with app.app_context(), caplog.at_level(logging.WARNING, "flask_oauth_provider"):
        cache = current_state().replay_cache
        assert current_state().replay_cache is cache  # made once per app
    assert isinstance(cache, MemoryReplayCache)
    assert caplog.text.count("replay cache is in this process's memory") == 1


def test_memory_is_chosen_without_a_warning(caplog):
    app = provider_app(OAUTH2_PROVIDER_REPLAY_CACHE="memory")
    with app.app_context(), caplog.at_level(logging.WARNING, "flask_oauth_provider"):
        assert isinstance(current_state().replay_cache, MemoryReplayCache)
    assert "memory" not in caplog.text


def test_database_without_the_bundled_models_says_what_to_do():
    app = provider_app(OAUTH2_PROVIDER_REPLAY_CACHE="database")
    with app.app_context(), pytest.raises(RuntimeError, match="init_sqlalchemy"):
        current_state().replay_cache  # noqa: B018 (the property raises)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/1"])
def test_a_redis_url_is_redis_connected_on_first_call_only(url):
    app = provider_app(OAUTH2_PROVIDER_REPLAY_CACHE=url)
    with app.app_context():
        cache = current_state().replay_cache
    assert isinstance(cache, RedisReplayCache)
    assert cache.client.get_connection_kwargs()["socket_timeout"] == 2.0


def test_an_object_with_first_use_is_the_app_own_cache():
    class Recorder:
        def __init__(self):
            self.calls = []

        def first_use(self, namespace, value, expires_at):
            self.calls.append((namespace, value))
            return len(self.calls) == 1

    mine = Recorder()
    app = provider_app(OAUTH2_PROVIDER_REPLAY_CACHE=mine)
    with app.app_context():
        assert current_state().replay_cache is mine
        assert current_state().replay_cache.first_use("dpop", "x", time.time() + 9)


def test_each_app_has_its_own_cache():
    oauth = OAuth2Provider()
    apps = [Flask("a"), Flask("b")]
    caches = []
    for app in apps:
        app.config.update(SECRET_KEY="x", OAUTH2_PROVIDER_REPLAY_CACHE="memory")
        oauth.init_app(app)
        with app.app_context():
            caches.append(current_state().replay_cache)
    assert caches[0] is not caches[1]
