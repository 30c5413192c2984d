"""CMS-HCC risk adjustment tables of payment year 2026, the real files."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from kg.codesets import graph_iri, releases
from kg.codesets.hcc import hcc_iri, load_hcc
from kg.errors import CodeSetError
from kg.query import run
from kg.vocab import code_iri
from kg.codesets.release import file_sha256
from tests.codesets.conftest import DATA

G = ox.NamedNode(graph_iri("hcc", "2026", file_sha256(DATA / "hcc_ra_dx_to_cc_2026.csv")))
KG = "https://w3id.org/codekg/ontology#"


@pytest.fixture(scope="module")
def hcc_store(data_dir):
    store = ox.Store()
    load_hcc(store, data_dir / "hcc_ra_dx_to_cc_2026.csv", progress=False)
    return store


def _objects(store, s, p):
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(KG + p), None, G))


def test_counts(hcc_store):
    count = lambda p: sum(1 for _ in hcc_store.quads_for_pattern(None, ox.NamedNode(KG + p), None, G))  # noqa: E731
    assert count("hcc") == 55_297  # one edge per mapping row (SOURCES.md)
    assert count("hccTrumps") == 734
    assert count("chronic") == 1_281
    assert [r["release"] for r in releases(hcc_store)] == ["2026"]


def test_a_code_per_model(hcc_store):
    rows = {r["model"]: r for r in run(hcc_store, "hcc", code="E11.9").records()}
    assert {m: r["hcc"] for m, r in rows.items()} == {
        "CMS-HCC-V22": "HCC19", "CMS-HCC-V24": "HCC19", "CMS-HCC-V28": "HCC38", "ESRD-V21": "HCC19",
        "ESRD-V24": "HCC19", "RxHCC-R08": "RXHCC31"}
    v28 = rows["CMS-HCC-V28"]
    assert v28["label"] == "Diabetes with Glycemic, Unspecified, or No Complications" and v28["chronic"] == "true"
    assert set(v28["trumpedBy"].split()) == {"HCC35", "HCC36", "HCC37"}  # the hierarchy file's 35/36/37 -> 38


def test_hierarchy_is_per_model(hcc_store):
    assert hcc_iri("CMS-HCC-V28", "38") in _objects(hcc_store, hcc_iri("CMS-HCC-V28", "37"), "hccTrumps")
    assert hcc_iri("CMS-HCC-V24", "19") in _objects(hcc_store, hcc_iri("CMS-HCC-V24", "18"), "hccTrumps")
    assert not [o for o in _objects(hcc_store, hcc_iri("CMS-HCC-V28", "37"), "hccTrumps") if "V24" in o]


def test_codes_are_dotted(hcc_store):
    assert hcc_iri("CMS-HCC-V28", "38") in _objects(hcc_store, code_iri("ICD10CM", "E11.9"), "hcc")


def test_missing_sibling_and_bad_model(tmp_path, data_dir):
    lone = tmp_path / "hcc_ra_dx_to_cc_2026.csv"
    lone.write_text("diagnosis_code,cc,model_name\nE119,38,CMS-HCC Model V28\n")
    with pytest.raises(CodeSetError, match="hcc_ra_labels_2026.csv is not beside it"):
        load_hcc(ox.Store(), lone, progress=False)
    for name in ("hcc_ra_labels_2026.csv", "hcc_ra_hierarchies_2026.csv", "hcc_is_chronic.csv"):
        shutil.copy(data_dir / name, tmp_path / name)
    store = ox.Store()
    assert load_hcc(store, lone, progress=False).triples > 5_000
    bad = tmp_path / "bad" / "hcc_ra_dx_to_cc_2026.csv"
    bad.parent.mkdir()
    bad.write_text("diagnosis_code,cc,model_name\nE119,38,CMS-HCC Model V28\nE119,38,HHS-HCC Model V07\n")
    with pytest.raises(CodeSetError, match=r"bad/hcc_ra_dx_to_cc_2026\.csv:3: not a CMS-HCC"):
        load_hcc(store, bad, progress=False, labels=tmp_path / "hcc_ra_labels_2026.csv",
                 hierarchies=tmp_path / "hcc_ra_hierarchies_2026.csv", chronic=tmp_path / "hcc_is_chronic.csv")
    assert [r["file"] for r in releases(store)] == ["hcc_ra_dx_to_cc_2026.csv"]  # the release loaded stays
