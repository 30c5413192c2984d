"""Benchmark every named query: through kg's API, through raw pyoxigraph, and through rdflib in memory.

All three run the same query text (the named query with its example parameters bound in a
VALUES block) on the same data: the store built by ``bench/build.py`` (``--store``), or, by
default, the bundled examples. rdflib holds the briefing graphs of the store in memory (an
``rdflib.Dataset`` with the union default graph); with ``--rdflib-max`` quads at most, the
report says when rdflib saw only part of the data.

    python bench/query.py [--store DIR] [--reps 50] [--rdflib-max 1000000] [--results FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _time(fn, reps: int, budget: float = float("inf")) -> list[float]:
    """``reps`` timings of ``fn`` after a warm-up; fewer when the warm-up alone exceeds ``budget`` seconds."""
    t = time.perf_counter()
    fn()  # warm up
    if time.perf_counter() - t > budget:
        return [time.perf_counter() - t]
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


class _Overtime(Exception):
    pass


def _time_limited(fn, reps: int, limit: float) -> list[float] | None:
    """:func:`_time`, or None when it runs past ``limit`` seconds in all (rdflib is pure Python,
    so SIGALRM interrupts it between bytecodes)."""
    import signal

    def stop(signum, frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return _time(fn, reps, budget=limit / 2)
    except _Overtime:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def main() -> None:
    import pyoxigraph as ox
    from rdflib import Dataset

    from kg.examples import examples_dir
    from kg.query import bind, named_queries, run, with_values
    from kg.build import build
    from kg.store import open_store
    from kg.vocab import PREFIXES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--rdflib-reps", type=int, default=5)
    ap.add_argument("--rdflib-max", type=int, default=1_000_000)
    ap.add_argument("--rdflib-limit", type=float, default=30.0,
                    help="seconds an rdflib query may take in all (warm-up and repetitions) before it is stopped")
    ap.add_argument("--results", type=Path)
    args = ap.parse_args()

    if args.store is None:
        args.store = Path(tempfile.mkdtemp(prefix="kg-qbench-"))
        build(open_store(args.store), [examples_dir()], progress=False)
    store = open_store(args.store, read_only=True)

    # rdflib gets the briefing graphs (and the ontology), up to --rdflib-max quads
    graphs = [g for g in store.named_graphs() if "/codeset/" not in g.value and "/audit" not in g.value]
    ds = Dataset(default_union=True)
    taken = 0
    lines = []
    for g in graphs:
        for q in store.quads_for_pattern(None, None, None, g):
            if taken >= args.rdflib_max:
                break
            lines.append(str(q) + " .\n")
            taken += 1
    t = time.perf_counter()
    ds.parse(data="".join(lines), format="nquads")
    rdflib_load = time.perf_counter() - t
    total_quads = len(store)
    partial = taken < sum(1 for g in graphs for _ in store.quads_for_pattern(None, None, None, g))

    rows = []
    for q in named_queries().values():
        if q.needs:
            continue
        params = q.example()
        text = with_values(q.text, bind(q, params))
        # whole-graph queries (stats) take seconds at this size: one timing is enough for those
        api = _time(lambda: run(store, q.name, **params).rows, args.reps, budget=1.0)
        raw = _time(lambda: list(store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)), args.reps,
                    budget=1.0)
        rd = _time_limited(lambda: list(ds.query(text)), args.rdflib_reps, args.rdflib_limit)
        rows.append((q.name, statistics.median(api), _pct(api, 99), statistics.median(raw), _pct(raw, 99),
                     None if rd is None else statistics.median(rd)))

    out = [f"## Named queries ({total_quads:,} quads in the store"
           + (f"; rdflib held {taken:,} briefing quads, loaded in {rdflib_load:.1f} s"
              + (", **part of the data**" if partial else "") + ")") ,
           "",
           "| query | kg API p50 | kg API p99 | raw pyoxigraph p50 | raw p99 | rdflib p50 | kg vs rdflib |",
           "|---|---|---|---|---|---|---|"]
    for name, a50, a99, r50, r99, d50 in rows:
        rd, ratio = ((f"> {args.rdflib_limit:.0f} s (stopped)", f"> {args.rdflib_limit / a50:,.0f}x") if d50 is None
                     else (f"{d50 * 1000:.1f} ms", f"{d50 / a50:,.0f}x"))
        out.append(f"| {name} | {a50 * 1000:.2f} ms | {a99 * 1000:.2f} ms | {r50 * 1000:.2f} ms | {r99 * 1000:.2f} ms "
                   f"| {rd} | {ratio} |")
    table = "\n".join(out) + "\n"
    print(table)
    if args.results:
        with open(args.results, "a", encoding="utf-8") as fh:
            fh.write("\n" + table)


if __name__ == "__main__":
    sys.exit(main())
