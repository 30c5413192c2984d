"""AHRQ CCSR for ICD-10-CM diagnoses: categories, and the codes in each.

:data:`CCSR` reads the official DXCCSR reference workbook (``DXCCSR-Reference-File-v2023-1.xlsx``,
with ``openpyxl``) into graph ``codeset/ccsr``:

* each CCSR category (sheet ``CCSR_Categories``) as a ``kg:CCSRCategory``
  concept in scheme ``kg:CCSR`` at ``https://w3id.org/codekg/ccsr/{category}``,
  with its description and ``kg:bodySystem``, the body system its three
  letters name (sheet ``Naming_Conventions``);
* from each ICD-10-CM code of sheet ``DX_to_CCSR_Mapping``, a
  ``kg:ccsrCategory`` edge to each of its categories (a code may have
  several), plus ``kg:ccsrInpatientDefault`` and ``kg:ccsrOutpatientDefault``
  to the category AHRQ assigns when the code is the principal or
  first-listed diagnosis (flag ``Y``). ``N`` is another of the code's
  categories; ``X`` (the code is unacceptable as the principal or
  first-listed diagnosis) gives no default edge: AHRQ's default is then
  its placeholder category ``XXX000`` (inpatient) or ``XXX111``
  (outpatient), loaded with the others but linked to no code.

The workbook covers ICD-10-CM through the version it is named for: codes
added since then have no category (``kg query ccsr`` answers nothing for them;
``kg query ccsr-uncovered`` counts them against the loaded ICD-10-CM).

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> path = Path(tempfile.mkdtemp()) / "ccsr_dx_reference_v2027_1.xlsx"
>>> write_workbook(path, [("E119", "DM", "END002", "Diabetes", "Y", "Y")])
>>> report = load_ccsr(ox.Store(), path, progress=False)
>>> report.release, report.triples
('v2027.1', 10)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.errors import CodeSetError
from kg.model.codes import BASE
from kg.vocab import code_iri

__all__ = ["CCSR", "category_iri", "dotted", "load_ccsr", "write_workbook"]

_MAPPING = ("ICD-10-CM Code", "ICD-10-CM Code Description", "CCSR Category", "CCSR Category Description",
            "Inpatient Default CCSR (Y/N/X)", "Outpatient Default CCSR (Y/N/X)")
_CATEGORY = re.compile(r"[A-Za-z]{3}\d{3}|NoDX1|InvlDX")  # and AHRQ's XXX000, XXX111 for "no default"


def category_iri(category: str) -> str:
    """The IRI of a CCSR category.

    Examples
    --------
    >>> category_iri("CIR007")
    'https://w3id.org/codekg/ccsr/CIR007'
    """
    return f"{BASE}ccsr/{category}"


def dotted(code: str) -> str:
    """An ICD-10-CM code as the tabular writes it, from the workbook's undotted form.

    Examples
    --------
    >>> dotted("E119"), dotted("I10"), dotted("S72001A")
    ('E11.9', 'I10', 'S72.001A')
    """
    code = code.strip().upper().replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def write_workbook(path: Path, rows: list[tuple[str, ...]], version: str = "v2027.1") -> None:
    """Write a small DXCCSR-shaped workbook (for tests and examples): ``rows`` of the mapping sheet.

    Examples
    --------
    >>> import tempfile
    >>> write_workbook(Path(tempfile.mkdtemp()) / "t.xlsx", [("I10", "HTN", "CIR007", "Hypertension", "Y", "Y")])
    """
    from openpyxl import Workbook

    wb = Workbook()
    names = wb.active
    names.title = "Naming_Conventions"
    names.append(("List of CCSR body systems", None))
    names.append(("CCSR for ICD-10-CM Body System", "3-Character Abbreviation"))
    systems = sorted({r[2][:3] for r in rows})
    for s in systems:
        names.append((f"Body system {s}", s))
    cats = wb.create_sheet("CCSR_Categories")
    cats.append((f"Searchable list of CCSR categories, {version}", None))
    cats.append(("CCSR Category", "CCSR Category Description"))
    for c, d in sorted({(r[2], r[3]) for r in rows}):
        cats.append((c, d))
    mapping = wb.create_sheet("DX_to_CCSR_Mapping")
    mapping.append((f"Searchable list of ICD-10-CM diagnosis codes mapped to CCSR categories, {version}",))
    mapping.append(_MAPPING)
    for r in rows:
        mapping.append(r)
    wb.save(path)


def _workbook(source: Source):
    if "wb" not in source.cache:
        try:
            from openpyxl import load_workbook

            source.cache["wb"] = load_workbook(source.path, read_only=True)
        except FileNotFoundError as err:
            raise CodeSetError(f"{source.path}: no such file") from err
        except Exception as err:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
            raise CodeSetError(f"{source.path}:1: not a CCSR reference workbook (xlsx): {err}") from err
    return source.cache["wb"]


def _sheet(source: Source, name: str, header: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``(row, values)`` of a sheet's rows after its title row and ``header``, checked first."""
    wb = _workbook(source)
    if name not in wb.sheetnames:
        raise CodeSetError(f"{source.path}:1: no sheet {name!r}; the workbook has {', '.join(wb.sheetnames)}")
    rows = wb[name].iter_rows(values_only=True)
    for number, row in enumerate(rows, 1):
        cells = tuple("" if v is None else str(v).strip().strip("'") for v in row)
        if number == 1:
            source.cache.setdefault("title", cells[0] if cells else "")
            continue
        if number == 2:
            if cells[:len(header)] != header:
                raise CodeSetError(f"{source.path}:2: sheet {name}: expected the columns {', '.join(header)}; "
                                   f"the header has {', '.join(c for c in cells if c)}")
            continue
        if any(cells):
            yield number, cells[:len(header)]


def _release(source: Source) -> str | None:
    if source.release:
        return source.release
    m = re.search(r"v(\d{4})[._-](\d)", source.path.name.lower())
    if m:
        return f"v{m.group(1)}.{m.group(2)}"
    next(_sheet(source, "CCSR_Categories", ("CCSR Category", "CCSR Category Description")), None)
    m = re.search(r"v(\d{4}\.\d)", source.cache.get("title", ""))
    return m.group(0) if m else None


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    mapping = _sheet(source, "DX_to_CCSR_Mapping", _MAPPING)
    first = next(mapping, None)  # the header is checked before anything is written
    systems = {abbr: name for _, (name, abbr) in _sheet(source, "Naming_Conventions",
                                                          ("CCSR for ICD-10-CM Body System", "3-Character Abbreviation"))}
    scheme = scheme_node("CCSR")
    for line, (category, description) in _sheet(source, "CCSR_Categories",
                                                ("CCSR Category", "CCSR Category Description")):
        if not _CATEGORY.fullmatch(category):
            raise source.error(line, f"CCSR_Categories: {category!r} is not a CCSR category (CIR007)")
        n = ox.NamedNode(category_iri(category))
        label = Literal(description or category)
        yield Quad(n, RDF_TYPE, K.CCSRCategory, g)
        yield Quad(n, RDF_TYPE, SKOS.Concept, g)
        yield Quad(n, SKOS.notation, Literal(category), g)
        yield Quad(n, SKOS.inScheme, scheme, g)
        yield Quad(n, SKOS.prefLabel, label, g)
        yield Quad(n, RDFS_LABEL, label, g)
        if category[:3] in systems:
            yield Quad(n, K.bodySystem, Literal(systems[category[:3]]), g)
    if first is None:
        return
    for line, (code, _, category, _, inpatient, outpatient) in chain([first], mapping):
        if not code or not _CATEGORY.fullmatch(category):
            raise source.error(line, f"DX_to_CCSR_Mapping: a row needs an ICD-10-CM code and a CCSR category, "
                                     f"not {code!r}, {category!r}")
        dx, cat = ox.NamedNode(code_iri("ICD10CM", dotted(code))), ox.NamedNode(category_iri(category))
        yield Quad(dx, K.ccsrCategory, cat, g)
        if inpatient == "Y":
            yield Quad(dx, K.ccsrInpatientDefault, cat, g)
        if outpatient == "Y":
            yield Quad(dx, K.ccsrOutpatientDefault, cat, g)


CCSR = CodeSet(
    "ccsr", "AHRQ CCSR for ICD-10-CM diagnoses", systems=("ICD10CM",), columns=(), quads=_quads,
    release=_release, lazy_release=True, scheme="CCSR", weight=20,
    file="AHRQ DXCCSR reference workbook (xlsx)",
    where="hcup-us.ahrq.gov → Tools & Software → Clinical Classifications Software Refined (CCSR) → "
          "\"CCSR for ICD-10-CM Diagnoses\": the reference file (xlsx) in the download")
"""The AHRQ CCSR for ICD-10-CM diagnoses: categories and code -> category edges.

The release label is the workbook's version (``v2023.1``), from its file name or title row.
"""

load_ccsr = CCSR.load
