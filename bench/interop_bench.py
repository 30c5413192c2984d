"""The FHIR and Parquet exports of a big store: time, peak memory and output size, next to a straight N-Quads dump.

    python bench/interop_bench.py --store bench-work/store [--workdir /tmp/interop-bench]

Each export runs in its own process (its peak RSS is its own). The target of both is constant memory: peak RSS
must not grow with the 1.67 million NCCI edits, so it is printed next to the dump's, which streams too.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from kg.store import open_store
store = open_store(sys.argv[1], read_only=True)
fmt, out = sys.argv[2], Path(sys.argv[3])
t = time.perf_counter()
if fmt == "nq":
    from kg.export import export
    export(store, str(out), "nq")
    rows = {}
else:
    from kg.export import export_directory
    rows = {w.id: getattr(w, "targets", None) or getattr(w, "rows", None) for w in export_directory(store, out, fmt)}
seconds = time.perf_counter() - t
size = out.stat().st_size if out.is_file() else sum(p.stat().st_size for p in out.iterdir())
print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "mb": size / 2**20, "rows": rows}))
"""


def _run(store: str, fmt: str, out: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", _CHILD, store, fmt, str(out)], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="interop-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print("\n## FHIR and Parquet exports\n")
    print("| export | seconds | peak RSS (MB) | output (MB) | rows |")
    print("|---|---|---|---|---|")
    for fmt, out in (("nq", work / "all.nq"), ("fhir", work / "fhir"), ("parquet", work / "tables")):
        r = _run(args.store, fmt, out)
        rows = ", ".join(f"{k} {v}" for k, v in r["rows"].items() if v)
        label = "N-Quads dump (baseline)" if fmt == "nq" else f"kg export --format {fmt}"
        print(f"| {label} | {r['seconds']:.1f} | {r['rss_mb']:.0f} | {r['mb']:.0f} | {rows} |", flush=True)
    print("\nTarget: constant memory (peak RSS of the same order as the streamed dump's, whatever the store's size).")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
