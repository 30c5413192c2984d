"""Did-you-mean for codes that are not in their code system: by meaning first, then by spelling.

A briefing usually writes a description beside each code, and that
description is the best clue to the code that was meant: 2086P0205X
"Interventional Radiology" is not a NUCC code, and the NUCC code whose label
reads like that is 2085R0204X (Vascular & Interventional Radiology), not the
code one digit away (2080P0205X, Pediatric Endocrinology). :func:`suggest`

1. shortlists official labels of the code's own system that read like the
   description (``rapidfuzz.process.extract`` with ``token_set_ratio``),
2. adds the codes one or two typing slips away (Damerau-Levenshtein on the
   code, with letter O / digit 0 and letter I / digit 1 read as the same, and
   the ICD-10-CM dot ignored), and
3. ranks them by how well their label reads as the description (the mean of
   :func:`kg.similarity.label_similarity` and ``token_sort_ratio``, three
   quarters of the score) and how close the code is to the one written (a
   quarter). A code that differs from the written one only by O / 0, I / 1
   or the dot comes first whatever its label: it is the code as read.

Without a description (or for CPT, whose descriptors kg does not ship) the
ranking is by the code alone.

The labels are a mapping ``system -> code -> [official labels]`` that the
caller loads once: :func:`load_labels` from the store, or
:func:`labels_from_files` from the official files.

Examples
--------
>>> labels = {"NUCC": {
...     "2085R0204X": ["Vascular & Interventional Radiology Physician", "Radiology",
...                    "Vascular & Interventional Radiology"],
...     "2085R0202X": ["Diagnostic Radiology Physician", "Radiology", "Diagnostic Radiology"],
...     "2080P0205X": ["Pediatric Endocrinology Physician", "Pediatrics", "Pediatric Endocrinology"]}}
>>> [c for c, _, _ in suggest("NUCC", "2086P0205X", "Interventional Radiology", labels)]
['2085R0204X', '2085R0202X', '2080P0205X']
>>> [c for c, _, _ in suggest("NUCC", "2086P0205X", "", labels)]  # by spelling alone
['2080P0205X']
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from kg.similarity import LABEL_THRESHOLD, label_similarity

__all__ = ["Labels", "labels_from_files", "load_labels", "suggest"]

Labels = Mapping[str, Mapping[str, Sequence[str]]]
"""Code system (``ICD10CM``, ``NUCC``, ``HCPCS``, ``MOD``, ``CPT``) -> code -> its official labels."""

_TEXT_WEIGHT = 0.75
_SHORTLIST = 40
_MAX_SLIPS = 2
_SLIPS = str.maketrans({"O": "0", "I": "1", "L": "1", ".": None, " ": None, "-": None})


def _canonical(code: str) -> str:
    return code.upper().translate(_SLIPS)


class _Index:
    """One code system's labels, flattened once for rapidfuzz."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = table
        self.codes = list(table)
        self.canonical = [_canonical(c) for c in self.codes]
        self.label_code: list[str] = []
        self.label_text: list[str] = []
        for code, labels in table.items():
            for label in dict.fromkeys(labels):
                if label:
                    self.label_code.append(code)
                    self.label_text.append(utils.default_process(label))


_INDEXES: dict[int, _Index] = {}


def _index(table: Mapping[str, Sequence[str]]) -> _Index:
    found = _INDEXES.get(id(table))
    if found is None or found.table is not table:  # the index keeps its table alive, so an id is not reused
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        found = _INDEXES[id(table)] = _Index(table)
    return found


def _code_closeness(written: str, candidate: str) -> float:
    a, b = _canonical(written), _canonical(candidate)
    return 1.0 - OSA.distance(a, b) / max(len(a), len(b), 1)


def suggest(system: str, code: str, description: str, labels: Labels, limit: int = 3) -> list[tuple[str, str, float]]:
    """Official codes of ``system`` that the briefing probably meant by ``code`` and ``description``.

    Parameters
    ----------
    system : str
        The code system the code was written in (a key of ``labels``).
    code : str
        The code as written, not found in ``system``.
    description : str
        What the briefing says the code is; ``""`` if nothing.
    labels : mapping
        :data:`Labels`, loaded once by the caller.
    limit : int
        At most this many suggestions.

    Returns
    -------
    list of (code, label, score)
        Best first. ``label`` is the code's first official label (``""`` if it
        has none), ``score`` in [0, 1]. A code is suggested when its label is a
        fair paraphrase of the description, or it is at most two typing slips
        away; an empty list when nothing is close.

    Examples
    --------
    >>> icd = {"ICD10CM": {"R07.9": ["Chest pain, unspecified"], "R07.89": ["Other chest pain"],
    ...                    "R05.9": ["Cough, unspecified"]}}
    >>> suggest("ICD10CM", "RO7.9", "Chest pain, unspecified", icd)[0]
    ('R07.9', 'Chest pain, unspecified', 1.0)
    >>> [c for c, _, _ in suggest("ICD10CM", "RO79", "", icd)]
    ['R07.9', 'R07.89', 'R05.9']
    >>> suggest("ICD10CM", "Z99.99", "Hip fracture", icd)
    []
    """
    table = labels.get(system)
    if not table:
        return []
    ix = _index(table)
    candidates: set[str] = set()
    if description and ix.label_text:
        shortlist = process.extract(utils.default_process(description), ix.label_text, scorer=fuzz.token_set_ratio,
                                    limit=_SHORTLIST, score_cutoff=50)
        candidates.update(ix.label_code[i] for _, _, i in shortlist)
    slips = process.extract(_canonical(code), ix.canonical, scorer=OSA.distance, limit=_SHORTLIST,
                            score_cutoff=_MAX_SLIPS)
    slip_distance = {ix.codes[i]: d for _, d, i in slips}
    candidates.update(slip_distance)
    candidates.discard(code)
    scored = []
    for c in candidates:
        closeness = _code_closeness(code, c)
        if description and any(table[c]):
            fair = max(label_similarity(description, label) for label in table[c] if label)
            if fair < LABEL_THRESHOLD and c not in slip_distance:
                continue
            text = max(_text_score(description, label) for label in table[c] if label)
            score = _TEXT_WEIGHT * text + (1 - _TEXT_WEIGHT) * closeness
        else:
            if c not in slip_distance:
                continue
            score = closeness
        scored.append((slip_distance.get(c) != 0, -round(score, 4), c))
    scored.sort()
    return [(c, next((label for label in table[c] if label), ""), -score) for _, score, c in scored[:limit]]


def _text_score(description: str, label: str) -> float:
    """How well ``label`` reads as ``description``: the paraphrase score, with word order and extra words
    (``token_sort_ratio``) breaking its ties ("Diagnostic Radiology" is closer to itself than to
    "Diagnostic Neuroimaging (Radiology)")."""
    sort = fuzz.token_sort_ratio(description, label, processor=utils.default_process) / 100
    return (label_similarity(description, label) + sort) / 2


def load_labels(store) -> dict[str, dict[str, list[str]]]:
    """The official labels of every code of every code set loaded in ``store`` (``kg/queries/internal``).

    A code from a fee schedule or edit file (CPT) has an empty list.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> load_labels(ox.Store())
    {}
    """
    from kg.query import internal, run_sparql

    out: dict[str, dict[str, list[str]]] = {}
    q = internal("official-labels")
    for scheme, code, label in run_sparql(store, q.text, source=str(q.path)).rows:
        bucket = out.setdefault(scheme.value.rsplit("#", 1)[-1], {}).setdefault(code.value, [])
        if label is not None and label.value not in bucket:
            bucket.append(label.value)
    return out


def labels_from_files(*, icd10cm: bool = False, nucc: str | os.PathLike | None = None,
                      hcpcs: str | os.PathLike | None = None,
                      modifiers: Sequence[str | os.PathLike] = ()) -> dict[str, dict[str, list[str]]]:
    """The official labels read straight from the official files, as :func:`load_labels` reads them from a store.

    Parameters
    ----------
    icd10cm : bool
        Include ICD-10-CM categories and subcodes from the packaged release (``simple-icd-10-cm``).
    nucc : path-like, optional
        The NUCC taxonomy CSV: display name, classification and specialization.
    hcpcs : path-like, optional
        The HCPCS Level II file (``code, kind, long_description, short_description``): codes and modifiers.
    modifiers : paths
        Modifier files: the HCPCS Level II modifier file (``code, long_description, ...``) or a
        table with ``mod_code, mod_type, mod_description``, of which the CPT rows are read.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "mods.csv"
    >>> _ = path.write_text("code,long_description,short_description\\nRT,Right side (used to identify ...),Right side\\n")
    >>> labels_from_files(modifiers=[path])
    {'MOD': {'RT': ['Right side (used to identify ...)', 'Right side']}}
    """
    from kg.codesets.nucc import COLUMNS as NUCC_COLUMNS
    from kg.codesets.table import rows

    out: dict[str, dict[str, list[str]]] = {}

    def add(system: str, code: str, *texts: str) -> None:
        bucket = out.setdefault(system, {}).setdefault(code, [])
        bucket.extend(t for t in texts if t and t not in bucket)

    if icd10cm:
        import simple_icd_10_cm as icd

        for code in icd.get_all_codes(True):
            if icd.is_category_or_subcategory(code):
                add("ICD10CM", code, icd.get_description(code))
    if nucc is not None:
        for _, (code, _grp, cls, spec, *_rest, display, _section) in rows(Path(nucc), NUCC_COLUMNS):
            add("NUCC", code, display or spec or cls, cls, spec)
    if hcpcs is not None:
        for _, (code, kind, long, short) in rows(Path(hcpcs), ("code", "kind", "long_description",
                                                                "short_description")):
            add("MOD" if kind.lower() == "modifier" else "HCPCS", code, long or short, short)
    for path in modifiers:
        path = Path(path)
        with open(path, encoding="utf-8-sig") as f:
            header = f.readline()
        if "mod_code" in header:
            for _, (code, kind, description) in rows(path, ("mod_code", "mod_type", "mod_description")):
                if kind.upper() == "CPT":
                    add("MOD", code, description)
        else:
            for _, (code, long, short) in rows(path, ("code", "long_description", "short_description")):
                add("MOD", code, long or short, short)
    return out
