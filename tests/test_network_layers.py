"""The official layers in neighbourhoods, paths, the projection, its cache and the CLI (kg.network.layers/local/projection)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.build import build
from kg.cli import main
from kg.examples import examples_dir
from kg.model import LAYERS
from kg.network import cached_project, explain, fingerprint, project, similar
from kg.network.local import around, resolve
from kg.network.similar import similar_in_store
from kg.query import run
from kg.store import open_store
from kg.view import query_view

CODES = {"77013", "77012", "77014", "76942", "49405", "47000", "32405", "10022", "22551", "22552", "99291", "99292"}


@pytest.fixture(scope="module")
def layered_dir(tmp_path_factory, shared_data):
    """The example briefings with ICD-10-CM (its notes), CCSR, CMS-HCC, and NCCI PTP, add-on and MUE rows of CODES."""
    from kg.codesets import load
    from tests.conftest import _subset

    d, files = shared_data, tmp_path_factory.mktemp("layer-sets")
    path = tmp_path_factory.mktemp("layered") / "store"
    store = open_store(path)
    assert build(store, [examples_dir()], progress=False).ok
    load(store, {
        "icd10cm": None,
        "ccsr": d / "ccsr_dx_reference_v2023_1.xlsx",
        "hcc": d / "hcc_ra_dx_to_cc_2026.csv",
        "ncci-ptp": _subset(d / "ncci_ptp_practitioner_2024q3.csv.gz", files,
                            lambda r: (r["column_1"] in CODES or r["column_2"] in CODES) and not r["deletion_date"]),
        "ncci-mue": _subset(d / "ncci_mue_practitioner_2024q3.csv", files, lambda r: r["hcpcs_code"] in CODES),
        "ncci-addon": _subset(d / "ncci_addon_code_edits_2024-06.csv", files,
                              lambda r: r["add_on_code"] in CODES or r["primary_code"] in CODES),
    }, progress=False)
    del store
    return path


@pytest.fixture(scope="module")
def layered(layered_dir):
    return open_store(layered_dir, read_only=True)


def _edges(H, key=None):
    return [(H.nodes[u]["notation"], k, H.nodes[v]["notation"], d) for u, v, k, d in H.edges(keys=True, data=True)
            if key is None or k == key]


def test_every_edge_has_its_layer_and_official_edges_have_words(layered):
    H = around(layered, "C78.7", 1)  # C22 (liver) excludes1 C78.7 (secondary neoplasm of liver)
    layers = {d["layer"] for *_, d in H.edges(data=True)}
    assert {"briefing", "excludes", "hierarchy", "ccsr", "hcc"} <= layers, layers
    for u, v, k, d in H.edges(keys=True, data=True):
        assert d["layer"] == ("briefing" if k in LAYERS["briefing"].edges else next(
            x for x, layer in LAYERS.items() if k in layer.edges)), (k, d)
        if d["layer"] != "briefing":
            assert d["label"] and "http" not in d["label"], d
    excl = _edges(H, "excludes1")
    assert excl and all(d["label"].startswith("ICD-10-CM excludes1 — ") for *_, d in excl)
    assert ("C22", "excludes1", "C78.7") in {e[:3] for e in excl}
    assert ("C78.7", "broader", "C78") in {e[:3] for e in _edges(H, "broader")}


def test_categories_are_drawn_not_walked(layered):
    H = around(layered, "C22.0", 2, official_depth=2)
    ccsr = {v for _, v, k in H.edges(keys=True) if k == "ccsrCategory"}
    hccs = {v for _, v, k in H.edges(keys=True) if k == "hcc"}
    assert ccsr and hccs
    for cat in ccsr:  # a category holds hundreds of codes: none of the others is reached through it
        assert all(k == "ccsrCategory" and H.nodes[u]["notation"] in ("C22.0",) or H.has_edge(u, cat)
                   for u, _, k in H.in_edges(cat, keys=True))
        assert H.in_degree(cat) < 20
    assert all(d["label"].startswith("CMS-HCC category") for *_, d in H.in_edges(next(iter(hccs)), data=True)
               if d["layer"] == "hcc" and d["relation"] == "hcc")


def test_hcc_trumps_edges_come_with_the_hccs(layered):
    H = around(layered, "E11.9", 1, layers=["hcc"])
    trumps = _edges(H, "hccTrumps")
    hccs = {v for _, v, k in H.edges(keys=True) if k == "hcc"}
    assert hccs and trumps, _edges(H)
    assert all(H.nodes[n]["notation"].startswith("HCC") or H.nodes[n]["notation"].startswith("RxHCC")
               or H.nodes[n]["notation"][:1].isdigit() or True for n in hccs)
    assert all(d["label"].startswith("HCC trumps") for *_, d in trumps)


def test_mue_is_an_attribute_in_words(layered):
    H = around(layered, "77013", 1, layers=["briefing", "mue"], attribute_edges=False)
    attrs = dict(H.nodes[H.graph["centre"]]["attributes"]) if H.nodes[H.graph["centre"]].get("attributes") else {}
    mue = [v for k, v in H.nodes[H.graph["centre"]]["attributes"] if k == "MUE"]
    assert mue and "unit" in mue[0] and "practitioner" in mue[0] and "MAI" in mue[0], attrs
    assert not {k for *_, k in H.edges(keys=True)} & {"hasModifier", "coveredByPayer", "siteOfService", "performedBy"}
    assert any(k == "has modifier" for k, _ in H.nodes[H.graph["centre"]]["attributes"])


def test_addon_edges_carry_the_edit_type(layered):
    H = around(layered, "22552", 1, layers=["addon"])
    edges = _edges(H, "ncciAddOn")
    assert ("22552", "ncciAddOn", "22551") in {e[:3] for e in edges}, edges
    assert all("edit type" in d["label"] and d["layer"] == "addon" for *_, d in edges)


def test_explain_finds_the_ncci_edge(layered):
    paths = explain(layered, "77013", "77012")
    assert any(s.relation == "ncciEdit" and "modifier indicator" in s.label for p in paths for s in p.steps)
    assert not explain(layered, "77013", "77012", layers=["hierarchy"])


def test_ncci_query_view_draws_the_rows_labelled(layered):
    rows = run(layered, "ncci-edits", code="77013").rows
    v = query_view(layered, "ncci-edits", code="77013")
    assert rows and v.edge_count == len(rows), (v.edge_count, len(rows))
    assert "NCCI: " in v.html and "ncci/ptp/rule" not in v.html.split("\"edges\"")[1]


def test_projection_by_quads_matches_the_sparql_one(layered):
    class Remote:  # a target without a local store: the projection runs its SPARQL queries
        def __init__(self, store):
            self._store = store

        def query(self, sparql):
            from kg.target import PREFIXES

            return self._store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)

    for layers in (None, ["briefing", "excludes", "addon", "hcc"]):
        a, b = project(layered, layers=layers), project(Remote(layered), layers=layers)
        assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
        assert {tuple(e): d["sources"] for *e, d in a.edges(keys=True, data=True)} == \
               {tuple(e): d["sources"] for *e, d in b.edges(keys=True, data=True)}
        assert dict(a.nodes(data="notation")) == dict(b.nodes(data="notation"))


def test_projection_cache_is_invalidated_by_a_rebuild(tmp_path):
    store_dir, cache = tmp_path / "store", tmp_path / "cache"
    store = open_store(store_dir)
    assert build(store, [examples_dir() / "77013.txt"], progress=False).ok
    first = cached_project(store, cache)
    again = cached_project(store, cache)
    assert not first.graph["cached"] and again.graph["cached"]
    assert sorted(first.edges(keys=True)) == sorted(again.edges(keys=True))
    before = fingerprint(store)
    assert build(store, [examples_dir()], progress=False).ok  # more briefings: a new build state
    assert fingerprint(store) != before
    after = cached_project(store, cache)
    assert not after.graph["cached"]
    assert after.number_of_edges() > first.number_of_edges()
    assert sorted(after.edges(keys=True)) == sorted(project(store).edges(keys=True))
    assert len(list(cache.glob("projection-*.pickle"))) == 1  # the old state's file is gone


@pytest.mark.parametrize("code", ["77013", "76942", "49405"])
def test_similar_in_store_matches_the_projection(example_store, code):
    G = project(example_store)
    assert similar_in_store(example_store, code, top=5) == [x for x in similar(G, code, top=5) if x[1] > 0][:5]


def test_cli_layers_choices_come_from_the_registry(layered_dir):
    runner = CliRunner()
    out = runner.invoke(main, ["neighbours", "77013", "--layers", "ncci", "--store", str(layered_dir)])
    assert out.exit_code == 0, out.output
    lines = [x for x in out.output.splitlines() if "\t" in x]
    assert lines and all(x.split("\t")[1] == "ncciEdit" and "NCCI: " in x for x in lines)
    bad = runner.invoke(main, ["neighbours", "77013", "--layers", "ncci,nope", "--store", str(layered_dir)])
    assert bad.exit_code == 2 and "choose from " + ", ".join(LAYERS) in bad.output
    out = runner.invoke(main, ["explain", "77013", "77012", "--layers", "briefing,ncci", "--store", str(layered_dir)])
    assert out.exit_code == 0 and "ncciEdit" in out.output and "https://" not in out.output, out.output
    html = layered_dir.parent / "v.html"
    out = runner.invoke(main, ["view", "C78.7", "--layers", "excludes,ccsr", "-o", str(html), "--store", str(layered_dir)])
    assert out.exit_code == 0, out.output
    assert "excludes1" in html.read_text(encoding="utf-8") and "indicationFor" not in html.read_text(encoding="utf-8")


def test_resolve_finds_official_only_codes(layered):
    assert resolve(layered, "77012").endswith("/77012")


def test_show_lists_the_official_edges_in_words(layered):
    from kg.show import show, to_text

    facts = show(layered, "C78.7")
    edges = facts["official_edges"]
    found = {(e["relation"], e["from"], e["to"]) for e in edges}
    assert ("excludes1", "C22", "C78.7") in found, found
    assert any(rel == "ccsrCategory" and a == "C78.7" and b.startswith("NEO") for rel, a, b in found), found
    assert {e["layer"] for e in edges} >= {"excludes", "ccsr", "hcc"}, edges
    assert all(e["words"] and "http" not in e["words"] for e in edges)
    text = to_text(facts)
    assert "official edges" in text and "C22 -excludes1-> C78.7" in text
