"""How close a briefing's description of a code is to the official one.

Briefings paraphrase ("Liver cell carcinoma", "HCC of the liver"), abbreviate
and reorder, so an exact comparison would flag almost everything. A label is
*a fair paraphrase* when :func:`label_similarity` reaches
:data:`LABEL_THRESHOLD`. The score is the larger of

* the Dice coefficient of the two sets of content words, after lower-casing,
  dropping stop words, folding a few clinical synonyms and reducing words to
  a crude stem;
* the share of the briefing's content words found in the official label, when
  the briefing gives at least two: briefings abbreviate; and
* the character-level similarity of the normalised strings
  (``rapidfuzz.fuzz.ratio``), scaled by 0.9 so that it only decides close
  spellings,

taken over the labels as written and with their parenthetical notes removed
(the *head*): "Rental" is the head of the HCPCS label "Rental (use the 'rr'
modifier when dme is to be rented)", and "Right side" of "Right side (used to
identify procedures performed on the right side of the body)".

Two labels that differ in an opposite word ("*with* complications" against
"*without* complications", left / right, acute / chronic, type 1 / type 2:
:data:`OPPOSITES`) name different codes however many words they share: the
score is 0 and :func:`compare_label` says which words clash.

The audit (:mod:`kg.audit`) reports a ``label-mismatch`` below the
threshold; ``tests/test_audit.py`` pins which real pairs of the example
briefings and the audit fixtures (``tests/data/audit``) fall below it
against the official code sets, and which do not.

Examples
--------
>>> label_similarity("Liver cell carcinoma", "Liver cell carcinoma")
1.0
>>> label_similarity("Hepatic fibrosis and cirrhosis of liver", "Nonspecific reactive hepatitis") < LABEL_THRESHOLD
True
>>> label_similarity("Anesthesiology", "Anesthesiology Physician") >= LABEL_THRESHOLD
True
>>> label_similarity("Type 2 diabetes mellitus with complications", "Type 2 diabetes mellitus without complications")
0.0
>>> label_similarity("Rental", "Rental (use the 'rr' modifier when dme is to be rented)")
1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

__all__ = ["LABEL_THRESHOLD", "OPPOSITES", "LabelMatch", "compare_label", "head",
           "label_similarity", "opposite_words"]

LABEL_THRESHOLD = 0.5

OPPOSITES: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "with without",
    "left right",
    "acute chronic",
    "upper lower",
    "benign malignant",
    "initial subsequent sequela",
    "primary secondary",
    "open closed",
    "unilateral bilateral",
    "anterior posterior",
    "proximal distal",
    "superior inferior",
    "internal external",
    "inpatient outpatient",
    "new established",
    "male female",
    "single multiple",
    "complete incomplete",
    "complicated uncomplicated",
    "simple complex",
    "professional technical",
    "congenital acquired",
    "active inactive",
    "type1 type2 type3",
))
"""Groups of words that exclude each other in a code's label: a label that says one where the official
label says another names a different code."""

_OPPOSITE_OF = {word: group for group in OPPOSITES for word in group}

_OPPOSITE_FORMS = {
    "metastatic": "secondary", "metastasis": "secondary", "metastases": "secondary", "malignancy": "malignant",
    "sequelae": "sequela", "multiples": "multiple", "bilaterally": "bilateral", "unilaterally": "unilateral",
    "rt": "right", "lt": "left",
}
_SHORTHAND = ((re.compile(r"\bw/o\b"), " without "), (re.compile(r"\bw/(?=\s|\w)"), " with "))

_STOP = frozenset(
    "a an and or of the in on with without for to by at from as is are other unspecified specified "
    "not elsewhere classified nec nos part site type code service".split()
)

_SYNONYMS = {
    "cancer": "carcinoma",
    "tumor": "neoplasm",
    "tumour": "neoplasm",
    "malignancy": "malignant",
    "hepatic": "liver",
    "renal": "kidney",
    "pulmonary": "lung",
    "osseous": "bone",
    "ct": "tomography",
    "mri": "magnetic",
    "mr": "magnetic",
    "us": "ultrasound",
    "ultrasonic": "ultrasound",
    "sonography": "ultrasound",
    "hcc": "carcinoma",
    "metastatic": "secondary",
    "metastasis": "secondary",
    "metastases": "secondary",
    "radiologist": "radiology",
    "surgeon": "surgery",
    "anesthesiologist": "anesthesiology",
    "oncologist": "oncology",
    "physician": "",
}

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "es", "s", "al", "ic", "y")

# (?<!\s): a match starts where a run of spaces does, so a long run is scanned once, not once per space
_PARENTHETICAL = re.compile(r"(?<!\s)\s*(\([^()]*\)|\[[^\[\]]*\])")
_NESTING = 8  # levels of parentheses head() removes: one pass each, so a line of "((((..." costs linear time
_WORDS = re.compile(r"[a-z0-9]+")
_TYPE_N = re.compile(r"\btype\s+(1|2|3|i{1,3})\b")
_ROMAN = {"i": "1", "ii": "2", "iii": "3"}
_LONG_NOTE = 4  # words: a parenthetical this long is a usage note, not part of what the label names


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def _tokens(text: str) -> frozenset[str]:
    words = _WORDS.findall(text.lower().replace("&", " and "))
    out = set()
    for w in words:
        if w in _STOP:
            continue
        w = _SYNONYMS.get(w, w)
        if w:
            out.add(_stem(w))
    return frozenset(out)


def _normal(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def head(label: str) -> str:
    """``label`` without its parenthetical and bracketed parts.

    Examples
    --------
    >>> head("Right side (used to identify procedures performed on the right side of the body)")
    'Right side'
    >>> head("Abnormal electrocardiogram [ECG] [EKG]")
    'Abnormal electrocardiogram'
    """
    out, previous = label, None
    for _ in range(_NESTING):  # nested parentheses, innermost first
        previous, out = out, _PARENTHETICAL.sub("", out)
        if out == previous:
            break
    return out.strip(" ,;") or label.strip()


def _without_long_notes(label: str) -> str:
    def keep_short(m: re.Match) -> str:
        return m.group(0) if len(_WORDS.findall(m.group(0).lower())) < _LONG_NOTE else " "

    return _PARENTHETICAL.sub(keep_short, label)


@lru_cache(maxsize=65536)
def _opposite_terms(text: str) -> frozenset[str]:
    low = _without_long_notes(text).lower()
    for pattern, word in _SHORTHAND:
        low = pattern.sub(word, low)
    low = _TYPE_N.sub(lambda m: " type" + _ROMAN.get(m.group(1), m.group(1)) + " ", low)
    return frozenset(w for w in (_OPPOSITE_FORMS.get(w, w) for w in _WORDS.findall(low)) if w in _OPPOSITE_OF)


def opposite_words(briefing: str, official: str) -> tuple[str, str] | None:
    """The first clash of opposite words, ``(briefing's word, official word)``, or None.

    A clash is a word of :data:`OPPOSITES` that only the briefing uses while
    only the official label uses another word of its group. A word both use is
    no clash ("with hyperosmolarity" against "with hyperosmolarity without
    coma"), nor is a qualifier that only one side gives. Usage notes in long
    parentheses are ignored. ``type 2`` is read as one word.

    Examples
    --------
    >>> opposite_words("Pain in right knee", "Pain in left knee")
    ('right', 'left')
    >>> opposite_words("Type 1 diabetes mellitus", "Type 2 diabetes mellitus without complications")
    ('type1', 'type2')
    >>> opposite_words("Type 2 diabetes mellitus with hyperosmolarity",
    ...                "Type 2 diabetes mellitus with hyperosmolarity without nonketotic coma") is None
    True
    >>> opposite_words("Metastatic cancer of liver", "Secondary malignant neoplasm of liver") is None
    True
    """
    a, b = _opposite_terms(briefing), _opposite_terms(official)
    only_a, only_b = a - b, b - a
    for word in sorted(only_a):
        clash = sorted(_OPPOSITE_OF[word] & only_b)
        if clash:
            return word, clash[0]
    return None


def _score(briefing: str, official: str) -> float:
    a, b = _tokens(briefing), _tokens(official)
    dice = 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
    contained = len(a & b) / len(a) if len(a) >= 2 else 0.0
    chars = fuzz.ratio(_normal(briefing), _normal(official)) / 100 * 0.8
    return max(dice, contained, chars)


@lru_cache(maxsize=65536)
def _similarity(briefing: str, official: str) -> float:
    if opposite_words(briefing, official):
        return 0.0
    score = max(_score(x, y) for x in {briefing, head(briefing)} for y in {official, head(official)})
    return round(score, 4)


def label_similarity(briefing: str, official: str) -> float:
    """A score in [0, 1]: 1 for the same label, near 0 for unrelated ones, 0 for opposite ones.

    Examples
    --------
    >>> label_similarity("Diagnostic Radiology", "Allergy & Immunology") < LABEL_THRESHOLD
    True
    >>> label_similarity("Chronic cholecystitis", "Acute cholecystitis")
    0.0
    """
    return _similarity(briefing, official)


@dataclass(frozen=True)
class LabelMatch:
    """How a briefing's label compares with a code's official labels (:func:`compare_label`).

    ``official`` is the official label that came closest, ``score`` its
    :func:`label_similarity`, and ``opposite`` the clashing words
    ``(briefing's, official)`` when that label says the opposite.

    Examples
    --------
    >>> m = compare_label("Liver cell carcinoma", "Liver cell carcinoma")
    >>> m.fair, m.score, m.official, m.opposite
    (True, 1.0, 'Liver cell carcinoma', None)
    >>> LabelMatch(fair=False, score=0.12, official="Nephrology").reason()
    'similarity 0.12 < 0.5'
    """

    fair: bool
    score: float
    official: str
    opposite: tuple[str, str] | None = None

    def reason(self) -> str:
        """Why the label is not a fair paraphrase, in words ("" when it is).

        Examples
        --------
        >>> compare_label("Chronic cholecystitis", "Acute cholecystitis").reason()
        "the briefing says 'chronic' where the official label says 'acute'"
        """
        if self.fair:
            return ""
        if self.opposite:
            return f"the briefing says {self.opposite[0]!r} where the official label says {self.opposite[1]!r}"
        return f"similarity {self.score:.2f} < {LABEL_THRESHOLD}"


def compare_label(briefing: str, *officials: str) -> LabelMatch:
    """Compare ``briefing`` with each official label of a code (a NUCC code has several) and keep the best.

    An opposite word is reported only when no official label is a fair
    paraphrase, from the official label closest in words.

    Examples
    --------
    >>> m = compare_label("Nuclear Cardiology", "Nephrology Physician", "Internal Medicine", "Nephrology")
    >>> m.fair, m.official
    (False, 'Nephrology')
    >>> compare_label("Type 2 diabetes mellitus with complications",
    ...               "Type 2 diabetes mellitus without complications").opposite
    ('with', 'without')
    >>> compare_label("Hand Surgery", "Hand Surgery (Orthopaedic Surgery) Physician").fair
    True
    """
    officials = tuple(o for o in officials if o)
    if not officials:
        return LabelMatch(fair=False, score=0.0, official="")
    scored = [(label_similarity(briefing, o), o) for o in officials]
    score, best = max(scored, key=lambda s: s[0])
    if score >= LABEL_THRESHOLD:
        return LabelMatch(fair=True, score=score, official=best)
    clashes = [(_score(briefing, o), o, opposite_words(briefing, o)) for o in officials]
    closest = max(clashes, key=lambda c: (c[2] is not None, c[0]))
    if closest[2] is not None:
        return LabelMatch(fair=False, score=0.0, official=closest[1], opposite=closest[2])
    return LabelMatch(fair=False, score=score, official=best)
