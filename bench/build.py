"""Benchmark the whole build: N generated briefings plus the official code sets, into a fresh store.

Stages (each timed, wall and CPU time, the CPU of the worker processes included): generate
the corpus; the full build, what ``kg build CORPUS --codeset ...`` does: ICD-10-CM, NUCC,
HCPCS, POS, MPFS and the active NCCI practitioner PTP edits one after another, then the briefings
(each part's own wall time is reported too), then the statistics and the flush before the
store is let go; an incremental rebuild after changing one briefing, what ``kg build CORPUS`` then
does; opening the store read-write again, in a fresh process; ``kg build`` from the command line,
end to end, with nothing changed and then with one briefing changed. Then, in the same run and on the
same content:

* the floor: the final store dumped as N-Quads and bulk-loaded straight into a fresh
  pyoxigraph store (kg can't beat it);
* the baseline: plain rdflib in memory (an ``rdflib.Dataset`` parsing the same N-Quads).
  When the whole would not fit in this machine's time or memory, rdflib loads a prefix of the
  N-Quads and its time is extrapolated linearly, and the report says so.

Each side runs in its own process so that peak RSS is its own. Prints a markdown table and
writes it to ``bench/RESULTS.md`` (with ``--results``).

    python bench/build.py [-n 10000] [--data ../shared/data] [--rdflib-max 2000000] [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import DEFAULT_DATA, generate  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its children that have ended (the build's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sources(data: Path, ncci: str) -> dict[str, Path | None]:
    return {
        "icd10cm": None,  # the tabular XML that simple-icd-10-cm ships
        "nucc": data / "nucc_taxonomy_251.csv",
        "hcpcs": data / "hcpcs_level2_2025oct.csv",
        "pos": data / "place_of_service_codes_cms.csv",
        "mpfs": data / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv",
        "ncci-ptp": data / ncci,
    }


def child_kg(corpus: Path, store_dir: Path, data: Path, ncci: str) -> dict:
    """The kg side: build, code sets, incremental rebuild; returns timings."""
    from kg.audit.cache import keep_code_set_facts
    from kg.mentions import KeptMentions
    from kg.pipeline import build_all
    from kg.store import cache_dir_for, finish_writing, open_store, triple_count

    store = open_store(store_dir)
    sources = _sources(data, ncci)
    # what 'kg build CORPUS --codeset ...' does: the code sets load, what the audit reads of them is read, then the
    # briefings build (what the audit reads of each kept beside the store)
    t, cpu = time.perf_counter(), _cpu()
    kept = KeptMentions(cache_dir_for(store_dir))
    facts: list[float] = []

    def read_facts(loads) -> None:  # as 'kg build' does: once the code sets are in
        f = time.perf_counter()
        keep_code_set_facts(store, cache_dir_for(store_dir), loads)
        facts.append(time.perf_counter() - f)

    report, loads = build_all(store, [corpus], sources, progress=False, kept=kept, loaded_then=read_facts)
    f = facts[0] if facts else 0.0
    finish_writing(store)
    kept.save()
    stages = {"full build (code sets, then briefings)": time.perf_counter() - t,
              "briefings (their own wall time)": report.seconds,
              "the code sets' facts read for the audit (their own wall time, before the briefings)": f}
    total_cpu = _cpu() - cpu
    each = {r.name: r.seconds for r in loads}
    total = stages["full build (code sets, then briefings)"]
    rss_build = _rss_mb()
    # incremental: change one briefing of the corpus, rebuild as 'kg build CORPUS' does
    path = corpus / sorted(report.added)[0]
    path.write_bytes(path.read_bytes().replace(b"Key payers", b"Key payers (revised)", 1))
    t, cpu = time.perf_counter(), _cpu()
    again, _ = build_all(store, [corpus], progress=False, kept=kept)
    finish_writing(store)
    kept.save()
    incremental = time.perf_counter() - t
    incremental_cpu = _cpu() - cpu
    triples = triple_count(store)
    quads = len(store)
    return {"stages": stages, "codesets": each, "total": total, "total_cpu": total_cpu, "rss_mb": rss_build,
            "triples": triples, "quads": quads, "documents": len(report.added), "failed": len(report.errors),
            "incremental": incremental, "incremental_cpu": incremental_cpu, "incremental_updated": len(again.updated)}


def child_open(store_dir: Path) -> dict:
    """Open the store read-write in a fresh process, as the next 'kg build' does."""
    from kg.store import open_store

    t, cpu = time.perf_counter(), _cpu()
    store = open_store(store_dir)
    seconds, cpu = time.perf_counter() - t, _cpu() - cpu
    return {"seconds": seconds, "cpu": cpu, "graphs": sum(1 for _ in store.named_graphs())}


def child_cli(corpus: Path, store_dir: Path, data: Path, ncci: str) -> dict:
    """``kg build CORPUS --codeset ...`` from the command line, each a process of its own, as a user runs it again:
    once with nothing changed (the first after the in-process build: it records what it found in each file), then
    after changing one briefing. Wall and CPU time (the process and its threads), peak RSS, from /tmp."""
    command = [sys.executable, "-m", "kg", "build", str(corpus), "--store", str(store_dir), "--no-progress"]
    command += [f"--codeset={name}={path}" if path else f"--codeset={name}" for name, path in _sources(data, ncci).items()]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]))
    runs = {}
    for step in ("no change", "1 changed briefing"):
        if step != "no change":
            path = sorted(corpus.glob("*.txt"))[-1]
            path.write_bytes(path.read_bytes().replace(b"Key payers", b"Key payers (edited)", 1))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, cwd=tempfile.gettempdir(), env=env, check=False)
        seconds = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = next((line for line in out.stdout.splitlines() if line.startswith("built ")), out.stderr[-500:])
        runs[step] = {"seconds": seconds, "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                      "rss_mb": after.ru_maxrss / 1024, "summary": summary}
    return runs


def child_dump(store_dir: Path, out: Path) -> dict:
    from kg.export import export
    from kg.store import open_store

    t = time.perf_counter()
    export(open_store(store_dir, read_only=True), str(out), "nq")
    return {"seconds": time.perf_counter() - t}


def child_floor(nquads: Path, store_dir: Path) -> dict:
    import pyoxigraph as ox

    store = ox.Store(str(store_dir))
    t, cpu = time.perf_counter(), _cpu()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return {"seconds": time.perf_counter() - t, "cpu": _cpu() - cpu, "quads": len(store), "rss_mb": _rss_mb()}


def child_rdflib(nquads: Path, max_lines: int) -> dict:
    from rdflib import Dataset

    data = []
    total = 0
    with open(nquads, "rb") as fh:
        for line in fh:
            total += 1
            if len(data) < max_lines:
                data.append(line)
    ds = Dataset()
    t = time.perf_counter()
    ds.parse(data=b"".join(data), format="nquads")
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "loaded": len(data), "total": total, "rss_mb": _rss_mb(),
            "extrapolated": len(data) < total,
            "estimated_seconds": seconds * total / max(1, len(data))}


def markdown(n: int, kg: dict, floor: dict, rdf: dict, gen_seconds: float, opened: dict, load: tuple[str, str],
             cli: dict) -> str:
    import datetime as dt

    rows = [f"| {name} | {sec:.1f} s |" for name, sec in kg["stages"].items()]
    rows += [f"| {name} (its own wall time) | {sec:.1f} s |" for name, sec in kg["codesets"].items()]
    rd = rdf["estimated_seconds"]
    rd_note = (f"{rd:.0f} s, **extrapolated** from loading {rdf['loaded']:,} of {rdf['total']:,} quads in "
               f"{rdf['seconds']:.1f} s (peak RSS {rdf['rss_mb']:.0f} MB for that part)") if rdf["extrapolated"] else \
        f"{rd:.1f} s (peak RSS {rdf['rss_mb']:.0f} MB)"
    lines = [
        f"## Build: {n:,} briefings + ICD-10-CM + NUCC + HCPCS + POS + MPFS + NCCI PTP",
        "",
        f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, load average {load[0]} at the start and {load[1]} at "
        f"the end (other work on the machine slows every side). Corpus generated in {gen_seconds:.1f} s "
        f"({kg['documents']:,} built, {kg['failed']} malformed reported and skipped).",
        "",
        "| stage | wall time |",
        "|---|---|",
        *rows,
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| full build | {kg['total']:.1f} s wall, {kg['total_cpu']:.1f} s CPU, peak RSS {kg['rss_mb']:.0f} MB "
        "| < 120 s, < 2 GB |",
        f"| triples (distinct, union) / quads | {kg['triples']:,} / {kg['quads']:,} | |",
        f"| pyoxigraph bulk load of the same N-Quads (floor) | {floor['seconds']:.1f} s wall, {floor['cpu']:.1f} s CPU "
        f"(peak RSS {floor['rss_mb']:.0f} MB) | |",
        f"| full build vs floor | {kg['total'] / floor['seconds']:.2f}x wall, {kg['total_cpu'] / floor['cpu']:.2f}x CPU "
        "| <= 1.5x |",
        f"| plain rdflib in memory, same N-Quads | {rd_note} | |",
        f"| full build vs rdflib | {rd / kg['total']:.1f}x faster | >= 8x |",
        f"| incremental rebuild, 1 changed briefing of {kg['documents']:,} | {kg['incremental']:.2f} s wall, "
        f"{kg['incremental_cpu']:.2f} s CPU ({kg['incremental_updated']} updated), in process | <= 1 s |",
        *(f"| `kg build CORPUS --codeset ...`, CLI, {step} | {r['seconds']:.2f} s wall, {r['cpu']:.2f} s CPU, peak RSS "
          f"{r['rss_mb']:.0f} MB ({r['summary'].split(';')[0]}) | {'<= 1 s' if step != 'no change' else ''} |"
          for step, r in cli.items()),
        f"| opening the store read-write after the build, fresh process | {opened['seconds']:.2f} s wall, "
        f"{opened['cpu']:.2f} s CPU | <= 2 s |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        rest = sys.argv[3:]
        if kind == "kg":
            result = child_kg(Path(rest[0]), Path(rest[1]), Path(rest[2]), rest[3])
        elif kind == "dump":
            result = child_dump(Path(rest[0]), Path(rest[1]))
        elif kind == "cli":
            result = child_cli(Path(rest[0]), Path(rest[1]), Path(rest[2]), rest[3])
        elif kind == "open":
            result = child_open(Path(rest[0]))
        elif kind == "floor":
            result = child_floor(Path(rest[0]), Path(rest[1]))
        else:
            result = child_rdflib(Path(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--ncci", default="ncci_ptp_practitioner_2024q3.csv.gz",
                    help="NCCI PTP file name in --data (the smoke test uses the radiology subset)")
    ap.add_argument("--rdflib-max", type=int, default=2_000_000, help="at most this many quads into rdflib")
    ap.add_argument("--results", type=Path, help="write the markdown table here")
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    corpus, store_dir, nq = work / "corpus", work / "store", work / "final.nq"
    load_start = _load()
    t = time.perf_counter()
    generate(corpus, args.n, seed=args.seed, data=args.data)
    gen = time.perf_counter() - t
    kg = _child(["--child", "kg", str(corpus), str(store_dir), str(args.data), args.ncci])
    opened = _child(["--child", "open", str(store_dir)])
    _child(["--child", "dump", str(store_dir), str(nq)])
    cli = _child(["--child", "cli", str(corpus), str(store_dir), str(args.data), args.ncci])  # after the dump: the floor loads what kg counted
    floor = _child(["--child", "floor", str(nq), str(work / "floor-store")])
    rdf = _child(["--child", "rdflib", str(nq), str(args.rdflib_max)])
    table = markdown(args.n, kg, floor, rdf, gen, opened, (load_start, _load()), cli)
    print(table)
    print(json.dumps({"kg": kg, "floor": floor, "rdflib": rdf, "open": opened, "cli": cli, "workdir": str(work)}))
    if args.results:
        args.results.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
