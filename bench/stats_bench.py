"""Benchmark what a user runs on a big store: kept statistics, listings, a one-hop query after a write, start-up.

Every figure is printed next to its target (issue 19) and its baseline, measured in the same run, CPU time
beside wall time (on a shared machine the wall time is the CPU time stretched by the load average):

* ``kg query stats`` reading the kept statistics (kg.stats) vs ``--recount`` (the full count);
* the listings ``documents`` and ``needs-review`` read from the rows kept with the statistics, vs the same
  rows listed from the briefing graphs (their ``--recount``); ``audit-findings`` joining scans of the audit
  graph, vs the query with a lookup per finding (``tests/data/audit-findings-lookups.rq``); each also from
  the CLI, end to end;
* the CLI end to end: ``kg --help``, and a one-hop ``kg query`` (read-only open + query) with
  ``python -c pass`` as the floor;
* with ``--writable COPY``: on that store (a copy; it is written), a read-write open, a write of
  100,000 quads left unflushed vs flushed (``kg.store.finish_writing``), and the one-hop query after each;
  then ``kg audit`` (it writes the audit graph), the one-hop query right after it, ``audit-findings``, and
  what compacting the store (``pyoxigraph.Store.optimize``) costs and changes for the listings.

    python bench/stats_bench.py --store bench-work/store [--writable /tmp/copy-of-store] [--reps 3]

The store must have been written by this kg (``bench/build.py`` builds one) for the kept figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg.query import run, run_sparql
from kg.stats import is_current
from kg.store import finish_writing, open_store

KG = [sys.executable, "-m", "kg"]
LOOKUPS = Path(__file__).resolve().parents[1] / "tests" / "data" / "audit-findings-lookups.rq"


def _best(fn, reps: int) -> tuple[float, float]:
    """The best of ``reps`` runs of ``fn``: (wall seconds, CPU seconds of this process)."""
    out = []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t, time.process_time() - c))
    return min(out)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cli(args: list[str], reps: int) -> tuple[float, float]:
    """The best of ``reps`` runs of a command: (wall seconds, CPU seconds of the child)."""
    out = []
    for _ in range(reps):
        t, c = time.perf_counter(), _children_cpu()
        subprocess.run(args, capture_output=True, check=True)
        out.append((time.perf_counter() - t, _children_cpu() - c))
    return min(out)


def _row(what: str, timing: tuple[float, float], target: str, baseline: str = "") -> None:
    wall, cpu = timing
    print(f"  {what:<52} {wall:8.3f} s wall {cpu:7.3f} s CPU   target {target:<10} {baseline}", flush=True)


def _one_hop(store: str) -> list[str]:
    return KG + ["query", "monitors", "-p", "code=77013", "--store", store]


def _listings(store_dir: str, reps: int, names: tuple[str, ...]) -> None:
    store = open_store(store_dir, read_only=True)
    lookups = LOOKUPS.read_text(encoding="utf-8")
    for name in names:
        rows = len(run(store, name))
        if name == "audit-findings":
            base = _best(lambda: run_sparql(store, lookups), 1)
            what = "a lookup per finding"
        else:
            base = _best(lambda: run(store, name, recount=True), 1)
            what = "from the briefing graphs"
        _row(f"{name} ({rows:,} rows, API)", _best(lambda: run(store, name), reps), "<= 0.3 s",
             f"{what} {base[0]:.2f} s wall {base[1]:.2f} s CPU")
        _row(f"kg query {name} (CLI, end to end)", _cli(KG + ["query", name, "--store", store_dir], reps), "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True, help="A store built by this kg (opened read-only).")
    ap.add_argument("--writable", help="A copy of a store this bench may write (never the shared one).")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-compact", action="store_true", help="With --writable: skip compacting the copy.")
    args = ap.parse_args()

    store = open_store(args.store, read_only=True)
    load = os.getloadavg()
    print(f"kg statistics, listings and start-up on {args.store} (load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f} on {os.cpu_count()} cores; best of {args.reps})")
    print(f"  statistics current: {is_current(store)}")
    recount = _best(lambda: run(store, "stats", recount=True), 1)
    _row("kg query stats (kept statistics)", _best(lambda: run(store, "stats"), args.reps), "<= 0.5 s",
         f"recount {recount[0]:.2f} s wall {recount[1]:.2f} s CPU")
    del store
    _listings(args.store, args.reps, ("documents", "needs-review", "audit-findings"))
    floor = _cli([sys.executable, "-c", "pass"], args.reps)
    _row("kg --help", _cli(KG + ["--help"], args.reps), "<= 0.25 s", f"python -c pass {floor[0]:.3f} s")
    _row("kg query monitors (read-only open + one hop)", _cli(_one_hop(args.store), args.reps), "<= 0.5 s")

    if args.writable:
        t, c = time.perf_counter(), time.process_time()
        writable = open_store(args.writable)
        _row("open read-write", (time.perf_counter() - t, time.process_time() - c), "<= 2 s")
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
        del writable
        audit = _cli(KG + ["audit", "--format", "json", "--fail-on", "never", "--store", args.writable], 1)
        _row("kg audit (writes the audit graph; for what follows)", audit, "")
        _row("kg query monitors right after kg audit", _cli(_one_hop(args.writable), 1), "<= 0.5 s")
        _listings(args.writable, args.reps, ("audit-findings",))
        if not args.no_compact:
            t, c = time.perf_counter(), time.process_time()
            writable = open_store(args.writable)
            writable.optimize()
            del writable
            _row("compacting the store (Store.optimize)", (time.perf_counter() - t, time.process_time() - c), "",
                 "what a writer would add to compact before it closes")
            _listings(args.writable, args.reps, ("documents", "needs-review", "audit-findings"))
            _row("kg query monitors, compacted", _cli(_one_hop(args.writable), args.reps), "<= 0.5 s")


if __name__ == "__main__":
    main()
