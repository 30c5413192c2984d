"""Loading one release of an official code set beside the others, and making it current atomically.

Every code set (:class:`kg.codesets.codeset.CodeSet`) hands
:func:`load_release` the quads of one file; this module owns what all loads
share. Where releases live and which is current is :mod:`kg.codesets.catalog`:
each release has its own graph ``codeset/{name}/{release slug}/{sha256[:12]}``,
whose IRI is also its release node (code systems, release label, context,
file name, SHA-256, triple count, load time, ``kg:validFrom`` when the label
gives it).

A load goes:

1. the file's SHA-256; a complete release graph of the same set, label,
   context and bytes already loaded makes the load a no-op (``skipped``);
2. leftovers of killed loads and drops of this set are removed
   (:func:`kg.codesets.catalog.clean`);
3. the first chunk of quads is made: a wrong header fails here, before
   anything is written;
4. the pending release node (label, file, ``kg:codeSet``; no type, no
   SHA-256) is written in one small transaction, then the quads, chunk by
   chunk, with the store's bulk loader (:class:`kg.bulk.BulkWriter`), so that
   millions of quads never sit in memory at once. Readers do not see the
   graph: it has no ``a kg:CodeSetRelease``;
5. one SPARQL update (one transaction, :func:`kg.codesets.catalog.swap`)
   writes its SHA-256 and type: the new release becomes current (the old
   current one becomes ``kg:SupersededRelease``), unless a release with a
   later :func:`~kg.codesets.catalog.valid_from` is current, when the new one
   is written superseded. A release of the same label (other bytes) is doomed
   in that same transaction; so are all others with ``drop_old``;
6. the doomed graphs are removed, quad by quad.

A kill at any step leaves the old release current and whole (steps 1-5) or
the new one (step 6), and the store opens; the next load of the set removes
the leftover graph of a killed step (2) and writes its release whole.

Examples
--------
>>> guess_release("ncci_ptp_practitioner_2024q3.csv.gz"), guess_release("hcpcs_level2_2025oct.csv")
('2024Q3', '2025-10')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.codesets.catalog import (CODESET, _drop_graph, clean, graph_iri, keep_only, releases, releases_table,
                               swap, valid_from)
from kg.errors import CodeSetError
from kg.stats import record_graphs
from kg.to_rdf import node
from kg.vocab import KG

__all__ = ["CODESET", "CHUNK", "LoadReport", "NQuadsChunks", "graph_iri", "file_sha256", "guess_release", "load_release",
           "releases", "releases_table"]

CHUNK = 250_000
"""Quads per bulk load: bounds the memory a load needs (:data:`WRITERS` loads at a time, as many waiting)."""

WRITERS = 2
"""Bulk loads a code set runs at a time (:class:`kg.bulk.BulkWriter` threads). One bulk load keeps about one core busy;
the NCCI practitioner edits took 10.5 s in chunks of 250,000 two at a time, 16.8 s in chunks of 500,000 one at a
time, with a lower peak (1.2 GB, 1.3 GB), and the bench's six code sets 23-27 s rather than 34-38 s (Session 12).
A briefing build's writer stays one: its worker processes keep both cores busy already."""

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RDFS_LABEL = node("http://www.w3.org/2000/01/rdf-schema#label")
_PROV_TIME = node("http://www.w3.org/ns/prov#generatedAtTime")


@dataclass(frozen=True)
class LoadReport:
    """What one code-set load did.

    ``triples`` is the number of triples written (or, when ``skipped``, the
    number the release already loaded holds); ``seconds`` is wall time.

    Examples
    --------
    >>> import tempfile
    >>> import pyoxigraph as ox
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "pos_2025-01.csv"
    >>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n22,facility,On Campus-Outpatient Hospital,"
    ...                     "A portion of a hospital's main campus\\n")
    >>> store = ox.Store()
    >>> report = CODESETS["pos"].load(store, path, progress=False)
    >>> report.name, report.release, report.triples, report.skipped
    ('pos', '2025-01', 8, False)
    >>> CODESETS["pos"].load(store, path, progress=False).skipped  # same bytes: nothing to do
    True
    """

    name: str
    graph: str
    release: str
    triples: int
    seconds: float
    skipped: bool = False
    source_file: str = ""
    sha256: str = ""
    context: str = ""


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, in hex, read in blocks.

    Raises
    ------
    CodeSetError
        If the file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "empty.csv"
    >>> _ = path.write_bytes(b"")
    >>> file_sha256(path)[:12]
    'e3b0c44298fc'
    """
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as err:
        raise CodeSetError(f"{path}: cannot read the code-set file: {err.strerror or err}") from err
    return h.hexdigest()


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"


def guess_release(file_name: str) -> str | None:
    """A release label read from an official file's name, or None.

    CMS and CDC put the release in their file names in a few ways; the
    first that matches wins.

    Examples
    --------
    >>> guess_release("mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv")
    'RVU24C'
    >>> guess_release("icd10c-tabular-April-1-2026.xml")
    '2026-04-01'
    >>> guess_release("ncci_addon_code_edits_2024-06.csv")
    '2024-06'
    >>> guess_release("modifiers_cpt_hcpcs_northstar_2024.csv")
    '2024'
    >>> guess_release("place_of_service_codes_cms.csv") is None
    True
    """
    name = file_name.lower()
    if m := re.search(r"rvu(\d\d)([a-z])", name):
        return f"RVU{m.group(1)}{m.group(2).upper()}"
    if m := re.search(r"(?<!\d)(\d{4})[-_]?q([1-4])(?!\d)", name):
        return f"{m.group(1)}Q{m.group(2)}"
    if m := re.search(_MONTH + r"[-_ ](\d{1,2})[-_ ,]+(\d{4})", name):
        return f"{m.group(3)}-{_MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}"
    if m := re.search(r"(?<!\d)(\d{4})[-_]?" + _MONTH, name):
        return f"{m.group(1)}-{_MONTHS[m.group(2)]:02d}"
    if m := re.search(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)", name):
        return m.group(0)
    if m := re.search(r"(?<!\d)(19|20)(\d\d)(?!\d)", name):
        return m.group(0)
    return None


def _bar(progress: bool | None, **kwargs):
    from tqdm import tqdm

    return tqdm(disable=None if progress is None else not progress, leave=False, **kwargs)


NQuadsChunks = Callable[[str], Iterator[tuple[bytes, int]]]
"""Given the graph IRI, yields chunks of N-Quads text in that graph, each with its quad count."""


def load_release(
    store: ox.Store,
    *,
    name: str,
    system: str | Iterable[str],
    path: str | os.PathLike,
    release: str | Callable[[], str] | None,
    label: str,
    quads: Callable[[ox.NamedNode], Iterator[ox.Quad]] | None = None,
    nquads: NQuadsChunks | None = None,
    progress: bool | None = None,
    context: str | None = None,
    drop_old: bool = False,
) -> LoadReport:
    """Load one code-set file as a release graph of code set ``name`` (see the module's steps).

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    name : str
        The code set's key in :data:`kg.codesets.CODESETS`; it names the graph.
    system : str or iterable of str
        Name(s) of the ``kg`` concept scheme(s) the release belongs to (``"NUCC"``).
    path : path-like
        The official file; its name and SHA-256 are recorded.
    release : str or callable, optional
        The release label, or a function that returns it (called only when
        the file is loaded, not skipped); by default :func:`guess_release`
        of the file name, else ``"unversioned"``.
    label : str
        A human name of the code set ("NUCC Health Care Provider Taxonomy").
    quads : callable, optional
        Called with the graph node; returns an iterator of the release's
        quads, all in that graph. It should check the file's header before
        yielding, so that a wrong file fails before anything is written.
    nquads : callable, optional
        Instead of ``quads``, for big files: called with the graph IRI, yields
        chunks of N-Quads text (about :data:`CHUNK` quads each) with their
        quad counts. Nothing is parsed into Python terms, and each chunk is
        written while the next is made.
    progress : bool, optional
        Progress bars on stderr; by default only on a terminal.
    context : str, optional
        Where the release applies, for a code set published once per claim
        setting (NCCI PTP: ``"practitioner"`` or ``"hospital"``); written as
        the release node's ``kg:context``.
    drop_old : bool
        Remove every other release of the set once this one is in.

    Returns
    -------
    LoadReport
        ``skipped`` is True when the same file (by SHA-256) is already
        loaded with the same release label (a callable label is not
        compared) and context; ``graph`` is the release's graph.

    Raises
    ------
    CodeSetError
        For a missing or bad file (``file:line: ...``): what was loaded stays
        as it was, the release that was current stays current.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets.terms import K, RDF_TYPE
    >>> path = Path(tempfile.mkdtemp()) / "sites_2025.csv"
    >>> _ = path.write_text("11\\n")
    >>> site = ox.NamedNode("https://w3id.org/codekg/pos/11")
    >>> quads = lambda g: iter([ox.Quad(site, RDF_TYPE, K.SiteOfService, g)])
    >>> store = ox.Store()
    >>> load_release(store, name="demo", system="POS", path=path, release=None, label="Demo",
    ...              quads=quads, progress=False).release
    '2025'
    >>> load_release(store, name="demo", system="POS", path=path, release=None, label="Demo",
    ...              quads=quads, progress=False).skipped
    True
    """
    from kg.bulk import BulkWriter

    if (quads is None) == (nquads is None):
        raise TypeError("give exactly one of quads and nquads")
    start = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise CodeSetError(f"{path}: no such code-set file")
    digest = file_sha256(path)
    if not callable(release):
        release = release or guess_release(path.name) or "unversioned"
    complete = {r["graph"]: r for r in releases(store, everything=True) if r["name"] == name}
    for r in complete.values():
        if r["sha256"] == digest and (callable(release) or r["release"] == release) \
                and r["context"] == (context or ""):
            current = next((c for c in complete.values() if c["state"] == "current"), None)
            promote = r["state"] == "superseded" and (drop_old or current is None or (
                valid_from(current["release"]) or "") <= (valid_from(r["release"]) or "9999"))
            clean(store, name)  # what a killed load or removal left
            if drop_old:
                keep_only(store, name, r["graph"])
            elif promote:  # loaded again, and no newer release is current: current again, nothing rewritten
                swap(store, current=r["graph"], set_name=name)
            return LoadReport(name, r["graph"], r["release"], int(r["triples"] or 0), time.perf_counter() - start,
                              not promote, path.name, digest, r["context"])
    if callable(release):
        release = release() or "unversioned"
    clean(store, name)
    iri = graph_iri(name, release, digest)
    g = node(iri)
    if nquads is not None:
        chunks = nquads(iri)
    else:
        it = quads(g)
        chunks = ((ox.serialize(c, format=ox.RdfFormat.N_QUADS), len(c))
                  for c in iter(lambda: list(itertools.islice(it, CHUNK)), []))
    first = next(chunks, None)  # a wrong file fails here, before anything is written
    systems = [system] if isinstance(system, str) else list(system)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    since = valid_from(release)
    store.extend([  # the pending release node: a killed load leaves a graph clean() can find
        ox.Quad(g, node(str(KG.codeSet)), node(graph_iri(name)), g),
        ox.Quad(g, _RDFS_LABEL, ox.Literal(f"{label} {release}"), g),
        *(ox.Quad(g, node(str(KG.codeSystem)), node(str(KG[s])), g) for s in systems),
        ox.Quad(g, node(str(KG.release)), ox.Literal(release), g),
        *([ox.Quad(g, node(str(KG.context)), ox.Literal(context), g)] if context else []),
        *([ox.Quad(g, node(str(KG.validFrom)), ox.Literal(since, datatype=node(_XSD + "date")), g)] if since else []),
        ox.Quad(g, node(str(KG.sourceFile)), ox.Literal(path.name), g),
        ox.Quad(g, _PROV_TIME, ox.Literal(now.isoformat(), datatype=node(_XSD + "dateTime")), g),
    ])
    written = 0
    try:
        with _bar(progress, desc=f"load {name}", unit="quad", unit_scale=True) as bar, \
                BulkWriter(store, threads=WRITERS) as writer:
            for data, n in itertools.chain([first] if first else [], chunks):
                writer.put(data)
                written += n
                bar.update(n)
    except BaseException:  # a bad row deep in a big file: the release that was current stays so, alone
        clean(store, name)
        raise
    store.add(ox.Quad(g, node(str(KG.tripleCount)), ox.Literal(str(written), datatype=node(_XSD + "integer")), g))
    doomed = [r["graph"] for r in complete.values() if drop_old or r["release"] == release]
    current = next((r for r in complete.values() if r["state"] == "current" and r["graph"] not in doomed), None)
    newest = current is None or (valid_from(current["release"]) or "") <= (since or "9999")
    swap(store, doomed=doomed, complete={iri: digest}, current=iri if newest else None,
         superseded=() if newest else [iri], set_name=name)
    store.flush()
    for old in doomed:
        _drop_graph(store, node(old))
    record_graphs(store, [iri])  # the statistics kept in the store (kg.stats); it notices the dropped graphs itself
    store.flush()
    return LoadReport(name, iri, release, written, time.perf_counter() - start, False, path.name, digest,
                      context or "")

