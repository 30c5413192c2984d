"""Classify a briefing's free-text relationship cell into a typed, directed edge.

Each related code in a briefing comes with a sentence such as "Ablation
procedure codes ... which 77013 specifically monitors via CT guidance". This
module turns that sentence into one relation of the ontology and a direction,
and records the phrase that decided it.

The rules are data: :data:`PROCEDURE_RULES` and :data:`DIAGNOSIS_RULES` are
tables of regular expressions. Every rule that matches casts a vote; the
classification is decided by these principles, in order:

1. *Bundling wins.* A row that says the code is not separately reported,
   included or bundled is ``includedIn``, whatever else it mentions. It must
   never come out as ``monitors`` or ``alternativeTo``. (For diagnoses, a
   stated comorbidity wins over indication cues in the same way.)
2. *Agreement.* When every vote names the same relation, that is the
   answer. Its direction comes from the *strong* rules, those that say which
   side is which ("included in 10005", "which 77013 monitors"), or, if none
   fired, from the generic ones; they must agree.
3. *Never guess.* No vote, or votes for different relations or directions,
   give the generic ``relatedTo`` and keep the text and the cues.

Direction is relative to the briefing's subject ``S`` and the row's code
``X``: ``OUT`` means ``S relation X`` and ``IN`` means ``X relation S``.

Examples
--------
>>> c = classify_procedure("CT guidance code that monitors this ablation", subject="47382")
>>> c.relation, c.direction, c.phrase
('monitors', 'in', 'that monitors this ablation')
>>> classify_procedure("Not separately reported; guidance is included in 47382", subject="47382").relation
'includedIn'
>>> classify_diagnosis("Common comorbidity influencing procedural planning").relation
'comorbidityOf'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Classification",
    "Rule",
    "PROCEDURE_RULES",
    "DIAGNOSIS_RULES",
    "classify_procedure",
    "classify_diagnosis",
    "OUT",
    "IN",
]

OUT = "out"  # subject -> related code
IN = "in"  # related code -> subject
GENERIC = "relatedTo"


@dataclass(frozen=True)
class Rule:
    """One pattern of the rule table.

    ``pattern`` may contain ``{S}``, which stands for the subject (its code,
    or "this code", "this procedure", "this MR guidance code"...), and ``{X}``,
    which stands for the row's own code or a phrase naming another code ("the
    ablation code", "the lung core biopsy code"). A ``strong`` rule names
    which side is which; it outranks the generic (weak) rules of the same
    relation when they disagree on the direction.
    """

    name: str
    relation: str
    direction: str
    pattern: str
    strong: bool = False


@dataclass(frozen=True)
class Classification:
    """The outcome for one row: relation, direction, the deciding phrase and rule."""

    relation: str
    direction: str
    phrase: str
    rule: str


_SUBJECT = (
    r"(?:{code}|this (?:\w+ )?(?:code|service|procedure|guidance(?: code)?|(?:cryo)?ablation|imaging(?: code)?|study)"
    r"|the (?:guidance|subject) code)"
)
_OTHER = r"(?:{code}\b|the (?:\w+ ){{0,4}}code)"
_NOT = r"(?<!not )(?<!n't )(?<!never )(?<!not an )(?<!not a )"  # {NOT}: the next word is not negated

PROCEDURE_RULES: tuple[Rule, ...] = (
    # 1. bundling. Strong rules say which side is bundled into which.
    Rule("included-in-subject", "includedIn", IN,
         r"\b{NOT}(?:included|bundled|packaged|incorporated) (?:in|into|with) {S}|\b{NOT}part of {S}"
         r"|\b{S} (?:already )?includes\b",
         strong=True),
    Rule("included-in-other", "includedIn", OUT,
         r"\b{NOT}(?:included|bundled|packaged|incorporated) (?:in|into|with) {X}|\b{NOT}part of {X}"
         r"|\b(?:{X}|which|that) (?:already )?(?:includes|bundles|encompasses)\b",
         strong=True),
    Rule("subject-included", "includedIn", OUT,
         r"\b{S} (?:is |are )?(?:(?:always|typically|usually|generally) )?(?:included|bundled|packaged) (?:in|into|with)\b",
         strong=True),
    Rule("not-separately", "includedIn", IN,
         r"\b(?:can)?not (?:be )?(?:separately (?:reported|reportable|billed|billable|payable|coded)"
         r"|(?:reported|reportable|billed|billable|payable|paid|coded) separately)\b"
         r"|\bnot (?:report|bill|code) (?:[\w-]+ ){0,2}separately\b"
         r"|\bshould not be (?:added|reported|billed|coded)\b"),
    Rule("included-in", "includedIn", IN,
         r"\b(?:is |are )?{NOT}(?:included|bundled|packaged) (?:in|into|with)\b|^bundled\b"
         r"|\b(?:is|are) (?:(?:always|typically|usually|generally) )?(?:included|bundled|packaged)\b"),
    Rule("global-package", "includedIn", IN, r"\b{NOT}part of the (?:global|surgical) (?:surgical )?package\b"),
    Rule("ncci-bundle", "includedIn", IN, r"\bncci[- ]bundled\b"),
    # 2. monitoring
    Rule("monitored-by-subject", "monitors", OUT,
         r"\b(?:that|which) {S} (?:\w+ )?monitors\b|\bmonitored (?:\w+ ){0,3}(?:by|with|under|via|using) {S}",
         strong=True),
    Rule("monitors-subject", "monitors", IN,
         r"\b(?:that|which|to|used to|code to) (?:\w+ )?monitors? {S}\b", strong=True),
    Rule("subject-monitors", "monitors", OUT, r"\b{S} (?:\w+ )?monitors\b", strong=True),
    Rule("reported-to-monitor", "monitors", IN,
         r"\b(?:reported|used|performed) (?:with|during) {S} to monitor\b", strong=True),
    Rule("guidance-that-monitors", "monitors", IN,
         r"\bguidance(?: code)? (?:that|which) monitors (?:the|this) \w*ablation\b", strong=True),
    # 3. alternatives (symmetric, so the direction does not matter)
    Rule("alternative", "alternativeTo", OUT, r"\balternatives?\b|\balternatively\b"),
    Rule("instead-of", "alternativeTo", OUT,
         r"\b(?:instead of|in place of|rather than|substitute[sd]? for|interchangeabl[ey])\b"),
    # 4. sequence
    Rule("pre-procedure", "precedes", IN,
         r"\bpre-?(?:procedur|procedure|ablation|operative|treatment|interventional)\w*\b"),
    Rule("planning", "precedes", IN,
         r"\b(?:treatment |procedural |procedure |pre-?procedure )?planning\b"
         r"|\bplan (?:the|an?|its) (?:approach|trajectory|procedure|ablation|treatment|needle|probe)"),
    Rule("prior-to", "precedes", IN,
         r"\b(?:prior to|before|ahead of|preceding|in advance of)\b"),
    Rule("follow-up", "precedes", OUT,
         r"\b(?:post-?(?:procedur|procedure|ablation|operative|treatment)\w*|follow-?up|after (?:the |this )?"
         r"(?:ablation|procedure|treatment|intervention)|surveillance)\b"),
)
"""Rules for the "Related CPT Codes" table (procedure <-> procedure)."""

DIAGNOSIS_RULES: tuple[Rule, ...] = (
    Rule("comorbidity", "comorbidityOf", IN,
         r"\bco-?morbid\w*|\bco-?existing\b|\bconcurrent (?:condition|disease|illness)\b"
         r"|\bunderlying (?:condition|disease|liver disease)\b|\brisk factor\b"
         r"|\b(?:raises|increases|elevates) (?:the )?(?:\w+ )?risk\b|\bcomplicat\w+ (?:the )?(?:procedure|planning|anesthesia)\b"),
    Rule("indication", "indicationFor", IN,
         r"\b{NOT}indicat(?:ion|ed|es)\b|\btreated (?:with|by)\b|\btarget(?:ed|s)? (?:for|by|with)\b|\btargeted\b"
         r"|\bcandidates? for\b|\brequir\w+ (?:[\w-]+ ){0,3}(?:ablation|biopsy|guidance|sampling|treatment|intervention)\b"
         r"|\b(?:sampled|biopsied|ablated) (?:by|under|with|using|via)\b"
         r"|\bprimary (?:\w+ )?(?:malignancy|tumou?r|neoplasm|diagnosis)\b|\breason for\b|\bsupports? medical necessity\b"),
)
"""Rules for the "Related Diagnoses" table (diagnosis -> procedure)."""

# The subject's and the row's codes are found in the text before the rules run
# and overwritten, character for character, with marker characters; {S} and {X}
# match the markers. So each rule compiles once, not once per (subject, row),
# and a match still maps back to the same span of the text as written. The
# markers are CJK letters: word characters, like the code's own, so \b keeps
# its meaning around them.
_S_MARK, _X_MARK, _BOTH_MARK = "\u3400", "\u3401", "\u3402"
_MARKS = frozenset((_S_MARK, _X_MARK, _BOTH_MARK))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_compiled: dict[str, re.Pattern[str]] = {}


def _regex(rule: Rule) -> re.Pattern[str]:
    pattern = _compiled.get(rule.pattern)
    if pattern is None:
        text = rule.pattern.replace("{S}", _SUBJECT.format(code=f"[{_S_MARK}{_BOTH_MARK}]+"))
        text = text.replace("{X}", _OTHER.format(code=f"[{_X_MARK}{_BOTH_MARK}]+"))
        text = text.replace("{NOT}", _NOT)
        pattern = _compiled[rule.pattern] = re.compile(text, re.IGNORECASE)
    return pattern


def _mark(text: str, subject: str, other: str) -> str:
    """``text`` with each (ASCII case-insensitive) occurrence of the two codes overwritten by markers.

    >>> _mark("Included in 47382; see 76940", "47382", "76940") == "Included in " + _S_MARK * 5 + "; see " + _X_MARK * 5
    True
    """
    s, x = subject.translate(_ASCII_LOWER), other.translate(_ASCII_LOWER)
    marks = {s: _BOTH_MARK} if s == x else {s: _S_MARK, x: _X_MARK}
    folded = text.translate(_ASCII_LOWER)
    chars = list(text)
    for code in sorted((c for c in marks if c), key=len, reverse=True):  # a longer code first
        i = folded.find(code)
        while i >= 0:
            if not any(ch in _MARKS for ch in chars[i:i + len(code)]):
                chars[i:i + len(code)] = marks[code] * len(code)
            i = folded.find(code, i + 1)
    return "".join(chars)


_IRREGULAR_SPACE = re.compile(r"[^\S ]| {2}|^ | $")


def _normal(text: str) -> tuple[str, Sequence[int]]:
    """Fold hyphens and runs of whitespace; also return where each kept character is in ``text``."""
    folded = text.replace("\u2011", "-").replace("\u2010", "-")
    if not _IRREGULAR_SPACE.search(folded):  # the usual case: nothing moves
        return folded, range(len(folded))
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text.replace("\u2011", "-").replace("\u2010", "-")):
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


def _classify(text: str, rules: tuple[Rule, ...], subject: str, other: str, dominant: str | None) -> Classification:
    normal, where = _normal(text)
    normal = _mark(normal, subject, other)
    votes: list[tuple[Rule, str]] = []
    for rule in rules:
        m = _regex(rule).search(normal)
        if m and m.end() > m.start():
            votes.append((rule, text[where[m.start()]:where[m.end() - 1] + 1]))  # as written
    relations = {rule.relation for rule, _ in votes}
    if dominant in relations:
        relations = {dominant}
    if len(relations) == 1:
        relation = relations.pop()
        fired = [(r, p) for r, p in votes if r.relation == relation]
        strong = [(r, p) for r, p in fired if r.strong]
        deciding = strong or fired
        if len({r.direction for r, _ in deciding}) == 1:
            rule, phrase = deciding[0]
            return Classification(relation, rule.direction, phrase, rule.name)
    phrase = "; ".join(p for _, p in votes)
    return Classification(GENERIC, OUT, phrase, "conflict" if votes else "no-rule")


def classify_procedure(text: str, subject: str = "", other: str = "") -> Classification:
    """Classify a "Relationship to This Procedure" cell of the related-codes table.

    Parameters
    ----------
    text : str
        The free-text cell.
    subject : str
        The briefing's own code, so that "which 77013 monitors" can be read.
    other : str
        The row's code, so that "included in 10005" can be read.

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
    return _classify(text, PROCEDURE_RULES, subject, other, dominant="includedIn")


def classify_diagnosis(text: str) -> Classification:
    """Classify a "Clinical Relevance" cell of the related-diagnoses table.

    Examples
    --------
    >>> classify_diagnosis("Primary hepatic malignancy commonly treated with ablation").relation
    'indicationFor'
    >>> classify_diagnosis("Mentioned in the payer policy").relation
    'relatedTo'
    """
    return _classify(text, DIAGNOSIS_RULES, "", "", dominant="comorbidityOf")
