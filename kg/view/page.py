"""The page: a self-contained HTML view of a networkx graph.

:func:`view_graph` turns any :func:`kg.network.project` graph (or part of
one) into a :class:`View`. It knows nothing of the store or SPARQL:
:mod:`kg.view.select` decides which nodes to show and
:mod:`kg.view.layouts` where they go.

The page inlines vis-network :data:`VIS_VERSION` (read from the pinned
``pyvis`` package) and its own template, stylesheet and script
(``kg/view/templates/``, package data that the wheel ships). Briefing text
reaches it only as JSON inside a ``<script type="application/json">``
element with ``<``, ``>`` and ``&`` escaped.

Examples
--------
>>> G = nx.MultiDiGraph()
>>> G.add_edge("a", "b", key="indicationFor")
'indicationFor'
>>> v = view_graph(G, title="A & B")
>>> "<title>A &amp; B</title>" in v.html, v.layout
(True, 'force')
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

import networkx as nx

from kg.errors import KGError
from kg.view.data import EDGE_LABEL_LIMIT, NODE_STYLES, RELATION_STYLES, SOURCES_PER_NODE, _tail, page_data  # noqa: F401 (_tail: kg.view.select)
from kg.view.layouts import layout_positions

__all__ = [
    "EDGE_LABEL_LIMIT",
    "MAX_EDGES",
    "MAX_NODES",
    "NODE_STYLES",
    "PHYSICS_THRESHOLD",
    "RELATION_STYLES",
    "SOURCES_PER_NODE",
    "VIS_VERSION",
    "View",
    "view_graph",
]

PHYSICS_THRESHOLD = 200
"""Above this many nodes the page keeps the computed positions and physics is off."""

MAX_NODES = 20_000
"""No view is written above this many nodes: the browser could not use it."""

MAX_EDGES = 100_000
"""No view is written above this many edges."""

VIS_VERSION = "9.1.2"
"""The vis-network build inlined into every page (shipped by pyvis 0.3.2)."""

_TEMPLATES = resources.files("kg.view") / "templates"


# ---------------------------------------------------------------------------
# the View object


@dataclass(frozen=True)
class View:
    """A rendered view: a self-contained HTML page and what it shows.

    Displays inline in Jupyter, JupyterLab and VS Code (an ``<iframe>`` whose
    ``srcdoc`` is the page); nothing is written to disk unless :meth:`save`
    is called.

    The graph a view is made from (:func:`view_graph`; :mod:`kg.view.select`
    builds it) carries, besides the node keys ``notation``, ``label``,
    ``type``, ``system``, ``sources`` and ``properties`` and the edge key and
    ``sources``, these optional fields (absent on graphs made elsewhere):

    * edge ``relation``: the edge's key; ``layer``: its
      :data:`kg.model.LAYERS` name (``briefing``, ``ncci``, ``addon``,
      ``excludes``, ``hierarchy``, ``ccsr``, ``hcc``); ``label``: an official
      edge's words ("NCCI: mutually exclusive procedures, modifier indicator
      0 (not allowed) — practitioner 2024Q3"), never an IRI. Styles of every
      key: :func:`kg.model.edge_style`.
    * node ``attributes``: ``[(what, value), ...]`` for the details panel:
      the code's modifiers, specialties, payers and sites of service (an ego
      view lists them for every code; it draws only the centre's as nodes) and, with layer
      ``mue``, its MUE ("MUE 1 unit, MAI 2: date of service edit, policy —
      practitioner 2024Q3"). ``attribute_nodes``: those same attributes as
      ``(relation, node IRI)`` pairs, for a legend switch that draws them.
    * graph ``layers``: the layers the view was read over; ``centre``: an
      ego view's code.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("d", notation="C22.0"); G.add_node("p", notation="77013")
    >>> _ = G.add_edge("d", "p", key="indicationFor", sources=[("77013.txt", 41)])
    >>> v = view_graph(G, title="77013 and C22.0")
    >>> v, v.physics, v._repr_html_().startswith("<iframe srcdoc=")
    (<View '77013 and C22.0': 2 nodes, 1 edges>, True, True)
    """

    html: str
    title: str
    node_count: int
    edge_count: int
    physics: bool
    layout: str | None
    data: dict = field(default_factory=dict, repr=False, compare=False)
    """What the page draws (nodes, edges, styles, vis-network options): what :meth:`to_pyvis` reads."""

    def to_pyvis(self):
        """The same view as a :class:`pyvis.network.Network`, for customising with pyvis.

        Same nodes (ids, labels, tooltips, positions, colours and shapes),
        edges (colours, widths, dashes, curves, tooltips) and vis-network
        options (physics, groups, interaction). pyvis's own ``show`` and
        ``write_html`` fetch vis-network from a CDN; :meth:`save` writes kg's
        self-contained page, which needs no network.

        Examples
        --------
        >>> G = nx.MultiDiGraph()
        >>> G.add_node("a", notation="77013", type="procedure"); G.add_node("b", notation="C22.0", type="diagnosis")
        >>> _ = G.add_edge("b", "a", key="indicationFor")
        >>> net = view_graph(G, title="two").to_pyvis()
        >>> len(net.nodes), len(net.edges), net.nodes[0]["label"], net.edges[0]["title"].split(chr(10))[0]
        (2, 1, '77013', 'C22.0 —indication for→ 77013')
        """
        from kg.view.topyvis import to_pyvis

        return to_pyvis(self)

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path.

        Examples
        --------
        >>> import tempfile
        >>> G = nx.MultiDiGraph()
        >>> G.add_node("a", notation="77013")
        >>> path = view_graph(G, title="one code").save(Path(tempfile.mkdtemp()) / "one.html")
        >>> path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        True
        """
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title, quote=True)}" '
            'sandbox="allow-scripts" style="width:100%;height:640px;border:1px solid #ddd" loading="lazy"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<View {self.title!r}: {self.node_count} nodes, {self.edge_count} edges>"


# ---------------------------------------------------------------------------
# building a page from a graph


def view_graph(
    G: nx.MultiDiGraph,
    *,
    title: str,
    findings: Mapping[str, list[dict]] | None = None,
    physics: bool | None = None,
    layout: str | None = "auto",
    focus: Iterable[str] = (),
    seed: int = 0,
    attribute_nodes: bool = False,
) -> View:
    """Render a :func:`kg.network.project` graph (or any part of one, or any networkx graph) as a :class:`View`.

    Parameters
    ----------
    G : networkx.MultiDiGraph or any networkx graph
        Nodes with ``notation``, ``label``, ``type``, ``system`` (and
        optionally ``sources``, ``properties`` and ``attributes``, lines for
        the details panel); edges keyed by relation with ``sources`` (and
        optionally ``layer`` and ``label``, the edge's words). A graph that
        is not a MultiDiGraph is drawn with each edge's ``relation``
        attribute as its relation (``relatedTo`` without one).
    title : str
        The page title (shown as text).
    findings : mapping, optional
        Node -> list of ``{"kind", "message", "severity"}`` dicts; those
        nodes get a red ring and ``⚠`` and the side panel lists them.
    physics : bool, optional
        vis-network physics; by default on up to :data:`PHYSICS_THRESHOLD`
        nodes, off above it and for a layered layout.
    layout : {"auto", "force", "layered", None}
        Positions computed in Python: ``force`` (scales to large graphs),
        ``layered`` (for ``broader`` hierarchies), ``auto`` (layered when
        most edges are ``broader``), or ``None`` to let vis-network place
        the nodes (needs physics; slow above a few hundred nodes).
    focus : iterable of str
        Nodes to draw larger (the code an ego view is about).
    seed : int
        Seed of the layout, so that a view is reproducible.
    attribute_nodes : bool
        Draw modifiers, specialties, payers and sites as nodes from the
        start; by default they are listed in their code's details panel and
        the legend's switch draws them.

    Raises
    ------
    KGError
        Above :data:`MAX_NODES` nodes or :data:`MAX_EDGES` edges, with a
        suggestion for a narrower view.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("p", "q", key="monitors"); G.add_edge("p", "q", key="relatedTo")
    'monitors'
    'relatedTo'
    >>> view_graph(G, title="parallel").edge_count
    2
    >>> view_graph(nx.path_graph(3), title="any graph").data["relations"][0]["relation"]
    'relatedTo'
    """
    G = _canonical(_as_multidigraph(G))
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n > MAX_NODES or m > MAX_EDGES:
        raise KGError(
            f"this view would hold {n} nodes and {m} edges, more than a browser can draw usefully "
            f"(at most {MAX_NODES} nodes and {MAX_EDGES} edges); narrow it: 'kg view CODE --depth 2', "
            "'kg view --all' without --hierarchies, or 'kg view --query NAME' / '--sparql FILE' for a subgraph"
        )
    if layout == "auto":
        layout = "layered" if _mostly_broader(G) else "force"
    if layout not in ("force", "layered", None):
        raise KGError(f"unknown layout {layout!r}; use auto, force, layered or None")
    if physics is None:  # a layered hierarchy keeps its rows
        physics = n <= PHYSICS_THRESHOLD and layout != "layered"
    if layout is None and not physics:
        raise KGError("a view without a computed layout needs physics to place its nodes; give layout='force'")
    positions = layout_positions(G, kind=layout, seed=seed) if layout else {}
    data = page_data(G, positions, findings, focus, physics=physics, title=title, large=n > PHYSICS_THRESHOLD,
                     attribute_nodes=attribute_nodes)
    data["options"] = vis_options(data)
    page = _template().render(
        title=title,
        vis_version=VIS_VERSION,
        vis_js=_vis_asset("vis-network.min.js"),
        vis_css=_vis_asset("vis-network.css"),
        page_js=_own_asset("view.js"),
        page_css=_own_asset("view.css"),
        data=_script_json(data),
    )
    return View(page, title, n, m, physics, layout, data)


def _canonical(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G`` with its nodes and edges in one order, whatever order they were added in (by node, then by both
    ends and relation), and set-valued ``sources`` as sorted lists: the same graph gives the same layout and
    the same page, byte for byte, in every process (set iteration order changes with ``PYTHONHASHSEED``).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("b", "a", key="monitors", sources={("y.txt", 2), ("x.txt", 9)})
    'monitors'
    >>> H = _canonical(G)
    >>> list(H.nodes), list(H.edges(keys=True, data="sources"))
    (['a', 'b'], [('b', 'a', 'monitors', [('x.txt', 9), ('y.txt', 2)])])
    """
    def tidy(d: Mapping) -> dict:
        d = dict(d)
        if isinstance(d.get("sources"), (set, frozenset)):
            d["sources"] = sorted(d["sources"], key=lambda s: tuple(map(str, s)) if isinstance(s, tuple) else (str(s),))
        return d

    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from((n, tidy(G.nodes[n])) for n in sorted(G.nodes, key=str))
    H.add_edges_from((u, v, k, tidy(d)) for u, v, k, d in
                     sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))))
    return H


def _as_multidigraph(G) -> nx.MultiDiGraph:
    """``G`` itself if it is a MultiDiGraph, else a MultiDiGraph keyed by each edge's ``relation`` (or ``relatedTo``)."""
    if isinstance(G, nx.MultiDiGraph):
        return G
    if not isinstance(G, nx.Graph):
        raise KGError(f"a view draws a networkx graph, not {type(G).__name__}")
    H = nx.MultiDiGraph()
    H.add_nodes_from(G.nodes(data=True))
    H.graph.update(G.graph)
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    for u, v, k, d in edges:
        rel = d.get("relation") or (k if isinstance(k, str) else None) or "relatedTo"
        H.add_edge(u, v, key=str(rel), **{a: x for a, x in d.items() if a != "relation"})
    return H


def vis_options(data: Mapping) -> dict:
    """The vis-network options of a page from its :func:`kg.view.data.page_data`: groups, fonts, physics, interaction.

    The page and :meth:`View.to_pyvis` both use them. Physics (on small
    views) is Barnes-Hut with springs long enough for a code's label, and a
    short stabilisation when kg computed the positions.

    Examples
    --------
    >>> opts = vis_options({"nodeTypes": [], "physics": False, "large": True, "positioned": True, "nodes": []})
    >>> opts["physics"], opts["interaction"]["hideEdgesOnDrag"]
    ({'enabled': False}, True)
    """
    groups = {t["type"]: {"shape": t["shape"], "color": {"background": t["color"], "border": t["color"],
                                                          "highlight": {"background": t["color"], "border": "#111827"},
                                                          "hover": {"background": t["color"], "border": "#111827"}}}
              for t in data["nodeTypes"]}
    if "more" in groups:
        groups["more"].update(font={"size": 12, "color": "#334155"}, margin=6)
    n = max(1, len(data["nodes"]))
    iterations = max(80, min(1000, round(20000 / n))) if data["positioned"] else 1000
    return {
        "groups": groups,
        "nodes": {"size": 11, "borderWidth": 1,
                  "font": {"size": 13, "face": "system-ui, Arial, sans-serif", "color": "#111827",
                           "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": False, "selectionWidth": 2,
                  "font": {"size": 10, "align": "middle", "color": "#374151", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": not data["large"], "tooltipDelay": 150, "hideEdgesOnDrag": data["large"],
                        "hideEdgesOnZoom": data["large"], "navigationButtons": False, "keyboard": False,
                        "multiselect": False},
        "physics": {"enabled": True, "solver": "barnesHut",
                    # springs long enough for a code's label; damped, so that a dense view settles in a second
                    "barnesHut": {"gravitationalConstant": -3000, "springLength": 120, "avoidOverlap": 0.2,
                                  "damping": 0.3},
                    "minVelocity": 1,
                    "stabilization": {"enabled": True, "iterations": iterations, "fit": True}}
        if data["physics"] else {"enabled": False},
    }


def _mostly_broader(G: nx.MultiDiGraph) -> bool:
    m = G.number_of_edges()
    return m > 0 and sum(1 for *_, k in G.edges(keys=True) if k == "broader") * 2 >= m


def _script_json(data: object) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` can close or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


@lru_cache(maxsize=None)
def _vis_asset(name: str) -> str:
    # found, not imported: pyvis's __init__ imports its Network and IPython (0.13 s of every page's start-up)
    spec = find_spec("pyvis")
    where = spec.submodule_search_locations if spec is not None else None
    path = Path(where[0] if where else "pyvis") / "lib" / f"vis-{VIS_VERSION}" / name
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as err:
        raise KGError(
            f"vis-network {VIS_VERSION} is missing ({path}); install the pinned pyvis: pip install 'pyvis==0.3.2'"
        ) from err
    return _inlineable(text, name)


@lru_cache(maxsize=None)
def _own_asset(name: str) -> str:
    return _inlineable((_TEMPLATES / name).read_text(encoding="utf-8"), name)


def _inlineable(text: str, name: str) -> str:
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered:
        raise KGError(f"{name} contains a closing </script> or </style> tag and cannot be inlined")
    return text


@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string((_TEMPLATES / "view.html").read_text(encoding="utf-8"))

