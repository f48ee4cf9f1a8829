"""oauthlib's own server-side tests, run on our core, match the documented list.

The pinned oauthlib sdist is downloaded at test time (see ``oauthlib_suite.py``), its
tests/oauth2/rfc6749 server tests run in a child pytest whose ``oauthlib`` imports
resolve to ``flask_oauth_provider.core`` (``oauthlib_shim.py``), and the outcome is
compared with ``expected_failures.txt``: a test that fails without being listed, or a
listed test that passes, fails here. Needs network access to the package index the
first time on a machine (the verified sdist is then reused from the temp folder).
"""

from __future__ import annotations

import pytest

from tests.compat.oauthlib_suite.oauthlib_suite import (
    EXPECTED_FAILURES,
    extract_server_tests,
    fetch_sdist,
    load_expected_failures,
    run_suite,
)

#: How many server-side tests oauthlib 4.0.1 ships (its own run collects as many).
COLLECTED = 182


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    root = extract_server_tests(fetch_sdist(), tmp_path_factory.mktemp("oauthlib_suite"))
    return run_suite(root)


@pytest.fixture(scope="module")
def expected():
    return load_expected_failures()


def failed(suite) -> set:
    return {node for node, outcome in suite["outcomes"].items() if outcome == "failed"}


def test_every_server_side_test_ran_against_our_core(suite):
    assert suite["collection_errors"] == []
    assert suite["foreign_modules"] == [], "real oauthlib code was imported"
    assert len(suite["outcomes"]) == COLLECTED
    assert "skipped" not in suite["outcomes"].values()


def test_no_test_fails_that_is_not_on_the_expected_list(suite, expected):
    unexpected = sorted(failed(suite) - set(expected))
    assert unexpected == [], (
        "oauthlib tests now failing on our core (fix the regression, or list them with "
        f"their RFC reason in {EXPECTED_FAILURES.name}):\n" + "\n".join(unexpected))


def test_no_test_on_the_expected_list_passes(suite, expected):
    passing = sorted(node for node in expected if suite["outcomes"].get(node) == "passed")
    assert passing == [], (
        f"these pass now, remove them from {EXPECTED_FAILURES.name}:\n" + "\n".join(passing))


def test_every_expected_failure_names_a_collected_test_and_gives_a_reason(suite, expected):
    assert sorted(set(expected) - set(suite["outcomes"])) == []
    assert [node for node, reason in expected.items() if not reason] == []
