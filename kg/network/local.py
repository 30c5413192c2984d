"""Neighbourhoods read straight from the store: the codes around one code, walked out depth by depth.

:func:`around` and :func:`between` never project the whole store: they ask
the internal queries ``kg/queries/internal/network/walk-*.rq`` for the edges
that touch the walk's frontier, one depth at a time, and build a small
:class:`networkx.MultiDiGraph` with the attributes of :func:`kg.network.project`.

The walk goes over the layers of :data:`kg.model.LAYERS`. Every edge gets
``relation`` (its key), ``layer`` and ``sources``, and an official edge its
words as ``label`` (:func:`kg.network.layers.edge_words`), never an IRI:

``briefing``
    the code-to-code relations briefing rows assert (a ``kg:negated true``
    row is no edge). Modifiers, specialties, payers and sites are never
    walked through, because they join nearly every procedure to every
    other: each code lists them as its node's ``attributes``, and the
    centre can have them as edges too (``attribute_edges``).
``ncci``, ``addon``, ``excludes``, ``hierarchy``
    NCCI edits (``ncciEdit``, column 2 -> column 1), NCCI add-on edits
    (``ncciAddOn``, add-on -> primary), the ICD-10-CM notes (``excludes1``...)
    and the code-set hierarchies (``broader``): walked like briefing relations.
``ccsr``, ``hcc``
    the CCSR and CMS-HCC categories of the codes reached (and the
    ``hccTrumps`` edges of those HCCs): drawn, never walked through.
``mue``
    each code's MUE, listed in its node's ``attributes``.

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

from kg.cms import decode
from kg.model import ATTRIBUTE_RELATIONS, EDGE_KINDS, RELATIONS
from kg.model import LAYERS as _LAYERS
from kg.network.layers import Releases, check_layers, edge_words, in_layer, ncci_words, rows
from kg.network.nodes import node_info, resolve
from kg.target import QueryTarget, as_target
from kg.vocab import KG, RDF_TYPE, RDFS_LABEL  # noqa: F401  (RDF_TYPE, RDFS_LABEL: the doctests)

__all__ = ["LAYERS", "ancestors", "around", "between", "ncci_rules", "node_info", "resolve"]

LAYERS = tuple(_LAYERS)
"""The layers a walk can take (:data:`kg.model.LAYERS`)."""

_WALKED = tuple(x for x in LAYERS if x != "briefing" and _LAYERS[x].walk)  # official code-to-code layers
_GROUPS = tuple(x for x in LAYERS if not _LAYERS[x].walk and _LAYERS[x].edges)  # ccsr, hcc
_PROP = {k: (EDGE_KINDS[k].prop if k in EDGE_KINDS else str(KG[k]))
         for x in _WALKED + _GROUPS for k in _LAYERS[x].edges if k != "ncciEdit"}
_KEY = {(p, x): k for x in _WALKED + _GROUPS for k in _LAYERS[x].edges if (p := _PROP.get(k))}
_CHUNK = 200  # frontier codes per query
_Q = {name: ox.NamedNode(str(KG[name])) for name in ("subjectCode", "objectCode", "relation", "line", "negated", "sourceFile")}
_TRUE = ox.Literal(True)


def _edits_among(store: ox.Store, n: ox.NamedNode, g: ox.NamedNode, others: list, wanted: set) -> list[ox.Quad]:
    """The quads of graph ``g`` from ``n`` to a node of ``wanted`` (``others``, as a list): read from ``n``'s own
    quads while they are fewer than the candidates, else one index lookup per candidate (a code may be in 10,000
    edits; a view may hold 1,000 codes). The same quads in the same order either way (``others`` is sorted)."""
    mine = []
    for q in store.quads_for_pattern(n, None, None, g):
        mine.append(q)
        if len(mine) > len(others):
            return [q for m in others for q in store.quads_for_pattern(n, None, m, g)]
    return sorted((q for q in mine if q.object in wanted), key=lambda q: q.object.value)  # as the lookups give them


def _chunks(items: Iterable[str]):
    items = sorted(items)
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def ncci_rules(target) -> dict[str, str]:
    """Each NCCI edit rule IRI (the property of an edit triple) -> its words, with the context and release.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> ncci_rules(ox.Store())
    {}
    """
    target = as_target(target)
    releases = Releases(target, ["ncci"])
    out: dict[str, set[str]] = defaultdict(set)
    if releases.graphs("ncci"):
        for rule, g, words in _rule_words(target, releases):
            out[rule].add(words)
    return {k: "; ".join(sorted(v)) for k, v in out.items()}


def _rule_words(target: QueryTarget, releases: Releases):
    for rule, _, g, mi, why in rows(target, "ncci-rules", {"g": releases.graphs("ncci")}):
        _, release, context, _ = releases.info[g.value]
        yield rule.value, g.value, ncci_words(mi.value if mi else "", why.value if why else "", context, release)


class _Walk:
    """Edges gathered by (source, key, target), with their provenance, layer and words."""

    def __init__(self, target: QueryTarget, layers: tuple[str, ...], relations: set[str] | None):
        self.target, self.layers, self.relations = target, layers, relations
        self.releases = Releases(target, [x for x in layers if x != "briefing"])
        self.sources: dict[tuple[str, str, str], set[tuple[str, int]]] = defaultdict(set)
        self.labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.layer: dict[tuple[str, str, str], str] = {}
        self.rules: dict[tuple[str, str], str] | None = None

    def _keep(self, key: str) -> bool:
        return self.relations is None or key in self.relations

    def _add(self, key: tuple[str, str, str], layer: str, source: tuple[str, int], words: str = "") -> None:
        self.sources[key].add(source)
        self.layer[key] = layer
        if words:
            self.labels[key].add(words)

    def step(self, frontier: set[str], *, among: set[str] | None = None, official: bool = True) -> set[str]:
        """Read the code-to-code edges touching ``frontier`` (only those within ``among``, where given; no
        official layer unless ``official``); return the nodes they reach."""
        reached: set[str] = set()
        walk_attrs = self.relations is not None and any(r in ATTRIBUTE_RELATIONS for r in self.relations)
        props = [_PROP[k] for x in _WALKED if official and x in self.layers for k in _LAYERS[x].edges
                 if k in _PROP and self._keep(k)]
        graphs = [g for x in _WALKED if official and x in self.layers for g in self.releases.graphs(x)]
        for chunk in _chunks(frontier):
            if "briefing" in self.layers:
                for s, rel, o, file, line in self._asserted(chunk, among):
                    name = rel.value.rsplit("#", 1)[1]
                    if not self._keep(name) or (name in ATTRIBUTE_RELATIONS and not walk_attrs):
                        continue
                    if among is None or (s.value in among and o.value in among):
                        self._add((s.value, name, o.value), "briefing", (file.value, int(line.value)))
                        reached.update((s.value, o.value))
            if official and "ncci" in self.layers and self._keep("ncciEdit") and self.releases.graphs("ncci"):
                for s, o, g, words in self._ncci(chunk, among):
                    self._add((s, "ncciEdit", o), "ncci", (self.releases.file(g), 0), words)
                    reached.update((s, o))
            if props and graphs:
                reached |= self._official(chunk, props, graphs, among)
        return reached - frontier

    def _asserted(self, chunk: list[str], among: set[str] | None):
        """The rows of ``walk-asserted`` for ``chunk``; within ``among`` on a local store by quad lookups that
        read a row's relation and line only once both its ends are known to be in ``among``."""
        store = getattr(self.target, "store", None)
        if among is None or not isinstance(store, ox.Store):
            return rows(self.target, "walk-asserted", {"n": chunk})
        out, files = [], {}
        for n in map(ox.NamedNode, chunk):
            for mine, other in ((_Q["subjectCode"], _Q["objectCode"]), (_Q["objectCode"], _Q["subjectCode"])):
                for q in store.quads_for_pattern(None, mine, n, None):
                    e, g = q.subject, q.graph_name
                    far = next(store.quads_for_pattern(e, other, None, g), None)
                    if far is None or far.object.value not in among:
                        continue
                    rel = next(store.quads_for_pattern(e, _Q["relation"], None, g), None)
                    line = next(store.quads_for_pattern(e, _Q["line"], None, g), None)
                    if rel is None or line is None or next(store.quads_for_pattern(e, _Q["negated"], _TRUE, g), None):
                        continue
                    if g not in files:
                        f = next(store.quads_for_pattern(g, _Q["sourceFile"], None, None), None)
                        files[g] = f.object if f is not None else ox.Literal(g.value)
                    s_, o_ = (n, far.object) if mine == _Q["subjectCode"] else (far.object, n)
                    out.append((s_, rel.object, o_, files[g], line.object))
        return out

    def _official(self, chunk: list[str], props: list[str], graphs: list[str], among: set[str] | None) -> set[str]:
        reached: set[str] = set()
        addons: list[tuple[str, str, str, str]] = []
        for s, p, o, g in rows(self.target, "walk-official", {"n": chunk, "p": props, "g": graphs}):
            if among is not None and not (s.value in among and o.value in among):
                continue
            layer = next(x for x in _WALKED + _GROUPS if in_layer(g.value, x) and (p.value, x) in _KEY)
            key = _KEY[(p.value, layer)]
            if key == "ncciAddOn":
                addons.append((s.value, key, o.value, g.value))
                continue
            self._add((s.value, key, o.value), layer, (self.releases.file(g.value), 0),
                      edge_words(key, self.releases.info[g.value]))
            reached.update((s.value, o.value))
        if addons:  # the edit type is said of the add-on code
            types = {n.value: t.value for n, t in rows(self.target, "walk-addon-types",
                                                      {"n": sorted({a[0] for a in addons}), "g": self.releases.graphs("addon")})}
            for s, key, o, g in addons:
                self._add((s, key, o), "addon", (self.releases.file(g), 0),
                          edge_words(key, self.releases.info[g], types.get(s, "")))
                reached.update((s, o))
        return reached

    def groups(self, nodes: set[str]) -> set[str]:
        """Add the CCSR and HCC categories of ``nodes`` (and those HCCs' ``hccTrumps`` edges); return the categories."""
        chosen = [x for x in _GROUPS if x in self.layers and self.releases.graphs(x)]
        props = [_PROP[k] for x in chosen for k in _LAYERS[x].edges if k != "hccTrumps" and self._keep(k)]
        if not props:
            return set()
        graphs = [g for x in chosen for g in self.releases.graphs(x)]
        found: set[str] = set()
        for chunk in _chunks(nodes):
            found |= self._official(chunk, props, graphs, None) - nodes
        if "hcc" in chosen and self._keep("hccTrumps") and found:
            for chunk in _chunks(found):
                found |= self._official(chunk, [_PROP["hccTrumps"]], self.releases.graphs("hcc"), None)
        return found

    def _ncci(self, chunk: list[str], among: set[str] | None):
        """The NCCI edits touching ``chunk`` (only those within ``among``, where given) as ``(column 2, column 1,
        graph, words)``. On a local store they are read with quad-pattern scans, which stay quick for a code in
        thousands of edits (and only a code's edits as column 2 when both ends must be in ``among``); on a
        remote target with the SPARQL of ``walk-ncci``."""
        if self.rules is None:
            self.rules = {(rule, g): words for rule, g, words in _rule_words(self.target, self.releases)}
        graphs = self.releases.graphs("ncci")
        store = getattr(self.target, "store", None)
        if not isinstance(store, ox.Store):
            found = [(s.value, r.value, o.value, g.value)
                     for s, r, o, g in rows(self.target, "walk-ncci", {"n": chunk, "g": graphs})]
        else:
            found = []
            others = [ox.NamedNode(m) for m in sorted(among)] if among is not None else []
            wanted = set(others)
            for g in map(ox.NamedNode, graphs):
                for n in map(ox.NamedNode, chunk):
                    if among is not None:  # the code's own edits, or one lookup per pair once they outnumber the pairs
                        quads = _edits_among(store, n, g, others, wanted)
                    else:
                        quads = (*store.quads_for_pattern(n, None, None, g), *store.quads_for_pattern(None, None, n, g))
                    found += [(q.subject.value, q.predicate.value, q.object.value, g.value) for q in quads]
        out = []
        for s, rule, o, g in found:
            words = self.rules.get((rule, g))
            if words is not None and (among is None or (s in among and o in among)):
                out.append((s, o, g, words))
        return out

    def graph(self, keep: set[str], *, attributes: bool = False, annotate: bool = True) -> nx.MultiDiGraph:
        G = nx.MultiDiGraph(layers=list(self.layers))
        G.add_nodes_from(keep)
        for (s, rel, o), srcs in self.sources.items():
            if s in keep and o in keep and srcs:
                attrs = {"relation": rel, "layer": self.layer.get((s, rel, o), "briefing"), "sources": sorted(srcs)}
                if self.labels.get((s, rel, o)):
                    attrs["label"] = "; ".join(sorted(self.labels[(s, rel, o)]))
                G.add_edge(s, o, key=rel, **attrs)
        if annotate:
            _annotate(self.target, G)
        if attributes:
            self._attributes(G)
        return G

    def _attributes(self, G: nx.MultiDiGraph) -> None:
        """Each code's modifiers, specialties, payers and sites (and, with layer ``mue``, its MUE), in its node's
        ``attributes`` and ``attribute_nodes``."""
        codes = [n for n, t in G.nodes(data="type") if t in ("procedure", "diagnosis", "code")]
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        rels = [str(KG[r]) for r in ATTRIBUTE_RELATIONS] if "briefing" in self.layers else []
        for chunk in _chunks(codes):
            for n, rel, o in (rows(self.target, "walk-attributes", {"n": chunk, "rel": rels}) if rels else ()):
                found[n.value].append((rel.value.rsplit("#", 1)[1], o.value))
        info = node_info(self.target, {o for pairs in found.values() for _, o in pairs})
        for n, pairs in found.items():
            d = G.nodes[n]
            pairs.sort(key=lambda p: (ATTRIBUTE_RELATIONS.index(p[0]), info[p[1]]["notation"]))
            d["attributes"] = [(RELATIONS[r].label, _named(info[o])) for r, o in pairs]
            d["attribute_nodes"] = [(r, o, info[o]["notation"], info[o]["type"]) for r, o in pairs]
        if "mue" in self.layers and self.releases.graphs("mue"):
            for chunk in _chunks(codes):
                for n, units, mai, service, g in rows(self.target, "walk-mue", {"n": chunk, "g": self.releases.graphs("mue")}):
                    rule = decode("mue_mai", mai.value) if mai else None
                    how = f", MAI {mai.value} ({rule.meaning.split(':')[0].lower()})" if rule else ""
                    n_units = int(units.value)
                    words = (f"{n_units} unit{'s' if n_units != 1 else ''}{how} — "
                             f"{(service.value if service else 'Practitioner').lower()} {self.releases.info[g.value][1]}")
                    G.nodes[n.value].setdefault("attributes", []).append(("MUE", words))


def _named(a: dict) -> str:
    return f"{a['notation']} {a['label']}".strip() if a["label"] and a["label"] != a["notation"] else a["notation"]


def _annotate(target: QueryTarget, G: nx.MultiDiGraph) -> None:
    for n, a in node_info(target, G.nodes).items():
        G.nodes[n].update(a)


def around(target, code: str, depth: int = 1, *, relations: Iterable[str] | None = None,
           layers: Iterable[str] | None = None, attributes: bool = True, attribute_edges: bool = True,
           official_depth: int | None = None) -> nx.MultiDiGraph:
    """The codes within ``depth`` code-to-code hops of ``code``, and the edges among them, read from the store.

    Parameters
    ----------
    target : pyoxigraph.Store or kg.target.QueryTarget
        The store (or a remote endpoint).
    code : str
        The centre, as a user types it; or its IRI.
    depth : int
        Hops over code-to-code relations (attribute relations and categories don't count).
    relations : iterable of str, optional
        Keep only these edge keys (``monitors``, ``ncciEdit``, ``broader``...).
        Naming an attribute relation (``coveredByPayer``) walks through it.
    layers : iterable of str, optional
        The :data:`LAYERS` to walk; all by default.
    attributes : bool
        List each code's modifiers, specialties, payers and sites (and MUE) in
        its node's ``attributes``.
    attribute_edges : bool
        Also draw the centre's modifiers, specialties, payers and sites as nodes and edges.
    official_depth : int, optional
        Walk the official layers only this many hops out (default: ``depth``).
        An official edge is drawn between two codes reached when one of them
        is within ``official_depth`` hops of the centre.

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
    >>> H = around(store, "77013", attribute_edges=False)
    >>> sorted({k for *_, k in H.edges(keys=True)})[:3]
    ['alternativeTo', 'comorbidityOf', 'indicationFor']
    >>> H.nodes[H.graph["centre"]]["attributes"][0]
    ('has modifier', '26 Professional component')
    """
    target = as_target(target)
    chosen = check_layers(layers)
    start = resolve(target, code)
    keep = set(relations) if relations is not None else None
    seen, frontier = {start}, {start}
    official_depth = depth if official_depth is None else official_depth
    walk = _Walk(target, chosen, keep)
    expanded: set[str] = set()  # the nodes whose official edges were all read
    near = {start}  # the codes within official_depth hops
    for level in range(depth):
        if level < official_depth:
            expanded |= frontier
        new = walk.step(frontier, official=level < official_depth)
        frontier = new - seen
        seen |= frontier
        if level < official_depth:
            near |= frontier
    # the edges among the nodes reached: briefing rows of the last depth, official edges of every node not expanded
    if frontier and "briefing" in chosen:
        walk.step(frontier, among=seen, official=False)
    # official edges of the codes one hop beyond those walked, among every code drawn (not between two codes
    # further out: at depth 2 around 77013 they would be 6,000 NCCI edits among 500 codes)
    rim = near - expanded
    if any(x in _WALKED for x in chosen) and rim:
        last = _Walk(target, tuple(x for x in chosen if x != "briefing"), keep)
        last.step(rim, among=seen)
        _merge(walk, last)
    seen |= walk.groups(seen)
    if attribute_edges and "briefing" in chosen:
        _centre_attributes(walk, start)
        seen |= {k[2] for k in walk.sources if k[0] == start and k[1] in ATTRIBUTE_RELATIONS}
    H = walk.graph(seen, attributes=attributes)
    H.graph["centre"] = start
    return H


def _centre_attributes(walk: _Walk, start: str) -> None:
    facts = [str(KG[r]) for r in ATTRIBUTE_RELATIONS if walk._keep(r)]
    for s, rel, o, file, line in rows(walk.target, "walk-asserted", {"n": [start]}):
        name = rel.value.rsplit("#", 1)[1]
        if name in ATTRIBUTE_RELATIONS and walk._keep(name) and s.value == start:
            walk._add((s.value, name, o.value), "briefing", (file.value, int(line.value)))
    for rel, o, file in (rows(walk.target, "walk-facts", {"n": [start], "rel": facts}) if facts else ()):
        key = (start, rel.value.rsplit("#", 1)[1], o.value)
        if not walk.sources[key]:  # a qualified row already gave its line
            walk._add(key, "briefing", (file.value, 0))


def _merge(into: _Walk, other: _Walk) -> None:
    for k, v in other.sources.items():
        into.sources[k] |= v
        into.layer[k] = other.layer.get(k, "briefing")
    for k, v in other.labels.items():
        into.labels[k] |= v


def between(target, a: str, b: str, *, max_depth: int = 4, layers: Iterable[str] | None = None,
            relations: Iterable[str] | None = None, budget: int = 5000) -> nx.MultiDiGraph:
    """The union of the walks out from codes ``a`` and ``b`` until they meet (at most ``max_depth`` hops in all).

    Enough to hold every shortest path between them over the code-to-code
    relations and the official layers; attribute relations and categories are
    not walked. Each step expands the side with the smaller frontier, and the
    walk stops before a frontier of more than ``budget`` codes (no path is
    then found beyond it).

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
    chosen = check_layers(layers)
    keep = set(relations) if relations is not None else None
    ends = [resolve(target, a), resolve(target, b)]
    walk = _Walk(target, chosen, keep)
    seen = [{ends[0]}, {ends[1]}]
    frontier = [{ends[0]}, {ends[1]}]
    for _ in range(max_depth):
        if seen[0] & seen[1] or not (frontier[0] and frontier[1]):
            break  # met, or one side has no code left to walk to: its component holds no path to the other
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        if len(frontier[side]) > budget:
            break
        new = walk.step(frontier[side])
        frontier[side] = new - seen[side]
        seen[side] |= frontier[side]
    H = walk.graph(seen[0] | seen[1], annotate=False)
    U = H.to_undirected(as_view=True)
    if nx.has_path(U, *ends):  # keep only the nodes on a shortest path: a code in 3,000 NCCI edits is not read 3,000 times
        d0, d1 = nx.single_source_shortest_path_length(U, ends[0]), nx.single_source_shortest_path_length(U, ends[1])
        H = H.subgraph([n for n in d0 if n in d1 and d0[n] + d1[n] == d0[ends[1]]]).copy()
    else:
        H = H.subgraph(ends).copy()
    _annotate(target, H)
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
    >>> H.edges[a.value, b.value, "broader"]["label"]
    'broader in ICD-10-CM 2025'
    """
    target = as_target(target)
    walk = _Walk(target, ("hierarchy",), None)
    graphs = walk.releases.graphs("hierarchy")
    seen = set(codes)
    frontier = set(seen) if graphs else set()
    while frontier:
        reached = set()
        for chunk in _chunks(frontier):
            for s, o, g in rows(target, "walk-broader-up", {"s": chunk, "g": graphs}):
                walk._add((s.value, "broader", o.value), "hierarchy", (walk.releases.file(g.value), 0),
                          edge_words("broader", walk.releases.info[g.value]))
                reached.add(o.value)
        frontier = reached - seen
        seen |= frontier
    nodes = {n for key in walk.sources for n in (key[0], key[2])}
    return walk.graph(nodes)
