"""Benchmark ``kg validate`` on a big store against issue 19's targets (<= 3 min, <= 3 GB), with its baseline.

* ``kg validate`` end to end from the CLI (the store opened read-only): wall time, CPU time of the whole
  process tree (the CLI and its pySHACL workers), and the peak of the tree's summed RSS, sampled every 0.5 s
  (``/usr/bin/time -v`` would count the parent's peak only);
* with ``--with-sparql``, the same with ``--engine sparql`` (the briefing graphs through the SPARQL translation
  too: its queries run once per graph, so on thousands of briefings this is slow; the default skips it);
* the baseline, the path ``kg validate`` took before (:func:`kg.shapes.validate`: pySHACL over one rdflib copy
  of the union), on the first ``--sample`` briefing graphs only, extrapolated linearly to every briefing; it
  cannot hold the code sets at all (killed at 9.3 GB on the 10,000 store).

    python bench/validate_bench.py --store bench-work/store [--sample 200] [--workers 2] [--with-sparql]
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


def _tree_run(cmd: list[str]) -> tuple[int, float, float, float, str]:
    """Run ``cmd``; its exit code, wall seconds, CPU seconds of the tree, peak summed RSS (GB), stdout's first lines."""
    before = os.times()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    top = psutil.Process(proc.pid)
    peak = 0
    import threading

    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
    reader.start()
    while proc.poll() is None:
        try:
            procs = [top, *top.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.5)
    reader.join()
    wall = time.perf_counter() - t
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return proc.returncode, wall, cpu, peak / 1e9, "\n".join(out[0].splitlines()[:3]) if out else ""


def _baseline(store_dir: str, sample: int) -> tuple[int, int, float, float]:
    """The old path on ``sample`` briefing graphs: (sampled, all briefings, wall s, CPU s)."""
    import pyoxigraph as ox

    from kg.shapes import validate as old_validate
    from kg.store import documents, open_store

    store = open_store(store_dir, read_only=True)
    briefings = documents(store)
    subset = ox.Store()
    for g in briefings[:sample]:
        subset.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    t, c = time.perf_counter(), time.process_time()
    old_validate(subset)
    return min(sample, len(briefings)), len(briefings), time.perf_counter() - t, time.process_time() - c


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--sample", type=int, default=200, help="briefing graphs the baseline validates")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--with-sparql", action="store_true", help="time --engine sparql too")
    args = ap.parse_args(argv)

    load = os.getloadavg()
    print(f"\n## kg validate on {args.store} (load average {load[0]:.1f}, {os.cpu_count()} cores)\n")
    print("| run | wall | CPU (tree) | peak RSS (tree) | target | exit | report |")
    print("|---|---|---|---|---|---|---|")
    workers = ["--workers", str(args.workers)] if args.workers else []
    engines = ["pyshacl", "sparql"] if args.with_sparql else ["pyshacl"]
    for engine in engines:
        code, wall, cpu, rss, head = _tree_run([*KG, "validate", "--no-progress", "--engine", engine, *workers,
                                                "--store", args.store])
        ok = "met" if wall <= TARGET_S and rss <= TARGET_GB else "missed"
        summary = " / ".join(line for line in head.splitlines()[1:3])
        print(f"| `kg validate --engine {engine}` | {wall:.1f} s | {cpu:.1f} s | {rss:.2f} GB "
              f"| ≤ {TARGET_S} s, ≤ {TARGET_GB:.0f} GB: {ok} | {code} | {summary} |", flush=True)
    n, total, wall, cpu = _baseline(args.store, args.sample)
    scale = total / max(n, 1)
    print(f"| baseline: `kg.shapes.validate` (rdflib copy), {n} briefings, no code set | {wall:.1f} s | {cpu:.1f} s "
          f"| | extrapolated to {total} briefings: {wall * scale:.0f} s wall, {cpu * scale:.0f} s CPU | | |")


if __name__ == "__main__":
    main()
