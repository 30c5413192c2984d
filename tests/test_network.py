"""networkx analytics: projection matches SPARQL, paths are pinned, exports read back."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import pytest

from kg.network import (
    communities, components, explain, hubs, neighbours, node_for, project, similar, write,
)
from kg.query import run_sparql


@pytest.fixture(scope="module")
def G(example_store):
    return project(example_store)


def test_projection_matches_sparql_counts(example_store, G):
    from kg.model import BRIEFING_RELATIONS

    for rel in BRIEFING_RELATIONS:
        res = run_sparql(example_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s kg:{rel} ?o }} }}")
        expected = int(res.rows[0][0].value)
        got = sum(1 for _, _, k in G.edges(keys=True) if k == rel)
        assert got == expected, rel
    res = run_sparql(example_store, "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:AssertedRelation "
                                    "FILTER NOT EXISTS { ?e kg:negated true } }")  # a denied statement is no edge
    assert sum(len(d["sources"]) for *_, k, d in G.edges(keys=True, data=True)
               if k not in ("coveredByPayer", "siteOfService")) == int(res.rows[0][0].value)


def test_nodes_have_attributes(G):
    d = G.nodes[node_for(G, "C22.0")]
    assert d == {"type": "diagnosis", "notation": "C22.0", "label": "Liver cell carcinoma", "system": "ICD10CM"}
    assert G.nodes[node_for(G, "26")]["type"] == "modifier"
    assert G.nodes[node_for(G, "207L00000X")]["type"] == "specialty"


def test_parallel_relations_stay_distinct(G):
    a, b = node_for(G, "76940"), node_for(G, "76942")
    assert set(G.get_edge_data(a, b)) == {"alternativeTo"}
    assert set(G.get_edge_data(b, a)) == {"alternativeTo"}


def test_explain_c22_0_to_76942(G):
    paths = explain(G, "C22.0", "76942")
    described = [[s.describe(G) for s in p.steps] for p in paths]
    assert ["C22.0 -indicationFor-> 77013  [77013.txt:41]", "77013 -alternativeTo-> 76942  [77013.txt:52]"] in described
    assert ["C22.0 -indicationFor-> 76940  [76940.txt:33]", "76940 -alternativeTo-> 76942  [76940.txt:43]"] in described
    assert all(len(p.steps) == 2 for p in paths)


def test_explain_walks_edges_backwards_and_says_so(G):
    (path, *_) = explain(G, "49405", "77013")
    (step,) = path.steps
    assert step.relation == "monitors" and not step.forward
    assert step.sources == (("77013.txt", 51),)


def test_no_path():
    H = nx.MultiDiGraph()
    H.add_node("a", notation="A")
    H.add_node("b", notation="B")
    assert explain(H, "A", "B") == []


def test_similar_ranks_guidance_codes_above_unrelated_codes(G):
    ranked = [(G.nodes[n]["notation"], s) for n, s in similar(G, "77013", top=100)]
    scores = dict(ranked)
    for guidance in ("76942", "77022", "76940", "77012"):
        assert scores[guidance] > 0
        for unrelated in ("10005", "99024", "74170", "22511"):
            assert scores[guidance] > scores[unrelated]


def test_hubs_and_communities_are_deterministic(G):
    top = [G.nodes[n]["notation"] for n, _ in hubs(G, node_type="procedure", top=3)]
    assert top[0] == "77013"
    assert hubs(G, measure="pagerank", top=5) == hubs(G, measure="pagerank", top=5)
    first = communities(G, seed=1)
    assert first == communities(G, seed=1)
    assert any(node_for(G, "C22.0") in c for c in first)
    assert len(components(G)) >= 1


def test_neighbours_by_relation(G):
    H = neighbours(G, "77013", depth=1, relations=["monitors"])
    assert {H.nodes[n]["notation"] for n in H} == {"77013", "49405", "47382", "50593"}


@pytest.mark.parametrize("fmt,read", [
    ("graphml", nx.read_graphml),
    ("gexf", nx.read_gexf),
    ("nodelink-json", None),
])
def test_exports_read_back_with_attributes(G, tmp_path, fmt, read):
    path = tmp_path / f"g.{fmt}"
    write(G, path, fmt)
    if read is None:
        import json

        H = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")
    else:
        H = read(path)
    assert H.number_of_nodes() == G.number_of_nodes()
    assert H.number_of_edges() == G.number_of_edges()
    n = node_for(G, "C22.0")
    assert H.nodes[n]["label"] == "Liver cell carcinoma" and H.nodes[n]["type"] == "diagnosis"
    rels = {d["relation"] for *_, d in H.edges(data=True)}
    assert {"monitors", "indicationFor", "hasModifier"} <= rels
    srcs = [d["sources"] for *_, d in H.edges(data=True) if d["relation"] == "monitors"]
    assert any("77013.txt:51" in s for s in srcs)


def _kg(*args):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300)


def test_cli_explain_similar_hubs_neighbours(example_store_dir):
    s = ["--store", str(example_store_dir)]
    r = _kg("explain", "C22.0", "76942", *s)
    assert r.returncode == 0 and "C22.0 -indicationFor-> 77013  [77013.txt:41]" in r.stdout
    r = _kg("similar", "77013", "--top", "3", *s)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    r = _kg("hubs", "--type", "procedure", "--top", "1", *s)
    assert r.returncode == 0 and "77013" in r.stdout
    r = _kg("neighbours", "77013", "--relation", "monitors", *s)
    assert r.returncode == 0 and "77013\tmonitors\t49405" in r.stdout
    r = _kg("explain", "C22.0", "XX", *s)
    assert r.returncode == 1 and "not in the graph" in r.stderr


def test_a_negated_asserted_relation_is_no_edge(tmp_path):
    import pyoxigraph as ox

    from kg.examples import examples_dir
    from kg.build import build
    from kg.store import open_store
    from kg.vocab import KG, briefing_iri, code_iri

    store = open_store(tmp_path / "s")
    assert build(store, examples_dir() / "77013.txt", progress=False).ok
    g = ox.NamedNode(briefing_iri("77013.txt"))
    row = ox.NamedNode(briefing_iri("77013.txt") + "#L51")  # 77013 monitors 49405
    s, p, o = ox.NamedNode(code_iri("CPT", "77013")), ox.NamedNode(str(KG.monitors)), ox.NamedNode(code_iri("CPT", "49405"))
    assert project(store).has_edge(s.value, o.value, key="monitors")
    # what a "does not monitor" row becomes: the qualified node, negated, and no direct triple
    store.remove(ox.Quad(s, p, o, g))
    store.add(ox.Quad(row, ox.NamedNode(str(KG.negated)), ox.Literal(True), g))
    G = project(store)
    assert not G.has_edge(s.value, o.value, key="monitors")
    assert G.has_edge(s.value, code_iri("MOD", "26"), key="hasModifier")
    assert any(k == "coveredByPayer" for *_, k in G.edges(keys=True))
    from kg.network.ranking import degrees

    assert dict(degrees(store)) == dict(G.degree())  # the engine's count drops the negated row too


@pytest.mark.parametrize("name", ["example", "audited"])
def test_hubs_in_the_store_rank_as_the_projection(name, example_store, request):
    # kg hubs by degree counts in the engine (kg.network.ranking), never projecting: the same ranking, ties too
    from kg.model import NODE_TYPES
    from kg.network.ranking import degrees

    store = example_store if name == "example" else request.getfixturevalue("audited")
    G = project(store)
    assert dict(degrees(store)) == dict(G.degree())
    for node_type in (None, *NODE_TYPES):
        for top in (1, 3, 40, 10_000):
            assert hubs(store, node_type=node_type, top=top) == hubs(G, node_type=node_type, top=top), (node_type, top)
    assert hubs(store, measure="pagerank", top=5) == hubs(G, measure="pagerank", top=5)


def test_cli_hubs_answer_is_cached_by_build_state(example_store_dir, tmp_path):
    import gc
    import os
    import shutil

    import pyoxigraph as ox

    from kg.store import open_store

    store, cache = tmp_path / "s", tmp_path / "cache"
    shutil.copytree(example_store_dir, store)
    env = {**os.environ, "KG_CACHE_DIR": str(cache)}

    def run(*args):
        r = subprocess.run([sys.executable, "-m", "kg", "hubs", *args, "--store", str(store)], capture_output=True,
                           text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def answers():
        return sorted(p.name for p in cache.glob("hubs-*"))

    first = run("--top", "4")
    assert len(first.splitlines()) == 4 and run("--top", "4") == first
    assert [p.name[:5] for p in cache.iterdir()] == ["hubs-"]  # by degree: no projection was needed
    assert run("--top", "4", "--measure", "pagerank") != first  # its own answer, ranked on the projection
    before = answers()
    writer = open_store(store)
    writer.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:p"), ox.NamedNode("urn:y"), ox.NamedNode("urn:g")))
    del writer
    gc.collect()
    assert run("--top", "4") == first  # a write gives a new key: ranked again, the same answer
    after = answers()
    assert len(before) == 2 and len(after) == 1 and after[0] not in before  # the old state's answers are gone


# ---------------------------------------------------------------------------
# neighbourhoods read straight from the store (kg.network.local)

from kg.model import CODE_RELATIONS  # noqa: E402
from kg.network.local import around, between, resolve  # noqa: E402


@pytest.fixture(scope="module")
def audited(audited_store_dir):
    from kg.store import open_store

    return open_store(audited_store_dir, read_only=True)


def _code_edges(H):
    return {(H.nodes[u]["notation"], k, H.nodes[v]["notation"]) for u, v, k in H.edges(keys=True) if k in CODE_RELATIONS}


@pytest.mark.parametrize("code", ["77013", "C22.0", "76942", "99291"])
def test_store_neighbourhood_matches_the_projection(example_store, G, code):
    local = around(example_store, code, 1, layers=["briefing"])
    assert _code_edges(local) == _code_edges(neighbours(G, code, depth=1))
    for n, d in local.nodes(data=True):
        keys = ("type", "system") if d["type"] in ("site", "payer") else ("type", "notation", "system")  # named by a label
        assert {k: d[k] for k in keys} == {k: G.nodes[n][k] for k in keys}, n
        assert bool(d["label"]) == bool(G.nodes[n]["label"]), n  # briefings may word a label differently


def test_store_neighbourhood_never_projects(example_store, monkeypatch):
    import kg.network

    def boom(*a, **k):
        raise AssertionError("projected the whole store")

    monkeypatch.setattr(kg.network, "project", boom)
    assert neighbours(example_store, "77013", depth=2).number_of_nodes() > 1
    assert explain(example_store, "C22.0", "76942")


def test_depth_counts_code_relations_only(example_store):
    H = around(example_store, "77013", 2)
    centre = resolve(example_store, "77013")
    attr = {k for *_, k in H.edges(keys=True)} - set(CODE_RELATIONS)
    assert attr, "the centre's modifiers, payers... are read"
    for u, v, k in H.edges(keys=True):
        if k not in CODE_RELATIONS:
            assert centre in (u, v), (u, k, v)  # attribute relations of the centre only: no payer hairball


def test_negated_rows_are_no_edges(example_store):
    z66, p = resolve(example_store, "Z66"), resolve(example_store, "99291")
    asserted = run_sparql(example_store, f"ASK {{ ?e kg:subjectCode <{z66}> ; kg:relation kg:indicationFor ; "
                                         f"kg:objectCode <{p}> FILTER NOT EXISTS {{ ?e kg:negated true }} }}")
    assert asserted.boolean is False
    assert not around(example_store, "99291").has_edge(z66, p, "indicationFor")


def test_explain_finds_the_ncci_edit_in_words(audited):
    paths = explain(audited, "77013", "77012")
    lines = [s.describe() for p in paths for s in p.steps]
    ncci = [x for x in lines if "ncciEdit" in x]
    assert ncci and all("https://" not in x for x in lines), lines
    assert ncci[0].startswith("77012 -ncciEdit-> 77013  (NCCI: ")
    assert "modifier indicator 1 (allowed) — practitioner 2024Q3" in ncci[0]  # decoded by kg.cms
    assert "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv" in ncci[0]
    assert any(x.startswith("77012 -alternativeTo-> 77013") for x in lines)  # the briefing row, too


def test_hierarchy_layer_and_layer_choice(audited):
    H = around(audited, "C22.0", 1, layers=["hierarchy"])
    assert ("C22.0", "broader", "C22") in {(H.nodes[u]["notation"], k, H.nodes[v]["notation"]) for u, v, k in H.edges(keys=True)}
    assert {k for *_, k in H.edges(keys=True)} == {"broader"}
    assert "ncciEdit" not in {k for *_, k in around(audited, "77013", 1, layers=["briefing"]).edges(keys=True)}
    from kg.errors import KGError

    with pytest.raises(KGError, match="unknown layer 'nope'"):
        around(audited, "77013", layers=["nope"])


def test_between_meets_in_the_middle(example_store):
    H = between(example_store, "C22.0", "76942")
    a, b = H.graph["ends"]
    assert nx.shortest_path_length(H.to_undirected(as_view=True), a, b) == 2
