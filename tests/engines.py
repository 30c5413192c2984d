"""What the engine tests share: parity of named queries between two query targets, claim lines to check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kg.query import named_queries, run

REPO = Path(__file__).resolve().parents[1]


def rows(target, name: str, params: dict) -> list[tuple]:
    """The rows of a named query as sorted tuples of (variable, value) pairs (a multiset, comparable)."""
    out = run(target, name, **params)
    if out.triples is not None:
        return sorted((str(t.subject), str(t.predicate), str(t.object)) for t in out.triples)
    return sorted(tuple(sorted((k, "" if v is None else str(v)) for k, v in r.items())) for r in out.records())


def parity(embedded, other) -> dict[str, tuple[int, int]]:
    """Every named query with its example parameters on both targets: {name: (rows here, rows there)} for those
    that differ, and the row counts of all in ``parity.counts``."""
    differ, counts = {}, {}
    for q in named_queries().values():
        params = q.example()
        a, b = rows(embedded, q.name, params), rows(other, q.name, params)
        counts[q.name] = len(a)
        if a != b:
            differ[q.name] = (len(a), len(b), sorted(set(a) ^ set(b))[:3])
    parity.counts = counts
    return differ


def claim_generator():
    """bench/check_bench.py's deterministic claim generator (``generate(n, seed, data)``)."""
    spec = importlib.util.spec_from_file_location("check_bench", REPO / "bench" / "check_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate
