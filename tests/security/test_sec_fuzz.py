"""A bounded fuzzing run over every endpoint (issue 7 "Fuzzing").

Random, malformed and oversized queries, bodies and headers go to the authorization,
token, revocation, introspection and metadata endpoints and to protected views, from an
anonymous and a logged-in browser; ``sec_fuzz.check`` holds the invariants. The number
of cases is ``SEC_FUZZ_EXAMPLES`` (default 1000, well under a minute); ``scripts/fuzz.py
--minutes N`` runs the same harness for longer.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.database import env_database_url, make_test_database
from tests.security.sec_app import dispose_app
from tests.security.sec_fuzz import FuzzWorld, check, requests_, send

EXAMPLES = int(os.environ.get("SEC_FUZZ_EXAMPLES", "1000"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    target = make_test_database(env_database_url(),
                             str(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite"))
    built = FuzzWorld.build(target)
    yield built
    print(f"\nfuzz cases run: {built.cases}")
    dispose_app(built.app)
    target.close()


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_fuzzed_requests_keep_every_invariant(world, data):
    request = data.draw(requests_(world), label="request")
    check(world, request, send(world, request))
