"""Turn parsed briefings into RDF quads, one named graph per document.

Every asserted edge is written twice:

* as a direct triple, ``cpt:77013 kg:monitors cpt:49405``, which is what
  queries walk; and
* as a qualified node ``<briefing/77013.txt#L51>`` (a ``kg:AssertedRelation``)
  that says which document and line the edge came from, the phrase that
  decided its type, the briefing's own description of the related code, and
  any usage note.

The qualified node's IRI is the document IRI plus ``#L<line>``, so it is
stable across rebuilds and can be cited. A row whose code is malformed
(:class:`kg.parse.MalformedRow`) is a ``kg:MalformedMention`` node there
instead, with the code as written (``kg:writtenAs``), its table, line and text:
no code node and no edge is made of it. A code that several briefings
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

import re
from dataclasses import replace

from pyoxigraph import Literal, NamedNode, Quad

from kg.model import CODE_SYSTEMS, GENERIC, RELATIONS
from kg.model.codes import BRIEFING_SYSTEMS
from kg.parse import Briefing, MalformedRow, Row, code_system
from kg.relations import AddOnKnowledge, Statement, generic, primary, read_row
from kg.vocab import KG, RDF_TYPE, RDFS_LABEL, SKOS_NS, XSD_NS, briefing_iri, class_iri, code_iri, scheme_iri

__all__ = ["Lit", "briefing_nquads", "briefing_quads", "briefing_triples", "node", "nquads", "slug"]

_SKOS = SKOS_NS
_XSD = XSD_NS

_nodes: dict[str, NamedNode] = {}


def node(iri: str) -> NamedNode:
    """A cached :class:`pyoxigraph.NamedNode` (vocabulary terms repeat a lot).

    Examples
    --------
    >>> monitors = node("https://w3id.org/codekg/ontology#monitors")
    >>> monitors.value, monitors is node("https://w3id.org/codekg/ontology#monitors")
    ('https://w3id.org/codekg/ontology#monitors', True)
    """
    n = _nodes.get(iri)
    if n is None:
        n = NamedNode(iri)
        if len(_nodes) < 100_000:
            _nodes[iri] = n
    return n


XSD_INTEGER = node(_XSD + "integer")



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


_TYPE = RDF_TYPE
_LABEL = RDFS_LABEL
_NOTATION = _SKOS + "notation"
_PREF = _SKOS + "prefLabel"
_IN_SCHEME = _SKOS + "inScheme"
_TITLE = "http://purl.org/dc/terms/title"
_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_INTEGER = _XSD + "integer"
_BOOLEAN = _XSD + "boolean"
_K = {name: str(KG[name]) for name in (
    "Briefing", "aboutCode", "sourceFile", "sha256", "line", "summary", "overview", "clinicalContext",
    "serviceType", "siteOfServiceText", "siteOfService", "SiteOfService", "Payer", "mentionedIn",
    "coveredByPayer", "hasModifier", "performedBy", "AssertedRelation", "subjectCode", "relation",
    "objectCode", "writtenAs", "description", "sourceText", "phrase", "rule", "usageNote", "annotation", "negated",
    "cue", "scope", "condition", "withModifier", "MalformedMention", "table")}
_CLASS_IRI = {name: class_iri(system.node_type) for name, system in CODE_SYSTEMS.items()}


class Lit(tuple):
    """A literal in :func:`briefing_triples`: ``(text, datatype IRI or None)``.

    Examples
    --------
    >>> Lit("51", _INTEGER), Lit("Liver cell carcinoma")
    (('51', 'http://www.w3.org/2001/XMLSchema#integer'), ('Liver cell carcinoma', None))
    >>> import pickle; pickle.loads(pickle.dumps(Lit("51", _INTEGER))) == Lit("51", _INTEGER)
    True
    """

    __slots__ = ()

    def __new__(cls, text: str, datatype: str | None = None):
        return tuple.__new__(cls, (text, datatype))

    def __getnewargs__(self):  # pickled (a build worker's result), it is made again from its text and datatype
        return tuple(self)


Term = str | Lit
"""An IRI (a str) or a :class:`Lit`."""


def briefing_triples(b: Briefing, addons: AddOnKnowledge | None = None) -> tuple[str, list[tuple[str, str, Term]]]:
    """The graph IRI and the triples of one briefing, as plain strings.

    This is the one description of what a briefing becomes;
    :func:`briefing_quads` and :func:`briefing_nquads` render it.
    ``addons`` is what the loaded code sets say of add-on codes
    (:func:`kg.knowledge.add_on_codes`).

    Examples
    --------
    >>> from kg.parse import parse_text
    >>> b = parse_text('''CPT 22551: ACDF
    ... | CPT Code | Description | Relationship to This Procedure |
    ... |---|---|---|
    ... 22552 | Each additional interspace | +22552 for each additional interspace; never alone. |
    ... ''', "22551.txt")
    >>> doc, triples = briefing_triples(b)
    >>> [(s[-5:], p.rsplit("#")[1], o[-5:]) for s, p, o in triples if p.endswith("#addOnTo")]
    [('22552', 'addOnTo', '22551')]
    """
    doc = briefing_iri(b.name)
    out: list[tuple[str, str, Term]] = []
    add = out.append
    K = _K

    subject = _code(add, b.system, b.code, b.title, doc)
    add((doc, _TYPE, K["Briefing"]))
    add((doc, K["aboutCode"], subject))
    add((doc, _TITLE, Lit(f"{b.system} {b.code}: {b.title}" if b.title else f"{b.system} {b.code}")))
    add((doc, K["sourceFile"], Lit(b.name)))
    add((doc, K["sha256"], Lit(b.sha256)))
    add((doc, K["line"], Lit(str(b.line), _INTEGER)))
    for prop, text in (("summary", b.summary), ("overview", b.overview), ("clinicalContext", b.clinical_context)):
        if text is not None:
            add((doc, K[prop], Lit(text.text)))

    if b.service_type is not None:
        add((subject, K["serviceType"], Lit(b.service_type.text)))
    if b.site_of_service is not None:
        add((subject, K["siteOfServiceText"], Lit(b.site_of_service.text)))
    for site in b.sites:
        s = code_iri("SITE", slug(site.name))
        add((s, _TYPE, K["SiteOfService"]))
        add((s, _LABEL, Lit(site.name)))
        add((subject, K["siteOfService"], s))
    for payer in b.payers:
        p = code_iri("PAYER", slug(payer.name))
        add((p, _TYPE, K["Payer"]))
        add((p, _LABEL, Lit(payer.name)))
        add((p, K["mentionedIn"], doc))
        add((subject, K["coveredByPayer"], p))

    for row in b.modifiers:
        target = _code(add, row.system, row.code, row.description, doc)
        _edge(add, doc, row, subject, K["hasModifier"], target, None)
    for row in b.taxonomies:
        target = _code(add, row.system, row.code, row.description, doc)
        _edge(add, doc, row, subject, K["performedBy"], target, None)
    for table, rows in (("diagnosis", b.diagnoses), ("procedure", b.procedures)):
        for row in rows:
            target = _code(add, row.system, row.code, row.description, doc)
            statements = read_row(row.note, table=table, subject=b.code, row=row.code, subject_title=b.title,
                                  row_description=row.description, addons=addons)
            _statements(add, doc, row, b, subject, target, table, statements)
    for m in b.malformed:
        _malformed(add, doc, m)
    return doc, out


def briefing_quads(b: Briefing, addons: AddOnKnowledge | None = None) -> list[Quad]:
    """All quads for one briefing, in its own named graph.

    Parameters
    ----------
    b : Briefing
        A parsed briefing (:func:`kg.parse.parse_file`).

    Returns
    -------
    list of pyoxigraph.Quad
        Deterministic for a given briefing: building it twice gives the same quads.

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> from kg.parse import parse_file
    >>> b = parse_file(examples_dir() / "77013.txt")
    >>> quads = briefing_quads(b)
    >>> {q.graph_name.value for q in quads}, quads == briefing_quads(b)
    ({'https://w3id.org/codekg/briefing/77013.txt'}, True)
    >>> monitors = node("https://w3id.org/codekg/ontology#monitors")
    >>> [q.object.value for q in quads if q.subject.value.endswith("/CPT/77013") and q.predicate == monitors]
    ['http://purl.bioontology.org/ontology/CPT/49405']
    """
    doc, triples = briefing_triples(b, addons)
    g = node(doc)
    return [Quad(node(s), node(p), _ox_term(o), g) for s, p, o in triples]


def _ox_term(o: Term):
    if isinstance(o, Lit):
        text, datatype = o
        return Literal(text, datatype=node(datatype)) if datatype else Literal(text)
    return node(o)


def _escape(text: str) -> str:
    """Escape what an N-Quads string literal can't hold as is: backslash, quote, LF, CR."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def nquads(graph: str, triples: list[tuple[str, str, Term]]) -> bytes:
    """``triples`` in graph ``graph`` as N-Quads, UTF-8.

    IRIs are written as they are: every IRI here is built by
    :mod:`kg.vocab`, which percent-encodes what an IRI can't hold. In
    literals, the four characters N-Quads requires are escaped.

    Examples
    --------
    >>> nquads("http://g", [("http://s", "http://p", Lit('say "hi"\\n'))])
    b'<http://s> <http://p> "say \\\\"hi\\\\"\\\\n" <http://g> .\\n'
    """
    g = f"<{graph}> .\n"
    iris: dict[str, str] = {}
    lines = []
    for s, p, o in triples:
        if isinstance(o, Lit):
            text, datatype = o
            obj = f'"{_escape(text)}"' + (f"^^<{datatype}>" if datatype else "")
        else:
            obj = iris.get(o) or iris.setdefault(o, f"<{o}>")
        lines.append(f"{iris.get(s) or iris.setdefault(s, f'<{s}>')} "
                     f"{iris.get(p) or iris.setdefault(p, f'<{p}>')} {obj} {g}")
    return "".join(lines).encode("utf-8")


def briefing_nquads(b: Briefing, addons: AddOnKnowledge | None = None) -> bytes:
    """:func:`briefing_quads` as N-Quads, without making a pyoxigraph term (several times faster).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.parse import parse_file
    >>> b = parse_file(examples_dir() / "77013.txt")
    >>> set(ox.parse(briefing_nquads(b), ox.RdfFormat.N_QUADS)) == set(briefing_quads(b))
    True
    """
    return nquads(*briefing_triples(b, addons))


def _code(add, system: str, code: str, label: str, doc: str) -> str:
    # Said once each: the class (kg:ProcedureCode ...) is a skos:Concept by the ontology's rdfs:subClassOf,
    # and the briefing's description is the skos:prefLabel alone (no rdfs:label repeating it).
    n = code_iri(system, code)
    add((n, _TYPE, _CLASS_IRI[system]))
    add((n, _NOTATION, Lit(code)))
    add((n, _IN_SCHEME, scheme_iri(system)))
    if label:
        add((n, _PREF, Lit(label)))
    add((n, _K["mentionedIn"], doc))
    return n


def _statements(add, doc: str, row: Row, b: Briefing, subject: str, target: str, table: str,
                statements: list[Statement]) -> None:
    """Each statement a row makes, as a direct triple and a qualified node; a negated one as the node alone.

    The row's first statement is ``#L<line>``, the others ``#L<line>-2``, ``-3`` ...; a row with no
    positive statement about its own code keeps the generic ``relatedTo`` from the subject to it.
    """
    iris = {b.code: subject, row.code: target}

    def iri(code: str) -> str:
        n = iris.get(code)
        if n is None:
            system = code_system(code, BRIEFING_SYSTEMS["procedure"]) or "CPT"  # a code named in the text
            n = iris[code] = _code(add, system, code, "", doc)
        return n

    nodes = 0
    positive = [st for st in statements if not st.negated]
    main = primary(statements, b.code, row.code)
    if main is not None:  # the row's main statement is #L<line>
        statements = [main, *(st for st in statements if st is not main)]
    if not any(row.code in (st.subject, st.object) for st in positive):
        rule, phrase = generic(statements, row.note, table=table, subject=b.code, row=row.code)
        statements = [Statement(b.code, GENERIC, row.code, phrase=phrase, rule=rule), *statements]
    for st in statements:
        if RELATIONS[st.relation].symmetric and st.object == b.code:
            st = replace(st, subject=st.object, object=st.subject)  # a symmetric edge is written from the subject
        nodes += 1
        q = f"{doc}#L{row.line}" if nodes == 1 else f"{doc}#L{row.line}-{nodes}"
        _edge(add, doc, row, iri(st.subject), str(KG[st.relation]), iri(st.object), st, q)


def _edge(add, doc: str, row: Row, s: str, p: str, o: str, c: Statement | None, q: str | None = None) -> None:
    K = _K
    if c is None or not c.negated:
        add((s, p, o))
    q = q or f"{doc}#L{row.line}"
    add((q, _TYPE, K["AssertedRelation"]))
    add((q, K["subjectCode"], s))
    add((q, K["relation"], p))
    add((q, K["objectCode"], o))
    add((q, _DERIVED, doc))
    add((q, K["line"], Lit(str(row.line), _INTEGER)))
    if row.written != row.code:
        add((q, K["writtenAs"], Lit(row.written)))
    if row.description:
        add((q, K["description"], Lit(row.description)))
    if c is not None:
        add((q, K["sourceText"], Lit(row.note)))
        if c.phrase:
            add((q, K["phrase"], Lit(c.phrase)))
        add((q, K["rule"], Lit(c.rule)))
        if c.negated:
            add((q, K["negated"], Lit("true", _BOOLEAN)))
            if c.cue:
                add((q, K["cue"], Lit(c.cue)))
            if c.scope:
                add((q, K["scope"], Lit(c.scope)))
        if c.condition:
            add((q, K["condition"], Lit(c.condition)))
        for mod in c.modifiers:
            add((q, K["withModifier"], code_iri("MOD", mod)))
    elif row.note:
        add((q, K["usageNote"], Lit(row.note)))
    for header, value in row.extra:
        add((q, K["annotation"], Lit(f"{header}: {value}")))


def _malformed(add, doc: str, m: MalformedRow) -> None:
    """A row whose code is malformed, as a ``kg:MalformedMention`` node: the row's text, and no code or edge.

    >>> from kg.parse import parse_text
    >>> b = parse_text("CPT 77013: x\\n| Modifier | Description | When to Use |\\n|---|---|---|\\nQ# | Odd | Never. |\\n")
    >>> out = []
    >>> _malformed(out.append, "https://w3id.org/codekg/briefing/x.txt", b.malformed[0])
    >>> [(p.rsplit("#", 1)[1], o[0]) for _, p, o in out if isinstance(o, Lit)]
    [('writtenAs', 'Q#'), ('table', 'modifier'), ('line', '4'), ('description', 'Odd'), ('usageNote', 'Never.')]
    >>> {s for s, _, _ in out}, [o for _, p, o in out if p.endswith("#wasDerivedFrom")]
    ({'https://w3id.org/codekg/briefing/x.txt#L4'}, ['https://w3id.org/codekg/briefing/x.txt'])
    """
    K = _K
    q = f"{doc}#L{m.line}"  # the row's own node, as an asserted relation's would be
    add((q, _TYPE, K["MalformedMention"]))
    add((q, K["writtenAs"], Lit(m.written)))
    add((q, K["table"], Lit(m.table)))
    add((q, _DERIVED, doc))
    add((q, K["line"], Lit(str(m.line), _INTEGER)))
    if m.description:
        add((q, K["description"], Lit(m.description)))
    if m.note:  # as an asserted relation of the same table keeps it
        add((q, K["sourceText" if m.table in ("diagnosis", "procedure") else "usageNote"], Lit(m.note)))
    for header, value in m.extra:
        add((q, K["annotation"], Lit(f"{header}: {value}")))
