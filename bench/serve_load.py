"""Load test of `kg serve` (the Oxigraph server) on loopback: N concurrent clients x M named queries.

Builds the bundled examples into a fresh store, starts the read-only server on a free
loopback port, then runs CLIENTS threads that each send QUERIES named queries (round-robin
over the library, parameters bound to each query's example) over HTTP. Prints p50/p99
latency, throughput and the error count, next to the same queries run in-process against
the embedded store (the baseline). Not a test: it prints figures.

    python bench/serve_load.py [--clients 20] [--queries 200] [--store DIR]

With ``--store``, the server reads that store (read-only) instead of a fresh one of the examples.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from kg.examples import examples_dir
from kg.query import bind, named_queries, run_sparql, with_values
from kg.serve import free_port, start
from kg.build import build
from kg.store import open_store


def _texts() -> list[str]:
    out = []
    for q in named_queries().values():
        if not q.needs:
            out.append(with_values(q.text, bind(q, q.example())))
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--store", help="Serve this store (read-only) instead of the bundled examples.")
    args = ap.parse_args()

    store_dir = args.store
    if store_dir is None:
        store_dir = tempfile.mkdtemp(prefix="kg-serve-load-")
        store = open_store(store_dir)
        build(store, [examples_dir()], progress=False)
        del store
    texts = _texts()

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with start(store_dir, bind=f"127.0.0.1:{free_port()}") as server:
        def client(worker: int) -> None:
            mine, bad = [], []
            for i in range(args.queries):
                body = urllib.parse.urlencode({"query": texts[(worker + i) % len(texts)]}).encode()
                req = urllib.request.Request(server.query_url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        r.read()
                        if r.status != 200:
                            bad.append(str(r.status))
                except Exception as err:  # the bench counts every failure, whatever it is
                    bad.append(repr(err))
                mine.append(time.perf_counter() - t)
            with lock:
                latencies.extend(mine)
                errors.extend(bad)

        threads = [threading.Thread(target=client, args=(w,)) for w in range(args.clients)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0

    embedded = open_store(store_dir, read_only=True)
    local = []
    for i in range(args.queries):
        t = time.perf_counter()
        run_sparql(embedded, texts[i % len(texts)])
        local.append(time.perf_counter() - t)

    total = args.clients * args.queries
    print(f"kg serve load test: {args.clients} clients x {args.queries} named queries = {total} requests "
          f"({len(texts)} distinct queries, {args.store or 'bundled examples'}; target p99 <= 250 ms)")
    print(f"  HTTP (oxigraph serve-read-only): p50 {statistics.median(latencies) * 1000:.2f} ms, "
          f"p99 {_pct(latencies, 99) * 1000:.2f} ms, {total / wall:.0f} req/s, errors {len(errors)}")
    print(f"  embedded baseline (same queries, one thread): p50 {statistics.median(local) * 1000:.2f} ms, "
          f"p99 {_pct(local, 99) * 1000:.2f} ms")
    if errors:
        print("  first errors:", errors[:3])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
