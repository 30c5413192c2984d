"""The embedded store: incremental, idempotent builds; bad documents fail alone; crash safety."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import BriefingParseError, StoreError
from kg.examples import examples_dir
from kg.parse import parse_file
from kg.export import export, to_rdflib
from kg.build import build
from kg.store import documents, open_store, triple_count
from kg.to_rdf import briefing_quads
from kg.vocab import briefing_iri

GRAPH_77013 = briefing_iri("77013.txt")


def _graph_size(store, iri: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def test_build_is_idempotent(tmp_path, corpus):
    store = open_store(tmp_path / "s")
    first = build(store, [corpus], progress=False)
    n = triple_count(store)
    assert len(first.added) == 10 and first.ok
    second = build(store, [corpus], progress=False)
    assert second.added == [] and second.updated == [] and len(second.unchanged) == 10
    assert second.quads_written == 0
    assert triple_count(store) == n


@pytest.mark.parametrize("options", [
    {"batch_quads": 1},
    {"bulk": False},
    {"workers": 2},
])
def test_same_input_in_a_fresh_store_gives_the_same_triples(tmp_path, corpus, options):
    a, b = open_store(tmp_path / "a"), open_store(tmp_path / "b")
    build(a, [corpus], progress=False)
    report = build(b, [corpus], progress=False, **options)
    assert report.ok and len(report.added) == 10
    assert triple_count(a) == triple_count(b)
    ontology = "https://w3id.org/codekg/ontology"  # its owl:unionOf lists are blank nodes, fresh per store
    assert {q for q in a if q.graph_name.value != ontology} == {q for q in b if q.graph_name.value != ontology}


def test_parallel_build_reports_bad_documents_too(tmp_path, corpus):
    (corpus / "bad.txt").write_text("nothing to see\n", encoding="utf-8")
    report = build(open_store(tmp_path / "s"), [corpus], progress=False, workers=2)
    assert len(report.added) == 10
    assert [Path(e.path).name for e in report.errors] == ["bad.txt"] and report.errors[0].line == 1


def test_changed_document_replaces_only_its_graph(tmp_path, corpus):
    store = open_store(tmp_path / "s")
    build(store, [corpus], progress=False)
    other = briefing_iri("47382.txt")
    before_other = set(store.quads_for_pattern(None, None, None, ox.NamedNode(other)))
    path = corpus / "77013.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("K75.2 |", "K74.60 |"), encoding="utf-8")
    report = build(store, [corpus], progress=False)
    assert report.updated == ["77013.txt"] and len(report.unchanged) == 9
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(other))) == before_other
    g = ox.NamedNode(GRAPH_77013)
    k75 = ox.NamedNode("http://purl.bioontology.org/ontology/ICD10CM/K75.2")
    k74 = ox.NamedNode("http://purl.bioontology.org/ontology/ICD10CM/K74.60")
    assert not list(store.quads_for_pattern(k75, None, None, g))
    assert list(store.quads_for_pattern(k74, None, None, g))
    # the build adds to what the briefing says the path it was read from (kg:sourcePath) and the digest of the rest
    # (kg:contentSha256)
    assert _graph_size(store, GRAPH_77013) == len(briefing_quads(parse_file(path))) + 2


def test_bad_document_fails_alone_and_keeps_its_old_graph(tmp_path, corpus):
    store = open_store(tmp_path / "s")
    build(store, [corpus], progress=False)
    old = set(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_77013)))
    (corpus / "77013.txt").write_bytes(b"\x00\x01garbage\xff")
    (corpus / "zz-new.txt").write_text("no heading here\n", encoding="utf-8")
    shutil.copy(corpus / "47382.txt", corpus / "47382-copy.txt")
    report = build(store, [corpus], progress=False)
    assert not report.ok
    assert sorted(Path(e.path).name for e in report.errors) == ["77013.txt", "zz-new.txt"]
    assert all(isinstance(e, BriefingParseError) for e in report.errors)
    assert report.added == ["47382-copy.txt"]
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_77013))) == old


def test_duplicate_file_names_are_an_error(tmp_path, corpus):
    other = tmp_path / "other"
    other.mkdir()
    (other / "77013.txt").write_text((corpus / "47382.txt").read_text(encoding="utf-8"), encoding="utf-8")
    store = open_store(tmp_path / "s")
    report = build(store, [corpus, other], progress=False)
    assert len(report.errors) == 1 and "also named '77013.txt'" in str(report.errors[0])


def test_same_code_in_two_briefings_is_one_node_with_both_sources(example_store):
    rows = example_store.query(
        """SELECT DISTINCT ?doc WHERE { cpt:77013 kg:mentionedIn ?doc }""",
        prefixes={"cpt": "http://purl.bioontology.org/ontology/CPT/", "kg": "https://w3id.org/codekg/ontology#"},
        use_default_graph_as_union=True,
    )
    docs = {r["doc"].value.rsplit("/", 1)[1] for r in rows}
    assert {"77013.txt", "47382.txt", "50593.txt", "32998.txt"} <= docs


def test_documents_and_rdflib_bridge(example_store):
    assert len(documents(example_store)) == 10
    ds = to_rdflib(example_store)
    names = {str(g.identifier) for g in ds.graphs()}
    assert GRAPH_77013 in names
    assert len(ds.graph(ds.graph(GRAPH_77013).identifier)) == _graph_size(example_store, GRAPH_77013)


@pytest.mark.parametrize("fmt,parse_as", [("ttl", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_export_round_trips(example_store, tmp_path, fmt, parse_as):
    from rdflib import Dataset

    out = tmp_path / f"out.{fmt}"
    export(example_store, str(out), fmt)
    ds = Dataset()
    ds.parse(out, format=parse_as)
    quads = len(list(ds.quads((None, None, None, None))))
    if fmt in ("nq", "trig", "jsonld"):
        assert quads == len(example_store)
    else:
        assert quads == triple_count(example_store)


def test_export_one_graph(example_store, tmp_path):
    out = tmp_path / "g.nt"
    export(example_store, str(out), "nt", graph=GRAPH_77013)
    assert len(out.read_text(encoding="utf-8").splitlines()) == _graph_size(example_store, GRAPH_77013)


def test_read_only_open_of_a_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no kg store here"):
        open_store(tmp_path / "nothing", read_only=True)


def test_a_new_store_in_folders_not_made_yet_is_made_and_a_file_in_the_way_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(examples_dir() / "77013.txt"), "--no-progress",
                        "--store", str(tmp_path / "a" / "b" / "store")], capture_output=True, text=True, timeout=300,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert len(open_store(tmp_path / "a" / "b" / "store", read_only=True)) > 0
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match=r"file/store: cannot make the store's folder: Not a directory"):
        open_store(tmp_path / "file" / "store")


def test_a_second_writer_is_refused(held_store):
    with pytest.raises(StoreError, match="in use by another process"):
        open_store(held_store)


CRASH_SCRIPT = textwrap.dedent(
    """
    import sys
    from kg.build import build
    from kg.store import open_store
    store = open_store(sys.argv[1])
    print("ready", flush=True)
    build(store, [sys.argv[2]], progress=False, batch_quads=int(sys.argv[3]), bulk=sys.argv[4] == "bulk",
          workers=1)
    print("finished", flush=True)
    """
)


@pytest.mark.parametrize("batch,method", [(1, "transaction"), (5000, "transaction"), (1, "bulk"), (5000, "bulk")])
def test_crash_mid_build_leaves_whole_documents_only(tmp_path, corpus, batch, method):
    big = tmp_path / "big"
    big.mkdir()
    sources = sorted(corpus.glob("*.txt"))
    for i in range(80):
        for src in sources:
            shutil.copy(src, big / f"{src.stem}-{i:03d}.txt")
    # what each briefing says, the path the build read it from (kg:sourcePath) and its digest (kg:contentSha256)
    expected = {briefing_iri(p.name): len(briefing_quads(parse_file(p))) + 2 for p in big.glob("*.txt")}
    store_dir = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(store_dir), str(big), str(batch), method],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(2.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed; enlarge the corpus"

    store = open_store(store_dir)
    present = documents(store)
    assert 0 < len(present) < len(expected)
    for iri in present:  # a document with its marker is whole
        assert _graph_size(store, iri) == expected[iri], iri
    # the next build completes the rest, replacing any graph whose marker was not yet written
    report = build(store, [big], progress=False)
    assert report.ok and len(report.unchanged) == len(present)
    assert len(documents(store)) == len(expected)
    for iri, size in expected.items():
        assert _graph_size(store, iri) == size, iri


def test_one_path_as_str_or_path_is_one_path_not_its_characters(tmp_path, corpus):
    from kg.pipeline import build_all

    as_list = build(open_store(tmp_path / "a"), [corpus], progress=False).added
    assert as_list
    assert build(open_store(tmp_path / "b"), str(corpus), progress=False).added == as_list
    assert build(open_store(tmp_path / "c"), corpus, progress=False).added == as_list
    assert build(open_store(tmp_path / "d"), (p for p in [corpus]), progress=False).added == as_list
    built, _ = build_all(open_store(tmp_path / "e"), str(corpus), {}, progress=False)
    assert built.added == as_list
    with pytest.raises(StoreError, match="not bytes"):
        build(open_store(tmp_path / "f"), bytes(corpus), progress=False)
