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
>>> entry_iri("77013", "26"), entry_iri("77013", "")
('https://w3id.org/codekg/mpfs/77013-26', 'https://w3id.org/codekg/mpfs/77013')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from kg.codesets.release import LoadReport, load_release
from kg.codesets.table import rows
from kg.codesets.terms import K, RDF_TYPE, SKOS, XSD, LiteralCache, procedure_iri, procedure_system, scheme_node
from kg.errors import CodeSetError
from kg.to_rdf import node
from kg.vocab import BASE, code_iri

__all__ = ["MPFS", "COLUMNS", "entry_iri", "load_mpfs"]

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
    """The IRI of the fee schedule row for ``code`` with ``modifier`` (``""`` for the global row)."""
    tail = f"{code}-{modifier}" if modifier else code
    return MPFS + quote(tail, safe=".-_")


def _quads(path: Path, g: ox.NamedNode) -> Iterator[Quad]:
    text = LiteralCache()
    decimal = LiteralCache(XSD.decimal)
    props = [getattr(K, p) for p in _INDICATORS]
    codes: dict[str, NamedNode] = {}
    for line, (code, mod, status, work, *indicators) in rows(path, COLUMNS):
        if not code:
            raise CodeSetError(f"{path}:{line}: row has no hcpcs code")
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
                raise CodeSetError(f"{path}:{line}: work_rvu {work!r} of {code} is not a number")
            yield Quad(e, K.workRVU, decimal[work], g)


def load_mpfs(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
              progress: bool | None = None) -> LoadReport:
    """Load a PPRRVU file into graph ``codeset/mpfs``, replacing an older release.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        The PPRRVU CSV, with at least the columns in :data:`COLUMNS`.
    release : str, optional
        The release label; by default read from the file name (``rvu24c`` -> ``"RVU24C"``).
    progress : bool, optional
        Progress bars; by default only on a terminal.

    Raises
    ------
    CodeSetError
        If a column is missing, a row is short or a work RVU is not a number.

    Examples
    --------
    >>> import tempfile
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
    path = Path(path)
    return load_release(store, name="mpfs", system="MPFS", path=path, release=release,
                        quads=lambda g: _quads(path, g), label="Medicare Physician Fee Schedule RVU file",
                        progress=progress)
