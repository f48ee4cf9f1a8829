"""pytest plugin for the child process that runs oauthlib's tests on our core.

Loaded with ``-p oauthlib_suite_plugin``: installs :mod:`oauthlib_shim` before any
test module is imported, and writes each test's outcome to the JSON file named by
``OAUTHLIB_SUITE_RESULTS``: ``{"outcomes": {nodeid: "passed" | "failed" | "skipped"},
"collection_errors": [...], "foreign_modules": [...]}``. ``foreign_modules`` lists
real oauthlib modules that got loaded despite the shim (the parent fails if any did).
"""

from __future__ import annotations

import json
import os

import oauthlib_shim

_outcomes: dict = {}
_collection_errors: list = []


def pytest_configure(config):
    oauthlib_shim.install()


def pytest_collectreport(report):
    if report.failed:
        _collection_errors.append(report.nodeid)


def pytest_runtest_logreport(report):
    previous = _outcomes.get(report.nodeid)
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and previous is None:
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call" and report.passed and previous is None:
        _outcomes[report.nodeid] = "passed"


def pytest_sessionfinish(session, exitstatus):
    path = os.environ["OAUTHLIB_SUITE_RESULTS"]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"outcomes": _outcomes, "collection_errors": _collection_errors,
                   "foreign_modules": oauthlib_shim.foreign_oauthlib_modules()},
                  handle, indent=1, sort_keys=True)
