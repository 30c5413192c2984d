"""Finding cues in a clause and the codes they relate: the matching half of :mod:`kg.relations.engine`.

A cue's left and right participants are the codes the clause names around
it; a side that names no code is resolved by the words there (the row's
description, the subject's title, "this procedure", "the global surgical
package"), and otherwise left to the defaults: the row's code on the left,
the subject on the right.

Examples
--------
>>> from kg.relations.rules import PROCEDURE_RULES
>>> from kg.relations.text import read_cell
>>> cell = read_cell("Included in 29880 in the same knee")
>>> row = Row(cell, "procedure", "29877", "29880", "", "", None)
>>> [(rule.name, participants(row, cell.clauses[0], rule, m, 0)) for rule, m in matches(row, cell.clauses[0], PROCEDURE_RULES)]
[('included-in', [('29877', '29880', 2)])]
"""

from __future__ import annotations

import bisect
import functools
import re

from kg.relations.rules import Rule
from kg.relations.statement import AddOnKnowledge
from kg.relations.text import CODE_MARK, Cell, Clause

__all__ = ["ELLIPSIS", "Hit", "Pairs", "Row", "find", "matches", "negation", "participants", "rx"]

_COMPILED: dict[str, re.Pattern[str]] = {}
_NON_ADD_ON_HCPCS = re.compile(r"[ABEJKLPQRSTV]\d{4}")  # drugs, supplies, DME: never add-on codes


def rx(pattern: str) -> re.Pattern[str]:
    """A rule's pattern compiled once, ``{C}`` standing for a code mention (case-insensitive).

    Examples
    --------
    >>> bool(rx(r"\\bincluded in {C}").search("included in " + CODE_MARK * 5))
    True
    """
    p = _COMPILED.get(pattern)
    if p is None:
        p = _COMPILED[pattern] = re.compile(pattern.replace("{C}", f"{CODE_MARK}+"), re.IGNORECASE)
    return p


class Hit:
    """A match found in one clause, with positions in the whole cell ("^" in a rule means the clause's start).

    Examples
    --------
    >>> h = find(r"^included", "Bundled; included in the fee", 9, 28)[0]
    >>> h.start(), h.end(), h.group()
    (9, 17, 'included')
    """

    __slots__ = ("_m", "_offset", "re")

    def __init__(self, m: re.Match[str], offset: int) -> None:
        self._m, self._offset, self.re = m, offset, m.re

    def start(self, group: int | str = 0) -> int:
        return self._m.start(group) + self._offset

    def end(self, group: int | str = 0) -> int:
        return self._m.end(group) + self._offset

    def group(self, group: int | str = 0) -> str | None:
        return self._m.group(group)


def find(pattern: str, text: str, lo: int, hi: int) -> list[Hit]:
    """Every match of ``pattern`` in ``text[lo:hi]``, as :class:`Hit` s.

    Examples
    --------
    >>> [h.start() for h in find(r"\\bnot\\b", "not this; not that", 10, 18)]
    [10]
    """
    return [Hit(m, lo) for m in rx(pattern).finditer(text[lo:hi])]


PREFILTER = True
"""Skip a rule whose keywords a clause lacks (see :class:`kg.relations.rules.Rule`); off only to test it."""

_NP_WINDOW = 200  # characters before a cue that may name its left participant
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
ELLIPSIS = (r"(?:^|,\s*|\bbut\s+)not (?:with |for |by |in |as )?(?:the |an? )?(?:[\w-]+ ){0,3}?(?P<R>{C})")
_HEAD_END = re.compile(r"\s+(?:to|of|in|on|at|for|with|from|as|during|by|through|into|that|which|who|when|is|are|"
                       r"was|were|may|can|should|must)\s+", re.IGNORECASE)
_RELATIVE_BEFORE = re.compile(r"\b(?:that|which)\s+(?:\w+\s+)?$")
_STOP = frozenset("""a an the of to in into for with by on at and or is are be may can this that code codes
procedure procedures service services when if its it not as from per each both same""".split())


@functools.lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    """The stems and acronyms of a title or description (cached: a briefing's title serves all its rows)."""
    return frozenset(_stems(text) | _acronyms(text))


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


class Row:
    """What the engine knows about one row while it reads it: the cell, the two codes and their words.

    Examples
    --------
    >>> from kg.relations.text import read_cell
    >>> row = Row(read_cell("x"), "procedure", "97140", "98941", "Manual Therapy Techniques",
    ...           "Chiropractic manipulative treatment, spinal", None)
    >>> row.np_side("Manual therapy to the same region as CMT"), row.np_side("the manipulation")
    ('97140', '98941')
    """

    def __init__(self, cell: Cell, table: str, subject: str, row: str, subject_title: str, row_description: str,
                 addons: AddOnKnowledge | None) -> None:
        self.cell, self.table, self.s, self.x = cell, table, subject, row
        self.subject_title, self.row_description = subject_title, row_description
        self.addons = addons

    @property
    def s_words(self) -> frozenset[str]:
        return _words(self.subject_title)

    @property
    def x_words(self) -> frozenset[str]:
        return _words(self.row_description)

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
        """The code named before a cue (not as the object of a preposition), or the words there.

        Only the last :data:`_NP_WINDOW` characters count, so a long cell costs linear time.
        """
        masked = self.cell.masked
        floor = max(floor, start - _NP_WINDOW)
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


def matches(row: Row, clause: Clause, rules: tuple[Rule, ...]) -> list[tuple[Rule, Hit]]:
    """The cues of ``rules`` in a clause; a cue inside a longer one is dropped.

    Examples
    --------
    >>> from kg.relations.rules import PROCEDURE_RULES
    >>> from kg.relations.text import read_cell
    >>> cell = read_cell("Is not separately reportable with 22551")
    >>> [r.name for r, _ in matches(Row(cell, "procedure", "22551", "69990", "", "", None), cell.clauses[0],
    ...                             PROCEDURE_RULES)]
    ['not-separately']
    """
    masked = row.cell.masked
    found = []
    first = clause is row.cell.clauses[0]
    spans = {False: (clause.start, clause.end), True: (clause.full_start, clause.full_end)}
    lower = {k: masked[a:b].lower() for k, (a, b) in spans.items()}
    for rule in rules:
        if rule.first and not first:
            continue
        text = lower[rule.in_conditions]
        if PREFILTER and rule.keywords and not any(k in text for k in rule.keywords):
            continue  # none of the words every match holds: the pattern cannot match
        lo, hi = spans[rule.in_conditions]
        for m in find(rule.pattern, masked, lo, hi):
            if m.end() > m.start():
                found.append((rule, m))
    # a cue inside a longer cue says nothing of its own
    inside = _inside([(m.start(), m.end()) for _, m in found])
    return [f for f, dropped in zip(found, inside) if not dropped]


def _inside(spans: list[tuple[int, int]]) -> list[bool]:
    """For each span, whether another, longer span holds it. One sort, not a comparison of every pair (a cell
    of a thousand cues would cost a million).

    Examples
    --------
    >>> _inside([(0, 5), (1, 3), (0, 5), (4, 9), (6, 9)])
    [False, True, False, False, True]
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    out = [False] * len(spans)
    reach = -1  # the furthest end of the spans before the current run of equal spans
    k = 0
    while k < len(order):
        span = spans[order[k]]
        run_end = k
        while run_end < len(order) and spans[order[run_end]] == span:
            out[order[run_end]] = reach >= span[1]
            run_end += 1
        reach = max(reach, span[1])
        k = run_end
    return out


def negation(row: Row, clause: Clause, rule: Rule, m: Hit, consumed: list[tuple[int, int]]):
    """The negation trigger whose scope covers cue ``m``, if any; triggers inside ``consumed`` spans don't count.

    Examples
    --------
    >>> from kg.relations.rules import PROCEDURE_RULES
    >>> from kg.relations.text import read_cell
    >>> cell = read_cell("Not an alternative to 49505")
    >>> row = Row(cell, "procedure", "49505", "49591", "", "", None)
    >>> (rule, m), = matches(row, cell.clauses[0], PROCEDURE_RULES)
    >>> negation(row, cell.clauses[0], rule, m, []).cue
    'Not'
    """
    return Negations(clause, consumed).at(m.start())


class Negations:
    """:func:`negation` for the cues of one clause, asked in order of position: linear in the clause's triggers
    and cues together, where asking :func:`negation` of each cue is their product (times the consumed spans).

    The answer at ``position`` is the first trigger (in the clause's order) outside every ``consumed`` span
    that ends at or before ``position`` and whose scope covers it. As positions only grow, a trigger whose
    scope has ended is dropped for good, and one is looked at only once it has ended.

    Examples
    --------
    >>> from kg.relations.text import read_cell
    >>> clause = read_cell("Not an alternative to 49505; not separately reportable").clauses[0]
    >>> n = Negations(clause, [])
    >>> n.at(0) is None, n.at(7).cue
    (True, 'Not')
    """

    def __init__(self, clause: Clause, consumed: list[tuple[int, int]]) -> None:
        spans = sorted(consumed)
        starts = [a for a, _ in spans]
        reach, furthest = [], -1  # reach[i]: the furthest end of spans[: i + 1]
        for _, b in spans:
            furthest = max(furthest, b)
            reach.append(furthest)

        def inside(t) -> bool:  # a consumed span holds the trigger
            i = bisect.bisect_right(starts, t.start)
            return i > 0 and reach[i - 1] >= t.end

        live = [(i, t) for i, t in enumerate(clause.triggers) if not inside(t)]
        self._by_end = sorted(live, key=lambda it: it[1].end)
        self._next = 0  # the next of _by_end to be taken in
        self._pending: list[tuple[int, object]] = []  # taken in and not ended, in the clause's order
        self._last = -1

    def at(self, position: int):
        """The trigger that negates a cue at ``position`` (``None`` for none); positions must not decrease."""
        if position < self._last:
            raise ValueError(f"positions must not decrease ({position} after {self._last})")
        self._last = position
        while self._next < len(self._by_end) and self._by_end[self._next][1].end <= position:
            bisect.insort(self._pending, self._by_end[self._next], key=lambda it: it[0])
            self._next += 1
        k = 0
        while k < len(self._pending):
            t = self._pending[k][1]
            if t.scope_end <= position:  # ended: no later position is covered either
                del self._pending[k]
                continue
            if t.scope_start <= position:
                return t
            k += 1
        return None


_ELLIPTIC = re.compile(r"(?:,\s*|\s)(?:and|or)\s+(?:(?:it|they)\s+)?(?:(?:is|are|was|were|may|can|should|must|will)\s+(?:also\s+)?|also\s+)$",
                       re.IGNORECASE)


class Pairs(list):
    """The ``(subject, object, explicit)`` pairs of one cue, and ``lefts``: the cue's grammatical subject,
    which the next cue of the clause may inherit ("... and is not reported separately").

    Examples
    --------
    >>> p = Pairs([("a", "b", 2)], ["a"])
    >>> p == [("a", "b", 2)], p.lefts
    (True, ['a'])
    """

    def __init__(self, items=(), lefts: list[str] | None = None) -> None:
        super().__init__(items)
        self.lefts = lefts or []


def participants(row: Row, clause: Clause, rule: Rule, m: Hit, floor: int, inherit: list[str] | None = None) -> Pairs:
    """``[(subject, object, explicit)]`` for one cue (a :class:`Pairs`).

    ``inherit`` is the grammatical subject of the cue before it in the clause: "X is included in S *and is
    not reported separately*" keeps X. ``explicit`` says how well grounded the pair is: 2 for each code
    named, 1 for a side a phrase settles.

    Examples
    --------
    >>> from kg.relations.rules import PROCEDURE_RULES
    >>> from kg.relations.text import read_cell
    >>> cell = read_cell("Medicare uses G0500 in place of 99152")
    >>> row = Row(cell, "procedure", "43235", "99152", "", "", None)
    >>> (rule, m), = matches(row, cell.clauses[0], PROCEDURE_RULES)
    >>> participants(row, cell.clauses[0], rule, m, 0)
    [('G0500', '99152', 4)]
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
    last = cell.mention_before(m.start()) if rule.relation == "monitors" and lnp == "code" else None
    if last is not None and _RELATIVE_BEFORE.search(cell.masked, max(0, last.start - 12), last.start):
        # "ablation codes which 77013 monitors": the code monitors what the relative clause hangs on
        agent = lefts[0]
        return Pairs([(agent, row.x if agent != row.x else row.s, explicit)], lefts)
    if rule.orient == "XS":
        return Pairs([(row.x, row.s, 0)], lefts)
    if rule.orient == "SX":
        return Pairs([(row.s, row.x, 0)], lefts)
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
            return Pairs()  # an agent kg cannot tell ("the procedure that 770131 monitors"): no guess
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
            return Pairs()  # "X ... and also included in X": says nothing kg can use
        elif side_r is not None:
            rights = [row.x if rights == [row.s] else row.s]
    out = []
    for a in lefts:
        for b in rights:
            if a == b:
                continue
            out.append((b, a, explicit) if rule.orient == "RL" else (a, b, explicit))
    return Pairs(out, lefts)
