"""Interactive HTML views of the graph: one self-contained page per view.

A view is drawn by `vis-network <https://visjs.github.io/vis-network/>`_ 9.1.2,
whose script and stylesheet are read at build time from the pinned ``pyvis``
package and inlined, so the page works offline and fetches nothing (its
Content-Security-Policy forbids it). The page has a legend whose checkboxes
filter node types and relations, a search box that focuses a code, and a side
panel that shows a clicked node's notation, label, code system, the documents
and lines it comes from, and its audit findings.

Briefing text reaches the page only as JSON data inside a
``<script type="application/json">`` element (with ``<``, ``>`` and ``&``
escaped) and is put on screen with ``textContent``, so a description such as
``<img src=x onerror=...>`` shows literally and runs nothing.

Layouts are computed in Python, not in the browser: a force-directed layout
(Pivot MDS, refined with a grid-approximated Fruchterman-Reingold) that
scales to tens of thousands of nodes, or a layered one for code-set
hierarchies. Above :data:`PHYSICS_THRESHOLD` nodes the page keeps those fixed
positions and vis-network's physics stays off, and the page draws itself by
level of detail (only what is on screen, batched by style; arrow heads and
labels once they are big enough to read). :func:`view_graph` writes no page
above :data:`MAX_NODES`; :func:`all_view` caps the whole graph to its
best-connected codes instead (:data:`kg.view.select.ALL_VIEW_NODES`).

The package has four parts, importing one way:

* :mod:`kg.view.select` picks what a view shows: :func:`ego_view`,
  :func:`all_view`, :func:`query_view` and :func:`audit_view`, and
  :func:`view`, which picks one of them for the CLI and notebooks. It is the
  only part that reads the store.
* :mod:`kg.view.page` renders any networkx graph as a :class:`View`
  (:func:`view_graph`); it knows no SPARQL.
* :mod:`kg.view.capping` picks what a capped view keeps (``--all``, ``--audit``); it reads no store either.
* :mod:`kg.view.layouts` computes the positions (:func:`layout`).

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", notation="77013", label="CT guidance", type="procedure", system="CPT")
>>> G.add_node("b", notation="C22.0", label="<b>Liver</b>", type="diagnosis", system="ICD10CM")
>>> G.add_edge("b", "a", key="indicationFor", sources=[("77013.txt", 41)])
'indicationFor'
>>> v = view_graph(G, title="two codes")
>>> v.node_count, v.edge_count, v.physics
(2, 1, True)
>>> "<b>Liver</b>" in v.html, "\\\\u003cb\\\\u003eLiver" in v.html
(False, True)
>>> v._repr_html_().startswith("<iframe")
True
"""

from kg.view.layouts import layout
from kg.view.page import (
    MAX_EDGES,
    MAX_NODES,
    NODE_STYLES,
    PHYSICS_THRESHOLD,
    RELATION_STYLES,
    View,
    view_graph,
)
from kg.view.select import all_view, audit_view, ego_view, query_view, view

__all__ = [
    "MAX_NODES",
    "MAX_EDGES",
    "NODE_STYLES",
    "PHYSICS_THRESHOLD",
    "RELATION_STYLES",
    "View",
    "all_view",
    "audit_view",
    "ego_view",
    "layout",
    "query_view",
    "view",
    "view_graph",
]
