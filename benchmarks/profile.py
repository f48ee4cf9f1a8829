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
