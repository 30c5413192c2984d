"""Audit briefings against the official code sets loaded in the store.

Every code a briefing mentions (its subject, each modifier, taxonomy,
diagnosis and related procedure row) is checked against the code sets that
``kg codesets load`` put in the store. A check whose code set is not loaded
is skipped, never guessed. Kinds of finding:

``unknown-code``
    The code is not in its official set (with did-you-mean suggestions), or is
    malformed: a row kept as written because its code has no shape of its
    table's code system (``kg:MalformedMention``), reported whether or not a
    code set is loaded, since no code is written like that.
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
``add-on-conflict``
    A briefing's ``addOnTo`` statement (add-on -> primary) that the NCCI
    add-on code edits do not support: a primary CMS does not list for that
    add-on (``error`` for edit type 1, paid only with a listed primary;
    ``warning`` for type 3, where the contractor may accept others), a code
    CMS does not list as an add-on at all (``warning``), or a primary named
    for an add-on CMS lists with "any primary" (``CCCCC``, or edit type 2:
    no list), which the briefing restricts (``info``).

Every CMS value is decoded by :data:`kg.cms.RULES`.

Findings are plain records (:class:`Finding`); :mod:`kg.audit.graph`
(re-exported here: :func:`findings_quads`, :func:`write_findings`,
:func:`read_findings`) turns them into RDF for the audit graph so they can be
queried with SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields

from kg.audit.formats import FORMATS, to_csv, to_json, to_table
from kg.audit.labels import ahead as labels_ahead, not_in_fee_schedule
from kg.audit.graph import AUDIT_GRAPH, SEVERITY_RANK, findings_quads, read_findings, write_findings
from kg.audit.read import _Mention, mentions
from kg.cms import (
    ANESTHESIA_MODIFIERS,
    NCCI_ANATOMIC_MODIFIERS,
    NCCI_BYPASS_MODIFIERS,
    decode,
    is_anesthesia_code,
    modifier_rules,
)
from kg.model import RELATIONS
from kg.model.codes import BRIEFING_SYSTEMS, code_candidates
from kg.official import Official, official
from kg.similarity import compare_label
from kg.suggest import suggest

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
    "to_csv", "to_json", "to_table",
    "worst",
    "write_findings",
]

SEVERITY = {
    "unknown-code": "error",
    "non-billable": "error",
    "modifier-conflict": "error",
    "ncci-conflict": "error",
    "label-mismatch": "warning",
    "not-in-fee-schedule": "warning",
    "add-on-conflict": "error",
}
"""Each kind of finding and its severity (``error`` > ``warning``)."""

_SYSTEM_NAMES = {"CPT": "CPT", "HCPCS": "HCPCS", "ICD10CM": "ICD-10-CM", "NUCC": "NUCC", "MOD": "modifier"}


@dataclass(frozen=True)
class Finding:
    """One thing wrong in a briefing.

    ``code`` is the code exactly as the briefing wrote it; for a modifier
    finding it is the modifier, and ``procedure`` names the procedure.

    Examples
    --------
    >>> f = Finding("unknown-code", "error", "C4O.20", "ICD-10-CM", "77013.txt", 41, "C4O.20 is not a ICD-10-CM code",
    ...             suggestion="C40.20")
    >>> f.as_dict()["suggestion"], f.procedure
    ('C40.20', '')
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
        # what dataclasses.asdict gives for these str and int fields, without its deep copy of each
        return {name: getattr(self, name) for name in _FINDING_FIELDS}


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


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


def check(mentions_: list[_Mention], facts: Official, known: dict | None = None, made: dict | None = None
          ) -> list[Finding]:
    """Every finding for these mentions, given the official facts. Pure: no store access.

    Each code is checked once per document line; the same wrong code on two
    lines gives two findings, since each needs fixing. ``known``: label comparisons made before
    (:func:`kg.audit.cache.label_memo`); ``made``, if given, receives every comparison this check used.

    Examples
    --------
    The official ICD-10-CM labels of the 77013 briefing's diagnoses (no other code set loaded):

    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> labels = {"C22.0": ["Liver cell carcinoma"], "K75.2": ["Nonspecific reactive hepatitis"],
    ...           "C78.7": ["Secondary malignant neoplasm of liver and intrahepatic bile duct"],
    ...           "D02.20": ["Carcinoma in situ of unspecified bronchus and lung"],
    ...           "C34.90": ["Malignant neoplasm of unspecified part of unspecified bronchus or lung"]}
    >>> facts = Official(labels={"ICD10CM": labels}, billable={c: True for c in labels}, fee_schedule=None)
    >>> [(f.kind, f.code, f.line, f.official) for f in check(mentions(store), facts)]
    [('label-mismatch', 'K75.2', 45, 'Nonspecific reactive hepatitis')]
    """
    out: list[Finding] = []
    seen: set[tuple] = set()
    memo = _Memo(known or {}, labels_ahead(mentions_, facts, known or {}, {} if made is None else made))
    # a pair the same briefing also calls included, mutually exclusive or alternatives agrees with an NCCI edit
    apart = {(m.document, frozenset(m.ends)) for m in mentions_ if m.relation in _NOT_TOGETHER}
    for m in mentions_:
        key = (m.document, m.line, m.code, m.relation)
        if key in seen:
            continue
        seen.add(key)
        if m.relation == "malformed":
            out.extend(_check_malformed(m, facts, memo))
            continue
        out.extend(_check_code(m, facts, memo))
        if m.relation == "hasModifier":
            out.extend(_check_modifier(m, facts))
        if m.relation == "addOnTo" and facts.addons is not None:
            out.extend(_check_addon(m, facts))
        if (m.relation in _REPORTED_TOGETHER and facts.ncci is not None
                and (m.document, frozenset(m.ends)) not in apart):
            out.extend(_check_ncci(m, facts))
    return out

class _Memo:
    """Label comparisons and suggestions already made in one :func:`check` (both are pure, and a corpus
    repeats the same code with the same description many times: 57,000 distinct of 166,000 at 10,000
    briefings)."""

    def __init__(self, known: dict, made: dict) -> None:
        self.known = known  # comparisons an earlier audit made (kg.audit.cache.label_memo)
        self.labels: dict[tuple[str, tuple[str, ...]], object] = made
        self.suggestions: dict[tuple[str, str, str], list[str]] = {}

    def compare(self, description: str, officials: list[str]):
        key = (description, tuple(officials))
        got = self.labels.get(key)
        if got is None:
            got = self.known.get(key)
            self.labels[key] = got = compare_label(description, *officials) if got is None else got
        return got

    def suggest(self, system: str, code: str, description: str, labels) -> list[str]:
        key = (system, code, description)
        got = self.suggestions.get(key)
        if got is None:
            got = self.suggestions[key] = [c for c, _, _ in suggest(system, code, description, labels)]
        return got


def _check_code(m: _Mention, facts: Official, memo: _Memo) -> list[Finding]:
    system = m.system
    if not_in_fee_schedule(m, facts):
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
        suggestions = memo.suggest(system, m.code, m.description, facts.labels)
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        return [_finding(
            "unknown-code", m, f"{m.written} is not a {_SYSTEM_NAMES.get(system, system)} code{hint}",
            briefing=m.description, suggestion=", ".join(suggestions),
        )]
    out = []
    officials = table[m.code]
    if m.description and officials:
        match = memo.compare(m.description, officials)
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


def _check_malformed(m: _Mention, facts: Official, memo: _Memo) -> list[Finding]:
    systems = BRIEFING_SYSTEMS[m.table]  # a procedure row's code may have meant CPT or HCPCS
    found = []
    for s in systems:
        if s in facts.labels:
            found += memo.suggest(s, m.code, m.description, facts.labels)
        elif s == "CPT" and facts.fee_schedule is not None:  # no CPT descriptors: the codes the MPFS lists
            found += did_you_mean(m.code, facts.fee_schedule)
    suggestions = list(dict.fromkeys(found))[:3]
    hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
    name = "/".join(_SYSTEM_NAMES[s] for s in systems)
    shaped = [_SYSTEM_NAMES[s] for s, _ in code_candidates(m.code) if s not in systems]  # 47382 among diagnoses
    why = f"shaped like a {' or '.join(dict.fromkeys(shaped))} code" if shaped else f"no {name} code has that form"
    return [Finding("unknown-code", SEVERITY["unknown-code"], m.written, name, m.file, m.line,
                    f"{m.written} is not a {name} code: malformed, {why} ({m.table} table){hint}",
                    briefing=m.description, suggestion=", ".join(suggestions))]


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


def _check_addon(m: _Mention, facts: Official) -> list[Finding]:
    addon, primary = m.ends  # kg:addOnTo runs add-on -> primary
    entry = facts.addons.get(addon)
    source = f"NCCI add-on code edits {facts.addon_release}".rstrip()
    if entry is None:
        return [_finding(
            "add-on-conflict", m, f"the briefing has {addon} add-on to {primary}, but {addon} is not an add-on code "
            f"in the {source}", severity="warning", official=f"{source}: {addon} absent", procedure=m.subject,
            suggestion=f"check whether {addon} is an add-on code; if not, state the relation another way",
        )]
    kind, primaries = entry
    rule = decode("aoc_edit_type", kind) or decode("aoc_edit_type", "1")
    edit = f"{source}: {addon} aoc_edit_type={kind or '?'}"
    if kind == "2" or not primaries:
        return [_finding(
            "add-on-conflict", m, f"the briefing has {addon} add-on to {primary} only, but CMS lists {addon} with any "
            f"primary (CCCCC; edit type {rule.value}: {rule.meaning})", severity="info", official=edit + " primary=CCCCC",
            procedure=m.subject, suggestion=f"say that {addon} may be reported with any primary the contractor accepts",
        )]
    if primary in primaries:
        return []
    listed = ", ".join(sorted(primaries)[:8]) + (" ..." if len(primaries) > 8 else "")
    return [_finding(
        "add-on-conflict", m, f"the briefing has {addon} add-on to {primary}, but CMS does not list {primary} as a "
        f"primary of {addon} (edit type {rule.value}: {rule.meaning}; listed: {listed})",
        severity="error" if kind == "1" else "warning", official=f"{edit}, primaries {listed}", procedure=m.subject,
        suggestion=f"name a listed primary of {addon} ({listed})",
    )]


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


def audit(store, context: str = "practitioner", cache_dir=None) -> list[Finding]:
    """Check every briefing in ``store`` against the code sets loaded there.

    ``store`` is a pyoxigraph store or a :class:`kg.remote.Endpoint`;
    ``context`` picks the NCCI PTP release (practitioner or hospital);
    ``cache_dir``, if given, keeps each briefing's findings (:mod:`kg.audit.briefings`), what the code sets say
    and the label comparisons between audits (:mod:`kg.audit.cache`; never read once stale).

    Examples
    --------
    With no code set loaded every check is skipped: no finding is guessed.

    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> audit(store)
    []
    """
    from kg.audit.briefings import audit_briefings

    # each briefing's findings are kept by its SHA-256 (kg.audit.briefings): the briefings that changed since the
    # last audit are read and checked, the others' findings read from the cache
    return audit_briefings(store, cache_dir, context)[0]


def worst(findings: Iterable[Finding]) -> int:
    """The highest severity rank among ``findings`` (0 when there are none).

    Examples
    --------
    >>> worst([]), worst([Finding("label-mismatch", "warning", "K75.2", "ICD-10-CM", "77013.txt", 45, "")])
    (0, 1)
    """
    return max((SEVERITY_RANK[f.severity] for f in findings), default=0)
