"""The clause-level reader: from a relationship cell to typed, directed, possibly negated statements.

How a cell is read (the principles, in order):

1. **Clauses.** The cell is split into clauses (:mod:`kg.relations.text`).
   A leading or trailing condition ("when performed on a separate lesion")
   qualifies its clause and never becomes an edge of its own; a concession
   ("even though 69990 is itself an add-on code") is a caveat and gives nothing.
2. **Cues.** Each clause is matched against the rule table
   (:mod:`kg.relations.rules`). A cue inside a longer cue is dropped.
3. **Negation.** A NegEx-style trigger in front of a cue negates it: the
   statement is kept as *negated* (no positive triple) or, for cues that
   cannot be negated, dropped. "Not separately reportable" is a bundling cue
   that holds its own negation.
4. **Participants.** A cue's left and right participants are the codes the
   clause names around it; a side that names no code is the row's code (left)
   or the briefing's subject (right), unless the words there clearly describe
   the other one. So rows can also state edges between two other codes.
5. **One clause, one billing relation per pair.** In a clause, bundling beats
   an explicit billing statement, which beats a weak or functional cue;
   different relations on the same tier conflict and give nothing.
6. **Clauses combine.** Across clauses, compatible statements add up
   ("included ...; at a different site may be reported with 59" gives both
   ``includedIn`` and ``separatelyReportableWith``); an incompatible later
   statement is a caveat and is dropped, unless it is bundling. ``includedIn``
   absorbs ``mutuallyExclusiveWith``, ``alternativeTo`` and ``addOnTo``;
   ``addOnTo`` absorbs ``separatelyReportableWith``.
7. **Negation wins.** A statement the text denies is never asserted, even
   if another clause seems to say it.
8. **Never guess.** A row with no positive statement about its code stays
   the generic ``relatedTo`` (the caller writes it, and it shows in
   ``needs-review``).

Examples
--------
>>> [(s.subject, s.relation, s.object, s.negated) for s in
...  read_row("Not interchangeable with 17000: both codes may be reported with modifier 59 or XS.",
...           table="procedure", subject="17000", row="17110")]
[('17110', 'separatelyReportableWith', '17000', False), ('17110', 'alternativeTo', '17000', True)]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from kg.relations.combine import absorb_add_ons, combine, within_clause
from kg.relations.diagnosis import diagnosis
from kg.relations.reading import ELLIPSIS, Row, Negations, find, matches, participants
from kg.relations.rules import (
    ADD_ON_CUES,
    DIAGNOSIS_RULES,
    PRIMARY_CUES,
    PROCEDURE_RULES,
    Rule,
)
from kg.relations.statement import AddOnKnowledge, Statement, unique
from kg.relations.text import Clause, read_cell

__all__ = ["Statement", "AddOnKnowledge", "generic", "primary", "read_row"]


_AGENT = re.compile(r"\b(?:that|which)\s+(?:[\w\u3400-]+\s+){1,3}$", re.I)
_AGENT_WINDOW = 200  # characters before a "monitors" cue where its agent ("which 77013 specifically") may be


def _clause_statements(row: Row, i: int, clause: Clause, rules: tuple[Rule, ...]) -> list[Statement]:
    cell = row.cell
    found = matches(row, clause, rules)
    consumed = [(m.start(), m.end()) for r, m in found if r.consumes]
    out: list[Statement] = []
    floor = clause.start
    inherit: list[str] | None = None
    negations = Negations(clause, consumed)  # the cues in order of position: one sweep of the triggers
    scopes: dict[tuple[int, int], str] = {}
    for rule, m in sorted(found, key=lambda rm: rm[1].start()):
        trigger = negations.at(m.start())
        previous = floor
        if rule.tier >= 2 and not re.search(r"\b(?:that|which|who)\s+(?:\w+\s+)?$",
                                            cell.masked[max(0, m.start() - 30):m.start()], re.I):
            # a weak cue ("postoperative visits") or one in a relative clause ("guidance that monitors ...")
            # ends no phrase
            floor = max(floor, m.end())
        if trigger is not None and not rule.negatable:
            continue
        start = m.start()
        if rule.relation == "monitors":  # quote the agent of "which 77013 specifically monitors" too
            # looked for just before the cue (three words), not in the whole clause before it: one cell of a
            # thousand cues would otherwise rescan the clause a thousand times
            lo = max(clause.start, m.start() - _AGENT_WINDOW)
            agent = _AGENT.search(cell.masked, lo, m.start())
            start = agent.start() if agent else start
        phrase = cell.quote(start, m.end())
        condition = "; ".join(clause.conditions)
        mods = cell.modifiers_in(clause.start, clause.end) if rule.relation in ("separatelyReportableWith",
                                                                              "addOnTo") else ()
        found_pairs = participants(row, clause, rule, m, previous, inherit)
        if rule.orient in ("LR", "RL"):
            inherit = found_pairs.lefts or None
        scope = ""
        if trigger is not None:  # one trigger's scope may cover a thousand cues: quoted once
            key = (trigger.scope_start, trigger.scope_end)
            scope = scopes.get(key)
            if scope is None:
                scope = scopes[key] = cell.quote(*key).strip()
        for s, o, explicit in found_pairs:
            out.append(Statement(
                s, rule.relation, o, negated=trigger is not None, phrase=phrase, rule=rule.name,
                cue=trigger.cue if trigger else "", scope=scope,
                modifiers=mods, condition=condition, tier=rule.tier, explicit=explicit, clause=i,
                position=m.start()))
    return out


def _add_on_statements(row: Row, i: int, clause: Clause, addon_flag: dict[str, bool]) -> list[Statement]:
    """"in addition to", "use with", "only with": add-on to a primary, or separately reportable with it."""
    cell = row.cell
    out = []
    for pattern in PRIMARY_CUES:
        negations = Negations(clause, [])  # the cues of one pattern come in order of position
        for m in find(pattern, cell.masked, clause.start, clause.end):
            lefts, lnp = row.left(clause, m.start(), clause.start)
            rights, _ = row.right(clause, m.end())
            generic = pattern == PRIMARY_CUES[0]
            if not rights and not generic:
                continue  # "use with" names its primary, or it says nothing
            if not lefts:
                lefts = [row.np_side(lnp) or row.x]
            if not rights:
                rights = [row.s if lefts != [row.s] else row.x]
            if negations.at(m.start()) is not None:
                continue  # "not billed in addition": the not-together rule reads it
            for a in lefts:
                addon = addon_flag.get(a)
                if addon is None:
                    addon = row.is_addon(a)
                if addon is None and pattern == PRIMARY_CUES[2]:
                    addon = True  # "reported only with 77065": it cannot stand alone, which is what an add-on is
                for b in rights:
                    if a == b:
                        continue
                    if addon:
                        relation, rule = "addOnTo", "add-on-primary"
                    elif addon is False and generic:
                        relation, rule = "separatelyReportableWith", "in-addition-not-add-on"
                    else:
                        continue
                    out.append(Statement(
                        a, relation, b, phrase=cell.quote(m.start(), m.end()), rule=rule,
                        modifiers=cell.modifiers_in(clause.start, clause.end),
                        condition="; ".join(clause.conditions), tier=2, explicit=2, clause=i,
                        position=m.start()))
    return out


def _explicit_addons(row: Row) -> dict[str, tuple[bool, str, int]]:
    """Codes the text itself says are add-ons: ``+CODE``, "add-on 33517", "Add-on code reported ...", "each additional"."""
    cell = row.cell
    out: dict[str, tuple[bool, str, int]] = {}
    for m in cell.mentions:
        if m.plus:
            out[m.code] = (True, cell.quote(m.start - 1, m.end), m.start)
    for m in find(r"\badd-?on(?: code)? (?P<A>{C})", cell.masked, 0, len(cell.masked)):
        for x in cell.mentions_in(m.start("A"), m.end("A")):
            out.setdefault(x.code, (True, cell.quote(m.start(), m.end()), m.start()))
    for clause in cell.clauses:
        if clause.kind != "main":
            continue
        for pattern in ADD_ON_CUES:
            negations = Negations(clause, [])  # the cues of one pattern come in order of position
            for m in find(pattern, cell.masked, clause.start, clause.end):
                if negations.at(m.start()) is not None:
                    continue
                lefts, _ = row.left(clause, m.start(), clause.start)
                code = lefts[0] if lefts else row.x
                out.setdefault(code, (True, cell.quote(m.start(), m.end()), m.start()))
    return out


def read_row(text: str, *, table: str, subject: str, row: str, subject_title: str = "",
             row_description: str = "", addons: AddOnKnowledge | None = None) -> list[Statement]:
    """Every statement a Related CPT Codes (``table="procedure"``) or Related Diagnoses row makes.

    Positive statements come first, in the order the text makes them, then the
    negated ones. An empty list means the row is to stay ``relatedTo``.

    Parameters
    ----------
    text : str
        The relationship (or clinical relevance) cell.
    subject, row : str
        The briefing's code and the row's code.
    subject_title, row_description : str
        The briefing's title and the row's description, to tell which code a phrase such as "the
        manipulation" means when it names none.
    addons : callable, optional
        What the loaded code sets say of a code: an add-on code or not (see :data:`AddOnKnowledge`).

    Examples
    --------
    >>> [(s.subject, s.relation, s.object) for s in read_row(
    ...     "+99153 for each additional 15 minutes; reported in addition to 99152.",
    ...     table="procedure", subject="43235", row="99153")]
    [('99153', 'addOnTo', '99152')]
    >>> st = read_row("Does not support 99203; a preventive visit code is used instead.",
    ...               table="diagnosis", subject="99203", row="Z00.00")[0]
    >>> (st.relation, st.negated, st.cue)
    ('indicationFor', True, 'Does not')
    """
    cell = read_cell(text)
    r = Row(cell, table, subject, row, subject_title, row_description, addons)
    if table == "diagnosis":
        return diagnosis(r)
    explicit = _explicit_addons(r)
    addon_flag = {code: True for code in explicit}
    per_clause, negated = [], []
    latest = _Latest()
    for i, clause in enumerate(cell.clauses):
        if clause.kind != "main":
            continue
        statements = _clause_statements(r, i, clause, PROCEDURE_RULES) + _add_on_statements(r, i, clause, addon_flag)
        negated += [st for st in statements if st.negated]
        positives, _ = within_clause([st for st in statements if not st.negated])
        per_clause.append(positives)
        latest.add(positives)
        for m in find(ELLIPSIS, cell.masked, clause.start, clause.end):
            negated += _ellipsis(r, i, m, latest)
    kept = combine(per_clause)
    named = {(st.subject, st.object) for st in kept if st.relation == "addOnTo"}
    named |= {(st.subject, st.object) for st in negated if st.relation == "addOnTo"}
    for code, (_, phrase, pos) in explicit.items():
        if code == r.x and not any(s == code for s, _ in named) and not any(
                st.relation == "includedIn" and st.subject == code for st in kept):
            kept.append(Statement(code, "addOnTo", r.s, phrase=phrase, rule="add-on-code", tier=2, position=pos))
    kept = absorb_add_ons(kept)
    # the ellipsis "but not with G0438" after a separately-reportable statement is mutual exclusion
    kept += [replace(st, relation="mutuallyExclusiveWith", negated=False, rule="not-with-ellipsis")
             for st in negated if st.rule == "ellipsis-of-separatelyReportableWith"]
    negated = [st for st in negated if st.rule != "ellipsis-of-separatelyReportableWith"]
    denied = {st.key for st in negated}
    kept = [st for st in kept if st.key not in denied]
    return unique(kept) + unique(negated)


class _Latest:
    """The positive statements of a cell read so far, in order, to find the latest one before a position.

    Kept sorted by (position, order read), so each look-up is a binary search, not a scan of every statement
    before it (a cell of a thousand "not with" clauses would scan a million).

    Examples
    --------
    >>> latest = _Latest()
    >>> latest.add([Statement("a", "alternativeTo", "b", position=5), Statement("a", "precedes", "c", position=5)])
    >>> latest.before(6).relation, latest.before(5) is None
    ('alternativeTo', True)
    """

    def __init__(self) -> None:
        self._keys: list[tuple[int, int]] = []
        self._items: list[Statement] = []
        self._read = 0

    def add(self, statements: list[Statement]) -> None:
        for st in statements:
            if st.negated:
                continue
            key = (st.position, self._read)
            self._read += 1
            i = bisect.bisect_right(self._keys, key)
            self._keys.insert(i, key)
            self._items.insert(i, st)

    def before(self, position: int) -> Statement | None:
        """The statement of greatest position below ``position``, the first read of those (as ``max`` gives)."""
        i = bisect.bisect_left(self._keys, (position, -1))
        if i == 0:
            return None
        j = bisect.bisect_left(self._keys, (self._keys[i - 1][0], -1))
        return self._items[j]


def _ellipsis(row: Row, i: int, m: re.Match[str], before: _Latest) -> list[Statement]:
    """"..., not with 33533": the last statement before it, denied for that code."""
    targets = [x.code for x in row.cell.mentions_in(m.start("R"), m.end("R"))]
    last = before.before(m.start())
    if last is None or not targets:
        return []
    lead = last.subject if last.object not in (row.s,) or last.subject == row.x else last.object
    out = []
    for code in targets:
        if code in (lead,):
            continue
        out.append(replace(last, object=code, subject=lead, negated=True, cue="not",
                           scope=row.cell.quote(m.start(), m.end()), rule=f"ellipsis-of-{last.relation}",
                           phrase=row.cell.quote(m.start(), m.end()), position=m.start()))
    return out


def primary(statements: list[Statement], subject: str, row: str) -> Statement | None:
    """The row's main statement about its code and the subject: the strongest, then the first.

    Examples
    --------
    >>> sts = read_row("Monitors 22551; NCCI bundles 95940 into 22551.", table="procedure", subject="22551",
    ...                row="95940")
    >>> primary(sts, "22551", "95940").relation
    'includedIn'
    """
    mine = [st for st in statements if not st.negated and {st.subject, st.object} == {subject, row}]
    return max(mine, key=lambda st: (st.tier, -st.position)) if mine else None


def generic(statements: list[Statement], text: str, *, table: str, subject: str, row: str) -> tuple[str, str]:
    """Why a row stays ``relatedTo``, and the cues a reviewer should look at: ``(rule, phrase)``.

    The rule is ``negated`` (the text denies the statements it makes about the pair), ``other-codes`` (it
    only relates other codes), ``conflict`` (its cues disagree) or ``no-rule`` (no cue at all).

    Examples
    --------
    >>> generic([], "See payer policy", table="procedure", subject="77013", row="76380")
    ('no-rule', '')
    >>> sts = read_row("Not an alternative to 49505", table="procedure", subject="49505", row="49591")
    >>> generic(sts, "Not an alternative to 49505", table="procedure", subject="49505", row="49591")
    ('negated', 'an alternative')
    """
    pair = {subject, row}
    cues = _conflict_phrases(text, table, subject, row)
    phrase = "; ".join(dict.fromkeys(cues))
    if any(st.negated and {st.subject, st.object} == pair for st in statements):
        return "negated", "; ".join(dict.fromkeys(st.phrase for st in statements if st.negated)) or phrase
    if any(not st.negated for st in statements):
        return "other-codes", "; ".join(dict.fromkeys(st.phrase for st in statements if not st.negated)) or phrase
    return ("conflict" if cues else "no-rule"), phrase


def _conflict_phrases(text: str, table: str, subject: str, row: str) -> list[str]:
    """The cues a row that stayed generic still has, as written (what a reviewer looks at)."""
    cell = read_cell(text)
    r = Row(cell, table, subject, row, "", "", None)
    rules = DIAGNOSIS_RULES if table == "diagnosis" else PROCEDURE_RULES
    out = []
    for clause in cell.clauses:
        if clause.kind != "main":
            continue
        for rule, m in sorted(matches(r, clause, rules), key=lambda rm: rm[1].start()):
            out.append(cell.quote(m.start(), m.end()))
    return out
