"""Payers and sites of service named in a briefing's text.

Examples
--------
>>> summary = Text("Key payers covered include Aetna, BCBS, and Acme Health. Medicare pays too.", 3)
>>> [(m.name, m.line) for m in _payers(summary)]
[('Aetna', 3), ('Blue Cross Blue Shield', 3), ('Acme Health', 3), ('Medicare', 3)]
>>> [m.name for m in _sites(Text("Hospital outpatient departments, or ambulatory surgery centers.", 9))]
['Hospital outpatient departments', 'Ambulatory surgery centers']
"""

from __future__ import annotations

import re

from kg.parse.records import Mention, Text

PAYERS = {
    "aetna": "Aetna",
    "blue cross blue shield": "Blue Cross Blue Shield",
    "blue cross and blue shield": "Blue Cross Blue Shield",
    "bcbs": "Blue Cross Blue Shield",
    "anthem": "Anthem",
    "cigna": "Cigna",
    "cigna health": "Cigna",
    "cigna healthcare": "Cigna",
    "unitedhealthcare": "UnitedHealthcare",
    "united healthcare": "UnitedHealthcare",
    "uhc": "UnitedHealthcare",
    "medicare": "Medicare",
    "medicare advantage": "Medicare Advantage",
    "medicaid": "Medicaid",
    "humana": "Humana",
    "kaiser permanente": "Kaiser Permanente",
    "centene": "Centene",
    "molina": "Molina Healthcare",
    "molina healthcare": "Molina Healthcare",
    "tricare": "TRICARE",
    "highmark": "Highmark",
    "wellcare": "WellCare",
    "oscar": "Oscar Health",
    "oscar health": "Oscar Health",
    "elevance": "Elevance Health",
    "elevance health": "Elevance Health",
    "health net": "Health Net",
    "emblemhealth": "EmblemHealth",
}
"""Known payer names and aliases -> canonical name."""

_PAYER_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(k) for k in PAYERS), key=len, reverse=True)) + r")\b", re.I
)
_PAYER_WORD = re.compile(r"\bpayers?\b", re.I)
_LIST_START = re.compile(r"\b(?:include|includes|including|are|:) ([^.]+)", re.I)
# Run on text whose spaces are single (" ".join(text.split())), so no space run is scanned twice.
_LIST_ITEMS = re.compile(r", ?(?:and |or )?| and | or ")


def _spaced(text: str) -> str:
    """``text`` with every run of white space one space: the regexes above then never rescan a run."""
    return " ".join(text.split())


def _payer_lists(text: str) -> list[str]:
    """The payer lists of ``text``: in each sentence (up to a ``.``) that names payers and then says who they
    are ("Key payers ... include A, B, and C"), what follows that word. One pass over each sentence.

    >>> _payer_lists("Key payers covered include Aetna, and Cigna. Payers vary. The payers are: UHC")
    ['Aetna, and Cigna', 'UHC']
    """
    out = []
    start = 0
    while start < len(text):
        end = text.find(".", start)
        end = len(text) if end < 0 else end
        word = _PAYER_WORD.search(text, start, end)
        if word is not None:
            m = _LIST_START.search(text, word.end(), end)
            if m is not None:
                out.append(m.group(1))
        start = end + 1
    return out


def _payers(summary: Text | None) -> tuple[Mention, ...]:
    """Payers named in the summary, canonical and in order of first mention.

    An explicit list ("Key payers ... include A, B, and C.") is taken whole, so
    payers kg does not know yet are kept; elsewhere known names are picked out.
    """
    if summary is None:
        return ()
    text = _spaced(summary.text)
    names: list[str] = []
    for found in _payer_lists(text):
        for item in _LIST_ITEMS.split(found):
            item = item.strip().strip(";:").strip()
            if not item or len(item) > 60 or not item[0].isupper():
                continue
            names.append(PAYERS.get(item.lower(), item))
    for m in _PAYER_RE.finditer(text):
        names.append(PAYERS[m.group(1).lower()])
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n)
    return tuple(Mention(n, summary.line) for n in seen)


_SITE_ITEMS = re.compile(r", ?(?:or |and )?|; ?| or | and/or ")
_SITE_LEAD = re.compile(r"^(?:and|or|in|the|a|an) ", re.I)


def _sites(field_: Text | None) -> tuple[Mention, ...]:
    """Split "Hospital outpatient departments, ambulatory surgery centers, or ..."."""
    if field_ is None:
        return ()
    parts = _SITE_ITEMS.split(_spaced(field_.text).rstrip(". "))
    out: list[Mention] = []
    for part in parts:
        part = _SITE_LEAD.sub("", part.strip()).strip()
        if part and part.lower() != "n/a":
            out.append(Mention(part[0].upper() + part[1:], field_.line))
    return tuple(out)
