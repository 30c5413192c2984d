"""Listings one page at a time (kg.paging): every page of every listing is a slice of the whole, row for row."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request

import pyoxigraph as ox
import pytest
from hypothesis import given, strategies as st

from kg.audit import AUDIT_GRAPH, audit, write_findings
from kg.build import build
from kg.errors import QueryError
from kg.paging import count_text, list_key, marked_span, page_text
from kg.query import named_queries, query_text, run
from kg.serve import start
from kg.stats import VOID_GRAPH
from kg.store import open_store
from kg.vocab import KG

LISTINGS = sorted(n for n, q in named_queries().items() if q.page)


@pytest.fixture(scope="module")
def listed_dir(tmp_path_factory, audited_store_dir, dev_corpus):
    """The audited store (examples, tests/data/audit, every code set) plus the 30 dev briefings, audited."""
    path = tmp_path_factory.mktemp("paging") / "store"
    shutil.copytree(audited_store_dir, path)
    store = open_store(path)
    assert build(store, [dev_corpus], progress=False).ok
    write_findings(store, audit(store))
    store.flush()
    del store
    return path


@pytest.fixture(scope="module")
def listed_store(listed_dir):
    return open_store(listed_dir, read_only=True)


def _walk(store, name: str, size: int, **params) -> tuple[list, set[int]]:
    """Every page of ``name`` in order, and the totals each page reported."""
    rows, totals, offset = [], set(), 0
    while True:
        page = run(store, name, limit=size, offset=offset, **params)
        assert len(page.rows) <= size and page.offset == offset
        rows += page.rows
        totals.add(page.total)
        if not page.more:
            return rows, totals
        offset += size


def test_the_listings_are_the_ones_that_grow_with_the_corpus():
    assert LISTINGS == ["audit-findings", "documents", "needs-review"]
    assert all(named_queries()[n].page_query for n in LISTINGS)


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize("size", [1, 7, 100])
def test_every_page_is_a_slice_of_the_whole_listing(listed_store, name, size):
    whole = run(listed_store, name)
    assert len(whole.rows) > 7, f"{name}: the test store lists too little to page"
    rows, totals = _walk(listed_store, name, size)
    assert rows == whole.rows
    assert totals == {len(whole.rows)}


@pytest.mark.parametrize("name", ["documents", "needs-review"])
def test_pages_of_a_store_that_keeps_no_statistics_are_cut_from_the_recount(listed_store, listed_dir, tmp_path, name):
    kept = run(listed_store, name).rows
    shutil.copytree(listed_dir, tmp_path / "store")
    store = open_store(tmp_path / "store")
    store.remove_graph(ox.NamedNode(VOID_GRAPH))  # as a store an older kg built: no catalog, no list keys
    rows, totals = _walk(store, name, 5)
    assert rows == kept and totals == {len(kept)}


def test_a_kind_given_pages_only_that_kind(listed_store):
    whole = run(listed_store, "audit-findings").records()
    kinds = sorted({r["kind"] for r in whole})
    assert len(kinds) >= 3
    for kind in kinds:
        only = run(listed_store, "audit-findings", kind=kind)
        assert only.rows and {r["kind"] for r in only.records()} == {kind}
        rows, totals = _walk(listed_store, "audit-findings", 3, kind=kind)
        assert rows == only.rows and totals == {len(only.rows)}


def test_an_audit_graph_without_list_keys_is_still_listed_whole_and_by_page():
    from kg.audit import Finding

    findings = [Finding("unknown-code", "error", f"C4O.{i}", "ICD-10-CM", f"{i % 3}.txt", i, f"C4O.{i} is no code")
                for i in range(12)]
    store = ox.Store()
    write_findings(store, findings)
    keyed = run(store, "audit-findings").rows
    for q in list(store.quads_for_pattern(None, ox.NamedNode(str(KG.listKey)), None, ox.NamedNode(AUDIT_GRAPH))):
        store.remove(q)  # what an older kg wrote
    assert run(store, "audit-findings").rows == keyed
    page = run(store, "audit-findings", limit=5)
    assert page.rows == keyed[:5] and page.total == 12


def test_findings_are_ranked_in_the_listing_order():
    from kg.audit import Finding

    findings = [Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "b.txt", 9, "z"),
                Finding("unknown-code", "error", "C4O.2", "ICD-10-CM", "b.txt", 10, "a"),
                Finding("unknown-code", "error", "C4O.2", "ICD-10-CM", "a.txt", 100, "a"),
                Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "b.txt", 9, "z")]  # found twice: one node
    store = ox.Store()
    write_findings(store, findings)
    listed = [(r["file"], r["line"], r["kind"]) for r in run(store, "audit-findings").records()]
    assert listed == [("a.txt", "100", "unknown-code"), ("b.txt", "9", "label-mismatch"), ("b.txt", "10", "unknown-code")]


@given(st.lists(st.tuples(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=8),
                          st.integers(min_value=0, max_value=10**9)), max_size=30))
def test_a_list_key_sorts_as_its_parts_do(rows):
    assert sorted(rows) == sorted(rows, key=lambda r: list_key(*r))


def test_a_list_key_sorts_in_the_engine_as_in_python():
    keys = [list_key(f, n) for f in ("a.txt", "a.txtb", "B.txt", "é.txt") for n in (0, 9, 41, 100, 12345)]
    store = ox.Store()
    for i, k in enumerate(keys):
        store.add(ox.Quad(ox.NamedNode(f"http://r/{i}"), ox.NamedNode("http://k"), ox.Literal(k)))
    engine = [s["k"].value for s in store.query("SELECT ?k WHERE { ?r <http://k> ?k } ORDER BY ?k")]
    assert engine == sorted(keys)


@pytest.mark.parametrize("bad", [0, -1, "x", "1e3", True, "9" * 13])
def test_a_bad_limit_is_a_clear_error(example_store, bad):
    with pytest.raises(QueryError, match="limit must be a whole number of rows"):
        run(example_store, "documents", limit=bad)
    with pytest.raises(QueryError, match="offset must be a whole number of rows"):
        run(example_store, "documents", limit=5, offset=bad if bad != 0 else -1)


def test_page_texts_are_plain_sparql_that_any_endpoint_reads():
    for name in LISTINGS:
        q = named_queries()[name]
        text, _ = query_text(None, name, limit=100, offset=200)
        assert "LIMIT 100 OFFSET 200" in text and marked_span(text) is None  # cut where the mark was
        ox.Store().query(text)  # parses
        ox.Store().query(count_text(query_text(None, name)[0]))
        assert marked_span(q.text) is None  # the whole listing is cut at its end, if ever
    with pytest.raises(QueryError, match="its own LIMIT"):
        page_text("SELECT ?x WHERE { ?x ?p ?o } LIMIT 3", 10)
    with pytest.raises(QueryError, match="one subquery"):
        marked_span("SELECT * { { SELECT ?x { ?x ?p ?o } ORDER BY ?x  # kg:page\n } "
                    "{ SELECT ?y { ?y ?p ?o } ORDER BY ?y  # kg:page\n } }")
    with pytest.raises(QueryError, match="must end the ORDER BY line of a subquery"):
        marked_span("SELECT ?x { ?x ?p ?o } ORDER BY ?x  # kg:page\n")


def _kg(*args, store) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args, "--store", str(store)], capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_command_line_shows_a_page_and_says_how_to_see_the_rest(listed_store, listed_dir, tmp_path):
    path = listed_dir
    total = len(run(listed_store, "audit-findings").rows)
    first = _kg("query", "audit-findings", "--format", "csv", store=path)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == 1 + min(100, total)
    if total > 100:
        assert f"rows 1-100 of {total:,}; --offset 100 for the next page, --all for every row" in first.stderr
    two = _kg("query", "documents", "--limit", "2", "--offset", "1", store=path)
    assert "(2 rows)" in two.stdout and "rows 2-3 of" in two.stderr
    every = _kg("query", "audit-findings", "--all", "--format", "csv", store=path)
    assert len(every.stdout.splitlines()) == 1 + total and "rows" not in every.stderr
    past = _kg("query", "documents", "--offset", "100000", store=path)
    assert past.returncode == 0 and "no rows after row 100,000" in past.stderr
    for args in (["--limit", "0"], ["--limit", "3", "--all"]):
        bad = _kg("query", "documents", *args, store=path)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
    mine = tmp_path / "mine.rq"
    mine.write_text("SELECT * WHERE { ?s ?p ?o }", encoding="utf-8")
    own = _kg("query", "--sparql", str(mine), "--limit", "3", store=path)
    assert own.returncode == 2 and "work with named queries only" in own.stderr


def test_a_served_listing_page_links_to_the_next(listed_store, listed_dir):
    path = listed_dir
    total = len(run(listed_store, "documents").rows)
    with start(path, bind="127.0.0.1:0", workers=1) as server:
        with urllib.request.urlopen(f"{server.base}/q/documents?limit=5&offset=5", timeout=60) as answer:
            text = answer.read().decode()
        assert f"rows 6–10 of {total:,}" in text
        assert "offset=10" in text and "offset=0" in text  # next and previous
        assert text.count("<tr>") == 1 + 5
        with urllib.request.urlopen(f"{server.base}/q/documents", timeout=60) as answer:
            assert answer.read().decode().count("<tr>") == 1 + min(100, total)
