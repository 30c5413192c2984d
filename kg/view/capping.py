"""What a capped view keeps: the part of a large graph a page can draw, picked by a rule the title states.

:func:`best_connected` for ``kg view --all`` (the codes with the most code-to-code edges), :func:`most_flagged`
for ``kg view --audit`` (the codes with the most findings, then their neighbours). Both add one node at a time
while the node and edge limits hold, in an order fixed by the graph alone (counts, then notation), so the
same store gives the same view. They read no store: :mod:`kg.view.select` hands them the graph.

Examples
--------
>>> G = nx.MultiDiGraph()
>>> G.add_edge("a", "b", key="monitors"); G.add_edge("a", "c", key="monitors")
'monitors'
'monitors'
>>> H, drawn = best_connected(G, ["a", "b", "c"], 2, 10)
>>> sorted(H), drawn
(['a', 'b'], 2)
>>> keep, flagged = most_flagged(G, {"c": [{"severity": "error"}]}, lambda c: ["a"], 2, 10)
>>> sorted(keep), flagged
(['a', 'c'], 1)
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from kg.view.data import _ATTRIBUTE_HEADINGS, _name
from kg.view.page import _tail

__all__ = ["best_connected", "most_flagged"]


def best_connected(G: nx.MultiDiGraph, codes: list[str], max_nodes: int, max_edges: int) -> tuple[nx.MultiDiGraph, int]:
    """The codes of ``G`` with most code-to-code edges (then by notation), added while at most ``max_nodes`` codes
    and ``max_edges`` edges among them; each keeps its attribute nodes' names as ``attributes`` lines."""
    is_code = set(codes)

    def degree(n) -> int:
        return sum(len(keys) for m, keys in G.succ[n].items() if m in is_code) + \
            sum(len(keys) for m, keys in G.pred[n].items() if m in is_code)

    order = sorted(codes, key=lambda n: (-degree(n), G.nodes[n].get("notation", n), n))
    kept: set[str] = set()
    edges = 0
    for n in order:
        if len(kept) >= max_nodes:
            break
        new = sum(len(keys) for m, keys in G.succ[n].items() if m in kept) + \
            sum(len(keys) for m, keys in G.pred[n].items() if m in kept) + len(G.succ[n].get(n, ()))
        if edges + new > max_edges:
            continue  # a code that would bring too many edges; a less connected one may still fit
        kept.add(n)
        edges += new
    H = G.subgraph(kept).copy()
    for n in kept:
        lines = [(_ATTRIBUTE_HEADINGS[G.nodes[m].get("type")], _name(G.nodes[m], m))
                 for m in G.succ[n] if m not in is_code and G.nodes[m].get("type") in _ATTRIBUTE_HEADINGS]
        if lines:
            H.nodes[n]["attributes"] = list(H.nodes[n].get("attributes") or []) + sorted(lines)
    return H, len(kept)


def most_flagged(G: nx.MultiDiGraph, findings: Mapping[str, list[dict]], near, max_nodes: int,
                  max_edges: int) -> tuple[set[str], int]:
    """The nodes of a capped audit view, and how many flagged codes they hold: flagged codes first (most errors,
    most findings, notation), up to half of ``max_nodes``, then their neighbours (``near``) in the same order;
    each node added while at most ``max_nodes`` nodes and ``max_edges`` edges are among them."""
    def order(code):
        errors = sum(str(f.get("severity", "")) == "error" for f in findings[code])
        notation = G.nodes[code].get("notation", "") if code in G else _tail(code)
        return -errors, -len(findings[code]), str(notation), code

    keep: set[str] = set()
    edges = 0

    def add(n, limit: int) -> bool:
        nonlocal edges
        if n in keep:
            return True
        if len(keep) >= limit:
            return False
        if n not in G:
            keep.add(n)
            return True
        new = sum(len(keys) for m, keys in G.succ[n].items() if m in keep) + \
            sum(len(keys) for m, keys in G.pred[n].items() if m in keep) + len(G.succ[n].get(n, ()))
        if edges + new > max_edges:
            return False
        keep.add(n)
        edges += new
        return True

    flagged = [code for code in sorted(findings, key=order) if add(code, max(1, max_nodes // 2))]
    for code in flagged:  # the context: each drawn code's neighbours, most flagged first
        if len(keep) >= max_nodes:
            break
        for other in near(code):
            add(other, max_nodes)
    return keep, len(flagged)
