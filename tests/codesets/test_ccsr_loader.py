"""AHRQ CCSR for ICD-10-CM diagnoses, from the real v2023.1 reference workbook."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import CODESETS, graph_iri, releases
from kg.codesets.ccsr import category_iri, load_ccsr, write_workbook
from kg.errors import CodeSetError
from kg.query import run
from kg.vocab import code_iri
from kg.codesets.release import file_sha256
from tests.codesets.conftest import DATA

G = ox.NamedNode(graph_iri("ccsr", "v2023.1", file_sha256(DATA / "ccsr_dx_reference_v2023_1.xlsx")))
KG = "https://w3id.org/codekg/ontology#"


@pytest.fixture(scope="module")
def ccsr_store(data_dir):
    store = ox.Store()
    load_ccsr(store, data_dir / "ccsr_dx_reference_v2023_1.xlsx", progress=False)
    return store


def _count(store, p, o=None):
    return sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(KG + p), o, G))


def test_counts(ccsr_store):
    assert _count(ccsr_store, "ccsrCategory") == 86_288  # every mapping row (SOURCES.md)
    assert len({q.subject for q in ccsr_store.quads_for_pattern(
        None, ox.NamedNode(KG + "ccsrCategory"), None, G)}) == 74_549  # codes
    assert _count(ccsr_store, "ccsrInpatientDefault") == 63_982  # rows flagged Y
    assert _count(ccsr_store, "ccsrOutpatientDefault") == 65_684
    categories = sum(1 for _ in ccsr_store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(KG + "CCSRCategory"), G))
    assert categories == 547
    assert [r["release"] for r in releases(ccsr_store)] == ["v2023.1"]


def test_a_code_with_two_categories_and_its_defaults(ccsr_store):
    rows = run(ccsr_store, "ccsr", code="E11.9").records()
    assert [(r["category"], r["inpatientDefault"], r["outpatientDefault"]) for r in rows] == [
        ("END002", "true", "true"), ("END005", "false", "false")]
    assert rows[0]["bodySystem"] == "Endocrine, nutritional and metabolic diseases"


def test_a_code_that_cannot_be_principal_has_no_default(ccsr_store):
    # B95.61 (MSSA as the cause of disease elsewhere) is X/X in v2023.1
    dx = ox.NamedNode(code_iri("ICD10CM", "B95.61"))
    assert list(ccsr_store.quads_for_pattern(dx, ox.NamedNode(KG + "ccsrCategory"), None, G))
    assert not list(ccsr_store.quads_for_pattern(dx, ox.NamedNode(KG + "ccsrInpatientDefault"), None, G))


def test_codes_newer_than_ccsr_are_listed(ccsr_store, icd_store):
    store = ox.Store()
    store.extend(ccsr_store.quads_for_pattern(None, None, None, None))
    store.extend(icd_store.quads_for_pattern(None, None, None, None))
    codes = {r["code"] for r in run(store, "ccsr-uncovered").records()}
    assert "A41.54" in codes and "E11.9" not in codes
    assert 500 < len(codes) < 3_000


def test_a_small_workbook_and_a_wrong_one(tmp_path):
    path = tmp_path / "ccsr_dx_reference_v2027_1.xlsx"
    write_workbook(path, [("I10", "Essential hypertension", "CIR007", "Essential hypertension", "Y", "Y"),
                          ("I10", "Essential hypertension", "CIR008", "Hypertension with complications", "N", "N")])
    store = ox.Store()
    report = load_ccsr(store, path, progress=False)
    assert report.release == "v2027.1"
    assert [q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(code_iri("ICD10CM", "I10")), ox.NamedNode(KG + "ccsrInpatientDefault"), None,
        ox.NamedNode(report.graph))] == [
        category_iri("CIR007")]
    assert load_ccsr(store, path, progress=False).skipped
    bad = tmp_path / "ccsr_bad_v2028_1.xlsx"
    write_workbook(bad, [("I10", "HTN", "not a category", "x", "Y", "Y")])
    with pytest.raises(CodeSetError, match=r"ccsr_bad_v2028_1\.xlsx:3: CCSR_Categories: .not a category. is not"):
        load_ccsr(store, bad, progress=False)
    assert [r["release"] for r in releases(store)] == ["v2027.1"]  # the release loaded stays


def test_not_a_workbook(tmp_path):
    path = tmp_path / "ccsr.xlsx"
    path.write_text("code,category\n")
    with pytest.raises(CodeSetError, match=r"ccsr\.xlsx:1: not a CCSR reference workbook"):
        load_ccsr(ox.Store(), path, progress=False)


def test_registered():
    assert CODESETS["ccsr"].scheme == "CCSR"
