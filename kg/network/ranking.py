"""``kg hubs`` without a projection: degrees counted in the engine, and each answer cached beside the store.

:func:`hubs_in_store` ranks the nodes of the briefing projection (:func:`kg.network.projection.project`) by
degree as :func:`kg.network.hubs` ranks the projected graph, with the same answer: the engine makes the
projection's edges distinct, counts them at both ends and orders the nodes by degree (``hub-degrees``), and
only the best nodes are decoded and read (their type, notation and label), as far down as the ranking needs.
PageRank, or official layers, still rank the (cached) projection.

:func:`cached_hubs` keeps each answer (a few lines) in the store's cache directory, keyed by the store
directory's :func:`~kg.network.projection.store_stamp` and the options, so a second ``kg hubs`` neither
opens the store nor builds a graph.

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> from kg.network import hubs, project
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> hubs_in_store(store, top=5) == hubs(project(store), top=5)
True
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError
from kg.model import ATTRIBUTE_RELATIONS, NODE_TYPES
from kg.query import internal_query, with_values
from kg.target import QueryTarget, as_target
from kg.vocab import KG, RDF_TYPE, class_iri

__all__ = ["Hub", "cached_hubs", "degrees", "hubs_in_store", "in_engine"]

Hub = tuple[str, float, str, str]
"""One ranked node: its IRI, score, notation and label."""

_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_BATCH = 500
"""Nodes read per :func:`~kg.network.nodes.node_info` call while walking down the ranking (a per-node lookup each)."""


def in_engine(target, measure: str = "degree", layers: Iterable[str] | None = None) -> bool:
    """Whether :func:`hubs_in_store` answers for these options: degree over the briefing layer of a local store.

    Examples
    --------
    >>> in_engine(ox.Store()), in_engine(ox.Store(), "pagerank"), in_engine(ox.Store(), layers=["ncci"])
    (True, False, False)
    """
    store = getattr(as_target(target), "store", None)
    return isinstance(store, ox.Store) and measure == "degree" and list(layers or ["briefing"]) == ["briefing"]


def degrees(target: ox.Store | QueryTarget) -> Iterator[tuple[str, int]]:
    """Each node of the briefing projection and its degree there, highest first, decoded as they are read.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> n, d = next(degrees(store)); d > 1
    True
    """
    text = with_values(internal_query("network/hub-degrees"),
                       {ox.Variable("rel"): [ox.NamedNode(str(KG[r])) for r in ATTRIBUTE_RELATIONS]})
    for n, d in as_target(target).query(text):
        yield n.value, int(d.value)


def hubs_in_store(target: ox.Store | QueryTarget, *, node_type: str | None = None, top: int = 10,
                  info: dict[str, dict[str, str]] | None = None) -> list[tuple[str, float]]:
    """:func:`kg.network.hubs` by degree over the briefing projection, read from a local store without projecting it.

    Nodes are read in the engine's order of degree, a batch at a time, until ``top`` of ``node_type`` are found
    and every node as connected as the last of them is read (ties rank by notation, as in the graph).
    ``info``, when given, receives the :func:`~kg.network.nodes.node_info` of the nodes read.

    Examples
    --------
    >>> hubs_in_store(ox.Store())
    []
    """
    from kg.network.nodes import node_info

    target = as_target(target)
    seen: dict[str, dict[str, str]] = {} if info is None else info
    kept: list[tuple[int, str]] = []  # (degree, node) of the wanted type, read so far
    cut = None  # the top-th kept degree: no node below it can rank
    batch: list[tuple[str, int]] = []
    size = top  # the first batch: most calls need no more
    if top <= 0:
        return []

    def read(batch):
        found = node_info(target, [n for n, _ in batch])
        seen.update(found)
        kept.extend((d, n) for n, d in batch if node_type is None or found[n]["type"] == node_type)
        return heapq.nlargest(top, kept)[-1][0] if len(kept) >= top > 0 else None

    store = getattr(target, "store", None)
    cls = ox.NamedNode(class_iri(node_type)) if node_type in NODE_TYPES and isinstance(store, ox.Store) else None
    for n, d in degrees(target):
        if cut is not None and d < cut:
            break
        if cls is not None and next(store.quads_for_pattern(ox.NamedNode(n), _RDF_TYPE, cls, None), None) is None:
            continue  # not of that class, so not of that type (one lookup: node_info's are many)
        batch.append((n, d))
        if len(batch) >= size:
            cut, batch, size = read(batch), [], _BATCH
    if batch:
        read(batch)
    ranked = heapq.nsmallest(top, ((-float(d), seen[n]["notation"], n) for d, n in kept))
    return [(n, -s) for s, _, n in ranked]


def _rank(store_dir, cache_dir, node_type, measure, top, layers) -> list[Hub]:
    from kg.store import open_store

    if measure == "degree" and list(layers or ["briefing"]) == ["briefing"]:
        info: dict[str, dict[str, str]] = {}
        ranked = hubs_in_store(open_store(store_dir, read_only=True), node_type=node_type, top=top, info=info)
        return [(n, s, info[n]["notation"], info[n]["label"]) for n, s in ranked]
    from kg.network import hubs
    from kg.network.projection import cached_project

    G = cached_project(store_dir, cache_dir, layers=list(layers) if layers else None)
    return [(n, s, G.nodes[n].get("notation", n), G.nodes[n].get("label", ""))
            for n, s in hubs(G, node_type=node_type, measure=measure, top=top)]


def cached_hubs(store_dir: str | os.PathLike, cache_dir: str | os.PathLike | None, *, node_type: str | None = None,
                measure: str = "degree", top: int = 10, layers: Iterable[str] | None = None) -> list[Hub]:
    """The hubs of the store in directory ``store_dir``, kept in ``cache_dir`` under its build state and the options.

    Degree over the briefing layer comes from :func:`hubs_in_store`; anything else ranks the cached projection
    (:func:`kg.network.projection.cached_project`). A cached answer is read without opening the store;
    ``cache_dir=None`` never caches.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> d, cache = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> _ = build(open_store(d), [examples_dir()], progress=False)
    >>> first = cached_hubs(d, cache, top=3)
    >>> first == cached_hubs(d, cache, top=3), len(first), sorted(p.name[:5] for p in Path(cache).iterdir())
    (True, 3, ['hubs-'])
    """
    from kg.network.projection import FORMAT, store_stamp

    if measure not in ("degree", "pagerank"):
        raise KGError(f"unknown hub measure {measure!r}; use degree or pagerank")
    from kg.store import require_store

    require_store(store_dir)
    if cache_dir is None:
        return _rank(store_dir, None, node_type, measure, top, layers)
    import hashlib

    state = store_stamp(store_dir)[:24]
    options = repr((FORMAT, node_type, measure, top, list(layers or ["briefing"])))
    path = Path(cache_dir) / f"hubs-{state}-{hashlib.sha256(options.encode()).hexdigest()[:12]}.pickle"
    from kg.cache import read_cache, write_cache

    found = read_cache(path)
    if found is not None:
        return found
    found = _rank(store_dir, cache_dir, node_type, measure, top, layers)  # none yet, or unreadable: ranked anew
    stale = [p for p in path.parent.glob("hubs-*.pickle") if not p.name.startswith(f"hubs-{state}-")]
    write_cache(path, found, stale=stale)  # another build state's answers are never read again
    return found
