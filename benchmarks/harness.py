"""Measuring: direct WSGI calls, repetitions, medians and spread, SQL statement counts.

Requests are built (werkzeug's ``EnvironBuilder``) before the clock starts and then
handed straight to the app's WSGI callable, so the time measured is the app's own
work: Flask, the library, SQLAlchemy and the database round trips.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.test import EnvironBuilder

BASE_URL = "https://bench.example"
TOKEN_PATH = "/oauth/token"
API_PATH = "/api/me"
REDIRECT_URI = "https://client.example/cb"
SCOPE = "profile"


class BenchError(RuntimeError):
    """An app answered a benchmark request with something other than success."""


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: form-urlencode each part, then base64 ``id:secret``."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def pkce_pair(seed: str) -> tuple[str, str]:
    """A (verifier, S256 challenge) pair, RFC 7636 §4.1-4.2."""
    verifier = base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).rstrip(b"=")
    verifier_s = (verifier.decode() + "x" * 43)[:64]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier_s.encode()).digest())
    return verifier_s, challenge.rstrip(b"=").decode()


def environ(method: str, path: str, headers: Optional[dict] = None,
            form: Optional[dict] = None) -> dict:
    """A ready WSGI environ (its body stream already filled)."""
    builder = EnvironBuilder(path=path, base_url=BASE_URL, method=method,
                             headers=headers or {}, data=form)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def wsgi_call(app: Callable, env: dict) -> tuple[int, bytes]:
    """Call a WSGI app, drain its body; return (status code, body)."""
    status: list[str] = []

    def start_response(s: str, headers: list, exc_info: Any = None) -> Callable:
        status.append(s)
        return lambda data: None

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status[0][:3]), body


def check(responses: Iterable[tuple[int, bytes]], what: str) -> None:
    for code, body in responses:
        if code != 200:
            raise BenchError(f"{what}: HTTP {code}: {body[:300]!r}")


def time_calls(app: Callable, envs: Sequence[dict], what: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) per call, mean over ``envs``.

    Every answer must be 200. The CPU time is the benchmark process's own (the app, and
    SQLite which runs inside it; not a PostgreSQL server's): on a shared machine it is
    less disturbed by other processes than wall time.
    """
    responses = []
    append = responses.append
    gc.collect()
    cpu0 = time.process_time()
    start = time.perf_counter()
    for env in envs:
        append(wsgi_call(app, env))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    check(responses, what)
    return elapsed / len(envs), cpu / len(envs)


# -- flows -----------------------------------------------------------------------

class BenchApp:
    """What every benchmarked app offers the harness.

    Subclasses build a Flask ``app`` on a :class:`benchmarks.db.Target`, create one
    confidential client (``client_id``/``client_secret``) and one user, and can mint
    codes, refresh tokens and access tokens directly in their storage (untimed).
    """

    name = "?"
    flows: tuple[str, ...] = ("token", "code", "refresh", "protected")

    app: Any
    client_id: str
    client_secret: str

    def engine(self) -> Engine:  # pragma: no cover - abstract
        raise NotImplementedError

    def sql_counter(self) -> Any:
        """A context manager yielding a :class:`SQLCount` of what runs inside it."""
        return count_sql(self.engine())

    def new_codes(self, n: int) -> list[tuple[str, str]]:
        """``n`` fresh authorization codes as (code, PKCE verifier)."""
        raise NotImplementedError

    def new_refresh_tokens(self, n: int) -> list[str]:
        raise NotImplementedError

    def new_access_tokens(self, n: int) -> list[str]:
        raise NotImplementedError

    # requests, the same for every app
    def auth_header(self) -> dict:
        return {"Authorization": basic_auth(self.client_id, self.client_secret)}

    def client_auth(self) -> tuple[dict, dict]:
        """(headers, extra form fields) that authenticate the client: HTTP Basic."""
        return self.auth_header(), {}

    def _token_env(self, form: dict) -> dict:
        headers, extra = self.client_auth()
        return environ("POST", TOKEN_PATH, headers, dict(form, **extra))

    def token_envs(self, n: int) -> list[dict]:
        form = {"grant_type": "client_credentials", "scope": SCOPE}
        return [self._token_env(form) for _ in range(n)]

    def code_envs(self, n: int) -> list[dict]:
        out = []
        for code, verifier in self.new_codes(n):
            form = {"grant_type": "authorization_code", "code": code,
                    "redirect_uri": REDIRECT_URI}
            if verifier:
                form["code_verifier"] = verifier
            out.append(self._token_env(form))
        return out

    def refresh_envs(self, n: int) -> list[dict]:
        return [self._token_env({"grant_type": "refresh_token", "refresh_token": rt})
                for rt in self.new_refresh_tokens(n)]

    def protected_envs(self, tokens: Sequence[str]) -> list[dict]:
        return [environ("GET", API_PATH, {"Authorization": f"Bearer {t}"}) for t in tokens]


FLOW_LABELS = {
    "token": "token endpoint (client_credentials)",
    "code": "authorization-code exchange",
    "refresh": "refresh",
    "protected": "protected GET",
}


# -- statement counting ----------------------------------------------------------------

@dataclass
class SQLCount:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def n(self) -> int:
        return len(self.statements)

    def summary(self) -> str:
        verbs = []
        for s in self.statements:
            words = s.split()
            verb = words[0].upper() if words else "?"
            table = ""
            up = [w.upper() for w in words]
            for key in ("FROM", "INTO", "UPDATE"):
                if key in up:
                    i = up.index(key)
                    if i + 1 < len(words):
                        table = words[i + 1].strip('"')
                        break
            verbs.append(f"{verb} {table}".strip())
        if self.commits:
            verbs.append("COMMIT" if self.commits == 1 else f"COMMIT x{self.commits}")
        return "; ".join(verbs)


class count_sql:
    """Context manager: record every statement sent through ``engine``, and COMMITs.

    Listening leaves the engine flagged as having events (SQLAlchemy does not reset it
    on removal), which costs a little on every later statement: count after timing.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.result = SQLCount()

    def _stmt(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              executemany: bool) -> None:
        self.result.statements.append(statement)

    def _commit(self, conn: Any) -> None:
        self.result.commits += 1

    def __enter__(self) -> SQLCount:
        event.listen(self.engine, "before_cursor_execute", self._stmt)
        event.listen(self.engine, "commit", self._commit)
        return self.result

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._stmt)
        event.remove(self.engine, "commit", self._commit)


def count_flow(bench: BenchApp, flow: str, tokens: Sequence[str]) -> SQLCount:
    """SQL sent by one call of ``flow`` (after the environ is prepared)."""
    env = flow_envs(bench, flow, 1, tokens)[0]
    with bench.sql_counter() as counted:
        code, body = wsgi_call(bench.app, env)
    if code != 200:
        raise BenchError(f"{bench.name} {flow}: HTTP {code}: {body[:300]!r}")
    return counted


def count_python_calls(bench: BenchApp, flow: str, tokens: Sequence[str], n: int = 50) -> float:
    """Python function calls per call of ``flow`` (cProfile's count).

    A deterministic measure of the work an app does per request: unlike time, it does
    not move when other processes share the machine.
    """
    import cProfile
    import pstats

    for env in flow_envs(bench, flow, 10, tokens):  # warm: statement caches, pools
        wsgi_call(bench.app, env)
    envs = flow_envs(bench, flow, n, tokens)
    profiler = cProfile.Profile()
    responses = []
    profiler.enable()
    for env in envs:
        responses.append(wsgi_call(bench.app, env))
    profiler.disable()
    check(responses, f"{bench.name} {flow} (call count)")
    return pstats.Stats(profiler).total_calls / n


def flow_envs(bench: BenchApp, flow: str, n: int, tokens: Sequence[str]) -> list[dict]:
    if flow == "token":
        return bench.token_envs(n)
    if flow == "code":
        return bench.code_envs(n)
    if flow == "refresh":
        return bench.refresh_envs(n)
    if flow == "protected":
        reps = (n + len(tokens) - 1) // len(tokens)
        return bench.protected_envs((list(tokens) * reps)[:n])
    raise ValueError(flow)


# -- statistics -------------------------------------------------------------------------

@dataclass
class Sample:
    """Per-call seconds (wall) of each repetition, and per-call CPU seconds."""

    values: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall_cpu: tuple[float, float]) -> None:
        self.values.append(wall_cpu[0])
        self.cpu.append(wall_cpu[1])

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        """Half the min-max range, relative to the median."""
        if len(self.values) < 2:
            return 0.0
        return (max(self.values) - min(self.values)) / 2 / self.median


def paired_ratio(a: Sample, b: Sample, cpu: bool = False) -> tuple[float, float]:
    """Median of the per-repetition ratios a/b (measured side by side), and their spread."""
    xs, ys = (a.cpu, b.cpu) if cpu else (a.values, b.values)
    ratios = [x / y for x, y in zip(xs, ys)]
    med = statistics.median(ratios)
    spread = (max(ratios) - min(ratios)) / 2 / med if len(ratios) > 1 else 0.0
    return med, spread


CHUNK = 10


def interleaved(apps: Sequence[tuple[Any, Sequence[dict], str]]) -> list[tuple[float, float]]:
    """Time several apps' prepared calls in alternating chunks of :data:`CHUNK` calls.

    ``apps`` is a list of (WSGI app, environs, label). Alternating every few calls means
    that a burst of load from other processes lands on all apps alike, so their ratio
    holds even when the absolute times move. Returns (wall, CPU) seconds per call each.
    """
    totals = [[0.0, 0.0] for _ in apps]
    responses: list[list] = [[] for _ in apps]
    longest = max(len(envs) for _, envs, _ in apps)
    gc.collect()
    for lo in range(0, longest, CHUNK):
        for i, (app, envs, _) in enumerate(apps):
            chunk = envs[lo:lo + CHUNK]
            if not chunk:
                continue
            append = responses[i].append
            cpu0 = time.process_time()
            start = time.perf_counter()
            for env in chunk:
                append(wsgi_call(app, env))
            totals[i][0] += time.perf_counter() - start
            totals[i][1] += time.process_time() - cpu0
    for (_, _envs, label), resp in zip(apps, responses):
        check(resp, label)
    return [(w / len(envs), c / len(envs)) for (w, c), (_, envs, _) in zip(totals, apps)]


def measure(benches: Sequence[BenchApp], flows: Sequence[str], reps: int, calls: int,
            tokens: dict, log: Callable[[str], None] = print) -> dict:
    """Run every (flow, app) ``reps`` times; within a repetition the apps of a flow run
    interleaved in chunks (see :func:`interleaved`).

    Returns ``{(flow, app name): Sample}``.
    """
    out: dict = {}
    # warm-up: imports, caches, connection pools
    for flow in flows:
        for b in benches:
            if flow in b.flows:
                envs = flow_envs(b, flow, 5, tokens[b.name])
                time_calls(b.app, envs, f"{b.name} warm-up")
    for rep in range(reps):
        order = list(benches[rep % len(benches):]) + list(benches[:rep % len(benches)])
        for flow in flows:
            runs = [b for b in order if flow in b.flows]
            if not runs:
                continue
            prepared = [(b.app, flow_envs(b, flow, calls, tokens[b.name]), f"{b.name} {flow}")
                        for b in runs]
            for b, per_call in zip(runs, interleaved(prepared)):
                out.setdefault((flow, b.name), Sample()).add(per_call)
        log(f"  repetition {rep + 1}/{reps} done")
    return out
