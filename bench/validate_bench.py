"""Benchmark ``kg validate`` on a big store against issue 19's targets (<= 3 min, <= 3 GB), with its baseline.

* ``kg validate`` end to end from the CLI (the store opened read-only; the default engine, the shapes' SPARQL
  translation, run by worker processes that open the store themselves: the code-set graphs split by
  constraint, each batch of briefing graphs checked in one pass): wall time, CPU time of the whole process
  tree (the CLI and its workers), the CPU of the parent and of the busiest worker (on idle cores the wall is
  about the larger), the peak of the tree's summed RSS, sampled every 0.5 s (``/usr/bin/time -v`` would count
  the parent's peak only), and the load average before and after;
* with ``--with-pyshacl``, the same with ``--engine pyshacl`` end to end (slow on thousands of briefings);
* the baseline, pySHACL graph by graph (the engine ``kg validate`` used before for the briefings), on the first
  ``--sample`` briefing graphs in this process (one worker, so its CPU is this process's), extrapolated
  linearly to every briefing.

    python bench/validate_bench.py --store bench-work/store [--sample 100] [--workers 2] [--with-pyshacl]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import psutil

KG = [sys.executable, "-m", "kg"]
TARGET_S, TARGET_GB = 180, 3.0


def _tree_run(cmd: list[str]) -> tuple[int, float, float, float, str, float, float]:
    """Run ``cmd``; its exit code, wall seconds, CPU seconds of the tree, peak summed RSS (GB), stdout's first lines,
    and the CPU seconds of the top process and of its busiest child (as last sampled): on idle cores the wall
    time is about the larger of the two."""
    before = os.times()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    top = psutil.Process(proc.pid)
    peak = 0
    import threading

    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
    reader.start()
    cpu_of: dict[int, float] = {}
    while proc.poll() is None:
        try:
            procs = [top, *top.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            for p in procs:
                with p.oneshot():
                    times = p.cpu_times()
                    cpu_of[p.pid] = times.user + times.system
        except psutil.Error:
            pass
        time.sleep(0.5)
    reader.join()
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    parent = cpu_of.pop(proc.pid, 0.0)
    return (proc.returncode, wall, cpu, peak / 1e9, "\n".join(out[0].splitlines()[:3]) if out else "", parent,
            max(cpu_of.values(), default=0.0))


def _baseline(store_dir: str, sample: int) -> tuple[int, int, float, float]:
    """pySHACL graph by graph on ``sample`` briefing graphs: (sampled, all briefings, wall s, CPU s)."""
    from kg.store import documents, open_store
    from kg.validate import validate

    store = open_store(store_dir, read_only=True)
    briefings = documents(store)
    t, c = time.perf_counter(), time.process_time()
    validate(store, engine="pyshacl", workers=1, graphs=briefings[:sample])
    return min(sample, len(briefings)), len(briefings), time.perf_counter() - t, time.process_time() - c


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--sample", type=int, default=100, help="briefing graphs the pySHACL baseline validates")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--with-pyshacl", action="store_true", help="time --engine pyshacl end to end too")
    args = ap.parse_args(argv)

    load = os.getloadavg()
    print(f"\n## kg validate on {args.store} (load average {load[0]:.1f}, {os.cpu_count()} cores)\n")
    print("| run | wall | CPU (tree) | CPU: parent / busiest worker | peak RSS (tree) | load average after | target "
          "| exit | report |")
    print("|---|---|---|---|---|---|---|---|---|")
    workers = ["--workers", str(args.workers)] if args.workers else []
    for engine in ["sparql", "pyshacl"] if args.with_pyshacl else ["sparql"]:
        code, wall, cpu, rss, head, parent, busiest = _tree_run([*KG, "validate", "--no-progress", "--engine", engine, *workers,
                                                "--store", args.store])
        ok = "met" if wall <= TARGET_S and rss <= TARGET_GB else "missed"
        summary = " / ".join(line for line in head.splitlines()[1:3])
        print(f"| `kg validate --engine {engine}` | {wall:.1f} s | {cpu:.1f} s | {parent:.1f} s / {busiest:.1f} s "
              f"| {rss:.2f} GB "
              f"| {os.getloadavg()[0]:.1f} | ≤ {TARGET_S} s, ≤ {TARGET_GB:.0f} GB: {ok} | {code} | {summary} |",
              flush=True)
    n, total, wall, cpu = _baseline(args.store, args.sample)
    scale = total / max(n, 1)
    print(f"| baseline: pySHACL graph by graph, {n} briefings, 1 process | {wall:.1f} s | {cpu:.1f} s | | | "
          f"{os.getloadavg()[0]:.1f} | extrapolated to {total} briefings: {cpu * scale:.0f} s CPU "
          f"({cpu / max(n, 1):.3f} s per graph) | | |")


if __name__ == "__main__":
    main()
