"""Reading a Related Diagnoses row: indication, comorbidity or complication, for which procedures.

Examples
--------
>>> from kg.relations.text import read_cell
>>> cell = read_cell("A benign lesion: destruction is reported with 17110, not 17000.")
>>> [(s.object, s.relation, s.negated) for s in diagnosis(Row(cell, "diagnosis", "17000", "L82.1", "", "", None))]
[('17110', 'indicationFor', False), ('17000', 'indicationFor', True)]
"""

from __future__ import annotations

from kg.relations.reading import ELLIPSIS, Hit, Row, find, matches, negation, rx
from kg.relations.rules import COVERAGE_VETO, DIAGNOSIS_RULES, Rule
from kg.relations.statement import Statement, unique

__all__ = ["diagnosis"]

def diagnosis(row: Row) -> list[Statement]:
    """Every statement of a Related Diagnoses row: positive ones first, then the denied ones.

    The procedures are those the clause names ("reported with 17110"), else the subject; a comorbidity
    outranks an indication; a clause about coverage ("not covered when ...") says nothing.

    Examples
    --------
    >>> from kg.relations.text import read_cell
    >>> cell = read_cell("Smoking history raises the risk of wound complications.")
    >>> [(s.relation, s.object) for s in diagnosis(Row(cell, "diagnosis", "49505", "Z87.891", "", "", None))]
    [('comorbidityOf', '49505')]
    """
    cell = row.cell
    veto = rx(COVERAGE_VETO)
    kept_by_proc: dict[str, list[Statement]] = {}
    negated: list[Statement] = []
    for i, clause in enumerate(cell.clauses):
        if clause.kind != "main" or veto.search(cell.masked[clause.start:clause.end]):
            continue
        found = matches(row, clause, DIAGNOSIS_RULES)
        if not found:
            continue
        denied_codes = {}
        for m in find(ELLIPSIS, cell.masked, clause.start, clause.end) + find(
                r"\brather than (?:[\w-]+ ){0,3}?(?P<R>{C})", cell.masked, clause.start, clause.end):
            for x in cell.mentions_in(m.start("R"), m.end("R")):
                denied_codes[x.code] = m
        procs = [x.code for x in cell.mentions_in(clause.start, clause.end) if x.code not in denied_codes]
        procs = list(dict.fromkeys(procs)) or [row.s]
        best: dict[bool, list[tuple[Rule, Hit, object]]] = {True: [], False: []}
        for rule, m in found:
            trigger = negation(row, clause, rule, m, [])
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
    return unique(kept) + unique(negated)
