"""Time ``kg show`` and the coder's named queries on a store (by default the bundled examples).

On the store of ``bench/build.py`` (10,000 briefings and every code set, the full NCCI PTP file
among them) each answer must stay interactive: every part is a query with the code bound.

    python bench/show_bench.py [--store DIR] [--reps 5] [CODE ...]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

CODES = ["77013", "99213", "47382", "C22.0", "2085R0202X", "G0439", "26"]
PAIRS = [("43235", "43239"), ("77013", "77012"), ("77013", "99213")]


def _median(fn, reps: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", help="A built store; by default the bundled examples in a temporary store.")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("codes", nargs="*", default=CODES)
    args = ap.parse_args()

    import kg
    from kg.query import run

    if args.store:
        store = kg.open_store(args.store, read_only=True)
    else:
        store = kg.open_store(tempfile.mkdtemp())
        kg.build(store, [kg.examples_dir()], progress=False)
    print(f"| kg show / query | median of {args.reps} (ms) | facts |")
    print("|---|---:|---|")
    for code in args.codes:
        facts = kg.show(store, code)
        ncci = facts["ncci"]["count"] if facts["ncci"] else "-"
        seconds = _median(lambda code=code: kg.show(store, code), args.reps)
        print(f"| show {code} | {seconds * 1000:.1f} | {len(facts['briefings'])} briefing rows, {ncci} PTP edits |")
    for a, b in PAIRS:
        rows = run(store, "ncci-pair", code=a, other=b).records()
        seconds = _median(lambda a=a, b=b: run(store, "ncci-pair", code=a, other=b), args.reps)
        status = ", ".join(r["status"] for r in rows) or "no PTP release loaded"
        print(f"| ncci-pair {a} {b} | {seconds * 1000:.1f} | {status} |")


if __name__ == "__main__":
    main()
