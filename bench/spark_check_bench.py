"""Benchmark ``kg check --engine spark`` against the embedded checker on the same generated claim lines (1M).

The lines come from bench/check_bench.py's deterministic generator, written
once as CSV and as Parquet. The embedded checker (the baseline) reads the
CSV, loads the rules for the batch's codes from the store and checks every
line in one process. Spark (``--master``, ``local[2]`` by default) reads the
rule tables exported from the store (``kg export --format rules-parquet``;
timed here, once) and the claims, joins them and checks each claim in its
Python workers. Both runs must give the same findings (it says so). CPU time
is counted for the whole process tree (the JVM and its Python workers too),
next to wall time, with the load average: on a shared machine wall time is
what the other work left.

    python bench/spark_check_bench.py --store DIR [-n 1000000] [--master local[2]] [--rules DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _ticks(pid: int) -> float:
    """CPU seconds of ``pid`` and every descendant alive or reaped (utime, stime, cutime, cstime)."""
    hz = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        f = stats.get(p)
        if f:
            total += sum(int(x) for x in f[11:15])
        todo += children.get(p, [])
    return total / hz


def _cpu() -> float:
    return _ticks(os.getpid())


def write_claims(lines, directory: Path) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = ["claim_id", "line", "code", "modifiers", "units", "dx", "pos", "dos"]
    rows = [[ln.claim_id, ln.line, ln.code, " ".join(ln.modifiers), ln.units, " ".join(ln.dx), ln.pos, ln.dos]
            for ln in lines]
    path = directory / "claims.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    parquet = directory / "claims.parquet"
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), parquet)
    return path, parquet


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True, help="A store with the code sets loaded (read only).")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="The official files.")
    ap.add_argument("--rules", type=Path, help="Rule tables already exported (default: exported here, timed).")
    ap.add_argument("-n", type=int, default=1_000_000, help="Claim lines (default 1,000,000).")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from bench.check_bench import generate
    from kg.check import check_claims
    from kg.claims import read_claims
    from kg.engines.rules import write_rules
    from kg.engines.spark import check_spark, session, version
    from kg.store import open_store

    work = tempfile.TemporaryDirectory(prefix="kg-spark-bench-")
    tmp = Path(work.name)
    lines = generate(args.n, args.seed, args.data)
    csv_path, parquet_path = write_claims(lines, tmp)
    del lines
    store = open_store(args.store, read_only=True)
    rows = []

    def timed(label, fn):
        load, c, t = os.getloadavg()[0], _cpu(), time.perf_counter()
        out = fn()
        rows.append((label, time.perf_counter() - t, _cpu() - c, load))
        print(f"{label}: {rows[-1][1]:.1f} s wall, {rows[-1][2]:.1f} s CPU, load {load:.1f}", file=sys.stderr, flush=True)
        return out

    def embedded():
        ls, _ = read_claims(csv_path)
        return check_claims(store, ls)

    expected = timed("embedded: read the CSV, load the batch's rules, check", embedded)
    rules = args.rules
    if rules is None:
        rules = tmp / "rules"
        timed("export the rule tables (kg export --format rules-parquet), once", lambda: write_rules(store, rules))
    spark = timed(f"Spark session start ({args.master})", lambda: session(args.master, local_dir=tmp / "spark"))
    same = {}
    for label, path in (("CSV", csv_path), ("Parquet", parquet_path)):
        found, errors, _ = timed(f"Spark {args.master}: {label} claims joined with the rule tables, checked",
                                 lambda p=path: check_spark(spark, rules, p))
        same[label] = found == expected and not errors
    spark.stop()
    n = args.n
    print(f"## kg check --engine spark: {n:,} claim lines (seed {args.seed}), pyspark {version()}\n")
    print("| step | wall | CPU (process tree) | load average at start | lines/s (wall) |")
    print("|---|---|---|---|---|")
    for label, wall, cpu, load in rows:
        rate = f"{n / wall:,.0f}" if label.startswith(("embedded", "Spark local", f"Spark {args.master}:")) else ""
        print(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {load:.1f} | {rate} |")
    print(f"\n{len(expected):,} findings; Spark's the same as the embedded checker's, row for row: "
          + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in same.items()))
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    work.cleanup()
    if not all(same.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
