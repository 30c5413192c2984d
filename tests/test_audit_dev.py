"""The audit on the 30 labelled dev briefings (shared/briefings/dev): every planted error caught, no false alarm.

The answer key is ``expected.json``: ``audit`` holds the planted errors (one
per file, at most), ``audit_clean`` the codes that are right and must get no
error or warning, ``audit_soft`` valid codes not paid under the PFS, which
must not be called unknown or mislabelled. Label findings are scored by
``tests/test_similarity.py``'s owner; here the kinds fee, modifier, ncci,
unknown and nonbillable are.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.audit import Finding, audit, mentions
from kg.model import RELATIONS

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "briefings" / "dev"
SCORED = ("fee", "modifier", "ncci", "unknown", "nonbillable", "label")


@pytest.fixture(scope="module")
def key() -> dict:
    if not (DEV / "expected.json").is_file():
        pytest.fail(f"the dev corpus is not at {DEV}")
    return json.loads((DEV / "expected.json").read_text(encoding="utf-8"))["docs"]


@pytest.fixture(scope="module")
def dev_store(shared_data, tmp_path_factory) -> ox.Store:
    """The dev briefings with every code set loaded; NCCI PTP: the real rows among the corpus's codes."""
    from kg.codesets import load
    from kg.build import build

    codes = set()
    for f in DEV.glob("*.txt"):
        codes |= set(re.findall(r"\b[0-9A-Z]\d{3}[0-9A-Z]\b", f.read_text(encoding="utf-8")))
    ptp = tmp_path_factory.mktemp("dev-ptp") / "ncci_ptp_practitioner_2024q3.csv"
    with gzip.open(shared_data / "ncci_ptp_practitioner_2024q3.csv.gz", "rt", newline="") as src, \
            ptp.open("w", newline="") as out:
        reader = csv.reader(src)
        w = csv.writer(out)
        w.writerow(next(reader))
        w.writerows(r for r in reader if r[0] in codes and r[1] in codes)
    store = ox.Store()
    build(store, sorted(DEV.glob("*.txt")), progress=False)
    d = shared_data
    load(store, {
        "icd10cm": None,
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "mpfs": d / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv",
        "ncci-ptp": ptp,
        "ncci-mue": d / "ncci_mue_practitioner_2024q3.csv",
        "ncci-addon": d / "ncci_addon_code_edits_2024-06.csv",
    }, progress=False)
    return store


@pytest.fixture(scope="module")
def findings(dev_store) -> list[Finding]:
    return audit(dev_store)


@pytest.fixture(scope="module")
def rows(dev_store) -> dict[tuple[str, int], set[str]]:
    """(file, line) -> the relations kg read on that row."""
    out: dict[tuple[str, int], set[str]] = {}
    for m in mentions(dev_store):
        out.setdefault((m.file, m.line), set()).add(m.relation)
    return out


def _planted(kinds):
    key = json.loads((DEV / "expected.json").read_text(encoding="utf-8"))["docs"] if DEV.is_dir() else {}
    return [(doc, a) for doc, d in sorted(key.items()) for a in d.get("audit") or [] if a["kind"] in kinds]


@pytest.mark.parametrize("doc, planted", _planted(SCORED), ids=lambda x: x if isinstance(x, str) else x["code"])
def test_every_planted_error_is_caught(findings, rows, doc, planted):
    # What this audit cannot see yet is marked, not hidden: a briefing the parser rejects, or an NCCI row whose
    # relation the extraction does not type as reported together. Once those land, the assertion below runs.
    if not any(f == doc for f, _ in rows):
        pytest.xfail(f"{doc} does not build (parser)")
    if planted["kind"] == "ncci" and not {r for r in rows.get((doc, planted["line"]), ()) if
                                          r in RELATIONS and RELATIONS[r].reported_together}:
        pytest.xfail(f"{doc}:{planted['line']} is read as {rows.get((doc, planted['line']))}, not reported together")
    hits = [f for f in findings if f.document == doc and f.line == planted["line"] and f.code == planted["code"]
            and f.severity in ("error", "warning")]
    assert hits, f"{doc}:{planted['line']} {planted['code']} ({planted['kind']}: {planted['why']}) not caught"


def test_no_clean_code_gets_an_error_or_a_warning(findings, key):
    false = []
    for f in findings:
        d = key.get(f.document, {})
        if f.severity in ("error", "warning") and f.code in d.get("audit_clean", ()):
            false.append((f.document, f.line, f.kind, f.code, f.message))
        if f.code in d.get("audit_soft", ()) and f.kind in ("unknown-code", "label-mismatch"):
            false.append((f.document, f.line, f.kind, f.code, f.message))
    assert false == [], "\n".join(map(str, false))


def test_most_of_the_corpus_builds_and_is_audited(findings, rows, key):
    audited = {f for f, _ in rows}
    assert audited == set(key)  # all 30 build
    caught = [(doc, a["code"]) for doc, a in _planted(SCORED) if any(
        f.document == doc and f.line == a["line"] and f.code == a["code"] for f in findings)]
    assert len(caught) == len(_planted(SCORED)) == 11  # every planted error of the corpus
