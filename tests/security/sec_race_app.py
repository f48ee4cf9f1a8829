"""The WSGI app the gunicorn workers of ``test_sec_races.py`` serve.

It is the suite's provider app (``sec_app.create_app``) on the database the test prepared:
``SEC_RACE_DATABASE_URL`` and, for PostgreSQL, ``SEC_RACE_SEARCH_PATH`` (the test's
private schema). ``/_pid`` tells the test which worker answered.
"""

from __future__ import annotations

import os

from tests.helpers.database import TestDatabase
from tests.security.sec_app import create_app

_options = {}
if os.environ.get("SEC_RACE_SEARCH_PATH"):
    _options = {"connect_args": {"options": "-csearch_path=" + os.environ["SEC_RACE_SEARCH_PATH"]}}

app = create_app(TestDatabase(os.environ["SEC_RACE_DATABASE_URL"], _options))


@app.get("/_pid")
def pid() -> str:
    return str(os.getpid())
