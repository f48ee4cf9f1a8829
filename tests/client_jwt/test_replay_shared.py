"""RFC 7523 §3 item 7: a client assertion's jti is single-use across workers. Two apps
over one database stand for two processes; they share the replay store of
``OAUTH2_PROVIDER_REPLAY_CACHE`` (the database, or Redis at 127.0.0.1:6379)."""

from __future__ import annotations

import os

import pytest

from tests.client_jwt.conftest import assertion, assertion_form, key_client
from tests.replay.replay_support import REDIS_URL, REQUIRE_REDIS_ENV


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get(REQUIRE_REDIS_ENV) == "1":
            pytest.fail(f"no Redis at {REDIS_URL} ({type(exc).__name__})")
        pytest.skip(f"no Redis at {REDIS_URL}")
    finally:
        client.close()


@pytest.mark.parametrize("store", ["database", "redis"])
def test_an_assertion_used_at_one_worker_is_refused_at_another(app_factory, client_key,
                                                               store):
    if store == "redis":
        _redis_or_skip()
    setting = "database" if store == "database" else REDIS_URL
    first, second = (app_factory(REPLAY_CACHE=setting) for _ in range(2))
    client_id = key_client(first, client_key)
    form = assertion_form(assertion(client_id, client_key), grant_type="client_credentials")
    assert first.test_client().post("/oauth/token", data=form).status_code == 200
    again = second.test_client().post("/oauth/token", data=form)
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_client"
