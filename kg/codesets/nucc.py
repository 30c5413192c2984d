"""The NUCC Health Care Provider Taxonomy (the official CSV from nucc.org).

Each code becomes a ``kg:ProviderTaxonomy`` concept at ``nucc:{code}``, with
the NUCC display name as its label, its grouping, classification and
specialization texts, definition and notes.

The hierarchy is NUCC's three levels. A specialization code is
``skos:broader`` the classification code with the same grouping and
classification and no specialization, where NUCC has one (363LA2100X
Acute Care Nurse Practitioner -> 363L00000X Nurse Practitioner); otherwise
(NUCC has no code for Radiology itself, so 2085R0202X Diagnostic Radiology)
and for a classification code, it is broader its grouping. Groupings have no NUCC
code, so they are plain ``skos:Concept`` top concepts of ``kg:NUCC`` at
``nucc:grouping/{slug}`` (for example ``nucc:grouping/allopathic-osteopathic-physician``),
not ``kg:ProviderTaxonomy``: that class is for codes, which have a notation.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "nucc_taxonomy_251.csv"
>>> _ = path.write_text(
...     "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\\r\\n"
...     "363L00000X,Physician Assistants,Nurse Practitioner,,,,Nurse Practitioner,Individual\\r\\n"
...     "363LA2100X,Physician Assistants,Nurse Practitioner,Acute Care,,,"
...     "Acute Care Nurse Practitioner ,Individual\\r\\n")
>>> store = ox.Store()
>>> report = load_nucc(store, path, progress=False)
>>> report.release, report.skipped
('25.1', False)
>>> q = "SELECT ?p WHERE { <https://w3id.org/codekg/nucc/363LA2100X> skos:broader ?p }"
>>> skos = {"skos": "http://www.w3.org/2004/02/skos/core#"}
>>> [s["p"].value for s in store.query(q, prefixes=skos, use_default_graph_as_union=True)]
['https://w3id.org/codekg/nucc/363L00000X']
>>> load_nucc(store, path, progress=False).skipped
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.release import guess_release
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.to_rdf import node, slug
from kg.vocab import SCHEMES, code_iri

__all__ = ["COLUMNS", "NUCC", "grouping_iri", "load_nucc"]

COLUMNS = ("Code", "Grouping", "Classification", "Specialization", "Definition", "Notes", "Display Name", "Section")
"""The columns of the NUCC CSV, all required."""


def grouping_iri(grouping: str) -> str:
    """The IRI of a NUCC grouping (which has no code of its own).

    Examples
    --------
    >>> grouping_iri("Allopathic & Osteopathic Physicians")
    'https://w3id.org/codekg/nucc/grouping/allopathic-osteopathic-physician'
    """
    return SCHEMES["NUCC"] + "grouping/" + slug(grouping)


def _release(source: Source) -> str | None:
    # NUCC names its files by version without the dot: nucc_taxonomy_251.csv is 25.1
    m = re.search(r"taxonomy[_-]?v?(\d{2})\.?(\d)(?!\d)", source.path.name.lower())
    return source.release or (f"{m.group(1)}.{m.group(2)}" if m else guess_release(source.path.name))


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    table = list(source.rows())  # small (~900 rows); the hierarchy needs them all
    scheme = scheme_node("NUCC")
    classification_code = {(grp, cls): code for _, (code, grp, cls, spec, *_rest) in table if not spec}
    groupings: dict[str, ox.NamedNode] = {}
    for line, (code, grp, cls, spec, definition, notes, display, section) in table:
        if not code:
            raise source.error(line, "row has no Code")
        n = node(code_iri("NUCC", code))
        label = Literal(display or spec or cls or code)
        yield Quad(n, RDF_TYPE, K.ProviderTaxonomy, g)
        yield Quad(n, RDF_TYPE, SKOS.Concept, g)
        yield Quad(n, SKOS.notation, Literal(code), g)
        yield Quad(n, SKOS.inScheme, scheme, g)
        yield Quad(n, SKOS.prefLabel, label, g)
        yield Quad(n, RDFS_LABEL, label, g)
        for prop, text in ((K.grouping, grp), (K.classification, cls), (K.specialization, spec),
                           (SKOS.definition, definition), (SKOS.note, notes), (K.taxonomySection, section)):
            if text:
                yield Quad(n, prop, Literal(text), g)
        parent_code = classification_code.get((grp, cls)) if spec else None
        if parent_code and parent_code != code:
            yield Quad(n, SKOS.broader, node(code_iri("NUCC", parent_code)), g)
        elif grp:
            gn = groupings.get(grp)
            if gn is None:
                gn = groupings[grp] = node(grouping_iri(grp))
                yield Quad(gn, RDF_TYPE, SKOS.Concept, g)
                yield Quad(gn, SKOS.inScheme, scheme, g)
                yield Quad(gn, SKOS.topConceptOf, scheme, g)
                yield Quad(gn, SKOS.prefLabel, Literal(grp), g)
                yield Quad(gn, RDFS_LABEL, Literal(grp), g)
            yield Quad(n, SKOS.broader, gn, g)


NUCC = CodeSet(
    "nucc", "NUCC Health Care Provider Taxonomy", systems=("NUCC",), columns=COLUMNS, quads=_quads,
    release=_release, file="NUCC Health Care Provider Taxonomy CSV",
    where="nucc.org → Code Sets → Taxonomy → CSV", weight=3, key=("Code",))
"""The NUCC taxonomy CSV (``nucc_taxonomy_251.csv``), release ``25.1`` from its name."""

load_nucc = NUCC.load
