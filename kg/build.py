"""Building briefings into the store (:func:`build`).

:func:`build` is incremental and idempotent. A document whose bytes are
unchanged (same SHA-256, recorded inside its own graph) is skipped without
being parsed; a changed one has its graph replaced; a document that fails to
parse is reported and the graph it had, if any, is kept. New documents are
bulk-loaded in batches and count as built only once their marker
(``<g> a kg:Briefing ; kg:sha256``) is written after the batch; a replaced
document is dropped and rewritten with its marker in one transaction. So a
crash never leaves half a document that looks whole: at worst a graph has no
marker (or a replaced document is missing), and the next build rewrites it.

The store mirrors the folders built: the marker also records where the
document was read from, ``<g> kg:sourcePath "/abs/folder/77013.txt"`` (the
folder's symbolic links resolved, the file name in Unicode NFC form, as in
the graph's name). Building a folder removes the documents whose recorded
path lies inside it and that this build did not find (``keep_missing``
keeps them); a document built before paths were recorded gets its path the
next time it is built, and is never removed before that. Nothing else is
needed: file names name the graphs, so a path names at most one document.
Special files (FIFOs, devices, sockets), link loops and dangling links are
never opened and are reported (:func:`kg.sources.scan`).

Opening the store and listing what it holds is :mod:`kg.store`; the
background bulk loader is :mod:`kg.bulk`.

Examples
--------
>>> import pyoxigraph as ox
>>> from kg.examples import examples_dir
>>> store = ox.Store()  # in memory; kg.store.open_store opens a persistent one
>>> first = build(store, [examples_dir()], progress=False)
>>> again = build(store, [examples_dir()], progress=False)
>>> again.unchanged == first.added, again.added, first.errors
(True, [], [])
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
import time
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.build_report import BuildReport
from kg.bulk import BulkWriter
from kg.errors import BriefingParseError
from kg.knowledge import add_on_codes
from kg.parse import MalformedRow, Unread, parse_bytes
from kg.parse.warnings import MALFORMED, malformed_warnings, unread_warnings
from kg.queries import internal_query
from kg.relations import AddOnKnowledge
from kg.stats import briefing_rows, counted, record_graphs
from kg.sources import Paths, read_briefing, scan, source_path
from kg.store import ontology_dir
from kg.to_rdf import briefing_triples, node, nquads
from kg.vocab import BRIEFING, KG, ONTOLOGY, briefing_iri

if TYPE_CHECKING:
    from kg.mentions import KeptMentions
    from kg.build_files import FileMemo

__all__ = ["BuildReport", "PARALLEL_MIN_DOCS", "build"]


_RDF_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_BRIEFING_CLASS = node(str(KG.Briefing))
_SHA256 = node(str(KG.sha256))
_SOURCE_PATH = node(str(KG.sourcePath))
_CONTENT = node(str(KG.contentSha256))
_MARKER_PREDICATES = frozenset((_RDF_TYPE.value, _SHA256.value))  # of the graph's own node


def _paths_recorded(store: ox.Store) -> int:
    """How many graphs record a ``kg:sourcePath`` of their own: counted in SPARQL, no path is read into Python."""
    return int(next(iter(store.query(internal_query("build/paths-recorded"))))["n"].value)


def _ensure_ontology(store: ox.Store) -> bool:
    """Load ``ontology/kg.ttl`` into its own graph when it changed; True if it was (re)written."""
    data = (ontology_dir() / "kg.ttl").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    g = node(str(ONTOLOGY))
    marker = ox.Quad(g, node(str(KG.sha256)), ox.Literal(digest), g)
    if next(store.quads_for_pattern(g, marker.predicate, marker.object, g), None) is not None:
        return False
    quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in ox.parse(data, ox.RdfFormat.TURTLE)]
    if store.contains_named_graph(g):
        store.remove_graph(g)
    store.extend(quads + [marker])
    return True


def _known_paths(store: ox.Store) -> dict[str, str]:
    """Briefing graph IRI -> the ``kg:sourcePath`` it was built from (documents built since paths are recorded)."""
    return {q.graph_name.value: q.object.value for q in store.quads_for_pattern(None, _SOURCE_PATH, None, None)
            if q.subject == q.graph_name and q.graph_name.value.startswith(BRIEFING)}


_FAILED: dict[tuple[str, str], BriefingParseError] = {}
"""The documents the last :func:`build` of this process could not parse: (path, SHA-256) -> the error. A document
with the same bytes at the same path fails the same way (parsing reads nothing else), so it is reported again
without being parsed again; only the last build's failures are kept."""


def _marker(iri: str, digest: str, source: str, content: str) -> list[ox.Quad]:
    """The quads that say a briefing graph is complete: ``<g> a kg:Briefing ; kg:sha256 "..." ; kg:sourcePath "..." ;
    kg:contentSha256 "..."`` (the SHA-256 of the rest of the graph's N-Quads, which :mod:`kg.mentions` keys the graph's mentions by).

    They are written only after the rest of the graph, so a graph without
    them is a document whose write was cut short.
    """
    g = node(iri)
    return [ox.Quad(g, _RDF_TYPE, _BRIEFING_CLASS, g), ox.Quad(g, _SHA256, ox.Literal(digest), g),
            ox.Quad(g, _SOURCE_PATH, ox.Literal(source), g), ox.Quad(g, _CONTENT, ox.Literal(content), g)]


@dataclass(frozen=True)
class _Prepared:
    """One document, parsed and turned into N-Quads (without its marker), or its error."""

    path: str
    nquads: bytes = b""
    quads: int = 0
    error: BriefingParseError | None = None
    rows: tuple[int, int, int] = (0, 0, 0)
    unread: tuple[Unread, ...] = ()
    malformed: tuple[MalformedRow, ...] = ()
    content: str = ""  # the graph's content digest (kg.mentions)
    mentions: bytes = b""  # what the audit reads of the graph (kg.mentions.pack), when asked for
    described: tuple = ()  # what the kept statistics hold of the graph (kg.stats.briefing_rows)


def _prepare(item: tuple[str, bytes], addons=None, mentions: bool = False) -> _Prepared:
    """Parse one document into N-Quads, and with ``mentions`` read what the audit reads of it; runs in worker
    processes.

    N-Quads text crosses the process boundary far faster than pickled
    pyoxigraph terms, and the store's bulk loader reads it natively.
    """
    path, data = item
    try:
        b = parse_bytes(data, path)
    except BriefingParseError as err:
        return _Prepared(path, error=err)
    g, triples = briefing_triples(b, addons)
    triples = list(dict.fromkeys(triples))  # each triple once (a code in two rows is described twice)
    kept = b""
    if mentions:
        from kg.mentions import graph_mentions, pack

        kept = pack(graph_mentions(g, triples))
    described = briefing_rows(g, triples)  # as the marker will make it: a whole kg:Briefing
    # so the count is the graph's quads (kg.stats); the marker comes last (kg.build._marker)
    triples = [t for t in triples if not (t[0] == g and t[1] in _MARKER_PREDICATES)]
    text = nquads(g, triples)
    return _Prepared(path, text, len(triples), rows=tuple(b.row_counts), unread=b.unread_rows,
                     malformed=b.malformed, content=hashlib.sha256(text).hexdigest(), mentions=kept,
                     described=described)


_WORKER_ADDONS = None  # in a worker process: the build's add-on codes, set once by the pool's initializer
_WORKER_MENTIONS = False  # in a worker process: whether the build keeps the audit's mentions


def _init_worker(addons, mentions: bool = False) -> None:
    global _WORKER_ADDONS, _WORKER_MENTIONS
    _WORKER_ADDONS, _WORKER_MENTIONS = addons, mentions


def _prepare_chunk(items: list[tuple[str, bytes]]) -> list[_Prepared]:
    return [_prepare(item, _WORKER_ADDONS, _WORKER_MENTIONS) for item in items]


PARALLEL_MIN_DOCS = 200
"""Below this many documents to parse, a worker pool costs more than it saves."""

_TASK_DOCS = 32
"""Documents per worker task."""


def _prepared(todo: list[tuple[str, bytes]], workers: int, addons=None, mentions: bool = False
              ) -> Iterator[_Prepared]:
    """:func:`_prepare` each document, in order; in a pool of ``workers`` processes
    when there is more than one, with a bounded number of tasks in flight."""
    if workers <= 1:
        yield from (_prepare(item, addons, mentions) for item in todo)
        return
    from concurrent.futures import ProcessPoolExecutor

    # The workers only parse text; they never touch the store. So forking them while
    # another thread writes (kg.pipeline) is safe: what they inherit mid-use, they don't use.
    tasks = (todo[i:i + _TASK_DOCS] for i in range(0, len(todo), _TASK_DOCS))
    # the add-on codes go to each worker once, not with every task
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(addons, mentions)) as pool:
        inflight = deque(pool.submit(_prepare_chunk, t) for t in itertools.islice(tasks, 4 * workers))
        try:
            while inflight:
                done = inflight.popleft().result()
                for t in itertools.islice(tasks, 1):
                    inflight.append(pool.submit(_prepare_chunk, t))
                yield from done
        finally:
            for f in inflight:
                f.cancel()


def _note_path(store: ox.Store, g: ox.NamedNode, with_path: set[str]) -> None:
    """Add ``g`` to ``with_path`` if its graph records a ``kg:sourcePath`` of its own."""
    if next(store.quads_for_pattern(g, _SOURCE_PATH, None, g), None) is not None:
        with_path.add(g.value)


def _prepared_or_failed(todo: list[tuple[str, bytes]], failed: dict[int, _Prepared], workers: int,
                        addons=None, mentions: bool = False) -> Iterator[_Prepared]:
    """:func:`_prepared` of ``todo``, in order, taking the documents known to fail (``failed``, by index) as they failed."""
    rest = _prepared([item for i, item in enumerate(todo) if i not in failed], workers, addons, mentions)
    try:
        for i in range(len(todo)):
            yield failed[i] if i in failed else next(rest)
    finally:
        rest.close()  # its worker pool, if any, is shut down


def build(
    store: ox.Store,
    paths: Paths,
    *,
    progress: bool | None = None,
    batch_quads: int = 500_000,
    workers: int | None = None,
    bulk: bool = True,
    addons: AddOnKnowledge | None = None,
    keep_missing: bool = False,
    files: FileMemo | None = None,
    kept: KeptMentions | None = None,
) -> BuildReport:
    """Build briefings (files or folders) into ``store``.

    Parameters
    ----------
    store : pyoxigraph.Store
        From :func:`kg.store.open_store`.
    paths : path-like, or iterable of path-like
        A briefing file or a folder of briefings, or several (``"briefings"``,
        ``Path("a.txt")``, ``["a.txt", "more/"]``).
    progress : bool, optional
        Show a progress bar on stderr; by default only on a terminal.
    batch_quads : int
        New documents are written in batches of about this many quads, never
        splitting a document; 1 writes each document alone.
    workers : int, optional
        Processes that parse documents. By default one per core when there
        are at least :data:`PARALLEL_MIN_DOCS` documents to parse.
    bulk : bool
        Write batches of new documents with pyoxigraph's bulk loader (one
        RocksDB ingestion per batch, several times faster than a
        transaction); ``False`` uses a transaction per batch. Replaced
        documents always use a transaction.
    addons : callable, optional
        Which codes are add-on codes (:data:`kg.relations.AddOnKnowledge`); by default what the store's
        code sets say (:func:`kg.knowledge.add_on_codes`), read once. "Reported in addition to" is an
        add-on statement only for an add-on code.
    keep_missing : bool
        Keep the documents built from a folder of ``paths`` before that are no longer in it; by default they
        are removed (:attr:`BuildReport.removed`).
    files : kg.build_files.FileMemo, optional
        What the last build found in each file: a file it vouches for is not read, nor looked up.
    kept : kg.mentions.KeptMentions, optional
        Receives what the audit reads of each graph written (:meth:`~kg.mentions.KeptMentions.add`; the caller
        saves it), so that ``kg audit`` need not query the store for it.

    Returns
    -------
    BuildReport
        Documents added, updated and unchanged, and one error per document
        that could not be built (its previous graph, if any, is kept).

    Notes
    -----
    A document's graph is complete once its marker, ``<g> a kg:Briefing ;
    kg:sha256 "..."``, is written, which happens after the rest of its
    batch. A build that is killed leaves whole documents, and perhaps graphs
    without a marker, which :func:`kg.store.documents` does not list and the next
    build replaces.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import documents, open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> build(store, examples_dir() / "77013.txt", progress=False).added
    ['77013.txt']
    >>> report = build(store, str(examples_dir()), progress=False)
    >>> report.unchanged, len(report.added) >= 8
    (['77013.txt'], True)
    >>> len(documents(store)) == len(report.added) + 1
    True
    >>> report.rows_read > 100, report.rows_reported
    (True, 0)
    """
    start = time.perf_counter()
    report = BuildReport()
    ontology_written = _ensure_ontology(store)
    recorded = _paths_recorded(store)
    found = scan(paths, as_str=True)
    report.skipped = [(str(p), why) for p, why in found.skipped]
    report.errors.extend(BriefingParseError(p, 0, why) for p, why in found.not_files)
    names: dict[str, str] = {}
    todo: list[tuple[str, bytes]] = []
    digests: dict[str, str] = {}
    sources: dict[str, str] = {}
    statuses: dict[str, tuple | None] = {}  # path -> its status before it was read (files)
    folders: dict[str, str] = {}
    iris: dict[str, str] = {}  # file name -> graph IRI
    known: set[str] = set()  # the graphs of the documents to parse that the store held before
    with_path: set[str] = set()  # the graphs seen that recorded a kg:sourcePath before
    failed: dict[int, _Prepared] = {}  # index in todo -> the failure of the same bytes at the same path (_FAILED)
    # For kg.stats: the quads of each graph written, as counted here, and what each changed graph held before
    # (while that stays small, so the union's counts are updated rather than recounted); None once too big.
    quads: dict[str, int] = {}
    described: dict[str, tuple] = {}  # what kg.stats keeps of each graph written, read by the workers
    before: dict[str, list[ox.Triple]] | None = {}
    moved: list[str] = []
    for path in found.files:
        name = unicodedata.normalize("NFC", os.path.basename(path))  # NFC and NFD spellings are one document
        if name in names and Path(names[name]).resolve() != Path(path).resolve():
            report.errors.append(BriefingParseError(
                path, 0, f"another briefing in this build is also named {name!r} ({names[name]}); "
                         "file names name the graphs, so they must be unique"))
            continue
        names[name] = path
        iri = iris[name] = briefing_iri(name)
        g = node(iri)
        source = source_path(path, folders)
        status = files.status(path) if files is not None else None  # taken before the file is read
        if files is not None and (digest := files.known(path, status, source)) is not None:  # kg.build_files
            report.unchanged.append(name)
            with_path.add(iri)
            files.record(path, status, digest, source)
            continue
        try:
            data = read_briefing(path)
        except OSError as err:
            report.errors.append(BriefingParseError(path, 0, f"cannot read file: {err.strerror or err}"))
            _note_path(store, g, with_path)
            continue
        digest = hashlib.sha256(data).hexdigest()
        # one lookup per document, not 10,000 hashes and paths read into Python
        if ox.Quad(g, _SHA256, ox.Literal(digest), g) in store:
            report.unchanged.append(name)
            if ox.Quad(g, _SOURCE_PATH, ox.Literal(source), g) in store:
                with_path.add(iri)
            else:  # moved, or built before paths were recorded
                moved.append(iri)
                _note_path(store, g, with_path)
                for q in list(store.quads_for_pattern(g, _SOURCE_PATH, None, g)):
                    store.remove(q)
                store.add(ox.Quad(g, _SOURCE_PATH, ox.Literal(source), g))
            if files is not None:
                files.record(path, status, digest, source)
        else:
            _note_path(store, g, with_path)
            if store.contains_named_graph(g):
                known.add(iri)
            error = _FAILED.get((path, digest))
            if error is not None:
                failed[len(todo)] = _Prepared(path, error=BriefingParseError(error.path, error.line, error.message))
            todo.append((path, data))
            digests[path] = digest
            sources[path] = source
            statuses[path] = status

    if addons is None and len(todo) > len(failed):  # read only when a document is to be parsed
        addons = add_on_codes(store)
    if workers is None:
        workers = (os.cpu_count() or 1) if len(todo) - len(failed) >= PARALLEL_MIN_DOCS else 1
    failures: dict[tuple[str, str], BriefingParseError] = {}
    writer = BulkWriter(store, bulk=bulk)
    pending: list[bytes] = []
    markers: list[ox.Quad] = []
    pending_quads = 0
    try:
        bar = _progress(_prepared_or_failed(todo, failed, workers, addons, kept is not None), len(todo), progress)
        for doc in bar:
            if doc.error is not None:
                report.errors.append(doc.error)
                failures[(doc.path, digests[doc.path])] = doc.error
                continue
            read, skipped, reported = doc.rows
            report.rows_read += read
            report.rows_skipped += skipped
            report.rows_reported += reported
            if doc.unread:
                report.unread.extend(unread_warnings(doc.path, doc.unread))
                for u in doc.unread:
                    report.rows_reported_by[u.kind] = report.rows_reported_by.get(u.kind, 0) + 1
            if doc.malformed:
                report.unread.extend(malformed_warnings(doc.path, doc.malformed))
                report.rows_reported_by[MALFORMED] = report.rows_reported_by.get(MALFORMED, 0) + len(doc.malformed)
            name = unicodedata.normalize("NFC", Path(doc.path).name)
            iri = iris[name]
            marker = _marker(iri, digests[doc.path], sources[doc.path], doc.content)
            quads[iri] = doc.quads + len(marker)
            described[iri] = doc.described
            if kept is not None:
                kept.add(doc.content, doc.mentions)
            if iri in known:  # (it was, before this build)
                # Drop the old graph, then write the new one with its marker in one
                # transaction; a crash in between leaves the document absent, and the
                # next build writes it.
                writer.check()
                before = _held(store, iri, before)
                store.remove_graph(node(iri))
                store.load(doc.nquads + ox.serialize(marker, format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
                report.quads_written += doc.quads + len(marker)
                report.updated.append(name)
                continue
            report.added.append(name)
            if before is not None:
                before[iri] = []
            pending.append(doc.nquads)
            markers.extend(marker)
            pending_quads += doc.quads + len(marker)
            if pending_quads >= batch_quads:
                writer.put(b"".join(pending), markers)
                report.quads_written += pending_quads
                pending, markers, pending_quads = [], [], 0
        if pending:
            writer.put(b"".join(pending), markers)
            report.quads_written += pending_quads
    except BaseException:
        writer.close(check=False)  # what was queued is written; the error in hand is the one to see
        raise
    writer.close()
    for p in (names[n] for n in report.added + report.updated) if files is not None else ():
        files.record(p, statuses[p], digests[p], sources[p])
    _FAILED.clear()
    _FAILED.update(failures)
    if not keep_missing and len(with_path) != recorded:  # else every graph with a path was seen: none is missing
        report.removed, before = _remove_missing(store, _known_paths(store), found.folders, set(iris.values()),
                                                 before)
    for iri in moved:  # a kg:sourcePath rewritten: the graph's size may change, its counted triples do not
        before = _held(store, iri, before)
    graphs = [iris[n] for n in report.added + report.updated] + [briefing_iri(n) for n in report.removed] + moved
    if ontology_written:
        graphs.append(str(ONTOLOGY))
        before = None  # its old triples are gone: the union is recounted
    record_graphs(store, graphs, quads=quads, before=before, described=described)
    report.seconds = time.perf_counter() - start
    return report


def _progress(docs: Iterator[_Prepared], total: int, progress: bool | None) -> Iterator[_Prepared]:
    """``docs`` behind a progress bar on stderr when ``progress`` says so (None: on a terminal); tqdm is imported
    only then, as its imports cost a tenth of a second of an incremental build."""
    if not (progress or (progress is None and sys.stderr is not None and sys.stderr.isatty())):
        return docs
    from tqdm import tqdm

    return tqdm(docs, total=total, desc="kg build", unit="doc", leave=False)


_BEFORE_GRAPHS = 2000
"""Graphs changed in one build up to which what each held is kept for :func:`kg.stats.record_graphs`."""


def _held(store: ox.Store, iri: str, before: dict[str, list[ox.Triple]] | None) -> dict[str, list[ox.Triple]] | None:
    """``before`` with what graph ``iri`` holds now (:func:`kg.stats.counted`); None once more graphs changed than
    :data:`_BEFORE_GRAPHS` (then the union is recounted, and memory stays bounded)."""
    if before is None or len(before) >= _BEFORE_GRAPHS:
        return None
    before[iri] = counted(store, iri)
    return before


def _remove_missing(store: ox.Store, known_paths: dict[str, str], folders: list[Path], seen: set[str],
                    before: dict[str, list[ox.Triple]] | None = None) -> tuple[list[str], dict | None]:
    """Remove the documents built from inside ``folders`` that this build did not find.

    Returns their names, and ``before`` with what each held (see :func:`_held`).
    """
    removed = []
    for iri, source in sorted(known_paths.items()):
        if iri not in seen and any(Path(source).is_relative_to(f) for f in folders):
            before = _held(store, iri, before)
            store.remove_graph(node(iri))
            removed.append(Path(source).name)
    return removed, before
