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


def build_engine_store(path: Path, shared_data: Path) -> Path:
    """The example briefings and tests/data/audit with the smaller code sets (HCPCS, modifiers, POS, NUCC, the NCCI
    PTP radiology subset): the named queries find rows, and an outside engine loads it in seconds."""
    from kg.build import build
    from kg.codesets import load
    from kg.examples import examples_dir
    from kg.store import open_store

    store = open_store(path)
    assert build(store, [examples_dir(), REPO / "tests" / "data" / "audit"], progress=False).ok
    d = shared_data
    load(store, {
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "ncci-ptp": d / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
    }, progress=False)
    del store
    return path
