"""RFC 9126 §4 one-time use under concurrency: two answers racing with one request_uri
get one code. Runs on the run's database (SQLite, or PostgreSQL / MariaDB with
``OAUTH_TEST_DATABASE_URL``), where the conditional DELETE's row count decides."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session

from flask_oauth_provider.sqla import SQLAlchemyStore
from tests.helpers import LiveServer
from tests.helpers.sqla_models import MODELS, PushedRequest
from tests.par.par_app import authorize_url, push

ROUNDS = 10
RACERS = 4


def test_two_browsers_answering_one_pushed_request_get_one_code(app, web):
    request_uri = push(app.test_client(), web).get_json()["request_uri"]
    live = LiveServer(app).start()
    try:
        url = live.url + authorize_url(web[0], request_uri)
        browsers = []
        for _ in range(2):
            session = requests.Session()
            session.post(live.url + "/login", data={"username": "alice"}, timeout=30)
            page = session.get(url, timeout=30)
            assert page.status_code == 200
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                              page.text).group(1)
            browsers.append((session, token))
        barrier = threading.Barrier(2)

        def answer(browser):
            session, token = browser
            barrier.wait(timeout=30)
            return session.post(url, data={"csrf_token": token, "scope": ["openid", "profile"],
                                           "allow": "x"}, allow_redirects=False, timeout=30)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(answer, browsers))
    finally:
        live.stop()
    codes = [a for a in answers if a.status_code == 303
             and "code=" in urlsplit(a.headers["Location"]).query]
    refused = [a for a in answers if a.status_code == 400 and "Location" not in a.headers]
    assert (len(codes), len(refused)) == (1, 1), [a.status_code for a in answers]


def test_racing_consumers_of_the_store_succeed_once_per_request_uri(app, web, test_database):
    """The store's conditional DELETE, raced by threads with their own sessions and
    connections, ``ROUNDS`` times."""
    engine = test_database.create_engine()
    try:
        request_uris = [push(app.test_client(), web).get_json()["request_uri"]
                        for _ in range(ROUNDS)]
        for request_uri in request_uris:
            barrier = threading.Barrier(RACERS)

            def consume(_, request_uri=request_uri, barrier=barrier):
                with Session(engine) as session:
                    store = SQLAlchemyStore(session, **MODELS, par_model=PushedRequest)
                    barrier.wait(timeout=30)
                    return store.consume_pushed_authorization_request(
                        request_uri, web[0], None)

            with ThreadPoolExecutor(RACERS) as pool:
                results = list(pool.map(consume, range(RACERS)))
            assert results.count(True) == 1, results
    finally:
        engine.dispose()
