"""NUCC provider taxonomy: counts, labels, hierarchy, release node, skip and replace."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, graph_iri, load_nucc, releases
from kg.errors import CodeSetError
from kg.codesets.release import file_sha256
from tests.codesets.conftest import DATA

NUCC = "https://w3id.org/codekg/nucc/"
G = graph_iri("nucc", "25.1", file_sha256(DATA / "nucc_taxonomy_251.csv"))


def _one(store, s, p):
    values = [q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None)]
    assert len(values) == 1, (s, p, values)
    return values[0]


SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"


def test_every_code_is_a_provider_taxonomy(reference_store, count):
    assert count(reference_store, "?s a kg:ProviderTaxonomy", G) == 883
    assert count(reference_store, "?s a kg:ProviderTaxonomy ; skos:notation ?n ; skos:inScheme kg:NUCC", G) == 883


@pytest.mark.parametrize("code, label, classification", [
    ("207K00000X", "Allergy & Immunology Physician", "Allergy & Immunology"),
    ("363L00000X", "Nurse Practitioner", "Nurse Practitioner"),
    ("363A00000X", "Physician Assistant", "Physician Assistant"),
    ("207L00000X", "Anesthesiology Physician", "Anesthesiology"),
])
def test_labels_and_classification(reference_store, code, label, classification):
    assert _one(reference_store, NUCC + code, SKOS + "prefLabel") == label
    assert _one(reference_store, NUCC + code, KG + "classification") == classification
    assert _one(reference_store, NUCC + code, SKOS + "notation") == code


def test_code_that_does_not_exist(reference_store):
    assert next(reference_store.quads_for_pattern(ox.NamedNode(NUCC + "2086P0205X"), None, None, None), None) is None


def test_hierarchy(reference_store, select):
    # specialization -> its classification code -> its grouping
    assert _one(reference_store, NUCC + "363LA2100X", SKOS + "broader") == NUCC + "363L00000X"
    assert _one(reference_store, NUCC + "207KA0200X", SKOS + "broader") == NUCC + "207K00000X"
    grouping = _one(reference_store, NUCC + "207K00000X", SKOS + "broader")
    assert grouping == NUCC + "grouping/allopathic-osteopathic-physician"
    assert _one(reference_store, grouping, SKOS + "prefLabel") == "Allopathic & Osteopathic Physicians"
    assert _one(reference_store, grouping, SKOS + "topConceptOf") == KG + "NUCC"
    # NUCC has no code for Radiology itself: its specializations hang from the grouping
    assert _one(reference_store, NUCC + "2085R0202X", SKOS + "broader") == grouping
    # every code has exactly one parent
    rows = select(reference_store, f"""SELECT ?s (COUNT(?p) AS ?n) WHERE {{ GRAPH <{G}> {{
        ?s a kg:ProviderTaxonomy . OPTIONAL {{ ?s skos:broader ?p }} }} }} GROUP BY ?s HAVING (COUNT(?p) != 1)""")
    assert rows == []


def test_text_is_stripped(reference_store):
    definition = _one(reference_store, NUCC + "207K00000X", SKOS + "definition")
    assert definition.startswith("An allergist-immunologist") and definition == definition.strip()
    assert _one(reference_store, NUCC + "207K00000X", KG + "taxonomySection") == "Individual"


def test_release_node(reference_store, data_dir):
    path = data_dir / "nucc_taxonomy_251.csv"
    g = ox.NamedNode(G)
    assert _one(reference_store, G, KG + "release") == "25.1"
    assert _one(reference_store, G, KG + "sourceFile") == "nucc_taxonomy_251.csv"
    assert _one(reference_store, G, KG + "sha256") == hashlib.sha256(path.read_bytes()).hexdigest()
    assert _one(reference_store, G, KG + "codeSystem") == KG + "NUCC"
    loaded = next(reference_store.quads_for_pattern(g, ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime"),
                                                    None, g)).object
    assert loaded.datatype.value == "http://www.w3.org/2001/XMLSchema#dateTime"
    void = ox.NamedNode("https://w3id.org/codekg/void")  # the statistics kept in the store describe the graph too
    assert {q.graph_name for q in reference_store.quads_for_pattern(g, None, None, None)} - {void} == {g}


def test_reload_same_file_is_a_no_op(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    first = load_nucc(store, data_dir / "nucc_taxonomy_251.csv", progress=False)
    before = set(store.quads_for_pattern(None, None, None, ox.NamedNode(G)))
    again = load_nucc(store, data_dir / "nucc_taxonomy_251.csv", progress=False)
    assert (first.skipped, again.skipped) == (False, True)
    assert again.triples == first.triples and again.release == "25.1"
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(G))) == before  # load time too


def test_a_newer_release_goes_beside_and_becomes_current(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    first = load_nucc(store, data_dir / "nucc_taxonomy_251.csv", progress=False)
    assert _one(store, NUCC + "207QD0401X", SKOS + "prefLabel") == "Diabetology Physician"
    report = load_nucc(store, data_dir / "nucc_taxonomy_251_arktax_oct2025.csv", release="25.1-oct", progress=False)
    assert not report.skipped and report.graph != first.graph
    label = lambda g: [q.object.value for q in store.quads_for_pattern(  # noqa: E731
        ox.NamedNode(NUCC + "207QD0401X"), ox.NamedNode(SKOS + "prefLabel"), None, ox.NamedNode(g))]
    assert label(current_graph(store, "nucc")) == ["Diabetology (Family Medicine) Physician"]
    assert label(first.graph) == ["Diabetology Physician"]  # kept beside, superseded
    assert [(r["release"], r["file"]) for r in releases(store)] == [
        ("25.1-oct", "nucc_taxonomy_251_arktax_oct2025.csv")]
    assert [(r["release"], r["state"]) for r in releases(store, everything=True)] == [
        ("25.1", "superseded"), ("25.1-oct", "current")]
    # loaded again with drop_old: the old release goes, and its labels with it
    assert load_nucc(store, data_dir / "nucc_taxonomy_251_arktax_oct2025.csv", release="25.1-oct", drop_old=True,
                     progress=False).skipped
    assert _one(store, NUCC + "207QD0401X", SKOS + "prefLabel") == "Diabetology (Family Medicine) Physician"
    void = ox.NamedNode("https://w3id.org/codekg/void")  # the statistics kept in the store (kg.stats) aside
    assert len([q for q in store.quads_for_pattern(None, ox.NamedNode(KG + "sha256"), None, None)
                if q.graph_name != void]) == 1


def test_missing_column_names_file_and_line(tmp_path):
    bad = tmp_path / "nucc_taxonomy_260.csv"
    bad.write_text("Code,Grouping,Classification,Definition,Notes,Display Name,Section\n")
    with pytest.raises(CodeSetError, match=r"nucc_taxonomy_260\.csv:1: missing column 'Specialization'"):
        load_nucc(ox.Store(), bad, progress=False)


def test_short_row_names_its_line_and_keeps_the_loaded_release(tmp_path, data_dir):
    store = ox.Store()
    load_nucc(store, data_dir / "nucc_taxonomy_251.csv", progress=False)
    bad = tmp_path / "nucc_taxonomy_260.csv"
    bad.write_text("Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\r\n"
                   "207K00000X,Allopathic & Osteopathic Physicians,Allergy & Immunology,,,,Allergy,Individual\r\n"
                   "207L00000X,Allopathic\r\n")
    with pytest.raises(CodeSetError, match=r"nucc_taxonomy_260\.csv:3: row has 2 cells"):
        load_nucc(store, bad, progress=False)
    assert [r["file"] for r in releases(store)] == ["nucc_taxonomy_251.csv"]
    assert _one(store, NUCC + "363L00000X", SKOS + "prefLabel") == "Nurse Practitioner"
