"""Races on a real multi-process server (AC-07, RT-04): single-use codes and refresh tokens.

gunicorn with 4 sync workers on 127.0.0.1 over PostgreSQL: 50 concurrent redemptions of
one authorization code give exactly one 200 and 49 ``invalid_grant``; 50 concurrent uses
of one rotating refresh token give exactly one 200; no 5xx in either (RFC 6749 §4.1.2,
§10.5; RFC 9700 §4.14.2). Needs ``OAUTH_TEST_DATABASE_URL=postgresql+psycopg://...``:
SQLite serialises writers and is not what several workers share in production.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import sqlalchemy

from tests.helpers.database import env_database_url, make_test_database
from tests.security.sec_app import REG, create_app, dispose_app
from tests.security.sec_flows import SecEnv

#: The repository root: the gunicorn workers import ``tests.security.sec_race_app`` from it.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKERS = 4
CONCURRENCY = 50

pytestmark = [
    pytest.mark.skipif(
        not (env_database_url() or "").startswith("postgresql"),
        reason="the multi-process race tests need OAUTH_TEST_DATABASE_URL=postgresql+psycopg://"
               "... (several gunicorn workers sharing one database server)",
    ),
    pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None,
                       reason="the multi-process race tests need gunicorn (pip install gunicorn)"),
]


@pytest.fixture(scope="module")
def race_env(tmp_path_factory):
    target = make_test_database(env_database_url(), "")
    app = create_app(target)
    yield SecEnv(app, target)
    dispose_app(app)
    target.close()


@pytest.fixture(scope="module")
def gunicorn(race_env, tmp_path_factory):
    """gunicorn -w 4 serving sec_race_app on a socket bound by the test (no port race)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    port = listener.getsockname()[1]
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = dict(os.environ)
    env["SEC_RACE_DATABASE_URL"] = race_env.target.url
    options = race_env.target.engine_options.get("connect_args", {}).get("options", "")
    env["SEC_RACE_SEARCH_PATH"] = options.replace("-csearch_path=", "")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class",
             "sync", "--bind", f"fd://{listener.fileno()}", "--timeout", "60",
             "--chdir", ROOT, "tests.security.sec_race_app:app"],
            pass_fds=(listener.fileno(),), stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    listener.close()
    url = f"http://127.0.0.1:{port}"
    try:
        pids: set[str] = set()
        deadline = time.monotonic() + 60
        while len(pids) < WORKERS and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                pids.add(requests.get(url + "/_pid", timeout=5).text)
            except requests.RequestException:
                time.sleep(0.2)
        if len(pids) < WORKERS:
            pytest.fail(f"gunicorn did not start {WORKERS} workers (saw {len(pids)}):\n"
                        + log_path.read_text()[-3000:])
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def hammer(url: str, data: dict, headers: dict) -> list[requests.Response]:
    """POST the same request CONCURRENCY times at once (a barrier releases them together)."""
    barrier = threading.Barrier(CONCURRENCY)

    def one(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=60)
            return session.post(url, data=data, headers=headers, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, range(CONCURRENCY)))


def summary(responses: list[requests.Response]) -> dict:
    counts: dict = {}
    for r in responses:
        key = (r.status_code, r.json().get("error") if r.status_code != 200 else "ok")
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_AC_07_concurrent_redemptions_of_one_code_on_four_workers(race_env, gunicorn):
    c1 = race_env.clients.create()
    grant = race_env.get_code(c1)
    responses = hammer(gunicorn + "/oauth/token", {
        "grant_type": "authorization_code", "code": grant.code, "redirect_uri": REG,
        "code_verifier": grant.verifier}, c1.auth())
    counts = summary(responses)
    assert counts.get((200, "ok")) == 1, counts
    assert counts.get((400, "invalid_grant")) == CONCURRENCY - 1, counts
    # The losers were genuine replays (right client, right verifier): RFC 6749 §4.1.2
    # says the tokens issued from the code should be revoked, and they are.
    winner = next(r for r in responses if r.status_code == 200).json()
    assert race_env.introspect(c1, winner["access_token"]).get_json() == {"active": False}


def test_RT_04_concurrent_refreshes_of_one_token_on_four_workers(race_env, gunicorn):
    p1 = race_env.clients.create(public=True)
    tokens = race_env.tokens(p1)
    responses = hammer(gunicorn + "/oauth/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": p1.client_id}, {})
    counts = summary(responses)
    assert counts.get((200, "ok")) == 1, counts
    assert counts.get((400, "invalid_grant")) == CONCURRENCY - 1, counts


def test_concurrent_client_credentials_on_four_workers_all_succeed(race_env, gunicorn):
    c1 = race_env.clients.create(grant_types=["client_credentials"])
    responses = hammer(gunicorn + "/oauth/token", {"grant_type": "client_credentials"},
                       c1.auth())
    assert summary(responses) == {(200, "ok"): CONCURRENCY}
    tokens = {r.json()["access_token"] for r in responses}
    assert len(tokens) == CONCURRENCY
    with race_env.app.app_context():
        from tests.security.sec_app import Token, db

        stored = db.session.scalar(sqlalchemy.select(sqlalchemy.func.count()).select_from(Token))
    assert stored >= CONCURRENCY
