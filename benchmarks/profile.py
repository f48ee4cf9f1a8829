"""Profiling a flow with pyinstrument: where does an app spend its time per call?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .harness import BenchApp, check, flow_envs, wsgi_call


@dataclass
class ProfileEntry:
    function: str
    where: str
    self_pct: float  # share of the profiled requests' time spent in the function itself
    total_pct: float  # ... in it and its callees


def _walk(frame: Any, self_t: dict, total_t: dict, on_stack: set,
          parent: Any = None) -> None:
    function = frame.function or "?"
    if function.startswith("[") and parent is not None:
        # pyinstrument's synthetic "[self]" / "[await]" leaves: their parent's own time
        self_t[parent] += frame.time
        return
    key = (function, f"{frame.file_path_short or '?'}:{frame.line_no}")
    if key not in on_stack:  # recursion: count the outermost frame only
        total_t[key] += frame.time
    on_stack = on_stack | {key}
    children = frame.children
    if not children:
        self_t[key] += frame.time
    for child in children:
        _walk(child, self_t, total_t, on_stack, key)


def profile_flow(bench: BenchApp, flow: str, calls: int, tokens: Sequence[str],
                 top: int = 12) -> tuple[list[ProfileEntry], list[ProfileEntry], str]:
    """Profile ``calls`` calls of ``flow``.

    Returns the top entries by self time, the top entries of our package by total time,
    and pyinstrument's text rendering (trimmed).
    """
    from pyinstrument import Profiler

    envs = flow_envs(bench, flow, calls, tokens)
    profiler = Profiler(interval=0.0005)
    responses = []
    profiler.start()
    for env in envs:
        responses.append(wsgi_call(bench.app, env))
    session = profiler.stop()
    check(responses, f"profile {bench.name} {flow}")
    root = session.root_frame()
    self_t: dict = defaultdict(float)
    total_t: dict = defaultdict(float)
    if root is not None:
        _walk(root, self_t, total_t, set())

    whole = root.time if root is not None and root.time else 1.0

    def entries(items: Any) -> list[ProfileEntry]:
        return [ProfileEntry(fn, where, self_t[(fn, where)] / whole * 100,
                             total_t[(fn, where)] / whole * 100) for (fn, where), _ in items]

    by_self = entries(sorted(self_t.items(), key=lambda kv: -kv[1])[:top])
    ours = [(k, v) for k, v in total_t.items() if "flask_oauth_provider" in k[1]]
    by_total = entries(sorted(ours, key=lambda kv: -kv[1])[:top])
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    return by_self, by_total, "\n".join(text.splitlines()[:80])


@dataclass
class CallEntry:
    name: str
    per_request: float  # Python function calls per request (cProfile's count)
    own_ms: float = 0.0  # cProfile's own time per request, ms (inflated by profiling)


def _package(filename: str) -> str:
    """Which package a cProfile entry belongs to, for the per-package breakdown."""
    if filename == "~" or filename.startswith("<"):
        return "built-ins (C functions)"
    path = filename.replace("\\", "/")
    for marker, name in (("/flask_oauth_provider/", "flask_oauth_provider"),
                         ("/flask_sqlalchemy/", "flask_sqlalchemy"),
                         ("/sqlalchemy/", "sqlalchemy"), ("/flask/", "flask"),
                         ("/werkzeug/", "werkzeug"), ("/psycopg/", "psycopg"),
                         ("/django/", "django"), ("/oauth2_provider/", "django-oauth-toolkit"),
                         ("/oauthlib/", "oauthlib"), ("/authlib/", "authlib"),
                         ("/benchmarks/", "benchmarks (harness, views)")):
        if marker in path:
            return name
    return "standard library and others"


def _short(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    for root in ("flask_oauth_provider/", "benchmarks/"):
        if root in path:
            path = root + path.split(root, 1)[1]
    return path


def call_breakdown(bench: BenchApp, flow: str, tokens: Sequence[str], n: int = 50,
                   top: int = 15) -> dict:
    """Where the Python calls of one request of ``flow`` go (cProfile, deterministic).

    Returns ``{"total": calls per request, "packages": [CallEntry...], "functions":
    [CallEntry...] (most called first)}``.
    """
    import cProfile
    import pstats

    for env in flow_envs(bench, flow, 10, tokens):  # warm
        wsgi_call(bench.app, env)
    envs = flow_envs(bench, flow, n, tokens)
    profiler = cProfile.Profile()
    responses = []
    profiler.enable()
    for env in envs:
        responses.append(wsgi_call(bench.app, env))
    profiler.disable()
    check(responses, f"{bench.name} {flow} (call breakdown)")
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    packages: dict = defaultdict(float)
    functions = []
    for (filename, line, func), (_cc, nc, tt, _ct, _callers) in stats.items():
        if "benchmarks/harness.py" in filename.replace("\\", "/"):
            continue  # the harness's own wsgi_call wrapper
        packages[_package(filename)] += nc / n
        where = "" if filename == "~" else f" ({_short(filename)}:{line})"
        functions.append(CallEntry(f"{func}{where}", nc / n, tt / n * 1000))
    functions.sort(key=lambda e: -e.per_request)
    total = sum(packages.values())
    return {"total": total,
            "packages": sorted((CallEntry(k, v) for k, v in packages.items()),
                               key=lambda e: -e.per_request),
            "functions": functions[:top]}
