"""The Medicare Physician Fee Schedule relative value file (CMS PPRRVU).

Each row of the file (a code, with or without a modifier) becomes one
``kg:FeeScheduleEntry`` at ``https://w3id.org/codekg/mpfs/{code}`` (the
global row) or ``.../mpfs/{code}-{modifier}`` (``-26`` professional, ``-TC``
technical component, ``-53``), linked from its code by ``kg:feeSchedule``,
in graph ``codeset/mpfs``. An entry carries the payment-policy indicators as
strings, as CMS writes them (status, PC/TC, global days, multiple procedure,
bilateral, assistant at surgery, co-surgeon, team surgery), and its work RVU
as an ``xsd:decimal``. The code itself is declared a ``kg:ProcedureCode`` in
CPT (if it starts with a digit) or HCPCS.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "pprrvu_2024jul.csv"
>>> _ = path.write_text(",".join(COLUMNS) + "\\n77013,26,A,3.99,1,XXX,0,0,0,0,0\\n")
>>> store = ox.Store()
>>> load_mpfs(store, path, progress=False).release
'2024-07'
>>> from kg.vocab import PREFIXES
>>> q = "SELECT ?w WHERE { ?e kg:workRVU ?w }"
>>> [s["w"].value for s in store.query(q, prefixes=PREFIXES, use_default_graph_as_union=True)]
['3.99']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.terms import K, RDF_TYPE, SKOS, XSD, LiteralCache, procedure_iri, procedure_system, scheme_node
from kg.to_rdf import node
from kg.vocab import BASE, code_iri

__all__ = ["MPFS", "MPFS_RVU", "COLUMNS", "entry_iri", "load_mpfs"]

MPFS = BASE + "mpfs/"
"""Namespace of fee schedule entries."""

COLUMNS = ("hcpcs", "mod", "status_code", "work_rvu", "pctc_ind", "glob_days", "mult_proc", "bilat_surg",
           "asst_surg", "co_surg", "team_surg")
"""The PPRRVU columns read (others, such as the PE and malpractice RVUs, are ignored)."""

_INDICATORS = ("statusCode", "pctcIndicator", "globalDays", "multipleProcedureIndicator",
               "bilateralSurgeryIndicator", "assistantSurgeonIndicator", "coSurgeonIndicator",
               "teamSurgeonIndicator")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def entry_iri(code: str, modifier: str = "") -> str:
    """The IRI of the fee schedule row for ``code`` with ``modifier`` (``""`` for the global row).

    Examples
    --------
    >>> entry_iri("77013", "26"), entry_iri("77013", "")
    ('https://w3id.org/codekg/mpfs/77013-26', 'https://w3id.org/codekg/mpfs/77013')
    """
    tail = f"{code}-{modifier}" if modifier else code
    return MPFS + quote(tail, safe=".-_")


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    text = LiteralCache()
    decimal = LiteralCache(XSD.decimal)
    props = [getattr(K, p) for p in _INDICATORS]
    codes: dict[str, NamedNode] = {}
    for line, (code, mod, status, work, *indicators) in source.rows():
        if not code:
            raise source.error(line, "row has no hcpcs code")
        c = codes.get(code)
        if c is None:
            c = codes[code] = node(procedure_iri(code))
            yield Quad(c, RDF_TYPE, K.ProcedureCode, g)
            yield Quad(c, RDF_TYPE, SKOS.Concept, g)
            yield Quad(c, SKOS.notation, Literal(code), g)
            yield Quad(c, SKOS.inScheme, scheme_node(procedure_system(code)), g)
        e = NamedNode(entry_iri(code, mod))
        yield Quad(c, K.feeSchedule, e, g)
        yield Quad(e, RDF_TYPE, K.FeeScheduleEntry, g)
        if mod:
            yield Quad(e, K.withModifier, node(code_iri("MOD", mod)), g)
        for prop, value in zip(props, (status, *indicators)):
            if value:
                yield Quad(e, prop, text[value], g)
        if work:
            if not _DECIMAL.match(work):
                raise source.error(line, f"work_rvu {work!r} of {code} is not a number")
            yield Quad(e, K.workRVU, decimal[work], g)


MPFS_RVU = CodeSet(
    "mpfs", "Medicare Physician Fee Schedule RVU file", systems=("CPT", "HCPCS", "MOD"), columns=COLUMNS,
    quads=_quads, scheme="MPFS", file="MPFS relative value file (PPRRVU) as CSV",
    where="cms.gov → Medicare → Physician Fee Schedule → PFS Relative Value Files", weight=20,
    key=("hcpcs", "mod"))
"""The PPRRVU file; release ``RVU24C`` from a name with ``rvu24c``."""

load_mpfs = MPFS_RVU.load
