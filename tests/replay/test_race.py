"""Two worker processes presenting the same values at the same time, against one database
or one Redis: each value is new exactly once between them (RFC 9449 §11.1: a jti is
accepted once, whichever worker sees it)."""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
import random
import threading
import time
from typing import Callable

import pytest
import sqlalchemy as sa

from tests.replay.replay_support import race_worker

WORKERS = 2
VALUES = [f"jti-{i:04d}" for i in range(300)]


@pytest.fixture(params=["database", "redis"])
def shared_backend(request):
    request.getfixturevalue("tables" if request.param == "database" else "redis_client")
    return request.param


def test_two_processes_racing_on_the_same_values_win_each_once(
        shared_backend, test_database, namespace):
    race(shared_backend, test_database, namespace)


def test_two_processes_racing_to_replace_expired_rows_win_each_once(
        tables, db_engine, test_database, namespace):
    # Every value has an expired row already: the calls take the delete-then-insert path
    # (until a worker's periodic purge clears the rest), and still exactly one of the
    # two workers gets True per value.
    from tests.helpers.sqla_models import REPLAY_TABLE

    def expired_rows(namespace: str) -> None:
        with db_engine.begin() as conn:
            conn.execute(sa.insert(REPLAY_TABLE), [
                {"namespace": namespace, "digest": hashlib.sha256(v.encode()).hexdigest(),
                 "expires_at": int(time.time()) - 10} for v in VALUES])

    race("database", test_database, namespace, prepare=expired_rows)


def race(backend: str, test_database, namespace: str,
         prepare: Callable[[str], None] = lambda namespace: None) -> None:
    """Race the workers on VALUES; again (up to 3 runs, each in a fresh namespace) when
    their calls did not overlap in time, for then there was no race to judge."""
    for attempt in range(3):
        prepare(f"{namespace}-{attempt}")
        reports = run_workers(backend, test_database, f"{namespace}-{attempt}")
        assert [errors for _, errors, _, _ in reports] == [[]] * WORKERS
        won = [value for mine, _, _, _ in reports for value in mine]
        assert sorted(won) == VALUES  # every value won once: none twice, none never
        if max(began for *_, began, _ in reports) < min(ended for *_, ended in reports):
            return
    pytest.fail("in 3 runs, the workers' calls never overlapped: nothing was raced")


def run_workers(backend: str, test_database, namespace: str) -> list[tuple]:
    # spawn: a fresh interpreter per worker, with no connection inherited from this one.
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS + 1), context.Queue()
    # Each worker in an order of its own: they collide all along, not only at the start
    # (in one order, the loser of the first value would trail the winner throughout).
    orders = [random.Random(seed).sample(VALUES, len(VALUES)) for seed in range(WORKERS)]
    workers = [context.Process(target=race_worker, args=(
        backend, test_database.url, test_database.engine_options, namespace,
        order, time.time() + 600, start, results)) for order in orders]
    for worker in workers:
        worker.start()
    try:
        # Released together, once each has connected (its warm-up call).
        start.wait(120)
        return [results.get(timeout=120) for _ in workers]
    except (queue.Empty, threading.BrokenBarrierError):
        pytest.fail("a worker did not start or report within 120 s")
    finally:
        for worker in workers:
            worker.join(30)
            if worker.is_alive():
                worker.terminate()
