"""Audit briefings against the official code sets loaded in the store.

Every code a briefing mentions (its subject, each modifier, taxonomy,
diagnosis and related procedure row) is checked against the code sets that
``kg codesets load`` put in the store. A check whose code set is not loaded
is skipped, never guessed. Kinds of finding:

``unknown-code``
    The code is not in its official set (with did-you-mean suggestions).
``label-mismatch``
    The briefing's description is not a fair paraphrase of the official
    label (:mod:`kg.similarity`).
``non-billable``
    An ICD-10-CM category or header used as a diagnosis.
``not-in-fee-schedule``
    A CPT/HCPCS code absent from the loaded Medicare fee schedule.
``modifier-conflict``
    A modifier the MPFS indicators rule out for the procedure (``error``),
    or allow only with documentation of medical necessity (``warning``,
    unless the row says so); an anesthesia modifier on a code that is not
    anesthesia.
``ncci-conflict``
    Two codes a briefing presents as reported together (a relation whose
    ``reported_together`` is True) while an NCCI edit in force bundles them:
    modifier indicator 0 is an ``error``; indicator 1 is a ``warning`` when
    the row names no NCCI-associated modifier that would bypass it. Codes a
    briefing calls alternatives, mutually exclusive or included are
    consistent with an edit and never a finding.

Every CMS value is decoded by :data:`kg.cms.RULES`.

Findings are plain records (:class:`Finding`); :func:`findings_quads` turns
them into RDF for the audit graph so they can be queried with SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pyoxigraph as ox

from kg.cms import (
    ANESTHESIA_MODIFIERS,
    NCCI_ANATOMIC_MODIFIERS,
    NCCI_BYPASS_MODIFIERS,
    decode,
    is_anesthesia_code,
    modifier_rules,
)
from kg.model import RELATIONS
from kg.official import Official, official
from kg.official import run_internal as _run
from kg.results import csv_cell
from kg.similarity import compare_label
from kg.suggest import suggest
from kg.vocab import BASE, KG

__all__ = [
    "AUDIT_GRAPH",
    "FORMATS",
    "SEVERITY",
    "Finding",
    "audit",
    "check",
    "did_you_mean",
    "findings_quads",
    "mentions",
    "official",
    "read_findings",
    "worst",
    "write_findings",
]

AUDIT_GRAPH = BASE + "audit"
"""The named graph that holds the latest audit's findings."""

SEVERITY = {
    "unknown-code": "error",
    "non-billable": "error",
    "modifier-conflict": "error",
    "ncci-conflict": "error",
    "label-mismatch": "warning",
    "not-in-fee-schedule": "warning",
}
"""Each kind of finding and its severity (``error`` > ``warning``)."""

SEVERITY_RANK = {"warning": 1, "error": 2}

_SYSTEM_NAMES = {"CPT": "CPT", "HCPCS": "HCPCS", "ICD10CM": "ICD-10-CM", "NUCC": "NUCC", "MOD": "modifier"}


@dataclass(frozen=True)
class Finding:
    """One thing wrong in a briefing.

    ``code`` is the code exactly as the briefing wrote it; for a modifier
    finding it is the modifier, and ``procedure`` names the procedure.
    """

    kind: str
    severity: str
    code: str
    system: str
    document: str
    line: int
    message: str
    briefing: str = ""
    official: str = ""
    suggestion: str = ""
    procedure: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Mention:
    code: str
    written: str
    system: str
    description: str
    relation: str
    subject: str  # the briefing's own code
    other: str  # for code<->code rows, the code at the other end
    document: str
    file: str
    line: int
    text: str = ""  # the row's free text
    ends: tuple[str, str] = ("", "")  # the relation's subject and object codes
    with_modifiers: tuple[str, ...] = ()  # modifiers the asserted relation names (kg:withModifier)


def mentions(store) -> list[_Mention]:
    """Every code row of every briefing, as the briefing wrote it, plus each briefing's subject.

    Relations a briefing negates (``kg:negated true``) are not mentions of a relation.
    """
    rows: dict[tuple, dict] = {}
    for r in _run(store, "audit-mentions"):
        key = (r["doc"], r["edge"], r["rel"], r["sNotation"], r["oNotation"])
        got = rows.setdefault(key, dict(r, mods=set()))
        if r["withModifier"]:
            got["mods"].add(r["withModifier"])
    out: list[_Mention] = []
    for r in rows.values():
        subject = r["subjectCode"]
        s, o = r["sNotation"], r["oNotation"]
        # the row's code is the end that is not the briefing's subject
        if s == subject and o != subject:
            code, scheme, other = o, r["oScheme"], s
        else:
            code, scheme, other = s, r["sScheme"], o
        out.append(_Mention(
            code=code, written=r["written"] or code, system=scheme.rsplit("#", 1)[-1],
            description=r["description"] or "", relation=r["rel"].rsplit("#", 1)[-1],
            subject=subject, other=other, document=r["doc"], file=r["file"], line=int(r["line"]),
            text=r["text"] or "", ends=(s, o), with_modifiers=tuple(sorted(r["mods"])),
        ))
    for r in _run(store, "audit-subjects"):
        out.append(_Mention(
            code=r["code"], written=r["code"], system=r["scheme"].rsplit("#", 1)[-1], description="",
            relation="subject", subject=r["code"], other="", document=r["doc"], file=r["file"], line=int(r["line"]),
        ))
    out.sort(key=lambda m: (m.file, m.line, m.relation))
    return out


def did_you_mean(code: str, known: Iterable[str] | set[str], limit: int = 3) -> list[str]:
    """Official codes one typing slip away from ``code``.

    Slips tried: letter O / digit 0 and letter I / digit 1 confusions, two
    adjacent characters swapped, one character dropped or mistyped, and a
    missing or misplaced ICD-10-CM dot.

    Examples
    --------
    >>> did_you_mean("C4O.20", {"C40.20", "C40.21", "C41.0"})
    ['C40.20']
    >>> did_you_mean("77031", {"77013", "77012"})
    ['77013']
    """
    known = known if isinstance(known, (set, frozenset, dict)) else set(known)
    candidates: list[str] = []
    swaps = {"O": "0", "0": "O", "I": "1", "1": "I", "L": "1", "S": "5", "5": "S", "B": "8", "Z": "2"}

    def add(c: str) -> None:
        if c != code and c in known and c not in candidates:
            candidates.append(c)

    add("".join(swaps.get(ch, ch) if ch in "OIL" else ch for ch in code))
    for i, ch in enumerate(code):
        if ch in swaps:
            add(code[:i] + swaps[ch] + code[i + 1:])
    for i in range(len(code) - 1):
        add(code[:i] + code[i + 1] + code[i] + code[i + 2:])
    bare = code.replace(".", "")
    if len(bare) > 3:
        add(bare[:3] + "." + bare[3:])
    if len(candidates) < limit:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for i, ch in enumerate(code):
            if ch == ".":
                continue
            for a in alphabet:
                add(code[:i] + a + code[i + 1:])
            add(code[:i] + code[i + 1:])
            if len(candidates) >= limit * 3:
                break
    return candidates[:limit]


# --------------------------------------------------------------------------
# the checks

_REPORTED_TOGETHER = frozenset(name for name, r in RELATIONS.items() if r.reported_together is True)
_NOT_TOGETHER = frozenset(name for name, r in RELATIONS.items() if r.reported_together is False)
_NECESSITY = re.compile(r"medical(ly)? necess", re.IGNORECASE)


def named_modifiers(text: str) -> set[str]:
    """The NCCI-associated modifiers a row's text names.

    Examples
    --------
    >>> sorted(named_modifiers("A separate lesion may be reported with modifier 59 or XS; 26 is not needed."))
    ['59', 'XS']
    """
    words = set(re.findall(r"(?<![\w.])[0-9A-Z]{2}(?![\w.])", text))
    return words & set(NCCI_BYPASS_MODIFIERS)


def _finding(kind: str, m: _Mention, message: str, severity: str = "", **extra) -> Finding:
    return Finding(kind=kind, severity=severity or SEVERITY[kind], code=m.written,
                   system=_SYSTEM_NAMES.get(m.system, m.system), document=m.file, line=m.line, message=message,
                   **extra)


def check(mentions_: list[_Mention], facts: Official) -> list[Finding]:
    """Every finding for these mentions, given the official facts. Pure: no store access.

    Each code is checked once per document line; the same wrong code on two
    lines gives two findings, since each needs fixing.
    """
    out: list[Finding] = []
    seen: set[tuple] = set()
    # a pair the same briefing also calls included, mutually exclusive or alternatives agrees with an NCCI edit
    apart = {(m.document, frozenset(m.ends)) for m in mentions_ if m.relation in _NOT_TOGETHER}
    for m in mentions_:
        key = (m.document, m.line, m.code, m.relation)
        if key in seen:
            continue
        seen.add(key)
        out.extend(_check_code(m, facts))
        if m.relation == "hasModifier":
            out.extend(_check_modifier(m, facts))
        if (m.relation in _REPORTED_TOGETHER and facts.ncci is not None
                and (m.document, frozenset(m.ends)) not in apart):
            out.extend(_check_ncci(m, facts))
    return out

def _check_code(m: _Mention, facts: Official) -> list[Finding]:
    system = m.system
    if system in ("CPT", "HCPCS") and facts.fee_schedule is not None and m.code not in facts.fee_schedule:
        official_hcpcs = facts.labels.get("HCPCS", {})
        if not (system == "HCPCS" and m.code in official_hcpcs):
            return [_finding(
                "not-in-fee-schedule", m,
                f"{m.written} is not in the loaded Medicare physician fee schedule: it may be deleted, or not payable",
                briefing=m.description,
                suggestion=", ".join(did_you_mean(m.code, facts.fee_schedule)),
            )]
    table = facts.labels.get(system)
    if table is None:
        return []
    if m.code not in table:
        # by the briefing's own description first (kg.suggest), by spelling when it gives none
        suggestions = [c for c, _, _ in suggest(system, m.code, m.description, facts.labels)]
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        return [_finding(
            "unknown-code", m, f"{m.written} is not a {_SYSTEM_NAMES.get(system, system)} code{hint}",
            briefing=m.description, suggestion=", ".join(suggestions),
        )]
    out = []
    officials = table[m.code]
    if m.description and officials:
        match = compare_label(m.description, *officials)
        if not match.fair:
            out.append(_finding(
                "label-mismatch", m,
                f"{m.written}: the briefing says {m.description!r}, the official {_SYSTEM_NAMES.get(system, system)} "
                f"label is {match.official!r} ({match.reason()})",
                briefing=m.description, official=match.official,
                suggestion=f"check the code: {match.official} is what {m.written} means",
            ))
    if system == "ICD10CM" and facts.billable.get(m.code) is False and m.relation != "subject":
        out.append(_finding(
            "non-billable", m,
            f"{m.written} is an ICD-10-CM category or header, not a billable code; report a more specific subcode",
            briefing=m.description, official=officials[0] if officials else "",
            suggestion=", ".join(sorted(c for c in facts.billable if c.startswith(m.code) and facts.billable[c])[:5]),
        ))
    return out


def _check_modifier(m: _Mention, facts: Official) -> list[Finding]:
    if facts.fee_schedule is None:
        return []
    fees = facts.fee_schedule.get(m.subject)
    if fees is None:
        return []
    mod = m.code
    rules = modifier_rules(mod, fees, (facts.priced or {}).get(m.subject, ()))
    if mod in ANESTHESIA_MODIFIERS and not is_anesthesia_code(m.subject, fees.get("status_code")):
        rules.append(decode("anesthesia_modifier", " ".join(ANESTHESIA_MODIFIERS)))
    out = []
    for rule in rules:
        # a documentation-dependent modifier is fine where the briefing states that condition
        if rule.severity == "warning" and _NECESSITY.search(m.text):
            continue
        said = f"{rule.title} {rule.value}" if rule.field != "anesthesia_modifier" else rule.title.lower()
        out.append(Finding(
            kind="modifier-conflict", severity=rule.severity, code=m.written, system="modifier",
            document=m.file, line=m.line, procedure=m.subject,
            message=f"modifier {m.written} on {m.subject}: MPFS {said}: {rule.meaning}",
            briefing=m.description, official=f"{rule.title} {rule.value}: {rule.meaning}",
            suggestion=(f"state that {m.written} on {m.subject} is paid only with documentation of medical necessity"
                        if rule.severity == "warning" else f"remove modifier {m.written} from the {m.subject} briefing"),
        ))
    return out


def _check_ncci(m: _Mention, facts: Official) -> list[Finding]:
    a, b = m.ends
    for c1, c2 in ((a, b), (b, a)):
        mi = facts.ncci.get((c1, c2))
        rule = decode("modifier_indicator", mi)
        if rule is None or not rule.kind:
            continue
        how = f"{RELATIONS[m.relation].label} {m.ends[1]}"
        edit = f"NCCI PTP {facts.ncci_release} column 1 {c1} / column 2 {c2}, modifier indicator {mi}"
        if mi == "0":
            return [_finding(
                "ncci-conflict", m, f"the briefing has {m.ends[0]} {how} (reported together), but {edit}: "
                f"{rule.meaning}", severity=rule.severity, official=edit, procedure=m.subject,
                suggestion=f"do not report {c2} with {c1}",
            )]
        if named_modifiers(m.text) | set(m.with_modifiers):
            return []
        bypass = "59, XE, XP, XS, XU or an anatomic modifier (" + ", ".join(NCCI_ANATOMIC_MODIFIERS[-7:]) + ", ...)"
        return [_finding(
            "ncci-conflict", m, f"the briefing has {m.ends[0]} {how} (reported together), but {edit}: the pair is "
            f"paid together only with an NCCI-associated modifier, and the row names none; {bypass} bypasses the "
            # a briefing that does not name the modifier is not wrong; a claim without it is (kg check)
            "edit when the services are distinct", severity="info", official=edit, procedure=m.subject,
            suggestion=f"name the modifier: {c2}-59 (or XE/XP/XS/XU) with {c1} when distinct",
        )]
    return []


def audit(store, context: str = "practitioner") -> list[Finding]:
    """Check every briefing in ``store`` against the code sets loaded there.

    ``store`` is a pyoxigraph store or a :class:`kg.remote.Endpoint`;
    ``context`` picks the NCCI PTP release (practitioner or hospital).
    """
    found = mentions(store)
    codes = {c for m in found if m.relation in _REPORTED_TOGETHER for c in m.ends}
    return check(found, official(store, context, codes))


def worst(findings: Iterable[Finding]) -> int:
    """The highest severity rank among ``findings`` (0 when there are none)."""
    return max((SEVERITY_RANK[f.severity] for f in findings), default=0)


# --------------------------------------------------------------------------
# findings in the graph

def findings_quads(findings: Iterable[Finding]) -> list[ox.Quad]:
    """The findings as quads in the audit graph, each a ``kg:AuditFinding`` node.

    A finding's IRI is derived from its document, line, kind and code, so
    the same audit gives the same graph.
    """
    from hashlib import sha1

    from kg.parse import code_candidates
    from kg.to_rdf import XSD_INTEGER, node
    from kg.vocab import briefing_iri, code_iri

    g = node(AUDIT_GRAPH)
    out: list[ox.Quad] = []
    for f in findings:
        key = sha1(f"{f.document}|{f.line}|{f.kind}|{f.code}|{f.procedure}".encode()).hexdigest()[:16]
        n = node(f"{AUDIT_GRAPH}/{key}")
        systems = {"ICD-10-CM": "ICD10CM", "modifier": "MOD"}
        system = systems.get(f.system, f.system)
        candidates = [c for s, c in code_candidates(f.code) if s == system] or [f.code]

        def add(p, o) -> None:
            out.append(ox.Quad(n, node(str(p)), o, g))

        add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", node(str(KG.AuditFinding)))
        add(KG.findingKind, ox.Literal(f.kind))
        add(KG.severity, ox.Literal(f.severity))
        add(KG.writtenAs, ox.Literal(f.code))
        if system in ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD"):
            add(KG.aboutCode, node(code_iri(system, candidates[0])))
        add("http://www.w3.org/ns/prov#wasDerivedFrom", node(briefing_iri(f.document)))
        add(KG.line, ox.Literal(str(f.line), datatype=XSD_INTEGER))
        add(KG.message, ox.Literal(f.message))
        for prop, value in ((KG.briefingSays, f.briefing), (KG.officialSays, f.official), (KG.suggestion, f.suggestion)):
            if value:
                add(prop, ox.Literal(value))
        if f.procedure:
            system_p = "HCPCS" if f.procedure[:1].isalpha() else "CPT"
            add(KG.procedureCode, node(code_iri(system_p, f.procedure)))
    return out


def write_findings(store: ox.Store, findings: list[Finding]) -> int:
    """Replace the audit graph with ``findings`` in one transaction; return the quads written."""
    quads = findings_quads(findings)
    g = ox.NamedNode(AUDIT_GRAPH)
    if store.contains_named_graph(g):
        store.remove_graph(g)
    store.extend(quads)
    return len(quads)


def read_findings(store) -> dict[str, list[dict[str, str]]]:
    """The findings recorded in the audit graph, by code IRI, most severe first.

    Empty when no audit has been recorded (:func:`write_findings`).
    """
    out: dict[str, list[dict[str, str]]] = {}
    for r in _run(store, "audit-read-findings"):
        out.setdefault(r["code"], []).append(
            {"kind": r["kind"], "severity": r["severity"] or "", "message": r["message"]})
    for found in out.values():
        found.sort(key=lambda f: (-SEVERITY_RANK.get(f["severity"], 0), f["kind"], f["message"]))
    return out


def to_table(findings: list[Finding]) -> str:
    """Findings as an aligned text table for the terminal."""
    if not findings:
        return "no findings"
    cols = ("severity", "kind", "code", "system", "document", "line", "message")
    rows = [[str(getattr(f, c)) for c in cols] for f in findings]
    widths = [min(max(len(c), *(len(r[i]) for r in rows)), 60 if c != "message" else 200) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"({len(findings)} finding{'s' if len(findings) != 1 else ''})")
    return "\n".join(lines)


def to_csv(findings: list[Finding]) -> str:
    import csv
    import io

    buf = io.StringIO()
    fields = list(Finding.__dataclass_fields__)
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for f in findings:
        w.writerow({k: csv_cell(v) for k, v in f.as_dict().items()})
    return buf.getvalue()


def to_json(findings: list[Finding]) -> str:
    import json

    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1)


FORMATS = {"table": to_table, "csv": to_csv, "json": to_json}
"""``kg audit --format`` choices -> renderer."""
