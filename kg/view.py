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

Layouts are computed here, not in the browser: a force-directed layout
(Pivot MDS, refined with a grid-approximated Fruchterman-Reingold) that
scales to tens of thousands of nodes, or a layered one for code-set
hierarchies. Above :data:`PHYSICS_THRESHOLD` nodes the page keeps those fixed
positions and vis-network's physics stays off; above :data:`MAX_NODES` no
page is written and the error suggests a narrower view.

Plain functions build views from a :mod:`kg.network` projection:
:func:`view_graph` (any graph), :func:`ego_view`, :func:`all_view`,
:func:`query_view` and :func:`audit_view`; :func:`view` picks one of them
for the CLI and notebooks.

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
import numpy as np

from kg.errors import KGError
from kg.model import NODE_TYPES, RELATIONS
from kg.vocab import class_iri

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
}
"""Relation -> vis-network edge colour, width and dash pattern (from :data:`kg.model.RELATIONS`)."""

_OTHER_RELATION = {"color": "#94a3b8", "width": 1, "dashes": [3, 3]}
_FINDING_COLOR = "#dc2626"
_PX = 100.0  # pixels per unit of the layout (its ideal edge length)
from kg.audit import AUDIT_GRAPH as _AUDIT_GRAPH  # noqa: E402


# ---------------------------------------------------------------------------
# the View object


@dataclass(frozen=True)
class View:
    """A rendered view: a self-contained HTML page and what it shows.

    Displays inline in Jupyter, JupyterLab and VS Code (an ``<iframe>`` whose
    ``srcdoc`` is the page); nothing is written to disk unless :meth:`save`
    is called.
    """

    html: str
    title: str
    node_count: int
    edge_count: int
    physics: bool
    layout: str | None

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
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
    return _inlineable((resources.files("kg") / "templates" / name).read_text(encoding="utf-8"), name)


def _inlineable(text: str, name: str) -> str:
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered:
        raise KGError(f"{name} contains a closing </script> or </style> tag and cannot be inlined")
    return text


@lru_cache(maxsize=1)
def _template():
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string((resources.files("kg") / "templates" / "view.html").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# layout


def layout_positions(G: nx.Graph, *, kind: str = "force", seed: int = 0) -> dict[str, tuple[float, float]]:
    """Pixel positions for the nodes of ``G``: ``force`` or ``layered`` (see :func:`layout`)."""
    pos = layout(G, kind=kind, seed=seed)
    return {node: (round(float(x) * _PX), round(float(y) * _PX)) for node, (x, y) in pos.items()}


def layout(G: nx.Graph, *, kind: str = "force", seed: int = 0) -> dict[str, np.ndarray]:
    """A 2-D layout of ``G`` whose ideal edge length is 1, fast enough for 20,000 nodes.

    ``force`` lays out each connected component with Pivot MDS (Brandes and
    Pich: classical scaling of the hop distances to 50 pivots), refines it
    with Fruchterman-Reingold forces whose repulsion is approximated on two
    grids (linear time per iteration), and packs the components in rows.
    ``layered`` puts a ``broader`` hierarchy in rows by depth, each row
    ordered by its parents' places; nodes outside the hierarchy go above.

    Examples
    --------
    >>> pos = layout(nx.path_graph(4))
    >>> sorted(pos) == [0, 1, 2, 3]
    True
    >>> 0.3 < float(np.linalg.norm(pos[0] - pos[1])) < 3
    True
    """
    if kind == "layered":
        return _layered(G)
    if kind != "force":
        raise KGError(f"unknown layout {kind!r}; use force or layered")
    U = nx.Graph()
    U.add_nodes_from(G)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    placed: list[tuple[list, np.ndarray]] = []
    small: list[list] = []
    for comp in sorted(nx.connected_components(U), key=lambda c: (-len(c), sorted(map(str, c))[0])):
        nodes = sorted(comp, key=str)
        if len(nodes) <= 2:
            small.append(nodes)
            continue
        placed.append((nodes, _component_layout(U, nodes, seed)))
    if small:
        placed.append(_grid_of_small(small))
    return _pack(placed)


def _component_layout(U: nx.Graph, nodes: list, seed: int) -> np.ndarray:
    from scipy.sparse import csr_matrix

    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges = np.array([(index[u], index[v]) for u, v in U.subgraph(nodes).edges()], dtype=np.int64).reshape(-1, 2)
    A = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    pos = _pivot_mds(A, seed=seed)
    return _refine(pos, edges, seed=seed, iterations=80 if n <= 5000 else 50)


def _pivot_mds(A, *, pivots: int = 50, seed: int = 0) -> np.ndarray:
    from scipy.sparse.csgraph import shortest_path

    n = A.shape[0]
    k = min(pivots, n)
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(n))]
    D = np.empty((k, n))
    nearest = np.full(n, np.inf)
    for i in range(k):
        D[i] = shortest_path(A, directed=False, unweighted=True, indices=chosen[-1])
        nearest = np.minimum(nearest, D[i])
        if i + 1 < k:
            chosen.append(int(np.argmax(nearest)))  # max-min: spread the pivots over the graph
    C = (D**2).T
    C = -0.5 * (C - C.mean(0) - C.mean(1)[:, None] + C.mean())
    U, S, _ = np.linalg.svd(C, full_matrices=False)
    pos = U[:, :2] * S[:2]
    if pos.shape[1] < 2:
        pos = np.hstack([pos, np.zeros((n, 2 - pos.shape[1]))])
    return pos


def _grid_cells(pos: np.ndarray, cells: int) -> tuple[np.ndarray, float]:
    low = pos.min(0)
    extent = max(float((pos.max(0) - low).max()), 1e-9)
    size = extent / cells * (1 + 1e-9)
    return np.minimum(np.floor((pos - low) / size).astype(np.int64), cells - 1), size


def _refine(pos: np.ndarray, edges: np.ndarray, *, seed: int, iterations: int) -> np.ndarray:
    """Fruchterman-Reingold with ideal distance 1; repulsion from a coarse grid (far) and a fine one (near)."""
    n = len(pos)
    rng = np.random.default_rng(seed)
    side = np.sqrt(n)
    extent = max(float((pos.max(0) - pos.min(0)).max()), 1e-9)
    pos = (pos - pos.mean(0)) / extent * side + rng.normal(0, 0.3, pos.shape)  # jitter splits equal MDS points
    i, j = edges[:, 0], edges[:, 1]
    fine = max(1, int(np.sqrt(n) / 1.5))
    coarse = max(1, int(np.sqrt(n) / 8))
    t = side / 8
    for _ in range(iterations):
        disp = np.zeros_like(pos)
        cell, size = _grid_cells(pos, coarse)
        cid = cell[:, 0] * coarse + cell[:, 1]
        mass = np.bincount(cid, minlength=coarse * coarse).astype(float)
        full = mass > 0
        cx = np.bincount(cid, pos[:, 0], coarse * coarse)[full] / mass[full]
        cy = np.bincount(cid, pos[:, 1], coarse * coarse)[full] / mass[full]
        dx, dy = pos[:, :1] - cx[None, :], pos[:, 1:] - cy[None, :]
        w = mass[full][None, :] / np.maximum(dx * dx + dy * dy, size * size)
        disp[:, 0] += (w * dx).sum(1)
        disp[:, 1] += (w * dy).sum(1)
        cell, _ = _grid_cells(pos, fine)
        cid = cell[:, 0] * fine + cell[:, 1]
        mass = np.bincount(cid, minlength=fine * fine).astype(float)
        sx = np.bincount(cid, pos[:, 0], fine * fine)
        sy = np.bincount(cid, pos[:, 1], fine * fine)
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                qx, qy = cell[:, 0] + ox, cell[:, 1] + oy
                inside = (qx >= 0) & (qx < fine) & (qy >= 0) & (qy < fine)
                q = np.where(inside, qx * fine + qy, 0)
                m = np.where(inside, mass[q], 0.0)
                X, Y = np.where(inside, sx[q], 0.0), np.where(inside, sy[q], 0.0)
                if ox == 0 and oy == 0:  # the node's own cell, without the node
                    m, X, Y = m - 1, X - pos[:, 0], Y - pos[:, 1]
                some = m > 0
                per = np.where(some, m, 1.0)
                d = pos - np.stack([X / per, Y / per], 1)
                disp += d * (np.where(some, m, 0.0) / np.maximum((d * d).sum(1), 0.01))[:, None]
        if len(edges):
            d = pos[i] - pos[j]
            f = d * np.sqrt((d * d).sum(1))[:, None]
            disp[:, 0] -= np.bincount(i, f[:, 0], n) - np.bincount(j, f[:, 0], n)
            disp[:, 1] -= np.bincount(i, f[:, 1], n) - np.bincount(j, f[:, 1], n)
        length = np.maximum(np.sqrt((disp * disp).sum(1)), 1e-9)
        pos = pos + disp * (np.minimum(length, t) / length)[:, None]
        t = max(t * 0.95, 0.02)
    return pos - pos.min(0)


def _grid_of_small(groups: list[list]) -> tuple[list, np.ndarray]:
    cols = max(1, int(np.ceil(np.sqrt(len(groups)))))
    nodes, pos = [], []
    for k, group in enumerate(groups):
        r, c = divmod(k, cols)
        for offset, node in enumerate(group):
            nodes.append(node)
            pos.append((c * 2.0 + offset * 1.0, r * 1.5 + offset * 0.5))
    return nodes, np.array(pos, dtype=float)


def _pack(placed: list[tuple[list, np.ndarray]]) -> dict:
    """Shelf-pack the components' boxes into rows about as wide as the total area is tall."""
    gap = 2.0
    boxes = [(nodes, pos - pos.min(0)) for nodes, pos in placed]
    area = sum((p.max(0)[0] + gap) * (p.max(0)[1] + gap) for _, p in boxes)
    width = max([np.sqrt(area)] + [p.max(0)[0] for _, p in boxes])
    out: dict = {}
    x = y = row = 0.0
    for nodes, pos in boxes:
        w, h = pos.max(0)
        if x > 0 and x + w > width:
            x, y, row = 0.0, y + row + gap, 0.0
        for node, (px, py) in zip(nodes, pos):
            out[node] = np.array([x + px, y + py])
        x += w + gap
        row = max(row, h)
    return out


def _layered(G: nx.Graph) -> dict:
    parents: dict = defaultdict(list)
    children: dict = defaultdict(list)
    for u, v, k in G.edges(keys=True) if G.is_multigraph() else ((u, v, "broader") for u, v in G.edges()):
        if k == "broader" and u != v:
            parents[u].append(v)
            children[v].append(u)
    in_tree = set(parents) | set(children)
    level: dict = {}
    frontier = sorted((n for n in in_tree if n not in parents), key=str)
    for n in frontier:
        level[n] = 0
    depth = 0
    while frontier:
        depth += 1
        nxt = []
        for n in frontier:
            for c in children[n]:
                if c not in level:
                    level[c] = depth
                    nxt.append(c)
        frontier = nxt
    for n in in_tree:  # cycles without a root
        level.setdefault(n, 0)
    rows: dict[int, list] = defaultdict(list)
    for n in G.nodes:
        rows[level.get(n, -1)].append(n)
    x: dict = {}
    out: dict = {}
    def place(n) -> tuple[float, str]:  # under its parents, then by notation
        above = [x[p] for p in parents[n] if p in x]
        return (float(np.mean(above)) if above else 0.0, str(G.nodes[n].get("notation", n)))

    for lv in sorted(rows):
        row = sorted(rows[lv], key=place)
        for i, n in enumerate(row):
            x[n] = i - (len(row) - 1) / 2
            out[n] = np.array([x[n], (lv + 1) * 3.0])
    return out


# ---------------------------------------------------------------------------
# the views


def ego_view(store, code: str, depth: int = 1, *, physics: bool | None = None) -> View:
    """The codes within ``depth`` hops of ``code`` (any code system) and the edges among them.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store, build
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> v = ego_view(store, "C22.0")
    >>> v.node_count, v.edge_count
    (2, 1)
    """
    from kg.network import neighbours, node_for, project

    G = project(store)
    centre = node_for(G, code)
    H = neighbours(G, centre, depth=depth)
    _attach_sources(G, H)
    name = G.nodes[centre].get("notation", code)
    return view_graph(H, title=f"{name}: codes within {depth} hop{'s' if depth != 1 else ''}",
                      findings=_findings(store), physics=physics, focus=[centre])


def all_view(store, hierarchies: bool = False, *, physics: bool | None = None) -> View:
    """The whole briefing graph; with ``hierarchies``, also the code sets' ``broader`` edges.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> all_view(open_store(tempfile.mkdtemp())).node_count
    0
    """
    from kg.network import project

    G = project(store, hierarchies=hierarchies)
    title = "All briefings" + (" with code-set hierarchies" if hierarchies else "")
    return view_graph(G, title=title, findings=_findings(store), physics=physics)


def query_view(store, query: str, /, *, source: str = "<sparql>", physics: bool | None = None, **params) -> View:
    """The subgraph a named query or SPARQL text returns.

    ``query`` is a named query (``kg queries``) whose ``params`` are bound as
    for :func:`kg.query.run`, or SPARQL text. A CONSTRUCT result becomes a
    graph of its triples (IRI objects are edges; literals and ``rdf:type``
    are node details). For a SELECT result the view shows the codes the
    rows name (IRI cells, and plain-string cells equal to one code's
    notation), the codes bound to ``code`` parameters, and the projection's
    edges among them.

    Raises
    ------
    QueryError
        For an unknown query, bad parameters or SPARQL syntax.
    KGError
        For an ASK query, or a result that names no code.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store, build
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> v = query_view(store, "monitors", code="77013")
    >>> v.node_count, v.edge_count
    (2, 1)
    """
    from kg.network import project
    from kg.query import bind, get, named_queries, run, run_sparql

    G = project(store)
    focus: list[str] = []
    if query in named_queries():
        results = run(store, query, **params)
        for terms in bind(get(query), params).values():
            focus += [t.value for t in terms if t.value in G]
        title = f"{query} " + " ".join(f"{k}={v}" for k, v in params.items())
    else:
        if params:
            raise KGError(f"parameters ({', '.join(params)}) work with named queries only")
        results = run_sparql(store, query, source=source)
        title = f"SPARQL {source}"
    if results.boolean is not None:
        raise KGError(f"{source if query not in named_queries() else query}: an ASK query has no graph to show; "
                      "use CONSTRUCT or SELECT")
    if results.triples is not None:
        H = _construct_graph(results.triples, G)
    else:
        H = _select_graph(results, G, focus)
    if H.number_of_nodes() == 0:
        raise KGError(f"{title.strip()}: the result names no code, so there is nothing to draw")
    _attach_sources(G, H)
    return view_graph(H, title=title.strip(), findings=_findings(store), physics=physics, focus=focus)


def audit_view(store, *, physics: bool | None = None) -> View:
    """The audit findings on the graph: every code with a finding (red ring) and its neighbours.

    Neighbours are taken over code relations, modifiers and specialties, not
    payers and sites, which join everything to everything.

    Raises
    ------
    KGError
        If the store holds no audit findings.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> audit_view(open_store(tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    kg.errors.KGError: the store holds no audit findings (graph <https://w3id.org/codekg/audit>); run the audit first
    """
    from kg.network import project

    findings = _findings(store)
    if not findings:
        raise KGError(f"the store holds no audit findings (graph <{_AUDIT_GRAPH}>); run the audit first")
    G = project(store)
    keep = set()
    for code in findings:
        if code not in G:
            G.add_node(code, notation=_tail(code), label="", type="code", system="")
        keep.add(code)
        for _, other, k in G.out_edges(code, keys=True):
            if k not in ("coveredByPayer", "siteOfService"):
                keep.add(other)
        for other, _, k in G.in_edges(code, keys=True):
            if k not in ("coveredByPayer", "siteOfService"):
                keep.add(other)
    H = G.subgraph(keep).copy()
    _attach_sources(G, H)
    total = sum(len(f) for f in findings.values())
    codes = len(findings)
    return view_graph(H, title=f"Audit: {total} finding{'s' if total != 1 else ''} on {codes} code{'s' if codes != 1 else ''}",
                      findings=findings, physics=physics, focus=list(findings))


def view(
    store,
    code: str | None = None,
    *,
    depth: int = 1,
    all: bool = False,  # noqa: A002 - mirrors `kg view --all`
    hierarchies: bool = False,
    query: str | None = None,
    sparql: str | None = None,
    audit: bool = False,
    params: Mapping[str, str] | None = None,
    physics: bool | None = None,
    source: str = "<sparql>",
) -> View:
    """One view of the store: around ``code``, ``all``, a ``query`` or ``sparql`` result, or the ``audit``.

    Give exactly one of them. In a notebook the returned :class:`View`
    displays inline; ``.save(path)`` writes the page.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store, build
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> view(store, "77013", depth=1).title
    '77013: codes within 1 hop'
    >>> view(store, query="monitors", params={"code": "77013"}).node_count
    4
    """
    chosen = [name for name, given in (("CODE", code is not None), ("all", all), ("query", query is not None),
                                       ("sparql", sparql is not None), ("audit", audit)) if given]
    if len(chosen) != 1:
        raise KGError("give exactly one of a CODE, all, query, sparql or audit"
                      + (f" (got {', '.join(chosen)})" if chosen else ""))
    if hierarchies and not all:
        raise KGError("hierarchies go with the whole-graph view (kg view --all --hierarchies)")
    if params and query is None:
        raise KGError("parameters work with a named query only (kg view --query NAME -p code=...)")
    if code is not None:
        return ego_view(store, code, depth, physics=physics)
    if all:
        return all_view(store, hierarchies, physics=physics)
    if query is not None:
        return query_view(store, query, physics=physics, **dict(params or {}))
    if sparql is not None:
        return query_view(store, sparql, source=source, physics=physics)
    return audit_view(store, physics=physics)


# ---------------------------------------------------------------------------
# reading the graph for the views


def _attach_sources(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Give each node of ``H`` the documents and lines of all its edges in ``G``, not only those in view."""
    for node in H.nodes:
        if node in G:
            srcs = {s for *_, d in G.in_edges(node, data=True) for s in d.get("sources", ())}
            srcs |= {s for *_, d in G.out_edges(node, data=True) for s in d.get("sources", ())}
            if srcs or "sources" not in H.nodes[node]:
                H.nodes[node]["sources"] = sorted(srcs | set(H.nodes[node].get("sources", ())))


def _findings(store) -> dict[str, list[dict]]:
    """Audit findings by code IRI, most severe first (from :func:`kg.audit.read_findings`)."""
    from kg.audit import read_findings

    return read_findings(store)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
_LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")


def _construct_graph(triples, G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    import pyoxigraph as ox

    from kg.query import compact

    types = {class_iri(name): name for name in NODE_TYPES}

    H = nx.MultiDiGraph()

    def node(term) -> str:
        key = term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"
        if key not in H:
            base = dict(G.nodes[key]) if key in G else {"notation": "", "label": "", "type": "code", "system": ""}
            base.pop("sources", None)
            H.add_node(key, **base, properties=[])
        return key

    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, (ox.NamedNode, ox.BlankNode)):
            continue
        sk = node(s)
        attrs = H.nodes[sk]
        if p == _RDF_TYPE and isinstance(o, ox.NamedNode):
            if o.value in types and attrs["type"] == "code":
                attrs["type"] = types[o.value]
            attrs["properties"].append(("rdf:type", compact(o)))
        elif isinstance(o, ox.Literal):
            if p == _NOTATION and not attrs["notation"]:
                attrs["notation"] = o.value
            elif p in _LABELS and not attrs["label"]:
                attrs["label"] = o.value
            attrs["properties"].append((compact(t.predicate), o.value))
        elif isinstance(o, (ox.NamedNode, ox.BlankNode)):
            ok = node(o)
            rel = compact(t.predicate)
            rel = rel[3:] if rel.startswith("kg:") else rel
            rel = "broader" if rel == "skos:broader" else rel
            H.add_edge(sk, ok, key=rel, relation=rel, sources=[])
    for n, d in H.nodes(data=True):
        if not d["notation"]:
            d["notation"] = compact(ox.NamedNode(n)) if not n.startswith("_:") else n
    return H


def _select_graph(results, G: nx.MultiDiGraph, focus: list[str]) -> nx.MultiDiGraph:
    import pyoxigraph as ox

    by_notation: dict[str, list[str]] = defaultdict(list)
    for n, notation in G.nodes(data="notation"):
        by_notation[notation].append(n)
    keep = set(focus)
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    for row in results.rows:
        for term in row:
            if isinstance(term, ox.NamedNode) and term.value in G:
                keep.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype.value == xsd_string and not term.language:
                hits = by_notation.get(term.value, ())
                if len(hits) == 1:  # an ambiguous notation names no code for sure
                    keep.add(hits[0])
    return G.subgraph(keep).copy()
