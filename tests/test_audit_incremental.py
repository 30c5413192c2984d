"""kg audit after a change: only the briefings that changed are checked again, only the findings that changed are
rewritten, and what it finds and writes is what a fresh audit and a fresh write give."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pyoxigraph as ox
import pytest

from kg.audit import AUDIT_GRAPH, audit, findings_quads, write_findings
from kg.audit.briefings import audit_briefings
from kg.audit.graph import _BULK, findings_digest
from kg.build import build
from kg.examples import examples_dir
from kg.query import run
from kg.store import open_store
from kg.vocab import KG


@pytest.fixture(scope="module")
def findings(audited_store_dir):
    return audit(open_store(audited_store_dir, read_only=True))


def _graph(store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, ox.NamedNode(AUDIT_GRAPH)))


def _fresh(findings) -> set[ox.Quad]:
    """The audit graph a write of ``findings`` into an empty store gives."""
    g = ox.NamedNode(AUDIT_GRAPH)
    return set(findings_quads(findings)) | {ox.Quad(g, ox.NamedNode(str(KG.sha256)), ox.Literal(findings_digest(findings)), g)}


class _Counting:
    """A store that counts the quads written to it and removed from it."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.added, self.removed = store, 0, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def __contains__(self, quad) -> bool:
        return quad in self.store

    def add(self, quad) -> None:
        self.added += 1
        self.store.add(quad)

    def extend(self, quads) -> None:
        quads = list(quads)
        self.added += len(quads)
        self.store.extend(quads)

    bulk_extend = extend

    def remove(self, quad) -> None:
        self.removed += 1
        self.store.remove(quad)


def test_one_briefing_changed_is_the_only_one_checked_again(audited_store_dir, findings, tmp_path):
    copy, cache = tmp_path / "store", tmp_path / "cache"
    shutil.copytree(audited_store_dir, copy)
    store = open_store(copy)
    first, read = audit_briefings(store, cache)
    assert first == findings and read > 5
    assert audit_briefings(store, cache) == (first, 0)  # nothing changed: every finding from the cache
    folder = tmp_path / "changed"
    folder.mkdir()
    text = (examples_dir() / "77013.txt").read_text(encoding="utf-8")
    assert "\nC22.0 |" in text
    (folder / "77013.txt").write_text(text.replace("\nC22.0 |", "\nC22.O |"), encoding="utf-8")
    assert build(store, folder / "77013.txt", progress=False).updated == ["77013.txt"]
    again, read = audit_briefings(store, cache)
    assert read == 1
    assert again == audit(store)  # what an audit without a cache finds
    assert {(f.code, f.document) for f in again} - {(f.code, f.document) for f in first} == {("C22.O", "77013.txt")}


def test_one_finding_changed_rewrites_its_own_quads_only(findings, tmp_path):
    store = ox.Store()
    write_findings(store, findings, tmp_path)
    assert _graph(store) == _fresh(findings)
    changed = findings[:3] + [replace(findings[3], message="another message")] + findings[4:]
    counting = _Counting(store)
    assert write_findings(counting, changed, tmp_path) == len(_fresh(changed))
    assert (counting.removed, counting.added) == (2, 2)  # the message and the digest
    assert _graph(store) == _fresh(changed)
    dropped = findings[:5] + findings[6:]  # one finding gone: its quads, and the keys of the others on its line
    counting = _Counting(store)
    write_findings(counting, dropped, tmp_path)
    assert _graph(store) == _fresh(dropped)
    assert counting.removed <= len(findings_quads([findings[3], findings[5]])) + 8 and counting.added <= 8


def test_a_graph_written_behind_the_caches_back_is_read_from_the_store(findings, tmp_path):
    store = ox.Store()
    write_findings(store, findings, tmp_path)
    write_findings(store, findings[2:])  # no cache: what the cache says is no longer the graph
    g = ox.NamedNode(AUDIT_GRAPH)
    store.add(ox.Quad(g, ox.NamedNode("http://example.org/mark"), ox.Literal("left alone"), g))
    write_findings(store, findings[1:], tmp_path)
    assert _graph(store) == _fresh(findings[1:])  # the foreign quad removed too
    for q in list(store.quads_for_pattern(g, ox.NamedNode(str(KG.sha256)), None, g)):
        store.remove(q)  # a write cut short before its digest: not the write the cache kept
    write_findings(store, findings, tmp_path)
    assert _graph(store) == _fresh(findings)


def test_the_listing_after_a_written_difference_is_the_listing_of_a_fresh_write(findings, tmp_path):
    store, fresh = ox.Store(), ox.Store()
    write_findings(store, findings[::2], tmp_path)
    write_findings(store, findings, tmp_path)
    write_findings(fresh, findings)
    assert run(store, "audit-findings").rows == run(fresh, "audit-findings").rows
    page = run(store, "audit-findings", limit=4, offset=3)
    assert page.rows == run(fresh, "audit-findings").rows[3:7] and page.total == len({q.subject for q in _graph(store)}) - 1


@pytest.mark.parametrize("copies", [1, 400])
def test_the_first_write_is_the_graph_a_write_of_terms_gives(findings, tmp_path, copies):
    """Into a store with no audit graph the findings go as N-Quads (bulk-loaded when many): the same quads, hostile
    text included."""
    hostile = 'say "hi"\\ \n\r\t back\\slash \u00e9\u4e2d\U0001f600 <iri> _:b .'
    more = [replace(f, message=f.message + hostile, line=f.line + 1000 * i, briefing=hostile if i % 2 else f.briefing)
            for i in range(copies) for f in findings]
    store = open_store(tmp_path / "store")
    held = write_findings(store, more, tmp_path / "cache")
    assert _graph(store) == _fresh(more) and held == len(_fresh(more))
    assert (held >= _BULK) == (copies > 1)  # the bulk loader's path, and the transaction's
    assert write_findings(store, more, tmp_path / "cache") == held  # the digest is there: nothing rewritten


@pytest.mark.parametrize("chunk", [1, 7, 100])
def test_the_first_write_in_chunks_is_the_graph_one_transaction_gives(findings, tmp_path, monkeypatch, chunk):
    """A first write bulk-loaded a chunk at a time (each ending with a node; findings found twice among them) holds
    the quads one transaction of them all holds, and counts them."""
    import kg.audit.graph as graph
    from kg.bulk import BulkWriter

    more = findings + findings[::3]  # a node for each finding found twice
    want = _fresh(more)
    monkeypatch.setattr(graph, "_BULK", chunk)
    chunks = []
    put = BulkWriter.put
    monkeypatch.setattr(BulkWriter, "put", lambda self, data, then=(): (chunks.append(data), put(self, data, then))[1])
    store = open_store(tmp_path / "store")
    assert write_findings(store, more, tmp_path / "cache") == len(want)
    assert _graph(store) == want
    assert len(chunks) >= len(want) // max(chunk, 20)  # in chunks (a node has a dozen quads or fewer)
