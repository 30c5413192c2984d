"""Load test of `kg serve` (the Oxigraph server) on loopback: N concurrent clients x M named queries.

Builds the bundled examples into a fresh store, starts the read-only server on a free
loopback port, then runs CLIENTS threads that each send QUERIES named queries (round-robin
over the library, parameters bound to each query's example) over HTTP. Prints p50/p95/p99
latency per named query and overall, next to the target (issue 21: p99 <= 250 ms), with
throughput, the error count, the CPU time the server's processes used and the load average;
then the same queries run in-process against the embedded store, one thread (the baseline).
Not a test: it prints figures.

    python bench/serve_load.py [--clients 20] [--queries 200] [--store DIR] [--workers 4]

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
from kg.query import named_queries, query_text, run_sparql
from kg.serve import free_port, start
from kg.build import build
from kg.store import open_store


def _texts() -> list[tuple[str, str]]:
    """``(name, text)`` of every named query that needs nothing loaded first, its example parameters bound: what
    ``kg queries --links`` serves (a listing's first page, as ``kg query`` and ``/q/NAME`` show it)."""
    return [(q.name, query_text(None, q.name, limit=q.page or None, **q.example())[0])
            for q in named_queries().values() if not q.needs]


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far (Linux /proc)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _line(name: str, values: list[float]) -> str:
    p99 = _pct(values, 99)
    return (f"| {name} | {len(values)} | {statistics.median(values) * 1000:.1f} ms | {_pct(values, 95) * 1000:.1f} ms "
            f"| {p99 * 1000:.1f} ms | {max(values) * 1000:.1f} ms | {'yes' if p99 <= 0.25 else '**no**'} |")


def main() -> None:
    import os

    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--workers", type=int, default=4, help="Oxigraph servers behind kg serve's guard.")
    ap.add_argument("--store", help="Serve this store (read-only) instead of the bundled examples.")
    args = ap.parse_args()

    store_dir = args.store
    if store_dir is None:
        store_dir = tempfile.mkdtemp(prefix="kg-serve-load-")
        store = open_store(store_dir)
        build(store, [examples_dir()], progress=False)
        del store
    texts = _texts()

    latencies: dict[str, list[float]] = {name: [] for name, _ in texts}
    errors: list[str] = []
    lock = threading.Lock()
    with start(store_dir, bind=f"127.0.0.1:{free_port()}", workers=args.workers) as server:
        pids = [p.pid for p, _ in server.backends.all]
        def client(worker: int) -> None:
            mine, bad = [], []
            for i in range(args.queries):
                name, text = texts[(worker + i) % len(texts)]
                body = urllib.parse.urlencode({"query": text}).encode()
                req = urllib.request.Request(server.query_url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        r.read()
                        if r.status != 200:
                            bad.append(f"{name}: {r.status}")
                except Exception as err:  # the bench counts every failure, whatever it is
                    bad.append(f"{name}: {err!r}")
                mine.append((name, time.perf_counter() - t))
            with lock:
                for name, seconds in mine:
                    latencies[name].append(seconds)
                errors.extend(bad)

        threads = [threading.Thread(target=client, args=(w,)) for w in range(args.clients)]
        cpu0, self0, load0 = _cpu(pids), time.process_time(), os.getloadavg()[0]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        server_cpu, guard_cpu, load = _cpu(pids) - cpu0, time.process_time() - self0, os.getloadavg()

    embedded = open_store(store_dir, read_only=True)
    local: dict[str, list[float]] = {}
    for name, text in texts:
        for _ in range(3):
            t = time.perf_counter()
            run_sparql(embedded, text)
            local.setdefault(name, []).append(time.perf_counter() - t)

    total = args.clients * args.queries
    every = [x for values in latencies.values() for x in values]
    print(f"kg serve load test: {args.clients} clients x {args.queries} named queries = {total} requests "
          f"({len(texts)} distinct queries, {args.store or 'bundled examples'}, {args.workers} Oxigraph servers; "
          f"target p99 <= 250 ms)")
    print(f"  {wall:.1f} s wall, {total / wall:.0f} req/s, errors {len(errors)}; CPU: Oxigraph servers {server_cpu:.1f} s, "
          f"guard and clients (one process) {guard_cpu:.1f} s; load average {load0:.1f} before, "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} after, on {os.cpu_count()} cores")
    print()
    print("| query | requests | p50 | p95 | p99 | max | p99 <= 250 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, values in sorted(((n, v) for n, v in latencies.items() if v), key=lambda kv: -_pct(kv[1], 99)):
        print(_line(name, values))
    print(_line("**all**", every))
    print()
    print("  embedded baseline (same queries in-process, one thread, median of 3): " + ", ".join(
        f"{name} {statistics.median(v) * 1000:.1f} ms" for name, v in sorted(local.items(), key=lambda kv: -max(kv[1]))))
    if errors:
        print("  first errors:", errors[:3])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
