"""Benchmark ``kg check``: 100,000 claim lines after loading the rules once, against one SPARQL query per line.

The claims are generated (deterministic for a seed) from the codes of the
official files in ``../shared/data``: procedure codes with MPFS status A,
modifiers, units and billable ICD-10-CM diagnoses, with a few planted
bundled pairs. kg reads the rules for the batch's codes from the store once
(:func:`kg.check.load_rules`) and checks every line in memory
(:func:`kg.check.check_lines`). The baseline asks the store one SPARQL query
per line (``kg/queries/internal/check-line-baseline.rq``: the code's status,
MUE and bundling edits, which is less than kg checks); it is timed on a
sample and extrapolated. One claim on the command line (``kg check``) is
timed too. Prints a Markdown table.

    python bench/check_bench.py --store DIR [-n 100000] [--sample 2000]
    python bench/check_bench.py --data ../shared/data   # builds a store with every code set first (a minute)
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MPFS = "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv"
BUNDLED = [("43239", "43235"), ("93306", "93320"), ("29881", "29877"), ("11102", "17000")]
MODIFIERS = ["", "", "", "", "26", "TC", "59", "XU", "25", "80", "50", "RT", "LT", "78", "QK"]


def generate(n: int, seed: int, data: Path):
    """``n`` claim lines in claims of 1 to 6 lines, the same for the same seed."""
    from kg.claims import ClaimLine
    from kg.icd_notes import codes as icd_codes

    with (data / MPFS).open(newline="") as f:
        procedures = sorted({r["hcpcs"] for r in csv.DictReader(f) if not r["mod"] and r["status_code"] == "A"})
    rng = random.Random(seed)
    pool = rng.sample(procedures, 800) + ["99217", "7701X"]  # two unknown codes
    import simple_icd_10_cm as icd10

    leaves = sorted(c for c in icd_codes() if len(c) > 4 and icd10.is_leaf(c))  # billable codes
    dx_pool = rng.sample(leaves, 500) + ["I25.1", "E11.9", "E08.65"]  # a header and an Excludes1 pair
    lines: list[ClaimLine] = []
    claim = 0
    while len(lines) < n:
        claim += 1
        size = min(rng.randint(1, 6), n - len(lines))
        codes = [rng.choice(pool) for _ in range(size)]
        if size >= 2 and rng.random() < 0.1:
            codes[:2] = rng.choice(BUNDLED)
        dx = tuple(rng.sample(dx_pool, rng.randint(1, 3)))
        dos = f"2024-{rng.randint(7, 9):02d}-{rng.randint(1, 28):02d}"
        for i, code in enumerate(codes, 1):
            mod = rng.choice(MODIFIERS)
            lines.append(ClaimLine(f"C{claim:06d}", i, code, (mod,) if mod else (), rng.choice((1, 1, 1, 1, 1, 2)),
                                   dx, "11", dos))
    return lines


def baseline(store, lines) -> tuple[float, int]:
    """Seconds for one SPARQL query per line, and the rows they returned."""
    import pyoxigraph as ox

    from kg.codesets.terms import procedure_iri
    from kg.official import internal_sparql
    from kg.query import run_sparql

    q = internal_sparql("check-line-baseline")
    rows = 0
    t = time.perf_counter()
    for ln in lines:
        rows += len(run_sparql(store, q, substitutions={ox.Variable("c"): [ox.NamedNode(procedure_iri(ln.code))]}).rows)
    return time.perf_counter() - t, rows


def build_store(data: Path, workdir: Path) -> Path:
    path = workdir / "store"
    d = data
    cmd = [sys.executable, "-m", "kg", "codesets", "load", "--no-progress", "--store", str(path),
           "--hcpcs", str(d / "hcpcs_level2_2025oct.csv"), "--hcpcs-modifiers", str(d / "hcpcs_level2_modifiers_2025oct.csv"),
           "--cpt-modifiers", str(d / "modifiers_cpt_hcpcs_northstar_2024.csv"), "--mpfs", str(d / MPFS),
           "--ncci-ptp", str(d / "ncci_ptp_practitioner_2024q3.csv.gz"),
           "--ncci-mue", str(d / "ncci_mue_practitioner_2024q3.csv"),
           "--ncci-addon", str(d / "ncci_addon_code_edits_2024-06.csv")]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="A store with the code sets loaded.")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="The official files.")
    ap.add_argument("-n", type=int, default=100_000, help="Claim lines (default 100,000).")
    ap.add_argument("--sample", type=int, default=2000, help="Lines of the per-line SPARQL baseline (extrapolated).")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()

    from kg.check import check_lines, load_rules
    from kg.store import open_store

    work = None
    if args.store is None:
        work = tempfile.TemporaryDirectory()
        t = time.perf_counter()
        args.store = build_store(args.data, Path(work.name))
        print(f"built a store with every code set in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = open_store(args.store, read_only=True)
    t = time.perf_counter()
    lines = generate(args.n, args.seed, args.data)
    t_gen = time.perf_counter() - t

    t = time.perf_counter()
    rules = load_rules(store, codes={ln.code for ln in lines}, diagnoses={d for ln in lines for d in ln.dx},
                       modifiers={m for ln in lines for m in ln.modifiers})
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    findings = check_lines(lines, rules)
    t_check = time.perf_counter() - t

    sample = lines[:args.sample]
    t_base, _ = baseline(store, sample)
    t_base_all = t_base / len(sample) * len(lines)

    cli = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kg", "check", "93306", "93320-26", "--dx", "I50.9", "--units", "1",
                        "--store", str(args.store)], capture_output=True, check=False)
        cli.append(time.perf_counter() - t)

    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    n = len(lines)
    print(f"## kg check: {n:,} claim lines ({len({ln.claim_id for ln in lines}):,} claims, seed {args.seed})\n")
    print("| step | time | lines/s |")
    print("|---|---|---|")
    print(f"| generate the claims (not timed below) | {t_gen:.2f} s | |")
    print(f"| load the rules for the batch's codes, once | {t_load:.2f} s | |")
    print(f"| check every line in memory | {t_check:.2f} s | {n / t_check:,.0f} |")
    print(f"| **kg check total (load + check)** | **{t_load + t_check:.2f} s** | {n / (t_load + t_check):,.0f} |")
    print(f"| baseline: one SPARQL query per line, {len(sample):,} lines measured | {t_base:.2f} s | "
          f"{len(sample) / t_base:,.0f} |")
    print(f"| baseline extrapolated to {n:,} lines | {t_base_all:.1f} s | |")
    print(f"| one claim on the command line (`kg check 93306 93320-26 --dx I50.9`), median of 3 | "
          f"{statistics.median(cli):.2f} s | |")
    print(f"\n{len(findings):,} findings: " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    print(f"speed-up over the per-line baseline: {t_base_all / (t_load + t_check):.0f}x")
    if work is not None:
        work.cleanup()


if __name__ == "__main__":
    main()
