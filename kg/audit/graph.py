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


def findings_quads(findings: Iterable[Finding]) -> list[ox.Quad]:
    """The findings as quads in the audit graph, each a ``kg:AuditFinding`` node.

    A finding's IRI is derived from its document, line, kind and code, so
    the same audit gives the same graph. Its ``kg:listKey`` is its rank in the order
    ``audit-findings`` lists them (file, line, kind, code, message), so a page of that
    listing is cut by one integer (:mod:`kg.paging`).

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
    """
    from hashlib import sha1

    from kg.parse import code_candidates
    from kg.to_rdf import XSD_INTEGER, node
    from kg.vocab import briefing_iri, code_iri

    g = node(AUDIT_GRAPH)
    out: list[ox.Quad] = []
    findings = list(findings)
    keys = [sha1(f"{f.document}|{f.line}|{f.kind}|{f.code}|{f.procedure}".encode()).hexdigest()[:16] for f in findings]
    rank: dict[str, int] = {}  # a finding's node -> its place in the listing (one per node, however often found)
    for i in sorted(range(len(findings)), key=lambda i: (findings[i].document, findings[i].line, findings[i].kind,
                                                          findings[i].code, findings[i].message, keys[i])):
        rank.setdefault(keys[i], len(rank))
    for f, key in zip(findings, keys):
        n = node(f"{AUDIT_GRAPH}/{key}")
        systems = {"ICD-10-CM": "ICD10CM", "modifier": "MOD"}
        system = systems.get(f.system, f.system)
        # a malformed code (C2#.0) is no code: the finding names it as written, and points at no code node
        candidates = [c for s, c in code_candidates(f.code) if s == system]

        def add(p, o) -> None:
            out.append(ox.Quad(n, node(str(p)), o, g))

        add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", node(str(KG.AuditFinding)))
        add(KG.findingKind, ox.Literal(f.kind))
        add(KG.severity, ox.Literal(f.severity))
        add(KG.writtenAs, ox.Literal(f.code))
        if system in ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD") and candidates:
            add(KG.aboutCode, node(code_iri(system, candidates[0])))
        add("http://www.w3.org/ns/prov#wasDerivedFrom", node(briefing_iri(f.document)))
        add(KG.line, ox.Literal(str(f.line), datatype=XSD_INTEGER))
        add(KG.message, ox.Literal(f.message))
        add(KG.listKey, ox.Literal(str(rank[key]), datatype=XSD_INTEGER))
        for prop, value in ((KG.briefingSays, f.briefing), (KG.officialSays, f.official), (KG.suggestion, f.suggestion)):
            if value:
                add(prop, ox.Literal(value))
        if f.procedure:
            system_p = "HCPCS" if f.procedure[:1].isalpha() else "CPT"
            add(KG.procedureCode, node(code_iri(system_p, f.procedure)))
    return out


FORMAT = 1
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

    h = sha256(f"kg-audit-graph {FORMAT}\n".encode())
    for f in findings:
        h.update(json.dumps(f.as_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def write_findings(store: ox.Store, findings: list[Finding]) -> int:
    """Replace the audit graph with ``findings``; return the quads it holds.

    The graph keeps the digest of its findings (:func:`findings_digest`): an audit that finds exactly
    what the graph holds rewrites nothing (rewriting 26,000 findings costs about half a minute).

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
    from kg.to_rdf import node

    findings = list(findings)
    g = ox.NamedNode(AUDIT_GRAPH)
    stamp = ox.Quad(g, node(str(KG.sha256)), ox.Literal(findings_digest(findings)), g)
    if stamp in store:
        n = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{AUDIT_GRAPH}> {{ ?s ?p ?o }} }}")))
        return int(n["n"].value)
    quads = findings_quads(findings) + [stamp]
    if store.contains_named_graph(g):
        store.remove_graph(g)
    store.extend(quads)
    return len(quads)


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
