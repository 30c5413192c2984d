"""The statistics kept in the store (kg.stats): 'stats' reads them, and they always equal a full recount."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.codesets import load
from kg.examples import examples_dir
from kg.query import bind, get, run, run_sparql
from kg.stats import VOID_GRAPH, is_current, kept_quads, record_graphs
from kg.store import open_store

REPO = Path(__file__).resolve().parent.parent


def _rows(store, **kw) -> dict[tuple[str, str], int]:
    return {(r["kind"], r["item"]): int(r["count"]) for r in run(store, "stats", **kw).records()}


def _assert_kept_equals_recount(store) -> dict:
    assert is_current(store), "the writers left the statistics stale"
    kept, counted = _rows(store), _rows(store, recount=True)
    assert kept == counted
    for listing in ("documents", "needs-review"):  # the listings kept with the statistics, row for row
        listed = run(store, listing)
        assert listed.rows and listed.rows == run(store, listing, recount=True).rows, listing
    per_graph = {s["g"].value: int(s["n"].value) for s in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != <%s>) } GROUP BY ?g" % VOID_GRAPH)}
    assert kept_quads(store) == per_graph
    return kept


def _assert_described_as_if_recounted(store) -> None:
    """The statistics graph, kept up to date graph by graph, holds exactly what describing the store afresh writes
    (catalog, needs-review rows and the notations they name included: nothing stale is left behind)."""
    kept = set(store.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH)))
    store.remove_graph(ox.NamedNode(VOID_GRAPH))
    record_graphs(store, [])
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH))) == kept


@pytest.fixture
def briefings(tmp_path) -> Path:
    folder = tmp_path / "briefings"
    shutil.copytree(examples_dir(), folder)
    return folder


def test_stats_equal_a_recount_through_build_rebuild_removal_and_load(tmp_path, briefings, shared_data):
    store = open_store(tmp_path / "store")
    assert build(store, [briefings], progress=False).ok
    first = _assert_kept_equals_recount(store)
    assert first[("nodes", "Briefing")] == len(list(briefings.glob("*.txt")))
    assert ("edges", "monitors") in first and first[("graph", "quads")] > 1000

    # one briefing changed: only its graph is recounted, and the figures still match
    doc = briefings / "77013.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("77013", "77014", 1) + "\n", encoding="utf-8")
    report = build(store, [briefings], progress=False)
    assert report.updated == ["77013.txt"]
    _assert_kept_equals_recount(store)
    _assert_described_as_if_recounted(store)

    # a row kg could not type is rewritten: its kept needs-review row follows, and nothing of the old one stays
    review = run(store, "needs-review").records()
    doc = briefings / review[0]["file"]
    text = doc.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if review[0]["text"] and review[0]["text"] in line)
    doc.write_text(text.replace(row, row.replace(review[0]["text"], "Add-on code; report with the primary code")),
                   encoding="utf-8")
    assert build(store, [briefings], progress=False).updated == [review[0]["file"]]
    _assert_kept_equals_recount(store)
    _assert_described_as_if_recounted(store)
    assert run(store, "needs-review").records() != review

    # a briefing deleted from the folder is removed from the store, and from the statistics
    (briefings / "76942.txt").unlink()
    assert build(store, [briefings], progress=False).removed == ["76942.txt"]
    after = _assert_kept_equals_recount(store)
    assert after[("nodes", "Briefing")] == first[("nodes", "Briefing")] - 1
    assert "https://w3id.org/codekg/briefing/76942.txt" not in kept_quads(store)
    _assert_described_as_if_recounted(store)

    # a code-set release loaded, then replaced by another
    load(store, {"nucc": shared_data / "nucc_taxonomy_251.csv", "pos": shared_data / "place_of_service_codes_cms.csv"},
         progress=False)
    loaded = _assert_kept_equals_recount(store)
    assert loaded[("nodes", "ProviderTaxonomy")] > first.get(("nodes", "ProviderTaxonomy"), 0)
    load(store, {"nucc": shared_data / "nucc_taxonomy_251_arktax_oct2025.csv"}, progress=False)
    _assert_kept_equals_recount(store)


def test_what_the_build_workers_read_of_each_briefing_is_what_describing_the_store_afresh_writes(tmp_path, dev_corpus,
                                                                                                   shared_data, monkeypatch):
    """The catalog and needs-review rows that kg.build hands kg.stats from its worker processes
    (kg.stats.briefing_rows, pickled across) are the rows the queries read once the graphs are in the store;
    so is what build_all records once for the briefings, a code set and the site links together."""
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate, load_sources

    folder = tmp_path / "mixed"
    shutil.copytree(dev_corpus, folder, ignore=shutil.ignore_patterns("*.json", "*.md"))
    for path in examples_dir().glob("*.txt"):
        shutil.copy(path, folder / f"example-{path.name}")
    # the generated variations: vague rows, negations, odd layouts, malformed rows and documents
    generate(folder / "generated", 120, seed=11, sources=load_sources(shared_data))
    store = open_store(tmp_path / "store")
    report = build(store, [folder], progress=False, workers=2)
    assert len(report.added) > 140 and len(run(store, "needs-review").rows) > 100
    _assert_kept_equals_recount(store)
    _assert_described_as_if_recounted(store)

    import kg.stats
    from kg.pipeline import build_all

    records, record = [], kg.stats._record
    monkeypatch.setattr(kg.stats, "_record", lambda store, graphs, *rest: (records.append(graphs),
                                                                           record(store, graphs, *rest)))
    other = open_store(tmp_path / "store-2")
    loaded = []
    build_all(other, [folder], {"pos": shared_data / "place_of_service_codes_cms.csv",
                                "nucc": shared_data / "nucc_taxonomy_251.csv"}, progress=False,
              loaded_then=loaded.extend)
    assert sorted(r.name for r in loaded) == ["nucc", "pos"]
    assert len(records) == 1, "the briefings, both code sets and the site links are described in one pass"
    _assert_kept_equals_recount(other)
    _assert_described_as_if_recounted(other)


def test_a_small_rebuild_updates_the_union_counts_from_its_own_triples(tmp_path, briefings, monkeypatch):
    """Changed, dropped, new and removed codes and edges: the counts are updated, never recounted, and equal a recount."""
    import kg.stats

    store = open_store(tmp_path / "store")
    assert build(store, [briefings], progress=False).ok
    first = _assert_kept_equals_recount(store)
    recount = kg.stats.internal_query_filled

    def no_union_recount(name):
        assert name != "stats/union-counts", "a one-document rebuild recounted the whole union"
        return recount(name)

    monkeypatch.setattr(kg.stats, "internal_query_filled", no_union_recount)
    doc = briefings / "77013.txt"
    text = doc.read_text(encoding="utf-8")
    # 49405 (only this briefing names it) becomes 49406, and the rows of K75.2 and 74350 (only here too) go
    text = text.replace("49405", "49406")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(("K75.2 ", "74350 ")))
    doc.write_text(text, encoding="utf-8")
    assert build(store, [briefings], progress=False).updated == ["77013.txt"]
    after = _assert_kept_equals_recount(store)
    assert after[("nodes", "DiagnosisCode")] == first[("nodes", "DiagnosisCode")] - 1
    assert after[("nodes", "ProcedureCode")] == first[("nodes", "ProcedureCode")] - 1

    shutil.copy(briefings / "47382.txt", briefings / "47383.txt")  # a new document, saying what another says
    (briefings / "76942.txt").unlink()
    report = build(store, [briefings], progress=False)
    assert report.added == ["47383.txt"] and report.removed == ["76942.txt"]
    _assert_kept_equals_recount(store)


def test_rewriting_a_big_graph_that_holds_nothing_counted_recounts_nothing(tmp_path, briefings, monkeypatch):
    """An audit graph of more quads than DELTA_MAX, rewritten: the union's counts stand, unrecounted, and right."""
    import kg.stats
    from kg.audit import AUDIT_GRAPH, Finding, write_findings
    from kg.stats import counted
    from kg.store import finish_writing

    monkeypatch.setattr(kg.stats, "DELTA_MAX", 50)
    store = open_store(tmp_path / "store")
    assert build(store, [briefings], progress=False).ok
    findings = [Finding("unknown-code", "error", f"C4O.{i}", "ICD-10-CM", "77013.txt", i, "no code") for i in range(20)]
    for batch in (findings, findings[5:]):
        recount = kg.stats.internal_query_filled

        def no_union_recount(name):
            assert name != "stats/union-counts", "rewriting the audit graph recounted the whole union"
            return recount(name)

        monkeypatch.setattr(kg.stats, "internal_query_filled", no_union_recount)
        before = {AUDIT_GRAPH: counted(store, AUDIT_GRAPH)}
        assert write_findings(store, batch) > kg.stats.DELTA_MAX
        finish_writing(store, [AUDIT_GRAPH], before=before)
        monkeypatch.setattr(kg.stats, "internal_query_filled", recount)
        _assert_kept_equals_recount(store)


def test_a_store_without_kept_statistics_is_recounted_not_misread(tmp_path):
    store = open_store(tmp_path / "store")
    assert build(store, [examples_dir()], progress=False).ok
    expected = _rows(store)
    store.remove_graph(ox.NamedNode(VOID_GRAPH))  # as a store an older kg built
    assert not is_current(store) and _rows(store) == expected
    # a graph written behind the hooks' back makes them stale too: counted, not misread
    g = ox.NamedNode("https://w3id.org/codekg/briefing/extra.txt")
    store.add(ox.Quad(g, ox.NamedNode("https://w3id.org/codekg/ontology#sha256"), ox.Literal("x"), g))
    assert not is_current(store) and _rows(store)[("graph", "named graphs")] == expected[("graph", "named graphs")] + 1


@pytest.mark.parametrize("behind", ["added", "removed", "none"])
def test_a_writers_new_and_removed_graphs_do_not_hide_a_graph_changed_behind_its_back(tmp_path, behind):
    """A writer that adds one graph and removes another accounts for those disagreements with the description; one
    more, made behind the hooks' back, is still found and described."""
    store = open_store(tmp_path / "store")
    assert build(store, [examples_dir()], progress=False).ok
    p = ox.NamedNode("https://w3id.org/codekg/ontology#sha256")
    if behind == "added":
        g = ox.NamedNode("https://w3id.org/codekg/briefing/behind.txt")
        store.add(ox.Quad(g, p, ox.Literal("x"), g))
    elif behind == "removed":
        store.remove_graph(next(g for g in store.named_graphs() if g.value.endswith("77013.txt")))
    mine = ox.NamedNode("https://w3id.org/codekg/codeset/mine")
    gone = next(g for g in store.named_graphs() if g.value.startswith("https://w3id.org/codekg/briefing/")
                and not g.value.endswith("77013.txt"))
    store.add(ox.Quad(mine, p, ox.Literal("y"), mine))
    store.remove_graph(gone)
    record_graphs(store, [mine.value, gone.value])
    _assert_kept_equals_recount(store)


def test_cli_stats_reads_and_recounts(tmp_path):
    store_dir = tmp_path / "store"
    store = open_store(store_dir)
    assert build(store, [examples_dir()], progress=False).ok
    del store

    def kg(*args):
        r = subprocess.run([sys.executable, "-m", "kg", *args, "--store", str(store_dir)], capture_output=True,
                           text=True, timeout=300, cwd=REPO)
        assert r.returncode == 0, r.stderr
        return r.stdout

    kept = kg("query", "stats", "--format", "csv")
    assert "nodes,Briefing,10" in kept
    assert kg("query", "stats", "--recount", "--format", "csv") == kept


def test_a_store_opened_right_after_an_audit_answers_correctly(tmp_path, audited_store_dir):
    store_dir = tmp_path / "store"
    shutil.copytree(audited_store_dir, store_dir)

    def kg(*args):
        r = subprocess.run([sys.executable, "-m", "kg", *args, "--store", str(store_dir)], capture_output=True,
                           text=True, timeout=600, cwd=REPO)
        return r

    audited = kg("audit", "--format", "json", "--fail-on", "never")
    assert audited.returncode == 0, audited.stderr
    import json

    findings = json.loads(audited.stdout)
    assert findings, "the audit fixture plants findings"
    listed = kg("query", "audit-findings", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["results"]["bindings"]
    assert sorted((r["code"]["value"], r["kind"]["value"]) for r in rows) == sorted(
        (f["code"], f["kind"]) for f in findings)
    store = open_store(store_dir, read_only=True)
    _assert_kept_equals_recount(store)
    # the listing joins scans of the audit graph; it gives the rows the query with a lookup per finding gave
    lookups = (REPO / "tests" / "data" / "audit-findings-lookups.rq").read_text(encoding="utf-8")
    assert run(store, "audit-findings").rows == run_sparql(store, lookups).rows
    kind = findings[0]["kind"]
    only = run(store, "audit-findings", kind=kind)
    assert only.rows and {r["kind"] for r in only.records()} == {kind}
    assert only.rows == run_sparql(store, lookups, substitutions=bind(get("audit-findings"), {"kind": kind})).rows
    # and a one-hop query, read-only from the CLI right after the audit wrote, answers what the store holds
    del store
    hop = kg("query", "monitors", "-p", "code=77013", "--format", "json")
    assert hop.returncode == 0, hop.stderr
    pairs = {(b["relation"]["value"], b["other"]["value"]) for b in json.loads(hop.stdout)["results"]["bindings"]}
    assert ("monitors", "49405") in pairs


def test_export_void_writes_the_kept_description(tmp_path, shared_data):
    store_dir = tmp_path / "store"
    store = open_store(store_dir)
    assert build(store, [examples_dir()], progress=False).ok
    load(store, {"pos": shared_data / "place_of_service_codes_cms.csv"}, progress=False)
    del store
    out = tmp_path / "void.ttl"
    r = subprocess.run([sys.executable, "-m", "kg", "export", "--format", "void", "-o", str(out), "--store",
                        str(store_dir)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr
    g = ox.Store()
    g.load(out.read_bytes(), ox.RdfFormat.TURTLE)
    void = "http://rdfs.org/ns/void#"
    triples = {q.subject.value: int(q.object.value) for q in g.quads_for_pattern(None, ox.NamedNode(void + "triples"), None)
               if isinstance(q.subject, ox.NamedNode)}
    briefing = "https://w3id.org/codekg/briefing/77013.txt"
    store = open_store(store_dir, read_only=True)
    assert triples[briefing] == len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(briefing))))
    from kg.codesets.catalog import current_graph

    versions = [q.object.value for q in g.quads_for_pattern(ox.NamedNode(current_graph(store, "pos")),
                                                           ox.NamedNode("http://purl.org/pav/version"), None)]
    assert len(versions) == 1
    classes = {q.object.value for q in g.quads_for_pattern(None, ox.NamedNode(void + "class"), None)}
    assert "https://w3id.org/codekg/ontology#SiteOfService" in classes
