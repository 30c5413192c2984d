"""Every code of the code systems passes the parser's and the query parameters' checks (issue 21, item 2).

The ICD-10-CM pattern once excluded U codes: ``U07.1`` (COVID-19), ``U09.9`` and the ``QA0.*`` codes of
the packaged tabular made a whole briefing fail, and ``kg query -p code=U07.1`` was refused. Here every
code of the packaged ICD-10-CM (simple_icd_10_cm) and every code and modifier of the HCPCS Level II file
(../shared/data) is read from a briefing table and bound as a query parameter. Which codes are *valid* is
the audit's business, from the loaded release; the shapes must only never reject a real code.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
import simple_icd_10_cm as icd

from kg.model import code_candidates
from kg.parse import parse_text
from kg.query import bind, named_queries


@pytest.fixture(scope="module")
def icd_codes() -> list[str]:
    codes = sorted({c for c in icd.get_all_codes(True) if icd.is_category_or_subcategory(c)})
    assert len(codes) > 90_000 and {"U07.1", "U09.9", "QA0.0101", "QA0.8"} <= set(codes)
    return codes


@pytest.fixture(scope="module")
def hcpcs(shared_data) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"procedure": [], "modifier": []}
    with (shared_data / "hcpcs_level2_2025oct.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["kind"]].append(row["code"])
    assert len(out["procedure"]) > 8000 and len(out["modifier"]) > 300
    return out


def _table(header: str, codes: list[str]) -> str:
    return f"CPT 77013: CT guidance\n| {header} | Description | Notes |\n|---|---|---|\n" + "".join(
        f"{c} | x | y |\n" for c in codes)


def test_every_icd_10_cm_code_is_read_from_a_diagnosis_table(icd_codes):
    b = parse_text(_table("ICD-10 Code", icd_codes), "77013.txt")
    assert [r.code for r in b.diagnoses] == icd_codes and b.unread_rows == ()
    dotless = parse_text(_table("ICD-10 Code", [c.replace(".", "") for c in icd_codes]), "77013.txt")
    assert [r.code for r in dotless.diagnoses] == icd_codes  # C220 is read as C22.0


def test_every_hcpcs_code_and_modifier_is_read_from_its_table(hcpcs):
    b = parse_text(_table("CPT Code", hcpcs["procedure"]), "77013.txt")
    assert [(r.code, r.system) for r in b.procedures] == [(c, "HCPCS") for c in hcpcs["procedure"]]
    b = parse_text(_table("Modifier", hcpcs["modifier"]), "77013.txt")
    assert [r.code for r in b.modifiers] == hcpcs["modifier"] and b.unread_rows == ()


def test_every_hcpcs_code_can_be_a_briefings_subject(hcpcs):
    for code in hcpcs["procedure"]:
        assert parse_text(f"HCPCS {code}: x\n", f"{code}.txt").code == code


def test_every_code_binds_as_a_query_parameter(icd_codes, hcpcs):
    q = named_queries()["related-codes"]
    for system, codes in (("ICD10CM", icd_codes), ("HCPCS", hcpcs["procedure"]), ("MOD", hcpcs["modifier"])):
        refused = []
        for code in codes:
            if (system, code) not in code_candidates(code):
                refused.append(code)
            else:
                bind(q, {"code": code})  # raises QueryError if refused
        assert refused == [], f"{len(refused)} {system} codes refused, e.g. {refused[:5]}"


@pytest.mark.parametrize("code", ["U07.1", "U09.9", "QA0.0101", "u071", "G0288", "XS"])
def test_kg_query_takes_the_codes_once_refused(code, example_store_dir):
    r = subprocess.run([sys.executable, "-m", "kg", "query", "related-codes", "-p", f"code={code}", "--format", "json",
                        "--store", str(example_store_dir)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == "", r.stderr
