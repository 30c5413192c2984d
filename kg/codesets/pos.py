"""CMS Place of Service codes, and the link from briefing sites to them.

:func:`load_pos` reads the CMS POS table (``pos_code, pos_type, pos_name,
pos_description``) into graph ``codeset/pos``: each code is a
``kg:SiteOfService`` concept at ``pos:{code}`` in ``kg:POS``, with its name,
CMS definition and ``kg:facilityType`` (``Facility`` or ``Non-Facility``: the
fee schedule rate it takes).

Briefings name sites in words ("Hospital outpatient department"). Where
the words name POS codes unambiguously (:func:`map_site_text`), the load
also writes ``site:{slug} kg:posCode pos:{code}`` into the POS graph for each
such site the store's briefings name. Briefings built after the POS load are
linked by calling :func:`link_sites`.

Examples
--------
>>> map_site_text("Hospital outpatient departments")
['19', '22']
>>> map_site_text("Interventional radiology suite")
[]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.release import LoadReport, graph_iri, load_release
from kg.codesets.table import rows
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.errors import CodeSetError
from kg.to_rdf import node, slug
from kg.vocab import BRIEFING, PREFIXES, code_iri

__all__ = ["SITE_CODES", "link_sites", "load_pos", "map_site_text"]

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


def _briefing_sites(store: ox.Store) -> list[tuple[ox.NamedNode, str]]:
    query = Path(__file__).with_name("briefing_sites.rq").read_text(encoding="utf-8")
    results = store.query(query, prefixes=PREFIXES, substitutions={ox.Variable("prefix"): ox.Literal(BRIEFING)})
    return [(s["site"], s["label"].value) for s in results]


def _site_links(store: ox.Store, g: ox.NamedNode) -> list[Quad]:
    # a site may be named several ways ("department", "departments"): each link once
    out: dict[Quad, None] = {}
    for site, label in _briefing_sites(store):
        for code in map_site_text(label):
            out[Quad(site, K.posCode, node(code_iri("POS", code)), g)] = None
    return list(out)


def link_sites(store: ox.Store) -> int:
    """Link the sites that briefings name to POS codes, in the POS graph.

    :func:`load_pos` does this itself; call it again after building
    briefings into a store whose POS codes are already loaded.

    Returns
    -------
    int
        How many ``kg:posCode`` links the store's briefings give (new or not).
    """
    g = node(graph_iri("pos"))
    links = _site_links(store, g)
    store.extend(links)
    return len(links)


def _quads(store: ox.Store, path: Path, g: ox.NamedNode) -> Iterator[Quad]:
    scheme = scheme_node("POS")
    for line, (code, kind, name, definition) in rows(path, ("pos_code", "pos_type", "pos_name", "pos_description")):
        if not code:
            raise CodeSetError(f"{path}:{line}: row has no pos_code")
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
    yield from _site_links(store, g)


def load_pos(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
             progress: bool | None = None) -> LoadReport:
    """Load CMS Place of Service codes into graph ``codeset/pos`` and link briefing sites to them.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        CSV with columns ``pos_code, pos_type, pos_name, pos_description``.
    release : str, optional
        The release label; by default read from the file name, else ``"unversioned"``.
    progress : bool, optional
        Progress bars; by default only on a terminal.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "pos.csv"
    >>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n"
    ...                     "11,Non-Facility,Office,A physician's office.\\n")
    >>> load_pos(ox.Store(), path, release="2025-01", progress=False).triples
    8
    """
    path = Path(path)
    return load_release(store, name="pos", system="POS", path=path, release=release,
                        quads=lambda g: _quads(store, path, g), label="CMS Place of Service", progress=progress)
