"""A worker's resident memory over many requests, measured in a child process.

``python -m benchmarks.memory`` builds one app (ours by default) on a fresh database and
serves it requests the way a worker would, straight through its WSGI callable: blocks
of 100 protected GETs and 10 token requests (client_credentials), 1,000 blocks in all —
10^5 protected calls and 10^4 token requests. The resident set size (``VmRSS``, after a
full garbage collection) is read after the first 10 blocks (10^3 protected calls and
10^2 token requests: imports done, caches and pools warm) and after every 100 blocks;
growth past the first reading is what a per-request leak (an unbounded cache, a list
that keeps every request) would show. Requests are built block by block, so the
benchmark's own inputs do not pile up in the measured process. The run stops at
``--time-limit`` seconds and reports how far it got; the parent also bounds it with a
timeout. Prints JSON on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from typing import Any, Optional

from . import harness
from .db import DEFAULT_PG_URL, postgres_target, sqlite_target

BLOCK_PROTECTED = 100
BLOCK_TOKEN = 10
BLOCKS = 1000
FIRST_BLOCKS = 10
EVERY = 100


def rss_kib() -> int:
    """This process's resident set size in KiB (Linux ``/proc``; else the peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _bench(app: str, target: Any) -> harness.BenchApp:
    if app == "floor":
        from .floor import Floor

        return Floor(target)
    from .ours import Ours

    return Ours(target)


def run(bench: harness.BenchApp, blocks: int, time_limit: float) -> dict:
    tokens = bench.new_access_tokens(20)
    readings: list[tuple[int, int, int]] = []  # (protected calls, token calls, KiB)
    started = time.monotonic()
    protected = token = 0
    for block in range(1, blocks + 1):
        envs = harness.flow_envs(bench, "protected", BLOCK_PROTECTED, tokens)
        envs += bench.token_envs(BLOCK_TOKEN)
        responses = [harness.wsgi_call(bench.app, env) for env in envs]
        harness.check(responses, f"{bench.name} memory run")
        del envs, responses
        protected += BLOCK_PROTECTED
        token += BLOCK_TOKEN
        if block == FIRST_BLOCKS or block % EVERY == 0 or block == blocks:
            gc.collect()
            readings.append((protected, token, rss_kib()))
        if time.monotonic() - started > time_limit:
            gc.collect()
            readings.append((protected, token, rss_kib()))
            break
    first = next(r for r in readings if r[0] >= FIRST_BLOCKS * BLOCK_PROTECTED)
    last = readings[-1]
    return {"app": bench.name, "readings": readings, "first_kib": first[2],
            "last_kib": last[2], "growth": last[2] / first[2] - 1,
            "protected": protected, "token": token,
            "complete": block == blocks, "seconds": time.monotonic() - started}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    p.add_argument("--app", choices=["ours", "floor"], default="ours")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--blocks", type=int, default=BLOCKS)
    p.add_argument("--time-limit", type=float, default=300.0)
    args = p.parse_args(argv)
    target = (sqlite_target("memory") if args.db == "sqlite"
              else postgres_target("oauth_bench_memory", args.pg_url))
    if target is None:
        print(json.dumps({"error": "database not reachable"}))
        return 0
    try:
        out = run(_bench(args.app, target), max(args.blocks, FIRST_BLOCKS), args.time_limit)
    finally:
        target.drop()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
