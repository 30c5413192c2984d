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

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from kg.model import RELATIONS
from kg.relations.rules import ADD_ON_CUES, COVERAGE_VETO, DIAGNOSIS_RULES, PRIMARY_CUES, PROCEDURE_RULES, Rule
from kg.relations.text import CODE_MARK, Cell, Clause, Mention, read_cell

__all__ = ["Statement", "AddOnKnowledge", "generic", "primary", "read_row"]


@dataclass(frozen=True)
class Statement:
    """One statement a row makes: ``subject relation object``, perhaps negated, with what decided it.

    ``phrase`` is the deciding cue as written; ``rule`` names the rule.
    For a negated statement, ``cue`` is the negation trigger and ``scope`` the
    words it covers. ``modifiers`` are the modifiers the clause names (for
    ``separatelyReportableWith`` and ``addOnTo``), ``condition`` the clause's
    condition, if any.
    """

    subject: str
    relation: str
    object: str
    negated: bool = False
    phrase: str = ""
    rule: str = ""
    cue: str = ""
    scope: str = ""
    modifiers: tuple[str, ...] = ()
    condition: str = ""
    tier: int = 1
    explicit: int = 0
    clause: int = 0
    position: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        """``(subject, relation, object)``, with a symmetric relation's pair in a fixed order."""
        s, o = self.subject, self.object
        if RELATIONS[self.relation].symmetric and o < s:
            s, o = o, s
        return s, self.relation, o

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.subject, self.object))


AddOnKnowledge = Callable[[str], "bool | None"]
"""``code -> True`` (an add-on code), ``False`` (not one) or ``None`` (not known)."""

_COMPILED: dict[str, re.Pattern[str]] = {}
_NON_ADD_ON_HCPCS = re.compile(r"[ABEJKLPQRSTV]\d{4}")  # drugs, supplies, DME: never add-on codes


def _rx(pattern: str) -> re.Pattern[str]:
    p = _COMPILED.get(pattern)
    if p is None:
        p = _COMPILED[pattern] = re.compile(pattern.replace("{C}", f"{CODE_MARK}+"), re.IGNORECASE)
    return p


class _Hit:
    """A match found in one clause, with positions in the whole cell ("^" in a rule means the clause's start)."""

    __slots__ = ("_m", "_offset", "re")

    def __init__(self, m: re.Match[str], offset: int) -> None:
        self._m, self._offset, self.re = m, offset, m.re

    def start(self, group: int | str = 0) -> int:
        return self._m.start(group) + self._offset

    def end(self, group: int | str = 0) -> int:
        return self._m.end(group) + self._offset

    def group(self, group: int | str = 0) -> str | None:
        return self._m.group(group)


def _find(pattern: str, text: str, lo: int, hi: int) -> list[_Hit]:
    """Every match of ``pattern`` in ``text[lo:hi]``, as :class:`_Hit` s."""
    return [_Hit(m, lo) for m in _rx(pattern).finditer(text[lo:hi])]


_PACKAGE = re.compile(r"\bglobal (?:\w+ )?(?:package|period|service)\b|\bsurgical package\b", re.IGNORECASE)
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|into|to|with|of|than|from|as|for|by|after|before|alongside|like|unlike|under|during|on|replaces)\s+"
    r"(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_THIS = re.compile(r"\bthis (?:[\w-]+ )?(?:code|procedure|service|visit|study|test|exam|ablation|cryoablation|"
                   r"imaging|guidance(?: code)?|injection|repair|surgery|operation)\b|\bthe subject code\b", re.IGNORECASE)
_LIST_AFTER = re.compile(
    r"\s*(?:\(\s*)?(?:(?:the|a|an|its|this|that|each|every|any)\s+)?(?:(?!(?:is|are|was|may|can|should|must|and|but|not"
    r"|when|if|to|reported|billed|coded|instead)\b)[\w&-]+\s+){0,4}?\(?\s*"
    rf"(?P<list>{CODE_MARK}+(?:(?:\s*(?:,|/|\bor\b|\band\b|\bwith\b)\s*)+{CODE_MARK}+)*)", re.IGNORECASE)
_ELLIPSIS = (r"(?:^|,\s*|\bbut\s+)not (?:with |for |by |in |as )?(?:the |an? )?(?:[\w-]+ ){0,3}?(?P<R>{C})")
_HEAD_END = re.compile(r"\s+(?:to|of|in|on|at|for|with|from|as|during|by|through|into|that|which|who|when|is|are|"
                       r"was|were|may|can|should|must)\s+", re.IGNORECASE)
_STOP = frozenset("""a an the of to in into for with by on at and or is are be may can this that code codes
procedure procedures service services when if its it not as from per each both same""".split())


def _stems(text: str) -> set[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]+", text)]
    out = {w[:6] for w in words if w not in _STOP and len(w) > 2}
    caps = re.findall(r"\b([A-Z]{2,5})\b", text)  # acronyms as written ("CBC", "TEE")
    out |= {c.lower() for c in caps}
    return out


def _acronyms(text: str) -> set[str]:
    words = [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in _STOP]
    out = set()
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            out.add("".join(w[0] for w in words[i:i + n]).lower())
    return out


class _Row:
    """What the engine knows about one row while it reads it."""

    def __init__(self, cell: Cell, table: str, subject: str, row: str, subject_title: str, row_description: str,
                 addons: AddOnKnowledge | None) -> None:
        self.cell, self.table, self.s, self.x = cell, table, subject, row
        self.s_words = _stems(subject_title) | _acronyms(subject_title)
        self.x_words = _stems(row_description) | _acronyms(row_description)
        self.addons = addons

    # ---- who is who
    def code(self, m: Mention) -> str:
        return m.code

    def np_side(self, text: str, head: bool = True, before: str | None = "") -> str | None:
        """Which of S and X a phrase that names no code describes, if it clearly describes one.

        Only the head of the phrase counts ("Manual therapy to the same region as CMT" is about manual
        therapy), or with ``head=False`` its last part ("an epidural injection performed").
        ``before`` is the text in front of a left phrase: "with this ablation" is not about the subject;
        ``None`` for a right phrase, the object of the cue, where "with this code" is.
        """
        chunks = [c for c in _HEAD_END.split(text.strip()) if c.strip()] or [""]
        part = chunks[0] if head else chunks[-1]
        if _PACKAGE.search(part):
            return self.s  # "the global surgical package" is the subject's
        this = _THIS.search(part)
        if this and (before is None or not _PREPOSITION_BEFORE.search(before + text[:text.find(part) + this.start()])):
            return self.s
        if re.fullmatch(r"\W*(?:it|they|the two|both|each)\W*(?:\s+(?:is|are|may|can|should))?\W*", part, re.I):
            return None
        words = _stems(part)
        s, x = len(words & self.s_words), len(words & self.x_words)
        if s > x:
            return self.s
        if x > s:
            return self.x
        return None

    def left(self, clause: Clause, start: int, floor: int) -> tuple[list[str], str]:
        masked = self.cell.masked
        for m in reversed(self.cell.mentions_in(floor, start)):
            if not _PREPOSITION_BEFORE.search(masked[max(0, m.start - 40):m.start]):
                return [m.code], "code"
        return [], masked[floor:start]

    def right(self, clause: Clause, end: int) -> tuple[list[str], str]:
        masked = self.cell.masked
        m = _LIST_AFTER.match(masked, end, clause.end)
        if m:
            codes = [x.code for x in self.cell.mentions_in(m.start("list"), m.end("list"))]
            return codes, "code"
        return [], masked[end:min(clause.end, end + 80)]

    def is_addon(self, code: str) -> bool | None:
        if self.addons is not None:
            known = self.addons(code)
            if known is not None:
                return known
        if _NON_ADD_ON_HCPCS.fullmatch(code):
            return False
        return None


def _matches(row: _Row, clause: Clause, rules: tuple[Rule, ...]) -> list[tuple[Rule, _Hit]]:
    masked = row.cell.masked
    found = []
    first = clause is row.cell.clauses[0]
    for rule in rules:
        if rule.first and not first:
            continue
        lo, hi = (clause.full_start, clause.full_end) if rule.in_conditions else (clause.start, clause.end)
        for m in _find(rule.pattern, masked, lo, hi):
            if m.end() > m.start():
                found.append((rule, m))
    # a cue inside a longer cue says nothing of its own
    keep = [(r, m) for r, m in found
            if not any((o.start() <= m.start() and m.end() <= o.end()) and (o.end() - o.start()) > (m.end() - m.start())
                       for _, o in found)]
    return keep


def _negation(row: _Row, clause: Clause, rule: Rule, m: re.Match[str], consumed: list[tuple[int, int]]):
    for t in clause.triggers:
        if any(a <= t.start and t.end <= b for a, b in consumed):
            continue
        if t.end <= m.start() and t.covers(m.start()):
            return t
    return None


_ELLIPTIC = re.compile(r"(?:,\s*|\s)(?:and|or)\s+(?:(?:is|are|was|were|may|can|should|must|will)\s+(?:also\s+)?|also\s+)$",
                       re.IGNORECASE)


def _participants(row: _Row, clause: Clause, rule: Rule, m: _Hit, floor: int, inherit: list[str] | None = None):
    """``[(subject, object, explicit)]`` for one cue.

    ``inherit`` is the grammatical subject of the cue before it in the clause: "X is included in S *and is
    not reported separately*" keeps X.
    """
    cell = row.cell
    if "L" in m.re.groupindex and m.group("L") is not None:
        lefts, lnp = [x.code for x in cell.mentions_in(m.start("L"), m.end("L"))], "code"
    else:
        lefts, lnp = row.left(clause, m.start(), floor)
        if not lefts and inherit and _ELLIPTIC.search(" " + lnp):
            lefts, lnp = list(inherit), "inherited"
    if "R" in m.re.groupindex and m.group("R") is not None:
        rights, rnp = [x.code for x in cell.mentions_in(m.start("R"), m.end("R"))], "code"
    else:
        rights, rnp = row.right(clause, m.end())
    # how well grounded the participants are: a code named counts 2, a phrase that describes one 1
    explicit = 2 * (lnp == "code") + 2 * (rnp == "code") + (lnp == "inherited") - (rule.label and lnp != "code")
    if rule.relation == "monitors" and lnp == "code" and re.search(
            r"\b(?:that|which)\s+(?:\w+\s+)?$", cell.masked[max(0, cell.mentions_in(0, m.start())[-1].start - 12):
                                                            cell.mentions_in(0, m.start())[-1].start]):
        # "ablation codes which 77013 monitors": the code monitors what the relative clause hangs on
        agent = lefts[0]
        return [(agent, row.x if agent != row.x else row.s, explicit)]
    if rule.orient == "XS":
        return [(row.x, row.s, 0)]
    if rule.orient == "SX":
        return [(row.s, row.x, 0)]
    side_l = side_r = None
    if not lefts:
        relative = re.search(r"\b(?:that|which)\s+((?:(?!(?:is|are|was|were|be|been|and|monitors|includes)\b)[\w-]+\s+)"
                             r"{1,4})$", lnp, re.IGNORECASE)
        if relative and rule.relation != "monitors":
            relative = None  # only a verb cue has an agent in a relative clause
        if relative:  # "the procedure that this guidance code monitors": the agent follows "that"
            lnp = relative.group(1)
        side_l = row.np_side(lnp, head=not rule.last_np, before=cell.masked[max(0, floor - 40):floor])
        explicit += side_l is not None
        if relative and side_l is None:
            return []  # an agent kg cannot tell ("the procedure that 770131 monitors"): no guess
    if not rights:
        side_r = row.np_side(rnp, before=None)
        # "not separately reported with this code" names a companion, not a container: it grounds no direction
        explicit += side_r is not None and rule.name != "not-separately"
    if side_l is not None and side_r is not None and side_l == side_r:
        side_l = side_r = None  # both phrases seem to describe one code: they settle nothing
        explicit -= 2
    if not lefts and not rights:
        lefts, rights = [side_l or (row.x if side_r != row.x else row.s)], [side_r or (row.s if side_l != row.s else row.x)]
    elif not lefts:
        lefts = [side_l or (row.x if rights != [row.x] else row.s)]
    elif not rights:
        rights = [side_r or (row.s if lefts != [row.s] else row.x)]
    if lefts == rights:
        if side_l is not None:
            lefts = [row.x if lefts == [row.s] else row.s]
        elif side_r is not None and lnp in ("code", "inherited"):
            return []  # "X ... and also included in X": says nothing kg can use
        elif side_r is not None:
            rights = [row.x if rights == [row.s] else row.s]
    out = []
    for a in lefts:
        for b in rights:
            if a == b:
                continue
            out.append((b, a, explicit) if rule.orient == "RL" else (a, b, explicit))
    _participants.last_left = lefts  # type: ignore[attr-defined]
    return out


def _clause_statements(row: _Row, i: int, clause: Clause, rules: tuple[Rule, ...]) -> list[Statement]:
    cell = row.cell
    found = _matches(row, clause, rules)
    consumed = [(m.start(), m.end()) for r, m in found if r.consumes]
    out: list[Statement] = []
    floor = clause.start
    inherit: list[str] | None = None
    for rule, m in sorted(found, key=lambda rm: rm[1].start()):
        trigger = _negation(row, clause, rule, m, consumed)
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
            agent = re.search(r"\b(?:that|which)\s+(?:[\w\u3400-]+\s+){1,3}$", cell.masked[clause.start:m.start()], re.I)
            start = clause.start + agent.start() if agent else start
        phrase = cell.quote(start, m.end())
        condition = "; ".join(clause.conditions)
        mods = cell.modifiers_in(clause.start, clause.end) if rule.relation in ("separatelyReportableWith",
                                                                              "addOnTo") else ()
        found_pairs = _participants(row, clause, rule, m, previous, inherit)
        if rule.orient in ("LR", "RL"):
            inherit = getattr(_participants, "last_left", None)
        for s, o, explicit in found_pairs:
            out.append(Statement(
                s, rule.relation, o, negated=trigger is not None, phrase=phrase, rule=rule.name,
                cue=trigger.cue if trigger else "",
                scope=cell.quote(trigger.scope_start, trigger.scope_end).strip() if trigger else "",
                modifiers=mods, condition=condition, tier=rule.tier, explicit=explicit, clause=i,
                position=m.start()))
    return out


def _add_on_statements(row: _Row, i: int, clause: Clause, addon_flag: dict[str, bool]) -> list[Statement]:
    """"in addition to", "use with", "only with": add-on to a primary, or separately reportable with it."""
    cell = row.cell
    out = []
    for pattern in PRIMARY_CUES:
        for m in _find(pattern, cell.masked, clause.start, clause.end):
            lefts, lnp = row.left(clause, m.start(), clause.start)
            rights, _ = row.right(clause, m.end())
            generic = pattern == PRIMARY_CUES[0]
            if not rights and not generic:
                continue  # "use with" names its primary, or it says nothing
            if not lefts:
                lefts = [row.np_side(lnp) or row.x]
            if not rights:
                rights = [row.s if lefts != [row.s] else row.x]
            trigger = next((t for t in clause.triggers if t.end <= m.start() and t.covers(m.start())), None)
            if trigger is not None:
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


def _explicit_addons(row: _Row) -> dict[str, tuple[bool, str, int]]:
    """Codes the text itself says are add-ons: ``+CODE``, "add-on 33517", "Add-on code reported ...", "each additional"."""
    cell = row.cell
    out: dict[str, tuple[bool, str, int]] = {}
    for m in cell.mentions:
        if m.plus:
            out[m.code] = (True, cell.quote(m.start - 1, m.end), m.start)
    for m in _find(r"\badd-?on(?: code)? (?P<A>{C})", cell.masked, 0, len(cell.masked)):
        for x in cell.mentions_in(m.start("A"), m.end("A")):
            out.setdefault(x.code, (True, cell.quote(m.start(), m.end()), m.start()))
    for clause in cell.clauses:
        if clause.kind != "main":
            continue
        for pattern in ADD_ON_CUES:
            for m in _find(pattern, cell.masked, clause.start, clause.end):
                if any(t.end <= m.start() and t.covers(m.start()) for t in clause.triggers):
                    continue
                lefts, _ = row.left(clause, m.start(), clause.start)
                code = lefts[0] if lefts else row.x
                out.setdefault(code, (True, cell.quote(m.start(), m.end()), m.start()))
    return out


_COMPATIBLE = {
    frozenset(("monitors", "includedIn")), frozenset(("monitors", "addOnTo")),
    frozenset(("monitors", "separatelyReportableWith")), frozenset(("precedes", "mutuallyExclusiveWith")),
    frozenset(("precedes", "separatelyReportableWith")), frozenset(("includedIn", "separatelyReportableWith")),
    frozenset(("alternativeTo", "mutuallyExclusiveWith")),
}
_ABSORBS = {"includedIn": {"mutuallyExclusiveWith", "alternativeTo", "addOnTo", "precedes"},
            "addOnTo": {"separatelyReportableWith"}}


def _within_clause(statements: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """One relation per pair in a clause; returns (kept, conflicts)."""
    by_pair: dict[frozenset[str], list[Statement]] = {}
    for st in statements:
        by_pair.setdefault(st.pair, []).append(st)
    kept, conflicts = [], []
    for group in by_pair.values():
        # the same relation said twice with the participants named, and once by default: keep the named one
        top = max(st.tier for st in group)
        best = [st for st in group if st.tier == top]
        relations = {st.relation for st in best}
        if len(relations) > 1:
            pos = {r for r in relations if r in _ABSORBS}
            if len(pos) == 1 and relations - pos <= _ABSORBS[next(iter(pos))]:
                best = [st for st in best if st.relation in pos]
            else:
                conflicts.extend(best)
                continue
        relation = best[0].relation
        if RELATIONS[relation].symmetric:
            kept.append(max(best, key=lambda st: st.explicit))
            continue
        directions = {(st.subject, st.object) for st in best}
        if len(directions) > 1:
            grounded = [st for st in best if st.explicit > 0]
            if len({(st.subject, st.object) for st in grounded}) != 1:
                conflicts.extend(best)  # grounded both ways, or not at all: never guess
                continue
            best = grounded
        kept.append(best[0])
    # a relation whose participant was named beats the same relation with a defaulted one from the same code
    final = []
    for st in kept:
        if st.explicit < 4 and any(o is not st and o.relation == st.relation and o.explicit > st.explicit
                                   and st.subject in (o.subject, o.object) for o in kept):
            continue
        final.append(st)
    return final, conflicts


def _combine(per_clause: list[list[Statement]]) -> list[Statement]:
    kept: list[Statement] = []
    vetoed: set[frozenset[str]] = set()
    for statements in per_clause:
        for st in statements:
            if st.pair in vetoed:
                continue
            same = [k for k in kept if k.pair == st.pair]
            clash = False
            for k in same:
                if k.relation == st.relation:
                    if RELATIONS[st.relation].symmetric or (k.subject, k.object) == (st.subject, st.object):
                        clash = None  # said again
                    elif st.explicit > k.explicit:
                        kept.remove(k)  # the other direction, better grounded: it wins
                    else:
                        clash = None  # the other direction, no better grounded: the first clause names it
                    break
                if frozenset((k.relation, st.relation)) in _COMPATIBLE:
                    continue
                if st.relation in _ABSORBS.get(k.relation, ()):
                    clash = None
                    break
                if k.relation in _ABSORBS.get(st.relation, ()) or st.tier > k.tier:
                    kept.remove(k)
                    continue
                if k.tier == st.tier == 1:
                    clash = True  # two weak cues that disagree: never guess
                    kept.remove(k)
                    break
                clash = None  # a later, incompatible statement is a caveat
                break
            if clash is True:
                kept = [k for k in kept if not (k.pair == st.pair and k.relation == st.relation)]
                vetoed.add(st.pair)
                continue
            if clash is None:
                continue
            kept.append(st)
    return kept


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
    r = _Row(cell, table, subject, row, subject_title, row_description, addons)
    if table == "diagnosis":
        return _diagnosis(r)
    explicit = _explicit_addons(r)
    addon_flag = {code: True for code in explicit}
    per_clause, negated, conflicts = [], [], []
    for i, clause in enumerate(cell.clauses):
        if clause.kind != "main":
            continue
        statements = _clause_statements(r, i, clause, PROCEDURE_RULES) + _add_on_statements(r, i, clause, addon_flag)
        negated += [st for st in statements if st.negated]
        positives, clash = _within_clause([st for st in statements if not st.negated])
        conflicts += clash
        per_clause.append(positives)
        for m in _find(_ELLIPSIS, cell.masked, clause.start, clause.end):
            negated += _ellipsis(r, i, m, [st for group in per_clause for st in group])
    kept = _combine(per_clause)
    named = {(st.subject, st.object) for st in kept if st.relation == "addOnTo"}
    named |= {(st.subject, st.object) for st in negated if st.relation == "addOnTo"}
    for code, (_, phrase, pos) in explicit.items():
        if code == r.x and not any(s == code for s, _ in named) and not any(
                st.relation == "includedIn" and st.subject == code for st in kept):
            kept.append(Statement(code, "addOnTo", r.s, phrase=phrase, rule="add-on-code", tier=2, position=pos))
    kept = _absorb_add_ons(kept)
    # the ellipsis "but not with G0438" after a separately-reportable statement is mutual exclusion
    kept += [replace(st, relation="mutuallyExclusiveWith", negated=False, rule="not-with-ellipsis")
             for st in negated if st.rule == "ellipsis-of-separatelyReportableWith"]
    negated = [st for st in negated if st.rule != "ellipsis-of-separatelyReportableWith"]
    denied = {st.key for st in negated}
    kept = [st for st in kept if st.key not in denied]
    return _unique(kept) + _unique(negated)


def _absorb_add_ons(kept: list[Statement]) -> list[Statement]:
    adds = {st.pair for st in kept if st.relation == "addOnTo"}
    return [st for st in kept if not (st.relation == "separatelyReportableWith" and st.pair in adds)]


def _ellipsis(row: _Row, i: int, m: re.Match[str], before: list[Statement]) -> list[Statement]:
    """"..., not with 33533": the last statement before it, denied for that code."""
    targets = [x.code for x in row.cell.mentions_in(m.start("R"), m.end("R"))]
    prior = [st for st in before if st.position < m.start() and not st.negated]
    if not prior or not targets:
        return []
    last = max(prior, key=lambda st: st.position)
    lead = last.subject if last.object not in (row.s,) or last.subject == row.x else last.object
    out = []
    for code in targets:
        if code in (lead,):
            continue
        out.append(replace(last, object=code, subject=lead, negated=True, cue="not",
                           scope=row.cell.quote(m.start(), m.end()), rule=f"ellipsis-of-{last.relation}",
                           phrase=row.cell.quote(m.start(), m.end()), position=m.start()))
    return out


def _unique(statements: list[Statement]) -> list[Statement]:
    seen, out = set(), []
    for st in statements:
        if st.key not in seen:
            seen.add(st.key)
            out.append(st)
    return out


def _diagnosis(row: _Row) -> list[Statement]:
    cell = row.cell
    veto = _rx(COVERAGE_VETO)
    kept_by_proc: dict[str, list[Statement]] = {}
    negated: list[Statement] = []
    for i, clause in enumerate(cell.clauses):
        if clause.kind != "main" or veto.search(cell.masked[clause.start:clause.end]):
            continue
        found = _matches(row, clause, DIAGNOSIS_RULES)
        if not found:
            continue
        denied_codes = {}
        for m in _find(_ELLIPSIS, cell.masked, clause.start, clause.end) + _find(
                r"\brather than (?:[\w-]+ ){0,3}?(?P<R>{C})", cell.masked, clause.start, clause.end):
            for x in cell.mentions_in(m.start("R"), m.end("R")):
                denied_codes[x.code] = m
        procs = [x.code for x in cell.mentions_in(clause.start, clause.end) if x.code not in denied_codes]
        procs = list(dict.fromkeys(procs)) or [row.s]
        best: dict[bool, list[tuple[Rule, re.Match[str], object]]] = {True: [], False: []}
        for rule, m in found:
            trigger = _negation(row, clause, rule, m, [])
            best[trigger is not None].append((rule, m, trigger))
        for negative in (False, True):
            items = best[negative]
            if not items:
                continue
            top = max(rule.tier for rule, _, _ in items)
            chosen = [(rule, m, t) for rule, m, t in items if rule.tier == top]
            if len({rule.relation for rule, _, _ in chosen}) > 1:
                continue
            rule, m, trigger = chosen[0]
            targets = [row.s] if negative and not denied_codes else procs
            for p in targets:
                st = Statement(row.x, rule.relation, p, negated=negative, phrase=cell.quote(m.start(), m.end()),
                               rule=rule.name, cue=trigger.cue if trigger else "",
                               scope=cell.quote(trigger.scope_start, trigger.scope_end).strip() if trigger else "",
                               condition="; ".join(clause.conditions), tier=rule.tier, clause=i, position=m.start())
                (negated if negative else kept_by_proc.setdefault(p, [])).append(st)
            if not negative:
                for code, em in denied_codes.items():
                    negated.append(Statement(row.x, rule.relation, code, negated=True,
                                             phrase=cell.quote(m.start(), m.end()), rule=f"ellipsis-of-{rule.name}",
                                             cue=cell.quote(em.start(), em.start("R")).strip(),
                                             scope=cell.quote(em.start(), em.end()), clause=i, position=em.start()))
    kept = []
    for p, group in kept_by_proc.items():
        relations = {st.relation for st in group}
        if "comorbidityOf" in relations:
            relations = {"comorbidityOf"}
        if len(relations) > 1:
            continue
        relation = relations.pop()
        kept.append(next(st for st in group if st.relation == relation))
    denied = {st.key for st in negated}
    kept = [st for st in kept if st.key not in denied]
    return _unique(kept) + _unique(negated)


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
    r = _Row(cell, table, subject, row, "", "", None)
    rules = DIAGNOSIS_RULES if table == "diagnosis" else PROCEDURE_RULES
    out = []
    for clause in cell.clauses:
        if clause.kind != "main":
            continue
        for rule, m in sorted(_matches(r, clause, rules), key=lambda rm: rm[1].start()):
            out.append(cell.quote(m.start(), m.end()))
    return out
