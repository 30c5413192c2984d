"""Neighbourhoods read straight from the store: the codes around one code, walked out depth by depth.

:func:`around` and :func:`between` never project the whole store: they ask
the internal queries ``kg/queries/internal/network/walk-*.rq`` for the edges
that touch the walk's frontier, one depth at a time, and build a small
:class:`networkx.MultiDiGraph` with the attributes of :func:`kg.network.project`.

The walk goes over :data:`LAYERS`:

``briefing``
    the code-to-code relations briefing rows assert (a ``kg:negated true``
    row is no edge); the centre's attribute relations (modifiers,
    specialties, payers, sites) are read for the centre only, never walked
    through, because they join nearly every procedure to every other.
``ncci``
    NCCI procedure-to-procedure edits, ``ncciEdit`` from the column 2 code
    to the column 1 code, labelled with the rule's words, context and release.
``addon``
    NCCI add-on code edits, ``addOnTo`` from the add-on code to its primary.
``hierarchy``
    the code sets' ``broader`` edges (ICD-10-CM, NUCC).

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> H = around(store, "77013")
>>> H.nodes[resolve(store, "49405")]["notation"]
'49405'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
import pyoxigraph as ox

import kg.model as _model
from kg.errors import KGError
from kg.model import NODE_TYPES, code_candidates
from kg.query import internal_query, run_sparql, with_values
from kg.target import QueryTarget, as_target
from kg.vocab import KG, RDF_TYPE, RDFS_LABEL, SKOS_NS, class_iri, code_iri, node_type_of

__all__ = ["LAYERS", "OFFICIAL_RELATIONS", "ancestors", "around", "between", "ncci_rules", "resolve"]

LAYERS = ("briefing", "ncci", "addon", "hierarchy")
"""The layers a walk can take: briefing relations and the official edges of the loaded code sets."""

OFFICIAL_RELATIONS = {"ncci": "ncciEdit", "addon": "addOnTo", "hierarchy": "broader"}
"""Layer -> the relation key its edges get in the graph."""

_OFFICIAL_PROPERTIES = {"addon": str(KG.addOnTo), "hierarchy": SKOS_NS + "broader"}
_TYPES = {class_iri(name): name for name in NODE_TYPES}
_NOTATION, _SCHEME, _PREF = SKOS_NS + "notation", SKOS_NS + "inScheme", SKOS_NS + "prefLabel"
_CHUNK = 200  # frontier codes per query


def _rows(target: QueryTarget, name: str, values: dict[str, Iterable[str]]):
    text = internal_query(f"network/{name}")
    if values:
        text = with_values(text, {ox.Variable(v): [ox.NamedNode(i) for i in iris] for v, iris in values.items()})
    return run_sparql(target, text, source=f"kg/queries/internal/network/{name}.rq").rows


def _chunks(items: Iterable[str]):
    items = sorted(items)
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _pairs(chunk: list[str], among: set[str], limit: int = 20_000):
    """``chunk`` cut into parts whose pairs with ``among`` stay under ``limit`` VALUES rows."""
    size = max(1, limit // max(1, len(among)))
    for i in range(0, len(chunk), size):
        yield chunk[i:i + size]


def _layers(layers: Iterable[str] | None) -> tuple[str, ...]:
    chosen = tuple(LAYERS if layers is None else layers)
    unknown = [x for x in chosen if x not in LAYERS]
    if unknown:
        raise KGError(f"unknown layer {unknown[0]!r}; choose from {', '.join(LAYERS)}")
    return chosen


def resolve(target, code: str) -> str:
    """The IRI of the node the store holds for ``code`` as a user typed it (``c22.0``, ``77013``).

    Raises
    ------
    KGError
        If the store says nothing of any reading of ``code``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> resolve(store, "c22.0")
    'http://purl.bioontology.org/ontology/ICD10CM/C22.0'
    >>> resolve(store, "99999")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: '99999' is not in the graph; check the code, or build the briefing that mentions it
    """
    candidates = [code_iri(system, c) for system, c in code_candidates(code)]
    if code.startswith(("http://", "https://")):
        candidates.append(code)
    found = {n.value for (n,) in _rows(as_target(target), "node-exists", {"n": candidates})} if candidates else set()
    for iri in candidates:
        if iri in found:
            return iri
    raise KGError(f"{code!r} is not in the graph; check the code, or build the briefing that mentions it")


def ncci_rules(target) -> dict[str, str]:
    """Each NCCI edit rule IRI (the property of an edit triple) -> its words, with the context and release.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> ncci_rules(ox.Store())
    {}
    """
    out: dict[str, set[str]] = defaultdict(set)
    for rule, label, _, release, context, _ in _rows(as_target(target), "ncci-rules", {}):
        out[rule.value].add(f"NCCI {context.value} {release.value}: {label.value.removeprefix('NCCI PTP edit, ')}")
    return {k: "; ".join(sorted(v)) for k, v in out.items()}


class _Walk:
    """Edges gathered by (source, relation, target), with their provenance and labels."""

    def __init__(self, target: QueryTarget, layers: tuple[str, ...], relations: set[str] | None):
        self.target, self.layers, self.relations = target, layers, relations
        self.sources: dict[tuple[str, str, str], set[tuple[str, int]]] = defaultdict(set)
        self.labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.rules: dict[tuple[str, str], tuple[str, str, str, str]] | None = None

    def _keep(self, rel: str) -> bool:
        return self.relations is None or rel in self.relations

    def step(self, frontier: set[str], *, attributes: bool = False, among: set[str] | None = None) -> set[str]:
        """Read the edges touching ``frontier`` (only those to ``among``, where given); return the nodes they reach."""
        reached: set[str] = set()
        walk_attrs = self.relations is not None and any(r in _model.ATTRIBUTE_RELATIONS for r in self.relations)
        for chunk in _chunks(frontier):
            if "briefing" in self.layers:
                for s, rel, o, file, line in _rows(self.target, "walk-asserted", {"n": chunk}):
                    name = rel.value.rsplit("#", 1)[1]
                    if not self._keep(name):
                        continue
                    is_attr = name in _model.ATTRIBUTE_RELATIONS
                    if is_attr and not (attributes or walk_attrs):
                        continue
                    self.sources[(s.value, name, o.value)].add((file.value, int(line.value)))
                    reached.update((s.value, o.value))
            if "ncci" in self.layers and self._keep("ncciEdit"):
                for s, o, label, release, context, file in self._ncci(chunk, among):
                    key = (s, "ncciEdit", o)
                    self.sources[key].add((file, 0))
                    self.labels[key].add(f"NCCI {context} {release}: {label.removeprefix('NCCI PTP edit, ')}")
                    reached.update((s, o))
            props = [_OFFICIAL_PROPERTIES[x] for x in self.layers if x in _OFFICIAL_PROPERTIES
                     and self._keep(OFFICIAL_RELATIONS[x])]
            if props:
                for s, p, o, set_label, release, file in _rows(self.target, "walk-official", {"n": chunk, "p": props}):
                    name = "addOnTo" if p.value == _OFFICIAL_PROPERTIES["addon"] else "broader"
                    key = (s.value, name, o.value)
                    self.sources[key].add((file.value, 0))
                    self.labels[key].add(f"{set_label.value}" if name == "addOnTo" else f"broader in {set_label.value}")
                    reached.update((s.value, o.value))
        if attributes and "briefing" in self.layers:
            facts = [str(KG[r]) for r in _model.ATTRIBUTE_RELATIONS if self._keep(r)]
            for chunk in _chunks(frontier):
                for n in chunk:
                    for rel, o, file in (_rows(self.target, "walk-facts", {"n": [n], "rel": facts}) if facts else ()):
                        key = (n, rel.value.rsplit("#", 1)[1], o.value)
                        if not self.sources[key]:  # a qualified row already gave its line
                            self.sources[key].add((file.value, 0))
                        reached.add(o.value)
        return reached - frontier

    def _ncci(self, chunk: list[str], among: set[str] | None):
        """The NCCI edits touching ``chunk`` (only those to ``among``, where given) as
        ``(column 2, column 1, rule label, release, context, file)``. On a local store they are read
        with quad-pattern scans, which stay quick for a code in thousands of edits; on a remote
        target with the SPARQL of ``walk-ncci``."""
        store = getattr(self.target, "store", None)
        if not isinstance(store, ox.Store):
            rows = [tuple(t.value for t in r) for r in _rows(self.target, "walk-ncci", {"n": chunk})]
            return [r for r in rows if among is None or r[0] in among and r[1] in among]
        if self.rules is None:
            self.rules = {}
            for rule, label, g, release, context, file in _rows(self.target, "ncci-rules", {}):
                self.rules[(rule.value, g.value)] = (label.value, release.value, context.value, file.value)
        out = []
        graphs = [ox.NamedNode(g) for g in sorted({g for _, g in self.rules})]
        for n in chunk:
            node = ox.NamedNode(n)
            quads = [q for g in graphs for q in (*store.quads_for_pattern(node, None, None, g),
                                                 *store.quads_for_pattern(None, None, node, g))]
            for q in quads:
                info = self.rules.get((q.predicate.value, q.graph_name.value))
                if info is not None and (among is None or (q.subject.value in among and q.object.value in among)):
                    out.append((q.subject.value, q.object.value, *info))
        return out

    def graph(self, keep: set[str]) -> nx.MultiDiGraph:
        G = nx.MultiDiGraph()
        G.add_nodes_from(keep)
        for (s, rel, o), srcs in self.sources.items():
            if s in keep and o in keep and srcs:
                attrs = {"relation": rel, "sources": sorted(srcs)}
                if self.labels.get((s, rel, o)):
                    attrs["label"] = "; ".join(sorted(self.labels[(s, rel, o)]))
                G.add_edge(s, o, key=rel, **attrs)
        _annotate(self.target, G)
        return G


def _annotate(target: QueryTarget, G: nx.MultiDiGraph) -> None:
    attrs = {n: {"type": "code", "notation": "", "label": "", "system": ""} for n in G.nodes}
    official: dict[str, str] = {}
    for chunk in _chunks(G.nodes):
        for n, p, o, is_official in _rows(target, "node-info", {"n": chunk}):
            a, p = attrs[n.value], p.value
            if p == RDF_TYPE and o.value in _TYPES and a["type"] == "code":
                a["type"] = node_type_of(o.value)
            elif p == _NOTATION and not a["notation"]:
                a["notation"] = o.value
            elif p == _SCHEME and not a["system"]:
                a["system"] = o.value.rsplit("#", 1)[-1]
            elif p == _PREF and is_official.value == "true":
                official[n.value] = o.value
            elif p == RDFS_LABEL and not a["label"] and is_official.value != "true":
                a["label"] = o.value
    for n, a in attrs.items():
        if n in official:  # the official label, where a code set is loaded, wins
            a["label"] = official[n]
        if not a["notation"]:
            a["notation"] = a["label"] or n.rstrip("/#").rsplit("/", 1)[-1]
        G.nodes[n].update(a)


def around(target, code: str, depth: int = 1, *, relations: Iterable[str] | None = None,
           layers: Iterable[str] | None = None, attributes: bool = True, official_depth: int | None = None
           ) -> nx.MultiDiGraph:
    """The codes within ``depth`` code-to-code hops of ``code``, and the edges among them, read from the store.

    Parameters
    ----------
    target : pyoxigraph.Store or kg.target.QueryTarget
        The store (or a remote endpoint).
    code : str
        The centre, as a user types it; or its IRI.
    depth : int
        Hops over code-to-code relations (attribute relations don't count).
    relations : iterable of str, optional
        Keep only these relations (``monitors``, ``ncciEdit``, ``broader``...).
        Naming an attribute relation (``coveredByPayer``) walks through it.
    layers : iterable of str, optional
        The :data:`LAYERS` to walk; all by default.
    attributes : bool
        Read the centre's modifiers, specialties, payers and sites.
    official_depth : int, optional
        Walk the official layers only this many hops out (default: ``depth``);
        official edges among the nodes reached are drawn whatever it is.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> H = around(store, "C22.0")
    >>> [(H.nodes[u]["notation"], k, H.nodes[v]["notation"]) for u, v, k in H.edges(keys=True)]
    [('C22.0', 'indicationFor', '77013')]
    >>> sorted({k for *_, k in around(store, "77013", attributes=False).edges(keys=True)})[:3]
    ['alternativeTo', 'comorbidityOf', 'indicationFor']
    """
    target = as_target(target)
    chosen = _layers(layers)
    start = resolve(target, code)
    keep = set(relations) if relations is not None else None
    seen, frontier = {start}, {start}
    official_depth = depth if official_depth is None else official_depth
    walk, briefing = _Walk(target, chosen, keep), _Walk(target, ("briefing",), keep)
    expanded: set[str] = set()  # the nodes whose official edges were all read
    for level in range(depth):
        w = walk if level < official_depth else briefing
        if w is walk:
            expanded |= frontier
        new = w.step(frontier, attributes=attributes and level == 0)
        frontier = new - seen
        seen |= frontier
    _merge(walk, briefing)
    # the edges among the nodes reached: briefing rows of the last depth, official edges of every node not expanded
    if frontier and "briefing" in chosen:
        last = _Walk(target, ("briefing",), keep)
        last.step(frontier)
        _merge(walk, last)
    official = tuple(x for x in chosen if x != "briefing")
    if official and seen - expanded:
        last = _Walk(target, official, keep)
        last.step(seen - expanded, among=seen)
        _merge(walk, last)
    H = walk.graph(seen)
    H.graph["centre"] = start
    return H


def _merge(into: _Walk, other: _Walk) -> None:
    for k, v in other.sources.items():
        into.sources[k] |= v
    for k, v in other.labels.items():
        into.labels[k] |= v


def between(target, a: str, b: str, *, max_depth: int = 4, layers: Iterable[str] | None = None,
            relations: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The union of the walks out from codes ``a`` and ``b`` until they meet (at most ``max_depth`` hops in all).

    Enough to hold every shortest path between them over the code-to-code
    relations and the official layers; attribute relations are not walked.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> H = between(store, "C22.0", "76942")
    >>> nx.has_path(H.to_undirected(as_view=True), resolve(store, "C22.0"), resolve(store, "76942"))
    True
    """
    target = as_target(target)
    chosen = _layers(layers)
    keep = set(relations) if relations is not None else None
    ends = [resolve(target, a), resolve(target, b)]
    walk = _Walk(target, chosen, keep)
    seen = [{ends[0]}, {ends[1]}]
    frontier = [{ends[0]}, {ends[1]}]
    for _ in range(max_depth):
        if seen[0] & seen[1] or not (frontier[0] or frontier[1]):
            break
        side = 0 if (len(frontier[0]) <= len(frontier[1]) and frontier[0]) or not frontier[1] else 1
        new = walk.step(frontier[side])
        frontier[side] = new - seen[side]
        seen[side] |= frontier[side]
    H = walk.graph(seen[0] | seen[1])
    H.graph["ends"] = tuple(ends)
    return H


def ancestors(target, codes: Iterable[str]) -> nx.MultiDiGraph:
    """The code-set hierarchy above ``codes`` (IRIs): their ``broader`` parents, theirs, and so on up to the roots.

    Only the part of a hierarchy (ICD-10-CM, NUCC) above the given codes, never
    the whole code set: what ``kg view --all --hierarchies`` draws.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.vocab import code_iri
    >>> store = ox.Store()
    >>> g = ox.NamedNode("https://w3id.org/codekg/codeset/icd10cm")
    >>> kg, skos = "https://w3id.org/codekg/ontology#", "http://www.w3.org/2004/02/skos/core#"
    >>> a, b, c = (ox.NamedNode(code_iri("ICD10CM", x)) for x in ("C22.0", "C22", "C15-C26"))
    >>> for s, p, o in [(g, ox.NamedNode(RDF_TYPE), ox.NamedNode(kg + "CodeSetRelease")),
    ...                 (g, ox.NamedNode(RDFS_LABEL), ox.Literal("ICD-10-CM 2025")),
    ...                 (g, ox.NamedNode(kg + "sourceFile"), ox.Literal("icd10cm")),
    ...                 (a, ox.NamedNode(skos + "broader"), b), (b, ox.NamedNode(skos + "broader"), c)]:
    ...     store.add(ox.Quad(s, p, o, g))
    >>> H = ancestors(store, [a.value])
    >>> sorted((H.nodes[u]["notation"], H.nodes[v]["notation"]) for u, v in H.edges())
    [('C22', 'C15-C26'), ('C22.0', 'C22')]
    """
    target = as_target(target)
    walk = _Walk(target, ("hierarchy",), None)
    seen = set(codes)
    frontier = set(seen)
    while frontier:
        reached = set()
        for chunk in _chunks(frontier):
            for s, o, set_label, file in _rows(target, "walk-broader-up", {"s": chunk}):
                key = (s.value, "broader", o.value)
                walk.sources[key].add((file.value, 0))
                walk.labels[key].add(f"broader in {set_label.value}")
                reached.add(o.value)
        frontier = reached - seen
        seen |= frontier
    nodes = {n for key in walk.sources for n in (key[0], key[2])}
    return walk.graph(nodes)
