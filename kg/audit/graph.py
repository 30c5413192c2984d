"""The audit's findings in the store: the audit graph, written whole and read back with SPARQL.

:func:`kg.audit.audit` returns findings as records; :func:`write_findings`
records them in one named graph, :data:`AUDIT_GRAPH`, so that named queries
(``audit-findings``, ``code-findings``) and the views can see them.
:mod:`kg.audit` re-exports everything here.

Examples
--------
>>> from kg.audit import Finding
>>> f = Finding("unknown-code", "error", "C4O.20", "ICD-10-CM", "77013.txt", 41, "C4O.20 is not a ICD-10-CM code")
>>> store = ox.Store()
>>> write_findings(store, [f]) == len(findings_quads([f])) + 1  # and the digest of the findings
True
>>> read_findings(store)["http://purl.bioontology.org/ontology/ICD10CM/C4O.20"][0]["kind"]
'unknown-code'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.official import run_internal as _run
from kg.vocab import BASE, KG

if TYPE_CHECKING:
    from kg.audit import Finding

__all__ = ["AUDIT_GRAPH", "FORMAT", "SEVERITY_RANK", "findings_digest", "findings_quads", "read_findings",
           "write_findings"]

AUDIT_GRAPH = BASE + "audit"
"""The named graph that holds the latest audit's findings."""

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
"""Severity -> rank: the higher, the worse (findings are read back worst first)."""


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"


def _node_keys(findings: list[Finding]) -> tuple[list[str], dict[str, str]]:
    """Each finding's node key, and each node's ``kg:listKey``: its file and line (:func:`kg.paging.list_key`),
    then its place among the nodes of that line, left out for the first; so the keys sort as the listing
    does (file, line, kind, code, message) and a finding keeps its key while other lines and files change."""
    from hashlib import sha1

    from kg.paging import list_key

    keys = [sha1(f"{f.document}|{f.line}|{f.kind}|{f.code}|{f.procedure}".encode()).hexdigest()[:16] for f in findings]
    listed: dict[str, str] = {}  # a finding's node -> its key in the listing (one per node, however often found)
    line, place = None, 0
    for i in sorted(range(len(findings)), key=lambda i: (findings[i].document, findings[i].line, findings[i].kind,
                                                          findings[i].code, findings[i].message, keys[i])):
        if keys[i] in listed:
            continue
        f = findings[i]
        if (f.document, f.line) != line:
            line, place = (f.document, f.line), 0
        # a whole number written as list_key writes one (its count of digits first) sorts after no number
        listed[keys[i]] = list_key(f.document, f.line) + (f"{chr(48 + len(str(place)))}{place}" if place else "")
        place += 1
    return keys, listed


def _finding_triples(f: Finding, key: str, listed: str, add) -> None:
    """``add`` each triple of finding ``f`` (its node ``key``, its ``kg:listKey`` ``listed``), as plain strings and
    :class:`kg.to_rdf.Lit` (:func:`findings_quads` makes terms of them; a fresh write, N-Quads)."""
    from kg.to_rdf import Lit

    n = f"{AUDIT_GRAPH}/{key}"
    K = _K
    add((n, _RDF_TYPE, K["AuditFinding"]))
    add((n, K["findingKind"], Lit(f.kind)))
    add((n, K["severity"], Lit(f.severity)))
    add((n, K["writtenAs"], Lit(f.code)))
    about = _about(f.system, f.code)
    if about is not None:
        add((n, K["aboutCode"], about))
    add((n, _DERIVED, _briefing(f.document)))
    add((n, K["line"], Lit(str(f.line), _INTEGER)))
    add((n, K["message"], Lit(f.message)))
    add((n, K["listKey"], Lit(listed)))
    for prop, value in (("briefingSays", f.briefing), ("officialSays", f.official), ("suggestion", f.suggestion)):
        if value:
            add((n, K[prop], Lit(value)))
    if f.procedure:
        system_p = "HCPCS" if f.procedure[:1].isalpha() else "CPT"
        add((n, K["procedureCode"], _code(system_p, f.procedure)))


@functools.lru_cache(maxsize=1 << 16)
def _about(system: str, code: str) -> str | None:
    """The IRI of the code a finding is about (``system`` as findings name it), or None for a malformed code (C2#.0:
    the finding names it as written, and points at no code node). Codes recur finding after finding."""
    from kg.parse import code_candidates
    from kg.vocab import code_iri

    system = {"ICD-10-CM": "ICD10CM", "modifier": "MOD"}.get(system, system)
    candidates = [c for s, c in code_candidates(code) if s == system]
    if system in ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD") and candidates:
        return code_iri(system, candidates[0])
    return None


@functools.lru_cache(maxsize=1 << 16)
def _code(system: str, code: str) -> str:
    from kg.vocab import code_iri

    return code_iri(system, code)


@functools.lru_cache(maxsize=1 << 16)
def _briefing(document: str) -> str:
    from kg.vocab import briefing_iri

    return briefing_iri(document)


_K = {name: str(KG[name]) for name in (
    "AuditFinding", "findingKind", "severity", "writtenAs", "aboutCode", "line", "message", "listKey", "briefingSays",
    "officialSays", "suggestion", "procedureCode")}
_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def _finding_quads(f: Finding, key: str, listed: str, out: list[ox.Quad]) -> None:
    """Append the quads of finding ``f`` (its node ``key``, its ``kg:listKey`` ``listed``) to ``out``."""
    from kg.to_rdf import _ox_term, node

    g = node(AUDIT_GRAPH)
    _finding_triples(f, key, listed, lambda t: out.append(ox.Quad(node(t[0]), node(t[1]), _ox_term(t[2]), g)))


def findings_quads(findings: Iterable[Finding]) -> list[ox.Quad]:
    """The findings as quads in the audit graph, each a ``kg:AuditFinding`` node.

    A finding's IRI is derived from its document, line, kind and code, so
    the same audit gives the same graph. Its ``kg:listKey`` sorts as the order
    ``audit-findings`` lists them (file, line, kind, code, message): its file and line, then its place
    among that line's findings (:func:`_node_keys`), so a page of that listing is cut by one short key
    (:mod:`kg.paging`), and a finding keeps its key while the other briefings change.

    Examples
    --------
    >>> from kg.audit import Finding
    >>> f = Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "77013.txt", 45,
    ...             "K75.2: the official ICD-10-CM label is 'Nonspecific reactive hepatitis'")
    >>> quads = findings_quads([f])
    >>> [(q.predicate.value.rsplit("#", 1)[-1], q.object.value) for q in quads][3:5]
    [('writtenAs', 'K75.2'), ('aboutCode', 'http://purl.bioontology.org/ontology/ICD10CM/K75.2')]
    >>> quads[0].graph_name.value == AUDIT_GRAPH, findings_quads([f]) == quads
    (True, True)
    >>> from dataclasses import replace
    >>> [q.object.value for q in findings_quads([f, replace(f, kind="non-billable")]) if "listKey" in q.predicate.value]
    ['77013.txt\\t245', '77013.txt\\t24511']
    """
    findings = list(findings)
    keys, listed = _node_keys(findings)
    out: list[ox.Quad] = []
    for f, key in zip(findings, keys):
        _finding_quads(f, key, listed[key], out)
    return out


def _nodes(findings: list[Finding]) -> dict[str, tuple[str, tuple[Finding, ...]]]:
    """Node key -> (its ``kg:listKey``, the findings it records, in order): what decides the node's quads."""
    keys, listed = _node_keys(findings)
    found: dict[str, list[Finding]] = {}
    for f, key in zip(findings, keys):
        found.setdefault(key, []).append(f)
    return {key: (listed[key], tuple(fs)) for key, fs in found.items()}


def _quads_of(nodes: dict[str, tuple[str, tuple[Finding, ...]]], keys: Iterable[str]) -> set[ox.Quad]:
    out: list[ox.Quad] = []
    for key in keys:
        listed, fs = nodes[key]
        for f in fs:
            _finding_quads(f, key, listed, out)
    return set(out)


FORMAT = 2
"""How :func:`findings_quads` writes a finding: part of the audit graph's digest, so a kg that writes
findings differently always rewrites the graph."""


def findings_digest(findings: Iterable[Finding]) -> str:
    """The SHA-256 the audit graph keeps (``<audit> kg:sha256``) of the findings it holds, in their order.

    Examples
    --------
    >>> from kg.audit import Finding
    >>> f = Finding("unknown-code", "error", "C4O.20", "ICD-10-CM", "77013.txt", 41, "no code")
    >>> findings_digest([f]) == findings_digest([f]) != findings_digest([])
    True
    """
    import json
    from hashlib import sha256

    from kg.audit import _FINDING_FIELDS

    h = sha256(f"kg-audit-graph {FORMAT} {' '.join(_FINDING_FIELDS)}\n".encode())
    # one JSON array of each finding's fields: the encoder's C loop, not one call per finding
    h.update(json.dumps([[getattr(f, name) for name in _FINDING_FIELDS] for f in findings],
                        ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


_BULK = 50_000
"""From this many quads to add, the bulk loader writes them (a third of the time, on disk); the first write of a
graph bulk-loads them this many at a time (:func:`_write_fresh`)."""


def _write_fresh(store: ox.Store, nodes: dict[str, tuple[str, tuple[Finding, ...]]]) -> int:
    """Write ``nodes`` into an audit graph that does not exist yet, as N-Quads made in Python; return the quads.

    Up to :data:`_BULK` quads, in one transaction. More are made :data:`_BULK` at a time and bulk-loaded from a
    :class:`kg.bulk.BulkWriter`'s thread, so the engine writes each chunk while the next is made (a first audit
    of 10,000 briefings writes 300,000 quads: 3 s of loading and 1.5 s of making them, which had come one after
    the other). A chunk ends with a node, and a node's triples are its own (each has it as subject), so the
    chunks hold each triple once.

    Examples
    --------
    >>> from kg.audit import Finding
    >>> f = Finding("unknown-code", "error", "C4O.20", "ICD-10-CM", "77013.txt", 41, "no code")
    >>> store = ox.Store()
    >>> _write_fresh(store, _nodes([f, f])), len(store)  # one node: the finding found twice
    (9, 9)
    """
    import contextlib

    from kg.bulk import BulkWriter
    from kg.to_rdf import nquads

    writer: BulkWriter | None = None
    count = 0
    triples: list = []
    with contextlib.ExitStack() as stack:  # the writer, once there is one, closed as BulkWriter's own exit does
        for key, (listed, fs) in nodes.items():
            for f in fs:
                _finding_triples(f, key, listed, triples.append)
            if len(triples) >= _BULK:
                writer = writer or stack.enter_context(BulkWriter(store))
                triples = list(dict.fromkeys(triples))
                writer.put(nquads(AUDIT_GRAPH, triples))
                count += len(triples)
                triples = []
        triples = list(dict.fromkeys(triples))
        if writer is not None and triples:
            writer.put(nquads(AUDIT_GRAPH, triples))
        elif triples:
            store.load(nquads(AUDIT_GRAPH, triples), ox.RdfFormat.N_QUADS)
    return count + len(triples)


def write_findings(store: ox.Store, findings: list[Finding], cache_dir=None) -> int:
    """Make the audit graph hold ``findings``; return the quads it holds.

    The graph keeps the digest of its findings (:func:`findings_digest`): an audit that finds exactly
    what the graph holds rewrites nothing. Otherwise only the quads that changed are removed and added
    (on disk each costs about 50 us: rewriting 26,000 findings whole took half a minute): the graph's
    nodes are told from what the last write kept in ``cache_dir`` (:mod:`kg.audit.written`), when the
    graph still holds that write; else from the quads the graph holds. The first write into a store with
    no audit graph is its N-Quads, bulk-loaded (24,790 findings: 1 s, where making each quad a Python term took
    4 s). The digest is removed first and written last, so a write cut short is never taken for a complete one.

    Examples
    --------
    >>> from kg.audit import Finding
    >>> f = Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "77013.txt", 45,
    ...             "K75.2: the official ICD-10-CM label is 'Nonspecific reactive hepatitis'")
    >>> store = ox.Store()
    >>> write_findings(store, [f]), write_findings(store, [f]), len(store)  # replaced, never duplicated
    (10, 10, 10)
    >>> write_findings(store, []), len(store)
    (1, 1)
    """
    from kg.audit.written import load_written, save_written
    from kg.to_rdf import node

    findings = list(findings)
    g = ox.NamedNode(AUDIT_GRAPH)
    sha = node(str(KG.sha256))
    digest = findings_digest(findings)
    stamp = ox.Quad(g, sha, ox.Literal(digest), g)
    stamps = list(store.quads_for_pattern(g, sha, None, g))
    kept = load_written(cache_dir, stamps)
    if stamp in store:
        if kept is None or kept[0] != digest:
            n = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{AUDIT_GRAPH}> {{ ?s ?p ?o }} }}")))
            return int(n["n"].value)
        return kept[2]
    new = _nodes(findings)
    if kept is not None:  # the graph holds the last write: the nodes that changed since
        _, old, held = kept
        gone = _quads_of(old, [k for k, v in old.items() if new.get(k) != v])
        came = _quads_of(new, [k for k, v in new.items() if old.get(k) != v])
        gone, came = gone - came, came - gone
        count = held - len(gone) + len(came)
    elif not stamps and not store.contains_named_graph(g) and isinstance(store, ox.Store):
        # no graph yet (the first audit of a store): its N-Quads, with no term made in Python, bulk-loaded when
        # big (a write cut short holds no digest, and is compared quad by quad next time)
        count = _write_fresh(store, new) + 1
        store.add(stamp)
        save_written(cache_dir, digest, new, count)
        return count
    else:  # no write kept (or not the graph's): the quads the graph holds
        came = _quads_of(new, new)
        count = len(came) + 1
        gone = set()
        if stamps or store.contains_named_graph(g):
            held = set(store.quads_for_pattern(None, None, None, g)).difference(stamps)
            gone, came = held - came, came - held
    for q in stamps:  # first: a write cut short holds no digest, and is rewritten whole next time
        store.remove(q)
    for q in gone:
        store.remove(q)
    if len(came) >= _BULK:
        store.bulk_extend(came)
    else:
        store.extend(came)
    store.add(stamp)
    save_written(cache_dir, digest, new, count)
    return count


def read_findings(store, codes: Iterable[str] | None = None) -> dict[str, list[dict[str, str]]]:
    """The findings recorded in the audit graph, by code IRI, most severe first; with ``codes`` (IRIs), theirs only.

    Empty when no audit has been recorded (:func:`write_findings`). A view of a few codes reads their
    findings alone: reading all of 26,000 takes seconds.

    Examples
    --------
    >>> from kg.audit import Finding
    >>> f = Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "77013.txt", 45,
    ...             "K75.2: the official ICD-10-CM label is 'Nonspecific reactive hepatitis'")
    >>> store = ox.Store()
    >>> read_findings(store)
    {}
    >>> _ = write_findings(store, [f])
    >>> found = read_findings(store)
    >>> list(found), found["http://purl.bioontology.org/ontology/ICD10CM/K75.2"][0]["severity"]
    (['http://purl.bioontology.org/ontology/ICD10CM/K75.2'], 'warning')
    >>> read_findings(store, ["http://purl.bioontology.org/ontology/CPT/77013"]), read_findings(store, [])
    ({}, {})
    """
    out: dict[str, list[dict[str, str]]] = {}
    wanted = None if codes is None else sorted(set(codes))
    if wanted == []:
        return out
    for r in _run(store, "audit-read-findings", **({} if wanted is None else {"code": wanted})):
        out.setdefault(r["code"], []).append(
            {"kind": r["kind"], "severity": r["severity"] or "", "message": r["message"]})
    for found in out.values():
        found.sort(key=lambda f: (-SEVERITY_RANK.get(f["severity"], 0), f["kind"], f["message"]))
    return out
