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

__all__ = ["SIMILARITY_RELATIONS", "similar"]


SIMILARITY_RELATIONS = ("indicationFor", "comorbidityOf", "hasModifier", "performedBy")


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
