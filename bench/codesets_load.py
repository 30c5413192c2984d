"""Benchmark: load the big code sets into the store, and the same triples into rdflib.

Loads the whole ICD-10-CM tabular list (the XML that simple-icd-10-cm ships)
and the NCCI practitioner PTP edits in force (1.67 million edits) into a
fresh pyoxigraph store on disk, then parses the same quads, dumped as
N-Quads, into an in-memory ``rdflib.Dataset``. Each runs in its own
subprocess, so each peak RSS is its own. Prints wall times, peak RSS and
triple counts; the figures are for reading, nothing is asserted.

    .venv/bin/python bench/codesets_load.py                       # both
    .venv/bin/python bench/codesets_load.py --skip-rdflib          # the store only
    .venv/bin/python bench/codesets_load.py --ptp other.csv.gz --rdflib-memory-gb 8

The rdflib subprocess gets an address-space limit (``--rdflib-memory-gb``)
and a time limit, so that a load too big for rdflib is reported as such
instead of taking the machine's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PTP = ROOT.parent / "shared" / "data" / "ncci_ptp_practitioner_2024q3.csv.gz"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def child_store(workdir: Path, ptp: Path) -> dict:
    """Load ICD-10-CM and the NCCI PTP edits in force into a fresh store; dump them as N-Quads."""
    import pyoxigraph as ox

    sys.path.insert(0, str(ROOT))
    from kg.codesets import graph_iri, load_icd10cm, load_ncci_ptp

    store_dir = workdir / "store"
    start = time.perf_counter()
    store = ox.Store(str(store_dir))
    icd = load_icd10cm(store, progress=False)
    ncci = load_ncci_ptp(store, ptp, progress=False)
    store.flush()
    load_seconds = time.perf_counter() - start
    rss_after_load = _peak_rss_mb()

    t = time.perf_counter()
    counts = {row["g"].value: int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    count_seconds = time.perf_counter() - t

    t = time.perf_counter()
    nquads = workdir / "codesets.nq"
    with open(nquads, "wb") as out:
        for name in ("icd10cm", "ncci-ptp"):
            ox.serialize(store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri(name))), out,
                         ox.RdfFormat.N_QUADS)
    dump_seconds = time.perf_counter() - t
    return {
        "icd10cm": {"release": icd.release, "triples": icd.triples, "seconds": icd.seconds},
        "ncci-ptp": {"release": ncci.release, "triples": ncci.triples, "seconds": ncci.seconds},
        "graph_sizes": {k.rsplit("/", 1)[-1]: v for k, v in counts.items()},
        "load_seconds": load_seconds,
        "peak_rss_mb_load": rss_after_load,
        "count_seconds": count_seconds,
        "dump_seconds": dump_seconds,
        "store_mb_on_disk": _du_mb(store_dir),
        "nquads": str(nquads),
        "nquads_mb": nquads.stat().st_size / 2**20,
    }


def child_rdflib(nquads: Path, lines_per_parse: int = 500_000) -> dict:
    """Parse the N-Quads into an in-memory rdflib Dataset, a block of lines at a time.

    After each block a progress line goes to stderr, so a run that is
    stopped (time or memory limit) still tells how far it got.
    """
    from itertools import islice

    from rdflib import Dataset

    start = time.perf_counter()
    ds = Dataset()
    done = 0
    with open(nquads, encoding="utf-8") as f:
        while block := "".join(islice(f, lines_per_parse)):
            ds.parse(data=block, format="nquads")
            done += block.count("\n")
            print(f"progress: {done:,} quads parsed in {time.perf_counter() - start:.0f} s, "
                  f"peak RSS {_peak_rss_mb():.0f} MB", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    triples = sum(len(g) for g in ds.graphs())
    return {"seconds": seconds, "triples": triples, "peak_rss_mb": _peak_rss_mb()}


def _run_child(args: list[str], *, memory_gb: float | None = None, timeout: float | None = None) -> dict:
    def limit():  # runs in the child, before exec
        if memory_gb:
            size = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout,
                              preexec_fn=limit)
    except subprocess.TimeoutExpired as err:
        stderr = err.stderr.decode() if isinstance(err.stderr, bytes) else (err.stderr or "")
        progress = [line for line in stderr.splitlines() if line.startswith("progress: ")]
        reached = f"; last {progress[-1]}" if progress else ""
        return {"error": f"did not finish in {timeout:.0f} s{reached}", "wall_seconds": time.perf_counter() - start}
    wall = time.perf_counter() - start
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        progress = [line for line in lines if line.startswith("progress: ")]
        tail = lines[-1] if lines else "(no output)"
        reached = f"; last {progress[-1]}" if progress and progress[-1] != tail else ""
        return {"error": f"exit {done.returncode}: {tail}{reached}", "wall_seconds": wall}
    result = json.loads(done.stdout)
    result["wall_seconds"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ptp", type=Path, default=DEFAULT_PTP, help="NCCI PTP file (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, help="Where the store and N-Quads go (default: a temp dir, removed)")
    parser.add_argument("--skip-rdflib", action="store_true", help="Only load the store.")
    parser.add_argument("--rdflib-memory-gb", type=float, default=16.0, help="Address-space limit for rdflib.")
    parser.add_argument("--rdflib-timeout", type=float, default=1800.0, help="Seconds before rdflib is stopped.")
    parser.add_argument("--child", choices=["store", "rdflib"], help=argparse.SUPPRESS)
    parser.add_argument("--nquads", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "store":
        print(json.dumps(child_store(args.workdir, args.ptp)))
        return
    if args.child == "rdflib":
        print(json.dumps(child_rdflib(args.nquads)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine slows both loads)")
        print(f"pyoxigraph store: ICD-10-CM (packaged XML) + NCCI PTP edits in force from {args.ptp.name}", flush=True)
        ox_result = _run_child(["--child", "store", "--workdir", str(workdir), "--ptp", str(args.ptp)])
        if "error" in ox_result:
            sys.exit(f"store load failed: {ox_result['error']}")
        for name in ("icd10cm", "ncci-ptp"):
            r = ox_result[name]
            print(f"  {name:9} {r['release']:>20}  {r['triples']:>10,} triples written  {r['seconds']:7.1f} s")
        sizes = ", ".join(f"{k} {v:,}" for k, v in ox_result["graph_sizes"].items())
        print(f"  load wall time {ox_result['load_seconds']:.1f} s; peak RSS {ox_result['peak_rss_mb_load']:.0f} MB; "
              f"store on disk {ox_result['store_mb_on_disk']:.0f} MB")
        print(f"  quads per graph (SPARQL COUNT, {ox_result['count_seconds']:.1f} s): {sizes}")
        print(f"  dumped {ox_result['nquads_mb']:.0f} MB of N-Quads for rdflib in {ox_result['dump_seconds']:.1f} s",
              flush=True)
        if args.skip_rdflib:
            return
        print(f"rdflib Dataset (in memory) parsing the same N-Quads; limits {args.rdflib_memory_gb:g} GB, "
              f"{args.rdflib_timeout:.0f} s", flush=True)
        rd = _run_child(["--child", "rdflib", "--nquads", ox_result["nquads"]], memory_gb=args.rdflib_memory_gb,
                        timeout=args.rdflib_timeout)
        if "error" in rd:
            print(f"  rdflib: {rd['error']} (after {rd['wall_seconds']:.0f} s)")
        else:
            print(f"  {rd['triples']:,} triples in {rd['seconds']:.1f} s; peak RSS {rd['peak_rss_mb']:.0f} MB")
            print(f"  store vs rdflib: {rd['seconds'] / ox_result['load_seconds']:.1f}x the time, "
                  f"{rd['peak_rss_mb'] / ox_result['peak_rss_mb_load']:.1f}x the peak RSS")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
