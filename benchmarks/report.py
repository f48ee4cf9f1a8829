"""Turning measurements into the printed table and ``benchmarks/results.md``."""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Optional

from .harness import FLOW_LABELS, Sample, paired_ratio

#: Targets: ratios measured in the same run (performance, round two), statement counts
#: (the storage issue), the 10^3..10^6 scale and the memory run.
TOKEN_RATIO_MAX = 1.30
PROTECTED_RATIO_MAX = 1.25
PROTECTED_CALLS_MAX = 1.30
AHEAD_OF_AUTHLIB_MIN = {"code": 1.5, "refresh": 1.5}
SCALE_RATIO_MAX = 1.2
MEMORY_GROWTH_MAX = 0.05
SQL_MAX = {"protected": 1, "code": 4, "refresh": 4}

DOT_NOTE = (
    "django-oauth-toolkit (DOT) runs on Django, the others on Flask: it is measured in a "
    "side process beside a bare-Django floor (the same single SELECT per protected GET; "
    "one SELECT and one INSERT per token request), on the same database and I/O "
    "settings. Compare the ratios DOT/Django floor and ours/Flask floor, not "
    "microseconds across frameworks. DOT's client secret is stored unhashed "
    "(`hash_client_secret=False`: its default PBKDF2 hasher would cost more than the "
    "whole request) and its access tokens as SHA-256 checksums only "
    "(`COMPLIANT_BCP_RFC9700_TOKEN_STORAGE`); Django keeps its connections open "
    "(`CONN_MAX_AGE=None`), with no middleware.")


#: The repository root: a path under it is written relative to it.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: An absolute path, not part of a URL or of a relative path.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/[\w.+@~-]+(?:/[\w.+@~-]+)*/?")


def without_machine_paths(text: str, root: str = ROOT) -> str:
    """``text`` naming no path of the machine it ran on.

    A path under the repository becomes relative to it; a path into installed packages
    starts at ``<site-packages>``; any other path whose first directory exists here (``/tmp``,
    ``/home``, ...) keeps only its last part, as ``<...>/name``. URL paths such as
    ``/oauth/token`` stay: their first directory does not exist on the machine.
    """
    def replace(match: re.Match) -> str:
        path = match.group(0)
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return os.path.relpath(path, root)
        _, site, inside = path.partition("/site-packages/")
        if site:
            return "<site-packages>/" + inside
        first = path.lstrip("/").split("/", 1)[0]
        if not os.path.isdir("/" + first):
            return path
        return "<...>/" + os.path.basename(path.rstrip("/"))

    return _ABSOLUTE_PATH.sub(replace, text)


@dataclass
class Results:
    settings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    inproc: dict = field(default_factory=dict)  # db -> {(flow, app): Sample}
    counts: dict = field(default_factory=dict)  # db -> {(flow, app): SQLCount-like}
    #: db -> {label: {"samples":..., "counts":..., "versions":...} or {"error": ...}}, for
    #: apps measured in a side process (Flask-OAuthlib, ours with proposed patches)
    side: dict = field(default_factory=dict)
    scale: dict = field(default_factory=dict)  # db -> {(app, size): Sample}
    load: dict = field(default_factory=dict)  # db -> {(app, flow, workers): LoadResult}
    profiles: list = field(default_factory=list)  # (db, flow, by_self, by_total)
    #: (db, flow, app) -> profile.call_breakdown(...): where the Python calls go
    breakdown: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)  # db -> memory.run(...) or {"error": ...}
    jwt: list = field(default_factory=list)  # [(label, Sample)] from benchmarks.jwt_tokens
    dpop: list = field(default_factory=list)  # [(label, Sample)] from benchmarks.dpop
    par: list = field(default_factory=list)  # [(label, Sample)] from benchmarks.par
    openid: dict = field(default_factory=dict)  # benchmarks.openid_rows.run()
    elapsed_s: float = 0.0


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def cell(s: Optional[Sample]) -> str:
    if s is None or not s.values:
        return "—"
    return f"{us(s.median)} ±{s.spread * 100:.0f}%"


def ratio_cell(a: Optional[Sample], b: Optional[Sample], cpu: bool = False) -> str:
    if a is None or b is None or not a.values or not b.values:
        return "—"
    r, spread = paired_ratio(a, b, cpu=cpu)
    return f"{r:.2f}× ±{spread * 100:.0f}%"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _count(counts: dict, flow: str, app: str) -> str:
    c = counts.get((flow, app))
    if c is None:
        return "—"
    n, commits = c[0], c[1]
    return f"{n}" + (f" +{commits} COMMIT" if commits else "")


def inproc_table(db: str, res: Results) -> str:
    samples, counts = res.inproc[db], res.counts.get(db, {})
    rows = []
    for flow in ("token", "code", "refresh", "protected"):
        g = samples.get
        ours, floor, peer = g((flow, "ours")), g((flow, "floor")), g((flow, "Authlib"))
        rows.append([
            FLOW_LABELS[flow], cell(floor), cell(ours), cell(peer),
            ratio_cell(ours, floor), ratio_cell(ours, floor, cpu=True),
            ratio_cell(peer, ours),
            _count(counts, flow, "floor"), _count(counts, flow, "ours"),
            _count(counts, flow, "Authlib"),
        ])
    header = ["flow", "floor µs", "ours µs", "Authlib µs", "ours/floor",
              "ours/floor (CPU)", "Authlib/ours", "SQL floor", "SQL ours", "SQL Authlib"]
    return _md_table(header, rows)


def _fmt(v: Optional[float]) -> str:
    return f"{v:,.0f}" if v is not None else "—"


def _side(res: Results, db: str, label: str) -> tuple[dict, dict]:
    data = res.side.get(db, {}).get(label) or {}
    samples = {tuple(k.split("|")): Sample(v[0], v[1])
               for k, v in data.get("samples", {}).items()}
    counts = {tuple(k.split("|")): v for k, v in data.get("counts", {}).items()}
    return samples, counts


def calls_table(db: str, res: Results) -> str:
    counts = res.counts.get(db, {})
    side_data = {k: v for k, v in res.side.get(db, {}).items() if "counts" in v}
    # (column header, counts, app key): a side app on another framework brings its floor
    columns = []
    for label, data in side_data.items():
        src = _side(res, db, label)[1]
        if data.get("floor_label"):
            columns.append((data["floor_label"], src, "floor"))
        columns.append((label, src, label))
    rows = []
    for flow in ("token", "code", "refresh", "protected"):
        def n(app: str, src: dict = counts, flow: str = flow) -> Optional[float]:
            c = src.get((flow, app))
            return c[3] if c is not None and len(c) > 3 else None

        floor, ours, peer = n("floor"), n("ours"), n("Authlib")
        row = [FLOW_LABELS[flow], _fmt(floor), _fmt(ours), _fmt(peer)]
        row += [_fmt(n(app, src)) for _, src, app in columns]
        row.append(f"{ours / floor:.2f}×" if ours and floor else "—")
        for label, data in side_data.items():
            if data.get("floor_label"):
                src = _side(res, db, label)[1]
                a, f = n(label, src), n("floor", src)
                row.append(f"{a / f:.2f}×" if a and f else "—")
        rows.append(row)
    ratio_cols = [f"{label}/{data['floor_label']}" for label, data in side_data.items()
                  if data.get("floor_label")]
    return _md_table(["flow", "floor", "ours", "Authlib", *[c[0] for c in columns],
                      "ours/floor", *ratio_cols], rows)


def side_table(db: str, label: str, res: Results) -> str:
    samples, counts = _side(res, db, label)
    floor_label = res.side[db][label].get("floor_label") or "floor"
    flows = [f for f in ("token", "code", "refresh", "protected") if (f, label) in samples]
    main = res.inproc.get(db, {})
    rows = []
    for flow in flows:
        app, floor = samples.get((flow, label)), samples.get((flow, "floor"))
        c = counts.get((flow, label))
        sql = (f"{c[0]}" + (f" +{c[1]} COMMIT" if c[1] else "")) if c else "—"
        ours, main_floor = main.get((flow, "ours")), main.get((flow, "floor"))
        via = "—"
        if app and floor and ours and main_floor:
            via = f"{paired_ratio(app, floor)[0] / paired_ratio(ours, main_floor)[0]:.2f}×"
        rows.append([FLOW_LABELS[flow], cell(floor), cell(app), ratio_cell(app, floor),
                     ratio_cell(app, floor, cpu=True), ratio_cell(ours, main_floor), via,
                     sql])
    return _md_table(["flow", f"{floor_label} µs (side)", f"{label} µs",
                      f"{label}/{floor_label}", f"{label}/{floor_label} (CPU)",
                      "ours/floor (main run)", f"{label}/ours (through the floors)",
                      f"SQL {label}"], rows)


def scale_table(db: str, res: Results) -> str:
    data = res.scale.get(db)
    if not data:
        return ""
    apps = sorted({a for a, _ in data}, key=lambda a: ["floor", "ours", "Authlib"].index(a)
                  if a in ("floor", "ours", "Authlib") else 9)
    sizes = sorted({s for _, s in data})
    rows = []
    for a in apps:
        first, last = data.get((a, sizes[0])), data.get((a, sizes[-1]))
        rows.append([a] + [cell(data.get((a, s))) for s in sizes]
                    + [ratio_cell(last, first)])
    header = ["app"] + [f"{s:,} tokens µs" for s in sizes] + [f"{sizes[-1]:,} / {sizes[0]:,}"]
    return _md_table(header, rows)


def load_table(db: str, res: Results) -> str:
    data = res.load.get(db)
    if not data:
        return ""
    rows = []
    for (app, flow, workers), r in data.items():
        floor = data.get(("floor", flow, workers))
        rel = f"{floor.rps / r.rps:.2f}×" if floor and r.rps else "—"
        rows.append([app, FLOW_LABELS[flow], str(workers), f"{r.rps:,.0f}",
                     f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}", rel, f"{r.errors}/{r.requests}"])
    return _md_table(["app", "flow", "workers", "req/s", "p50 ms", "p99 ms",
                      "floor req/s ÷ app req/s", "errors/requests"], rows)


def _ratio_target(out: list, db: str, what: str, a: Optional[Sample], b: Optional[Sample],
                  limit: float, at_least: bool = False) -> None:
    if a and b and a.values and b.values:
        r, _ = paired_ratio(a, b)
        out.append((db, what, f"{r:.2f}×", r >= limit if at_least else r <= limit))


def _inproc_targets(db: str, res: Results, out: list) -> None:
    g = res.inproc[db].get
    _ratio_target(out, db, f"token endpoint (client_credentials) ≤ {TOKEN_RATIO_MAX:.2f}× floor",
                  g(("token", "ours")), g(("token", "floor")), TOKEN_RATIO_MAX)
    _ratio_target(out, db, f"protected GET ≤ {PROTECTED_RATIO_MAX:.2f}× floor",
                  g(("protected", "ours")), g(("protected", "floor")), PROTECTED_RATIO_MAX)
    for flow in ("token", "protected"):
        _ratio_target(out, db, f"{FLOW_LABELS[flow]} faster than Authlib (Authlib/ours > 1)",
                      g((flow, "Authlib")), g((flow, "ours")), 1.0, at_least=True)
    for flow, limit in AHEAD_OF_AUTHLIB_MIN.items():
        _ratio_target(out, db, f"{FLOW_LABELS[flow]}: Authlib/ours ≥ {limit}",
                      g((flow, "Authlib")), g((flow, "ours")), limit, at_least=True)
    counts = res.counts.get(db, {})
    ours, floor = counts.get(("protected", "ours")), counts.get(("protected", "floor"))
    if ours and floor and len(ours) > 3 and len(floor) > 3:
        r = ours[3] / floor[3]
        out.append((db, f"Python calls per protected GET ≤ {PROTECTED_CALLS_MAX:.2f}× floor",
                    f"{r:.2f}× ({ours[3]:,.0f} / {floor[3]:,.0f})", r <= PROTECTED_CALLS_MAX))
    for flow, limit in SQL_MAX.items():
        c = counts.get((flow, "ours"))
        if c is not None:
            out.append((db, f"SQL statements per {FLOW_LABELS[flow]} ≤ {limit}",
                        str(c[0]), c[0] <= limit))


def _side_targets(db: str, res: Results, out: list) -> None:
    main = res.inproc.get(db, {})
    for label, data in res.side.get(db, {}).items():
        if "samples" not in data:
            continue
        samples, _ = _side(res, db, label)
        for flow in ("token", "protected"):
            a, f = samples.get((flow, label)), samples.get((flow, "floor"))
            o, mf = main.get((flow, "ours")), main.get((flow, "floor"))
            if label.startswith("ours"):
                limit = TOKEN_RATIO_MAX if flow == "token" else PROTECTED_RATIO_MAX
                _ratio_target(out, db, f"[{label}] {FLOW_LABELS[flow]} ≤ {limit:.2f}× floor",
                              a, f, limit)
            elif a and f and o and mf and data.get("floor_label"):
                theirs, ours = paired_ratio(a, f)[0], paired_ratio(o, mf)[0]
                out.append((db, f"{FLOW_LABELS[flow]}: ours/floor < {label}/"
                                f"{data['floor_label']}",
                            f"{ours:.2f}× vs {theirs:.2f}×", ours < theirs))


def targets(res: Results) -> list[tuple[str, str, str, bool]]:
    """(database, target, measured, met) for every target that could be measured."""
    out: list = []
    for db in res.inproc:
        _inproc_targets(db, res, out)
        _side_targets(db, res, out)
    for db, data in res.load.items():
        for (app, flow, workers), r in data.items():
            peer = data.get(("Authlib", flow, workers))
            if app == "ours" and peer and peer.rps:
                out.append((f"{db} (gunicorn)", f"{FLOW_LABELS[flow]} with {workers} "
                            "workers: faster than Authlib (req/s ours ÷ Authlib > 1)",
                            f"{r.rps / peer.rps:.2f}×", r.rps > peer.rps))
    for db, data in res.scale.items():
        sizes = sorted({s for _, s in data})
        a, b = data.get(("ours", sizes[-1])), data.get(("ours", sizes[0]))
        if a and b and len(sizes) > 1:
            r, _ = paired_ratio(a, b)
            out.append((db, f"protected GET at {sizes[-1]:,} tokens ≤ {SCALE_RATIO_MAX}× "
                            f"at {sizes[0]:,}", f"{r:.2f}×", r <= SCALE_RATIO_MAX))
    for db, m in res.memory.items():
        if "growth" in m:
            out.append((db, f"resident memory after {m['protected']:,} protected + "
                            f"{m['token']:,} token requests ≤ {1 + MEMORY_GROWTH_MAX:.2f}× "
                            "after the first 10^3",
                        f"{1 + m['growth']:.3f}×", m["growth"] <= MEMORY_GROWTH_MAX
                        and m.get("complete", False)))
    return out


def memory_section(res: Results) -> list[str]:
    if not res.memory:
        return []
    parts = ["## Resident memory of a worker (child process)", "",
             "Ours, served through its WSGI callable in a child process: blocks of 100 "
             "protected GETs and 10 token requests (client_credentials); resident set size "
             "(VmRSS) after a full garbage collection, after the first 10 blocks (10^3 "
             "protected, 10^2 token) and every 100 blocks after it.", ""]
    for db, m in res.memory.items():
        if "error" in m:
            parts += [f"- {db}: {m['error']}", ""]
            continue
        rows = [[f"{p:,}", f"{t:,}", f"{kib / 1024:,.1f}", f"{kib / m['first_kib'] - 1:+.2%}"]
                for p, t, kib in m["readings"]]
        parts += [f"{db}: {m['seconds']:.0f} s"
                  + ("" if m.get("complete") else " (stopped at the time limit)") + ".", "",
                  _md_table(["protected calls", "token requests", "RSS MiB",
                             "vs first reading"], rows), ""]
    return parts


def breakdown_section(res: Results) -> list[str]:
    parts: list[str] = []
    keys = sorted(res.breakdown, key=lambda k: (k[0], k[1] != "protected", k[2]))
    for db, flow in dict.fromkeys((k[0], k[1]) for k in keys):
        per_app = {app: res.breakdown[(d, f, app)] for d, f, app in keys
                   if (d, f) == (db, flow)}
        apps = list(per_app)
        parts += [f"## Where the Python calls of one {FLOW_LABELS[flow]} go, {db} (cProfile)",
                  "", "Calls per request, by package (deterministic):", ""]
        names = list(dict.fromkeys(e.name for a in apps for e in per_app[a]["packages"]))
        lookup = {a: {e.name: e.per_request for e in per_app[a]["packages"]} for a in apps}
        rows = [[n] + [_fmt(lookup[a].get(n, 0.0)) for a in apps] for n in names]
        rows.append(["**total**"] + [f"**{per_app[a]['total']:,.0f}**" for a in apps])
        parts += [_md_table(["package", *apps], rows), ""]
        if "ours" in per_app:
            parts += ["Ours, most called functions (calls per request; own time per request "
                      "under cProfile, ms):", "",
                      _md_table(["calls", "own ms", "function"],
                                [[f"{e.per_request:,.0f}", f"{e.own_ms:.3f}", e.name]
                                 for e in per_app["ours"]["functions"]]), ""]
    return parts


def render(res: Results) -> str:
    s = res.settings
    parts = ["# Benchmark results", "",
             "Written by `python -m benchmarks"
             + (" --quick" if s.get("quick") else "") + "`; do not edit by hand.", ""]
    parts.append(
        f"Run of {s.get('date', '?')}, {res.elapsed_s:.0f} s. In-process: {s.get('reps')} "
        f"repetitions × {s.get('calls')} calls per (flow, app); within a repetition the apps "
        "of a flow alternate every 10 calls, so bursts of load from other processes hit "
        "them alike; requests are built beforehand and passed straight to each app's WSGI "
        "callable. Times are per call: median over repetitions ± half the min–max range. "
        "Ratios are medians of per-repetition ratios (both apps measured in the same "
        "repetition). `(CPU)` ratios use this process's CPU time instead of wall time "
        "(it leaves out a PostgreSQL server's work and other engineers' processes on this "
        "shared machine). SQL: statements sent per call (SQLAlchemy `before_cursor_execute`)"
        ", COMMITs counted apart.")
    parts.append("")
    parts.append("## Versions and machine")
    parts.append("")
    parts += [f"- {k}: {v}" for k, v in res.versions.items()]
    parts.append("")
    if res.notes:
        parts.append("## Notes")
        parts.append("")
        parts += [f"- {n}" for n in res.notes]
        parts.append("")
    tg = targets(res)
    if tg:
        parts.append("## Targets")
        parts.append("")
        parts.append(_md_table(["database", "target", "measured", "met"],
                               [[d, t, m, "yes" if ok else "**no**"] for d, t, m, ok in tg]))
        parts.append("")
    for db in res.inproc:
        parts.append(f"## {db}: in-process, per call")
        parts.append("")
        parts.append(inproc_table(db, res))
        parts.append("")
        counts = res.counts.get(db, {})
        if counts:
            parts.append("Python function calls per request (cProfile; deterministic, "
                         "unaffected by machine load):")
            parts.append("")
            parts.append(calls_table(db, res))
            parts.append("")
            parts.append("Statements per call:")
            parts.append("")
            for (flow, app), c in sorted(counts.items()):
                parts.append(f"- {app}, {FLOW_LABELS[flow]}: {c[2]}")
            parts.append("")
        for label, data in res.side.get(db, {}).items():
            if "error" in data:
                parts.append(f"{label}: {data['error']}")
                parts.append("")
                continue
            what = ", ".join(f"{k} {v}" for k, v in data.get("versions", {}).items())
            parts.append(f"### {db}: {label} (side process; {what})")
            parts.append("")
            parts.append(side_table(db, label, res))
            parts.append("")
            for key, c in sorted(data.get("counts", {}).items()):
                flow, app = key.split("|")
                if app == label:
                    parts.append(f"- {label}, {FLOW_LABELS[flow]}: {c[2]}")
            parts.append("")
    for db in res.scale:
        parts.append(f"## {db}: protected GET with many stored tokens")
        parts.append("")
        parts.append(scale_table(db, res))
        parts.append("")
    for db in res.load:
        parts.append(f"## {db}: gunicorn (sync workers) under load, {s.get('load_s')} s each, "
                     f"{s.get('load_gen')}, 2 connections per worker")
        parts.append("")
        parts.append(f"All apps' servers up at once; runs alternate between apps, "
                     f"{s.get('load_rounds')} round(s) with the order rotated; the best "
                     "round's rate and latencies are shown, errors and requests summed over "
                     "rounds. Load generator, database and workers share the machine's "
                     f"{os.cpu_count()} cores (with other users of this machine).")
        parts.append("")
        parts.append(load_table(db, res))
        parts.append("")
    parts += memory_section(res)
    parts += breakdown_section(res)
    if res.jwt:
        from .jwt_tokens import table as jwt_table

        parts.append("## SQLite: JWT access tokens (RFC 9068), per call")
        parts.append("")
        parts.append("Measured side by side in alternating chunks. The ResourceServer has "
                     "no database and makes no network call (its issuer metadata and JWKS "
                     "were fetched before the clock started); the provider's JWT GET "
                     "verifies the signature and reads the token row by the same one "
                     "SELECT as an opaque token.")
        parts.append("")
        parts.append(jwt_table(res.jwt))
        parts.append("")
    if res.dpop:
        from .dpop import SECTION
        from .dpop import table as dpop_table

        parts += [SECTION[0], "", SECTION[1], "", dpop_table(res.dpop), ""]
    if res.par:
        from .par import table as par_table

        parts += ["## SQLite: PAR + code flow (RFC 9126), ours only, per flow", "",
                  "Whole flows side by side in alternating chunks: a logged-in user whose "
                  "consent is remembered, PKCE S256, client_secret_basic.", "",
                  par_table(res.par), ""]
    if res.openid:
        from .openid_rows import table as openid_table

        parts.append("## SQLite: OpenID Connect code exchange, id_token per algorithm")
        parts.append("")
        parts.append("Measured side by side in alternating chunks: the code exchange of the "
                     "main table, then with a code granted for `openid`, its id_token signed "
                     "with the client's registered `id_token_signed_response_alg` (without "
                     "one, OpenID Connect's default RS256), beside Authlib's OpenIDCode "
                     "extension signing with the same key. Python calls are per exchange.")
        parts.append("")
        parts.append(openid_table(res.openid))
        parts.append("")
    for db, flow, by_self, by_total in res.profiles:
        parts.append(f"## Profile: ours, {FLOW_LABELS[flow]}, {db} (pyinstrument)")
        parts.append("")
        parts.append("Shares of the profiled requests' time (the whole WSGI call = 100%).")
        parts.append("")
        parts.append("Top by self time:")
        parts.append("")
        parts.append(_md_table(["self %", "total %", "function", "where"],
                               [[f"{e.self_pct:.1f}", f"{e.total_pct:.1f}", e.function, e.where]
                                for e in by_self]))
        parts.append("")
        parts.append("Our package, by total time:")
        parts.append("")
        parts.append(_md_table(["total %", "function", "where"],
                               [[f"{e.total_pct:.1f}", e.function, e.where] for e in by_total]))
        parts.append("")
    return without_machine_paths("\n".join(parts).rstrip() + "\n")


def median(values: list[float]) -> float:
    return statistics.median(values)


def as_jsonable(res: Results) -> Any:  # pragma: no cover - debugging aid
    return {"settings": res.settings, "versions": res.versions}
