"""NCCI edits (CMS): procedure-to-procedure, medically unlikely, and add-on code edits.

Procedure-to-procedure (PTP) edits, two contexts side by side
    CMS publishes PTP edits once for practitioner claims and once for
    outpatient hospital claims. Each is a code set of its own, with its own
    graph and release node (``kg:context "practitioner"`` or ``"hospital"``):
    :data:`NCCI_PTP` (``ncci-ptp``, graph ``codeset/ncci-ptp``) and
    :data:`NCCI_PTP_HOSPITAL` (``ncci-ptp-hospital``). A file whose name
    says it is the other context's is refused, so that one never replaces
    the other by mistake. Queries over PTP edits pick a context
    (``kg query ncci-edits -p context=hospital``; practitioner by default).

    CMS's practitioner file has 1.67 million edits in force but only about
    two dozen kinds of edit: a modifier indicator ("0", "1" or "9") and a
    rationale. Each kind is a ``kg:NCCIEditRule``, a property
    ``https://w3id.org/codekg/ncci/ptp/rule/{indicator}/{rationale slug}``
    that is a sub-property of ``kg:includedIn`` and carries
    ``kg:modifierIndicator`` and ``kg:rationale``. An edit in force is then
    one triple, ``column2 <rule> column1``. (Six triples an edit, as an
    edit node with its columns, made the graph 10 million triples.) Deleted
    edits are skipped unless ``include_deleted``; then each is a
    ``kg:NCCIEdit`` node ``.../ptp/{context}/{column1}-{column2}/{deletion date}``
    with ``kg:column1``, ``kg:column2``, ``kg:modifierIndicator``,
    ``kg:rationale`` and ``kg:deletionDate``, and no rule triple, as it no
    longer bundles anything. Rows that repeat (column 1, column 2, deletion
    date) are written once (the first wins; CMS files are sorted by column 1,
    which is what the check relies on).

Medically unlikely edits (MUE), :data:`NCCI_MUE`, graph ``codeset/ncci-mue``
    A ``kg:MedicallyUnlikelyEdit`` node per code and service
    (``.../ncci/mue/practitioner/{code}``), linked from the code by ``kg:mue``,
    with ``kg:mueUnits``, ``kg:mueAdjudicationIndicator``, ``kg:mueRationale``
    and ``kg:mueService``.

Add-on code edits, :data:`NCCI_ADDON`, graph ``codeset/ncci-addon``
    ``addon kg:addOnTo primary`` for each listed pair, and on each add-on code
    ``kg:addOnCode true`` and its ``kg:addOnEditType``. A primary of
    ``CCCCC`` (CMS's "any primary code") gives no edge, only the flag.

Codes are CPT IRIs when they start with a digit, else HCPCS
(:func:`kg.codesets.terms.procedure_iri`).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> row = "77013,77012,,1,Misuse of Column Two code with Column One code\\n"
>>> for context in ("practitioner", "outpatient_hospital"):
...     _ = (folder / f"ncci_ptp_{context}_2024q3.csv").write_text(",".join(PTP_COLUMNS) + "\\n" + row)
>>> store = ox.Store()
>>> _ = load_ncci_ptp(store, folder / "ncci_ptp_practitioner_2024q3.csv", progress=False)
>>> _ = load_ncci_ptp_hospital(store, folder / "ncci_ptp_outpatient_hospital_2024q3.csv", progress=False)
>>> from kg.codesets import releases
>>> [(r["name"], r["context"], r["release"]) for r in releases(store)]
[('ncci-ptp', 'practitioner', '2024Q3'), ('ncci-ptp-hospital', 'hospital', '2024Q3')]
>>> load_ncci_ptp(store, folder / "ncci_ptp_outpatient_hospital_2024q3.csv", progress=False)
Traceback (most recent call last):
...
kg.errors.CodeSetError: ...ncci_ptp_outpatient_hospital_2024q3.csv: the file name says hospital edits, ...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import NamedNode, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.release import CHUNK, guess_release
from kg.codesets.terms import K, RDF_TYPE, RDFS, RDFS_LABEL, TRUE, XSD, LiteralCache, NodeCache, procedure_iri
from kg.errors import CodeSetError
from kg.to_rdf import Lit, nquads, slug
from kg.vocab import BASE

__all__ = ["ANY_PRIMARY", "CONTEXTS", "PTP", "MUE", "NCCI_ADDON", "NCCI_MUE", "NCCI_PTP", "NCCI_PTP_HOSPITAL",
           "load_ncci_addon", "load_ncci_mue", "load_ncci_ptp", "load_ncci_ptp_hospital", "mue_iri", "ptp_iri",
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


def ptp_iri(column1: str, column2: str, deletion_date: str = "", context: str = "practitioner") -> str:
    """The IRI of a deleted PTP edit's node in ``context`` (an edit in force is a triple, not a node).

    Examples
    --------
    >>> ptp_iri("77013", "77012", "2019-12-31")
    'https://w3id.org/codekg/ncci/ptp/practitioner/77013-77012/2019-12-31'
    >>> ptp_iri("77013", "77012", "2019-12-31", "hospital")
    'https://w3id.org/codekg/ncci/ptp/hospital/77013-77012/2019-12-31'
    """
    iri = f"{PTP}{context}/{_part(column1)}-{_part(column2)}"
    return f"{iri}/{deletion_date}" if deletion_date else iri


def ptp_rule_iri(modifier_indicator: str, rationale: str) -> str:
    """The IRI of the ``kg:NCCIEditRule`` property of PTP edits with this indicator and rationale.

    The rules are the same in both contexts: an edit's context is its graph.

    Examples
    --------
    >>> ptp_rule_iri("1", "Misuse of Column Two code with Column One code")
    'https://w3id.org/codekg/ncci/ptp/rule/1/misuse-of-column-two-code-with-column-one-code'
    """
    return f"{PTP}rule/{modifier_indicator}/{slug(rationale) if rationale else 'unspecified'}"


def mue_iri(code: str, service: str = "Practitioner") -> str:
    """The IRI of the MUE of ``code`` for claims of ``service`` (Practitioner, Outpatient Hospital, DME).

    Examples
    --------
    >>> mue_iri("77013")
    'https://w3id.org/codekg/ncci/mue/practitioner/77013'
    """
    return f"{MUE}{slug(service)}/{_part(code)}"


CONTEXTS = {"practitioner": ("practitioner", "prac"), "hospital": ("hospital", "outpatient", "hosp", "opps")}
"""PTP context -> words that name it in CMS's (and re-publishers') file names."""


def _check_context(source: Source) -> None:
    name = source.path.name.lower()
    want = source.codeset.context
    for context, words in CONTEXTS.items():
        if context != want and any(w in name for w in words) and not any(w in name for w in CONTEXTS[want]):
            other = next(cs for cs in (NCCI_PTP, NCCI_PTP_HOSPITAL) if cs.context == context)
            raise CodeSetError(f"{source.path}: the file name says {context} edits, but code set "
                               f"{source.codeset.name!r} holds the {want} ones; load it as {other.name!r} "
                               f"(kg codesets load --{other.name} FILE)")


_MODIFIER_MEANING = {"0": "no modifier allowed", "1": "modifier allowed", "9": "not applicable"}


def _ptp_nquads(source: Source, graph: str) -> Iterator[tuple[bytes, int]]:
    """The PTP graph as N-Quads text, in chunks of about :data:`CHUNK` quads.

    Written as text, not as pyoxigraph terms: 1.67 million edits are the
    biggest load kg does. Every IRI is built here from a percent-encoded
    code, and literals go through :func:`kg.to_rdf.nquads`. Without the
    deleted edits, a file :func:`_ptp_in_force` can take is made column by
    column; the rest, and a file with a wrong row, row by row.
    """
    include_deleted = bool(source.options.get("include_deleted"))
    if not include_deleted and (chunks := _ptp_in_force(source, graph)) is not None:
        yield from chunks
        return
    context = source.codeset.context
    path = source.path
    g = f"<{graph}> .\n"
    codes: dict[str, str] = {}
    rules: dict[tuple[str, str], str] = {}
    lines: list[str] = []
    count = 0
    column1, seen = "", set()
    for line, (c1, c2, deleted, mi, why) in source.rows():
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
            e = ptp_iri(c1, c2, deleted, context)
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
    rule_triples = _ptp_rule_triples(rules)
    if lines or rule_triples:
        yield "".join(lines).encode("utf-8") + nquads(graph, rule_triples), count + len(rule_triples)


def _ptp_rule_triples(rules: dict[tuple[str, str], str]) -> list[tuple]:
    """The triples that define each kind of edit (``(indicator, rationale) -> <its IRI>``), in order."""
    triples: list[tuple] = []
    for (mi, why), rule in sorted(rules.items()):
        r = rule[1:-1]
        triples += [
            (r, RDF_TYPE.value, K.NCCIEditRule.value),
            (r, RDFS.subPropertyOf.value, K.includedIn.value),
            (r, K.modifierIndicator.value, Lit(mi)),
            (r, RDFS_LABEL.value, Lit(f"NCCI PTP edit, {_MODIFIER_MEANING[mi]}: {why or 'no rationale given'}")),
        ]
        if why:
            triples.append((r, K.rationale.value, Lit(why)))
    return triples


def _ptp_in_force(source: Source, graph: str) -> Iterator[tuple[bytes, int]] | None:
    """What :func:`_ptp_nquads` yields for the edits in force, made column by column with pyarrow (the file read by
    :func:`kg.codesets.table.columns`, every row checked before the first chunk); None when the file must be read
    row by row: it is one :func:`~kg.codesets.table.columns` does not read, a row is wrong (which the row-by-row
    reading names, with its line), or the edits of a column 1 code are not together (what dropping repeats by
    column 1 runs relies on). The same bytes, in the same chunks (``tests/codesets/test_table.py``), most of the
    work outside the GIL: CMS's practitioner file (1.67 million edits in force) took 1.7-4.4 s so, 4.5-5.4 s row by
    row, in three runs side by side.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from kg.codesets.table import columns

    table = columns(source.path, PTP_COLUMNS)
    if table is None:
        return None
    in_force = pc.equal(table["deletion_date"], "")  # deleted edits are skipped
    table = table.drop_columns(["deletion_date"]).filter(in_force).combine_chunks()
    c1, c2, mi, why = (table[c].chunk(0) if table[c].num_chunks else pa.array([], pa.string())
                       for c in ("column_1", "column_2", "modifier_indicator", "ptp_edit_rationale"))
    n = len(c1)
    if n and (pc.any(pc.equal(c1, "")).as_py() or pc.any(pc.equal(c2, "")).as_py()
              or not pc.all(pc.is_in(mi, value_set=pa.array(sorted(_MODIFIER_INDICATORS))), min_count=0).as_py()):
        return None
    if n > 1:
        runs = 1 + pc.sum(pc.not_equal(c1.slice(1), c1.slice(0, n - 1))).as_py()
        if runs != pc.count_distinct(c1).as_py():
            return None
    codes = pc.unique(pa.concat_arrays([c1, c2]))
    i1, i2 = (pc.index_in(c, value_set=codes).to_numpy() for c in (c1, c2))
    _, firsts = np.unique(i1.astype(np.int64) * len(codes) + i2, return_index=True)
    if len(firsts) < n:  # a repeated edit: the first is kept, as row by row
        keep = np.sort(firsts)
        mi, why = (pc.take(a, pa.array(keep)) for a in (mi, why))
        i1, i2, n = i1[keep], i2[keep], len(keep)
    kinds = pc.binary_join_element_wise(mi, why, "")  # the indicator is one character: the rest is the rationale
    distinct = pc.unique(kinds)
    k = pc.index_in(kinds, value_set=distinct).to_numpy()
    rules = {(r[0], r[1:]): f"<{ptp_rule_iri(r[0], r[1:])}>" for r in distinct.to_pylist()}  # in distinct's order
    # large strings (64-bit offsets): a chunk's lines fit in one array however long its IRIs
    iris = pa.array([f"<{procedure_iri(c)}>" for c in codes.to_pylist()], pa.large_string())
    rule_iris = pa.array(list(rules.values()), pa.large_string())
    del table, in_force, c1, c2, mi, why, kinds, firsts  # a few bytes a row are left: chunks are made one at a time
    g, sep = pa.scalar(f"<{graph}> .\n", pa.large_string()), pa.scalar(" ", pa.large_string())
    rule_triples = _ptp_rule_triples(rules)
    rule_text, rule_count = nquads(graph, rule_triples), len(rule_triples)

    def lines(start: int, stop: int) -> bytes:
        b, a, r = (pa.array(x[start:stop]) for x in (i2, i1, k))
        return _joined(pc.binary_join_element_wise(pc.take(iris, b), pc.take(rule_iris, r), pc.take(iris, a), g, sep))

    def chunks() -> Iterator[tuple[bytes, int]]:
        start = 0
        while n - start >= CHUNK:  # as row by row: a full chunk goes as soon as it is full
            yield lines(start, start + CHUNK), CHUNK
            start += CHUNK
        if start < n or rule_count:
            yield lines(start, n) + rule_text, n - start + rule_count

    return chunks()


def _joined(strings) -> bytes:
    """The values of a pyarrow large-string array, one after another, as bytes (its data buffer, sliced)."""
    import numpy as np

    if not len(strings):
        return b""
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset:strings.offset + len(strings) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    return strings.buffers()[2].slice(start, end - start).to_pybytes()


def _ptp_release(source: Source) -> str:
    release = source.release or guess_release(source.path.name) or "unversioned"
    # the label says what the graph holds, and so the same file loaded both ways is not skipped
    return release + " with deleted edits" if source.options.get("include_deleted") else release


_PTP_WHERE = "cms.gov → Medicare → Coding → NCCI → PTP Coding Edits ({} file)"
_PTP_FILE = ("NCCI procedure-to-procedure edits for {} claims (column_1, column_2, deletion_date, "
             "modifier_indicator, ptp_edit_rationale; .csv or .csv.gz)")

NCCI_PTP = CodeSet(
    "ncci-ptp", "NCCI procedure-to-procedure edits, practitioner", systems=("CPT", "HCPCS"), columns=PTP_COLUMNS,
    nquads=_ptp_nquads, release=_ptp_release, scheme="NCCI", context="practitioner", options=("include_deleted",),
    check_file=_check_context,
    file=_PTP_FILE.format("practitioner"), where=_PTP_WHERE.format("practitioner"), weight=100)
"""NCCI PTP edits for practitioner claims: streamed, written in chunks (1.67 million edits in force).

``include_deleted=True`` also writes deleted edits (as nodes with a
``kg:deletionDate``, without the direct ``kg:includedIn`` triple); the
release label then ends in "with deleted edits". A bad row past the first
chunk leaves the graph incomplete (and unmarked, so the next load replaces it).
"""

NCCI_PTP_HOSPITAL = CodeSet(
    "ncci-ptp-hospital", "NCCI procedure-to-procedure edits, outpatient hospital", systems=("CPT", "HCPCS"),
    columns=PTP_COLUMNS, nquads=_ptp_nquads, release=_ptp_release, scheme="NCCI", context="hospital",
    options=("include_deleted",), check_file=_check_context, file=_PTP_FILE.format("outpatient hospital"),
    where=_PTP_WHERE.format("hospital outpatient"), weight=90)
"""NCCI PTP edits for outpatient hospital claims, beside the practitioner ones: the same format and options."""

load_ncci_ptp = NCCI_PTP.load
load_ncci_ptp_hospital = NCCI_PTP_HOSPITAL.load


def _mue_quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    integer = LiteralCache(XSD.integer)
    text = LiteralCache()
    for line, (code, units, mai, why, service) in source.rows():
        if not code:
            raise source.error(line, "row has no hcpcs_code")
        if not units.isdigit():
            raise source.error(line, f"mue_units {units!r} of {code} is not a whole number")
        e = NamedNode(mue_iri(code, service or "Practitioner"))
        yield Quad(NamedNode(procedure_iri(code)), K.mue, e, g)
        yield Quad(e, RDF_TYPE, K.MedicallyUnlikelyEdit, g)
        yield Quad(e, K.mueUnits, integer[str(int(units))], g)
        for prop, value in ((K.mueAdjudicationIndicator, mai), (K.mueRationale, why), (K.mueService, service)):
            if value:
                yield Quad(e, prop, text[value], g)


NCCI_MUE = CodeSet(
    "ncci-mue", "NCCI medically unlikely edits", systems=("CPT", "HCPCS"), columns=MUE_COLUMNS, quads=_mue_quads,
    scheme="NCCI", file="NCCI medically unlikely edits (hcpcs_code, mue_units, mue_mai, mue_rationale, mue_service)",
    where="cms.gov → Medicare → Coding → NCCI → Medically Unlikely Edits", weight=4,
    key=("hcpcs_code", "mue_service"))
"""NCCI MUEs: one node per code and service."""

load_ncci_mue = NCCI_MUE.load


def _addon_quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    codes = NodeCache(procedure_iri)
    text = LiteralCache()
    flagged: set[tuple[str, str]] = set()
    for line, (primary, addon, kind) in source.rows():
        if not primary or not addon:
            raise source.error(line, "row has no primary_code or add_on_code")
        a = codes[addon]
        if (addon, kind) not in flagged:
            flagged.add((addon, kind))
            yield Quad(a, K.addOnCode, TRUE, g)
            if kind:
                yield Quad(a, K.addOnEditType, text[kind], g)
        if primary.upper() != ANY_PRIMARY:
            yield Quad(a, K.addOnTo, codes[primary], g)


NCCI_ADDON = CodeSet(
    "ncci-addon", "NCCI add-on code edits", systems=("CPT", "HCPCS"), columns=ADDON_COLUMNS, quads=_addon_quads,
    scheme="NCCI", file="NCCI add-on code edits (primary_code, add_on_code, aoc_edit_type)",
    where="cms.gov → Medicare → Coding → NCCI → Add-on Code Edits", weight=3)
"""NCCI add-on code edits: ``addon kg:addOnTo primary``, and the add-on flags."""

load_ncci_addon = NCCI_ADDON.load
