"""Apps whose replay cache is each backend, for tests/replay (and the race's workers).

``make_app(kind, ...)`` builds a Flask app with a provider whose
``OAUTH2_PROVIDER_REPLAY_CACHE`` selects the backend: ``"database"`` (the bundled
models of ``tests.helpers.sqla_models``, whose metadata holds the replay table),
``"redis"`` (a ``redis://`` URL) or ``"memory"``. Importable by a spawned process.
"""

from __future__ import annotations

import os
import time
from typing import Any, Optional

from flask import Flask

REDIS_URL = os.environ.get("OAUTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Set by .ci/run: the Redis tests fail instead of skipping when Redis is absent.
REQUIRE_REDIS_ENV = "OAUTH_REQUIRE_REDIS"


def make_app(kind: str, database_url: Optional[str] = None,
             engine_options: Optional[dict] = None, setting: Any = None) -> Flask:
    """An app whose provider's replay cache is ``kind``'s backend (``setting`` overrides
    the config value, e.g. a Redis URL; ``kind="unset"`` leaves the key out)."""
    from flask_sqlalchemy import SQLAlchemy

    from flask_oauth_provider import OAuth2Provider
    from tests.helpers.sqla_models import MODELS

    app = Flask(__name__)
    app.config.update(SECRET_KEY="replay-test", OAUTH2_PROVIDER_ISSUER="https://as.example")
    if kind != "unset":
        app.config["OAUTH2_PROVIDER_REPLAY_CACHE"] = setting if setting is not None else {
            "database": "database", "redis": REDIS_URL, "memory": "memory"}[kind]
    oauth = OAuth2Provider(app)
    if database_url is not None:
        app.config.update(SQLALCHEMY_DATABASE_URI=database_url,
                          SQLALCHEMY_ENGINE_OPTIONS=dict(engine_options or {}))
        db = SQLAlchemy()
        db.init_app(app)
        oauth.init_sqlalchemy(db, **MODELS)
    return app


def race_worker(kind: str, database_url: Optional[str], engine_options: Optional[dict],
                namespace: str, values: list[str], expires_at: float,
                start: Any, results: Any) -> None:
    """One worker process of the race: connects, waits at the ``start`` barrier with the
    others, then calls ``first_use`` for every value (in the order given) and puts the
    values it won (True) on ``results``, with its errors and when its calls began and
    ended."""
    from flask_oauth_provider.state import current_state

    app = make_app(kind, database_url, engine_options)
    won, errors = [], []
    with app.app_context():
        cache = current_state().replay_cache
        cache.first_use(namespace + "-warm", "connect", expires_at)  # connect before the start
        start.wait(30)
        began = time.time()
        for value in values:
            try:
                if cache.first_use(namespace, value, expires_at):
                    won.append(value)
            except Exception as exc:  # reported to the test, which fails on it
                errors.append(f"{type(exc).__name__}: {exc}")
        ended = time.time()
    results.put((won, errors, began, ended))
