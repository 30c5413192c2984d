"""Briefing tables: their kinds, cells, header layouts, separator rows, absent rows and code cells.

A table is recognised by its header cells, not by its position, so columns may
come in any order; unknown extra columns are kept as annotations. The shapes of
the codes a table may hold come from :data:`kg.model.CODE_SYSTEMS`.

Examples
--------
>>> _cells("| 26 | Professional component | Physician reading only |")
['26', 'Professional component', 'Physician reading only']
>>> layout = _layout(["When to Use", "Modifier", "Description"])
>>> layout.kind.name, layout.code, layout.description, layout.note
('modifiers', 1, 2, 0)
>>> _is_separator(["---", ":--:"]), _is_absent(["N/A", ""])
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.model.codes import BRIEFING_SYSTEMS, CODE_SYSTEMS, normalize_code
from kg.parse.text import _DASHES, _key

NOT_AVAILABLE = "data not available in the input."


# --------------------------------------------------------------------------
# codes

_CODE_SHAPES = {name: CODE_SYSTEMS[name].pattern for systems in BRIEFING_SYSTEMS.values() for name in systems}
"""The shape of each code system a briefing table may hold (from :data:`kg.model.CODE_SYSTEMS`)."""


def code_system(code: str, expected: tuple[str, ...]) -> str | None:
    """Return which of the ``expected`` code systems ``code`` is shaped like.

    ICD-10-CM codes written without their dot (``C220``) are not recognised
    here; :func:`_diagnosis_code` adds the dot first.

    Examples
    --------
    >>> code_system("77013", ("CPT", "HCPCS"))
    'CPT'
    >>> code_system("G0288", ("CPT", "HCPCS"))
    'HCPCS'
    >>> code_system("U07.1", ("ICD10CM",))
    'ICD10CM'
    >>> code_system("hello", ("CPT", "HCPCS")) is None
    True
    """
    for system in expected:
        if CODE_SYSTEMS[system].matches(code):
            return system
    return None


def _diagnosis_code(code: str) -> str:
    """Add the dot an ICD-10-CM code was written without (``C220`` -> ``C22.0``).

    >>> _diagnosis_code("C220"), _diagnosis_code("C22.0"), _diagnosis_code("77013")
    ('C22.0', 'C22.0', '77013')
    """
    if "." not in code and len(code) > 3 and CODE_SYSTEMS["ICD10CM"].matches(code[:3] + "." + code[3:]):
        return code[:3] + "." + code[3:]
    return code


# --------------------------------------------------------------------------
# table kinds

@dataclass(frozen=True)
class _TableKind:
    name: str  # the Briefing field it fills
    code_headers: tuple[str, ...]
    systems: tuple[str, ...]
    description_headers: tuple[str, ...]
    note_headers: tuple[str, ...]


TABLE_KINDS = (
    _TableKind(
        "modifiers",
        ("modifier", "modifiers", "modifier code", "mod"),
        BRIEFING_SYSTEMS["modifier"],
        ("description", "modifier description", "descriptor", "name", "title"),
        ("when to use", "usage", "usage note", "notes", "note", "use when", "guidance"),
    ),
    _TableKind(
        "taxonomies",
        ("taxonomy code", "taxonomy", "nucc taxonomy code", "nucc code", "provider taxonomy code"),
        BRIEFING_SYSTEMS["taxonomy"],
        ("specialty", "description", "classification", "specialization", "display name", "name"),
        ("notes", "note", "role", "usage", "when to use"),
    ),
    _TableKind(
        "diagnoses",
        ("icd-10 code", "icd-10-cm code", "icd10 code", "icd-10", "icd-10-cm", "diagnosis code", "dx code"),
        BRIEFING_SYSTEMS["diagnosis"],
        ("description", "diagnosis", "descriptor", "title", "name"),
        ("clinical relevance", "relevance", "relationship to this procedure", "relationship", "notes", "note"),
    ),
    _TableKind(
        "procedures",
        ("cpt code", "cpt", "hcpcs code", "cpt/hcpcs code", "cpt/hcpcs", "related code", "procedure code", "code"),
        BRIEFING_SYSTEMS["procedure"],
        ("description", "descriptor", "title", "name", "procedure"),
        ("relationship to this procedure", "relationship", "relation", "clinical relevance", "notes", "note"),
    ),
)


# --------------------------------------------------------------------------
# cells, separators, layouts, absent rows

_SEPARATOR = re.compile(r":?-{2,}:?")


def _cells(line: str) -> list[str] | None:
    """Split a table line into cells, or return None if it is not one.

    Leading and trailing pipes are optional, so ``a | b`` and ``| a | b |``
    give the same cells.
    """
    if "|" not in line:
        return None
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        stripped = stripped[:-1]
    cells = re.split(r"(?<!\\)\|", stripped)
    return [c.strip().replace("\\|", "|") for c in cells]


def _is_separator(cells: list[str]) -> bool:
    return all(_SEPARATOR.fullmatch(c.translate(_DASHES).replace(" ", "")) for c in cells if c) and any(cells)


@dataclass(frozen=True)
class _Layout:
    kind: _TableKind
    code: int
    description: int | None
    note: int | None
    extra: tuple[tuple[int, str], ...]
    width: int


def _layout(cells: list[str]) -> _Layout | None:
    """Recognise a header row by its cells; None if it is not a known table."""
    keys = [_key(c) for c in cells]
    for kind in TABLE_KINDS:
        code_col = next((i for i, k in enumerate(keys) if k in kind.code_headers), None)
        if code_col is None:
            continue
        rest = [i for i in range(len(keys)) if i != code_col]
        desc = next((i for i in rest if keys[i] in kind.description_headers), None)
        note = next((i for i in rest if i != desc and keys[i] in kind.note_headers), None)
        # "code" alone is too generic to decide a table unless the other columns agree.
        if keys[code_col] == "code" and note is None:
            continue
        extra = tuple((i, cells[i]) for i in rest if i not in (desc, note))
        return _Layout(kind, code_col, desc, note, extra, len(cells))
    return None


def _is_absent(cells: list[str]) -> bool:
    """An ``N/A`` row, or a row saying the data is not available."""
    values = [_key(c).rstrip(".") for c in cells if c.strip()]
    return not values or all(v in ("n/a", "na", "none", "-", "--", "data not available in the input") for v in values)


_NOTHING = re.compile(r"(?:no|none|nothing|not applicable)\b")


def _says_nothing(cells: list[str], code: int) -> bool:
    """Whether a row whose code cell (index ``code``) is N/A or empty says there is nothing there: each other
    cell is N/A, empty, or starts with "No", "None", "Nothing" or "Not applicable".

    >>> _says_nothing(["N/A", "No other laboratory-specific modifiers", "N/A"], 0)
    True
    >>> _says_nothing(["N/A", "Massage Therapist", "Not a recognized Medicare provider type."], 0)
    False
    """
    return all(_is_absent([c]) or _NOTHING.match(_key(c)) for i, c in enumerate(cells) if i != code)


# --------------------------------------------------------------------------
# rows without a header

def _shaped_kinds(cell: str) -> list[_TableKind]:
    """The table kinds whose code shape ``cell`` has, as written (``C22.0``) or else without its dot (``C220``).

    >>> [k.name for k in _shaped_kinds("26")], [k.name for k in _shaped_kinds("C220")]
    (['modifiers'], ['diagnoses'])
    >>> [k.name for k in _shaped_kinds("G0288")], _shaped_kinds("Payer")
    (['procedures'], [])
    """
    if _is_absent([cell]):
        return []
    code = normalize_code(cell)
    kinds = [k for k in TABLE_KINDS if code_system(code, k.systems) is not None]
    if not kinds and code_system(_diagnosis_code(code), BRIEFING_SYSTEMS["diagnosis"]) is not None:
        kinds = [k for k in TABLE_KINDS if k.name == "diagnoses"]
    return kinds


def _fits(layout: _Layout, cells: list[str]) -> bool:
    """Whether ``cells`` is a row of a table laid out as ``layout``: as many cells, and a code of its kind where
    its code is.

    >>> _fits(_layout(["Modifier", "Description", "When to Use"]), ["52", "Reduced services", "When reduced."])
    True
    >>> _fits(_layout(["Modifier", "Description", "When to Use"]), ["C22.0", "Liver cell carcinoma", "Primary."])
    False
    """
    return len(cells) == layout.width and layout.kind in _shaped_kinds(cells[layout.code])


def _headerless_layout(cells: list[str]) -> _Layout | None:
    """The layout of a table whose header line is missing, from its first row: the first cell shaped like the
    code of a table kind is the code, the next the description, the one after the note; any other
    cell is kept as an annotation. None if no cell settles the kind.

    >>> layout = _headerless_layout(["C22.0", "Liver cell carcinoma", "Primary indication."])
    >>> layout.kind.name, layout.code, layout.description, layout.note, layout.width
    ('diagnoses', 0, 1, 2, 3)
    >>> _headerless_layout(["Aetna", "Covered with prior authorization"]) is None
    True
    """
    for i, cell in enumerate(cells):
        kinds = _shaped_kinds(cell)
        if len(kinds) > 1:
            return None  # shaped like two kinds of code (no such shapes today): better reported than guessed
        if kinds:
            width = len(cells)
            description = i + 1 if i + 1 < width else None
            note = i + 2 if i + 2 < width else None
            extra = tuple((k, f"column {k + 1}") for k in range(width) if k not in (i, description, note))
            return _Layout(kinds[0], i, description, note, extra, width)
    return None
