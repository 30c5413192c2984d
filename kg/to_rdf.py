"""Turn parsed briefings into RDF quads, one named graph per document.

Every asserted edge is written twice:

* as a direct triple, ``cpt:77013 kg:monitors cpt:49405``, which is what
  queries walk; and
* as a qualified node ``<briefing/77013.txt#L51>`` (a ``kg:AssertedRelation``)
  that says which document and line the edge came from, the phrase that
  decided its type, the briefing's own description of the related code, and
  any usage note.

The qualified node's IRI is the document IRI plus ``#L<line>``, so it is
stable across rebuilds and can be cited. A code that several briefings
mention is one node: each document's graph says ``kg:mentionedIn`` itself,
and the union default graph holds them all.

Examples
--------
>>> from kg.parse import parse_text
>>> b = parse_text('''CPT 77013: CT guidance
... | CPT Code | Description | Relationship to This Procedure |
... |---|---|---|
... 49405 | Hepatic ablation | Ablation procedure that 77013 monitors |
... ''', "77013.txt")
>>> quads = briefing_quads(b)
>>> edge = [q for q in quads if q.predicate.value.endswith("#monitors")]
>>> [(q.subject.value[-5:], q.object.value[-5:]) for q in edge]
[('77013', '49405')]
>>> quads[0].graph_name.value
'https://w3id.org/codekg/briefing/77013.txt'
"""

from __future__ import annotations

from collections.abc import Iterator
import re

from pyoxigraph import Literal, NamedNode, Quad

from kg.parse import Briefing, Row
from kg.relations import IN, Classification, classify_diagnosis, classify_procedure
from kg.vocab import KG, briefing_iri, code_iri, scheme_iri

__all__ = ["briefing_quads", "node", "slug"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

_nodes: dict[str, NamedNode] = {}


def node(iri: str) -> NamedNode:
    """A cached :class:`pyoxigraph.NamedNode` (vocabulary terms repeat a lot)."""
    n = _nodes.get(iri)
    if n is None:
        n = NamedNode(iri)
        if len(_nodes) < 100_000:
            _nodes[iri] = n
    return n


RDF_TYPE = node(_RDF + "type")
RDFS_LABEL = node(_RDFS + "label")
SKOS_CONCEPT = node(_SKOS + "Concept")
SKOS_NOTATION = node(_SKOS + "notation")
SKOS_PREF = node(_SKOS + "prefLabel")
SKOS_IN_SCHEME = node(_SKOS + "inScheme")
DCT_TITLE = node("http://purl.org/dc/terms/title")
PROV_DERIVED = node("http://www.w3.org/ns/prov#wasDerivedFrom")
XSD_INTEGER = node(_XSD + "integer")

_CLASS = {
    "CPT": KG.ProcedureCode,
    "HCPCS": KG.ProcedureCode,
    "ICD10CM": KG.DiagnosisCode,
    "NUCC": KG.ProviderTaxonomy,
    "MOD": KG.Modifier,
}


def slug(text: str) -> str:
    """A readable, stable IRI segment for a name (payers, sites of service).

    Plural and singular fold together, so "Hospital outpatient departments"
    and "hospital outpatient department" are one site.

    Examples
    --------
    >>> slug("Hospital outpatient departments")
    'hospital-outpatient-department'
    >>> slug("Blue Cross Blue Shield")
    'blue-cross-blue-shield'
    """
    words = re.findall(r"[a-z0-9]+", text.lower())
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return "-".join(words) or "unnamed"


def _k(term) -> NamedNode:
    return node(str(term))


def briefing_quads(b: Briefing) -> list[Quad]:
    """All quads for one briefing, in its own named graph.

    Parameters
    ----------
    b : Briefing
        A parsed briefing (:func:`kg.parse.parse_file`).

    Returns
    -------
    list of pyoxigraph.Quad
        Deterministic for a given briefing: building it twice gives the same quads.
    """
    doc_iri = briefing_iri(b.name)
    g = node(doc_iri)
    doc = g
    out: list[Quad] = []

    def add(s, p, o) -> None:
        out.append(Quad(s, p, o, g))

    subject = _code(add, b.system, b.code, b.title, doc)
    add(doc, RDF_TYPE, _k(KG.Briefing))
    add(doc, _k(KG.aboutCode), subject)
    add(doc, DCT_TITLE, Literal(f"{b.system} {b.code}: {b.title}" if b.title else f"{b.system} {b.code}"))
    add(doc, _k(KG.sourceFile), Literal(b.name))
    add(doc, _k(KG.sha256), Literal(b.sha256))
    add(doc, _k(KG.line), Literal(str(b.line), datatype=XSD_INTEGER))
    for prop, text in ((KG.summary, b.summary), (KG.overview, b.overview), (KG.clinicalContext, b.clinical_context)):
        if text is not None:
            add(doc, _k(prop), Literal(text.text))

    if b.service_type is not None:
        add(subject, _k(KG.serviceType), Literal(b.service_type.text))
    if b.site_of_service is not None:
        add(subject, _k(KG.siteOfServiceText), Literal(b.site_of_service.text))
    for site in b.sites:
        s = node(code_iri("SITE", slug(site.name)))
        add(s, RDF_TYPE, _k(KG.SiteOfService))
        add(s, RDFS_LABEL, Literal(site.name))
        add(subject, _k(KG.siteOfService), s)
    for payer in b.payers:
        p = node(code_iri("PAYER", slug(payer.name)))
        add(p, RDF_TYPE, _k(KG.Payer))
        add(p, RDFS_LABEL, Literal(payer.name))
        add(p, _k(KG.mentionedIn), doc)
        add(subject, _k(KG.coveredByPayer), p)

    for row in b.modifiers:
        target = _code(add, row.system, row.code, row.description, doc)
        _edge(add, doc, row, subject, _k(KG.hasModifier), target, None)
    for row in b.taxonomies:
        target = _code(add, row.system, row.code, row.description, doc)
        _edge(add, doc, row, subject, _k(KG.performedBy), target, None)
    for row in b.diagnoses:
        target = _code(add, row.system, row.code, row.description, doc)
        c = classify_diagnosis(row.note)
        _directed(add, doc, row, subject, target, c)
    for row in b.procedures:
        target = _code(add, row.system, row.code, row.description, doc)
        c = classify_procedure(row.note, b.code, row.code)
        _directed(add, doc, row, subject, target, c)
    return out


def _code(add, system: str, code: str, label: str, doc: NamedNode) -> NamedNode:
    n = node(code_iri(system, code))
    add(n, RDF_TYPE, _k(_CLASS[system]))
    add(n, RDF_TYPE, SKOS_CONCEPT)
    add(n, SKOS_NOTATION, Literal(code))
    add(n, SKOS_IN_SCHEME, node(scheme_iri(system)))
    if label:
        add(n, SKOS_PREF, Literal(label))
        add(n, RDFS_LABEL, Literal(label))
    add(n, _k(KG.mentionedIn), doc)
    return n


def _directed(add, doc, row: Row, subject: NamedNode, target: NamedNode, c: Classification) -> None:
    s, o = (target, subject) if c.direction == IN else (subject, target)
    _edge(add, doc, row, s, node(str(KG[c.relation])), o, c)


def _edge(add, doc, row: Row, s: NamedNode, p: NamedNode, o: NamedNode, c: Classification | None) -> None:
    add(s, p, o)
    q = node(f"{doc.value}#L{row.line}")
    add(q, RDF_TYPE, _k(KG.AssertedRelation))
    add(q, _k(KG.subjectCode), s)
    add(q, _k(KG.relation), p)
    add(q, _k(KG.objectCode), o)
    add(q, PROV_DERIVED, doc)
    add(q, _k(KG.line), Literal(str(row.line), datatype=XSD_INTEGER))
    if row.written != row.code:
        add(q, _k(KG.writtenAs), Literal(row.written))
    if row.description:
        add(q, _k(KG.description), Literal(row.description))
    if c is not None:
        add(q, _k(KG.sourceText), Literal(row.note))
        if c.phrase:
            add(q, _k(KG.phrase), Literal(c.phrase))
        add(q, _k(KG.rule), Literal(c.rule))
    elif row.note:
        add(q, _k(KG.usageNote), Literal(row.note))
    for header, value in row.extra:
        add(q, _k(KG.annotation), Literal(f"{header}: {value}"))
