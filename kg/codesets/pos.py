"""CMS Place of Service codes, and which site names stand for which codes.

:data:`POS` reads the CMS POS table (``pos_code, pos_type, pos_name,
pos_description``) into graph ``codeset/pos``: each code is a
``kg:SiteOfService`` concept at ``pos:{code}`` in ``kg:POS``, with its name,
CMS definition and ``kg:facilityType`` (``Facility`` or ``Non-Facility``: the
fee schedule rate it takes).

Briefings name sites in words ("Hospital outpatient department");
:func:`map_site_text` says which POS codes such words name unambiguously.
The POS load reads only its file: the links from the sites briefings name to
POS codes are a step of their own, :func:`kg.pipeline.link_sites`, run once
both are in the store.

Examples
--------
>>> map_site_text("Hospital outpatient departments")
['19', '22']
>>> map_site_text("Interventional radiology suite")
[]
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "pos.csv"
>>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n"
...                     "11,Non-Facility,Office,A physician's office.\\n")
>>> load_pos(ox.Store(), path, release="2025-01", progress=False).triples
8
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.to_rdf import node, slug
from kg.vocab import code_iri

__all__ = ["POS", "SITE_CODES", "load_pos", "map_site_text"]

SITE_CODES: dict[str, tuple[str, ...]] = {
    "hospital-outpatient": ("19", "22"),
    "hospital-outpatient-department": ("19", "22"),
    "outpatient-hospital": ("19", "22"),
    "outpatient-hospital-department": ("19", "22"),
    "hopd": ("19", "22"),
    "ambulatory-surgery-center": ("24",),
    "ambulatory-surgical-center": ("24",),
    "asc": ("24",),
    "office": ("11",),
    "physician-office": ("11",),
    "physicians-office": ("11",),
    "physician-s-office": ("11",),
    "inpatient-hospital": ("21",),
    "hospital-inpatient": ("21",),
}
"""Site name (as :func:`kg.to_rdf.slug` folds it) -> POS codes.

Only names that settle the code: a hospital outpatient department is on
campus (22) or off campus (19), both outpatient hospital; "hospital" or
"clinic" alone is not listed, as it could be several codes.
"""


def map_site_text(text: str) -> list[str]:
    """The CMS POS codes that one site name from a briefing stands for, or ``[]``.

    Case, punctuation and a plural ending are ignored. A name that could be
    several kinds of place ("hospital", "radiology suite") maps to nothing.

    Examples
    --------
    >>> map_site_text("physician office"), map_site_text("Ambulatory surgery centers")
    (['11'], ['24'])
    >>> map_site_text("Inpatient hospital"), map_site_text("hospital")
    (['21'], [])
    """
    return list(SITE_CODES.get(slug(text), ()))


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    scheme = scheme_node("POS")
    for line, (code, kind, name, definition) in source.rows():
        if not code:
            raise source.error(line, "row has no pos_code")
        code = code.zfill(2) if code.isdigit() else code
        n = node(code_iri("POS", code))
        label = Literal(name or code)
        yield Quad(n, RDF_TYPE, K.SiteOfService, g)
        yield Quad(n, RDF_TYPE, SKOS.Concept, g)
        yield Quad(n, SKOS.notation, Literal(code), g)
        yield Quad(n, SKOS.inScheme, scheme, g)
        yield Quad(n, SKOS.prefLabel, label, g)
        yield Quad(n, RDFS_LABEL, label, g)
        if definition:
            yield Quad(n, SKOS.definition, Literal(definition), g)
        if kind:
            yield Quad(n, K.facilityType, Literal(kind), g)


POS = CodeSet(
    "pos", "CMS Place of Service", systems=("POS",), columns=("pos_code", "pos_type", "pos_name", "pos_description"),
    quads=_quads, file="CMS Place of Service codes (pos_code, pos_type, pos_name, pos_description)",
    where="cms.gov → Medicare → Coding → Place of Service Codes", key=("pos_code",))
"""The CMS Place of Service table."""

load_pos = POS.load
