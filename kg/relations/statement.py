"""What a row says: a :class:`Statement`, and what the code sets may tell the reader (:data:`AddOnKnowledge`).

Examples
--------
>>> st = Statement("17004", "alternativeTo", "17000")
>>> st.key
('17000', 'alternativeTo', '17004')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.model import RELATIONS

__all__ = ["AddOnKnowledge", "Statement", "unique"]


@dataclass(frozen=True)
class Statement:
    """One statement a row makes: ``subject relation object``, perhaps negated, with what decided it.

    ``phrase`` is the deciding cue as written; ``rule`` names the rule.
    For a negated statement, ``cue`` is the negation trigger and ``scope`` the
    words it covers. ``modifiers`` are the modifiers the clause names (for
    ``separatelyReportableWith`` and ``addOnTo``), ``condition`` the clause's
    condition, if any.

    Examples
    --------
    >>> st = Statement("11104", "separatelyReportableWith", "11102", modifiers=("59",))
    >>> st.pair == {"11102", "11104"}, st.negated
    (True, False)
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


def unique(statements: list[Statement]) -> list[Statement]:
    """``statements`` without repeats (by :attr:`Statement.key`), in order.

    Examples
    --------
    >>> len(unique([Statement("a", "alternativeTo", "b"), Statement("b", "alternativeTo", "a")]))
    1
    """
    seen, out = set(), []
    for st in statements:
        if st.key not in seen:
            seen.add(st.key)
            out.append(st)
    return out
