"""Protected-call time with 10^3, 10^5 and 10^6 tokens stored.

Tokens are bulk-inserted straight into each app's token table (PostgreSQL: COPY;
SQLite: executemany in large batches), each row built by the app's own
``bulk_row(value)`` so it is stored exactly as the app stores tokens (ours: digest).
Token values are derived from their row number, so the probes can pick rows at
random across the whole table rather than hitting a few hot ones.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from collections.abc import Sequence
from typing import Callable

import sqlalchemy as sa

from .harness import BenchApp, Sample, interleaved, time_calls

SALT = "bench-scale-"
BATCH = 20_000


def token_value(i: int) -> str:
    raw = hashlib.sha256(f"{SALT}{i}".encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _column_defaults(table: sa.Table) -> dict:
    """Python-side defaults of ``table``'s columns (COPY does not apply them)."""
    out = {}
    for c in table.columns:
        d = c.default
        if d is None:
            continue
        if getattr(d, "is_scalar", False):
            out[c.name] = d.arg
        elif getattr(d, "is_callable", False):
            out[c.name] = d.arg(None)
    return out


def bulk_insert(bench: BenchApp, start: int, stop: int) -> None:
    """Insert tokens ``start..stop-1`` into ``bench``'s token table.

    The table's secondary indexes are dropped for the load and built again after it
    (much faster than maintaining them row by row); the table ends up exactly as the
    app defines it.
    """
    table: sa.Table = bench.table
    engine = bench.engine()
    indexes = list(table.indexes)
    with engine.begin() as conn:
        for ix in indexes:
            ix.drop(conn)
    try:
        _load(bench, table, engine, start, stop)
    finally:
        with engine.begin() as conn:
            for ix in indexes:
                ix.create(conn)
            conn.execute(sa.text(f'ANALYZE "{table.name}"'))


def _load(bench: BenchApp, table: sa.Table, engine: sa.Engine, start: int, stop: int) -> None:
    if engine.dialect.name == "postgresql":
        cols = [c.name for c in table.columns if not c.primary_key]
        defaults = _column_defaults(table)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            names = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for i in range(start, stop):
                    row = bench.bulk_row(token_value(i))
                    copy.write_row([row[c] if c in row else defaults.get(c) for c in cols])
            raw.commit()
        finally:
            raw.close()
        return
    with engine.begin() as conn:
        for lo in range(start, stop, BATCH):
            hi = min(stop, lo + BATCH)
            conn.execute(table.insert(), [bench.bulk_row(token_value(i)) for i in range(lo, hi)])


def run(benches: Sequence[BenchApp], sizes: Sequence[int], reps: int, calls: int,
        log: Callable[[str], None] = print) -> dict:
    """Returns ``{(app name, size): Sample}`` of protected-call seconds."""
    out: dict = {}
    stored = 0
    rng = random.Random(6)
    for size in sizes:
        for b in benches:
            t0 = time.perf_counter()
            bulk_insert(b, stored, size)
            log(f"  {b.name}: {size:,} tokens stored ({time.perf_counter() - t0:.1f} s)")
        stored = size
        # warm-up, then interleaved repetitions over random rows
        for b in benches:
            warm = [token_value(rng.randrange(size)) for _ in range(max(50, calls // 2))]
            time_calls(b.app, b.protected_envs(warm), f"{b.name} warm-up")
        for rep in range(reps):
            order = list(benches[rep % len(benches):]) + list(benches[:rep % len(benches)])
            prepared = [(b.app, b.protected_envs([token_value(rng.randrange(size))
                                                  for _ in range(calls)]),
                         f"{b.name} protected @{size}") for b in order]
            for b, per_call in zip(order, interleaved(prepared)):
                out.setdefault((b.name, size), Sample()).add(per_call)
    return out
