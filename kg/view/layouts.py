"""Layouts for the views, computed in Python rather than in the browser.

A force-directed layout (Pivot MDS, refined with a grid-approximated
Fruchterman-Reingold) that scales to tens of thousands of nodes, and a
layered one for code-set hierarchies (``broader`` edges). Both take any
networkx graph and know nothing of the page or the store.

Examples
--------
>>> import networkx as nx
>>> pos = layout(nx.cycle_graph(6), seed=1)
>>> len(pos), all(p.shape == (2,) for p in pos.values())
(6, True)
>>> layout_positions(nx.path_graph(3)) == layout_positions(nx.path_graph(3))
True
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np

from kg.errors import KGError

__all__ = ["PIXELS_PER_UNIT", "WRAP_AT", "layout", "layout_positions"]

WRAP_AT = 30
"""A layered layout's level wider than this many nodes (or twice the square root of the node count) wraps."""

PIXELS_PER_UNIT = 100.0
"""Pixels per unit of a :func:`layout` (its ideal edge length) in :func:`layout_positions`."""


def layout_positions(G: nx.Graph, *, kind: str = "force", seed: int = 0) -> dict[str, tuple[float, float]]:
    """Pixel positions for the nodes of ``G``: ``force`` or ``layered`` (see :func:`layout`).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("C22.0", "C22", key="broader"); G.add_edge("C22.1", "C22", key="broader")
    'broader'
    'broader'
    >>> sorted(layout_positions(G, kind="layered").items())
    [('C22', (0, 300)), ('C22.0', (-50, 600)), ('C22.1', (50, 600))]
    """
    pos = layout(G, kind=kind, seed=seed)
    return {node: (round(float(x) * PIXELS_PER_UNIT), round(float(y) * PIXELS_PER_UNIT)) for node, (x, y) in pos.items()}


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
    nodes = sorted(G.nodes, key=str)
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = np.array([(index[u], index[v]) for u, v in G.edges() if u != v], dtype=np.int64).reshape(-1, 2)
    pairs = np.sort(pairs, axis=1)
    pairs = np.unique(pairs[:, 0] * n + pairs[:, 1]) if len(pairs) else np.zeros(0, dtype=np.int64)
    pairs = np.stack([pairs // n, pairs % n], 1)
    count, labels = _components(n, pairs)
    members = np.argsort(labels, kind="stable")  # each component's nodes, in notation order
    starts = np.searchsorted(labels[members], np.arange(count + 1))
    comps = sorted((members[starts[c]:starts[c + 1]] for c in range(count)), key=lambda m: (-len(m), int(m[0])))
    edge_order = np.argsort(labels[pairs[:, 0]], kind="stable")
    edge_starts = np.searchsorted(labels[pairs[edge_order, 0]], np.arange(count + 1))
    local = np.empty(n, dtype=np.int64)
    placed: list[tuple[list, np.ndarray]] = []
    small: list[list] = []
    for comp in comps:
        if len(comp) <= 2:
            small.append([nodes[i] for i in comp])
            continue
        c = labels[comp[0]]
        local[comp] = np.arange(len(comp))
        edges = local[pairs[edge_order[edge_starts[c]:edge_starts[c + 1]]]]
        placed.append(([nodes[i] for i in comp], _component_layout(len(comp), edges, seed)))
    if small:
        placed.append(_grid_of_small(small))
    return _pack(placed)


SCIPY_FROM = 2_000
"""Graphs of at least this many nodes are walked with SciPy's sparse graph routines; smaller ones in Python,
which gives the same components and hop counts without SciPy's half second of imports (an ego view's page)."""


def _components(n: int, pairs: np.ndarray) -> tuple[int, np.ndarray]:
    """``(count, labels)`` of the connected components of the undirected graph of ``n`` nodes and edge ``pairs``."""
    if n >= SCIPY_FROM:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        return connected_components(csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)),
                                    directed=False)
    adjacency = _adjacency(n, pairs)
    labels = np.full(n, -1, dtype=np.int64)
    count = 0
    for start in range(n):
        if labels[start] < 0:
            for i in np.flatnonzero(np.isfinite(_hops_from(adjacency, start))):
                labels[i] = count
            count += 1
    return count, labels


def _adjacency(n: int, pairs: np.ndarray) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for u, v in pairs.tolist():
        out[u].append(v)
        out[v].append(u)
    return out


def _hops_from(adjacency: list[list[int]], source: int) -> np.ndarray:
    """Hop counts from ``source`` by breadth-first search (``inf`` where it does not reach)."""
    dist = np.full(len(adjacency), np.inf)
    dist[source] = 0
    frontier, d = [source], 0
    seen = {source}
    while frontier:
        d += 1
        nxt = []
        for u in frontier:
            for v in adjacency[u]:
                if v not in seen:
                    seen.add(v)
                    nxt.append(v)
        if nxt:
            dist[nxt] = d
        frontier = nxt
    return dist


def _component_layout(n: int, edges: np.ndarray, seed: int) -> np.ndarray:
    if n >= SCIPY_FROM:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import shortest_path

        A = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
        hops = lambda i: shortest_path(A, directed=False, unweighted=True, indices=i)  # noqa: E731
    else:
        adjacency = _adjacency(n, edges)
        hops = lambda i: _hops_from(adjacency, i)  # noqa: E731
    pos = _pivot_mds(n, hops, seed=seed)
    return _refine(pos, edges, seed=seed, iterations=80 if n <= 5000 else 50)


def _pivot_mds(n: int, hops, *, pivots: int = 50, seed: int = 0) -> np.ndarray:
    k = min(pivots, n)
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(n))]
    D = np.empty((k, n))
    nearest = np.full(n, np.inf)
    for i in range(k):
        D[i] = hops(chosen[-1])
        nearest = np.minimum(nearest, D[i])
        if i + 1 < k:
            chosen.append(int(np.argmax(nearest)))  # max-min: spread the pivots over the graph
    C = (D**2).T
    C = -0.5 * (C - C.mean(0) - C.mean(1)[:, None] + C.mean())
    # the top two singular directions of C from its small k x k Gram matrix: C V = U S
    _, V = np.linalg.eigh(C.T @ C)
    pos = C @ V[:, ::-1][:, :2]
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
        # sum_j w_ij (p_i - c_j) = p_i * sum_j w_ij - W c: in float32
        p32 = pos.astype(np.float32)
        cx32, cy32 = cx.astype(np.float32), cy.astype(np.float32)
        dx, dy = p32[:, :1] - cx32[None, :], p32[:, 1:] - cy32[None, :]
        d2 = dx * dx
        d2 += dy * dy
        np.maximum(d2, np.float32(size * size), out=d2)
        w = mass[full].astype(np.float32)[None, :] / d2
        total = w.sum(1)
        disp[:, 0] += p32[:, 0] * total - np.einsum("ij,j->i", w, cx32)  # einsum: no BLAS threads
        disp[:, 1] += p32[:, 1] * total - np.einsum("ij,j->i", w, cy32)
        cell, _ = _grid_cells(pos, fine)
        wide = fine + 2  # a border of empty cells: every neighbour lookup lands in the grid
        cid = (cell[:, 0] + 1) * wide + cell[:, 1] + 1
        mass = np.bincount(cid, minlength=wide * wide).astype(float)
        sx = np.bincount(cid, pos[:, 0], wide * wide)
        sy = np.bincount(cid, pos[:, 1], wide * wide)
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                q = cid + (ox * wide + oy)
                m, X, Y = mass[q], sx[q], sy[q]
                if ox == 0 and oy == 0:  # the node's own cell, without the node
                    m, X, Y = m - 1, X - pos[:, 0], Y - pos[:, 1]
                per = np.maximum(m, 1.0)
                d = pos - np.stack([X / per, Y / per], 1)
                disp += d * (m / np.maximum((d * d).sum(1), 0.01))[:, None]
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

    wrap = max(WRAP_AT, int(np.ceil(np.sqrt(G.number_of_nodes()) * 2)))
    y = 0.0
    for lv in sorted(rows):
        row = sorted(rows[lv], key=place)
        y += 3.0 if lv >= 0 else 0.0
        for start in range(0, len(row), wrap):  # a wide level wraps onto several lines
            line = row[start:start + wrap]
            for i, n in enumerate(line):
                x[n] = i - (len(line) - 1) / 2 + (0.5 if (start // wrap) % 2 else 0.0)
                out[n] = np.array([x[n], y])
            y += 1.2
        y -= 1.2
    return out

