"""How close a briefing's description of a code is to the official one.

Briefings paraphrase ("Liver cell carcinoma", "HCC of the liver"), abbreviate
and reorder, so an exact comparison would flag almost everything. A label is
*a fair paraphrase* when :func:`label_similarity` reaches
:data:`LABEL_THRESHOLD`. The score is the larger of

* the Dice coefficient of the two sets of content words, after lower-casing,
  dropping stop words, folding a few clinical synonyms and reducing words to
  a crude stem;
* the share of the briefing's content words found in the official label, when
  the briefing gives at least two: briefings abbreviate ("Right side" for
  "Right side (used to identify procedures performed on the right side of the
  body)"); and
* the character-level similarity of the normalised strings (difflib), scaled
  by 0.9 so that it only decides close spellings.

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
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = ["LABEL_THRESHOLD", "label_similarity"]

LABEL_THRESHOLD = 0.5

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


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def _tokens(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("&", " and "))
    out = set()
    for w in words:
        if w in _STOP:
            continue
        w = _SYNONYMS.get(w, w)
        if w:
            out.add(_stem(w))
    return frozenset(out)


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def label_similarity(briefing: str, official: str) -> float:
    """A score in [0, 1]: 1 for the same label, near 0 for unrelated ones.

    Examples
    --------
    >>> label_similarity("Diagnostic Radiology", "Allergy & Immunology") < LABEL_THRESHOLD
    True
    """
    a, b = _tokens(briefing), _tokens(official)
    dice = 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
    contained = len(a & b) / len(a) if len(a) >= 2 else 0.0
    chars = SequenceMatcher(None, _normal(briefing), _normal(official)).ratio() * 0.9
    return round(max(dice, contained, chars), 4)
