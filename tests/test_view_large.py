"""Large views in headless Chromium: what kg's level-of-detail drawing draws, and the capped whole-graph view.

A view of more than :data:`kg.view.PHYSICS_THRESHOLD` nodes draws itself
(``drawLarge`` in ``kg/view/templates/view.js``): only the nodes and edges on
screen, arrow heads and labels once they are large enough to read. Each frame
leaves its counts in ``kgNetwork.kgFrame``; these tests check them, and the
pixels, against what the positions say should be on screen.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from kg.errors import KGError
from kg.network import project
from kg.view import all_view, view, view_graph
from tests.test_view import browser, open_view, synthetic  # noqa: F401 (fixtures)

ON_SCREEN = """(margin) => {
  // the loaded, shown nodes whose centres are inside the canvas (grown by margin pixels), by vis-network's positions
  const net = kgNetwork, c = net.canvas.frame.canvas;
  const a = net.DOMtoCanvas({ x: -margin, y: -margin }), b = net.DOMtoCanvas({ x: c.clientWidth + margin, y: c.clientHeight + margin });
  return kgView.nodeView.getIds().filter(id => {
    const n = net.body.nodes[id];
    return n && n.x >= a.x && n.x <= b.x && n.y >= a.y && n.y <= b.y;
  }).length;
}"""

REDRAWN = """() => { kgNetwork.redraw(); return Object.assign({}, kgNetwork.kgFrame, { box: null, edges: kgNetwork.kgFrame.edges.length,
  parts: null, full: kgNetwork.kgFrame.full.length }); }"""

PIXEL = """(id) => {
  // the canvas pixel at a node's centre, as [r, g, b]
  const net = kgNetwork, p = net.canvasToDOM(net.getPositions([id])[id]);
  const ctx = net.canvas.frame.canvas.getContext("2d"), ratio = net.canvas.pixelRatio || 1;
  return Array.from(ctx.getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data.slice(0, 3));
}"""


def _rgb(colour: str) -> list[int]:
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


@pytest.fixture(scope="module")
def large():
    return view_graph(synthetic(3_000), title="3,000 nodes")


def test_a_large_view_draws_what_is_on_screen_and_labels_only_when_readable(large, open_view):
    opened = open_view(large, "large-lod.html", timeout_s=120)
    page = opened.page
    page.evaluate("() => kgNetwork.fit({ animation: false })")
    far = page.evaluate(REDRAWN)
    shown = opened.visible()
    assert far["nodes"] == page.evaluate(ON_SCREEN, 0) == shown[0]  # the whole view fits: every shown node drawn
    assert 0 < far["edges"] <= shown[1]
    assert far["labels"] == 0 and far["arrows"] == 0  # a few pixels each: no labels, no arrow heads
    hub = page.evaluate("""() => {  // the shown node with most shown edges
      const d = {}; kgView.edgeView.get().forEach(e => { d[e.from] = (d[e.from] || 0) + 1; d[e.to] = (d[e.to] || 0) + 1; });
      return kgView.nodeView.getIds().sort((a, b) => (d[b] || 0) - (d[a] || 0))[0]; }""")
    page.evaluate("(id) => kgNetwork.moveTo({ position: kgNetwork.getPositions([id])[id], scale: 1.5, animation: false })", hub)
    near = page.evaluate(REDRAWN)
    # every node on screen is drawn, and none far off it (the page draws a margin of 40 pixels and a node's size)
    assert page.evaluate(ON_SCREEN, 0) <= near["nodes"] <= page.evaluate(ON_SCREEN, 60)
    assert 0 < near["nodes"] < far["nodes"] / 5  # zoomed in: only the few on screen
    assert 0 < near["labels"] <= near["nodes"] and near["arrows"] > 0
    assert near["edges"] < far["edges"]
    opened.shot("view-large-zoomed.png")
    # the node is drawn where vis-network says it is, in its type's colour
    kind = page.evaluate("(id) => kgView.data.nodes[id].type", hub)
    colour = next(t["color"] for t in json.loads(re.search(r'id="kg-data">(.*?)</script>', large.html, re.S).group(1))[
        "nodeTypes"] if t["type"] == kind)
    page.wait_for_timeout(100)
    assert page.evaluate(PIXEL, hub) == _rgb(colour)
    opened.assert_clean()


def test_a_large_view_still_selects_by_click_and_details_list_its_edges(large, open_view):
    opened = open_view(large, "large-click.html", timeout_s=120)
    target = opened.page.evaluate("() => kgView.nodeView.getIds().find(id => kgNetwork.getConnectedEdges(id).length > 0)")
    notation = opened.page.evaluate("(id) => kgView.data.nodes[id].notation", target)
    opened.click_node(target)  # vis-network's hit test reads the bounds the page's drawing leaves on each node
    opened.page.wait_for_function("(id) => kgNetwork.getSelectedNodes()[0] === id", arg=target)
    opened.page.wait_for_selector("#kg-details:not([hidden])")
    assert notation in opened.panel() and "edges in view" in opened.panel().lower()
    frame = opened.page.evaluate(REDRAWN)
    assert frame["nodes"] > 0 and frame["full"] > 0  # the selected node's edges are left to vis-network, highlighted
    opened.assert_clean()


def test_hiding_a_relation_in_a_large_view_draws_fewer_edges(large, open_view):
    opened = open_view(large, "large-hide.html", timeout_s=120)
    opened.page.evaluate("() => kgNetwork.fit({ animation: false })")
    before = opened.page.evaluate(REDRAWN)["edges"]
    opened.page.uncheck("#kg-relation-relatedTo")
    after = opened.page.evaluate(REDRAWN)["edges"]
    assert after == opened.visible()[1] < before
    opened.assert_clean()


# ---------------------------------------------------------------------------
# kg view --all, capped


def test_the_whole_view_is_capped_to_the_best_connected_codes_never_refused(example_store):
    G = project(example_store)
    whole = all_view(example_store)
    assert "best-connected" not in whole.title and whole.node_count == G.number_of_nodes()
    v = all_view(example_store, max_nodes=5)
    assert v.node_count == 5 and v.title.startswith("All briefings: the 5 best-connected of ")
    data = json.loads(re.search(r'id="kg-data">(.*?)</script>', v.html, re.S).group(1))
    drawn = {n["iri"] for n in data["nodes"]}
    codes = [n for n, t in G.nodes(data="type") if t not in ("modifier", "specialty", "payer", "site")]

    def degree(n):
        return sum(1 for u, w in [*G.out_edges(n), *G.in_edges(n)] if (w if u == n else u) in codes)

    assert min(map(degree, drawn)) >= max(degree(n) for n in codes if n not in drawn)
    # a capped view lists each code's modifiers, payers... in its details rather than drawing them
    assert any(h == "Modifiers" for n in data["nodes"] for h, _ in n.get("attributes", []))
    assert {n["type"] for n in data["nodes"]} <= {"procedure", "diagnosis", "code"}
    small = all_view(example_store, max_nodes=50, max_edges=10)
    assert small.edge_count <= 10
    with pytest.raises(KGError, match="max_nodes must be between 1 and 20,000"):
        all_view(example_store, max_nodes=50_000)
    with pytest.raises(KGError, match="max_nodes goes with the whole-graph and audit views"):
        view(example_store, "77013", max_nodes=5)


def test_kg_view_all_with_max_nodes_writes_a_page_and_says_what_it_left_out(example_store_dir, tmp_path):
    out = tmp_path / "all.html"
    run = subprocess.run([sys.executable, "-m", "kg", "view", "--all", "--max-nodes", "4", "-o", str(out),
                          "--store", str(example_store_dir)], capture_output=True, text=True,
                         env={**os.environ, "KG_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 0, run.stderr
    assert "4 nodes" in run.stderr and "the 4 best-connected of" in run.stderr and "--max-nodes" in run.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert list((tmp_path / "cache").glob("projection-*.pickle"))  # a second --all reads the projection back


def test_a_capped_whole_view_opens_clean(example_store, open_view):
    opened = open_view(all_view(example_store, max_nodes=6), "all-capped.html")
    assert opened.visible()[0] == 6
    assert "best-connected" in opened.page.inner_text("#kg-title")
    opened.assert_clean()


def test_small_graphs_are_laid_out_without_scipy_exactly_as_with_it(monkeypatch):
    import importlib

    import networkx as nx
    import numpy as np

    layouts = importlib.import_module("kg.view.layouts")  # kg.view is also the name of kg's view() function

    graphs = [nx.path_graph(30), nx.gnp_random_graph(300, 0.02, seed=3),
              nx.disjoint_union(nx.cycle_graph(12), nx.star_graph(9)), nx.empty_graph(5)]
    python = [layouts.layout(G) for G in graphs]
    monkeypatch.setattr(layouts, "SCIPY_FROM", 0)
    for G, mine in zip(graphs, python):
        theirs = layouts.layout(G)
        assert set(mine) == set(theirs) and all(np.allclose(mine[n], theirs[n]) for n in mine)
