"""The whole store as a :class:`networkx.MultiDiGraph`, made quickly, and cached next to the store.

:func:`project` is what whole-graph analytics (``hubs``, ``communities``,
``components``, ``kg view --all``) read; one code's neighbourhood never needs
it (:mod:`kg.network.local`). On a local store it reads the rows with
hash-joined sub-selects (``edges-joined``, ``facts-joined``: one whole scan
per property, each row's file decoded instead of its graph's IRI) and the
nodes' classes and labelling code sets with two scans (:mod:`kg.network.nodes`);
on a remote target it runs the queries of ``kg/queries/internal/network/``.

:func:`cached_project` keeps the graph in a pickle under a cache directory,
keyed by :func:`fingerprint`: a SHA-256 over every graph's ``kg:sha256`` and
load time (the briefings' files and the code-set releases), so a rebuild, an
incremental update or a code set loaded again gives a new key and the old
file is not read. Given a store's directory instead (what the CLI does), the
key is :func:`store_stamp`, read from the directory's files without opening it.

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> cache = tempfile.mkdtemp()
>>> G = cached_project(store, cache)
>>> H = cached_project(store, cache)  # read from the cache
>>> sorted(G.edges(keys=True)) == sorted(H.edges(keys=True)), H.graph["cached"]
(True, True)
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from kg.model import ATTRIBUTE_RELATIONS, EDGE_KINDS, LAYERS
from kg.network.layers import Releases, check_layers, edge_words, rows
from kg.network.local import node_info, ncci_rules
from kg.cache import files_stamp, read_cache, write_cache
from kg.store import cache_dir_for  # noqa: F401  (re-exported: the projection's cache lives there)
from kg.target import QueryTarget, as_target
from kg.vocab import KG

__all__ = ["FORMAT", "cache_dir_for", "cached_project", "fingerprint", "project", "store_stamp"]

FORMAT = 2
"""The cache's format: part of every key, so a kg that projects differently never reads an old file."""

_K = {name: ox.NamedNode(str(KG[name])) for name in ("subjectCode", "objectCode", "relation", "line", "negated",
                                                      "sourceFile", "sha256")}
_LOADED = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")


def _layers(layers, hierarchies: bool, ncci: bool) -> tuple[str, ...]:
    chosen = list(check_layers(layers if layers is not None else ["briefing"]))
    chosen += [x for x, on in (("hierarchy", hierarchies), ("ncci", ncci)) if on and x not in chosen]
    return tuple(chosen)


def project(target: ox.Store | QueryTarget, *, relations: Iterable[str] | None = None, hierarchies: bool = False,
            ncci: bool = False, layers: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """Project the store into a :class:`networkx.MultiDiGraph`.

    Parameters
    ----------
    target : pyoxigraph.Store or kg.target.QueryTarget
        A built store, or a remote endpoint (:class:`kg.remote.Endpoint`) that holds one.
    relations : iterable of str, optional
        Keep only these edge keys (e.g. ``["monitors"]``). By default all of the layers'.
    hierarchies, ncci : bool
        Add the layers ``hierarchy`` and ``ncci`` (kept for older callers; ``layers`` says it).
    layers : iterable of str, optional
        The :data:`kg.model.LAYERS` to project; ``["briefing"]`` by default.
        Every edge carries ``layer`` and ``sources``, an official one its words as ``label``.

    Returns
    -------
    networkx.MultiDiGraph
        Keyed by IRI; see :mod:`kg.network` for attributes. A negated
        asserted relation (``kg:negated true``) is no edge.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> G = project(store, relations=["monitors"])
    >>> [(G.nodes[u]["notation"], k, G.nodes[v]["notation"]) for u, v, k in G.edges(keys=True)]
    [('77013', 'monitors', '49405')]
    """
    target = as_target(target)
    chosen = _layers(layers, hierarchies, ncci)
    wanted = set(relations) if relations is not None else None
    sources: dict[tuple[str, str, str], set[tuple[str, int]]] = defaultdict(set)
    labels: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    layer_of: dict[tuple[str, str, str], str] = {}
    store = getattr(target, "store", None)
    if "briefing" in chosen:
        found = _briefing_local(store) if isinstance(store, ox.Store) else _briefing_sparql(target)
        intern = sys.intern  # one object per IRI and file: the cache's pickle refers to it, not copies (half the size)
        for key, src in found:
            if wanted is None or key[1] in wanted:
                key = (intern(key[0]), intern(key[1]), intern(key[2]))
                sources[key].add((intern(src[0]), src[1]))
                layer_of[key] = "briefing"
    official = [x for x in chosen if x != "briefing" and LAYERS[x].edges]
    if official:
        releases = Releases(target, official)
        rules = ncci_rules(target) if "ncci" in official else {}
        for key, layer, g, words in _official(target, releases, official, rules):
            if wanted is None or key[1] in wanted:
                sources[key].add((releases.file(g), 0))
                labels[key].add(words)
                layer_of[key] = layer
    G = nx.MultiDiGraph(layers=list(chosen))

    def edge(key, srcs):
        attrs = {"relation": key[1], "layer": layer_of[key], "sources": sorted(srcs)}
        if key in labels:
            attrs["label"] = "; ".join(sorted(labels[key]))
        return key[0], key[2], key[1], attrs

    G.add_edges_from(edge(key, srcs) for key, srcs in sources.items())  # in bulk: a third of add_edge's time
    nx.set_node_attributes(G, node_info(target, G.nodes))
    return G


def _briefing_local(store: ox.Store):
    """Every non-negated asserted relation and every attribute fact, each with its (file, line).

    When each graph has one source file and no two graphs share one (:file:`source-files-shared.rq`), the rows
    are keyed by file: the engine hash-joins each property's whole scan and decodes the file, a short literal,
    instead of the graph's IRI (``edges-joined``, ``facts-joined``); else by graph (:func:`_briefing_by_graph`)."""
    target = as_target(store)
    graphs, files, pairs = (int(t.value) for t in rows(target, "source-files-shared")[0])
    if not graphs == files == pairs:
        yield from _briefing_by_graph(store)
        return
    qualified = set()
    for s, rel, o, src, line in rows(target, "edges-joined"):
        key = (s.value, rel.value.rsplit("#", 1)[1], o.value)
        qualified.add((key, src.value))
        yield key, (src.value, int(line.value))
    for s, rel, o, file, line in rows(target, "facts-joined", {"rel": [str(KG[r]) for r in ATTRIBUTE_RELATIONS]}):
        key = (s.value, rel.value.rsplit("#", 1)[1], o.value)
        if (key, file.value) not in qualified:  # a row of the same briefing gave its line
            yield key, (file.value, int(line.value) if line is not None else 0)


def _briefing_by_graph(store: ox.Store):
    """:func:`_briefing_local` keyed by graph: the graphs' files and lines read once each, not joined into every row."""
    target = as_target(store)
    files = {q.subject.value: q.object.value for q in store.quads_for_pattern(None, _K["sourceFile"], None, None)}
    lines = {q.subject.value: int(q.object.value) for g in files
             for q in store.quads_for_pattern(ox.NamedNode(g), _K["line"], None, ox.NamedNode(g))}
    qualified = set()
    for s, rel, o, g, line in rows(target, "edges-by-graph"):
        key = (s.value, rel.value.rsplit("#", 1)[1], o.value)
        qualified.add((key, g.value))
        yield key, (files.get(g.value, g.value), int(line.value))
    for s, rel, o, g in rows(target, "facts-by-graph", {"rel": [str(KG[r]) for r in ATTRIBUTE_RELATIONS]}):
        key = (s.value, rel.value.rsplit("#", 1)[1], o.value)
        if (key, g.value) not in qualified and g.value in files:  # a row of the same briefing gave its line
            yield key, (files[g.value], lines.get(g.value, 0))


def _briefing_sparql(target: QueryTarget):
    facts = {"rel": [str(KG[r]) for r in ATTRIBUTE_RELATIONS]}
    for s, rel, o, file, line in rows(target, "edges") + rows(target, "facts", facts):
        yield (s.value, rel.value.rsplit("#", 1)[1], o.value), (file.value, int(line.value))


def _official(target: QueryTarget, releases: Releases, layers: list[str], rules: dict[str, str]):
    """Every edge of the official ``layers``: (key, layer, graph, words)."""
    store = getattr(target, "store", None)
    for layer in layers:
        for g in releases.graphs(layer):
            info = releases.info[g]
            for key in LAYERS[layer].edges:
                if key == "ncciEdit":
                    triples = _ncci_triples(target, g, rules)
                else:
                    prop = EDGE_KINDS[key].prop if key in EDGE_KINDS else str(KG[key])
                    triples = ((q.subject.value, q.object.value, "") for q in store.quads_for_pattern(
                        None, ox.NamedNode(prop), None, ox.NamedNode(g))) if isinstance(store, ox.Store) else (
                        (s.value, o.value, "") for s, _, o in rows(target, "triples-in", {"p": [prop], "g": [g]}))
                for s, o, words in triples:
                    yield (s, key, o), layer, g, words or edge_words(key, info)


def _ncci_triples(target: QueryTarget, g: str, rules: dict[str, str]):
    store = getattr(target, "store", None)
    for rule, words in rules.items():
        if isinstance(store, ox.Store):
            for q in store.quads_for_pattern(None, ox.NamedNode(rule), None, ox.NamedNode(g)):
                yield q.subject.value, q.object.value, words
        else:
            for s, _, o in rows(target, "triples-in", {"p": [rule], "g": [g]}):
                yield s.value, o.value, words


def fingerprint(target: ox.Store | QueryTarget) -> str:
    """A key for the store's build state: SHA-256 over every graph's ``kg:sha256`` and load time.

    Examples
    --------
    >>> store = ox.Store()
    >>> a = fingerprint(store)
    >>> g = ox.NamedNode("https://w3id.org/codekg/briefing/x")
    >>> store.add(ox.Quad(g, _K["sha256"], ox.Literal("ab12"), g))
    >>> fingerprint(store) != a
    True
    """
    store = getattr(as_target(target), "store", None)
    h = hashlib.sha256(f"kg-projection {FORMAT}\n".encode())
    if isinstance(store, ox.Store):
        stamps = sorted(f"{q.graph_name} {q.subject} {q.predicate} {q.object}"
                        for p in (_K["sha256"], _LOADED) for q in store.quads_for_pattern(None, p, None, None))
    else:
        stamps = sorted(" ".join(t.value for t in r) for r in rows(as_target(target), "build-stamps"))
    for line in stamps:
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def store_stamp(store_dir: str | os.PathLike) -> str:
    """A key for the build state of the store in directory ``store_dir``, read from its files alone (no open).

    SHA-256 over the name, size and modification time of every file of the RocksDB directory but its
    ``LOG`` files (which a read-only open may write): any write appends to the write-ahead log or makes new
    table files and a new manifest, so a changed store never keeps its key; one opened for writing and left as
    it was may get a new key, which only costs a projection.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> a = store_stamp(d)
    >>> _ = (d / "000001.log").write_bytes(b"x")
    >>> store_stamp(d) != a
    True
    """
    return files_stamp(store_dir, f"kg-projection {FORMAT} files\n")


def cached_project(target: ox.Store | QueryTarget | str | os.PathLike, cache_dir: str | os.PathLike | None,
                   **options) -> nx.MultiDiGraph:
    """:func:`project`, kept in ``cache_dir`` under the store's :func:`fingerprint` and the options.

    ``target`` may be a local store's directory: then the key is its :func:`store_stamp`, and the store is
    opened (read-only) only when the cache has no graph for it. A cache directory that cannot be written only
    costs the next call the projection again; ``cache_dir=None`` never caches. The graph's ``cached``
    attribute says whether it came from the cache.

    Examples
    --------
    >>> cached_project(ox.Store(), None).graph["cached"]
    False
    """
    if isinstance(target, (str, os.PathLike)):
        from kg.store import open_store, require_store

        require_store(target)
        store_dir, state = target, "s" + store_stamp(target)[:23]  # "s": never a fingerprint's (hex) key

        def opened():
            return open_store(store_dir, read_only=True)
    else:
        state, opened = None, (lambda: target)
    if cache_dir is None:
        G = project(opened(), **options)
        G.graph["cached"] = False
        return G
    state = state or fingerprint(target)[:24]
    # an option left at None is project's default: `kg hubs` (layers=None) and `kg view --all` (no options) share a file
    given = {k: v for k, v in options.items() if v is not None}
    opts = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in given.items())).encode()).hexdigest()[:12]
    path = Path(cache_dir) / f"projection-{state}-{opts}.pickle"
    G = read_cache(path)  # None: none yet, or a damaged file (computed again and replaced)
    if isinstance(G, nx.MultiDiGraph):
        G.graph["cached"] = True
        return G
    G = project(opened(), **options)
    G.graph["cached"] = False
    stamped = state.startswith("s")  # a stamp's and a fingerprint's keys differ: each kind clears its own
    stale = [old for old in path.parent.glob("projection-*.pickle")
             if old.name.startswith("projection-s") == stamped and not old.name.startswith(f"projection-{state}-")]
    write_cache(path, G, stale=stale)  # another build state's graph is never read again
    return G

