"""NCCI edits (CMS): procedure-to-procedure, medically unlikely, and add-on code edits.

Procedure-to-procedure (PTP) edits, :func:`load_ncci_ptp`, graph ``codeset/ncci-ptp``
    An edit in force is written twice, like a briefing's edges: as the direct
    triple ``column2 kg:includedIn column1``, which queries walk, and as a
    ``kg:NCCIEdit`` node ``https://w3id.org/codekg/ncci/ptp/{column1}-{column2}``
    with ``kg:column1``, ``kg:column2``, ``kg:modifierIndicator`` ("0", "1" or
    "9") and ``kg:rationale``: six triples an edit, and nothing more, since the
    practitioner file has 1.67 million edits in force. Deleted edits are
    skipped unless ``include_deleted``; then each is a node
    ``.../ptp/{column1}-{column2}/{deletion date}`` with a ``kg:deletionDate``
    and no direct triple, as it no longer bundles anything. Rows that repeat
    (column 1, column 2, deletion date) are written once.

Medically unlikely edits (MUE), :func:`load_ncci_mue`, graph ``codeset/ncci-mue``
    A ``kg:MedicallyUnlikelyEdit`` node per code and service
    (``.../ncci/mue/practitioner/{code}``), linked from the code by ``kg:mue``,
    with ``kg:mueUnits``, ``kg:mueAdjudicationIndicator``, ``kg:mueRationale``
    and ``kg:mueService``.

Add-on code edits, :func:`load_ncci_addon`, graph ``codeset/ncci-addon``
    ``addon kg:addOnTo primary`` for each listed pair, and on each add-on code
    ``kg:addOnCode true`` and its ``kg:addOnEditType``. A primary of
    ``CCCCC`` (CMS's "any primary code") gives no edge, only the flag.

Codes are CPT IRIs when they start with a digit, else HCPCS
(:func:`kg.codesets.terms.procedure_iri`).

Examples
--------
>>> ptp_iri("77013", "77012"), ptp_iri("77013", "77012", "2019-12-31")
('https://w3id.org/codekg/ncci/ptp/77013-77012', 'https://w3id.org/codekg/ncci/ptp/77013-77012/2019-12-31')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import NamedNode, Quad

from kg.codesets.release import LoadReport, guess_release, load_release
from kg.codesets.table import rows
from kg.codesets.terms import K, RDF_TYPE, TRUE, XSD, LiteralCache, NodeCache, procedure_iri
from kg.errors import CodeSetError
from kg.to_rdf import slug
from kg.vocab import BASE

__all__ = ["ANY_PRIMARY", "PTP", "MUE", "load_ncci_addon", "load_ncci_mue", "load_ncci_ptp", "mue_iri", "ptp_iri"]

PTP = BASE + "ncci/ptp/"
"""Namespace of PTP edit nodes."""
MUE = BASE + "ncci/mue/"
"""Namespace of MUE nodes."""
ANY_PRIMARY = "CCCCC"
"""The add-on file's primary code meaning "any primary code"."""

PTP_COLUMNS = ("column_1", "column_2", "deletion_date", "modifier_indicator", "ptp_edit_rationale")
MUE_COLUMNS = ("hcpcs_code", "mue_units", "mue_mai", "mue_rationale", "mue_service")
ADDON_COLUMNS = ("primary_code", "add_on_code", "aoc_edit_type")

_MODIFIER_INDICATORS = frozenset({"0", "1", "9"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _part(code: str) -> str:
    return code if code.isalnum() else quote(code, safe=".-_")


def ptp_iri(column1: str, column2: str, deletion_date: str = "") -> str:
    """The IRI of a PTP edit node; a deleted edit's carries its deletion date."""
    iri = f"{PTP}{_part(column1)}-{_part(column2)}"
    return f"{iri}/{deletion_date}" if deletion_date else iri


def mue_iri(code: str, service: str = "Practitioner") -> str:
    """The IRI of the MUE of ``code`` for claims of ``service`` (Practitioner, Outpatient Hospital, DME)."""
    return f"{MUE}{slug(service)}/{_part(code)}"


def _ptp_quads(path: Path, g: ox.NamedNode, include_deleted: bool) -> Iterator[Quad]:
    codes = NodeCache(procedure_iri)
    text = LiteralCache()
    dates = LiteralCache(XSD.date)
    included_in, column1, column2 = K.includedIn, K.column1, K.column2
    modifier_indicator, rationale, deletion, edit_class = K.modifierIndicator, K.rationale, K.deletionDate, K.NCCIEdit
    seen: set[str] = set()
    for line, (c1, c2, deleted, mi, why) in rows(path, PTP_COLUMNS):
        if deleted and not include_deleted:
            continue
        key = f"{c1}\t{c2}\t{deleted}"
        if key in seen:
            continue
        seen.add(key)
        if not c1 or not c2:
            raise CodeSetError(f"{path}:{line}: edit has no column 1 or column 2 code")
        if mi not in _MODIFIER_INDICATORS:
            raise CodeSetError(f"{path}:{line}: modifier_indicator {mi!r} of {c1}/{c2} is not 0, 1 or 9")
        a, b = codes[c1], codes[c2]
        if deleted:
            if not _DATE.match(deleted):
                raise CodeSetError(f"{path}:{line}: deletion_date {deleted!r} of {c1}/{c2} is not YYYY-MM-DD")
            e = NamedNode(ptp_iri(c1, c2, deleted))
            yield Quad(e, deletion, dates[deleted], g)
        else:
            e = NamedNode(ptp_iri(c1, c2))
            yield Quad(b, included_in, a, g)
        yield Quad(e, RDF_TYPE, edit_class, g)
        yield Quad(e, column1, a, g)
        yield Quad(e, column2, b, g)
        yield Quad(e, modifier_indicator, text[mi], g)
        if why:
            yield Quad(e, rationale, text[why], g)


def load_ncci_ptp(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
                  progress: bool | None = None, include_deleted: bool = False) -> LoadReport:
    """Load NCCI procedure-to-procedure edits into graph ``codeset/ncci-ptp``.

    Streams the file (``.csv`` or ``.csv.gz``) and writes in chunks, so the
    1.67 million edits in force of a practitioner file load in bounded memory.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        CSV with columns ``column_1, column_2, deletion_date, modifier_indicator,
        ptp_edit_rationale``; an empty ``deletion_date`` means in force.
    release : str, optional
        The release label; by default read from the file name (``2024q3`` -> ``"2024Q3"``).
    progress : bool, optional
        Progress bars; by default only on a terminal.
    include_deleted : bool
        Also write deleted edits (as nodes with a ``kg:deletionDate``, without
        the direct ``kg:includedIn`` triple); the release label then ends in
        "with deleted edits".

    Raises
    ------
    CodeSetError
        If a column is missing, or a row is short or has a bad modifier
        indicator or date (``file:line: ...``). A bad row past the first
        chunk leaves the graph incomplete (and unmarked, so the next load
        replaces it).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "ncci_ptp_practitioner_2024q3.csv"
    >>> _ = path.write_text(",".join(PTP_COLUMNS) + "\\n"
    ...                     "77013,77012,,1,Misuse of Column Two code with Column One code\\n"
    ...                     "77013,76940,2019-12-31,1,Misuse of Column Two code with Column One code\\n")
    >>> store = ox.Store()
    >>> r = load_ncci_ptp(store, path, progress=False)
    >>> r.release, r.triples
    ('2024Q3', 6)
    """
    path = Path(path)
    release = release or guess_release(path.name) or "unversioned"
    if include_deleted:
        # the label says what the graph holds, and so the same file loaded both ways is not skipped
        release += " with deleted edits"
    return load_release(store, name="ncci-ptp", system="NCCI", path=path, release=release,
                        quads=lambda g: _ptp_quads(path, g, include_deleted),
                        label="NCCI procedure-to-procedure edits", progress=progress)


def _mue_quads(path: Path, g: ox.NamedNode) -> Iterator[Quad]:
    integer = LiteralCache(XSD.integer)
    text = LiteralCache()
    for line, (code, units, mai, why, service) in rows(path, MUE_COLUMNS):
        if not code:
            raise CodeSetError(f"{path}:{line}: row has no hcpcs_code")
        if not units.isdigit():
            raise CodeSetError(f"{path}:{line}: mue_units {units!r} of {code} is not a whole number")
        e = NamedNode(mue_iri(code, service or "Practitioner"))
        yield Quad(NamedNode(procedure_iri(code)), K.mue, e, g)
        yield Quad(e, RDF_TYPE, K.MedicallyUnlikelyEdit, g)
        yield Quad(e, K.mueUnits, integer[str(int(units))], g)
        for prop, value in ((K.mueAdjudicationIndicator, mai), (K.mueRationale, why), (K.mueService, service)):
            if value:
                yield Quad(e, prop, text[value], g)


def load_ncci_mue(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
                  progress: bool | None = None) -> LoadReport:
    """Load NCCI medically unlikely edits into graph ``codeset/ncci-mue``.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        CSV with columns ``hcpcs_code, mue_units, mue_mai, mue_rationale, mue_service``.
    release : str, optional
        The release label; by default read from the file name.
    progress : bool, optional
        Progress bars; by default only on a terminal.
    """
    path = Path(path)
    return load_release(store, name="ncci-mue", system="NCCI", path=path, release=release,
                        quads=lambda g: _mue_quads(path, g), label="NCCI medically unlikely edits",
                        progress=progress)


def _addon_quads(path: Path, g: ox.NamedNode) -> Iterator[Quad]:
    codes = NodeCache(procedure_iri)
    text = LiteralCache()
    flagged: set[tuple[str, str]] = set()
    for line, (primary, addon, kind) in rows(path, ADDON_COLUMNS):
        if not primary or not addon:
            raise CodeSetError(f"{path}:{line}: row has no primary_code or add_on_code")
        a = codes[addon]
        if (addon, kind) not in flagged:
            flagged.add((addon, kind))
            yield Quad(a, K.addOnCode, TRUE, g)
            if kind:
                yield Quad(a, K.addOnEditType, text[kind], g)
        if primary.upper() != ANY_PRIMARY:
            yield Quad(a, K.addOnTo, codes[primary], g)


def load_ncci_addon(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
                    progress: bool | None = None) -> LoadReport:
    """Load NCCI add-on code edits into graph ``codeset/ncci-addon``.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        CSV with columns ``primary_code, add_on_code, aoc_edit_type``.
    release : str, optional
        The release label; by default read from the file name (``2024-06``).
    progress : bool, optional
        Progress bars; by default only on a terminal.
    """
    path = Path(path)
    return load_release(store, name="ncci-addon", system="NCCI", path=path, release=release,
                        quads=lambda g: _addon_quads(path, g), label="NCCI add-on code edits", progress=progress)
