"""Loading one release of an official code set into its own named graph.

Every code set (:class:`kg.codesets.codeset.CodeSet`) hands
:func:`load_release` the quads of one file; this module owns the release
bookkeeping common to all of them:

* the graph IRI, ``https://w3id.org/codekg/codeset/{name}``, which is also
  the IRI of the ``kg:CodeSetRelease`` node that describes the load (code
  system, release label, context, file name, SHA-256, triple count, load time);
* skipping a file whose SHA-256 is the one already loaded (unless it is
  loaded under another release label or context: they say what the graph holds);
* replacing the graph when the file differs (a newer release), writing in
  chunks with the store's bulk loader (:class:`kg.bulk.BulkWriter`) so that
  millions of quads never sit in memory at once.

The release node's ``kg:sha256`` is written last and removed first. A load
that is interrupted, or that meets a bad row half-way through a big file,
therefore leaves a graph without it, and the next load replaces that graph
instead of skipping it. A file that is bad within its first
:data:`CHUNK` quads (a wrong header, most often) is found before anything is
removed, so the release already loaded stays.

Examples
--------
>>> graph_iri("nucc")
'https://w3id.org/codekg/codeset/nucc'
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

from kg.errors import CodeSetError
from kg.stats import record_graphs
from kg.to_rdf import node
from kg.vocab import BASE, KG, PREFIXES

__all__ = ["CODESET", "CHUNK", "LoadReport", "NQuadsChunks", "graph_iri", "file_sha256", "guess_release", "load_release",
           "releases"]

CODESET = BASE + "codeset/"
"""Namespace of code-set graphs (and of their release nodes)."""

CHUNK = 500_000
"""Quads per bulk load: bounds the memory a load needs."""

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RDFS_LABEL = node("http://www.w3.org/2000/01/rdf-schema#label")
_PROV_TIME = node("http://www.w3.org/ns/prov#generatedAtTime")
_SHA = node(str(KG.sha256))


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


def graph_iri(name: str) -> str:
    """The IRI of code set ``name``'s graph and of its ``kg:CodeSetRelease`` node.

    Examples
    --------
    >>> graph_iri("ncci-ptp-hospital")
    'https://w3id.org/codekg/codeset/ncci-ptp-hospital'
    """
    return CODESET + name


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


def _loaded(store: ox.Store, g: ox.NamedNode) -> tuple[str | None, str, int, str]:
    """(sha256, release, triple count, context) of what graph ``g`` holds; sha256 None if incomplete."""
    def value(prop: ox.NamedNode) -> str:
        q = next(store.quads_for_pattern(g, prop, None, g), None)
        return q.object.value if q else ""

    sha = value(_SHA)
    return sha or None, value(node(str(KG.release))), int(value(node(str(KG.tripleCount))) or 0), \
        value(node(str(KG.context)))


def _bar(progress: bool | None, **kwargs):
    from tqdm import tqdm

    return tqdm(disable=None if progress is None else not progress, leave=False, **kwargs)


def _drop(store: ox.Store, g: ox.NamedNode, expected: int, progress: bool | None) -> None:
    """Remove graph ``g``, its release marker first.

    Quad by quad from one snapshot rather than :meth:`~pyoxigraph.Store.remove_graph`:
    that is a single transaction, whose time and memory grow faster than the
    graph (minutes and gigabytes for the NCCI edits).
    """
    for q in list(store.quads_for_pattern(g, _SHA, None, g)):
        store.remove(q)
    with _bar(progress, total=expected or None, desc=f"remove {g.value.rsplit('/', 1)[-1]}", unit="quad",
              unit_scale=True, miniters=10_000) as bar:
        for q in store.quads_for_pattern(None, None, None, g):
            store.remove(q)
            bar.update()
    store.remove_graph(g)


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
) -> LoadReport:
    """Load one code-set file into graph :func:`graph_iri` ``(name)``.

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
        yielding, so that a wrong file fails before the old graph is removed.
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

    Returns
    -------
    LoadReport
        ``skipped`` is True when the same file (by SHA-256) was already
        loaded with the same release label (a callable label is not
        compared) and context.

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
    iri = graph_iri(name)
    g = node(iri)
    loaded_sha, loaded_release, loaded_n, loaded_context = _loaded(store, g)
    if not callable(release):
        release = release or guess_release(path.name) or "unversioned"
    if loaded_sha == digest and (callable(release) or release == loaded_release) and loaded_context == (context or ""):
        return LoadReport(name, iri, loaded_release, loaded_n, time.perf_counter() - start, True, path.name, digest,
                          loaded_context)
    if callable(release):
        release = release() or "unversioned"

    if nquads is not None:
        chunks = nquads(iri)
    else:
        it = quads(g)
        chunks = ((ox.serialize(c, format=ox.RdfFormat.N_QUADS), len(c))
                  for c in iter(lambda: list(itertools.islice(it, CHUNK)), []))
    first = next(chunks, None)  # a wrong file fails here, before the release loaded is removed
    if store.contains_named_graph(g):
        _drop(store, g, loaded_n, progress)
    written = 0
    with _bar(progress, desc=f"load {name}", unit="quad", unit_scale=True) as bar, BulkWriter(store) as writer:
        for data, n in itertools.chain([first] if first else [], chunks):
            writer.put(data)
            written += n
            bar.update(n)
    systems = [system] if isinstance(system, str) else list(system)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    meta = [
        ox.Quad(g, _RDF_TYPE, node(str(KG.CodeSetRelease)), g),
        ox.Quad(g, _RDFS_LABEL, ox.Literal(f"{label} {release}"), g),
        *(ox.Quad(g, node(str(KG.codeSystem)), node(str(KG[s])), g) for s in systems),
        ox.Quad(g, node(str(KG.release)), ox.Literal(release), g),
        *([ox.Quad(g, node(str(KG.context)), ox.Literal(context), g)] if context else []),
        ox.Quad(g, node(str(KG.sourceFile)), ox.Literal(path.name), g),
        ox.Quad(g, node(str(KG.tripleCount)), ox.Literal(str(written), datatype=node(_XSD + "integer")), g),
        ox.Quad(g, _PROV_TIME, ox.Literal(now.isoformat(), datatype=node(_XSD + "dateTime")), g),
    ]
    store.extend(meta)
    store.add(ox.Quad(g, _SHA, ox.Literal(digest), g))
    record_graphs(store, [iri])  # the statistics kept in the store (kg.stats)
    store.flush()
    return LoadReport(name, iri, release, written, time.perf_counter() - start, False, path.name, digest,
                      context or "")


def releases(store: ox.Store) -> list[dict[str, str]]:
    """The code-set releases loaded in ``store`` (complete loads only), by name.

    Each is a dict with keys ``name``, ``release``, ``context`` (``""`` for
    a code set without contexts), ``file``, ``sha256``, ``triples`` and
    ``loaded`` (an ISO date-time, UTC).

    Examples
    --------
    >>> releases(ox.Store())
    []
    """
    query = (Path(__file__).with_name("releases.rq")).read_text(encoding="utf-8")
    prefixes = dict(PREFIXES, codeset=CODESET)
    keys = ("name", "release", "context", "file", "sha256", "triples", "loaded")
    return [{k: s[k].value if s[k] is not None else "" for k in keys} for s in store.query(query, prefixes=prefixes)]


def releases_table(loaded: list[dict[str, str]]) -> str:
    """:func:`releases` as an aligned text table (the SHA-256 cut to 12 digits), for ``kg codesets list``.

    Examples
    --------
    >>> print(releases_table([{"name": "pos", "release": "2025", "file": "pos.csv", "sha256": "ab" * 32,
    ...                        "triples": "1006", "loaded": "2026-01-02T03:04:05Z"}]))
    name  release  file     sha256        triples  loaded at
    pos   2025     pos.csv  abababababab  1006     2026-01-02T03:04:05Z
    """
    rows = [("name", "release", "file", "sha256", "triples", "loaded at")]
    rows += [(r["name"], r["release"], r["file"], r["sha256"][:12], r["triples"], r["loaded"]) for r in loaded]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
