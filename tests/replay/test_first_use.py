"""``first_use`` on every backend, through ``current_state().replay_cache`` in an app:
the behaviour RFC 9449 §11.1 and RFC 7523 §3 ask of a jti store."""

from __future__ import annotations

import time

import pytest

from flask_oauth_provider.core import errors
from flask_oauth_provider.replay import ReplayCache
from flask_oauth_provider.state import current_state


def cache() -> ReplayCache:
    return current_state().replay_cache


def test_the_accessor_gives_one_cache_per_app_with_first_use(cache_app):
    assert cache() is cache()
    assert isinstance(cache(), ReplayCache)


def test_a_value_is_new_once_then_a_replay(cache_app, namespace):
    later = time.time() + 300
    assert cache().first_use(namespace, "jti-1", later) is True
    assert cache().first_use(namespace, "jti-1", later) is False
    assert cache().first_use(namespace, "jti-1", later + 600) is False


def test_another_value_is_new(cache_app, namespace):
    later = time.time() + 300
    assert cache().first_use(namespace, "jti-1", later) is True
    assert cache().first_use(namespace, "jti-2", later) is True
    assert cache().first_use(namespace, "JTI-1", later) is True  # values are exact


def test_the_same_value_in_another_namespace_is_new(cache_app, namespace):
    later = time.time() + 300
    assert cache().first_use(namespace + "-dpop", "jti-1", later) is True
    assert cache().first_use(namespace + "-assertion", "jti-1", later) is True
    assert cache().first_use(namespace + "-dpop", "jti-1", later) is False


def test_a_value_expiring_in_the_past_is_not_remembered(cache_app, namespace):
    earlier = time.time() - 1
    assert cache().first_use(namespace, "jti-1", earlier) is True
    assert cache().first_use(namespace, "jti-1", earlier) is True
    # ... and does not block recording it for real afterwards.
    assert cache().first_use(namespace, "jti-1", time.time() + 300) is True
    assert cache().first_use(namespace, "jti-1", time.time() + 300) is False


def test_a_value_is_new_again_after_its_entry_expired(cache_app, backend, namespace,
                                                      monkeypatch):
    if backend == "redis":
        # Redis expires keys by its own clock: a short wait, not a patched clock.
        soon = time.time() + 0.2
        assert cache().first_use(namespace, "jti-1", soon) is True
        assert cache().first_use(namespace, "jti-1", soon) is False
        while time.time() < soon + 0.05:
            time.sleep(0.05)
    else:
        now = time.time()
        assert cache().first_use(namespace, "jti-1", now + 10) is True
        assert cache().first_use(namespace, "jti-1", now + 10) is False
        monkeypatch.setattr(time, "time", lambda: now + 11)  # the entry's time has come
    assert cache().first_use(namespace, "jti-1", time.time() + 300) is True
    assert cache().first_use(namespace, "jti-1", time.time() + 300) is False


@pytest.mark.parametrize("namespace_arg, value, expires_at", [
    ("", "jti", 1e10),                  # empty namespace
    ("DPoP", "jti", 1e10),              # upper case (a case-blind collation would merge)
    ("n" * 65, "jti", 1e10),            # longer than the column
    ("dpop jti", "jti", 1e10),          # a space
    (None, "jti", 1e10),
    ("dpop", b"jti", 1e10),             # bytes, not str
    ("dpop", None, 1e10),
    ("dpop", "jti", "1e10"),            # a string, not a timestamp
    ("dpop", "jti", float("nan")),
    ("dpop", "jti", float("inf")),
    ("dpop", "jti", True),
])
def test_malformed_arguments_are_a_value_error(cache_app, namespace_arg, value, expires_at):
    with pytest.raises(ValueError):
        cache().first_use(namespace_arg, value, expires_at)


def test_the_namespace_may_hold_digits_and_separators(cache_app, namespace):
    assert cache().first_use("dpop:v1_a.b-c", namespace, time.time() + 60) is True


def test_an_unavailable_store_is_temporarily_unavailable_not_new():
    # The error callers turn into a 503 (RFC 6749 §5.2 temporarily_unavailable).
    from flask_oauth_provider.replay import ReplayCacheUnavailable

    error = ReplayCacheUnavailable()
    assert isinstance(error, errors.TemporarilyUnavailableError)
    assert (error.error, error.status_code) == ("temporarily_unavailable", 503)
