"""The catalog and the ``needs-review`` rows the kept statistics (:mod:`kg.stats`) hold of each briefing graph:
queried from the store, or read by a build worker from the graph's own triples (:func:`briefing_rows`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from kg.paging import list_key
from kg.queries import internal_query_filled
from kg.stats.terms import (_BATCH, _DERIVED, _LIST_KEY, _LINE, _NOTATION, _OBJECT, _RDF_TYPE, _ROW_FIELDS, _SUBJECT,
                            _TITLE, _V, _VALUES_G, REVIEW)
from kg.vocab import BRIEFING, KG

__all__ = ["briefing_rows"]


def _per_graph(store: ox.Store, name: str, graphs: list[str]) -> Iterable[ox.QuerySolution]:
    """The rows of internal query ``stats/NAME`` for ``graphs``, bound in its empty ``VALUES ?g`` block, in batches."""
    text = internal_query_filled(f"stats/{name}")
    for i in range(0, len(graphs), _BATCH):
        yield from store.query(text.replace(_VALUES_G, "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs[i:i + _BATCH]) + " }"))


def _catalog_rows(store: ox.Store, briefings: list[str], described: Mapping[str, tuple]) -> list[tuple]:
    """The catalog rows of ``briefings``, ``(graph, file, code, title, asserted relations)`` as pyoxigraph terms (the
    count an int): those of ``described`` (graph IRI -> :func:`briefing_rows`) made from it, the others queried."""
    out = [(s["g"], s["file"], s["code"], s["title"], int(s["edges"].value))
           for s in _per_graph(store, "briefing-catalog", [g for g in briefings if g not in described])]
    for iri in briefings:
        if iri in described:
            g = ox.NamedNode(iri)
            out += [(g, _term(file), _term(code), _term(title), edges) for file, code, title, edges in described[iri][0]]
    return out


def _review_row(g: ox.NamedNode, edge: ox.NamedNode | ox.BlankNode) -> ox.NamedNode:
    """The node of :data:`VOID_GRAPH` that keeps the ``needs-review`` row of statement ``edge`` of graph ``g``.

    Named after the statement (``<briefing/77013.txt#L41>`` is kept as ``<void/review/77013.txt#L41>``), so the
    same store is described by the same quads however it was built, and never the statement's own IRI: the
    union of the graphs must not see a statement's triples twice.
    """
    if isinstance(edge, ox.NamedNode) and edge.value.startswith(BRIEFING):
        return ox.NamedNode(REVIEW + edge.value[len(BRIEFING):])
    return ox.NamedNode(REVIEW + hashlib.sha256(f"{g.value} {edge}".encode()).hexdigest()[:32])


def _review_rows(store: ox.Store, briefings: list[str], described: Mapping[str, tuple]
                 ) -> tuple[set[ox.Quad], set[ox.Quad]]:
    """The kept ``needs-review`` rows of ``briefings``: the rows' quads, and the notations of the codes they name.

    Those of ``described`` (graph IRI -> :func:`briefing_rows`) are made from it, the others queried."""
    rows: set[ox.Quad] = set()
    notations: set[ox.Quad] = set()

    def keep(g, edge, file, line, s, subject, o, obj, rule, phrase, text) -> None:
        r = _review_row(g, edge)
        key = ox.Literal(list_key(file.value, int(line.value)))  # the listing's order (kg.paging)
        rows.update((ox.Quad(r, _DERIVED, g, _V), ox.Quad(r, _LIST_KEY, key, _V), ox.Quad(r, _LINE, line, _V),
                     ox.Quad(r, _SUBJECT, s, _V), ox.Quad(r, _OBJECT, o, _V)))
        rows.update(ox.Quad(r, p, v, _V) for (p, _), v in zip(_ROW_FIELDS, (rule, phrase, text)) if v is not None)
        notations.update((ox.Quad(s, _NOTATION, subject, _V), ox.Quad(o, _NOTATION, obj, _V)))

    for s in _per_graph(store, "briefing-review", [g for g in briefings if g not in described]):
        keep(s["g"], s["edge"], s["file"], s["line"], s["s"], s["subject"], s["o"], s["object"],
             *(s[v] for _, v in _ROW_FIELDS))
    for iri in briefings:
        if iri in described:
            g = ox.NamedNode(iri)
            for row in described[iri][1]:
                keep(g, *map(_term, row))
    return rows, notations


def _term(x) -> ox.NamedNode | ox.Literal | None:
    """A term of :func:`briefing_rows` (an IRI's text, a :class:`kg.to_rdf.Lit`, None) as a pyoxigraph term."""
    if x is None:
        return None
    if isinstance(x, str):
        return ox.NamedNode(x)
    text, datatype = x
    return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)


_RELATED = str(KG.relatedTo)
_PY = {name: str(KG[name]) for name in ("Briefing", "AssertedRelation", "sourceFile", "aboutCode", "relation", "line",
                                       "subjectCode", "objectCode", "rule", "phrase", "sourceText")}
_PY_TYPE, _PY_NOTATION, _PY_TITLE = _RDF_TYPE.value, _NOTATION.value, _TITLE.value
_PY_READ = frozenset([_PY_TYPE, _PY_NOTATION, _PY_TITLE, *_PY.values()])


def briefing_rows(doc: str, triples) -> tuple[list[tuple], list[tuple]]:
    """What the description keeps of briefing graph ``doc`` made of ``triples`` (:func:`kg.to_rdf.briefing_triples`'s,
    with its ``<doc> a kg:Briefing``), read in Python: the rows of queries ``stats/briefing-catalog`` and
    ``stats/briefing-review`` for that graph once it is in a store, without the store.

    Each build worker reads them beside its graph and :func:`kg.build.build` hands them to :func:`record_graphs`
    (``described``), which then need not query 10,000 graphs for them. Terms are as in the triples: an IRI is its
    text, a literal a :class:`kg.to_rdf.Lit`; each pattern is matched as the engine matches it, every combination
    of the values a node has (``tests/test_stats.py`` compares the description so written with a recount).

    Examples
    --------
    >>> from kg.parse import parse_text
    >>> from kg.to_rdf import briefing_triples
    >>> doc, triples = briefing_triples(parse_text("CPT 77013: CT guidance\\n| ICD-10 Code | Description | "
    ...     "Clinical Relevance |\\n|---|---|---|\\n| C22.0 | Liver cell carcinoma | Seen with it. |\\n", "77013.txt"))
    >>> catalog, review = briefing_rows(doc, triples)
    >>> [(file[0], code[0], edges) for file, code, title, edges in catalog]
    [('77013.txt', '77013', 1)]
    >>> [(line[0], subject[0], obj[0]) for edge, file, line, s, subject, o, obj, rule, phrase, text in review]
    [('4', '77013', 'C22.0')]
    """
    K = _PY
    props: dict[str, dict[str, list]] = {}  # subject -> predicate -> objects, each triple once
    for t in dict.fromkeys(t for t in triples if t[1] in _PY_READ):
        props.setdefault(t[0], {}).setdefault(t[1], []).append(t[2])

    def values(node, p: str) -> list:
        return props.get(node, {}).get(p, []) if isinstance(node, str) else []

    files = values(doc, K["sourceFile"])
    catalog: list[tuple] = []
    if K["Briefing"] in values(doc, _PY_TYPE):
        edges = sum(1 for ps in props.values() if K["AssertedRelation"] in ps.get(_PY_TYPE, ()))
        catalog = [(f, code, title, edges) for f in files for c in values(doc, K["aboutCode"])
                   for code in values(c, _PY_NOTATION) for title in values(doc, _PY_TITLE)]
    review = []
    for node, ps in props.items():
        if _RELATED not in ps.get(K["relation"], ()):
            continue
        review += [
            (node, f, line, s, subject, o, obj, rule, phrase, text)
            for f in files for line in ps.get(K["line"], ())
            for s in ps.get(K["subjectCode"], ()) for subject in values(s, _PY_NOTATION)
            for o in ps.get(K["objectCode"], ()) for obj in values(o, _PY_NOTATION)
            for rule in ps.get(K["rule"]) or [None] for phrase in ps.get(K["phrase"]) or [None]
            for text in ps.get(K["sourceText"]) or [None]]
    return catalog, review


def _forget_rows(store: ox.Store, graphs: Iterable[str]) -> tuple[list[ox.Quad], set[ox.Term]]:
    """The quads of the kept ``needs-review`` rows of ``graphs``, and the codes those rows name."""
    out: list[ox.Quad] = []
    codes = set()
    for iri in graphs:
        for link in store.quads_for_pattern(None, _DERIVED, ox.NamedNode(iri), _V):
            for q in store.quads_for_pattern(link.subject, None, None, _V):
                out.append(q)
                if q.predicate in (_SUBJECT, _OBJECT):
                    codes.add(q.object)
    return out, codes


def _orphans(store: ox.Store, codes: set, gone: set, kept: set[ox.Quad]) -> list[ox.Quad]:
    """The notations of ``codes`` that no row names once the rows ``gone`` are removed and ``kept`` are written."""
    named = {q.object for q in kept if q.predicate in (_SUBJECT, _OBJECT)}
    out = []
    for code in codes - named:
        if not any(q.subject not in gone for p in (_SUBJECT, _OBJECT) for q in store.quads_for_pattern(None, p, code, _V)):
            out.extend(store.quads_for_pattern(code, _NOTATION, None, _V))
    return out

