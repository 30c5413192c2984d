"""NCCI edits (CMS): procedure-to-procedure, medically unlikely, and add-on code edits.

Procedure-to-procedure (PTP) edits, :func:`load_ncci_ptp`, graph ``codeset/ncci-ptp``
    CMS's practitioner file has 1.67 million edits in force but only about
    two dozen kinds of edit: a modifier indicator ("0", "1" or "9") and a
    rationale. Each kind is a ``kg:NCCIEditRule``, a property
    ``https://w3id.org/codekg/ncci/ptp/rule/{indicator}/{rationale slug}``
    that is a sub-property of ``kg:includedIn`` and carries
    ``kg:modifierIndicator`` and ``kg:rationale``. An edit in force is then
    one triple, ``column2 <rule> column1``. (Six triples an edit, as an
    edit node with its columns, made the graph 10 million triples.) Deleted
    edits are skipped unless ``include_deleted``; then each is a
    ``kg:NCCIEdit`` node ``.../ptp/{column1}-{column2}/{deletion date}``
    with ``kg:column1``, ``kg:column2``, ``kg:modifierIndicator``,
    ``kg:rationale`` and ``kg:deletionDate``, and no rule triple, as it no
    longer bundles anything. Rows that repeat (column 1, column 2, deletion
    date) are written once (the first wins; CMS files are sorted by column 1,
    which is what the check relies on).

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
>>> ptp_iri("77013", "77012", "2019-12-31")
'https://w3id.org/codekg/ncci/ptp/77013-77012/2019-12-31'
>>> ptp_rule_iri("1", "Misuse of Column Two code with Column One code")
'https://w3id.org/codekg/ncci/ptp/rule/1/misuse-of-column-two-code-with-column-one-code'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import NamedNode, Quad

from kg.codesets.release import CHUNK, LoadReport, guess_release, load_release
from kg.codesets.table import rows
from kg.codesets.terms import K, RDF_TYPE, RDFS, RDFS_LABEL, TRUE, XSD, LiteralCache, NodeCache, procedure_iri
from kg.errors import CodeSetError
from kg.to_rdf import Lit, nquads, slug
from kg.vocab import BASE

__all__ = ["ANY_PRIMARY", "PTP", "MUE", "load_ncci_addon", "load_ncci_mue", "load_ncci_ptp", "mue_iri", "ptp_iri",
           "ptp_rule_iri"]

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
    """The IRI of a deleted PTP edit's node (an edit in force is a triple, not a node)."""
    iri = f"{PTP}{_part(column1)}-{_part(column2)}"
    return f"{iri}/{deletion_date}" if deletion_date else iri


def ptp_rule_iri(modifier_indicator: str, rationale: str) -> str:
    """The IRI of the ``kg:NCCIEditRule`` property of PTP edits with this indicator and rationale."""
    return f"{PTP}rule/{modifier_indicator}/{slug(rationale) if rationale else 'unspecified'}"


def mue_iri(code: str, service: str = "Practitioner") -> str:
    """The IRI of the MUE of ``code`` for claims of ``service`` (Practitioner, Outpatient Hospital, DME)."""
    return f"{MUE}{slug(service)}/{_part(code)}"


_MODIFIER_MEANING = {"0": "no modifier allowed", "1": "modifier allowed", "9": "not applicable"}


def _ptp_nquads(path: Path, graph: str, include_deleted: bool) -> Iterator[tuple[bytes, int]]:
    """The PTP graph as N-Quads text, in chunks of about :data:`CHUNK` quads.

    Written as text, not as pyoxigraph terms: 1.67 million edits are the
    biggest load kg does. Every IRI is built here from a percent-encoded
    code, and literals go through :func:`kg.to_rdf.nquads`.
    """
    g = f"<{graph}> .\n"
    codes: dict[str, str] = {}
    rules: dict[tuple[str, str], str] = {}
    lines: list[str] = []
    count = 0
    column1, seen = "", set()
    for line, (c1, c2, deleted, mi, why) in rows(path, PTP_COLUMNS):
        if deleted and not include_deleted:
            continue
        if not c1 or not c2:
            raise CodeSetError(f"{path}:{line}: edit has no column 1 or column 2 code")
        if mi not in _MODIFIER_INDICATORS:
            raise CodeSetError(f"{path}:{line}: modifier_indicator {mi!r} of {c1}/{c2} is not 0, 1 or 9")
        if c1 != column1:
            column1, seen = c1, set()
        if (c2, deleted) in seen:
            continue
        seen.add((c2, deleted))
        a = codes.get(c1) or codes.setdefault(c1, f"<{procedure_iri(c1)}>")
        b = codes.get(c2) or codes.setdefault(c2, f"<{procedure_iri(c2)}>")
        if deleted:
            if not _DATE.match(deleted):
                raise CodeSetError(f"{path}:{line}: deletion_date {deleted!r} of {c1}/{c2} is not YYYY-MM-DD")
            e = ptp_iri(c1, c2, deleted)
            triples = [(e, RDF_TYPE.value, K.NCCIEdit.value), (e, K.column1.value, a[1:-1]),
                       (e, K.column2.value, b[1:-1]), (e, K.modifierIndicator.value, Lit(mi)),
                       (e, K.deletionDate.value, Lit(deleted, XSD.date.value))]
            if why:
                triples.append((e, K.rationale.value, Lit(why)))
            lines.append(nquads(graph, triples).decode("utf-8"))
            count += len(triples)
        else:
            rule = rules.get((mi, why))
            if rule is None:
                rule = rules[(mi, why)] = f"<{ptp_rule_iri(mi, why)}>"
            lines.append(f"{b} {rule} {a} {g}")
            count += 1
        if count >= CHUNK:
            yield "".join(lines).encode("utf-8"), count
            lines, count = [], 0
    rule_triples = []
    for (mi, why), rule in sorted(rules.items()):
        r = rule[1:-1]
        rule_triples += [
            (r, RDF_TYPE.value, K.NCCIEditRule.value),
            (r, RDFS.subPropertyOf.value, K.includedIn.value),
            (r, K.modifierIndicator.value, Lit(mi)),
            (r, RDFS_LABEL.value, Lit(f"NCCI PTP edit, {_MODIFIER_MEANING[mi]}: {why or 'no rationale given'}")),
        ]
        if why:
            rule_triples.append((r, K.rationale.value, Lit(why)))
    if lines or rule_triples:
        yield "".join(lines).encode("utf-8") + nquads(graph, rule_triples), count + len(rule_triples)


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
    >>> r.release, r.triples  # one edit in force, and its rule
    ('2024Q3', 6)
    """
    path = Path(path)
    release = release or guess_release(path.name) or "unversioned"
    if include_deleted:
        # the label says what the graph holds, and so the same file loaded both ways is not skipped
        release += " with deleted edits"
    return load_release(store, name="ncci-ptp", system="NCCI", path=path, release=release,
                        nquads=lambda g: _ptp_nquads(path, g, include_deleted),
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
