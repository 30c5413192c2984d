"""How the statements of a cell's clauses combine (principles 5 to 7 of :mod:`kg.relations.engine`).

Examples
--------
>>> from kg.relations.statement import Statement
>>> a = Statement("12002", "includedIn", "10060", tier=3, clause=0)
>>> b = Statement("12002", "separatelyReportableWith", "10060", tier=2, clause=1)
>>> [st.relation for st in combine([[a], [b]])]
['includedIn', 'separatelyReportableWith']
"""

from __future__ import annotations

from kg.model import RELATIONS
from kg.relations.statement import Statement

__all__ = ["ABSORBS", "COMPATIBLE", "absorb_add_ons", "combine", "within_clause"]

COMPATIBLE = {
    frozenset(("monitors", "includedIn")), frozenset(("monitors", "addOnTo")),
    frozenset(("monitors", "separatelyReportableWith")), frozenset(("precedes", "mutuallyExclusiveWith")),
    frozenset(("precedes", "separatelyReportableWith")), frozenset(("includedIn", "separatelyReportableWith")),
    frozenset(("alternativeTo", "mutuallyExclusiveWith")),
}
ABSORBS = {"includedIn": {"mutuallyExclusiveWith", "alternativeTo", "addOnTo", "precedes"},
            "addOnTo": {"separatelyReportableWith"}}


def within_clause(statements: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """One relation per pair in a clause (principle 5); returns ``(kept, conflicts)``.

    Examples
    --------
    >>> from kg.relations.statement import Statement
    >>> bundled = Statement("77003", "includedIn", "62323", tier=3)
    >>> weak = Statement("77003", "precedes", "62323", tier=1)
    >>> [st.relation for st in within_clause([bundled, weak])[0]]
    ['includedIn']
    >>> kept, conflicts = within_clause([Statement("a", "alternativeTo", "b", tier=2),
    ...                                  Statement("a", "separatelyReportableWith", "b", tier=2)])
    >>> kept, len(conflicts)
    ([], 2)
    """
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
            pos = {r for r in relations if r in ABSORBS}
            if len(pos) == 1 and relations - pos <= ABSORBS[next(iter(pos))]:
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


def combine(per_clause: list[list[Statement]]) -> list[Statement]:
    """The statements of a cell's clauses, combined (principle 6): compatible ones add up, a later
    incompatible one is a caveat unless it is bundling, and two weak cues that disagree cancel.

    Examples
    --------
    >>> from kg.relations.statement import Statement
    >>> alt = Statement("92928", "alternativeTo", "33533", tier=2)
    >>> later = Statement("33533", "precedes", "92928", tier=1)
    >>> [st.relation for st in combine([[alt], [later]])]
    ['alternativeTo']
    """
    # kept statements by pair, each with the order it was kept in: a statement is weighed against its own
    # pair's statements only (a cell naming thousands of codes is not a comparison of every pair)
    groups: dict[frozenset[str], list[tuple[int, Statement]]] = {}
    vetoed: set[frozenset[str]] = set()
    order = 0
    for statements in per_clause:
        for st in statements:
            if st.pair in vetoed:
                continue
            group = groups.setdefault(st.pair, [])
            clash = False
            for k in [k for _, k in group]:
                if k.relation == st.relation:
                    if RELATIONS[st.relation].symmetric or (k.subject, k.object) == (st.subject, st.object):
                        clash = None  # said again
                    elif st.explicit > k.explicit:
                        _remove(group, k)  # the other direction, better grounded: it wins
                    else:
                        clash = None  # the other direction, no better grounded: the first clause names it
                    break
                if frozenset((k.relation, st.relation)) in COMPATIBLE:
                    continue
                if st.relation in ABSORBS.get(k.relation, ()):
                    clash = None
                    break
                if k.relation in ABSORBS.get(st.relation, ()) or st.tier > k.tier:
                    _remove(group, k)
                    continue
                if k.tier == st.tier == 1:
                    clash = True  # two weak cues that disagree: never guess
                    _remove(group, k)
                    break
                clash = None  # a later, incompatible statement is a caveat
                break
            if clash is True:
                group[:] = [(n, k) for n, k in group if k.relation != st.relation]
                vetoed.add(st.pair)
                continue
            if clash is None:
                continue
            group.append((order, st))
            order += 1
    return [st for _, st in sorted((item for group in groups.values() for item in group), key=lambda item: item[0])]


def _remove(group: list[tuple[int, Statement]], statement: Statement) -> None:
    """Remove the first of ``group`` equal to ``statement`` (as ``list.remove`` would from the kept list)."""
    for i, (_, k) in enumerate(group):
        if k == statement:
            del group[i]
            return


def absorb_add_ons(kept: list[Statement]) -> list[Statement]:
    """``kept`` without the separately-reportable statements of pairs it also calls add-on and primary.

    Examples
    --------
    >>> from kg.relations.statement import Statement
    >>> both = [Statement("G0289", "addOnTo", "29881"), Statement("G0289", "separatelyReportableWith", "29881")]
    >>> [st.relation for st in absorb_add_ons(both)]
    ['addOnTo']
    """
    adds = {st.pair for st in kept if st.relation == "addOnTo"}
    return [st for st in kept if not (st.relation == "separatelyReportableWith" and st.pair in adds)]
