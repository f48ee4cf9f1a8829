"""Side process: measure the floor and one app that cannot share the main process.

Three uses: Flask-OAuthlib, which needs oauthlib < 3 first on ``sys.path``;
django-oauth-toolkit, whose Django settings are global to a process (it is measured
beside a bare-Django floor, see ``peer_dot.py``); and our provider from another source
tree (``--patched-ours DIR``: the product with proposed patches applied), which would
clash with the installed one. The child measures the floor and the app side by side,
exactly as the main process does, and prints JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional

from . import harness
from .db import postgres_target, sqlite_target
from .floor import Floor


def _benches(kind: str, target: Any, label: str) -> list[harness.BenchApp]:
    if kind == "dot":
        from .peer_dot import DjangoFloor, DotApp

        floor: harness.BenchApp = DjangoFloor(target)
        dot: harness.BenchApp = DotApp(target)
        dot.name = label
        return [floor, dot]
    return [Floor(target), _app(kind, target, label)]


def _app(kind: str, target: Any, label: str) -> harness.BenchApp:
    if kind == "flask-oauthlib":
        from .peer_flask_oauthlib import FlaskOAuthlibApp

        bench: harness.BenchApp = FlaskOAuthlibApp(target)
    else:
        from .ours import Ours

        bench = Ours(target)
    bench.name = label
    return bench


def _versions(kind: str) -> dict:
    if kind == "dot":
        from .peer_dot import versions

        return versions()
    if kind == "flask-oauthlib":
        import flask_oauthlib
        import oauthlib

        return {"Flask-OAuthlib": getattr(flask_oauthlib, "__version__", "?"),
                "oauthlib (child)": oauthlib.__version__}
    import flask_oauth_provider

    return {"flask_oauth_provider (child)": flask_oauth_provider.__version__}


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.child")
    p.add_argument("--app", choices=["flask-oauthlib", "dot", "ours"], required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    p.add_argument("--pg-url", required=True)
    p.add_argument("--reps", type=int, required=True)
    p.add_argument("--calls", type=int, required=True)
    args = p.parse_args(argv)
    schema = "oauth_bench_child_" + args.app.replace("-", "_")
    target = (sqlite_target("child") if args.db == "sqlite"
              else postgres_target(schema, args.pg_url))
    if target is None:
        print(json.dumps({"error": "database not reachable"}))
        return 0
    try:
        benches = _benches(args.app, target, args.label)
        tokens = {b.name: b.new_access_tokens(20) for b in benches}
        flows = [f for f in ("token", "code", "refresh", "protected")
                 if any(f in b.flows for b in benches)]
        samples = harness.measure(benches, flows,
                                  args.reps, args.calls, tokens,
                                  log=lambda m: print(m, file=sys.stderr))
        counts = {}  # after timing: listening to an engine slows it down a little
        for b in benches:
            # Python calls first: SQL counting leaves event dispatch on the engine
            calls = {flow: harness.count_python_calls(b, flow, tokens[b.name])
                     for flow in b.flows}
            for flow in b.flows:
                c = harness.count_flow(b, flow, tokens[b.name])
                counts[f"{flow}|{b.name}"] = [c.n, c.commits, c.summary(), calls[flow]]
        out = {"versions": _versions(args.app),
               "samples": {f"{f}|{n}": [s.values, s.cpu] for (f, n), s in samples.items()},
               "counts": counts}
        print(json.dumps(out))
    finally:
        target.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
