"""networkx analytics over the graph: projection, explain, neighbours, hubs,
communities, similarity, components and exports.

Plain functions that take a graph, in the style of networkx. :func:`project`
reads the store once into an :class:`networkx.MultiDiGraph`:

* nodes are keyed by IRI, with attributes ``notation``, ``label``, ``type``
  (``procedure``, ``diagnosis``, ``modifier``, ``specialty``, ``payer``,
  ``site``) and ``system``;
* an edge runs in the relation's direction, is keyed by the relation's local
  name (``monitors``, ``indicationFor``...), so different relations between
  the same two codes stay distinct, and carries ``sources``: the
  ``(file, line)`` pairs of the briefing rows that assert it (a row that
  negates a relation, ``kg:negated true``, gives no edge).

Edges also carry ``relation`` (the key), ``layer`` (:data:`kg.model.LAYERS`)
and, for an official edge, its words as ``label``. :func:`project` reads the
whole store (:mod:`kg.network.projection`; :func:`cached_project` keeps it
next to the store); :func:`explain`, :func:`neighbours` and :func:`similar`
given a store read only around their codes (:mod:`kg.network.local`).
It reads the store, or a remote endpoint (any :class:`kg.target.QueryTarget`),
with the queries in ``kg/queries/internal/network/``.

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> G = project(store)
>>> G.nodes[node_for(G, "77013")]["type"]
'procedure'
>>> [step.relation for step in explain(G, "C22.0", "76942")[0].steps]
['indicationFor', 'alternativeTo']
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

import kg.model as _model
from kg.errors import KGError
from kg.parse import code_candidates
from kg.vocab import code_iri

from kg.network.export import NETWORK_FORMATS, write  # noqa: E402  (re-exported)
from kg.network.projection import cached_project, fingerprint, project  # noqa: E402  (re-exported)
from kg.network.similar import SIMILARITY_RELATIONS, similar_in_store  # noqa: E402  (re-exported)
from kg.network.similar import similar as _similar_in_graph  # noqa: E402

__all__ = [
    "CODE_RELATIONS",
    "Path",
    "Step",
    "cached_project",
    "communities",
    "components",
    "explain",
    "fingerprint",
    "hubs",
    "neighbours",
    "node_for",
    "project",
    "similar",
    "type_counts",
    "write",
    "NETWORK_FORMATS",
]

CODE_RELATIONS = _model.CODE_RELATIONS
"""Relations between codes that briefings assert (:data:`kg.model.CODE_RELATIONS`)."""

FACT_RELATIONS = _model.ATTRIBUTE_RELATIONS
"""Relations from a procedure to its modifiers, specialties, payers and sites (:data:`kg.model.ATTRIBUTE_RELATIONS`)."""

def node_for(G: nx.MultiDiGraph, code: str) -> str:
    """The IRI of the node for ``code`` as a user typed it (``c22.0``, ``77013``).

    Raises
    ------
    KGError
        If no node of the graph is that code.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(code_iri("ICD10CM", "C22.0"), notation="C22.0")
    >>> node_for(G, "c22.0")
    'http://purl.bioontology.org/ontology/ICD10CM/C22.0'
    >>> node_for(G, "C22.0") == node_for(G, "c22.0")
    True
    >>> node_for(G, "99999")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: '99999' is not in the graph; check the code, or build the briefing that mentions it
    """
    for system, c in code_candidates(code):
        iri = code_iri(system, c)
        if iri in G:
            return iri
    if code in G:
        return code
    wanted = {c for _, c in code_candidates(code)} | {code}
    for n, notation in G.nodes(data="notation"):
        if notation in wanted:
            return n
    raise KGError(f"{code!r} is not in the graph; check the code, or build the briefing that mentions it")


@dataclass(frozen=True)
class Step:
    """One hop of a path: ``source -relation-> target`` as the graph states it.

    ``forward`` is False when the walk went against the relation's direction.

    Examples
    --------
    >>> step = Step("cpt/77013", "monitors", "cpt/49405", True, (("77013.txt", 51),))
    >>> step.relation, step.forward, step.sources
    ('monitors', True, (('77013.txt', 51),))
    """

    source: str
    relation: str
    target: str
    forward: bool
    sources: tuple[tuple[str, int], ...]
    label: str = ""
    """An official edge's words (``NCCI: ..., modifier indicator 1 (allowed) — practitioner 2024Q3``); empty for a briefing row."""
    names: tuple[str, str] = ("", "")
    """The notations of ``source`` and ``target``, so that :meth:`describe` needs no graph."""

    def describe(self, G: nx.MultiDiGraph | None = None) -> str:
        """One line: the two codes, the relation, its words for an official edge, and the rows or files that state it.

        Examples
        --------
        >>> G = nx.MultiDiGraph([("a", "b")]); G.nodes["a"]["notation"] = "77013"; G.nodes["b"]["notation"] = "49405"
        >>> Step("a", "monitors", "b", True, (("77013.txt", 51),)).describe(G)
        '77013 -monitors-> 49405  [77013.txt:51]'
        >>> Step("x", "ncciEdit", "y", True, (("ptp.csv", 0),), "NCCI practitioner 2024Q3: no modifier allowed",
        ...      ("77012", "77013")).describe()
        '77012 -ncciEdit-> 77013  (NCCI practitioner 2024Q3: no modifier allowed)  [ptp.csv]'
        """
        if G is not None and self.source in G and self.target in G:
            a, b = G.nodes[self.source]["notation"], G.nodes[self.target]["notation"]
        else:
            a, b = self.names
        where = ", ".join(f"{f}:{line}" if line else str(f) for f, line in self.sources)
        words = f"  ({self.label})" if self.label else ""
        return f"{a} -{self.relation}-> {b}{words}  [{where}]"


@dataclass(frozen=True)
class Path:
    """A path between two codes, as steps in walking order.

    Examples
    --------
    >>> hop = Step("icd/C22.0", "indicationFor", "cpt/77013", True, (("77013.txt", 41),))
    >>> path = Path(("icd/C22.0", "cpt/77013"), (hop,))
    >>> len(path.steps), path.nodes[-1]
    (1, 'cpt/77013')
    """

    nodes: tuple[str, ...]
    steps: tuple[Step, ...] = field(default=())


def _undirected(G: nx.MultiDiGraph) -> nx.Graph:
    U = nx.Graph()
    U.add_nodes_from(G.nodes)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return U


def explain(G, a: str, b: str, *, max_paths: int = 10, hierarchies: bool = True,
            layers: Iterable[str] | None = None) -> list[Path]:
    """The shortest typed paths between codes ``a`` and ``b``, with provenance.

    ``G`` is a graph (:func:`project`), or a store or query target: then
    only the neighbourhoods of ``a`` and ``b`` are read, walking out from
    both until they meet (:func:`kg.network.local.between`), over the
    ``layers`` (:data:`kg.model.LAYERS`; by default every code-to-code one:
    briefing relations, NCCI and add-on edits, ICD-10-CM notes, and the
    code-set hierarchies unless ``hierarchies`` is False).

    Edges are walked in either direction; each :class:`Step` says which way
    the relation points and which briefing rows assert it. Every relation
    between two consecutive nodes gives its own step choice, so parallel
    edges yield separate paths.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("d", notation="C22.0"); G.add_node("p", notation="77013"); G.add_node("q", notation="76942")
    >>> G.add_edge("d", "p", key="indicationFor", sources=[("77013.txt", 41)])
    'indicationFor'
    >>> G.add_edge("p", "q", key="alternativeTo", sources=[("77013.txt", 52)])
    'alternativeTo'
    >>> [s.describe(G) for s in explain(G, "C22.0", "76942")[0].steps]
    ['C22.0 -indicationFor-> 77013  [77013.txt:41]', '77013 -alternativeTo-> 76942  [77013.txt:52]']
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> [s.describe() for s in explain(store, "49405", "77013")[0].steps]
    ['77013 -monitors-> 49405  [77013.txt:51]']
    """
    if not isinstance(G, nx.Graph):
        from kg.network.local import LAYERS, between

        if layers is None:
            layers = [x for x in LAYERS if (hierarchies or x != "hierarchy") and _model.LAYERS[x].walk]
        G = between(G, a, b, layers=layers)
        a, b = G.graph["ends"]
    source, target = node_for(G, a), node_for(G, b)
    U = _undirected(G)
    try:
        node_paths = list(_limited(nx.all_shortest_paths(U, source, target), max_paths))
    except nx.NetworkXNoPath:
        return []
    out: list[Path] = []
    for nodes in node_paths:
        choices = []
        for u, v in zip(nodes, nodes[1:]):
            nu, nv = G.nodes[u].get("notation", u), G.nodes[v].get("notation", v)
            hop = [Step(u, k, v, True, tuple(d.get("sources", ())), d.get("label", ""), (nu, nv))
                   for k, d in (G.get_edge_data(u, v) or {}).items()]
            hop += [Step(v, k, u, False, tuple(d.get("sources", ())), d.get("label", ""), (nv, nu))
                    for k, d in (G.get_edge_data(v, u) or {}).items()]
            choices.append(sorted(hop, key=lambda s: s.relation))
        for combo in _limited(_product(choices), max_paths - len(out)):
            out.append(Path(tuple(nodes), tuple(combo)))
        if len(out) >= max_paths:
            break
    return out


def _product(choices):
    import itertools

    return itertools.product(*choices)


def _limited(iterable, n: int):
    for i, item in enumerate(iterable):
        if i >= n:
            return
        yield item


def similar(G, code: str, *, top: int = 10) -> list[tuple[str, float]]:
    """Procedures most like ``code``: Jaccard similarity of their diagnoses, modifiers and specialties.

    ``G`` is a graph (:func:`project`), or a store or query target: then only
    the procedures that share something with ``code`` are read
    (:func:`kg.network.similar.similar_in_store`).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for p in "ab": G.add_node(p, type="procedure", notation=p)
    >>> _ = G.add_edge("a", "26", key="hasModifier"); _ = G.add_edge("b", "26", key="hasModifier")
    >>> similar(G, "a")
    [('b', 1.0)]
    """
    if isinstance(G, nx.Graph):
        return _similar_in_graph(G, code, top=top)
    return similar_in_store(G, code, top=top)


def neighbours(G, code: str, depth: int = 1, relations: Iterable[str] | None = None, *,
               layers: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The subgraph within ``depth`` hops of ``code`` (either direction), optionally over some relations only.

    ``G`` is a graph (:func:`project`), or a store or query target: then the
    neighbourhood is read from the store, walking out from ``code``
    (:func:`kg.network.local.around`, with the official ``layers``); its
    depth counts code-to-code hops, and the code's modifiers, specialties,
    payers and sites are read for it alone.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="monitors"); G.add_edge("b", "c", key="precedes")
    'monitors'
    'precedes'
    >>> sorted(neighbours(G, "a", depth=1).nodes)
    ['a', 'b']
    >>> sorted(neighbours(G, "c", depth=2, relations=["precedes"]).nodes)
    ['b', 'c']
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> H = neighbours(store, "77013", relations=["monitors"])
    >>> [(H.nodes[u]["notation"], k, H.nodes[v]["notation"]) for u, v, k in H.edges(keys=True)]
    [('77013', 'monitors', '49405')]
    """
    if not isinstance(G, nx.Graph):
        from kg.network.local import around

        return around(G, code, depth, relations=relations, layers=layers)
    start = node_for(G, code)
    keep = set(relations) if relations is not None else None
    H = G if keep is None else G.edge_subgraph([(u, v, k) for u, v, k in G.edges(keys=True) if k in keep] or [])
    if start not in H:
        return G.subgraph([start]).copy()
    seen = {start}
    frontier = {start}
    for _ in range(depth):
        nxt = set()
        for n in frontier:
            nxt.update(H.successors(n))
            nxt.update(H.predecessors(n))
        frontier = nxt - seen
        seen |= frontier
    return H.subgraph(seen).copy()


def hubs(G, *, node_type: str | None = None, measure: str = "degree", top: int = 10) -> list[tuple[str, float]]:
    """Rank nodes by degree or PageRank, optionally among one node type.

    ``G`` is a graph (:func:`project`), or a store or query target: then the
    briefing projection is ranked, by degree on a local store without
    projecting it (:func:`kg.network.ranking.hubs_in_store`: the engine counts
    each node's edges), else by projecting it first.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for n, t in [("g", "procedure"), ("a", "procedure"), ("b", "procedure"), ("d", "diagnosis")]:
    ...     G.add_node(n, type=t)
    >>> for x in "abd": _ = G.add_edge("g", x, key="monitors")
    >>> hubs(G, node_type="procedure", top=1)
    [('g', 3.0)]
    >>> import pyoxigraph as ox
    >>> hubs(ox.Store())
    []
    """
    if not isinstance(G, nx.Graph):
        from kg.network.ranking import hubs_in_store, in_engine

        if in_engine(G, measure):
            return hubs_in_store(G, node_type=node_type, top=top)
        G = project(G)
    if measure == "degree":
        scores = {n: float(d) for n, d in G.degree()}
    elif measure == "pagerank":
        scores = nx.pagerank(nx.DiGraph(G), alpha=0.85)
    else:
        raise KGError(f"unknown hub measure {measure!r}; use degree or pagerank")
    # the top few of tens of thousands: a heap, not a sort, and each node's data read once
    ranked = heapq.nsmallest(top, ((-scores[n], d.get("notation", n), n) for n, d in G.nodes(data=True)
                                   if node_type is None or d.get("type") == node_type))
    return [(n, -s) for s, _, n in ranked]


def communities(G: nx.MultiDiGraph, *, seed: int = 0, relations: Iterable[str] = CODE_RELATIONS) -> list[set[str]]:
    """Louvain communities of the code-to-code graph, largest first (deterministic for a seed).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for u, v in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")]:
    ...     _ = G.add_edge(u, v, key="relatedTo")
    >>> sorted(map(sorted, communities(G)))
    [['a', 'b', 'c'], ['x', 'y', 'z']]
    """
    keep = set(relations)
    U = nx.Graph()
    for u, v, k in G.edges(keys=True):
        if k in keep and u != v:
            w = U.get_edge_data(u, v, {}).get("weight", 0)
            U.add_edge(u, v, weight=w + 1)
    parts = nx.community.louvain_communities(U, seed=seed, weight="weight") if U.number_of_edges() else []
    return sorted((set(p) for p in parts), key=lambda p: (-len(p), sorted(p)))


def components(G: nx.MultiDiGraph) -> list[set[str]]:
    """Weakly connected components, largest first.

    Examples
    --------
    >>> [sorted(c) for c in components(nx.MultiDiGraph([("a", "b"), ("c", "b"), ("x", "y")]))]
    [['a', 'b', 'c'], ['x', 'y']]
    """
    return sorted((set(c) for c in nx.weakly_connected_components(G)), key=lambda c: (-len(c), sorted(c)))


def type_counts(G: nx.MultiDiGraph) -> Counter:
    """How many nodes of each type the graph holds.

    Examples
    --------
    >>> G = nx.MultiDiGraph(); G.add_node("a", type="procedure"); G.add_node("b", type="procedure"); G.add_node("c")
    >>> type_counts(G)
    Counter({'procedure': 2, 'code': 1})
    """
    return Counter(d.get("type", "code") for _, d in G.nodes(data=True))
