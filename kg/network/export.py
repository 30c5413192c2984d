"""Writing a network for Gephi, Cytoscape or D3 (re-exported by :mod:`kg.network`)."""

from __future__ import annotations

import json

import networkx as nx

from kg.errors import KGError

__all__ = ["NETWORK_FORMATS", "write"]


def _flat(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are scalars, which GraphML and GEXF require."""
    H = nx.MultiDiGraph()
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: v for k, v in d.items() if isinstance(v, (str, int, float, bool))})
    for u, v, k, d in G.edges(keys=True, data=True):
        H.add_edge(u, v, key=k, relation=k, sources="; ".join(f"{f}:{line}" for f, line in d.get("sources", ())))
    return H


def write(G: nx.MultiDiGraph, path, fmt: str) -> None:
    """Write ``G`` for Gephi (``gexf``), Cytoscape (``graphml``) or D3 (``nodelink-json``).

    Examples
    --------
    >>> import json, os, tempfile
    >>> G = nx.MultiDiGraph(); _ = G.add_edge("a", "b", key="monitors", sources=[("77013.txt", 51)])
    >>> path = os.path.join(tempfile.mkdtemp(), "g.json")
    >>> write(G, path, "nodelink-json")
    >>> json.load(open(path))["links"][0]["sources"]
    '77013.txt:51'
    """
    try:
        writer = NETWORK_FORMATS[fmt]
    except KeyError:
        raise KGError(f"unknown network format {fmt!r}; choose one of {', '.join(NETWORK_FORMATS)}") from None
    writer(G, path)


def _write_nodelink(G, path) -> None:
    data = nx.node_link_data(_flat(G), edges="links")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)


NETWORK_FORMATS = {
    "graphml": lambda G, path: nx.write_graphml(_flat(G), path),
    "gexf": lambda G, path: nx.write_gexf(_flat(G), path),
    "nodelink-json": _write_nodelink,
}
"""``kg export --format`` choices for network tools -> writer."""
