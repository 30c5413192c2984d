"""kg/vocab.py and ontology/kg.ttl must declare the same terms."""

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from kg.store import ontology_dir
from kg.vocab import KG


def _ontology() -> Graph:
    return Graph().parse(ontology_dir() / "kg.ttl", format="turtle")


def test_every_vocab_term_is_declared_in_the_ontology():
    g = _ontology()
    declared = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KG._NS))}
    terms = {URIRef(KG[name]) for name in KG.__annotations__}
    missing = sorted(str(t) for t in terms - declared)
    assert not missing, f"in kg/vocab.py but not in ontology/kg.ttl: {missing}"


def test_every_ontology_term_is_in_vocab():
    g = _ontology()
    declared = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KG._NS))}
    terms = {URIRef(KG[name]) for name in KG.__annotations__}
    extra = sorted(str(t) for t in declared - terms)
    assert not extra, f"in ontology/kg.ttl but not in kg/vocab.py: {extra}"


def test_properties_have_label_definition_domain_and_range():
    g = _ontology()
    problems = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for p in g.subjects(RDF.type, kind):
            for needed in (RDFS.label, SKOS.definition, RDFS.domain, RDFS.range):
                if (p, needed, None) not in g:
                    problems.append(f"{p} lacks {needed}")
    assert not problems, problems


def test_code_relations_are_sub_properties_of_related_to():
    g = _ontology()
    for rel in ("monitors", "alternativeTo", "precedes", "includedIn", "indicationFor", "comorbidityOf"):
        assert (URIRef(KG[rel]), RDFS.subPropertyOf, URIRef(KG.relatedTo)) in g, rel
    assert (URIRef(KG.alternativeTo), RDF.type, OWL.SymmetricProperty) in g
    assert (URIRef(KG.monitors), OWL.inverseOf, URIRef(KG.monitoredBy)) in g


def test_closed_namespace_rejects_typos():
    import pytest

    with pytest.raises(AttributeError):
        KG.monitor  # noqa: B018
