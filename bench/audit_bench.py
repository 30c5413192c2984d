"""Benchmark ``kg audit`` on a big store and the CLI's start-up (issue 19, items 4 and 6).

Every figure is printed with its wall and CPU time (the CPU of the child process: on a shared machine
wall time is inflated, CPU time much less), next to its target and a baseline measured in the same run:

* ``kg audit`` end to end (``--no-write``, or writing its findings graph on ``--writable COPY``), against
  the reads it cannot avoid with nothing kept: every internal query it runs, one after the other, with nothing
  decided (the engine's floor); the rest is Python (mentions joined, labels compared, findings made). It runs
  on a fresh ``$KG_CACHE_DIR`` holding what ``kg build`` kept beside the store (each briefing's mentions,
  :mod:`kg.mentions`, and the code sets' facts, :func:`kg.audit.cache.keep_code_set_facts`): the first audit
  after the build; then with nothing kept (the cache directory deleted); then warm (the label comparisons
  too, and each briefing's findings from :mod:`kg.audit.briefings`: the briefings' digests are read, nothing
  else). With ``--writable`` each of the first two starts from a store without an audit graph, so each writes
  it whole; with ``--writable`` and
  ``--change FILE``, a third time after one briefing changed: a copy of FILE with one line more, built into
  the copy of the store (``kg build``, timed on its own), its findings alone checked and written;
* ``kg --help`` and a one-hop ``kg query monitors -p code=77013``, against ``python -c pass`` (the
  interpreter's own start-up) and ``python -c "import click"``.

    python bench/audit_bench.py --store bench-work/store [--writable /tmp/copy-of-store --change corpus/00100.txt]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

KG = [sys.executable, "-m", "kg"]

AUDIT_QUERIES = ("audit-loaded", "audit-code-nodes", "audit-mentions", "audit-subjects", "audit-labels",
                 "audit-billable", "official-fees", "audit-fee-modifiers", "check-addon")
"""The internal queries one audit runs with nothing cached (besides the NCCI edits of the briefings' codes)."""


def _child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``args`` as a child process (``env``: extra environment variables)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):  # kg audit exits 1 when it finds errors
        raise SystemExit(f"{' '.join(args)} failed: {r.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _best(args: list[str], reps: int) -> tuple[float, float]:
    runs = [_child(args) for _ in range(reps)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def _row(what: str, wall: float, cpu: float, target: str = "", baseline: str = "") -> None:
    print(f"| {what} | {wall:.2f} s | {cpu:.2f} s | {target} | {baseline} |", flush=True)


def _reads(store_dir: str) -> tuple[float, float]:
    """The audit's internal queries run one after the other, read into rows: the engine's floor."""
    from kg.official import run_internal
    from kg.store import open_store

    store = open_store(store_dir, read_only=True)
    t, c = time.perf_counter(), time.process_time()
    rows = sum(len(run_internal(store, name)) for name in AUDIT_QUERIES)
    print(f"(the audit's {len(AUDIT_QUERIES)} internal queries read {rows:,} rows)", flush=True)
    return time.perf_counter() - t, time.process_time() - c


def _kept(store_dir: str, cache: str) -> str:
    """Copy into ``cache`` what ``kg build`` kept beside the store for the audit; say what it was."""
    import shutil
    from pathlib import Path

    from kg.store import cache_dir_for

    found = [p for pattern in ("audit-mentions-*.log", "code-set-facts-*.pickle")
             for p in Path(cache_dir_for(store_dir)).glob(pattern)]
    for p in found:
        shutil.copy2(p, cache)
    names = sorted({p.name.split("-")[0] + "-" + p.name.split("-")[1] for p in found})
    return "kept: " + (", ".join(names) if names else "nothing: not built by the kg build command")


def _drop_audit_graph(store_dir: str | None) -> None:
    """Remove the audit graph from ``store_dir`` (if given), so the next audit writes it whole."""
    if store_dir is None:
        return
    import pyoxigraph as ox

    from kg.audit import AUDIT_GRAPH
    from kg.store import finish_writing, open_store

    store = open_store(store_dir)
    store.remove_graph(ox.NamedNode(AUDIT_GRAPH))
    finish_writing(store)
    del store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True, help="A store with briefings and code sets (opened read-only).")
    ap.add_argument("--writable", help="A copy of the store that the audit may write its findings into.")
    ap.add_argument("--change", help="With --writable: a briefing of the store; a copy with one line more is built "
                    "into the writable store, then audited.")
    ap.add_argument("--reps", type=int, default=3, help="Runs of each start-up figure (the best is kept).")
    args = ap.parse_args()
    from kg.store import is_store

    for store in filter(None, (args.store, args.writable)):  # else the audit of an empty store is timed
        if not is_store(store):
            ap.error(f"{store}: no kg store here (--writable takes a copy of --store, made beforehand)")
    load = os.getloadavg()[0]
    print(f"\n## Audit and start-up ({os.cpu_count()} cores, load average {load:.1f} at the start)\n")
    print("| figure | wall | CPU | target | baseline |\n|---|---|---|---|---|")
    python = [sys.executable, "-c"]
    floor = _best(python + ["pass"], args.reps)
    _row("python -c pass", *floor, "", "the interpreter's floor")
    _row('python -c "import click"', *_best(python + ["import click"], args.reps))
    _row("kg --help", *_best(KG + ["--help"], args.reps), "<= 0.25 s", f"{floor[0]:.2f} s python -c pass")
    one_hop = KG + ["query", "monitors", "-p", "code=77013", "--store", args.store]
    _row("kg query monitors -p code=77013", *_best(one_hop, args.reps), "<= 0.25 s (start-up)",
         f"{floor[0]:.2f} s python -c pass")
    reads = _reads(args.store)
    floor = f"{reads[0]:.2f} s wall, {reads[1]:.2f} s CPU: its queries alone, in turn"
    if args.writable:
        run = KG + ["audit", "--format", "json", "--fail-on", "never", "--store", args.writable]
        what = "kg audit (findings written)"
    else:
        run = KG + ["audit", "--no-write", "--format", "json", "--fail-on", "never", "--store", args.store]
        what = "kg audit --no-write"
    with tempfile.TemporaryDirectory(prefix="kg-audit-cache-") as cache, \
            tempfile.TemporaryDirectory(prefix="kg-audit-none-") as empty:
        kept = _kept(args.store, cache)
        _drop_audit_graph(args.writable)
        _row(f"{what}, the first after kg build ({kept})", *_child(run, {"KG_CACHE_DIR": cache}), "<= 10 s", floor)
        _drop_audit_graph(args.writable)
        _row(f"{what}, nothing kept (cache directory deleted)", *_child(run, {"KG_CACHE_DIR": empty}), "<= 10 s",
             floor)
        _row(f"{what}, warm (label comparisons and each briefing's findings cached too)",
             *_child(run, {"KG_CACHE_DIR": cache}), "<= 10 s", floor)
        if args.writable and args.change:
            from pathlib import Path

            with tempfile.TemporaryDirectory(prefix="kg-audit-change-") as folder:
                changed = Path(folder) / Path(args.change).name
                changed.write_text(Path(args.change).read_text(encoding="utf-8") + "\nOne line more.\n",
                                   encoding="utf-8")
                _row("kg build (the changed briefing)", *_child(KG + ["build", str(changed), "--store", args.writable,
                                                                      "--no-progress"]))
                _row(f"{what}, one briefing changed", *_child(run, {"KG_CACHE_DIR": cache}), "<= 10 s", floor)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
