"""Read a briefing's free-text relationship cells into typed, directed edges.

Each related code in a briefing comes with a sentence such as "+22552 for
each additional interspace; use with 22551, never alone" or "Not an
alternative to 49505". This package reads such a cell clause by clause
(:mod:`kg.relations.engine`), with its rules as data
(:mod:`kg.relations.rules`), into :class:`Statement` s: ``subject relation
object``, possibly *negated*, each with the phrase and rule that decided it.

:func:`read_row` is the reader. :func:`classify_procedure` and
:func:`classify_diagnosis` give the one relation between the subject and the
row's code, in the older one-edge-per-row form.

Direction in a :class:`Classification` is relative to the briefing's subject
``S`` and the row's code ``X``: ``OUT`` means ``S relation X`` and ``IN``
means ``X relation S``.

Examples
--------
>>> c = classify_procedure("CT guidance code that monitors this ablation", subject="47382", other="77013")
>>> c.relation, c.direction, c.phrase
('monitors', 'in', 'monitors')
>>> classify_procedure("Not separately reported; guidance is included in 47382", subject="47382").relation
'includedIn'
>>> classify_diagnosis("Common comorbidity influencing procedural planning").relation
'comorbidityOf'
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model import GENERIC, RELATIONS
from kg.relations.engine import AddOnKnowledge, Statement, generic, primary, read_row
from kg.relations.rules import DIAGNOSIS_RULES, PROCEDURE_RULES, Rule

__all__ = [
    "AddOnKnowledge",
    "Classification",
    "DIAGNOSIS_RULES",
    "GENERIC",
    "IN",
    "OUT",
    "PROCEDURE_RULES",
    "Rule",
    "Statement",
    "classify_diagnosis",
    "classify_procedure",
    "generic",
    "primary",
    "read_row",
]

OUT = "out"  # subject -> related code
IN = "in"  # related code -> subject


@dataclass(frozen=True)
class Classification:
    """The one relation between the subject and the row's code: relation, direction, deciding phrase and rule.

    Examples
    --------
    >>> classify_procedure("Included in 10005", subject="76942", other="10005")
    Classification(relation='includedIn', direction='out', phrase='Included in', rule='included-in')
    """

    relation: str
    direction: str
    phrase: str
    rule: str


_ROW = "\u0000row"  # stands for the row's code when the caller gives none
_SUBJECT = "\u0000subject"


def _classify(text: str, table: str, subject: str, other: str) -> Classification:
    s, x = subject or _SUBJECT, other or _ROW
    statements = read_row(text, table=table, subject=s, row=x)
    st = primary(statements, s, x)
    if st is not None:
        symmetric = RELATIONS[st.relation].symmetric
        return Classification(st.relation, IN if st.subject == x and not symmetric else OUT, st.phrase, st.rule)
    rule, phrase = generic(statements, text, table=table, subject=s, row=x)
    return Classification(GENERIC, OUT, phrase, rule)


def classify_procedure(text: str, subject: str = "", other: str = "") -> Classification:
    """Classify a "Relationship to This Procedure" cell as one relation between the subject and the row's code.

    Examples
    --------
    >>> c = classify_procedure("Ablation procedure that 77013 specifically monitors", subject="77013")
    >>> c.relation, c.direction
    ('monitors', 'out')
    >>> classify_procedure("Pre-procedure CT to plan the approach").relation
    'precedes'
    >>> classify_procedure("See payer policy").relation
    'relatedTo'
    """
    return _classify(text, "procedure", subject, other)


def classify_diagnosis(text: str) -> Classification:
    """Classify a "Clinical Relevance" cell: the diagnosis's one relation to the subject.

    Examples
    --------
    >>> classify_diagnosis("Primary hepatic malignancy commonly treated with ablation").relation
    'indicationFor'
    >>> classify_diagnosis("Mentioned in the payer policy").relation
    'relatedTo'
    """
    return _classify(text, "diagnosis", "", "")
