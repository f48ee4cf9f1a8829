"""The DPoP proof ``jti`` in the app's replay cache (RFC 9449 §11.1): namespace ``dpop``,
remembered until the proof's lifetime ends, shared by every app object (worker) on the
same cache, and an unreachable cache fails closed (503, never a 500, never accepted)."""

from __future__ import annotations

import time

import pytest

from flask_oauth_provider.replay import MemoryReplayCache, ReplayCacheUnavailable
from tests.dpop.conftest import TOKEN_URL, Caller, make_app
from tests.dpop.dpop_support import ProofKey


class Recording(MemoryReplayCache):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list = []

    def first_use(self, namespace, value, expires_at):
        self.calls.append((namespace, value, expires_at))
        return super().first_use(namespace, value, expires_at)


class Down:
    def first_use(self, namespace, value, expires_at):
        raise ReplayCacheUnavailable(description="down")


@pytest.fixture
def apps(test_database, tables):
    made = []

    def make(**config):
        app = make_app(test_database, **config)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()


def test_jti_goes_to_the_dpop_namespace_for_the_proof_lifetime(apps):
    cache = Recording()
    caller = Caller(apps(REPLAY_CACHE=cache, DPOP_PROOF_LIFETIME=90))
    iat = int(time.time()) - 5
    proof = ProofKey().proof("POST", TOKEN_URL, jti="the-jti", iat=iat)
    answer = caller.token([("grant_type", "client_credentials")], proof)
    assert answer.status_code == 200, answer.json
    assert cache.calls == [("dpop", "the-jti", iat + 90)]


def test_two_workers_on_one_cache_see_one_set_of_jti(apps):
    cache = MemoryReplayCache()
    one, two = apps(REPLAY_CACHE=cache), apps(REPLAY_CACHE=cache)
    proof = ProofKey().proof("POST", TOKEN_URL)
    assert Caller(one).token([("grant_type", "client_credentials")], proof).status_code == 200
    again = Caller(two).token([("grant_type", "client_credentials")], proof)
    assert again.status_code == 400
    assert again.json["error"] == "invalid_dpop_proof"


def test_database_cache_refuses_a_replay_across_app_objects(apps):
    # The default cache: the database, shared by every process on it.
    one, two = apps(), apps()
    proof = ProofKey().proof("POST", TOKEN_URL)
    assert Caller(one).token([("grant_type", "client_credentials")], proof).status_code == 200
    assert Caller(two).token([("grant_type", "client_credentials")], proof).json[
        "error"] == "invalid_dpop_proof"


def test_an_unreachable_cache_fails_closed(apps):
    caller = Caller(apps(REPLAY_CACHE=Down()))
    key = ProofKey()
    answer = caller.token([("grant_type", "client_credentials")], key.proof("POST", TOKEN_URL))
    assert answer.status_code == 503
    assert answer.json["error"] == "temporarily_unavailable"
    token = caller.login().json["access_token"]  # no proof: no cache needed
    assert caller.call(token, None, scheme="Bearer").status_code == 200


def test_redis_cache_refuses_a_replay_across_app_objects(apps):
    import os

    from tests.replay.replay_support import REDIS_URL, REQUIRE_REDIS_ENV

    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get(REQUIRE_REDIS_ENV) == "1":
            pytest.fail(f"no Redis server at {REDIS_URL} ({type(exc).__name__})")
        pytest.skip(f"no Redis server at {REDIS_URL}")
    # Random jti values: the keys cannot collide with other runs, and expire on their own.
    one, two = apps(REPLAY_CACHE=REDIS_URL), apps(REPLAY_CACHE=REDIS_URL)
    proof = ProofKey().proof("POST", TOKEN_URL)
    assert Caller(one).token([("grant_type", "client_credentials")], proof).status_code == 200
    assert Caller(two).token([("grant_type", "client_credentials")], proof).json[
        "error"] == "invalid_dpop_proof"
