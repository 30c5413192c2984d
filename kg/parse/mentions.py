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
_PAYER_LIST = re.compile(r"\bpayers?\b[^.]*?\b(?:include|includes|including|are|:)\s+([^.]+)", re.I)


def _payers(summary: Text | None) -> tuple[Mention, ...]:
    """Payers named in the summary, canonical and in order of first mention.

    An explicit list ("Key payers ... include A, B, and C.") is taken whole, so
    payers kg does not know yet are kept; elsewhere known names are picked out.
    """
    if summary is None:
        return ()
    names: list[str] = []
    for m in _PAYER_LIST.finditer(summary.text):
        for item in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+", m.group(1)):
            item = item.strip().strip(";:").strip()
            if not item or len(item) > 60 or not item[0].isupper():
                continue
            names.append(PAYERS.get(item.lower(), item))
    for m in _PAYER_RE.finditer(summary.text):
        names.append(PAYERS[m.group(1).lower()])
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n)
    return tuple(Mention(n, summary.line) for n in seen)


def _sites(field_: Text | None) -> tuple[Mention, ...]:
    """Split "Hospital outpatient departments, ambulatory surgery centers, or ..."."""
    if field_ is None:
        return ()
    parts = re.split(r",\s*(?:or\s+|and\s+)?|;\s*|\s+or\s+|\s+and/or\s+", field_.text.rstrip(". "))
    out: list[Mention] = []
    for part in parts:
        part = re.sub(r"^(?:and|or|in|the|a|an)\s+", "", part.strip(), flags=re.I).strip()
        if part and part.lower() != "n/a":
            out.append(Mention(part[0].upper() + part[1:], field_.line))
    return tuple(out)
