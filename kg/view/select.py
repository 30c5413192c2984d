"""What a view shows: the part of the store each kind of view picks.

:func:`ego_view` (the codes around one code), :func:`all_view` (every
briefing), :func:`query_view` (what a named query or SPARQL text returns)
and :func:`audit_view` (the codes with audit findings); :func:`view` picks
one of them for the CLI and notebooks. An ego view, and a query view over
official edges, read only the neighbourhood they draw
(:mod:`kg.network.local`); the others read the store through
:func:`kg.network.project`, :mod:`kg.query` and :func:`kg.audit.read_findings`
and hands a networkx graph to :func:`kg.view.page.view_graph`; this is the
only module of :mod:`kg.view` that talks to the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import networkx as nx
import pyoxigraph as ox

from kg.audit import AUDIT_GRAPH, read_findings
from kg.errors import KGError
from kg.model import EDGE_KINDS, LAYERS, RELATIONS
from kg.network import cached_project, project
from kg.network.local import ancestors, around, ncci_rules
from kg.query import bind, compact, get, named_queries, run, run_sparql
from kg.view.capping import best_connected, most_flagged
from kg.view.data import ATTRIBUTE_TYPES
from kg.view.page import View, _tail, view_graph
from kg.vocab import KG, RDF_TYPE, RDFS_LABEL, SKOS_NS, XSD_NS, node_type_of

__all__ = ["ALL_VIEW_EDGES", "ALL_VIEW_NODES", "all_view", "audit_view", "ego_view", "query_view", "view"]

_HUB_RELATIONS = frozenset(r.name for r in RELATIONS.values() if r.range in ("payer", "site"))
"""Relations to payers and sites of service, which join nearly every procedure to every other."""

_NOTATION = SKOS_NS + "notation"
_LABELS = (SKOS_NS + "prefLabel", RDFS_LABEL)
_XSD_STRING = XSD_NS + "string"


def ego_view(store, code: str, depth: int = 1, *, physics: bool | None = None, layers=None) -> View:
    """The codes within ``depth`` code-to-code hops of ``code`` (any code system) and the edges among them.

    Read straight from the store (:func:`kg.network.local.around`), never a
    whole-store projection. Depth counts code-to-code relations only: each
    code's modifiers, specialties, payers and sites (and, with layer ``mue``,
    its MUE) are in its node's ``attributes`` for the details panel and
    ``attribute_nodes``; only the centre's are drawn as nodes, never walked
    through. The
    official ``layers`` (:data:`kg.model.LAYERS`; all loaded ones by
    default) are walked one hop from the centre, their edges among the codes
    drawn are shown labelled in words, and every edge carries its ``layer``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> v = ego_view(store, "C22.0")
    >>> v.node_count, v.edge_count
    (2, 1)
    >>> ego_view(store, "77013", layers=["excludes"]).node_count  # no briefing layer: no briefing edge, no attribute
    1
    """
    H = around(store, code, depth, layers=layers, official_depth=1)
    centre = H.graph["centre"]
    name = H.nodes[centre].get("notation", code)
    return view_graph(H, title=f"{name}: codes within {depth} hop{'s' if depth != 1 else ''}",
                      findings=read_findings(store, H.nodes), physics=physics, focus=[centre])


ALL_VIEW_NODES = 5_000
"""``kg view --all`` draws at most this many codes by default (``--max-nodes`` raises it up to :data:`MAX_NODES`)."""

ALL_VIEW_EDGES = 25_000
"""And at most this many edges among them."""


def all_view(store, hierarchies: bool = False, *, physics: bool | None = None, max_nodes: int = ALL_VIEW_NODES,
             max_edges: int = ALL_VIEW_EDGES, cache_dir=None) -> View:
    """The whole briefing graph; with ``hierarchies``, also the code sets' ``broader`` edges above its codes.

    A graph of more than ``max_nodes`` codes (or ``max_edges`` edges) is
    drawn capped, never refused: the best-connected codes (by code-to-code
    edges, then notation) as long as both limits hold, and the title says how
    many of how many are drawn. A capped view lists each code's modifiers,
    specialties, payers and sites in its details panel rather than drawing
    them. The hierarchies are drawn only above the codes drawn
    (:func:`kg.network.local.ancestors`), never whole: ICD-10-CM alone would
    be about 99,000 nodes. The projection is read through
    :func:`kg.network.cached_project` when ``cache_dir`` is given.

    Raises
    ------
    KGError
        If ``max_nodes`` is not between 1 and :data:`kg.view.page.MAX_NODES`.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> all_view(open_store(tempfile.mkdtemp())).node_count
    0
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> v = all_view(store, max_nodes=3)
    >>> v.title, v.node_count
    ('All briefings: the 3 best-connected of 80 codes (raise with --max-nodes)', 3)
    """
    from kg.view.page import MAX_NODES

    if not 1 <= max_nodes <= MAX_NODES:
        raise KGError(f"max_nodes must be between 1 and {MAX_NODES:,}, not {max_nodes:,}")
    G = cached_project(store, cache_dir) if cache_dir is not None else project(store)
    codes = [n for n, t in G.nodes(data="type") if t not in ATTRIBUTE_TYPES]
    title = "All briefings"
    if len(codes) > max_nodes or G.number_of_edges() > max_edges:
        G, drawn = best_connected(G, codes, max_nodes, max_edges)
        title += f": the {drawn:,} best-connected of {len(codes):,} codes (raise with --max-nodes)"
    if hierarchies:  # only the part of each hierarchy above the codes drawn
        H = ancestors(store, list(G.nodes))
        for n, d in H.nodes(data=True):
            if n not in G:
                G.add_node(n, **d)
        G.add_edges_from(H.edges(keys=True, data=True))
        title = title.replace("All briefings", "All briefings with code-set hierarchies", 1)
    return view_graph(G, title=title, findings=read_findings(store, G.nodes), physics=physics)


def query_view(store, query: str, /, *, source: str = "<sparql>", physics: bool | None = None, **params) -> View:
    """The subgraph a named query or SPARQL text returns.

    ``query`` is a named query (``kg queries``) whose ``params`` are bound as
    for :func:`kg.query.run`, or SPARQL text. A CONSTRUCT result becomes a
    graph of its triples (IRI objects are edges; literals and ``rdf:type``
    are node details). For a SELECT result the view shows the codes the
    rows name (IRI cells, and plain-string cells equal to one code's
    notation), the codes bound to ``code`` parameters, and the projection's
    edges among them.

    Raises
    ------
    QueryError
        For an unknown query, bad parameters or SPARQL syntax.
    KGError
        For an ASK query, or a result that names no code.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> v = query_view(store, "monitors", code="77013")
    >>> v.node_count, v.edge_count
    (2, 1)
    """
    official = _official_layers(get(query).text if query in named_queries() else query)
    if official and query in named_queries() and not _returns_triples(query):
        # the rows are official edges (NCCI, add-on, hierarchy): draw those, read around the bound codes
        codes = [t.value for terms in bind(get(query), params).values() for t in terms if isinstance(t, ox.NamedNode)]
        if codes:
            return _official_query_view(store, query, params, official, codes, physics=physics)
    G = project(store)
    focus: list[str] = []
    if query in named_queries():
        results = run(store, query, **params)
        for terms in bind(get(query), params).values():
            focus += [t.value for t in terms if t.value in G]
        title = f"{query} " + " ".join(f"{k}={v}" for k, v in params.items())
    else:
        if params:
            raise KGError(f"parameters ({', '.join(params)}) work with named queries only")
        results = run_sparql(store, query, source=source)
        title = f"SPARQL {source}"
    if results.boolean is not None:
        raise KGError(f"{source if query not in named_queries() else query}: an ASK query has no graph to show; "
                      "use CONSTRUCT or SELECT")
    if results.triples is not None:
        H = _construct_graph(results.triples, G, ncci_rules(store))
    else:
        H = _select_graph(results, G, focus)
    if H.number_of_nodes() == 0:
        raise KGError(f"{title.strip()}: the result names no code, so there is nothing to draw")
    _attach_sources(G, H)
    return view_graph(H, title=title.strip(), findings=read_findings(store, H.nodes), physics=physics, focus=focus)


def _marks(layer) -> tuple[str, ...]:
    """How a query's text shows that it reads a layer's edges: their properties, compact and full."""
    out = []
    for key in layer.edges:
        prop = EDGE_KINDS[key].prop if key in EDGE_KINDS else str(KG[key])
        if prop is None:  # an NCCI edit's property is its rule
            out.append("NCCIEditRule")
            continue
        local = prop.rsplit("#", 1)[1]
        out += [f"{'skos' if 'skos' in prop else 'kg'}:{local}", f"<{prop}>"]
    return tuple(out)


_LAYER_MARKS = {name: _marks(layer) for name, layer in LAYERS.items() if name != "briefing" and layer.edges}
"""Official layer -> the words of a query that reads its edges (from :data:`kg.model.LAYERS`)."""


def _official_layers(text: str) -> list[str]:
    """The official layers whose edges a query's text reads (``kg:NCCIEditRule`` -> ``ncci``...)."""
    return [layer for layer, marks in _LAYER_MARKS.items() if any(m in text for m in marks)]


def _returns_triples(query: str) -> bool:
    return "CONSTRUCT" in get(query).text.upper().split("WHERE")[0]


def _official_query_view(store, query: str, params, layers: list[str], codes: list[str], *, physics) -> View:
    """A named query over official edges: the edges of ``layers`` between its bound codes and the codes its rows name."""
    results = run(store, query, **params)
    H0 = nx.MultiDiGraph()
    for code in codes:
        H0 = nx.compose(H0, around(store, code, 1, layers=layers, attributes=False, attribute_edges=False))
    H = _select_graph(results, H0, [c for c in codes if c in H0])
    title = f"{query} " + " ".join(f"{k}={v}" for k, v in params.items())
    if H.number_of_nodes() == 0:
        raise KGError(f"{title.strip()}: the result names no code, so there is nothing to draw")
    # only the edges that touch a bound code: what the rows are about
    H.remove_edges_from([(u, v, k) for u, v, k in H.edges(keys=True) if u not in codes and v not in codes])
    return view_graph(H, title=title.strip(), findings=read_findings(store, H.nodes), physics=physics, focus=codes)


def audit_view(store, *, physics: bool | None = None, max_nodes: int = ALL_VIEW_NODES, max_edges: int = ALL_VIEW_EDGES,
               cache_dir=None) -> View:
    """The audit findings on the graph: every code with a finding (red ring) and its neighbours.

    Neighbours are taken over code relations, modifiers and specialties, not
    payers and sites, which join everything to everything. More than
    ``max_nodes`` nodes (or ``max_edges`` edges) are drawn capped, never
    refused: the codes with the most error findings, then the most findings
    (then by notation), up to half of the nodes, then their neighbours, as
    long as both limits hold; the title says how many flagged codes are
    drawn. The projection is read through :func:`kg.network.cached_project`
    when ``cache_dir`` is given.

    Raises
    ------
    KGError
        If the store holds no audit findings, or ``max_nodes`` is not between 1 and :data:`kg.view.page.MAX_NODES`.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> audit_view(open_store(tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    kg.errors.KGError: the store holds no audit findings (graph <https://w3id.org/codekg/audit>); run the audit first
    """
    from kg.view.page import MAX_NODES

    if not 1 <= max_nodes <= MAX_NODES:
        raise KGError(f"max_nodes must be between 1 and {MAX_NODES:,}, not {max_nodes:,}")
    findings = read_findings(store)
    if not findings:
        raise KGError(f"the store holds no audit findings (graph <{AUDIT_GRAPH}>); run the audit first")
    G = cached_project(store, cache_dir) if cache_dir is not None else project(store)

    def near(code) -> list[str]:
        if code not in G:  # a finding on a code the briefings' graph lacks: drawn alone
            return []
        out = {other for _, other, k in G.out_edges(code, keys=True) if k not in _HUB_RELATIONS}
        out |= {other for other, _, k in G.in_edges(code, keys=True) if k not in _HUB_RELATIONS}
        out.discard(code)
        return sorted(out, key=str)

    keep = set(findings).union(*(near(code) for code in findings))
    total = sum(len(f) for f in findings.values())
    codes = len(findings)
    title = f"Audit: {total} finding{'s' if total != 1 else ''} on {codes} code{'s' if codes != 1 else ''}"
    if len(keep) > max_nodes or G.subgraph(keep).number_of_edges() > max_edges:
        keep, drawn = most_flagged(G, findings, near, max_nodes, max_edges)
        title += (f": the {drawn:,} code{'s' if drawn != 1 else ''} with the most findings of {codes:,} drawn,"
                  " with their neighbours (raise with --max-nodes)")
    H = G.subgraph(keep).copy()  # the projection (perhaps the cached one) is left as it is
    for code in sorted(keep - set(H), key=str):
        H.add_node(code, notation=_tail(code), label="", type="code", system="")
    _attach_sources(G, H)
    return view_graph(H, title=title, findings=findings, physics=physics, focus=[c for c in findings if c in keep])


def view(
    store,
    code: str | None = None,
    *,
    depth: int = 1,
    all: bool = False,  # noqa: A002 - mirrors `kg view --all`
    hierarchies: bool = False,
    query: str | None = None,
    sparql: str | None = None,
    audit: bool = False,
    params: Mapping[str, str] | None = None,
    physics: bool | None = None,
    source: str = "<sparql>",
    hierarchy: bool = False,
    layers=None,
    max_nodes: int | None = None,
    cache_dir=None,
) -> View:
    """One view of the store: around ``code``, ``all``, a ``query`` or ``sparql`` result, or the ``audit``.

    Give exactly one of them. In a notebook the returned :class:`View`
    displays inline; ``.save(path)`` writes the page. With ``hierarchy``,
    ``code``'s code-set hierarchy (:func:`kg.view.hierarchy.hierarchy_view`).
    ``store`` may also be a networkx graph, such as one that
    :func:`kg.network.neighbours` or :func:`kg.network.project` returns:
    it is drawn as it is (:func:`kg.view.page.view_graph`). ``max_nodes``
    and ``cache_dir`` go to :func:`all_view` and :func:`audit_view`.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> view(store, "77013", depth=1).title
    '77013: codes within 1 hop'
    >>> view(store, query="monitors", params={"code": "77013"}).node_count
    4
    >>> from kg.network import neighbours
    >>> view(neighbours(store, "C22.0")).title
    'C22.0: 5 nodes, 8 edges'
    """
    if isinstance(store, nx.Graph):
        return _graph_view(store, physics=physics)
    chosen = [name for name, given in (("CODE", code is not None), ("all", all), ("query", query is not None),
                                       ("sparql", sparql is not None), ("audit", audit)) if given]
    if len(chosen) != 1:
        raise KGError("give exactly one of a CODE, all, query, sparql or audit"
                      + (f" (got {', '.join(chosen)})" if chosen else ""))
    if hierarchy:
        if code is None:
            raise KGError("a hierarchy view is of one code: kg view CODE --hierarchy")
        from kg.view.hierarchy import hierarchy_view

        return hierarchy_view(store, code, physics=physics)
    if hierarchies and not all:
        raise KGError("hierarchies go with the whole-graph view (kg view --all --hierarchies)")
    if params and query is None:
        raise KGError("parameters work with a named query only (kg view --query NAME -p code=...)")
    if max_nodes is not None and not (all or audit):
        raise KGError("max_nodes goes with the whole-graph and audit views (kg view --all --max-nodes N, "
                      "kg view --audit --max-nodes N)")
    if layers is not None and code is None:
        raise KGError("layers go with a view around a code (kg view CODE --layers ncci,briefing)")
    if code is not None:
        return ego_view(store, code, depth, physics=physics, layers=layers)
    if all:
        return all_view(store, hierarchies, physics=physics, max_nodes=max_nodes or ALL_VIEW_NODES, cache_dir=cache_dir)
    if query is not None:
        return query_view(store, query, physics=physics, **dict(params or {}))
    if sparql is not None:
        return query_view(store, sparql, source=source, physics=physics)
    return audit_view(store, physics=physics, max_nodes=max_nodes or ALL_VIEW_NODES, cache_dir=cache_dir)


def _graph_view(G: nx.Graph, *, physics: bool | None) -> View:
    """A networkx graph drawn as it is; its centre (``kg.network`` graphs name it) drawn larger."""
    focus = [n for n in (G.graph.get("centre"), *G.graph.get("ends", ())) if n is not None and n in G]
    name = G.nodes[focus[0]].get("notation", _tail(focus[0])) if focus else G.graph.get("name") or "graph"
    title = G.graph.get("title") or f"{name}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges"
    return view_graph(G, title=title, physics=physics, focus=focus)


# ---------------------------------------------------------------------------
# reading the graph for the views


def _attach_sources(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Give each node of ``H`` the documents and lines of all its edges in ``G``, not only those in view."""
    for node in H.nodes:
        if node in G:
            srcs = {s for *_, d in G.in_edges(node, data=True) for s in d.get("sources", ())}
            srcs |= {s for *_, d in G.out_edges(node, data=True) for s in d.get("sources", ())}
            if srcs or "sources" not in H.nodes[node]:
                H.nodes[node]["sources"] = sorted(srcs | set(H.nodes[node].get("sources", ())))


def _construct_graph(triples, G: nx.MultiDiGraph, rules: Mapping[str, str] | None = None) -> nx.MultiDiGraph:
    """The graph of CONSTRUCT ``triples``; an NCCI rule property becomes an ``ncciEdit`` edge labelled in words
    (``rules``: rule IRI -> words), any other IRI outside kg's prefixes its last path segment."""
    rules = rules or {}
    H = nx.MultiDiGraph()

    def node(term) -> str:
        key = term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"
        if key not in H:
            base = dict(G.nodes[key]) if key in G else {"notation": "", "label": "", "type": "code", "system": ""}
            base.pop("sources", None)
            H.add_node(key, **base, properties=[])
        return key

    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, (ox.NamedNode, ox.BlankNode)):
            continue
        sk = node(s)
        attrs = H.nodes[sk]
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            if attrs["type"] == "code" and node_type_of(o.value):
                attrs["type"] = node_type_of(o.value)
            attrs["properties"].append(("rdf:type", compact(o)))
        elif isinstance(o, ox.Literal):
            if p == _NOTATION and not attrs["notation"]:
                attrs["notation"] = o.value
            elif p in _LABELS and not attrs["label"]:
                attrs["label"] = o.value
            attrs["properties"].append((compact(t.predicate), o.value))
        elif isinstance(o, (ox.NamedNode, ox.BlankNode)):
            ok = node(o)
            if p in rules:
                H.add_edge(sk, ok, key="ncciEdit", relation="ncciEdit", sources=[], label=rules[p])
                continue
            rel = compact(t.predicate)
            rel = rel[3:] if rel.startswith("kg:") else rel
            rel = "broader" if rel == "skos:broader" else rel
            if rel.startswith(("http://", "https://")):  # no prefix: the IRI's last segment, not the raw IRI
                rel = _tail(rel)
            H.add_edge(sk, ok, key=rel, relation=rel, sources=[])
    for n, d in H.nodes(data=True):
        if not d["notation"]:
            d["notation"] = compact(ox.NamedNode(n)) if not n.startswith("_:") else n
    return H


def _select_graph(results, G: nx.MultiDiGraph, focus: list[str]) -> nx.MultiDiGraph:
    by_notation: dict[str, list[str]] = defaultdict(list)
    for n, notation in G.nodes(data="notation"):
        by_notation[notation].append(n)
    keep = set(focus)
    for row in results.rows:
        for term in row:
            if isinstance(term, ox.NamedNode) and term.value in G:
                keep.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype.value == _XSD_STRING and not term.language:
                hits = by_notation.get(term.value, ())
                if len(hits) == 1:  # an ambiguous notation names no code for sure
                    keep.add(hits[0])
    return G.subgraph(keep).copy()
