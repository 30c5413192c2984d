"""Benchmark what a user runs on a big store: kept statistics, listings, a one-hop query after a write, start-up.

Every figure is printed next to its target (issue 19) and its baseline, measured in the same run:

* ``kg query stats`` reading the kept statistics (kg.stats) vs ``--recount`` (the full count);
* the listings ``documents``, ``needs-review``, ``audit-findings``, and ``documents`` listed from
  the briefing graphs (its recount) as the baseline;
* the CLI end to end: ``kg --help``, and a one-hop ``kg query`` (read-only open + query) with
  ``python -c pass`` as the floor;
* with ``--writable COPY``: on that store (a copy; it is written), a read-write open, a write of
  100,000 quads left unflushed vs flushed (``kg.store.finish_writing``), and the one-hop query after each.

    python bench/stats_bench.py --store bench-work/store [--writable /tmp/copy-of-store] [--reps 3]

The store must have been written by this kg (``bench/build.py`` builds one) for the kept figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import pyoxigraph as ox

from kg.query import run
from kg.stats import is_current
from kg.store import finish_writing, open_store

KG = [sys.executable, "-m", "kg"]


def _best(fn, reps: int) -> float:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def _cli(args: list[str], reps: int) -> float:
    return _best(lambda: subprocess.run(args, capture_output=True, check=True), reps)


def _row(what: str, seconds: float, target: str, baseline: str = "") -> None:
    print(f"  {what:<48} {seconds:8.3f} s   target {target:<10} {baseline}")


def _one_hop(store: str) -> list[str]:
    return KG + ["query", "monitors", "-p", "code=77013", "--store", store]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True, help="A store built by this kg (opened read-only).")
    ap.add_argument("--writable", help="A copy of a store this bench may write (never the shared one).")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()

    store = open_store(args.store, read_only=True)
    print(f"kg statistics, listings and start-up on {args.store} "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; best of {args.reps})")
    print(f"  statistics current: {is_current(store)}")
    recount = _best(lambda: run(store, "stats", recount=True), 1)
    _row("kg query stats (kept statistics)", _best(lambda: run(store, "stats"), args.reps), "<= 0.5 s",
         f"recount {recount:.2f} s")
    documents_recount = _best(lambda: run(store, "documents", recount=True), 1)
    _row("documents (kept catalog)", _best(lambda: run(store, "documents"), args.reps), "<= 0.3 s",
         f"from the graphs {documents_recount:.2f} s")
    for name in ("needs-review", "audit-findings"):
        _row(name, _best(lambda: run(store, name), args.reps), "<= 0.3 s")
    del store
    floor = _cli([sys.executable, "-c", "pass"], args.reps)
    _row("kg --help", _cli(KG + ["--help"], args.reps), "<= 0.25 s", f"python -c pass {floor:.3f} s")
    _row("kg query monitors (read-only open + one hop)", _cli(_one_hop(args.store), args.reps), "<= 0.5 s")

    if args.writable:
        t = time.perf_counter()
        writable = open_store(args.writable)
        _row("open read-write", time.perf_counter() - t, "<= 2 s")
        g = ox.NamedNode("https://w3id.org/codekg/bench-writes")
        for flush in (False, True):
            if writable.contains_named_graph(g):
                writable.remove_graph(g)
            writable.extend(ox.Quad(ox.NamedNode(f"https://w3id.org/codekg/bench/{i}"), ox.NamedNode("http://p"),
                                    ox.Literal(str(i)), g) for i in range(100_000))
            if flush:
                finish_writing(writable, [g.value])
            del writable
            after = _cli(_one_hop(args.writable), 1)
            _row(f"one hop after a 100k-quad write, {'flushed' if flush else 'not flushed'}", after, "<= 0.5 s")
            writable = open_store(args.writable)
        writable.remove_graph(g)
        finish_writing(writable, [g.value])


if __name__ == "__main__":
    main()
