"""The domain registry (kg.model) is the one list: the ontology, the shapes and the named queries must agree with it.

A relation or code system added to the registry but forgotten elsewhere fails here, and so does one added
elsewhere but not to the registry.
"""

from __future__ import annotations

import re

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Namespace, URIRef
from rdflib.collection import Collection

from kg.model import (
    ATTRIBUTE_RELATIONS,
    BRIEFING_RELATIONS,
    CODE_RELATIONS,
    CODE_SYSTEMS,
    DIAGNOSIS_RELATIONS,
    NODE_TYPES,
    OFFICIAL_RELATIONS,
    PROCEDURE_RELATIONS,
    RELATIONS,
)
from kg.query import QUERY_DIR
from kg.store import ontology_dir
from kg.vocab import KG as _KG


class _Terms:
    """kg.vocab's closed namespace as rdflib URIRefs (its own terms are plain strings)."""

    def __getitem__(self, name: str) -> URIRef:
        return URIRef(_KG[name])

    __getattr__ = __getitem__


KG = _Terms()
SH = Namespace("http://www.w3.org/ns/shacl#")
KGSH = Namespace("https://w3id.org/codekg/shapes#")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_dir() / "kg.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """What validation checks against: shapes.ttl and the shapes the registry implies."""
    from kg.shapes import shapes_graph

    return shapes_graph()


def test_the_shapes_file_restates_no_relation_or_pattern():
    """So that a relation or code system added to the registry needs no edit to shapes.ttl."""
    text = (ontology_dir() / "shapes.ttl").read_text()
    for name in RELATIONS:
        assert f"kg:{name} " not in text and f"kg:{name};" not in text, name
    assert "skos:notation ; sh:pattern" not in text


def _class(node_type: str | None) -> URIRef:
    return KG.Code if node_type is None else KG[NODE_TYPES[node_type].owl_class]


@pytest.mark.parametrize("name", list(RELATIONS))
def test_each_relation_is_in_the_ontology_as_the_registry_says(ontology, name):
    r = RELATIONS[name]
    p = KG[name]  # the closed namespace raises for a relation missing from kg/vocab.py
    assert (p, RDF.type, OWL.ObjectProperty) in ontology, f"kg.ttl lacks kg:{name}"
    assert str(ontology.value(p, RDFS.label)) == r.label
    assert str(ontology.value(p, SKOS.definition)) == r.definition
    assert ontology.value(p, RDFS.domain) == _class(r.domain)
    assert ontology.value(p, RDFS.range) == _class(r.range)
    assert ((p, RDF.type, OWL.SymmetricProperty) in ontology) == r.symmetric, name
    if r.inverse:
        assert (p, OWL.inverseOf, KG[r.inverse]) in ontology
    if r.family in ("procedure", "diagnosis"):
        assert (p, RDFS.subPropertyOf, KG.relatedTo) in ontology, name


def test_no_code_relation_in_the_ontology_is_missing_from_the_registry(ontology):
    subs = {str(s).rsplit("#", 1)[1] for s in ontology.subjects(RDFS.subPropertyOf, KG.relatedTo)}
    inverses = {r.inverse for r in RELATIONS.values() if r.inverse}
    assert subs - inverses <= set(RELATIONS), subs - set(RELATIONS)


@pytest.mark.parametrize("name", [n for n, s in CODE_SYSTEMS.items() if s.scheme])
def test_each_code_system_has_its_concept_scheme(ontology, name):
    assert (KG[CODE_SYSTEMS[name].scheme], RDF.type, SKOS.ConceptScheme) in ontology


def test_each_node_type_is_a_class(ontology):
    for t in NODE_TYPES.values():
        assert (KG[t.owl_class], RDF.type, OWL.Class) in ontology, t.name


def _shape_paths(shapes: Graph, shape: URIRef) -> dict[URIRef, URIRef | None]:
    out = {}
    for prop in shapes.objects(shape, SH.property):
        path = shapes.value(prop, SH.path)
        out[path] = shapes.value(prop, SH["class"])
    return out


def test_shapes_type_every_relation_at_its_domain(shapes):
    by_domain = {"procedure": KGSH.ProcedureCodeShape, "diagnosis": KGSH.DiagnosisCodeShape}
    for name in PROCEDURE_RELATIONS + DIAGNOSIS_RELATIONS + ATTRIBUTE_RELATIONS:
        r = RELATIONS[name]
        paths = _shape_paths(shapes, by_domain[r.domain])
        assert KG[name] in paths, f"shapes.ttl: {by_domain[r.domain]} has no property for kg:{name}"
        assert paths[KG[name]] == _class(r.range), name


def test_asserted_relation_shape_lists_every_row_relation(shapes):
    prop = next(p for p in shapes.objects(KGSH.AssertedRelationShape, SH.property)
                if shapes.value(p, SH.path) == KG.relation and shapes.value(p, SH["in"]) is not None)
    listed = {str(t).rsplit("#", 1)[1] for t in Collection(shapes, shapes.value(prop, SH["in"]))}
    assert listed == set(CODE_RELATIONS) | {"hasModifier", "performedBy"}


def test_notation_patterns_come_from_the_code_systems(shapes):
    for node_type, shape in (("procedure", KGSH.ProcedureCodeShape), ("diagnosis", KGSH.DiagnosisCodeShape),
                             ("modifier", KGSH.ModifierShape), ("specialty", KGSH.ProviderTaxonomyShape)):
        systems = [s for s in CODE_SYSTEMS.values() if s.node_type == node_type and s.scheme and s.name != "POS"]
        expected = "|".join(s.xsd_pattern for s in systems)
        prop = next(p for p in shapes.objects(shape, SH.property)
                    if shapes.value(p, SH.path) == SKOS.notation and shapes.value(p, SH.pattern) is not None)
        assert str(shapes.value(prop, SH.pattern)) == expected, node_type
    schemes = next(p for p in shapes.objects(KGSH.CodeShape, SH.property)
                   if shapes.value(p, SH.path) == SKOS.inScheme and shapes.value(p, SH["in"]) is not None)
    listed = {str(t).rsplit("#", 1)[1] for t in Collection(shapes, shapes.value(schemes, SH["in"]))}
    assert listed == {s.scheme for s in CODE_SYSTEMS.values() if s.scheme and s.name != "POS"}


def test_the_tables_a_malformed_mention_may_be_in_are_the_briefing_tables_of_the_registry(shapes):
    from kg.model.codes import BRIEFING_SYSTEMS
    from kg.parse import TABLE_KINDS
    from kg.parse.reader import _ROW_OF

    tables = next(p for p in shapes.objects(KGSH.MalformedMentionShape, SH.property)
                  if shapes.value(p, SH.path) == KG.table and shapes.value(p, SH["in"]) is not None)
    listed = {str(t) for t in Collection(shapes, shapes.value(tables, SH["in"]))}
    assert listed == set(BRIEFING_SYSTEMS) == {_ROW_OF[k.name] for k in TABLE_KINDS}  # what the parser writes
    assert all(k.systems == BRIEFING_SYSTEMS[_ROW_OF[k.name]] for k in TABLE_KINDS)


def test_registry_examples_have_their_shapes():
    for s in CODE_SYSTEMS.values():
        for example in s.examples:
            assert s.matches(example), (s.name, example)


def test_stats_counts_every_relation_and_node_type():
    """stats.rq takes its lists from the registry (# registry:), so a new relation is counted with no edit."""
    from kg.query import named_queries

    text = named_queries()["stats"].text
    values = re.findall(r"VALUES \?(\w+) \{([^}]*)\}", text)
    found = {var: {t.strip("<>").rsplit("#", 1)[1] for t in body.split()} for var, body in values}
    from kg.model import EDGE_KINDS, OFFICIAL_RELATIONS

    layer_edges = {e.prop.rsplit("#", 1)[1] for e in EDGE_KINDS.values() if e.prop}
    assert found["p"] == set(BRIEFING_RELATIONS) | set(OFFICIAL_RELATIONS) | layer_edges
    assert {"excludes1", "ccsrCategory", "hcc", "hccTrumps", "broader"} <= found["p"]
    assert found["class"] == {t.owl_class for t in NODE_TYPES.values()} | {
        "Briefing", "AssertedRelation", "MalformedMention"}
    raw = (QUERY_DIR / "stats.rq").read_text()
    assert "VALUES ?p { }" in raw and "kg:monitors" not in raw, "the file itself restates no relation"


def test_a_registry_line_needs_its_empty_values_block(tmp_path):
    from kg.errors import QueryError
    from kg.query import _load

    bad = tmp_path / "bad.rq"
    bad.write_text("# title: t\n# answers: a?\n# registry: p briefing-relations\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="bad.rq:3: .* needs one empty 'VALUES \\?p"):
        _load(bad)
    bad.write_text("# title: t\n# answers: a?\n# registry: p nonsense\nSELECT * WHERE { VALUES ?p { } }\n")
    with pytest.raises(QueryError, match="unknown registry list 'nonsense'"):
        _load(bad)


def test_relation_families_are_complete():
    assert set(BRIEFING_RELATIONS) | set(OFFICIAL_RELATIONS) == set(RELATIONS)
    assert not set(BRIEFING_RELATIONS) & set(OFFICIAL_RELATIONS)
    for r in RELATIONS.values():
        assert r.domain is None or r.domain in NODE_TYPES
        assert r.range is None or r.range in NODE_TYPES
        assert r.inverse is None or r.inverse not in RELATIONS  # an inverse is a name, not a second entry
        assert not (r.symmetric and r.inverse)
