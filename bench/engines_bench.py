"""Benchmark getting a store into outside engines: ``kg push`` to Virtuoso against the engines' own bulk loaders.

The same store goes three ways, and each is timed:

* ``kg push`` (SPARQL 1.1 Graph Store Protocol: chunked, ``--workers`` requests in flight) into a fresh private
  Virtuoso 7.2 (kg.engines.virtuoso);
* Virtuoso's bulk loader (``ld_dir`` / ``rdf_loader_run`` / ``checkpoint``) on the store's N-Quads export, into
  another fresh instance;
* Jena's ``tdb2.tdbloader`` on the same N-Quads into a new TDB2 database.

The export itself (``kg export --format nq``) is timed too. Prints a Markdown table.

    python bench/engines_bench.py --store /work/bench-10k/store --workdir /tmp/engines-bench
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path, help="The store (opened read-only).")
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--chunk-triples", type=int, default=50_000)
    parser.add_argument("--memory-mib", type=int, default=2048, help="Virtuoso's page buffers.")
    parser.add_argument("--skip", action="append", default=[], choices=["push", "virtuoso-bulk", "tdb2"])
    args = parser.parse_args()

    from kg.engines import jena, virtuoso
    from kg.export import export
    from kg.remote import Endpoint, push
    from kg.store import open_store

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    store = open_store(args.store, read_only=True)
    quads = len(store)
    rows = []
    t = time.perf_counter()
    nq = args.workdir / "kg.nq"
    export(store, str(nq), "nq")
    rows.append(("kg export --format nq", time.perf_counter() - t))
    print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
    if "push" not in args.skip:
        with virtuoso.start(args.workdir / "v-push", memory_mib=args.memory_mib) as v:
            t = time.perf_counter()
            push(store, Endpoint(v.sparql_url, graph_store=v.graph_store_url, headers={}, timeout=600),
                 workers=args.workers, chunk_triples=args.chunk_triples, progress=False)
            rows.append((f"kg push to Virtuoso ({args.workers} workers, {args.chunk_triples:,} triples a request)",
                         time.perf_counter() - t))
            print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
            assert v.count() == quads, (v.count(), quads)
    if "virtuoso-bulk" not in args.skip:
        with virtuoso.start(args.workdir / "v-bulk", memory_mib=args.memory_mib, dirs=(str(args.workdir),)) as v:
            t = time.perf_counter()
            loaded = v.bulk_load(nq)
            rows.append(("Virtuoso bulk loader (ld_dir, rdf_loader_run, checkpoint)", time.perf_counter() - t))
            print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
            assert loaded == quads, (loaded, quads)
    if "tdb2" not in args.skip:
        t = time.perf_counter()
        jena.tdbloader(args.workdir / "tdb2", nq, heap="4g")
        rows.append(("Jena tdb2.tdbloader", time.perf_counter() - t))
        print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
    print(f"\n### Into outside engines: {quads:,} quads ({args.store})\n")
    print(f"Virtuoso {virtuoso.version()}; {jena.version()}\n")
    print("| path | seconds | quads/s |\n| --- | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {quads / seconds:,.0f} |")


if __name__ == "__main__":
    main()
