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
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.bulk import BulkWriter
from kg.errors import BriefingParseError, KGError
from kg.knowledge import add_on_codes
from kg.parse import parse_bytes
from kg.relations import AddOnKnowledge
from kg.store import Paths, briefing_files, ontology_dir
from kg.to_rdf import briefing_triples, node, nquads
from kg.vocab import BRIEFING, KG, ONTOLOGY, briefing_iri

__all__ = ["BuildReport", "PARALLEL_MIN_DOCS", "build"]


@dataclass
class BuildReport:
    """What :func:`build` did: file names by outcome, errors, and timing.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> report = build(ox.Store(), examples_dir() / "77013.txt", progress=False)
    >>> report.added, report.ok
    (['77013.txt'], True)
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[KGError] = field(default_factory=list)
    quads_written: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every document was built.

        Examples
        --------
        >>> BuildReport().ok, BuildReport(errors=[KGError("x")]).ok
        (True, False)
        """
        return not self.errors



_RDF_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_BRIEFING_CLASS = node(str(KG.Briefing))
_SHA256 = node(str(KG.sha256))
_MARKER_PREDICATES = frozenset((_RDF_TYPE.value, _SHA256.value))  # of the graph's own node


def _known_hashes(store: ox.Store) -> dict[str, str | None]:
    """Briefing graph IRI -> the SHA-256 its document was built from.

    ``None`` for a graph without its marker: a document whose write was
    interrupted, which the next build replaces.
    """
    known: dict[str, str | None] = {
        g.value: None for g in store.named_graphs() if g.value.startswith(BRIEFING)}
    # one index scan: quad patterns cost far less than SPARQL over 10,000 graphs
    for q in store.quads_for_pattern(None, _SHA256, None, None):
        g = q.graph_name
        if q.subject == g and g.value in known:
            known[g.value] = q.object.value
    return known


def _ensure_ontology(store: ox.Store) -> None:
    """Load ``ontology/kg.ttl`` into its own graph when it changed."""
    data = (ontology_dir() / "kg.ttl").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    g = node(str(ONTOLOGY))
    marker = ox.Quad(g, node(str(KG.sha256)), ox.Literal(digest), g)
    if next(store.quads_for_pattern(g, marker.predicate, marker.object, g), None) is not None:
        return
    quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in ox.parse(data, ox.RdfFormat.TURTLE)]
    if store.contains_named_graph(g):
        store.remove_graph(g)
    store.extend(quads + [marker])


def _marker(iri: str, digest: str) -> list[ox.Quad]:
    """The two quads that say a briefing graph is complete: ``<g> a kg:Briefing ; kg:sha256 "..."``.

    They are written only after the rest of the graph, so a graph without
    them is a document whose write was cut short.
    """
    g = node(iri)
    return [ox.Quad(g, _RDF_TYPE, _BRIEFING_CLASS, g), ox.Quad(g, _SHA256, ox.Literal(digest), g)]


@dataclass(frozen=True)
class _Prepared:
    """One document, parsed and turned into N-Quads (without its marker), or its error."""

    path: str
    nquads: bytes = b""
    quads: int = 0
    error: BriefingParseError | None = None


def _prepare(item: tuple[str, bytes], addons=None) -> _Prepared:
    """Parse one document into N-Quads; runs in worker processes.

    N-Quads text crosses the process boundary far faster than pickled
    pyoxigraph terms, and the store's bulk loader reads it natively.
    """
    path, data = item
    try:
        b = parse_bytes(data, path)
    except BriefingParseError as err:
        return _Prepared(path, error=err)
    g, triples = briefing_triples(b, addons)
    triples = [t for t in triples if not (t[0] == g and t[1] in _MARKER_PREDICATES)]
    return _Prepared(path, nquads(g, triples), len(triples))


def _prepare_chunk(items: list[tuple[str, bytes]], addons=None) -> list[_Prepared]:
    return [_prepare(item, addons) for item in items]


PARALLEL_MIN_DOCS = 200
"""Below this many documents to parse, a worker pool costs more than it saves."""

_TASK_DOCS = 32
"""Documents per worker task."""


def _prepared(todo: list[tuple[str, bytes]], workers: int, addons=None) -> Iterator[_Prepared]:
    """:func:`_prepare` each document, in order; in a pool of ``workers`` processes
    when there is more than one, with a bounded number of tasks in flight."""
    if workers <= 1:
        yield from (_prepare(item, addons) for item in todo)
        return
    from concurrent.futures import ProcessPoolExecutor

    # The workers only parse text; they never touch the store. So forking them while
    # another thread writes (kg.pipeline) is safe: what they inherit mid-use, they don't use.
    tasks = (todo[i:i + _TASK_DOCS] for i in range(0, len(todo), _TASK_DOCS))
    with ProcessPoolExecutor(workers) as pool:
        inflight = deque(pool.submit(_prepare_chunk, t, addons) for t in itertools.islice(tasks, 4 * workers))
        try:
            while inflight:
                done = inflight.popleft().result()
                for t in itertools.islice(tasks, 1):
                    inflight.append(pool.submit(_prepare_chunk, t, addons))
                yield from done
        finally:
            for f in inflight:
                f.cancel()


def build(
    store: ox.Store,
    paths: Paths,
    *,
    progress: bool | None = None,
    batch_quads: int = 500_000,
    workers: int | None = None,
    bulk: bool = True,
    addons: AddOnKnowledge | None = None,
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
    """
    from tqdm import tqdm

    start = time.perf_counter()
    report = BuildReport()
    _ensure_ontology(store)
    if addons is None:
        addons = add_on_codes(store)
    known = _known_hashes(store)
    names: dict[str, Path] = {}
    todo: list[tuple[str, bytes]] = []
    digests: dict[str, str] = {}
    for path in briefing_files(paths):
        name = path.name
        if name in names and names[name].resolve() != path.resolve():
            report.errors.append(BriefingParseError(
                path, 0, f"another briefing in this build is also named {name!r} ({names[name]}); "
                         "file names name the graphs, so they must be unique"))
            continue
        names[name] = path
        try:
            data = path.read_bytes()
        except OSError as err:
            report.errors.append(BriefingParseError(path, 0, f"cannot read file: {err.strerror or err}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if known.get(briefing_iri(name)) == digest:
            report.unchanged.append(name)
        else:
            todo.append((str(path), data))
            digests[str(path)] = digest

    if workers is None:
        workers = (os.cpu_count() or 1) if len(todo) >= PARALLEL_MIN_DOCS else 1
    writer = BulkWriter(store, bulk=bulk)
    pending: list[bytes] = []
    markers: list[ox.Quad] = []
    pending_quads = 0
    try:
        bar = tqdm(_prepared(todo, workers, addons), total=len(todo), desc="kg build", unit="doc",
                   disable=(None if progress is None else not progress), leave=False)
        for doc in bar:
            if doc.error is not None:
                report.errors.append(doc.error)
                continue
            name = Path(doc.path).name
            iri = briefing_iri(name)
            marker = _marker(iri, digests[doc.path])
            if iri in known:
                # Drop the old graph, then write the new one with its marker in one
                # transaction; a crash in between leaves the document absent, and the
                # next build writes it.
                writer.check()
                store.remove_graph(node(iri))
                store.load(doc.nquads + ox.serialize(marker, format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
                report.quads_written += doc.quads + len(marker)
                report.updated.append(name)
                continue
            report.added.append(name)
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
    report.seconds = time.perf_counter() - start
    return report
