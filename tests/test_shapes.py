"""The built graph conforms to ontology/shapes.ttl, and the shapes do catch errors."""

import pyoxigraph as ox

from kg.shapes import validate
from kg.build import build
from kg.store import open_store
from kg.vocab import KG


def test_example_graph_conforms(example_store):
    report = validate(example_store)
    assert report.conforms, report.text


def test_shapes_catch_an_edge_without_provenance(tmp_path, corpus):
    store = open_store(tmp_path / "s")
    build(store, [corpus / "77013.txt"], progress=False)
    edge = ox.NamedNode("https://w3id.org/codekg/briefing/77013.txt#L51")
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    for q in list(store.quads_for_pattern(edge, derived, None, None)):
        store.remove(q)
    report = validate(store)
    assert not report.conforms
    assert "wasDerivedFrom" in report.text


def test_shapes_catch_a_bad_notation(tmp_path, corpus):
    store = open_store(tmp_path / "s")
    build(store, [corpus / "77013.txt"], progress=False)
    bad = ox.NamedNode("http://purl.bioontology.org/ontology/CPT/oops")
    g = ox.NamedNode("https://w3id.org/codekg/briefing/77013.txt")
    store.add(ox.Quad(bad, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(str(KG.ProcedureCode)), g))
    store.add(ox.Quad(bad, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("oops"), g))
    store.add(ox.Quad(bad, ox.NamedNode("http://www.w3.org/2004/02/skos/core#inScheme"), ox.NamedNode(str(KG.CPT)), g))
    assert not validate(store).conforms
