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
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import networkx as nx

from kg.errors import KGError
from kg.model import NODE_TYPES, RELATIONS
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

EDGE_LABEL_LIMIT = 60
"""Edges carry a visible relation label up to this many edges (always a hover text)."""

SOURCES_PER_NODE = 200
"""At most this many (document, line) pairs per node go into the page."""

VIS_VERSION = "9.1.2"
"""The vis-network build inlined into every page (shipped by pyvis 0.3.2)."""

NODE_STYLES: dict[str, dict[str, str]] = {
    **{t.name: {"color": t.color, "shape": t.shape} for t in NODE_TYPES.values()},
    "code": {"color": "#eab308", "shape": "hexagon"},
}
"""Node type -> vis-network colour and shape (from :data:`kg.model.NODE_TYPES`); ``code`` is any other node."""

RELATION_STYLES: dict[str, dict[str, object]] = {
    **{name: r.style for name, r in RELATIONS.items()},
    "broader": {"color": "#a16207", "width": 1, "dashes": [6, 3]},
    "ncciEdit": {"color": "#b91c1c", "width": 1.5, "dashes": [2, 4]},
}
"""Relation -> vis-network edge colour, width and dash pattern (from :data:`kg.model.RELATIONS`)."""

_OTHER_RELATION = {"color": "#94a3b8", "width": 1, "dashes": [3, 3]}
_FINDING_COLOR = "#dc2626"
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
) -> View:
    """Render a :func:`kg.network.project` graph (or any part of one) as a :class:`View`.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Nodes with ``notation``, ``label``, ``type``, ``system`` (and
        optionally ``sources`` and ``properties``); edges keyed by relation
        with ``sources``.
    title : str
        The page title (shown as text).
    findings : mapping, optional
        Node -> list of ``{"kind", "message", "severity"}`` dicts; those
        nodes get a red ring and ``⚠`` and the side panel lists them.
    physics : bool, optional
        vis-network physics; by default on up to :data:`PHYSICS_THRESHOLD`
        nodes, off above it.
    layout : {"auto", "force", "layered", None}
        Positions computed in Python: ``force`` (scales to large graphs),
        ``layered`` (for ``broader`` hierarchies), ``auto`` (layered when
        most edges are ``broader``), or ``None`` to let vis-network place
        the nodes (needs physics; slow above a few hundred nodes).
    focus : iterable of str
        Nodes to draw larger (the code an ego view is about).
    seed : int
        Seed of the layout, so that a view is reproducible.

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
    """
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
    if physics is None:
        physics = n <= PHYSICS_THRESHOLD
    if layout is None and not physics:
        raise KGError("a view without a computed layout needs physics to place its nodes; give layout='force'")
    positions = layout_positions(G, kind=layout, seed=seed) if layout else {}
    data = _page_data(G, positions, findings or {}, set(focus), physics=physics, title=title)
    page = _template().render(
        title=title,
        vis_version=VIS_VERSION,
        vis_js=_vis_asset("vis-network.min.js"),
        vis_css=_vis_asset("vis-network.css"),
        page_js=_own_asset("view.js"),
        page_css=_own_asset("view.css"),
        data=_script_json(data),
    )
    return View(page, title, n, m, physics, layout)


def _mostly_broader(G: nx.MultiDiGraph) -> bool:
    m = G.number_of_edges()
    return m > 0 and sum(1 for *_, k in G.edges(keys=True) if k == "broader") * 2 >= m


def _page_data(G, positions, findings, focus, *, physics: bool, title: str) -> dict:
    """The page's data. Sources are flat ``[file index, line, ...]`` lists into ``files`` and relations
    indices into ``relations``, which keeps a 10,000-node page small and quick to parse."""
    index = {node: i for i, node in enumerate(G.nodes)}
    files: dict[str, int] = {}

    def flat(sources) -> list[int]:
        out: list[int] = []
        for f, line in sources:
            out += (files.setdefault(str(f), len(files)), int(line))
        return out

    present_types: dict[str, int] = defaultdict(int)
    nodes = []
    for node, d in G.nodes(data=True):
        kind = d.get("type") or "code"
        if kind not in NODE_STYLES:
            kind = "code"
        present_types[kind] += 1
        item = {
            "id": index[node],
            "notation": str(d.get("notation") or _tail(node)),
            "label": str(d.get("label") or ""),
            "type": kind,
            "system": str(d.get("system") or ""),
            "iri": str(node),
        }
        srcs = d.get("sources")
        if srcs is None:
            srcs = {s for *_, e in G.in_edges(node, data=True) for s in e.get("sources", ())}
            srcs = sorted(srcs | {s for *_, e in G.out_edges(node, data=True) for s in e.get("sources", ())})
        srcs = list(srcs)
        if srcs:
            item["sources"] = flat(srcs[:SOURCES_PER_NODE])
        if len(srcs) > SOURCES_PER_NODE:
            item["moreSources"] = len(srcs) - SOURCES_PER_NODE
        if d.get("properties"):
            item["properties"] = [[str(p), str(v)] for p, v in d["properties"]]
        if node in findings:
            item["findings"] = [
                {"kind": str(f.get("kind", "")), "severity": str(f.get("severity", "")), "message": str(f.get("message", ""))}
                for f in findings[node]
            ]
        if node in focus:
            item["focus"] = True
        if node in positions:
            item["x"], item["y"] = positions[node]
        nodes.append(item)
    counts: dict[str, int] = defaultdict(int)
    for *_, k in G.edges(keys=True):
        counts[str(k)] += 1
    relations = _relation_order(counts)
    rel_index = {r: i for i, r in enumerate(relations)}
    edges = []
    for i, (u, v, k, d) in enumerate(G.edges(keys=True, data=True)):
        edge = {"id": i, "from": index[u], "to": index[v], "rel": rel_index[str(k)]}
        srcs = list(d.get("sources", ()))[:SOURCES_PER_NODE]
        if srcs:
            edge["sources"] = flat(srcs)
        if d.get("label"):  # an official edge's words (NCCI rule, context and release)
            edge["text"] = str(d["label"])
        edges.append(edge)
    _curve_parallel(edges)
    return {
        "title": title,
        "physics": physics,
        "positioned": bool(positions),
        "edgeLabels": len(edges) <= EDGE_LABEL_LIMIT,
        "large": len(nodes) > PHYSICS_THRESHOLD,
        "nodeTypes": [{"type": t, "count": present_types[t], **NODE_STYLES[t]} for t in NODE_STYLES if t in present_types],
        "relations": [{"relation": r, "count": counts[r], **RELATION_STYLES.get(r, _OTHER_RELATION)} for r in relations],
        "findingColor": _FINDING_COLOR,
        "files": list(files),
        "nodes": nodes,
        "edges": edges,
    }


def _relation_order(relations: Mapping[str, int]) -> list[str]:
    known = [r for r in RELATION_STYLES if r in relations]
    return known + sorted(r for r in relations if r not in RELATION_STYLES)


def _curve_parallel(edges: list[dict]) -> None:
    """Bend the second and later edges between the same two nodes (either direction) apart."""
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for e in edges:
        groups[(min(e["from"], e["to"]), max(e["from"], e["to"]))].append(e)
    for (a, _), group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (e["from"] != a, e["rel"]))
        for i, e in enumerate(group[1:], 1):
            clockwise = (i % 2 == 1) == (e["from"] == a)  # the same side whatever the edge's direction
            e["curve"] = {"type": "curvedCW" if clockwise else "curvedCCW", "roundness": round(0.2 * ((i + 1) // 2), 2)}


def _tail(iri: str) -> str:
    return str(iri).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _script_json(data: object) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` can close or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


@lru_cache(maxsize=None)
def _vis_asset(name: str) -> str:
    path = resources.files("pyvis") / "lib" / f"vis-{VIS_VERSION}" / name
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

