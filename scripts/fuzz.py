"""Long fuzzing run of the security harness: ``python scripts/fuzz.py --minutes N``.

Runs the hypothesis harness of ``tests/security/sec_fuzz.py`` (every endpoint, random,
malformed and oversized queries, bodies and headers) for N minutes against a fresh
provider app: SQLite in a temporary folder, or the server named by
``OAUTH_TEST_DATABASE_URL`` (in a private schema / database dropped at the end). Stops at
the first broken invariant, printing the shrunk request, and exits 1; exits 0 when the
time is up. ``--seed`` makes a run reproducible.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

#: The repository root, so that ``tests.security`` imports when run as ``python scripts/fuzz.py``.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to run")
    parser.add_argument("--batch", type=int, default=200,
                        help="hypothesis examples per batch (each batch starts a new search)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the first batch")
    args = parser.parse_args(argv)

    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from tests.helpers.database import env_database_url, make_test_database
    from tests.security.sec_app import dispose_app
    from tests.security.sec_fuzz import FuzzWorld, check, requests_, send

    deadline = time.monotonic() + args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        target = make_test_database(env_database_url(), os.path.join(tmp, "fuzz.sqlite"))
        world = FuzzWorld.build(target)
        batch = 0
        try:
            while time.monotonic() < deadline:
                batch += 1
                run_seed = (args.seed or int(time.time())) + batch

                @seed(run_seed)
                @settings(max_examples=args.batch, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
                @given(data=st.data())
                def one_batch(data: st.DataObject) -> None:
                    request = data.draw(requests_(world), label="request")
                    check(world, request, send(world, request))

                try:
                    one_batch()
                except Exception as exc:  # noqa: BLE001 - report and stop
                    print(f"invariant broken in batch {batch} (seed {run_seed}): {exc!r}")
                    print(f"cases run: {world.cases}")
                    return 1
                print(f"batch {batch} done, {world.cases} cases so far", flush=True)
        finally:
            dispose_app(world.app)
            target.close()
    print(f"no invariant broken; cases run: {world.cases}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
