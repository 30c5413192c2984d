"""Legible views in a real headless Chromium: attribute nodes in the details panel, the legend per layer,
label overlap measured on the page, hidden relations, the hierarchy view, and pyvis.

Uses the browser and page fixtures of tests/test_view.py (Debian's chromium, every outside request
aborted and counted). Label boxes are vis-network's own (``labelModule.size``, what it drew), read at
the first zoom level, the one the page opens at.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from kg.build import build
from kg.errors import KGError
from kg.network import communities, neighbours, node_for, project
from kg.network.local import between
from kg.store import open_store
from kg.view import View, ego_view, view, view_graph
from kg.view.data import ATTRIBUTE_TYPES
from kg.view.hierarchy import hierarchy_view
from tests.test_view import browser, open_view  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[1]

LABEL_OVERLAP = """() => {
  // every label vis-network drew (nodes', and edges' where they have one), as DOM boxes
  const net = kgNetwork, boxes = [];
  const add = (s, what) => {
    if (!s || !(s.width > 0) || !(s.height > 0)) return;
    const a = net.canvasToDOM({ x: s.left, y: s.top }), b = net.canvasToDOM({ x: s.left + s.width, y: s.top + s.height });
    boxes.push([a.x, a.y, b.x, b.y, what]);
  };
  kgView.nodeView.getIds().forEach(id => add(net.body.nodes[id].labelModule.size, kgView.data.nodes[id].notation));
  kgView.edgeView.getIds().forEach(id => {
    const e = net.body.edges[id];
    if (e.options.label) add(e.labelModule.size, e.options.label);
  });
  let pairs = 0, overlapping = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const p = boxes[i], q = boxes[j];
    pairs++;
    if (p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3]) overlapping.push(p[4] + " / " + q[4]);
  }
  return { labels: boxes.length, pairs: pairs, overlapping: overlapping };
}"""


def page_data(v: View) -> dict:
    return json.loads(re.search(r'id="kg-data">(.*?)</script>', v.html, re.S).group(1))


def overlap(opened) -> dict:
    opened.page.wait_for_timeout(200)  # a frame after the last fit
    return opened.page.evaluate(LABEL_OVERLAP)


# ---------------------------------------------------------------------------
# attributes in the details panel


def test_attributes_are_listed_in_their_codes_details_and_drawn_on_demand(example_store, open_view):
    H = neighbours(example_store, "77013", depth=1)
    centre = node_for(H, "77013")
    kinds = {t: [n for n, k in H.nodes(data="type") if k == t] for t in ATTRIBUTE_TYPES}
    assert all(kinds.values())
    opened = open_view(ego_view(example_store, "77013"))
    shown = opened.visible()
    attributes = sum(len(v) for v in kinds.values())
    assert shown[0] == H.number_of_nodes() - attributes
    assert opened.page.is_checked("#kg-attribute-nodes") is False
    opened.click_node(opened.node_id("77013"))
    opened.page.wait_for_selector("#kg-details:not([hidden])")
    text = opened.panel()
    for heading, t in [("Modifiers", "modifier"), ("Specialties", "specialty"), ("Payers", "payer"),
                       ("Sites of service", "site")]:
        assert f"{heading} ({len(kinds[t])})".upper() in text.upper(), heading
        for n in kinds[t]:
            assert H.nodes[n]["notation"] in text
    assert "26 \u2014 " in text  # the modifier with its label
    opened.shot("view-77013-details.png")
    opened.draw_attributes()
    assert opened.visible() == (H.number_of_nodes(), H.number_of_edges())
    opened.page.uncheck("#kg-type-payer")  # one type off: the switch is no longer all on
    assert opened.page.is_checked("#kg-attribute-nodes") is False
    assert opened.visible()[0] == H.number_of_nodes() - len(kinds["payer"])
    assert centre in H
    opened.assert_clean()


def test_search_for_an_attribute_draws_its_type(example_store, open_view):
    opened = open_view(ego_view(example_store, "77013"))
    opened.page.fill("#kg-search", "Aetna")
    opened.page.click("#kg-search-go")
    opened.page.wait_for_function("(id) => kgNetwork.getSelectedNodes()[0] === id", arg=opened.node_id("Aetna"))
    assert opened.page.is_checked("#kg-type-payer")
    opened.assert_clean()


# ---------------------------------------------------------------------------
# the legend per layer


@pytest.fixture(scope="module")
def codeset_store(audited_store_dir):
    return open_store(audited_store_dir, read_only=True)


def test_legend_groups_relations_by_layer_and_a_layer_switch_hides_it(codeset_store, open_view):
    v = ego_view(codeset_store, "77013")
    data = page_data(v)
    layers = {layer["layer"]: [data["relations"][i]["relation"] for i in layer["relations"]] for layer in data["layers"]}
    assert "ncciEdit" in layers["ncci"] and "monitors" in layers["briefing"]
    opened = open_view(v, "layers.html")
    page = opened.page
    for layer, rels in layers.items():
        group = f"#kg-layer-group-{layer}"
        assert page.is_visible(f"{group} #kg-layer-{layer}")
        for r in rels:  # each relation's box sits in its layer's group
            assert page.locator(f"{group} #kg-relation-{r}").count() == 1
    assert "NCCI edits" in page.inner_text("#kg-layer-group-ncci")
    ncci = [e for e in data["edges"] if data["relations"][e["rel"]]["layer"] == "ncci"]
    assert ncci and all("NCCI" in e["text"] and "https://" not in e["text"] for e in ncci)
    before = opened.visible()
    page.uncheck("#kg-layer-ncci")
    assert all(not page.is_checked(f"#kg-relation-{r}") for r in layers["ncci"])
    # the NCCI edges are gone, and with them the codes only an NCCI edit joined to the view
    shown_edges = page.evaluate("() => kgView.edgeView.get().map(e => e.relation)")
    assert "ncciEdit" not in shown_edges
    only_ncci = _only_by(data, {"ncciEdit"})
    assert only_ncci and opened.visible()[0] == before[0] - len(only_ncci & _drawn_ids(data))
    page.check("#kg-relation-ncciEdit")  # one relation back: its layer's box is on again
    assert page.is_checked("#kg-layer-ncci") and opened.visible() == before
    opened.assert_clean()


def _only_by(data: dict, relations: set[str]) -> set[int]:
    """The nodes (not the centre) all of whose edges are of ``relations``."""
    rels: dict[int, set[str]] = {}
    for e in data["edges"]:
        r = data["relations"][e["rel"]]["relation"]
        rels.setdefault(e["from"], set()).add(r)
        rels.setdefault(e["to"], set()).add(r)
    return {i for i, rs in rels.items() if rs <= relations and not data["nodes"][i].get("focus")}


def _drawn_ids(data: dict) -> set[int]:
    shown = {t["type"] for t in data["nodeTypes"] if t["shown"]}
    return {n["id"] for n in data["nodes"] if n["type"] in shown}


def test_ncci_layer_view(codeset_store, open_view, tmp_path):
    """An NCCI layer view: the 77013 ego view with its briefing layer off (docs/view-ncci-77013.png)."""
    opened = open_view(ego_view(codeset_store, "77013"), "ncci-layer.html")
    opened.page.uncheck("#kg-layer-briefing")
    shown = opened.page.evaluate("() => kgView.edgeView.get().map(e => e.relation)")
    assert shown and set(shown) <= {"ncciEdit", "addOnTo", "broader"}
    opened.page.evaluate("() => kgNetwork.fit()")
    opened.page.wait_for_timeout(300)
    opened.shot("view-ncci-layer.png")
    opened.assert_clean()


# ---------------------------------------------------------------------------
# hidden relations


def test_hiding_a_relation_hides_the_nodes_it_leaves_without_edges(example_store, open_view):
    v = ego_view(example_store, "77013", depth=2)
    data = page_data(v)
    opened = open_view(v, "hide.html")
    drawn = _drawn_ids(data)
    for relation in ("indicationFor", "monitors", "alternativeTo"):
        before = opened.visible()
        lonely = _only_by(data, {relation}) & drawn
        edges = sum(1 for e in data["edges"] if data["relations"][e["rel"]]["relation"] == relation
                    and {e["from"], e["to"]} <= drawn)
        opened.page.uncheck(f"#kg-relation-{relation}")
        assert lonely and opened.visible() == (before[0] - len(lonely), before[1] - edges), relation
        ids = set(opened.page.evaluate("() => kgView.nodeView.getIds()"))
        assert not ids & lonely
        # every node still drawn keeps an edge drawn, or had none to begin with
        ends = set(opened.page.evaluate("() => kgView.edgeView.get().flatMap(e => [e.from, e.to])"))
        assert all(i in ends or data["nodes"][i].get("focus") for i in ids)
        opened.page.check(f"#kg-relation-{relation}")
        assert opened.visible() == before
    opened.assert_clean()


# ---------------------------------------------------------------------------
# labels do not overlap at the first zoom level


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory, shared_data):
    """400 generated briefings (bench/corpus.py, seed 11) and the bundled examples: larger ego views."""
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate, load_sources

    from kg.examples import examples_dir

    tmp = tmp_path_factory.mktemp("generated")
    generate(tmp / "briefings", 400, seed=11, sources=load_sources(shared_data))
    store = open_store(tmp / "store")
    assert build(store, [examples_dir(), tmp / "briefings"], progress=False).added
    return store


@pytest.mark.parametrize("which, code, depth, attributes", [
    ("examples", "77013", 1, False),
    ("examples", "77013", 2, False),
    ("examples", "77013", 1, True),
    ("generated", "77013", 2, False),
    ("generated", "0213T", 2, False),
])
def test_labels_do_not_overlap_at_the_first_zoom_level(which, code, depth, attributes, request, open_view):
    store = request.getfixturevalue("example_store" if which == "examples" else "generated_store")
    v = ego_view(store, code, depth=depth)
    assert v.node_count <= 200
    opened = open_view(v, f"overlap-{which}-{code}-{depth}.html")
    if attributes:
        opened.draw_attributes()
        opened.page.evaluate("() => kgNetwork.fit({ maxZoomLevel: 1.6 })")
    measured = overlap(opened)
    assert measured["labels"] == opened.visible()[0] + (opened.visible()[1] if page_data(v)["edgeLabels"] else 0)
    if which == "generated" and code == "0213T":
        assert measured["labels"] > 100  # a large view, not a trivial one
    assert len(measured["overlapping"]) <= 0.02 * measured["pairs"], measured["overlapping"]
    opened.assert_clean()


def test_overlap_measure_sees_overlapping_labels(open_view):
    """The measure itself: labels drawn on top of one another are counted."""
    G = nx.MultiDiGraph()
    for i in range(6):
        G.add_node(i, notation=f"LONG-LABEL-{i}", type="procedure")
    opened = open_view(view_graph(G, title="stacked", physics=False), "stacked.html")
    assert len(overlap(opened)["overlapping"]) == 0  # kg's layout spreads them
    opened.page.evaluate("() => { kgView.nodes.update(kgView.nodes.getIds().map(id => ({ id: id, x: id * 3, y: 0 }))); }")
    opened.page.wait_for_timeout(200)
    measured = overlap(opened)
    assert measured["labels"] == 6 and len(measured["overlapping"]) == 15
    opened.assert_clean()


# ---------------------------------------------------------------------------
# the hierarchy view


def test_hierarchy_view_draws_ancestors_and_descendants(codeset_store, open_view):
    v = hierarchy_view(codeset_store, "C22")
    data = page_data(v)
    notation = {n["notation"]: n for n in data["nodes"]}
    assert {"C15-C26", "C22", "C22.0", "C22.9"} <= set(notation)
    assert v.layout == "layered" and v.physics is False
    assert notation["C15-C26"]["y"] < notation["C22"]["y"] < notation["C22.0"]["y"]
    assert {r["relation"] for r in data["relations"]} == {"broader"}
    opened = open_view(v, "hierarchy.html")
    assert opened.visible() == (v.node_count, v.edge_count)
    assert "Code-set hierarchies" in opened.page.inner_text("#kg-relations")
    opened.shot("view-hierarchy-c22.png")
    opened.assert_clean()


def test_hierarchy_view_is_capped_with_more_nodes_not_refused(codeset_store, open_view):
    chapter = "http://purl.bioontology.org/ontology/ICD10CM/chapter-2"
    v = hierarchy_view(codeset_store, chapter, per_parent=8, max_nodes=60)
    data = page_data(v)
    codes = [n for n in data["nodes"] if n["type"] != "more"]
    more = [n for n in data["nodes"] if n["type"] == "more"]
    assert len(codes) <= 60 and more
    assert all(re.fullmatch(r"\+\d+ more", n["notation"]) and n["more"] > 0 for n in more)
    parents = {e["to"] for e in data["edges"] if data["nodes"][e["from"]]["type"] == "more"}
    assert len(parents) == len(more)  # one "+N more" per parent left incomplete
    opened = open_view(v, "hierarchy-capped.html")
    target = more[0]
    opened.click_node(target["id"])
    opened.page.wait_for_selector("#kg-details:not([hidden])")
    assert f"{target['more']} more code" in opened.panel()
    opened.assert_clean()


def test_cli_hierarchy_view(audited_store_dir, tmp_path):
    for args in (["C22", "--hierarchy"], ["--hierarchy", "2085R0202X"]):
        out = tmp_path / "h.html"
        r = subprocess.run([sys.executable, "-m", "kg", "view", *args, "-o", str(out), "--store", str(audited_store_dir)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        nodes = int(re.search(r"(\d+) nodes", r.stderr).group(1))
        assert nodes >= 2 and "hierarchy" in out.read_text(encoding="utf-8")
    with pytest.raises(KGError, match="one code"):
        view(open_store(audited_store_dir, read_only=True), all=True, hierarchy=True)


# ---------------------------------------------------------------------------
# pyvis, and any networkx graph kg's network functions return


def test_to_pyvis_has_the_same_nodes_edges_positions_styles_and_physics(example_store):
    from pyvis.network import Network

    for v in (ego_view(example_store, "77013"), view_graph(project(example_store), title="all", physics=False)):
        data = page_data(v)
        net = v.to_pyvis()
        assert isinstance(net, Network) and net.directed
        assert [n["id"] for n in net.nodes] == [n["id"] for n in data["nodes"]]
        styles = {t["type"]: t for t in data["nodeTypes"]}
        for ours, theirs in zip(data["nodes"], net.nodes):
            assert theirs["label"].endswith(ours["notation"])
            assert (theirs["x"], theirs["y"]) == (ours["x"], ours["y"])
            assert theirs["shape"] == styles[ours["type"]]["shape"] and theirs["group"] == ours["type"]
            assert theirs["hidden"] is (not styles[ours["type"]]["shown"])
        assert [(e["from"], e["to"]) for e in net.edges] == [(e["from"], e["to"]) for e in data["edges"]]
        for ours, theirs in zip(data["edges"], net.edges):
            r = data["relations"][ours["rel"]]
            assert theirs["color"]["color"] == r["color"] and theirs["width"] == r["width"]
            assert theirs["dashes"] == r["dashes"] and theirs["relation"] == r["relation"]
        assert net.options == data["options"]  # physics, groups, interaction
        assert net.options["physics"]["enabled"] is v.physics
    # kg's writer stays the default: the page fetches nothing; pyvis's own writer would use a CDN
    net = v.to_pyvis()
    assert "cdnjs" in net.generate_html() or "https://" in net.generate_html()
    assert not re.search(r"<script[^>]+src=", v.html)


def test_view_accepts_the_graphs_kg_network_functions_return(example_store, open_view):
    G = project(example_store)
    graphs = {
        "project": G,
        "neighbours": neighbours(example_store, "77013", depth=1),
        "between": between(example_store, "C22.0", "76942"),
        "community": G.subgraph(communities(G)[0]).copy(),
        "undirected": nx.Graph(G.subgraph(list(G)[:30])),
    }
    for name, graph in graphs.items():
        v = view(graph)
        assert (v.node_count, v.edge_count) == (graph.number_of_nodes(), graph.number_of_edges()), name
    v = view(graphs["neighbours"])
    assert v.title.startswith("77013")
    assert [n["notation"] for n in page_data(v)["nodes"] if n.get("focus")] == ["77013"]
    opened = open_view(view(graphs["undirected"]), "undirected.html")
    assert opened.counts() == (graphs["undirected"].number_of_nodes(), graphs["undirected"].number_of_edges())
    opened.assert_clean()
    with pytest.raises(KGError, match="networkx graph"):
        view_graph([1, 2], title="not a graph")
