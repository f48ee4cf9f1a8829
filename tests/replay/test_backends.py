"""What each backend keeps, how it purges, and how it fails: closed, with a log line that
holds neither the value nor its digest."""

from __future__ import annotations

import hashlib
import logging
import threading
import time

import pytest
import sqlalchemy as sa

from flask_oauth_provider.replay import MemoryReplayCache, RedisReplayCache, ReplayCacheUnavailable
from flask_oauth_provider.sqla import DatabaseReplayCache, replay_table
from flask_oauth_provider.state import current_state
from tests.helpers.sqla_models import REPLAY_TABLE
from tests.replay.replay_support import make_app

SECRET_JTI = "jti-that-must-not-be-stored-b2f0c1"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# -- the database --------------------------------------------------------------------------


@pytest.fixture
def db_app(test_database, tables):
    app = make_app("database", test_database.url, test_database.engine_options)
    with app.app_context():
        yield app


def rows(db_engine):
    with db_engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(REPLAY_TABLE))]


def test_database_keeps_the_digest_never_the_value(db_app, db_engine, namespace):
    expires_at = time.time() + 120
    assert current_state().replay_cache.first_use(namespace, SECRET_JTI, expires_at)
    assert rows(db_engine) == [(namespace, digest(SECRET_JTI), int(expires_at) + 1)]


def test_database_row_outlives_the_rollback_of_the_request_session(db_app, db_engine, namespace):
    session = db_app.extensions["sqlalchemy"].session
    session.execute(sa.select(1))  # the request's session has a transaction open
    assert current_state().replay_cache.first_use(namespace, "jti", time.time() + 60)
    session.rollback()
    assert len(rows(db_engine)) == 1
    assert current_state().replay_cache.first_use(namespace, "jti", time.time() + 60) is False


def test_database_replaces_an_expired_row_of_the_same_value(db_app, db_engine, namespace):
    with db_engine.begin() as conn:
        conn.execute(sa.insert(REPLAY_TABLE).values(
            namespace=namespace, digest=digest("jti"), expires_at=int(time.time()) - 5))
    later = time.time() + 60
    assert current_state().replay_cache.first_use(namespace, "jti", later) is True
    assert rows(db_engine) == [(namespace, digest("jti"), int(later) + 1)]
    assert current_state().replay_cache.first_use(namespace, "jti", later) is False


def test_database_purge_deletes_expired_rows_in_bounded_batches(db_app, db_engine, namespace):
    now = int(time.time())
    with db_engine.begin() as conn:
        conn.execute(sa.insert(REPLAY_TABLE), [
            {"namespace": namespace, "digest": digest(str(i)), "expires_at": now - 100 + i}
            for i in range(10)])
    cache = DatabaseReplayCache(db_engine, REPLAY_TABLE, purge_batch=4)
    assert cache.first_use(namespace, "live", now + 60)
    assert cache.purge_expired() == 4
    assert cache.purge_expired() == 4
    assert cache.purge_expired() == 2
    assert cache.purge_expired() == 0
    assert rows(db_engine) == [(namespace, digest("live"), now + 60)]


def test_database_purges_by_itself_every_purge_every_calls(db_app, db_engine, namespace):
    with db_engine.begin() as conn:
        conn.execute(sa.insert(REPLAY_TABLE).values(
            namespace=namespace, digest=digest("old"), expires_at=int(time.time()) - 5))
    cache = DatabaseReplayCache(db_engine, REPLAY_TABLE, purge_every=3)
    later = time.time() + 60
    cache.first_use(namespace, "a", later)
    cache.first_use(namespace, "b", later)
    assert len(rows(db_engine)) == 3
    cache.first_use(namespace, "c", later)  # the third call purges first
    assert sorted(row[1] for row in rows(db_engine)) == sorted(map(digest, "abc"))


def test_database_without_its_table_fails_closed(test_database, tables, caplog, namespace):
    metadata = sa.MetaData()
    missing = replay_table(metadata, name="replay_table_never_created")
    engine = test_database.create_engine()
    try:
        cache = DatabaseReplayCache(engine, missing)
        with caplog.at_level(logging.ERROR, "flask_oauth_provider"):
            with pytest.raises(ReplayCacheUnavailable):
                cache.first_use(namespace, SECRET_JTI, time.time() + 60)
    finally:
        engine.dispose()
    assert "replay cache (database) unavailable" in caplog.text
    assert SECRET_JTI not in caplog.text and digest(SECRET_JTI) not in caplog.text


def test_database_that_is_down_fails_closed(tmp_path, namespace):
    # A SQLite file in a folder that does not exist: every connection attempt fails.
    engine = sa.create_engine(f"sqlite:///{tmp_path}/absent/replay.sqlite")
    cache = DatabaseReplayCache(engine, REPLAY_TABLE)
    with pytest.raises(ReplayCacheUnavailable) as caught:
        cache.first_use(namespace, SECRET_JTI, time.time() + 60)
    assert caught.value.status_code == 503
    engine.dispose()


def test_replay_table_is_declared_once_per_metadata():
    metadata = sa.MetaData()
    table = replay_table(metadata)
    assert replay_table(metadata) is table
    assert table.name == "oauth_replay_cache"
    assert [c.name for c in table.primary_key.columns] == ["namespace", "digest"]


def test_init_sqlalchemy_uses_the_table_the_app_declared(db_app):
    cache = current_state().replay_cache
    assert isinstance(cache, DatabaseReplayCache)
    assert cache.table is REPLAY_TABLE


# -- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_app(redis_client):
    app = make_app("redis")
    with app.app_context():
        yield app


def test_redis_keeps_the_digest_never_the_value(redis_app, redis_client, namespace):
    expires_at = time.time() + 120
    assert current_state().replay_cache.first_use(namespace, SECRET_JTI, expires_at)
    keys = [key.decode() for key in redis_client.scan_iter(
        match=f"{RedisReplayCache.DEFAULT_PREFIX}{namespace}*")]
    assert keys == [f"{RedisReplayCache.DEFAULT_PREFIX}{namespace}:{digest(SECRET_JTI)}"]
    # Redis drops the key itself, at the entry's expiry (to the millisecond).
    assert redis_client.pexpiretime(keys[0]) == pytest.approx(expires_at * 1000, abs=2)


def test_redis_that_is_down_fails_closed(caplog, namespace):
    app = make_app("redis", setting="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with app.app_context(), caplog.at_level(logging.ERROR, "flask_oauth_provider"):
        with pytest.raises(ReplayCacheUnavailable):
            current_state().replay_cache.first_use(namespace, SECRET_JTI, time.time() + 60)
    assert "replay cache (redis) unavailable: ConnectionError" in caplog.text
    assert SECRET_JTI not in caplog.text and digest(SECRET_JTI) not in caplog.text


# -- memory --------------------------------------------------------------------------------


def test_memory_refuses_new_values_when_full_rather_than_forget_live_ones(namespace):
    cache = MemoryReplayCache(max_entries=2)
    later = time.time() + 60
    assert cache.first_use(namespace, "a", later) and cache.first_use(namespace, "b", later)
    with pytest.raises(ReplayCacheUnavailable):
        cache.first_use(namespace, "c", later)
    assert cache.first_use(namespace, "a", later) is False  # still remembered


def test_memory_frees_the_room_of_expired_entries(namespace, monkeypatch):
    cache = MemoryReplayCache(max_entries=2)
    now = time.time()
    assert cache.first_use(namespace, "a", now + 1) and cache.first_use(namespace, "b", now + 1)
    monkeypatch.setattr(time, "time", lambda: now + 2)
    assert len(cache) == 0
    assert cache.first_use(namespace, "c", now + 60)


def test_memory_threads_racing_on_values_win_each_once(namespace):
    cache = MemoryReplayCache()
    values = [f"jti-{i}" for i in range(500)]
    start = threading.Barrier(4)
    won: list[list[str]] = [[] for _ in range(4)]

    def worker(mine: list[str]) -> None:
        start.wait()
        mine.extend(v for v in values if cache.first_use(namespace, v, time.time() + 60))

    threads = [threading.Thread(target=worker, args=(won[i],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(v for mine in won for v in mine) == sorted(values)


def test_memory_max_entries_must_be_positive():
    with pytest.raises(ValueError):
        MemoryReplayCache(max_entries=0)
