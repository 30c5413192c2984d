"""Generate a realistic corpus of code briefings, deterministic from a seed.

Each briefing follows the real format of ``kg/examples/briefings/77013.txt``:
a summary naming payers, service type and site of service, a clinical context
paragraph, and the four tables. The content is drawn from the real code sets:

* subjects: real CPT/HCPCS codes from the Medicare fee schedule (MPFS) file;
* related procedures: real NCCI procedure-to-procedure partners of the
  subject where there are any (the practitioner PTP file), else fee-schedule
  neighbours;
* diagnoses: real ICD-10-CM codes and their official labels (the tabular
  shipped with ``simple-icd-10-cm``), with a few percent deliberately wrong;
* taxonomies: real NUCC codes and display names, a few percent mislabelled;
* modifiers: real HCPCS Level II modifiers, and CPT modifier numbers;
* every relation phrasing kg.relations knows, in both directions, and vague ones;
* the format variations the parser supports (outer pipes or not, CRLF, column
  order, extra columns, N/A rows, empty tables, em-dash headings, NBSPs);
* about 1% malformed documents (a short row, binary garbage, no heading).

    python bench/corpus.py OUT_DIR [-n 10000] [--seed 7] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

PAYERS = ["Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Medicare", "Medicaid", "Humana",
          "Anthem", "Kaiser Permanente", "Molina Healthcare", "TRICARE", "Highmark"]
SITES = ["Hospital outpatient department", "Ambulatory surgery center", "Physician office", "Inpatient hospital",
         "Interventional radiology suite", "Independent diagnostic testing facility"]
SERVICE_TYPES = ["Image guidance and monitoring", "Diagnostic imaging", "Percutaneous procedure",
                 "Surgical procedure", "Evaluation and management", "Laboratory service", "Therapeutic procedure"]
CPT_MODIFIERS = [("26", "Professional component"), ("59", "Distinct procedural service"), ("52", "Reduced services"),
                 ("53", "Discontinued procedure"), ("76", "Repeat procedure by same physician"),
                 ("77", "Repeat procedure by another physician"), ("50", "Bilateral procedure"),
                 ("51", "Multiple procedures"), ("62", "Two surgeons"), ("80", "Assistant surgeon"),
                 ("22", "Increased procedural services"), ("25", "Significant, separately identifiable E/M service")]

# (template, direction) pairs; {S} is the subject, {X} the row's code.
PHRASES = {
    "monitors-out": ["Ablation procedure that {S} monitors under image guidance.",
                     "Procedure that this guidance code monitors.",
                     "Treatment monitored in real time with this imaging code."],
    "monitors-in": ["Guidance code that monitors this ablation.",
                    "Imaging guidance that monitors this procedure when that modality is used."],
    "alternative": ["Alternative code when a different approach is chosen.",
                    "Can be used instead of {S} when the technique differs.",
                    "Alternative imaging guidance code for the same target."],
    "precedes-in": ["Pre-procedure imaging to plan the approach.", "Biopsy performed prior to the procedure.",
                    "Planning study performed before this service."],
    "precedes-out": ["Follow-up imaging after the procedure.", "Post-procedure assessment of the treated area."],
    "included-in": ["Not separately reported; included in {S}.", "Bundled into this procedure when performed at the same session.",
                    "Imaging guidance is included in this code and not separately reported."],
    "included-out": ["Included in {X} and not reported separately with it.",
                     "Bundled into the comprehensive code, which already includes this service."],
    "vague": ["Related code sometimes reviewed together with this service.", "See payer policy."],
}
DX_PHRASES = {
    "indication": ["Primary indication for this procedure.", "Lesions targeted for treatment.",
                   "Condition treated with this procedure when criteria are met."],
    "comorbidity": ["Common comorbidity affecting procedural planning.",
                    "Coexisting condition that raises bleeding risk."],
    "vague": ["Mentioned in payer policy documentation."],
}


@dataclass
class Sources:
    procedures: list[str]
    partners: dict[str, list[str]]
    icd: list[tuple[str, str]]
    nucc: list[tuple[str, str]]
    modifiers: list[tuple[str, str]]


def load_sources(data: Path) -> Sources:
    """Read the real code lists the corpus draws from."""
    import simple_icd_10_cm as cm

    procedures: list[str] = []
    seen = set()
    with open(data / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["hcpcs"].strip()
            if code and code not in seen:
                seen.add(code)
                procedures.append(code)
    partners: dict[str, list[str]] = defaultdict(list)
    ptp = data / "ncci_ptp_practitioner_2024q3.csv.gz"
    opener = (lambda: gzip.open(ptp, "rt", newline="", encoding="utf-8")) if ptp.exists() else (
        lambda: open(data / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv", newline="", encoding="utf-8"))
    with opener() as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if row["deletion_date"]:
                continue
            a, b = row["column_1"], row["column_2"]
            if len(partners[a]) < 12:
                partners[a].append(b)
            if len(partners[b]) < 12:
                partners[b].append(a)
            if i > 600_000:  # plenty of pairs; the file is sorted by column 1
                break
    icd = [(c, cm.get_description(c)) for c in cm.get_all_codes(with_dots=True)
           if cm.is_subcategory(c) and cm.is_leaf(c)]
    nucc = []
    with open(data / "nucc_taxonomy_251.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            nucc.append((row["Code"].strip(), (row["Display Name"] or row["Classification"]).strip()))
    modifiers = list(CPT_MODIFIERS)
    with open(data / "hcpcs_level2_modifiers_2025oct.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            modifiers.append((row["code"].strip(), row["short_description"].strip()))
    return Sources(procedures, dict(partners), icd, nucc, modifiers)


def _table(rng: random.Random, header: list[str], rows: list[list[str]], *, crlf: bool) -> list[str]:
    style = rng.random()
    order = list(range(len(header)))
    if rng.random() < 0.15:  # columns in another order
        order = [order[1], order[0], *order[2:]]
    extra = rng.random() < 0.1  # an extra column, kept as an annotation
    h = [header[i] for i in order] + (["Source"] if extra else [])
    out = ["| " + " | ".join(h) + " |", "|" + "|".join("---" for _ in h) + "|"]
    if not rows:
        out.append("Data not available in the input.")
        return out
    for r in rows:
        cells = [r[i] for i in order] + (["Payer policy 2024"] if extra else [])
        if style < 0.5:
            out.append(" | ".join(cells) + " |")  # as the real briefings: no leading pipe
        elif style < 0.8:
            out.append("| " + " | ".join(cells) + " |")
        else:
            out.append(" | ".join(cells))
    return out


def briefing(rng: random.Random, code: str, src: Sources, *, malformed: bool = False) -> bytes:
    """One briefing for ``code`` as bytes (UTF-8, LF or CRLF)."""
    crlf = rng.random() < 0.1
    system = "HCPCS" if code[0].isalpha() else "CPT"
    dash = "\u2014" if rng.random() < 0.1 else ":"
    title = f"{rng.choice(SERVICE_TYPES)} service {code}"
    payers = rng.sample(PAYERS, rng.randint(2, 5))
    lines = ["Summary & Overview", f"{system} {code}{' ' if dash != ':' else ''}{dash} {title}",
             f"{system} code {code} represents a service reported by billing teams across care settings.",
             f"Key payers covered in this analysis include {', '.join(payers[:-1])}, and {payers[-1]}.",
             "Billing Code Overview",
             f"This code describes {title.lower()} and is reported once per session.",
             f"Service type: {rng.choice(SERVICE_TYPES)}",
             f"Typical site of service: {', '.join(rng.sample(SITES, rng.randint(1, 3)))}",
             "Data not available in the input.",
             "Clinical & Coding Specifications", "Clinical Context",
             "A typical patient is referred after imaging shows a lesion that needs\u00a0further work-up. "
             "The team documents indications, consent and the approach before the service.",
             "Coding Specifications"]
    mods = rng.sample(src.modifiers, rng.randint(3, 8))
    mod_rows = [[m, d, "When payer policy and documentation support it."] for m, d in mods]
    if rng.random() < 0.05:
        mod_rows.append(["N/A", "N/A", "N/A"])
    lines += _table(rng, ["Modifier", "Description", "When to Use"], mod_rows, crlf=crlf)
    tax = rng.sample(src.nucc, rng.randint(1, 4))
    tax_rows = []
    for t, name in tax:
        if rng.random() < 0.03:  # mislabelled, as real briefings often are
            name = rng.choice(src.nucc)[1]
        tax_rows.append([t, name, "Providers who perform or supervise this service."])
    lines += _table(rng, ["Taxonomy Code", "Specialty", "Notes"], tax_rows if rng.random() > 0.03 else [], crlf=crlf)
    lines.append("Related Diagnoses")
    dx_rows = []
    for c, label in rng.sample(src.icd, rng.randint(2, 6)):
        kind = rng.choices(list(DX_PHRASES), weights=[6, 3, 1])[0]
        if rng.random() < 0.03:
            label = rng.choice(src.icd)[1]
        dx_rows.append([c, label, rng.choice(DX_PHRASES[kind])])
    lines += _table(rng, ["ICD-10 Code", "Description", "Clinical Relevance"], dx_rows, crlf=crlf)
    lines.append("Related CPT Codes")
    pool = src.partners.get(code) or rng.sample(src.procedures, 6)
    rel_rows = []
    for x in rng.sample(pool, min(len(pool), rng.randint(2, 6))):
        if x == code:
            continue
        kind = rng.choice(list(PHRASES))
        rel_rows.append([x, f"Related service {x}", rng.choice(PHRASES[kind]).format(S=code, X=x)])
    lines += _table(rng, ["CPT Code", "Description", "Relationship to This Procedure"], rel_rows, crlf=crlf)
    if malformed:
        how = rng.randrange(3)
        if how == 0:
            lines.append("99213 | only two cells")
        elif how == 1:
            return bytes(rng.randrange(256) for _ in range(400)) + b"\x00"
        else:
            lines = [line for line in lines if not line.startswith((system + " ", "Summary"))]
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    return text.encode("utf-8")


def generate(out: Path, n: int, *, seed: int = 7, data: Path = DEFAULT_DATA, malformed_rate: float = 0.01,
             sources: Sources | None = None) -> list[Path]:
    """Write ``n`` briefings into ``out``; the same seed gives the same bytes."""
    rng = random.Random(seed)
    src = sources or load_sources(data)
    out.mkdir(parents=True, exist_ok=True)
    codes = rng.sample(src.procedures, min(n, len(src.procedures)))
    paths = []
    for code in codes:
        path = out / f"{code}.txt"
        path.write_bytes(briefing(rng, code, src, malformed=rng.random() < malformed_rate))
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    paths = generate(args.out, args.n, seed=args.seed, data=args.data)
    print(f"wrote {len(paths)} briefings to {args.out}")


if __name__ == "__main__":
    main()
