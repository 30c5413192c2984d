"""What the audit reads of each briefing graph, kept by the build (kg.mentions): the same mentions the store's
queries give, keyed so that a record is only ever read for the graph it was made from, and an audit that uses them
finds exactly what one that queries the store finds."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.audit import audit
from kg.audit import briefings as audit_briefings_module
from kg.audit.briefings import audit_briefings
from kg.audit.cache import cached_code_set_facts
from kg.audit.read import mentions
from kg.build import build
from kg.examples import examples_dir
from kg.knowledge import add_on_codes
from kg.mentions import KeptMentions, graph_mentions, pack, unpack
from kg.parse import parse_bytes
from kg.store import open_store
from kg.to_rdf import briefing_triples
from kg.vocab import KG

REPO = Path(__file__).resolve().parents[1]
_CONTENT = ox.NamedNode(str(KG.contentSha256))


def _files(*folders: Path) -> list[Path]:
    seen: dict[str, Path] = {}
    for folder in folders:
        for p in sorted(folder.glob("*.txt")):
            seen.setdefault(p.name, p)  # a name once, as the build takes it
    return list(seen.values())


def _in_python(store, paths: list[Path]) -> list:
    addons = add_on_codes(store)
    out = []
    for p in paths:
        try:
            b = parse_bytes(p.read_bytes(), str(p))
        except Exception:  # noqa: BLE001  (a briefing that does not parse has no graph)
            continue
        out += graph_mentions(*briefing_triples(b, addons))
    return sorted(out, key=lambda m: (m.file, m.line, m.relation, m.code, m.other, m.ends, m.description, m.text))


@pytest.fixture(scope="module")
def generated(tmp_path_factory, shared_data) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import generate, load_sources

    out = tmp_path_factory.mktemp("kept") / "briefings"
    generate(out, 300, seed=5, sources=load_sources(shared_data))  # 1% malformed rows among them
    return out


def test_graph_mentions_are_what_the_store_queries_read(dev_corpus, generated, shared_data):
    from kg.codesets import load

    folders = [dev_corpus, examples_dir(), REPO / "tests" / "data" / "audit", REPO / "tests" / "data" / "unseen",
               REPO / "tests" / "data" / "parser", generated]
    paths = _files(*folders)
    store = ox.Store()
    # the add-on list changes how "reported in addition to" reads: the triples, and so the mentions, differ
    load(store, {"ncci-addon": shared_data / "ncci_addon_code_edits_2024-06.csv"}, progress=False)
    build(store, paths, progress=False)
    expected = mentions(store)
    assert len(expected) > 5000 and {m.relation for m in expected} >= {"subject", "malformed", "addOnTo",
                                                                       "hasModifier", "indicationFor"}
    assert any(m.with_modifiers for m in expected) and any(m.written != m.code for m in expected)
    assert _in_python(store, paths) == expected


def test_a_node_with_two_values_reads_as_the_queries_do():
    """Triples no build writes (two descriptions, two lines of text, a modifier named twice): every combination, as
    the engine makes them."""
    b = parse_bytes((examples_dir() / "77013.txt").read_bytes(), "77013.txt")
    doc, triples = briefing_triples(b)
    edge = next(s for s, p, o in triples if p == str(KG.subjectCode) and s.endswith("#L41"))
    extra = [(edge, str(KG.description), ("Another description", None)), (edge, str(KG.usageNote), ("A note", None)),
             (edge, str(KG.withModifier), "https://w3id.org/codekg/modifier/26"),
             ("https://w3id.org/codekg/modifier/26", "http://www.w3.org/2004/02/skos/core#notation", ("26", None))]
    store = ox.Store()
    g = ox.NamedNode(doc)
    for s, p, o in triples + extra:
        obj = ox.Literal(o[0], datatype=ox.NamedNode(o[1])) if isinstance(o, tuple) and o[1] else (
            ox.Literal(o[0]) if isinstance(o, tuple) else ox.NamedNode(o))
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, g))
    assert graph_mentions(doc, triples + extra) == mentions(store)
    assert [m.with_modifiers for m in graph_mentions(doc, triples + extra) if m.line == 41] == [("26",)]


def test_the_marker_holds_the_digest_of_what_the_graph_holds(tmp_path):
    a, b = ox.Store(), ox.Store()
    build(a, examples_dir() / "77013.txt", progress=False)
    build(b, examples_dir() / "77013.txt", progress=False)
    g = ox.NamedNode("https://w3id.org/codekg/briefing/77013.txt")
    digest = [q.object.value for q in a.quads_for_pattern(g, _CONTENT, None, g)]
    assert len(digest) == 1 and len(digest[0]) == 64
    assert digest == [q.object.value for q in b.quads_for_pattern(g, _CONTENT, None, g)]  # same content, same digest
    changed = tmp_path / "77013.txt"
    changed.write_text((examples_dir() / "77013.txt").read_text(encoding="utf-8").replace("C22.0", "C22.1"),
                       encoding="utf-8")
    build(b, changed, progress=False)
    assert [q.object.value for q in b.quads_for_pattern(g, _CONTENT, None, g)] != digest


def _no_store_reads(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the mentions were read from the store")

    monkeypatch.setattr(audit_briefings_module, "_read_all", refuse)
    monkeypatch.setattr(audit_briefings_module, "_read_some", refuse)


@pytest.fixture(scope="module")
def logged(audited_store_dir, tmp_path_factory) -> tuple[Path, Path, list]:
    """The audited store with its briefings rebuilt and their mentions kept in a cache (holding the code sets'
    facts too); and what an audit that queries every mention finds there."""
    tmp = tmp_path_factory.mktemp("logged")
    copy, cache = tmp / "store", tmp / "cache"
    shutil.copytree(audited_store_dir, copy)
    store = open_store(copy)
    for g in [g for g in store.named_graphs() if g.value.startswith("https://w3id.org/codekg/briefing/")]:
        store.remove_graph(g)
    kept = KeptMentions(cache)
    report = build(store, [examples_dir(), REPO / "tests" / "data" / "audit"], progress=False, kept=kept)
    assert report.ok and len(kept.added) == len(report.added) > 5
    kept.save()
    expected = audit(store)  # no cache: every mention queried
    assert expected
    cached_code_set_facts(store, cache)
    del store
    return copy, cache, expected


def _copy(logged, tmp_path, *, store: bool = False):
    """The logged store (a copy, when it is to change, else opened read-only) and a copy of its cache."""
    store_dir, cache, expected = logged
    shutil.copytree(cache, tmp_path / "cache")
    if store:
        shutil.copytree(store_dir, tmp_path / "store")
        return open_store(tmp_path / "store"), tmp_path / "cache", expected
    return open_store(store_dir, read_only=True), tmp_path / "cache", expected


def test_an_audit_of_kept_mentions_finds_what_one_of_the_store_finds(logged, tmp_path, monkeypatch):
    store, cache, expected = _copy(logged, tmp_path)
    with monkeypatch.context() as m:
        _no_store_reads(m)
        assert audit_briefings(store, cache)[0] == expected


def test_a_graph_written_without_the_log_is_read_from_the_store(logged, tmp_path, monkeypatch):
    store, cache, _ = _copy(logged, tmp_path, store=True)
    changed = tmp_path / "changed" / "77013.txt"
    changed.parent.mkdir()
    changed.write_text((examples_dir() / "77013.txt").read_text(encoding="utf-8").replace("\nC22.0 |", "\nC22.O |"),
                       encoding="utf-8")
    assert build(store, changed, progress=False).updated == ["77013.txt"]  # no log: its record is of the old graph
    got, _ = audit_briefings(store, cache)
    assert got == audit(store) and any(f.code == "C22.O" for f in got)
    # the audit kept what it read: a new audit of every briefing (a code set reloaded, say) reads nothing
    g = ox.NamedNode("https://w3id.org/codekg/briefing/77013.txt")
    (digest,) = [q.object.value for q in store.quads_for_pattern(g, _CONTENT, None, g)]
    assert digest in KeptMentions(cache).read()
    for old in cache.glob("audit-briefings-*"):
        old.unlink()
    with monkeypatch.context() as m:
        _no_store_reads(m)
        assert audit_briefings(store, cache)[0] == got


def _unpacked(records: dict[str, bytes]) -> dict[str, list]:
    return {d: unpack(b) for d, b in records.items()}


def test_a_damaged_log_costs_only_time(logged, tmp_path):
    store, cache, expected = _copy(logged, tmp_path)
    log = KeptMentions(cache)
    records = log.read()
    data = log.path.read_bytes()
    log.path.write_bytes(data[:len(data) // 2] + b"\x00garbage" + data[len(data) // 2:])
    assert 0 < len(log.read()) < len(records) and not log.good
    assert audit_briefings(store, cache)[0] == expected
    assert _unpacked(KeptMentions(cache).read()) == _unpacked(records)  # rewritten whole
    log.path.write_bytes(data[:-10])  # cut short, as by a build killed while appending
    for old in cache.glob("audit-briefings-*"):
        old.unlink()
    assert audit_briefings(store, cache)[0] == expected


def test_a_record_is_read_only_under_its_graphs_digest(logged, tmp_path):
    """Records under other digests (as of the graphs before they changed) are never taken for these graphs'."""
    store, cache, expected = _copy(logged, tmp_path)
    log = KeptMentions(cache)
    records = log.read()
    wrong = pack(unpack(next(iter(records.values())))[:1])  # every graph said to mention one code
    log.compact({hashlib.sha256(d.encode()).hexdigest(): wrong for d in records})
    assert audit_briefings(store, cache)[0] == expected


def test_kg_build_keeps_the_mentions_and_the_code_sets_facts(tmp_path, shared_data):
    store = tmp_path / "store"
    kg = [sys.executable, "-m", "kg"]
    out = subprocess.run([*kg, "build", "--examples", "--store", str(store), "--codeset",
                          f"pos={shared_data / 'place_of_service_codes_cms.csv'}", "--codeset",
                          f"nucc={shared_data / 'nucc_taxonomy_251.csv'}"],
                         capture_output=True, text=True, check=True)
    assert "kg: note: read what the code sets say for the audit" in out.stderr
    cache = Path(f"{store}.kg-cache")
    assert len(KeptMentions(cache).read()) == 10 and list(cache.glob("code-set-facts-*.pickle"))
    again = subprocess.run([*kg, "build", "--examples", "--store", str(store), "--codeset",
                            f"pos={shared_data / 'place_of_service_codes_cms.csv'}"],
                           capture_output=True, text=True, check=True)
    assert "code sets say" not in again.stderr  # nothing loaded: nothing read again
    audited = subprocess.run([*kg, "audit", "--store", str(store), "--no-write", "--format", "json"],
                             capture_output=True, text=True)
    shutil.rmtree(cache)
    fresh = subprocess.run([*kg, "audit", "--store", str(store), "--no-write", "--format", "json"],
                           capture_output=True, text=True)
    assert (audited.returncode, audited.stdout) == (fresh.returncode, fresh.stdout) and audited.stdout.strip()
