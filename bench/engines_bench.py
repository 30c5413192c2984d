"""Benchmark getting a store into outside engines: ``kg push`` to Virtuoso against the engines' own bulk loaders.

The same store goes these ways, each timed (wall time, and CPU time of kg's process and of the engine):

* ``kg export --format nq`` (the N-Quads the bulk loaders read);
* ``kg push`` (SPARQL 1.1 Graph Store Protocol: chunked, ``--workers`` requests in flight) into a fresh private
  Virtuoso 7.2 (kg.engines.virtuoso);
* Virtuoso's bulk loader (``ld_dir`` / ``rdf_loader_run`` / ``checkpoint``) on the export, into another fresh
  instance;
* Jena's ``tdb2.tdbloader`` on the same N-Quads into a new TDB2 database;
* a ``kg push`` killed (SIGKILL) once graphs holding half the quads are in (or earlier, on a fresh instance, when
  a small push is quicker than that), into a third fresh instance, then run again with its
  journal: the graphs left short by the kill are counted, and after the second run every graph must hold as many
  triples as in the store (the run fails otherwise).

Each instance and database is deleted once measured (disk). Virtuoso's page buffers are bounded
(``--memory-mib``: ``NumberOfBuffers``, ``MaxDirtyBuffers`` in its virtuoso.ini). Prints a Markdown section.

    python bench/engines_bench.py --store /work/bench-10k/store --workdir /tmp/engines-bench
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

KG = [sys.executable, "-m", "kg"]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kg(*args: str) -> str:
    done = subprocess.run([*KG, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout.strip()


def _done_quads(journal: Path, local: dict[str, int]) -> int:
    """The store's quads in the graphs the journal says are whole."""
    if not journal.exists():
        return 0
    lines = journal.read_text(encoding="utf-8", errors="replace").splitlines()
    return sum(local.get(ln.split(" ")[1], 0) for ln in lines if ln.startswith("done "))


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, type=Path, help="The store (opened read-only).")
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--chunk-triples", type=int, default=50_000)
    parser.add_argument("--memory-mib", type=int, default=1024, help="Virtuoso's page buffers.")
    parser.add_argument("--heap", default="2g", help="tdb2.tdbloader's Java heap.")
    parser.add_argument("--skip", action="append", default=[], choices=["push", "virtuoso-bulk", "tdb2", "resume"])
    parser.add_argument("--nq", type=Path, help="The store's N-Quads export from an earlier run, outside --workdir "
                        "(then the export is not run again nor timed; it must be of --store).")
    args = parser.parse_args()

    from kg.engines import jena, virtuoso
    from kg.remote import Endpoint
    from kg.remote.push import remote_sizes as _sizes  # triples per kg graph; a store answers the query too
    from kg.store import open_store

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    store = open_store(args.store, read_only=True)
    quads = len(store)
    graphs = sum(1 for _ in store.named_graphs())
    print(f"load average at the start: {_load()}", flush=True)
    rows: list[tuple[str, float, float, float]] = []  # (path, wall s, kg CPU s, engine CPU s)

    def measured(name: str, wall: float, kg_cpu: float, engine_cpu: float) -> None:
        rows.append((name, wall, kg_cpu, engine_cpu))
        print(f"{name}: {wall:.1f} s wall, {kg_cpu:.1f} s kg CPU, {engine_cpu:.1f} s engine CPU "
              f"(load {_load()})", flush=True)

    nq = args.nq.resolve() if args.nq else args.workdir / "kg.nq"
    if not args.nq:
        t, c = time.perf_counter(), _children_cpu()
        _kg("export", "--format", "nq", "-o", str(nq), "--store", str(args.store))
        measured("`kg export --format nq`", time.perf_counter() - t, _children_cpu() - c, 0.0)
    push_args = ["--workers", str(args.workers), "--chunk-triples", str(args.chunk_triples), "--timeout", "900",
                 "--store", str(args.store)]

    if "push" not in args.skip:
        with virtuoso.start(args.workdir / "v-push", memory_mib=args.memory_mib) as v:
            t, c, e = time.perf_counter(), _children_cpu(), _process_cpu(v.process.pid)
            _kg("push", "--endpoint", v.sparql_url, "--graph-store", v.graph_store_url,
                "--journal", str(args.workdir / "push.journal"), *push_args)
            v.isql("checkpoint;")
            measured(f"`kg push` to Virtuoso ({args.workers} workers, {args.chunk_triples:,} triples a request, "
                     "then a checkpoint)", time.perf_counter() - t, _children_cpu() - c,
                     _process_cpu(v.process.pid) - e)
            held = v.count()
            assert held == quads, f"Virtuoso holds {held:,} quads after kg push, the store {quads:,}"
        shutil.rmtree(args.workdir / "v-push")

    if "virtuoso-bulk" not in args.skip:
        with virtuoso.start(args.workdir / "v-bulk", memory_mib=args.memory_mib, dirs=(str(nq.parent),)) as v:
            t, e = time.perf_counter(), _process_cpu(v.process.pid)
            loaded = v.bulk_load(nq)
            measured("Virtuoso bulk loader (`ld_dir`, `rdf_loader_run`, `checkpoint`)", time.perf_counter() - t,
                     0.0, _process_cpu(v.process.pid) - e)
            assert loaded == quads, f"Virtuoso's bulk loader left {loaded:,} quads, the store has {quads:,}"
        shutil.rmtree(args.workdir / "v-bulk")

    if "tdb2" not in args.skip:
        t, c = time.perf_counter(), _children_cpu()
        jena.tdbloader(args.workdir / "tdb2", nq, heap=args.heap)
        measured(f"Jena `tdb2.tdbloader` (heap {args.heap})", time.perf_counter() - t, 0.0, _children_cpu() - c)
        shutil.rmtree(args.workdir / "tdb2")

    resumed = None
    if "resume" not in args.skip:
        local = _sizes(store)
        journal = args.workdir / "resume.journal"
        # Killed once graphs holding half the quads are in. A push quicker than the polling (a small store on a
        # quiet machine) is tried again on a fresh instance, killed earlier: once any graph is whole, then once
        # the journal has a line at all.
        for attempt, threshold in enumerate((quads // 2, 1, 0)):
            journal.unlink(missing_ok=True)
            shutil.rmtree(args.workdir / "v-resume", ignore_errors=True)  # a fresh instance each time
            with virtuoso.start(args.workdir / "v-resume", memory_mib=args.memory_mib) as v:
                gsp = ["--endpoint", v.sparql_url, "--graph-store", v.graph_store_url, "--journal", str(journal),
                       *push_args]
                t = time.perf_counter()
                first = subprocess.Popen([*KG, "push", *gsp], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                while first.poll() is None and not (journal.exists() and _done_quads(journal, local) >= threshold):
                    time.sleep(0.02)
                first.send_signal(signal.SIGKILL)
                first.wait()
                killed_after = time.perf_counter() - t
                if first.returncode != -signal.SIGKILL:
                    if attempt == 2:
                        raise SystemExit("the first push ended before it was killed, three times: nothing was "
                                         "interrupted")
                    print(f"(the first push ended before it was killed, {killed_after:.1f} s; again, killed earlier)")
                    continue
                there = _sizes(Endpoint(v.sparql_url, headers={}, timeout=900))
                short = sum(1 for g, n in local.items() if there.get(g, 0) != n)
                partial = sum(1 for g, n in local.items() if 0 < there.get(g, 0) != n)
                t, c, e = time.perf_counter(), _children_cpu(), _process_cpu(v.process.pid)
                said = _kg("push", *gsp)
                v.isql("checkpoint;")
                measured("`kg push` run again after the kill (same journal)", time.perf_counter() - t,
                         _children_cpu() - c, _process_cpu(v.process.pid) - e)
                after = _sizes(Endpoint(v.sparql_url, headers={}, timeout=900))
                wrong = {g for g in local if after.get(g) != local[g]} | (set(after) - set(local))
                if wrong:
                    raise SystemExit(f"after the second push {len(wrong)} graphs differ from the store, e.g. "
                                     f"{sorted(wrong)[:3]}")
                when = ("once graphs holding half the quads were in", "once a graph was whole",
                        "once the journal had its first line")[attempt]
                resumed = (killed_after, when, short, partial, re.sub(r" to \S+?(;|$)", r"\1", said))  # no port
            break
        shutil.rmtree(args.workdir / "v-resume", ignore_errors=True)
    if not args.nq:
        nq.unlink()

    print(f"\n### Push and bulk load: {quads:,} quads in {graphs:,} graphs ({args.store})\n")
    print(f"Virtuoso {virtuoso.version()} ({args.memory_mib} MiB of page buffers); Jena "
          f"{jena.version().split()[-1]} on "
          f"{_java_version()}; load average at the end {_load()} (1/5/15 min; 2 cores, shared).\n")
    print("| path | wall s | quads/s (wall) | kg CPU s | engine CPU s |\n| --- | ---: | ---: | ---: | ---: |")
    for name, wall, kg_cpu, engine_cpu in rows:
        print(f"| {name} | {wall:.1f} | {quads / wall:,.0f} | {kg_cpu:.1f} | {engine_cpu:.1f} |")
    if resumed is not None:
        killed_after, when, short, partial, said = resumed
        print(f"\nInterrupted push: killed (SIGKILL) after {killed_after:.1f} s, {when}; "
              f"{short:,} of {graphs:,} graphs were then short in Virtuoso ({partial:,} of them part-written). "
              f"Run again with the same journal (\"{said}\"), every graph held as many triples as in the store.")


def _java_version() -> str:
    done = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    first = (done.stderr or done.stdout).splitlines()
    return first[0].replace('"', "") if first else "java"


if __name__ == "__main__":
    main()
