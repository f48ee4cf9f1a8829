"""Multi-process run: gunicorn (sync workers) on PostgreSQL, load from wrk on 127.0.0.1.

Each (app, worker count) gets its own gunicorn; each flow runs for a fixed time. The
load generator is wrk when installed (Debian package ``wrk``), otherwise a bounded
Python client (threads, ``http.client``). Everything stops by itself: wrk and the
client have a duration, gunicorn is terminated (then killed) by its process id.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from .db import Target
from .harness import API_PATH, SCOPE, TOKEN_PATH, BenchApp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


class Gunicorn:
    """A gunicorn master with ``workers`` sync workers serving one app, as a context."""

    def __init__(self, app_name: str, workers: int, target: Target) -> None:
        self.port = free_port()
        env = dict(os.environ, **target.env())
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers),
                    "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                    "--timeout", "30", f'benchmarks.wsgi:create("{app_name}")']
        self.env = env
        self.proc: Optional[subprocess.Popen] = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env,
                                     start_new_session=True)
        try:
            _wait_ready(self.port, self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group gunicorn leads: its workers
            proc.wait(timeout=5)

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wrk(port: int, path: str, headers: dict, body: Optional[str], connections: int,
         duration: int) -> LoadResult:
    lines = []
    if body is not None:
        lines.append('wrk.method = "POST"')
        lines.append(f'wrk.body = "{body}"')
        lines.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    for k, v in headers.items():
        lines.append(f'wrk.headers["{k}"] = "{v}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        script = f.name
    try:
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
               "--timeout", "5s", "-s", script, f"http://127.0.0.1:{port}{path}"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30,
                             check=True).stdout
    finally:
        os.unlink(script)
    return _parse_wrk(out)


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _parse_wrk(out: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return LoadResult(rps=rps, p50_ms=p50, p99_ms=p99, errors=errors, requests=total)


def _python_client(port: int, path: str, headers: dict, body: Optional[str],
                   connections: int, duration: int) -> LoadResult:
    """Bounded fallback: ``connections`` threads, each one request at a time."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    method = "POST" if body is not None else "GET"
    hdrs = dict(headers)
    if body is not None:
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status != 200:
                    bad += 1
            except OSError:
                bad += 1
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 10)
    elapsed = time.monotonic() - start
    latencies.sort()
    n = len(latencies)
    pick = (lambda q: latencies[min(n - 1, int(q * n))] * 1000) if n else (lambda q: 0.0)
    return LoadResult(rps=n / elapsed, p50_ms=pick(0.5), p99_ms=pick(0.99),
                      errors=errors[0], requests=n)


def generator_name() -> str:
    return "wrk" if shutil.which("wrk") else "Python client (threads)"


def run(benches: Sequence[BenchApp], target: Target, workers: Sequence[int], duration: int,
        log: Callable[[str], None] = print, rounds: int = 2) -> dict:
    """Returns ``{(app name, flow, workers): LoadResult}`` for flows token and protected.

    For each worker count, one gunicorn per app is started and they all stay up; the
    load runs go app after app, ``rounds`` times with the order rotated, and the best
    round (most requests per second) is kept: a burst of load from other processes
    during one run then costs that app a round, not its result.
    """
    from contextlib import ExitStack

    fire = _wrk if shutil.which("wrk") else _python_client
    runs: dict = {}
    out: dict = {}
    for n in workers:
        with ExitStack() as stack:
            servers = []
            for b in benches:
                token = b.new_access_tokens(1)[0]
                auth = b.auth_header()["Authorization"]
                flows = {
                    "protected": (API_PATH, {"Authorization": f"Bearer {token}"}, None),
                    "token": (TOKEN_PATH, {"Authorization": auth},
                              f"grant_type=client_credentials&scope={SCOPE}"),
                }
                servers.append((b, flows, stack.enter_context(Gunicorn(b.name, n, target))))
            for r in range(rounds):
                order = servers[r % len(servers):] + servers[:r % len(servers)]
                for flow in ("protected", "token"):
                    for b, flows, g in order:
                        path, headers, body = flows[flow]
                        headers = dict(headers, **{"X-Forwarded-Proto": "https"})
                        res = fire(g.port, path, headers, body, 2 * n, duration)
                        log(f"  {b.name:8} {flow:9} {n} workers, round {r + 1}: "
                            f"{res.rps:7.0f} req/s, p50 {res.p50_ms:.1f} ms, "
                            f"p99 {res.p99_ms:.1f} ms, errors {res.errors}")
                        runs.setdefault((b.name, flow, n), []).append(res)
    for key, results in runs.items():
        best = max(results, key=lambda x: x.rps)
        # the best round's rate and latencies; errors and requests of every round
        out[key] = dataclasses.replace(best, errors=sum(x.errors for x in results),
                                       requests=sum(x.requests for x in results))
    return out
