"""``kg check``: claim lines against the official rules loaded in the store.

The rules are read from the store once (:func:`load_rules`, a handful of
internal queries) into dicts and sets; :func:`check_lines` then checks any
number of lines in pure Python, with no query per line. Every CMS value is
decoded by :data:`kg.cms.RULES`. Kinds of finding, exactly:

``ncci-ptp``
    Two lines of one claim (same date of service) that an NCCI PTP edit of
    the chosen context bundles: modifier indicator 0, or 1 with no
    NCCI-associated modifier on either line. A deleted edit applies to dates
    of service before its deletion date.
``mue``
    More units than the MUE: per line (adjudication indicator 1) or summed
    over the claim's lines of the code on one date (2 and 3).
``add-on-without-primary``
    An add-on code without one of its primaries on the claim.
``modifier-not-allowed``
    A modifier the MPFS indicators rule out (or make documentation-dependent),
    or an anesthesia modifier on a code that is not anesthesia.
``modifier-global-period``
    58, 78 or 79 on a code without a global period.
``excludes1``
    Two diagnoses of the claim that an ICD-10-CM Excludes1 note separates.
``non-billable-dx``
    An ICD-10-CM category or header used as a diagnosis.
``unknown-code``
    A procedure code, modifier or diagnosis that no loaded code set knows.
``not-payable``
    A code whose MPFS status is not payable, or that is absent from the MPFS.

A check whose code set is not loaded is skipped, never guessed.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.audit import did_you_mean
from kg.claims import CheckFinding, ClaimLine, from_records
from kg.cms import (
    ANESTHESIA_MODIFIERS,
    MPFS_PROPERTIES,
    NCCI_BYPASS_MODIFIERS,
    decode,
    is_anesthesia_code,
    modifier_rules,
)
from kg.codesets.catalog import codeset_name
from kg.codesets.terms import procedure_iri
from kg.icd_notes import codes as icd_codes
from kg.icd_notes import excludes1_between
from kg.official import (
    addon_edits,
    codeset_graphs,
    excludes1_index,
    fee_modifiers,
    loaded_releases,
    ptp_edits,
    ptp_graphs,
    run_internal,
)
from kg.vocab import code_iri

__all__ = ["KINDS", "SEVERITY_RANK", "Rules", "check", "check_claims", "check_lines", "load_context", "load_rules",
           "worst"]

KINDS = ("ncci-ptp", "mue", "add-on-without-primary", "modifier-not-allowed", "modifier-global-period", "excludes1",
         "non-billable-dx", "unknown-code", "not-payable")
"""Every kind of ``kg check`` finding."""

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

_MODIFIER_SETS = ("hcpcs-modifiers", "cpt-modifiers", "hcpcs")
_MUE_SERVICE = {"practitioner": "practitioner", "hospital": "outpatient hospital"}  # context -> MUE file service


@dataclass
class Rules:
    """The official rules ``kg check`` needs, in memory. ``None``: that code set is not loaded.

    Usually read from a store by :func:`load_rules`; built by hand here, with
    one MUE row (77013: 1 unit per line, adjudication indicator 1).

    Examples
    --------
    >>> rules = Rules(releases={"ncci-mue": "2024Q4"}, mue={"77013": (1, "1")})
    >>> rules.source("ncci-mue", "77013 mue_units=1"), rules.ptp is None
    ('ncci-mue 2024Q4: 77013 mue_units=1', True)
    """

    releases: dict[str, str]  # code-set name -> release label
    context: str = "practitioner"
    fees: dict[str, dict[str, str]] | None = None  # code -> PPRRVU column -> value
    priced: dict[str, set[str]] = field(default_factory=dict)  # code -> modifiers with an MPFS row of their own
    procedures: set[str] | None = None  # codes in the MPFS or HCPCS release
    ptp: dict[tuple[str, str], str] | None = None  # (column 1, column 2) -> modifier indicator, in force
    ptp_deleted: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # -> (indicator, date)
    ptp_release: str = ""
    mue: dict[str, tuple[int, str]] | None = None  # code -> (units, adjudication indicator)
    addons: dict[str, tuple[str, frozenset[str]]] | None = None  # add-on -> (edit type, primaries)
    icd: dict[str, bool] | None = None  # ICD-10-CM code -> billable
    excludes1: dict[str, list[tuple[str, str, str]]] | None = None  # code -> (named, note, carrier), nearest first
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)  # code -> itself and every concept above
    modifiers: set[str] | None = None  # known modifiers
    _all_procedures: list[str] | None = None

    def skipped(self) -> list[str]:
        """The checks skipped because their code set is not loaded, in words.

        Examples
        --------
        >>> Rules(releases={}, context="hospital").skipped()[0]
        'ncci-ptp: no NCCI PTP release of context hospital is loaded'
        """
        missing = [("ncci-ptp", self.ptp, f"no NCCI PTP release of context {self.context}"),
                   ("mue", self.mue, "no NCCI MUE release"), ("add-on-without-primary", self.addons, "no NCCI add-on release"),
                   ("modifier-not-allowed, modifier-global-period, not-payable", self.fees, "no MPFS release"),
                   ("excludes1, non-billable-dx", self.icd, "no ICD-10-CM release"),
                   ("unknown-code (procedures)", self.procedures, "no MPFS or HCPCS release"),
                   ("unknown-code (modifiers)", self.modifiers, "no modifier list")]
        return [f"{kinds}: {why} is loaded" for kinds, value, why in missing if value is None]

    def remarks(self) -> list[str]:
        """How a check was made, where the user should know: Excludes1 read from the packaged tabular XML
        when the store's ICD-10-CM release holds no notes.

        Examples
        --------
        >>> Rules(releases={"icd10cm": "2026"}, icd={}).remarks()[0][:60]
        'excludes1: the ICD-10-CM release in the store holds no instr'
        >>> Rules(releases={"icd10cm": "2026"}, icd={}, excludes1={}).remarks()
        []
        """
        if self.icd is not None and self.excludes1 is None:
            return ["excludes1: the ICD-10-CM release in the store holds no instructional notes (kg:excludes1); "
                    "checked against the tabular XML packaged with simple-icd-10-cm instead (reload ICD-10-CM "
                    "with 'kg codesets load' to check against the store)"]
        return []

    def source(self, name: str, row: str) -> str:
        """``"name release: row"``, e.g. ``mpfs RVU24C: 77013 asst_surg=0``."""
        return f"{name} {self.releases.get(name, '')}: {row}".replace("  ", " ")


def _dotted(code: str) -> str:
    code = code.upper()
    return code if "." in code or len(code) <= 3 else code[:3] + "." + code[3:]


def load_rules(store, *, context: str = "practitioner", codes: Iterable[str] | None = None,
               diagnoses: Iterable[str] | None = None, modifiers: Iterable[str] | None = None) -> Rules:
    """Read the rules from ``store`` once.

    With ``codes`` (procedure codes), ``diagnoses`` and ``modifiers``, only
    the rows about those are read (what a batch of claims needs); without,
    everything loaded (the NCCI PTP file alone is 1.7 million edits).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> rules = load_rules(ox.Store(), codes=["77013"])
    >>> rules.fees is None and rules.ptp is None
    True
    """
    loaded = loaded_releases(store)
    releases = {codeset_name(r["g"]): r["release"] or "" for r in loaded}
    rules = Rules(releases=releases, context=context)
    codes = None if codes is None else sorted(set(codes))
    bind = (lambda iris: {"c": iris}) if codes is not None else (lambda iris: {})
    procs = [procedure_iri(c) for c in codes or ()]
    if "mpfs" in releases:
        rules.fees = {}
        for r in run_internal(store, "audit-fees", **bind(procs)):
            prop = MPFS_PROPERTIES.get(r["p"].rsplit("#", 1)[-1])
            if prop:
                rules.fees.setdefault(r["code"], {})[prop] = r["v"]
        rules.priced = fee_modifiers(store, codes)
    iris: list[str] = list(procs)
    dx = None if diagnoses is None else sorted({_dotted(d) for d in diagnoses})
    mods = None if modifiers is None else sorted(set(modifiers))
    iris += [code_iri("ICD10CM", d) for d in dx or ()] + [code_iri("MOD", m) for m in mods or ()]
    known: dict[tuple[str, str], set[str]] = defaultdict(set)  # (code set, scheme) -> codes
    billable: dict[str, bool] = {}
    if codes is None or iris:
        for r in run_internal(store, "check-codes", **({"c": iris} if codes is not None else {})):
            known[(r["set"], r["scheme"].rsplit("#", 1)[-1])].add(r["code"])
            if r["b"] is not None:
                billable[r["code"]] = r["b"] == "true"
    if "mpfs" in releases or "hcpcs" in releases:
        rules.procedures = set(rules.fees or ()) | known[("hcpcs", "HCPCS")]
    if "icd10cm" in releases:
        rules.icd = {c: billable.get(c, True) for c in known[("icd10cm", "ICD10CM")]}
        for graph in codeset_graphs(store, "icd10cm", loaded)[:1]:
            index = excludes1_index(store, graph, dx)
            if index is not None:
                rules.excludes1, rules.ancestors = index
    if set(_MODIFIER_SETS) & set(releases):
        rules.modifiers = set().union(*(known[(s, "MOD")] for s in _MODIFIER_SETS))
    load_context(store, rules, context, codes)
    if "ncci-addon" in releases:
        rules.addons = addon_edits(store, codes)
    if codes is not None and rules.procedures is not None and set(codes) - rules.procedures:
        rules._all_procedures = [r["c"].rsplit("/", 1)[-1] for r in run_internal(store, "check-notations")]
    return rules


def load_context(store, rules: Rules, context: str, codes: Iterable[str] | None = None) -> Rules:
    """Read into ``rules`` (and return it) the rules of claim setting ``context``: NCCI PTP (in force, deleted), MUE.
    Examples
    --------
    >>> import pyoxigraph as ox
    >>> rules = load_context(ox.Store(), Rules(releases={}), "hospital")
    >>> rules.context, rules.ptp, rules.mue
    ('hospital', None, None)
    """
    codes = None if codes is None else sorted(set(codes))
    procs = [procedure_iri(c) for c in codes or ()]
    rules.context, rules.ptp, rules.ptp_deleted, rules.ptp_release, rules.mue = context, None, {}, "", None
    if ptp_graphs(store, context):
        rules.ptp, rules.ptp_release = ptp_edits(store, context, codes)
        for graph, _ in ptp_graphs(store, context):
            for r in run_internal(store, "audit-ptp-deleted", g=graph, **({"a": procs} if codes is not None else {})):
                key = (r["a"].rsplit("/", 1)[-1], r["b"].rsplit("/", 1)[-1])
                rules.ptp_deleted[key] = (r["mi"], r["deleted"])
    if "ncci-mue" in rules.releases:
        rules.mue = {r["c"].rsplit("/", 1)[-1]: (int(r["units"]), r["mai"] or "")
                     for r in run_internal(store, "check-mue", **({"c": procs} if codes is not None else {}))
                     if (r["service"] or "Practitioner").lower() == _MUE_SERVICE.get(context, context)}
    return rules


# --------------------------------------------------------------------------
# the checks


def _suggest(code: str, known) -> list[str]:
    found = did_you_mean(code, known)
    return found or difflib.get_close_matches(code, list(known), n=3, cutoff=0.6)


def check_lines(lines: list[ClaimLine], rules: Rules) -> list[CheckFinding]:
    """Every finding for these claim lines, given the rules. Pure: no store access.

    Examples
    --------
    >>> from kg.claims import from_args
    >>> rules = Rules(releases={"ncci-mue": "2024Q4"}, mue={"77013": (1, "1")})
    >>> [(f.line, f.code, f.kind, f.severity) for f in check_lines(from_args(["77013", "76942"], units=2), rules)]
    [(1, '77013', 'mue', 'error')]
    >>> check_lines(from_args(["77013"]), rules)
    []
    """
    claims: dict[str, list[ClaimLine]] = defaultdict(list)
    for ln in lines:
        claims[ln.claim_id].append(ln)
    out: list[CheckFinding] = []
    for claim in claims.values():
        out += _claim(claim, rules)
    return out


def _claim(claim: list[ClaimLine], rules: Rules) -> list[CheckFinding]:
    out: list[CheckFinding] = []

    def add(ln: ClaimLine, code: str, kind: str, severity: str, message: str, source: str) -> None:
        out.append(CheckFinding(ln.claim_id, ln.line, code, kind, severity, message, source))

    for ln in claim:
        _line_checks(ln, rules, add)
    _mue(claim, rules, add)
    _addons(claim, rules, add)
    _ptp(claim, rules, add)
    _dx(claim, rules, add)
    return out


def _line_checks(ln: ClaimLine, rules: Rules, add) -> None:
    code = ln.code
    if rules.procedures is not None and code not in rules.procedures:
        known = rules._all_procedures or rules.procedures
        hint = _suggest(code, known)
        add(ln, code, "unknown-code", "error", f"{code} is in no loaded procedure code set (MPFS, HCPCS)"
            + (f"; did you mean {' or '.join(hint)}?" if hint else ""), rules.source("mpfs", f"{code} absent"))
        return
    fees = (rules.fees or {}).get(code) if rules.fees is not None else None
    if rules.fees is not None:
        status = (fees or {}).get("status_code")
        rule = decode("status_code", status)
        if rule is not None and rule.kind:
            add(ln, code, "not-payable", rule.severity, f"{code}: MPFS status {rule.value}: {rule.meaning}",
                rules.source("mpfs", f"{code} status_code={status or '(absent)'}"))
    for mod in ln.modifiers:
        if rules.modifiers is not None and mod not in rules.modifiers:
            hint = _suggest(mod, rules.modifiers)
            add(ln, mod, "unknown-code", "error", f"modifier {mod} is in no loaded modifier list"
                + (f"; did you mean {' or '.join(hint)}?" if hint else ""),
                "; ".join(rules.source(s, f"{mod} absent") for s in _MODIFIER_SETS if s in rules.releases))
            continue
        if fees is None:
            continue
        found = modifier_rules(mod, fees, rules.priced.get(code, ()))
        if mod in ANESTHESIA_MODIFIERS and not is_anesthesia_code(code, fees.get("status_code")):
            found.append(decode("anesthesia_modifier", " ".join(ANESTHESIA_MODIFIERS)))
        for rule in found:
            row = f"{code} {rule.field}={fees.get(rule.field, '')}" if rule.field in fees else f"{code}"
            said = f"MPFS {rule.title} {rule.value}" if rule.field in fees else rule.title.lower()
            add(ln, f"{code}-{mod}", rule.kind, rule.severity, f"modifier {mod} on {code}: {said}: {rule.meaning}",
                rules.source("mpfs", row) if rule.field in fees else rule.source)


def _mue(claim: list[ClaimLine], rules: Rules, add) -> None:
    if rules.mue is None:
        return
    totals: dict[tuple[str, str], list[ClaimLine]] = defaultdict(list)
    for ln in claim:
        edit = rules.mue.get(ln.code)
        if edit is None:
            continue
        units, mai = edit
        rule = decode("mue_mai", mai) or decode("mue_mai", "1")
        src = rules.source("ncci-mue", f"{ln.code} mue_units={units} mue_mai={mai}")
        if mai in ("", "1"):
            if ln.units > units:
                add(ln, ln.code, "mue", rule.severity, f"{ln.code}: {ln.units} units on one line, the MUE is {units} "
                    f"(adjudication indicator {mai or '1'}: {rule.meaning})", src)
        else:
            totals[(ln.code, ln.dos)].append(ln)
    for (code, dos), group in totals.items():
        units, mai = rules.mue[code]
        total = sum(ln.units for ln in group)
        if total > units:
            rule = decode("mue_mai", mai)
            when = f" on {dos}" if dos else ""
            add(group[-1], code, "mue", rule.severity, f"{code}: {total} units on the claim{when} (lines "
                f"{', '.join(str(ln.line) for ln in group)}), the MUE is {units} (adjudication indicator {mai}: "
                f"{rule.meaning})", rules.source("ncci-mue", f"{code} mue_units={units} mue_mai={mai}"))


def _addons(claim: list[ClaimLine], rules: Rules, add) -> None:
    if rules.addons is None:
        return
    for ln in claim:
        entry = rules.addons.get(ln.code)
        if entry is None:
            continue
        kind, primaries = entry
        others = {o.code for o in claim if o.dos == ln.dos and o is not ln}
        rule = decode("aoc_edit_type", kind) or decode("aoc_edit_type", "1")
        if primaries & others:
            continue
        if kind == "2" and others - set(rules.addons):
            continue  # no CMS list: any other procedure may be the primary
        listed = ", ".join(sorted(primaries)[:8]) + (" ..." if len(primaries) > 8 else "")
        add(ln, ln.code, "add-on-without-primary", rule.severity,
            f"{ln.code} is an add-on code (edit type {rule.value}: {rule.meaning}) with none of its primaries on "
            f"the claim" + (f" ({listed})" if listed else ""), rules.source("ncci-addon", f"{ln.code} aoc_edit_type={kind}"))


def _ptp(claim: list[ClaimLine], rules: Rules, add) -> None:
    if rules.ptp is None:
        return
    for one in claim:
        for two in claim:
            if one is two or one.dos != two.dos or one.code == two.code:
                continue
            key = (one.code, two.code)
            mi = rules.ptp.get(key)
            deleted = ""
            if mi is None and key in rules.ptp_deleted:
                mi, deleted = rules.ptp_deleted[key]
                if not two.dos or two.dos >= deleted:
                    continue  # the edit was deleted before the date of service
            rule = decode("modifier_indicator", mi)
            if rule is None or not rule.kind:
                continue
            bypass = sorted(set(NCCI_BYPASS_MODIFIERS) & set(one.modifiers + two.modifiers))
            if mi == "1" and bypass:
                continue
            src = rules.source("ncci-ptp", f"{one.code}/{two.code} modifier_indicator={mi}"
                               + (f" deletion_date={deleted}" if deleted else "") + f" ({rules.context})")
            if mi == "0":
                msg = (f"{two.code} is bundled into {one.code} (NCCI PTP, {rules.context}, modifier indicator 0): "
                       f"{rule.meaning}")
            else:
                msg = (f"{two.code} is bundled into {one.code} (NCCI PTP, {rules.context}, modifier indicator 1) and "
                       "neither line has an NCCI-associated modifier: when the services are distinct, 59, XE, XP, XS, "
                       "XU or an anatomic modifier (e.g. RT, LT, F1, T1) bypasses the edit")
            add(two, two.code, "ncci-ptp", rule.severity, msg, src)


def _dx(claim: list[ClaimLine], rules: Rules, add) -> None:
    if rules.icd is None:
        return
    seen: dict[str, ClaimLine] = {}
    for ln in claim:
        for d in ln.dx:
            dd = _dotted(d)
            if dd in seen:
                continue
            seen[dd] = ln
            if dd not in rules.icd:
                hint = _icd_suggest(dd)
                add(ln, d, "unknown-code", "error", f"{d} is not an ICD-10-CM code"
                    + (f"; did you mean {' or '.join(hint)}?" if hint else ""), rules.source("icd10cm", f"{d} absent"))
            elif not rules.icd[dd]:
                add(ln, d, "non-billable-dx", "error", f"{d} is an ICD-10-CM category or header, not billable; report "
                    "a more specific code", rules.source("icd10cm", f"{dd} billable=false"))
    codes = [c for c in seen if c in rules.icd]
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            for x, y in ((a, b), (b, a)):
                hit = _excludes1(rules, x, y)
                if hit:
                    add(seen[b], b, "excludes1", "error", f"{y} with {x}: Excludes1 note on {hit[1]}: {hit[0]!r} "
                        "(not coded together)", rules.source("icd10cm", f"{hit[1]} excludes1 {hit[0]!r}"))
                    break


def _excludes1(rules: Rules, a: str, b: str) -> tuple[str, str] | None:
    """The Excludes1 note ``(text, carrier)`` on ``a`` or above it that names ``b`` or a concept above ``b``:
    from the store's edges, or the packaged XML when the store holds no notes (:meth:`Rules.remarks`)."""
    if rules.excludes1 is None:
        return excludes1_between(a, b)
    above = rules.ancestors.get(b, frozenset((b,)))
    return next(((note, carrier) for named, note, carrier in rules.excludes1.get(a, ()) if named in above), None)


def _icd_suggest(code: str) -> list[str]:
    return _suggest(code, icd_codes())


def check(store_or_rules, claims, *, context: str = "practitioner"):
    """Check claim lines; the Python API of ``kg check``.

    ``claims`` is a pandas DataFrame, an iterable of dicts (the
    :data:`kg.claims.COLUMNS`) or of :class:`kg.claims.ClaimLine`;
    ``store_or_rules`` a store (the rules for these claims' codes are read
    once) or :class:`Rules`. Returns findings of the same shape as the input:
    a DataFrame for a DataFrame, else a list of dicts. Rows that cannot be
    read are left out (:func:`kg.claims.from_records` returns their errors).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> check(ox.Store(), [{"claim_id": "A", "line": 1, "code": "77013", "units": 1}])
    []
    """
    frame = hasattr(claims, "to_dict")
    items = list(claims.to_dict("records") if frame else claims)
    if items and isinstance(items[0], ClaimLine):
        lines = items
    else:
        lines, _ = from_records(items)
    if isinstance(store_or_rules, Rules):
        found = [f.as_dict() for f in check_lines(lines, store_or_rules)]
    else:
        found = [f.as_dict() for f in check_claims(store_or_rules, lines, context=context)]
    if frame:
        import pandas as pd

        return pd.DataFrame(found, columns=["claim_id", "line", "code", "kind", "severity", "message", "source"])
    return found


def check_claims(store, lines: list[ClaimLine], *, context: str = "practitioner", skipped: list[str] | None = None,
                 remarks: list[str] | None = None) -> list[CheckFinding]:
    """Check claim lines against ``store``: the rules for their codes are read once, then every line is checked.

    ``skipped``, if given, receives :meth:`Rules.skipped` (what could not be checked); ``remarks``
    :meth:`Rules.remarks` (how a check was made, e.g. Excludes1 from the packaged XML).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.claims import from_args
    >>> check_claims(ox.Store(), from_args(["93306", "93320-26"]))
    []
    """
    rules = load_rules(store, context=context, codes={ln.code for ln in lines},
                       diagnoses={d for ln in lines for d in ln.dx}, modifiers={m for ln in lines for m in ln.modifiers})
    if skipped is not None:
        skipped.extend(rules.skipped())
    if remarks is not None:
        remarks.extend(rules.remarks())
    return check_lines(lines, rules)


def worst(findings: Iterable[CheckFinding]) -> int:
    """The highest severity rank among ``findings`` (-1 when there are none).

    Examples
    --------
    >>> worst([]), worst([CheckFinding("1", 1, "26", "mue", "warning", "", "")])
    (-1, 1)
    """
    return max((SEVERITY_RANK[f.severity] for f in findings), default=-1)
