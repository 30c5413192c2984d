"""How long kg takes to read hostile long lines: parse + relation extraction (parse_text, briefing_triples).

Each case runs in its own subprocess with a time cap, so a quadratic case prints ``> cap`` instead of
hanging. CPU time of the reading process is printed, so other work on the machine does not count.
Target (issue 21.3): linear time, a 1 MB line within a few seconds; the baseline is the same
case at 1/8 of the size, so ``ratio`` is about 8 when growth is linear and about 64 when quadratic.

    python bench/parse_linear.py [--cap 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

HEAD = "CPT 77013: CT guidance\n"
DX = "| ICD-10 Code | Description | Clinical Relevance |\n|---|---|---|\n"
PROC = "| CPT Code | Description | Relationship to This Procedure |\n|---|---|---|\n"
MOD = "| Modifier | Description | When to Use |\n|---|---|---|\n"

CASES = {
    # name: (python expression building the document from n bytes)
    "title + n spaces": 'HEAD.rstrip("\\n") + " " * n + "\\n"',
    "title + n spaces + x": '"CPT 77013: CT" + " " * n + "x\\n"',
    "heading-less line of n spaces + x": '" " * n + "x\\n" + HEAD',
    "summary of payer words": '"CPT 77013: CT\\nKey payers include " + "Aetna payers " * (n // 13) + "\\n"',
    "summary 'payers' without a list": '"CPT 77013: CT\\n" + "payers " * (n // 7) + "\\n"',
    "summary of n spaces between payers": '"CPT 77013: CT\\nKey payers include Aetna" + " " * n + "x and Cigna.\\n"',
    "site of service with n spaces": '"CPT 77013: CT\\nSite of service: offices" + " " * n + "x or clinics\\n"',
    "long diagnosis note": 'HEAD + DX + "C22.0 | Liver | " + "primary indication " * (n // 19) + "\\n"',
    "long procedure relationship": 'HEAD + PROC + "47382 | Ablation | " + "that monitors this procedure with 77012 " * (n // 40) + "\\n"',
    "relationship of n spaces": 'HEAD + PROC + "47382 | Ablation | monitors" + " " * n + "x\\n"',
    "relationship 'that' + spaces": 'HEAD + PROC + "47382 | Ablation | that" + " " * n + "x\\n"',
    "relationship of codes": 'HEAD + PROC + "47382 | Ablation | " + "with 77012, " * (n // 12) + "\\n"',
    "relationship of code ranges": 'HEAD + PROC + "47382 | Ablation | " + "77001-77002 and 77012, " * (n // 23) + "\\n"',
    "relationship of 'not' clauses": 'HEAD + PROC + "47382 | Ablation | " + "not with 77012 but " * (n // 19) + "\\n"',
    "relationship of 'which' agents": 'HEAD + PROC + "47382 | Ablation | " + "which 77012 monitors " * (n // 21) + "\\n"',
    "relationship of distinct codes": 'HEAD + PROC + "47382 | Ablation | use with " + ", ".join("%05d" % (10000 + k % 89999) for k in range(n // 7)) + "\\n"',
    "relationship of distinct 'not with'": 'HEAD + PROC + "47382 | Ablation | " + " ".join("reported with %05d, not with %05d;" % (10000 + k % 89999, 10001 + k % 89998) for k in range(n // 34)) + "\\n"',
    "relationship of semicolons": 'HEAD + PROC + "47382 | Ablation | " + "when; " * (n // 6) + "\\n"',
    "relationship 'when' without comma": 'HEAD + PROC + "47382 | Ablation | " + "when x " * (n // 7) + "\\n"',
    "long modifier note": 'HEAD + MOD + "26 | Professional | " + "use with 59 or XS " * (n // 18) + "\\n"',
    "long description cell": 'HEAD + DX + "C22.0 | " + "liver " * (n // 6) + "| x\\n"',
    "many cells": 'HEAD + "| a " * (n // 4) + "|\\n"',
}

RUN = """
import sys, time
from kg.parse import parse_text
from kg.to_rdf import briefing_triples
HEAD, DX, PROC, MOD = {consts!r}
n = {n}
text = {expr}
t = time.process_time()
b = parse_text(text, "x.txt")
parsed = time.process_time() - t
briefing_triples(b)
print(parsed, time.process_time() - t)
"""


def measure(expr: str, n: int, cap: float) -> tuple[float, float] | None:
    """CPU seconds of (parse, parse + relation extraction), or None past ``cap`` seconds of wall time."""
    code = RUN.format(consts=(HEAD, DX, PROC, MOD), n=n, expr=expr)
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=cap)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        raise SystemExit(f"{expr} failed:\n{r.stderr}")
    parse, total = map(float, r.stdout.split())
    return parse, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=60.0, help="seconds before a case is called too slow")
    ap.add_argument("--big", type=int, default=1 << 20, help="the long line's length in bytes (1 MiB)")
    args = ap.parse_args()
    small = args.big // 8
    print(f"### Parsing hostile long lines (bench/parse_linear.py), {args.big} vs {small} bytes; target: "
          f"a {args.big >> 10} KiB line in a few seconds, ratio near 8 (linear), not 64 (quadratic)\n")
    print(f"CPU seconds in the reading process (parse / parse + relation extraction); cap {args.cap:.0f} s wall\n")
    print("| case | 64 KiB | {0} KiB | {1} KiB | ratio {1}/{0} (parse + relations) |".format(small >> 10, args.big >> 10))
    print("|---|---|---|---|---|")
    for name, expr in CASES.items():
        t64 = measure(expr, 64 << 10, args.cap)
        ts = measure(expr, small, args.cap)
        tb = measure(expr, args.big, args.cap) if ts is not None else None
        fmt = lambda t: f"> {args.cap:.0f}" if t is None else f"{t[0]:.3f} / {t[1]:.3f}"  # noqa: E731
        ratio = f"{tb[1] / ts[1]:.1f}" if tb is not None and ts and ts[1] else "-"
        print(f"| {name} | {fmt(t64)} | {fmt(ts)} | {fmt(tb)} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
