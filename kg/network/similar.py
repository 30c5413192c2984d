"""Procedures like a given one: Jaccard similarity of their diagnoses, modifiers and specialties.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> for p in "ab": G.add_node(p, type="procedure", notation=p)
>>> _ = G.add_edge("a", "26", key="hasModifier"); _ = G.add_edge("b", "26", key="hasModifier")
>>> similar(G, "a")
[('b', 1.0)]
"""

from __future__ import annotations

import networkx as nx

__all__ = ["SIMILARITY_RELATIONS", "similar", "similar_in_store"]


SIMILARITY_RELATIONS = ("indicationFor", "comorbidityOf", "hasModifier", "performedBy")
_OUT, _IN = ("hasModifier", "performedBy"), ("indicationFor", "comorbidityOf")


def _features(G: nx.MultiDiGraph, n: str) -> set[tuple[str, str]]:
    out = set()
    for _, v, k in G.out_edges(n, keys=True):
        if k in ("hasModifier", "performedBy"):
            out.add((k, v))
    for u, _, k in G.in_edges(n, keys=True):
        if k in ("indicationFor", "comorbidityOf"):
            out.add(("diagnosis", u))
    return out


def similar(G: nx.MultiDiGraph, code: str, *, top: int = 10) -> list[tuple[str, float]]:
    """Procedures most like ``code``: Jaccard similarity of their diagnoses, modifiers and specialties.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for p in "abc": G.add_node(p, type="procedure")
    >>> for p, m in [("a", "26"), ("a", "TC"), ("b", "26"), ("b", "TC"), ("c", "59")]:
    ...     _ = G.add_edge(p, m, key="hasModifier")
    >>> similar(G, "a")
    [('b', 1.0), ('c', 0.0)]
    """
    from kg.network import node_for

    n = node_for(G, code)
    mine = _features(G, n)
    scores = []
    for other, data in G.nodes(data=True):
        if other == n or data.get("type") != "procedure":
            continue
        theirs = _features(G, other)
        union = mine | theirs
        scores.append((other, round(len(mine & theirs) / len(union), 4) if union else 0.0))
    scores.sort(key=lambda x: (-x[1], G.nodes[x[0]].get("notation", x[0])))
    return scores[:top]


def _store_features(target, procedures: list[str]) -> dict[str, set[tuple[str, str]]]:
    """The features of ``procedures`` (IRIs), as :func:`_features` gives them, read from the store."""
    from kg.network.layers import rows
    from kg.vocab import KG

    out: dict[str, set[tuple[str, str]]] = {p: set() for p in procedures}
    for i in range(0, len(procedures), 200):
        chunk = procedures[i:i + 200]
        for s, rel, o in rows(target, "triples", {"s": chunk, "rel": [str(KG[r]) for r in _OUT]}):
            out[s.value].add((rel.value.rsplit("#", 1)[1], o.value))
        for s, _, o in rows(target, "triples", {"o": chunk, "rel": [str(KG[r]) for r in _IN]}):
            out[o.value].add(("diagnosis", s.value))
    return out


def similar_in_store(target, code: str, *, top: int = 10) -> list[tuple[str, float]]:
    """Procedures most like ``code``, read around it in the store, never projecting the whole store.

    The same scores as :func:`similar` on the projection, over the procedures
    that share at least one diagnosis, modifier or specialty with ``code``
    (the others score 0 and are left out).

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> from kg.network import project
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> mine = similar_in_store(store, "77013", top=3)
    >>> mine == [x for x in similar(project(store), "77013", top=3) if x[1] > 0]
    True
    """
    from kg.network.layers import rows
    from kg.network.local import node_info, resolve
    from kg.target import as_target
    from kg.vocab import KG

    target = as_target(target)
    n = resolve(target, code)
    mine = _store_features(target, [n])[n]
    candidates: set[str] = set()
    out_feats = sorted({f for k, f in mine if k in _OUT})
    in_feats = sorted({f for k, f in mine if k == "diagnosis"})
    for i in range(0, len(out_feats), 200):
        candidates |= {s.value for s, _, _ in rows(target, "triples", {"o": out_feats[i:i + 200],
                                                                        "rel": [str(KG[r]) for r in _OUT]})}
    for i in range(0, len(in_feats), 200):
        candidates |= {o.value for _, _, o in rows(target, "triples", {"s": in_feats[i:i + 200],
                                                                        "rel": [str(KG[r]) for r in _IN]})}
    candidates.discard(n)
    info = node_info(target, sorted(candidates))
    procedures = sorted(c for c in candidates if info[c]["type"] == "procedure")
    scores = []
    for other, theirs in _store_features(target, procedures).items():
        union = mine | theirs
        scores.append((other, round(len(mine & theirs) / len(union), 4) if union else 0.0))
    scores.sort(key=lambda x: (-x[1], info[x[0]]["notation"]))
    return scores[:top]
