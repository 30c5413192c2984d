"""ICD-10-CM from the packaged tabular XML: every code, parents, billable flags, 7th characters."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import graph_iri, load_icd10cm, releases
from kg.codesets.icd10cm import packaged_code_list, packaged_tabular
from kg.errors import CodeSetError
from kg.vocab import code_iri
from kg.codesets.release import file_sha256
from kg.codesets.icd10cm import packaged_tabular

G = graph_iri("icd10cm", "2026 (2026-04-01)", file_sha256(packaged_tabular()))
SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"


def _values(store, code, p):
    s = ox.NamedNode(code if code.startswith("http") else code_iri("ICD10CM", code))
    return sorted(q.object.value for q in store.quads_for_pattern(s, ox.NamedNode(p), None, ox.NamedNode(G)))


def test_every_code_in_the_package_is_loaded(icd_store):
    listed = {line.strip() for line in packaged_code_list().read_text(encoding="utf-8").splitlines() if line.strip()}
    notations = {q.object.value for q in icd_store.quads_for_pattern(None, ox.NamedNode(SKOS + "notation"), None,
                                                                      ox.NamedNode(G))}
    codes = {n.replace(".", "") for n in notations if not n.isdigit() and "-" not in n}
    blocks = {n for n in notations if "-" in n}
    # the package's list: chapters by number, blocks by range (one-category blocks by the category), codes undotted
    assert codes == {c for c in listed if not c.isdigit() and "-" not in c}
    assert {b for b in listed if "-" in b} <= blocks
    assert {n for n in notations if n.isdigit()} == {str(i) for i in range(1, 23)}
    assert len(codes) == 98_186 and len(blocks) == 297


@pytest.mark.parametrize("code, parent", [
    ("C22.0", "C22"),
    ("C22", "C15-C26"),
    ("S72.001A", "S72.001"),
    ("S02.0XXA", "S02.0"),
    ("B99", "B99-B99"),
])
def test_parents(icd_store, code, parent):
    assert _values(icd_store, code, SKOS + "broader") == [code_iri("ICD10CM", parent)]


def test_blocks_and_chapters(icd_store):
    chapter = code_iri("ICD10CM", "chapter-2")
    assert _values(icd_store, "C15-C26", SKOS + "broader") == [chapter]
    assert _values(icd_store, chapter, SKOS + "notation") == ["2"]
    assert _values(icd_store, chapter, SKOS + "prefLabel") == ["Neoplasms (C00-D49)"]
    assert _values(icd_store, chapter, SKOS + "topConceptOf") == [KG + "ICD10CM"]
    assert _values(icd_store, chapter, SKOS + "broader") == []
    # a one-category block and its category are two nodes
    assert _values(icd_store, "B99-B99", SKOS + "broader") == [code_iri("ICD10CM", "chapter-1")]


@pytest.mark.parametrize("code, billable", [
    ("C22.0", "true"), ("C22", "false"), ("C15-C26", "false"), ("S72.001", "false"), ("S72.001A", "true"),
    ("E11.9", "true"), ("I10", "true"),
])
def test_billable(icd_store, code, billable):
    assert _values(icd_store, code, KG + "billable") == [billable]


def test_counts_and_labels(icd_store, count):
    assert count(icd_store, "?s kg:billable true", G) == 74_719  # CMS's FY2026 count of valid codes
    assert count(icd_store, "?s a kg:DiagnosisCode ; a skos:Concept ; skos:inScheme kg:ICD10CM", G) == 98_505
    assert _values(icd_store, "C22.0", SKOS + "prefLabel") == ["Liver cell carcinoma"]
    assert _values(icd_store, "C22.0", "http://www.w3.org/2000/01/rdf-schema#label") == ["Liver cell carcinoma"]
    assert _values(icd_store, "S72.001A", SKOS + "prefLabel") == [
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"]


def test_invalid_seventh_character_combinations_are_dropped(icd_store):
    assert _values(icd_store, "S06.1X7D", SKOS + "notation") == []
    assert _values(icd_store, "S06.1X7A", SKOS + "notation") == ["S06.1X7A"]


def test_release(icd_store):
    (r,) = releases(icd_store)
    assert (r["name"], r["file"], r["release"]) == ("icd10cm", packaged_tabular().name, "2026 (2026-04-01)")
    assert load_icd10cm(icd_store, progress=False).skipped


TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2027</version>
  <chapter><name>19</name><desc>Injury (S00-T88)</desc>
    <section id="S02-S02"><desc>Skull</desc>
      <diag><name>S02</name><desc>Fracture of skull</desc>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
        </sevenChrDef>
        <diag><name>S02.0</name><desc>Fracture of vault of skull</desc></diag>
        <diag><name>S02.1</name><desc>Fracture of base of skull</desc>
          <diag><name>S02.10</name><desc>Unspecified fracture of base of skull</desc></diag>
        </diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


def test_a_cms_tabular_file_without_a_code_list(tmp_path):
    path = tmp_path / "icd10cm_tabular_2027.xml"
    path.write_text(TABULAR)
    store = ox.Store()
    report = load_icd10cm(store, path, progress=False)
    assert report.release == "2027"
    billable = {q.subject.value.rsplit("/", 1)[1]
                for q in store.quads_for_pattern(None, ox.NamedNode(KG + "billable"), ox.Literal(True), None)}
    assert billable == {"S02.0XXA", "S02.0XXD", "S02.10XA", "S02.10XD"}
    labels = [q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(code_iri("ICD10CM", "S02.10XD")), ox.NamedNode(SKOS + "prefLabel"), None, None)]
    assert labels == ["Unspecified fracture of base of skull, subsequent encounter"]


def test_code_list_drops_combinations(tmp_path):
    path = tmp_path / "icd10cm_tabular_2027.xml"
    path.write_text(TABULAR)
    codes = tmp_path / "icd10cm-codes-2027.txt"
    codes.write_text("S020XXA   Fracture of vault of skull, initial encounter\nS0210XA   Unspecified\n")
    store = ox.Store()
    load_icd10cm(store, path, code_list=codes, progress=False)
    billable = {q.subject.value.rsplit("/", 1)[1]
                for q in store.quads_for_pattern(None, ox.NamedNode(KG + "billable"), ox.Literal(True), None)}
    assert billable == {"S02.0XXA", "S02.10XA"}


def test_not_a_tabular_file(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<root/>")
    with pytest.raises(CodeSetError, match=r"other\.xml:1: root element is <root>"):
        load_icd10cm(ox.Store(), path, progress=False)
    path.write_text("<ICD10CM.tabular><chapter>")
    with pytest.raises(CodeSetError, match=r"other\.xml:1: not well-formed XML"):
        load_icd10cm(ox.Store(), path, progress=False)
