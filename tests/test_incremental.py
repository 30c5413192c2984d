"""An incremental build leaves the store as a fresh build of the same documents would, and reports the same."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.examples import examples_dir
from kg.stats import VOID_GRAPH, is_current, kept_quads, kept_total, record_graphs
from kg.store import open_store
from kg.vocab import ONTOLOGY

_build = importlib.import_module("kg.build")  # the module (kg.build the name is the function)
_prepare = _build._prepare


def _report(report) -> dict:
    return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "removed": report.removed, "errors": [str(e) for e in report.errors], "unread": report.unread,
            "rows": (report.rows_read, report.rows_skipped, report.rows_reported, report.rows_reported_by),
            "quads": report.quads_written}


def _quads(store) -> set:
    """The store's quads, the ontology's (the same file, with blank nodes of its own in each store) as their count."""
    ontology = ox.NamedNode(ONTOLOGY)
    return {q for q in store if q.graph_name != ontology} | {len(list(store.quads_for_pattern(None, None, None, ontology)))}


@pytest.fixture
def folder(tmp_path) -> Path:
    folder = tmp_path / "briefings"
    shutil.copytree(examples_dir(), folder)
    (folder / "zz-bad.txt").write_text("no heading here\n", encoding="utf-8")  # fails at every build
    return folder


def _change(folder: Path) -> bytes:
    """Change one briefing, add one, delete one, break one (its last good bytes are returned)."""
    changed = folder / "77013.txt"
    changed.write_bytes(changed.read_bytes().replace(b"Key payers", b"Key payers (revised)", 1))
    shutil.copy(folder / "47382.txt", folder / "47382-copy.txt")
    (folder / "20982.txt").unlink()
    broken = folder / "32998.txt"
    good = broken.read_bytes()
    broken.write_bytes(b"\x00\x01garbage\xff")
    return good


def test_an_incremental_build_equals_a_fresh_build_of_the_same_documents(tmp_path, folder):
    store = open_store(tmp_path / "store")
    first = build(store, [folder], progress=False)
    assert [Path(e.path).name for e in first.errors] == ["zz-bad.txt"]
    good = _change(folder)
    report = build(store, [folder], progress=False)
    assert report.updated == ["77013.txt"] and report.added == ["47382-copy.txt"] and report.removed == ["20982.txt"]
    assert sorted(Path(e.path).name for e in report.errors) == ["32998.txt", "zz-bad.txt"]
    # a document that fails keeps the graph of its last good bytes: a fresh build of those bytes is the reference
    (folder / "32998.txt").write_bytes(good)
    fresh = open_store(tmp_path / "fresh")
    build(fresh, [folder], progress=False)
    assert is_current(store) and is_current(fresh)
    assert _quads(store) == _quads(fresh)  # every quad, the statistics graph included
    assert kept_total(store) == sum(kept_quads(store).values()) == len(store) - len(
        list(store.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH))))


def test_failures_remembered_are_reported_as_a_parse_reports_them(tmp_path, folder):
    remembered, parsed = open_store(tmp_path / "a"), open_store(tmp_path / "b")
    build(remembered, [folder], progress=False)
    build(parsed, [folder], progress=False)
    _change(folder)
    with_memory = build(remembered, [folder], progress=False)
    assert _build._FAILED  # the failures of the build before were remembered, and are again
    _build._FAILED.clear()
    assert _report(build(parsed, [folder], progress=False)) == _report(with_memory)
    assert _quads(remembered) == _quads(parsed)
    (folder / "zz-bad.txt").write_text("still no heading, other bytes\n", encoding="utf-8")  # new bytes: parsed again
    again = build(remembered, [folder], progress=False)
    assert "zz-bad.txt:1: " in " ".join(str(e) for e in again.errors)


def test_failures_carried_to_the_next_process_are_reported_alike_and_not_parsed(tmp_path, folder, monkeypatch):
    from kg.build_failures import remembered_failures

    store, cache = open_store(tmp_path / "store"), tmp_path / "cache"
    _build._FAILED.clear()
    with remembered_failures(cache):
        first = build(store, [folder], progress=False)
    _build._FAILED.clear()  # as a new process starts
    parsed = []
    monkeypatch.setattr(_build, "_prepare", lambda item, addons=None, mentions=False:
                        parsed.append(item[0]) or _prepare(item, addons, mentions))
    with remembered_failures(cache):
        again = build(store, [folder], progress=False)
    assert [str(e) for e in again.errors] == [str(e) for e in first.errors] and len(first.errors) == 1
    assert parsed == []  # the failing document was not parsed again, nor any other
    (folder / "zz-bad.txt").write_text("still no heading, other bytes\n", encoding="utf-8")
    _build._FAILED.clear()
    with remembered_failures(cache):
        build(store, [folder], progress=False)
    assert [Path(p).name for p in parsed] == ["zz-bad.txt"]  # other bytes: parsed


def test_statistics_follow_a_graph_written_behind_their_back(tmp_path, folder):
    """A graph no writer recorded, or one removed without a word, is described at the next build."""
    store = open_store(tmp_path / "store")
    build(store, [folder], progress=False)
    extra = ox.NamedNode("https://w3id.org/codekg/extra")
    store.add(ox.Quad(extra, extra, ox.Literal("x"), extra))
    store.remove_graph(ox.NamedNode("https://w3id.org/codekg/briefing/47382.txt"))
    report = build(store, [folder], progress=False)
    assert report.added == ["47382.txt"]
    assert kept_quads(store)[extra.value] == 1
    kept = set(store.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH)))
    store.remove_graph(ox.NamedNode(VOID_GRAPH))
    record_graphs(store, [])  # described afresh
    assert set(store.quads_for_pattern(None, None, None, ox.NamedNode(VOID_GRAPH))) == kept


def _memo_build(tmp_path, folder):
    """One build as ``kg build`` runs it: the memo loaded before the store opens, saved once it is closed."""
    from kg.build_files import FileMemo

    memo = FileMemo.load(tmp_path / "cache", tmp_path / "store")
    store = open_store(tmp_path / "store")
    report = build(store, [folder], progress=False, files=memo)
    del store
    memo.save(tmp_path / "store")
    return report, memo


def test_files_the_memo_vouches_for_are_not_read_and_the_store_equals_a_fresh_build(tmp_path, folder, monkeypatch):
    import os

    first, _ = _memo_build(tmp_path, folder)
    _build._FAILED.clear()
    reads = []
    read = _build.read_briefing
    monkeypatch.setattr(_build, "read_briefing", lambda p: reads.append(Path(p).name) or read(p))
    monkeypatch.setattr("kg.build_files.RACY_NS", -10**12)  # the files were written just now: trust them anyway
    again, memo = _memo_build(tmp_path, folder)
    assert memo.trusted and reads == ["zz-bad.txt"]  # the failing file is read (its failure is remembered apart)
    assert again.unchanged == first.added and [str(e) for e in again.errors] == [str(e) for e in first.errors]
    # same size, same modification time, other bytes: the change time tells
    changed = folder / "77013.txt"
    st = changed.stat()
    data = changed.read_bytes()
    changed.write_bytes(data.replace(b"Key payers", b"KEY PAYERS", 1))
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    third, memo = _memo_build(tmp_path, folder)
    assert third.updated == ["77013.txt"] and "77013.txt" in reads
    # another writer since the last build: nothing is vouched for
    store = open_store(tmp_path / "store")
    store.add(ox.Quad(ox.NamedNode("http://x"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
    store.flush()
    del store
    (folder / "47382.txt").write_bytes((folder / "47382.txt").read_bytes() + b"\n")
    os.utime(folder / "47382.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    fourth, memo = _memo_build(tmp_path, folder)
    assert not memo.trusted and len(reads) == len(first.added) + 1 and fourth.updated == ["47382.txt"]
    fresh = open_store(tmp_path / "fresh")
    build(fresh, [folder], progress=False)
    store = open_store(tmp_path / "store")
    store.remove_graph(ox.NamedNode("http://g"))
    record_graphs(store, ["http://g"])
    assert _quads(store) == _quads(fresh)
