"""Reading a relationship cell: normal form, code mentions, clauses and negation scopes.

This is the text layer of :mod:`kg.relations`. It knows nothing of relations:
it finds where codes are mentioned, splits a cell into clauses (with any
leading or trailing condition set apart), and finds NegEx-style negation
triggers with their scopes. Positions are kept, so every phrase an edge cites
is quoted from the cell as written.

Examples
--------
>>> cell = read_cell("Not an alternative to 49505: the ventral codes exclude inguinal hernias.")
>>> [m.code for m in cell.mentions]
['49505']
>>> [c.text for c in cell.clauses]
['Not an alternative to 49505', 'the ventral codes exclude inguinal hernias']
>>> [(t.cue, cell.text[t.scope_start:t.scope_end]) for t in cell.clauses[0].triggers]
[('Not', ' an alternative to 49505')]
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Cell", "Clause", "Mention", "Trigger", "CODE_MARK", "read_cell"]

CODE_MARK = "\u3400"
"""Every code mention is overwritten with this (word) character in :attr:`Cell.masked`, so rules say ``{C}``."""

# A procedure code as briefings write it in running text: CPT (5 characters, 4 digits first) or HCPCS Level II.
_CODE = re.compile(r"(?<![\w.])(\+)?(\d{4}[0-9A-Z]|[A-V]\d{4})(?![\w])", re.ASCII)
_RANGE = re.compile(r"(?<![\w.])(\d{4}[0-9A-Z]|[A-V]\d{4})\s*-\s*(\d{4}[0-9A-Z]|[A-V]\d{4})(?![\w])", re.ASCII)
_MODIFIER_LIST = re.compile(
    r"\bmodifiers?\s+-?([0-9A-Z]{2})\b((?:\s*(?:,|/|or|and)\s*-?[0-9A-Z]{2}\b)*)"
    r"|\b(59|X[EPSU])((?:\s*/\s*(?:59|X[EPSU]))+)\b", re.ASCII)


@dataclass(frozen=True)
class Mention:
    """A code named in the cell: where, which code, and whether it was written ``+CODE`` (an add-on).

    Examples
    --------
    >>> read_cell("+99292 for each additional 30 minutes").mentions
    [Mention(start=1, end=6, code='99292', plus=True)]
    """

    start: int
    end: int
    code: str
    plus: bool = False


@dataclass(frozen=True)
class Trigger:
    """A negation cue ("not", "never", "does not") and the span of text it negates.

    Examples
    --------
    >>> t = read_cell("does not support 99203").clauses[0].triggers[0]
    >>> t.cue, t.covers(9), t.covers(0)
    ('does not', True, False)
    """

    start: int
    end: int
    cue: str
    scope_start: int
    scope_end: int

    def covers(self, position: int) -> bool:
        return self.scope_start <= position < self.scope_end


@dataclass(frozen=True)
class Clause:
    """One clause of a cell. ``start``/``end`` bound its main part; conditions are set apart.

    ``kind`` is ``main``, or ``concession`` ("even though ..."), whose
    content is a caveat and never an edge. ``after`` says how it joins the
    clause before it (``;``, ``but``, ``because``...).

    Examples
    --------
    >>> [(c.kind, c.after) for c in read_cell("Bundled into 22551, even though 69990 is an add-on").clauses]
    [('main', ''), ('concession', 'even though')]
    """

    start: int
    end: int
    text: str
    kind: str = "main"
    after: str = ""
    conditions: tuple[str, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    full_start: int = 0
    full_end: int = 0


@dataclass
class Cell:
    """A relationship cell, read: the normal text, the masked text rules run on, mentions and clauses.

    Examples
    --------
    >>> cell = read_cell("Included in 10005")
    >>> cell.masked.endswith(CODE_MARK * 5), cell.mention_at(13).code
    (True, '10005')
    """

    original: str
    text: str
    masked: str
    where: Sequence[int]
    mentions: list[Mention] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)

    def quote(self, start: int, end: int) -> str:
        """The original text of the normal-text span ``[start, end)``.

        Examples
        --------
        >>> c = read_cell("Included  in 10005")
        >>> c.quote(0, len(c.text))
        'Included  in 10005'
        """
        if end <= start:
            return ""
        return self.original[self.where[start]:self.where[end - 1] + 1]

    def mention_at(self, position: int) -> Mention | None:
        for m in self.mentions:
            if m.start <= position < m.end:
                return m
        return None

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """The mentions inside ``[start, end)``, in order (a binary search: mentions are sorted).

        Examples
        --------
        >>> [m.code for m in read_cell("77013 and 77012 or 77022").mentions_in(6, 25)]
        ['77012', '77022']
        """
        starts = [m.start for m in self.mentions] if len(self.mentions) < 64 else self._starts()
        out = []
        # indexed, not sliced: a slice to the end would copy every later mention, each call
        for i in range(bisect.bisect_left(starts, start), len(self.mentions)):
            m = self.mentions[i]
            if m.start >= end:
                break
            if m.end <= end:
                out.append(m)
        return out

    def mention_before(self, end: int) -> Mention | None:
        """The last mention that ends by ``end`` (``mentions_in(0, end)[-1]``, by a binary search).

        Examples
        --------
        >>> read_cell("77013 and 77012 or 77022").mention_before(17).code
        '77012'
        >>> read_cell("77013 and 77012").mention_before(3) is None
        True
        """
        starts = [m.start for m in self.mentions] if len(self.mentions) < 64 else self._starts()
        i = bisect.bisect_left(starts, end)
        while i > 0:
            i -= 1
            if self.mentions[i].end <= end:
                return self.mentions[i]
        return None

    def _starts(self) -> list[int]:
        cached = self.__dict__.get("_start_list")
        if cached is None or len(cached) != len(self.mentions):
            cached = self.__dict__["_start_list"] = [m.start for m in self.mentions]
        return cached

    def modifiers_in(self, start: int, end: int) -> tuple[str, ...]:
        """The modifiers named in ``[start, end)`` ("modifier 59 or XS", "59/XS").

        Examples
        --------
        >>> c = read_cell("may be reported with modifier 59 or XS; add JZ")
        >>> c.modifiers_in(0, len(c.text))
        ('59', 'XS')
        """
        memo = self.__dict__.setdefault("_modifiers_in", {})  # every cue of a clause asks of the same clause:
        found = memo.get((start, end))                         # one scan of it, not one per cue
        if found is not None:
            return found
        out: list[str] = []
        for m in _MODIFIER_LIST.finditer(self.text, start, end):
            first, rest = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            for mod in [first, *re.findall(r"[0-9A-Z]{2}", rest or "")]:
                if mod not in out:
                    out.append(mod)
        found = memo[(start, end)] = tuple(out)
        return found


_IRREGULAR_SPACE = re.compile(r"[^\S ]| {2}|^ | $")
_FOLD = str.maketrans({"\u2011": "-", "\u2010": "-", "\u2013": "-", "\u2014": "-", "\u2019": "'", "\u201c": '"',
                       "\u201d": '"'})


def _normal(text: str) -> tuple[str, Sequence[int]]:
    """Fold hyphens, dashes and quotes, and runs of whitespace; also return where each kept character was."""
    folded = text.translate(_FOLD)
    if not _IRREGULAR_SPACE.search(folded):  # the usual case: nothing moves
        return folded, range(len(folded))
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(folded):
        if ch.isspace():
            if not chars or chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        where.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


# Clause boundaries: a semicolon, a colon, the end of a sentence; and the conjunctions that start a new clause.
_HARD = re.compile(r";\s*|:\s+|(?<=[a-z0-9)\u3400])\.\s+(?=[A-Z(\"\u3400+])|\.\s*$")
_SOFT = re.compile(
    r",\s+(?P<kind>but|whereas|even though|although|though|because|so that)\s+"
    r"|\s+(?P<kind4>but|whereas|even though|although|though|because)\s+(?=not\b|also\b|only\b|is\b|are\b|may\b|can\b"
    r"|the\b|an?\b|it\b|they\b|\u3400|\+)|,\s+(?P<kind2>while|so)\s+"
    r"|,\s+(?=(?P<kind3>with) modifiers?\b)",
    re.IGNORECASE)
_LEADING_CONDITION = re.compile(r"(?:when|if|once|unless|whenever|where|for)\b[^,;]{3,160}?,\s*", re.IGNORECASE)
_TRAILING_CONDITION = re.compile(
    r",?\s+(?:(?:and |but )?only )?(?:when|if|unless|whenever|provided that|as long as|depending on|whether)\b",
    re.IGNORECASE)

# NegEx-style triggers. A trigger negates what follows it in its clause, up to a terminator.
_TRIGGER = re.compile(
    r"\b(?:does|do|did|is|are|was|were|should|must|may|can|will|could|would)\s+not\b(?!-)|(?<!-)\bnot\b(?!-)"
    r"|\bnever\b|\bcannot\b|\b\w+n't\b|(?<!-)\bno\b(?!-)|\bneither\b|\bnor\b|\bwithout\b",
    re.IGNORECASE)
_TERMINATOR = re.compile(
    r"\b(?:but|however|although|though|except|yet|whereas|while|instead|unlike)\b"
    r"|\band (?=(?:is|are|was|were|may|can|should|must|it|they|the two|both|each|its)\b)|,\s*and\b",
    re.IGNORECASE)
_WORD = re.compile(r"\S+")
_SHORT_SCOPE_WORDS = 3  # "without" negates a short noun phrase ("without anemia"), not the rest of the clause


def _triggers(text: str, start: int, end: int) -> tuple[Trigger, ...]:
    # one pass for the terminators, then a binary search per trigger: linear in the clause however many
    # triggers it holds ("not not not ...")
    stops = [t.start() for t in _TERMINATOR.finditer(text, start, end)]
    out = []
    for m in _TRIGGER.finditer(text, start, end):
        i = bisect.bisect_left(stops, m.end())
        stop = stops[i] if i < len(stops) else end
        if m.group(0).lower() == "without":
            words = list(itertools.islice(_WORD.finditer(text, m.end(), stop), _SHORT_SCOPE_WORDS))
            if len(words) == _SHORT_SCOPE_WORDS:
                stop = min(stop, words[-1].end())
        out.append(Trigger(m.start(), m.end(), text[m.start():m.end()], m.end(), stop))
    return tuple(out)


def _mask(text: str) -> tuple[str, list[Mention], list[tuple[int, int]]]:
    chars = list(text)
    mentions: list[Mention] = []
    ranges = []
    for r in _RANGE.finditer(text):
        ranges.append((r.start(), r.end()))
    starts = [a for a, _ in ranges]  # the ranges do not overlap (finditer), so one bisect finds the one holding m
    for m in _CODE.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < ranges[i][1]:
            continue  # "99231-99233": a range of codes, not a participant
        start = m.start(2)
        mentions.append(Mention(start, m.end(), m.group(2), bool(m.group(1))))
        chars[start:m.end()] = CODE_MARK * (m.end() - start)
    return "".join(chars), mentions, ranges


def _split(masked: str) -> list[tuple[int, int, str]]:
    """``(start, end, joined-by)`` of each clause of the masked text."""
    pieces: list[tuple[int, int, str]] = []
    pos, joined = 0, ""
    for m in _HARD.finditer(masked):
        pieces.append((pos, m.start(), joined))
        pos, joined = m.end(), masked[m.start()].strip() or ";"
    pieces.append((pos, len(masked), joined))
    out = []
    for start, end, joined in pieces:
        pos = start
        for m in _SOFT.finditer(masked, start, end):
            out.append((pos, m.start(), joined))
            pos, joined = m.end(), (m.group("kind") or m.group("kind2") or m.group("kind3") or m.group("kind4")).lower()
        out.append((pos, end, joined))
    return [(s, e, j) for s, e, j in out if masked[s:e].strip(" .,")]


def read_cell(text: str) -> Cell:
    """Read a relationship cell into mentions and clauses.

    Examples
    --------
    >>> c = read_cell("When biopsies are taken, 43239 may be reported with modifier 59 when documented.")
    >>> [(cl.text, cl.conditions) for cl in c.clauses]
    [('43239 may be reported with modifier 59', ('When biopsies are taken', 'when documented'))]
    >>> read_cell("+22552 for each additional interspace").mentions[0].plus
    True
    """
    normal, where = _normal(text)
    masked, mentions, ranges = _mask(normal)
    cell = Cell(text, normal, masked, where, mentions, [], ranges)
    for start, end, joined in _split(masked):
        while start < end and masked[start] == " ":
            start += 1
        full_start, full_end = start, end
        conditions = []
        lead = _LEADING_CONDITION.match(masked, start, end)
        if lead and lead.end() < end:
            conditions.append(normal[start:lead.end()].rstrip(", "))
            start = lead.end()
        trail = _TRAILING_CONDITION.search(masked, start + 1, end)
        if trail:
            conditions.append(normal[trail.start():end].lstrip(", "))
            end = trail.start()
        kind = "concession" if joined in ("even though", "although", "though") else "main"
        cell.clauses.append(Clause(start, end, normal[start:end], kind, joined, tuple(conditions),
                                   _triggers(masked, start, end), full_start, full_end))
    return cell
