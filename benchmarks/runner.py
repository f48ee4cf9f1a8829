"""``python -m benchmarks``: build the apps, measure them side by side, write results.md."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from importlib import metadata
from typing import Optional

import sqlalchemy as sa

from . import harness, load, report, scale
from .db import DEFAULT_PG_URL, Target, postgres_target, sqlite_target
from .floor import Floor
from .peer_authlib import AuthlibApp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FOL_SITE_ENV = "BENCH_FLASK_OAUTHLIB_SITE"

FULL = {"reps": 5, "calls": 100, "sizes": (10**3, 10**5, 10**6), "scale_reps": 5,
        "scale_calls": 100, "load_s": 10, "workers": (2, 4), "load_rounds": 2,
        "memory_blocks": 1000, "memory_s": 900}
QUICK = {"reps": 5, "calls": 40, "sizes": (10**3, 10**4), "scale_reps": 5,
         "scale_calls": 40, "load_s": 2, "workers": (2,), "load_rounds": 1,
         "memory_blocks": 50, "memory_s": 60}


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="few calls, 10^3/10^4 tokens, 2 s load runs (about a minute or two)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--reps", type=int, help="repetitions (at least 5)")
    p.add_argument("--calls", type=int, help="calls per repetition")
    p.add_argument("--apps", default="floor,Authlib,ours",
                   help="comma-separated subset of floor,Authlib,ours (the floor is always run)")
    p.add_argument("--no-scale", action="store_true", help="skip the 10^3..10^6 tokens run")
    p.add_argument("--no-load", action="store_true", help="skip the gunicorn run")
    p.add_argument("--no-profile", action="store_true", help="skip pyinstrument profiles")
    p.add_argument("--no-dot", action="store_true",
                   help="skip django-oauth-toolkit (measured in a side process when installed)")
    p.add_argument("--no-memory", action="store_true",
                   help="skip the resident-memory run (a child process)")
    p.add_argument("--memory-db", choices=["sqlite", "postgresql", "all"], default="sqlite",
                   help="database(s) of the resident-memory run (default: sqlite)")
    p.add_argument("--no-dpop", action="store_true",
                   help="skip the DPoP rows (benchmarks.dpop)")
    p.add_argument("--no-jwt", action="store_true",
                   help="skip the JWT access token rows (benchmarks.jwt_tokens)")
    p.add_argument("--no-par", action="store_true",
                   help="skip the PAR + code flow rows (benchmarks.par)")
    p.add_argument("--no-openid", action="store_true",
                   help="skip the OpenID Connect code exchange rows (benchmarks.openid_rows)")
    p.add_argument("--flask-oauthlib-site", default=os.environ.get(FOL_SITE_ENV),
                   help="directory with oauthlib<3 for the Flask-OAuthlib side process")
    p.add_argument("--patched-ours", action="append", default=[], metavar="LABEL=DIR",
                   help="also measure the flask_oauth_provider found in DIR (say, with "
                        "proposed patches applied) in a side process, labelled LABEL")
    p.add_argument("--note", action="append", default=[],
                   help="a line for the results' notes (say, what a --patched-ours tree is)")
    p.add_argument("--budget", type=int, metavar="SECONDS",
                   help="skip the remaining optional parts (profiles, gunicorn, 10^6 run, "
                        "side processes, memory) once this much time has passed (default: "
                        "1500 for a full run, 300 for --quick)")
    p.add_argument("--output", help="results file (default: benchmarks/results.md for a "
                                    "full run, none for --quick)")
    args = p.parse_args(argv)
    if args.reps is not None and args.reps < 5:
        p.error("--reps must be at least 5")
    return args


def _version(dist: str, side: Optional[str] = None) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    for found in metadata.distributions(path=[side] if side else []):
        if (found.metadata["Name"] or "").lower() == dist.lower():
            return f"{found.version} (in the side directory only)"
    return "not installed"


def versions(pg: Optional[Target], fol_site: Optional[str] = None) -> dict:
    out = {"Python": platform.python_version(), "platform": platform.platform(),
           "CPUs": str(os.cpu_count())}
    for dist in ("flask-oauth-provider", "Flask", "Werkzeug", "SQLAlchemy", "Flask-SQLAlchemy",
                 "Authlib", "oauthlib", "Flask-OAuthlib", "Django", "django-oauth-toolkit",
                 "psycopg", "gunicorn", "pyinstrument"):
        out[dist] = _version(dist, fol_site if dist == "Flask-OAuthlib" else None)
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        out["flask-oauth-provider"] += f" (git {rev})"
    except (OSError, subprocess.SubprocessError):
        pass
    out["SQLite"] = sqlite3.sqlite_version
    if pg is not None:
        engine = sa.create_engine(pg.url)
        try:
            with engine.connect() as conn:
                out["PostgreSQL"] = conn.execute(sa.text("SHOW server_version")).scalar()
        finally:
            engine.dispose()
    if shutil.which("wrk"):
        r = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
        out["wrk"] = (r.stdout + r.stderr).split("\n")[0].strip()
    return out


def flask_oauthlib_status(site: Optional[str]) -> str:
    """Whether Flask-OAuthlib imports beside this environment's oauthlib; the error if not.

    When it is not installed here but lives in ``site`` (the side directory), it is
    imported from there with ``site`` *last* on sys.path, so that this environment's
    oauthlib is the one it meets.
    """
    try:
        import flask_oauthlib.provider  # noqa: F401
    except ModuleNotFoundError as exc:
        if not site or exc.name != "flask_oauthlib":
            return f"{exc.__class__.__name__}: {exc}"
        code = (f"import sys; sys.path.append({site!r}); "
                "import flask_oauthlib.provider")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
        if proc.returncode == 0:
            return "imports"
        return proc.stderr.strip().splitlines()[-1]
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return f"{exc.__class__.__name__}: {exc}"
    return "imports"


def run_child(app: str, label: str, db: str, path: str, args: argparse.Namespace,
              cfg: dict) -> dict:
    """Measure ``app`` and the floor in a side process with ``path`` first on sys.path.

    Flask-OAuthlib: ``path`` holds oauthlib < 3. Our provider: ``path`` is a source tree
    whose ``flask_oauth_provider`` replaces the installed one (it is the child's working
    directory, which comes first on sys.path).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [path if app == "flask-oauthlib" else "", ROOT,
                                                    env.get("PYTHONPATH", "")] if p)
    cwd = path if app == "ours" else ROOT
    cmd = [sys.executable, "-m", "benchmarks.child", "--app", app, "--label", label,
           "--db", db, "--pg-url", args.pg_url, "--reps", str(cfg["reps"]),
           "--calls", str(cfg["calls"])]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {"error": "side process failed: " + report.without_machine_paths(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def dot_status() -> str:
    """Whether django-oauth-toolkit can be imported here (it is measured in a child)."""
    try:
        import django  # noqa: F401
        import oauth2_provider  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return f"{exc.__class__.__name__}: {exc}"
    return "imports"


def run_memory(kind: str, args: argparse.Namespace, cfg: dict) -> dict:
    """The resident-memory run of ours on ``kind``, in a child bounded in time."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [ROOT, env.get("PYTHONPATH", "")] if p)
    cmd = [sys.executable, "-m", "benchmarks.memory", "--db", kind, "--pg-url", args.pg_url,
           "--blocks", str(cfg["memory_blocks"]), "--time-limit", str(cfg["memory_s"])]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=cfg["memory_s"] + 180)
    except subprocess.TimeoutExpired:
        return {"error": f"memory run did not end within {cfg['memory_s'] + 180} s"}
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {"error": "memory run failed: " + report.without_machine_paths(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_benches(target: Target, res: report.Results, apps: str) -> list:
    wanted = set(apps.split(","))
    benches: list = [Floor(target)]
    if "Authlib" in wanted:
        benches.append(AuthlibApp(target))
    if "ours" in wanted:
        try:
            from .ours import Ours

            benches.append(Ours(target))
        except Exception as exc:  # noqa: BLE001 - report it and measure the others
            traceback.print_exc()
            res.notes.append(f"our provider could not be set up on {target.label}: "
                             f"{exc.__class__.__name__}: {exc}")
    return benches


def within_budget(cfg: dict, res: report.Results, what: str) -> bool:
    """False (and a note in the results) once the run has used its time budget."""
    elapsed = time.monotonic() - cfg["started"]
    if elapsed <= cfg["budget_s"]:
        return True
    res.notes.append(f"skipped {what}: the run had used {elapsed:.0f} s of its "
                     f"{cfg['budget_s']} s budget (--budget)")
    return False


def run_db(kind: str, args: argparse.Namespace, cfg: dict, res: report.Results) -> None:
    target = (sqlite_target("main") if kind == "sqlite"
              else postgres_target("oauth_bench", args.pg_url))
    if target is None:
        res.notes.append(f"{kind}: not reachable at {args.pg_url}; skipped")
        return
    label = target.label
    try:
        _log(f"{label}: setting up the apps")
        benches = build_benches(target, res, args.apps)
        tokens = {b.name: b.new_access_tokens(20) for b in benches}
        _log(f"{label}: in-process, {cfg['reps']} × {cfg['calls']} calls")
        samples = harness.measure(benches, ["token", "code", "refresh", "protected"],
                                  cfg["reps"], cfg["calls"], tokens, log=_log)
        res.inproc[label] = samples
        if not args.no_profile:  # before SQL counting, which leaves events on the engine
            from .profile import call_breakdown

            for b in benches:
                if b.name in ("floor", "ours"):
                    for flow in ("protected", "token"):
                        res.breakdown[(label, flow, b.name)] = call_breakdown(
                            b, flow, tokens[b.name])
        counts = {}  # after timing: listening to an engine slows it down a little
        for b in benches:
            # Python calls first: SQL counting leaves event dispatch on the engine
            calls = {flow: harness.count_python_calls(b, flow, tokens[b.name])
                     for flow in b.flows}
            for flow in b.flows:
                c = harness.count_flow(b, flow, tokens[b.name])
                counts[(flow, b.name)] = (c.n, c.commits, c.summary(), calls[flow])
        res.counts[label] = counts

        ours = next((b for b in benches if b.name == "ours"), None)
        if ours is not None and not args.no_profile and within_budget(cfg, res, "profiles"):
            for flow, limit in (("token", report.TOKEN_RATIO_MAX),
                                ("protected", report.PROTECTED_RATIO_MAX)):
                r, _ = harness.paired_ratio(samples[(flow, "ours")], samples[(flow, "floor")])
                if r > limit or flow == "protected":
                    from .profile import profile_flow

                    _log(f"{label}: ours {flow} is {r:.2f}× the floor: profiling")
                    by_self, by_total, _ = profile_flow(ours, flow, max(200, cfg["calls"]),
                                                        tokens["ours"])
                    res.profiles.append((label, flow, by_self, by_total))

        if (not args.no_load and kind == "postgresql"
                and within_budget(cfg, res, "gunicorn run")):
            _log(f"{label}: gunicorn, {cfg['load_s']} s per run ({load.generator_name()})")
            res.load[label] = load.run(benches, target, cfg["workers"], cfg["load_s"],
                                       log=_log, rounds=cfg["load_rounds"])
    finally:
        target.drop()

    if not args.no_scale and within_budget(cfg, res, f"{label} 10^3..10^6 run"):
        scale_target = (sqlite_target("scale") if kind == "sqlite"
                        else postgres_target("oauth_bench_scale", args.pg_url))
        if scale_target is None:
            return
        try:
            _log(f"{label}: protected GET with {', '.join(f'{s:,}' for s in cfg['sizes'])} "
                 "tokens stored")
            benches = build_benches(scale_target, res, args.apps)
            res.scale[label] = scale.run(benches, cfg["sizes"], cfg["scale_reps"],
                                         cfg["scale_calls"], log=_log)
        finally:
            scale_target.drop()

    # Side processes last: they are comparisons beyond the list, so they are the
    # first to go when the run is over its time budget.
    if not args.no_dot and within_budget(cfg, res, f"{label} django-oauth-toolkit"):
        _log(f"{label}: django-oauth-toolkit in a side process")
        data = run_child("dot", "DOT", kind, "", args, cfg)
        data["floor_label"] = "Django floor"
        res.side.setdefault(label, {})["DOT"] = data
    if args.flask_oauthlib_site is not None and within_budget(cfg, res, "Flask-OAuthlib"):
        _log(f"{label}: Flask-OAuthlib in a side process")
        res.side.setdefault(label, {})["Flask-OAuthlib"] = run_child(
            "flask-oauthlib", "Flask-OAuthlib", kind, args.flask_oauthlib_site, args, cfg)
    for spec in args.patched_ours:
        name, _, path = spec.partition("=")
        if within_budget(cfg, res, name):
            _log(f"{label}: {name} ({path}) in a side process")
            res.side.setdefault(label, {})[name] = run_child(
                "ours", name, kind, os.path.abspath(path), args, cfg)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.reps:
        cfg["reps"] = args.reps
    if args.calls:
        cfg["calls"] = args.calls
    started = time.monotonic()
    cfg["started"] = started
    cfg["budget_s"] = args.budget or (300 if args.quick else 1500)
    res = report.Results()
    res.settings = {"quick": args.quick, "reps": cfg["reps"], "calls": cfg["calls"],
                    "load_s": cfg["load_s"], "load_rounds": cfg["load_rounds"],
                    "load_gen": load.generator_name(),
                    "date": datetime.datetime.now(datetime.timezone.utc)
                    .strftime("%Y-%m-%d %H:%M UTC")}
    kinds = ["sqlite", "postgresql"] if args.db == "all" else [args.db]

    pg_probe = postgres_target("oauth_bench_probe", args.pg_url) if "postgresql" in kinds \
        else None
    res.versions = versions(pg_probe, args.flask_oauthlib_site)
    if pg_probe is not None:
        pg_probe.drop()
    status = flask_oauthlib_status(args.flask_oauthlib_site)
    if status != "imports" and res.versions["Flask-OAuthlib"] == "not installed":
        res.notes.append("Flask-OAuthlib is not installed here and no "
                         "`--flask-oauthlib-site` was given: not measured.")
    elif status != "imports":
        res.notes.append(
            f"Flask-OAuthlib {res.versions['Flask-OAuthlib'].split()[0]} does not import "
            f"with oauthlib "
            f"{res.versions['oauthlib']}: `{report.without_machine_paths(status)}` (it requires "
            "oauthlib < 3).")
        if args.flask_oauthlib_site:
            res.notes.append(
                "It was measured in a side process with oauthlib < 3 from the directory "
                "given as `--flask-oauthlib-site`, against a floor measured in that process; "
                "on Werkzeug 3 its HTTP Basic client authentication fails and its "
                "`require_oauth` raises on an `Authorization: Bearer` header (HTTP 500), so "
                "its requests carry the client credentials in the body and the access "
                "token in the query string. oauthlib 2.1 has no PKCE: its code exchange "
                "runs without `code_verifier`.")
        else:
            res.notes.append("Not measured (no `--flask-oauthlib-site`).")
    else:
        args.flask_oauthlib_site = args.flask_oauthlib_site or ""
    if args.no_dot:
        pass
    elif dot_status() != "imports":
        res.notes.append("django-oauth-toolkit not measured: "
                         f"`{report.without_machine_paths(dot_status())}` (install Django "
                         "and django-oauth-toolkit, the `bench` extra).")
        args.no_dot = True
    else:
        res.notes.append(report.DOT_NOTE)
    res.notes.extend(args.note)
    res.notes.append(
        "Same I/O settings for every app: SQLite in WAL mode with synchronous=NORMAL, "
        "PostgreSQL sessions with synchronous_commit=off (the benchmark compares the "
        "libraries' work, not fsync).")
    res.notes.append(
        "The floor uses the same Flask + Flask-SQLAlchemy session stack with Core "
        "statements built once; Authlib's storage keeps tokens and secrets in clear "
        "(no hashing), ours stores SHA-256 digests.")

    for kind in kinds:
        run_db(kind, args, cfg, res)
    if not args.no_memory:
        mem_kinds = ["sqlite", "postgresql"] if args.memory_db == "all" else [args.memory_db]
        for kind in mem_kinds:
            label = "SQLite" if kind == "sqlite" else "PostgreSQL"
            if within_budget(cfg, res, f"{label} memory run"):
                _log(f"{label}: resident memory over {cfg['memory_blocks']} blocks of 100 "
                     "protected + 10 token requests (child process)")
                res.memory[label] = run_memory(kind, args, cfg)
    # The rows of one feature each: (skipped, Results field, label, module, what is measured).
    extra_rows = [
        (args.no_jwt, "jwt", "JWT", "jwt_tokens",
         "SQLite: JWT access tokens (provider, ResourceServer, issuance per alg)"),
        (args.no_dpop, "dpop", "DPoP", "dpop",
         "SQLite: DPoP-protected GET and DPoP token requests (ours)"),
        (args.no_par, "par", "PAR", "par", "SQLite: PAR + code flow (ours only)"),
        (args.no_openid or "Authlib" not in args.apps, "openid", "OpenID", "openid_rows",
         "SQLite: OpenID Connect code exchanges, id_token per algorithm, beside Authlib"),
    ]
    for skipped, field_name, label, module_name, what in extra_rows:
        if skipped or "ours" not in args.apps or not within_budget(cfg, res, f"{label} rows"):
            continue
        _log(what)
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
            setattr(res, field_name, module.run(cfg["reps"], cfg["calls"]))
        except Exception as exc:  # noqa: BLE001 - report it, keep the other results
            traceback.print_exc()
            res.notes.append(f"{label} rows not measured: {exc.__class__.__name__}: {exc}")

    res.elapsed_s = time.monotonic() - started
    text = report.render(res)
    print()
    print(text)
    output = args.output or (None if args.quick else os.path.join(HERE, "results.md"))
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        _log(f"written to {output}")
    return 0
