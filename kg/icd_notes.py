"""ICD-10-CM Excludes1 notes, read straight from the tabular XML kg loads.

``simple-icd-10-cm`` ships the CMS tabular XML with every note; importing the
package parses all of it (seconds). ``kg check`` needs the notes of a few
codes, so this module reads the XML as text once (a tenth of a second) and
finds a code's own notes and those of every code, block and chapter above
it: a note applies to every code below the one that carries it.

Examples
--------
>>> excludes1("E11.9")[0]
('diabetes mellitus due to underlying condition (E08.-)', 'E11')
>>> excludes1_between("E11.9", "E08.65")
('diabetes mellitus due to underlying condition (E08.-)', 'E11')
>>> excludes1_between("I10", "O10.02")[1]
'I10'
>>> excludes1_between("E11.9", "I10") is None
True
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

__all__ = ["codes", "excludes1", "excludes1_between", "note_targets"]

_NOTE = re.compile(r"<note>(.*?)</note>", re.DOTALL)
_EXCLUDES1 = re.compile(r"<excludes1>(.*?)</excludes1>", re.DOTALL)
_RANGE = re.compile(r"\b([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:-([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?))?")


@lru_cache(maxsize=1)
def _text() -> str:
    from kg.codesets.icd10cm import packaged_tabular

    return packaged_tabular().read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    """Every code (category and subcode, dotted) of the tabular XML.

    Examples
    --------
    >>> "C22.0" in codes(), "C22" in codes(), "C22.00" in codes()
    (True, True, False)
    """
    return frozenset(re.findall(r"<name>([A-Z][0-9A-Z.]+)</name>", _text()))


def _own_notes(head: str) -> list[str]:
    return [html.unescape(n).strip() for block in _EXCLUDES1.findall(head) for n in _NOTE.findall(block)]


def _head(text: str, start: int, child: str) -> str:
    """The text of an element from ``start`` up to its first child element ``child`` (its own notes)."""
    end = text.find(child, start + 1)
    close = text.find("</diag>", start + 1) if child == "<diag>" else -1
    ends = [e for e in (end, close) if e > 0]
    return text[start:min(ends)] if ends else text[start:]


@lru_cache(maxsize=4096)
def excludes1(code: str) -> tuple[tuple[str, str], ...]:
    """``(note, carrier)`` for each Excludes1 note on ``code`` and on every code, block and chapter above it.

    Examples
    --------
    Liver cell carcinoma: two notes on its category C22, one on the block C15-C26.

    >>> [carrier for _, carrier in excludes1("C22.0")]
    ['C22', 'C22', 'C15-C26']
    >>> excludes1("C22.0")[1][0]
    'secondary malignant neoplasm of liver and intrahepatic bile duct (C78.7)'
    """
    text = _text()
    code = code.upper()
    out: list[tuple[str, str]] = []
    category = code[:3]
    found = text.find(f"<name>{category}</name>")
    if found < 0:
        return ()
    prefixes = [category] + [code[:i] for i in range(5, len(code) + 1)] if "." in code else [category]
    for prefix in dict.fromkeys(prefixes):
        at = text.find(f"<name>{prefix}</name>", found)
        if at >= 0:
            out += [(n, prefix) for n in _own_notes(_head(text, at, "<diag>"))]
    section = text.rfind("<section id=", 0, found)
    if section >= 0:
        sid = text[section:text.find(">", section)].split('"')[1]
        out += [(n, sid) for n in _own_notes(_head(text, section, "<diag>"))]
    chapter = text.rfind("<chapter>", 0, found)
    if chapter >= 0:
        m = re.search(r"<name>([^<]+)</name>", text[chapter:chapter + 200])
        out += [(n, m.group(1) if m else "") for n in _own_notes(_head(text, chapter, "<section"))]
    return tuple(out)


def note_targets(note: str) -> list[tuple[str, str]]:
    """The codes a note names, as ``(low, high)`` prefixes.

    Examples
    --------
    >>> note_targets("hypertensive disease complicating pregnancy (O10-O11, O13-O16)")
    [('O10', 'O11'), ('O13', 'O16')]
    >>> note_targets("gestational diabetes (O24.4-)"), note_targets("type 1 diabetes mellitus (E10.-)")
    ([('O24.4', 'O24.4')], [('E10', 'E10')])
    """
    return [(lo.rstrip("."), (hi or lo).rstrip(".")) for lo, hi in _RANGE.findall(note)]


def _covers(target: tuple[str, str], code: str) -> bool:
    lo, hi = target
    return lo <= code[:len(lo)] and code[:len(hi)] <= hi


def excludes1_between(a: str, b: str) -> tuple[str, str] | None:
    """The Excludes1 note ``(text, carrier)`` on ``a`` or above it that names ``b``, if any.

    Examples
    --------
    A primary liver carcinoma is not coded with secondary liver malignancy:

    >>> excludes1_between("C22.0", "C78.7")
    ('secondary malignant neoplasm of liver and intrahepatic bile duct (C78.7)', 'C22')
    >>> excludes1_between("C22.0", "K75.2") is None
    True
    """
    for note, carrier in excludes1(a):
        if any(_covers(t, b.upper()) for t in note_targets(note)):
            return note, carrier
    return None
