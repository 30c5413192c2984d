"""The embedded store: a persistent pyoxigraph store in a directory.

Each briefing lives in its own named graph; the ontology and each official
code set have theirs. Queries see the union of all graphs as the default
graph.

:func:`build` is incremental and idempotent. A document whose bytes are
unchanged (same SHA-256, recorded inside its own graph) is skipped without
being parsed; a changed one has its graph replaced; a document that fails to
parse is reported and the graph it had, if any, is kept. A document's quads
are written in one transaction, so a crash never leaves half a document: at
worst the document being replaced is missing, and the next build writes it.

Examples
--------
>>> import tempfile
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> report = build(store, [examples_dir()], progress=False)
>>> len(report.added) >= 9, report.errors
(True, [])
>>> build(store, [examples_dir()], progress=False).unchanged == report.added
True
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import BriefingParseError, KGError, StoreError
from kg.parse import parse_bytes
from kg.to_rdf import briefing_quads, node
from kg.vocab import KG, ONTOLOGY, PREFIXES, briefing_iri

__all__ = [
    "BuildReport",
    "DEFAULT_STORE",
    "build",
    "briefing_files",
    "documents",
    "export",
    "EXPORT_FORMATS",
    "ontology_dir",
    "open_store",
    "store_path",
    "triple_count",
    "to_rdflib",
    "to_rdflib_graph",
]

DEFAULT_STORE = "kg-store"
BRIEFING_SUFFIXES = (".txt", ".md")


def store_path(path: str | os.PathLike | None = None) -> Path:
    """The store directory: ``path``, else ``$KG_STORE``, else ``./kg-store``."""
    return Path(path or os.environ.get("KG_STORE") or DEFAULT_STORE)


def open_store(path: str | os.PathLike | None = None, *, read_only: bool = False) -> ox.Store:
    """Open (or create) the store in directory ``path``.

    Parameters
    ----------
    path : path-like, optional
        The store directory; see :func:`store_path`.
    read_only : bool
        Open an existing store for reading only. Several readers may share a
        store; it must exist.

    Raises
    ------
    StoreError
        If the store is held by another writer, or (read-only) does not exist.
    """
    path = store_path(path)
    if read_only:
        if not (path / "CURRENT").exists():
            raise StoreError(f"{path}: no kg store here; run 'kg build' first or pass --store")
        try:
            return ox.Store.read_only(str(path))
        except OSError as err:
            raise StoreError(f"{path}: cannot open the store read-only: {err}") from err
    try:
        return ox.Store(str(path))
    except OSError as err:
        if "lock" in str(err).lower():
            raise StoreError(
                f"{path}: the store is in use by another process (a running 'kg build' or "
                f"'kg serve --read-write'); stop it, or pass another --store"
            ) from err
        raise StoreError(f"{path}: cannot open the store: {err}") from err


def ontology_dir() -> Path:
    """Where ``kg.ttl`` and ``shapes.ttl`` are: the repository's ``ontology/``
    in a source checkout, or the copy inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "ontology", here / "_ontology"):
        if (candidate / "kg.ttl").is_file():
            return candidate
    raise StoreError(f"ontology files not found next to {here}; reinstall codekg")


@dataclass
class BuildReport:
    """What :func:`build` did: file names by outcome, errors, and timing."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[KGError] = field(default_factory=list)
    quads_written: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


def briefing_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand files and folders into briefing files, sorted within each folder.

    Folders are searched recursively for ``*.txt`` and ``*.md``; files named
    explicitly are taken whatever their extension.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in BRIEFING_SUFFIXES and f.is_file()))
        elif p.exists():
            files.append(p)
        else:
            raise StoreError(f"{p}: no such file or folder")
    return files


def _known_hashes(store: ox.Store) -> dict[str, str]:
    q = "SELECT ?g ?h WHERE { GRAPH ?g { ?g a kg:Briefing ; kg:sha256 ?h } }"
    return {s["g"].value: s["h"].value for s in store.query(q, prefixes=PREFIXES)}


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


def _prepare(item: tuple[str, bytes]) -> tuple[list[ox.Quad] | None, BriefingParseError | None]:
    """Parse one document into quads."""
    path, data = item
    try:
        return briefing_quads(parse_bytes(data, path)), None
    except BriefingParseError as err:
        return None, err


def _prepare_nquads(item: tuple[str, bytes]) -> tuple[bytes | None, BriefingParseError | None]:
    """:func:`_prepare` in a worker process: N-Quads cross the process boundary
    far faster than pickled pyoxigraph terms."""
    quads, err = _prepare(item)
    return (None, err) if quads is None else (ox.serialize(quads, format=ox.RdfFormat.N_QUADS), None)


def _from_nquads(result: tuple[bytes | None, BriefingParseError | None]):
    data, err = result
    return (None, err) if data is None else (list(ox.parse(data, ox.RdfFormat.N_QUADS)), None)


PARALLEL_MIN_DOCS = 200
"""Below this many documents to parse, a worker pool costs more than it saves."""


def build(
    store: ox.Store,
    paths: Sequence[str | os.PathLike],
    *,
    progress: bool | None = None,
    batch_quads: int = 50_000,
    workers: int | None = None,
    bulk: bool = True,
) -> BuildReport:
    """Build briefings (files or folders) into ``store``.

    Parameters
    ----------
    store : pyoxigraph.Store
        From :func:`open_store`.
    paths : sequence of path-like
        Briefing files and folders of briefings.
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
        atomic RocksDB ingestion per batch, about twice as fast as a
        transaction); ``False`` uses a transaction per batch. Replaced
        documents always use a transaction.

    Returns
    -------
    BuildReport
        Documents added, updated and unchanged, and one error per document
        that could not be built (its previous graph, if any, is kept).
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    start = time.perf_counter()
    report = BuildReport()
    _ensure_ontology(store)
    known = _known_hashes(store)
    names: dict[str, Path] = {}
    todo: list[tuple[str, bytes]] = []
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
        if known.get(briefing_iri(name)) == hashlib.sha256(data).hexdigest():
            report.unchanged.append(name)
        else:
            todo.append((str(path), data))

    pending: list[ox.Quad] = []

    def write() -> None:
        # Several new documents per write; each write is all-or-nothing.
        if pending:
            (store.bulk_extend if bulk else store.extend)(pending)
            report.quads_written += len(pending)
            pending.clear()

    if workers is None:
        workers = (os.cpu_count() or 1) if len(todo) >= PARALLEL_MIN_DOCS else 1
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        if pool is not None:
            results = map(_from_nquads, pool.map(_prepare_nquads, todo, chunksize=16))
        else:
            results = map(_prepare, todo)
        bar = tqdm(zip(todo, results), total=len(todo), desc="kg build", unit="doc",
                   disable=(None if progress is None else not progress), leave=False)
        for (path, _), (quads, err) in bar:
            if err is not None:
                report.errors.append(err)
                continue
            name = Path(path).name
            iri = briefing_iri(name)
            if iri in known:
                # Replace in one transaction after dropping the old graph; a crash
                # in between leaves the document absent, and the next build writes it.
                store.remove_graph(node(iri))
                store.extend(quads)
                report.quads_written += len(quads)
                report.updated.append(name)
                continue
            report.added.append(name)
            pending.extend(quads)
            if len(pending) >= batch_quads:
                write()
        write()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    report.seconds = time.perf_counter() - start
    return report


def documents(store: ox.Store) -> list[str]:
    """IRIs of the briefings in the store, sorted."""
    q = "SELECT ?g WHERE { GRAPH ?g { ?g a kg:Briefing } } ORDER BY ?g"
    return [s["g"].value for s in store.query(q, prefixes=PREFIXES)]


def triple_count(store: ox.Store) -> int:
    """Distinct triples in the union of all graphs (what queries see)."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    return int(next(iter(store.query(q, use_default_graph_as_union=True)))["n"].value)


EXPORT_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
"""``kg export --format`` choices -> pyoxigraph format."""


def export(store: ox.Store, output, fmt: str, *, graph: str | None = None) -> None:
    """Write the store, or one named graph, to ``output`` (a path or binary file).

    Triple formats (``ttl``, ``nt``) without ``graph`` get the union of all
    graphs, each triple once. Quad formats keep the named graphs.

    Examples
    --------
    >>> import io, tempfile
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> out = io.BytesIO()
    >>> export(store, out, "nt", graph="https://w3id.org/codekg/briefing/77013.txt")
    >>> b"<http://purl.bioontology.org/ontology/CPT/77013>" in out.getvalue()
    True
    """
    try:
        rdf_format = EXPORT_FORMATS[fmt]
    except KeyError:
        raise KGError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    if graph is not None:
        g = ox.NamedNode(graph)
        if not store.contains_named_graph(g):
            raise KGError(f"no graph {graph} in the store; 'kg query documents' lists the briefing graphs")
        if rdf_format.supports_datasets:
            quads = store.quads_for_pattern(None, None, None, g)
            ox.serialize(quads, output, rdf_format, prefixes=PREFIXES)
        else:
            store.dump(output, rdf_format, from_graph=g, prefixes=PREFIXES)
        return
    if rdf_format.supports_datasets:
        store.dump(output, rdf_format, prefixes=PREFIXES)
        return
    triples = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True,
    )
    ox.serialize(triples, output, rdf_format, prefixes=PREFIXES)


def to_rdflib(store: ox.Store):
    """The whole store as an :class:`rdflib.Dataset`, named graphs kept.

    rdflib is slower than the store by orders of magnitude; this is for
    interoperability (rdflib plugins, pyshacl, small graphs), not for scale.

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> ds = to_rdflib(store)
    >>> any(str(g.identifier).endswith("/77013.txt") for g in ds.graphs())
    True
    """
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return ds


def to_rdflib_graph(store: ox.Store):
    """The union of all graphs as one :class:`rdflib.Graph`, each triple once."""
    from rdflib import Graph

    g = Graph()
    data = io.BytesIO()
    export(store, data, "nt")
    g.parse(data=data.getvalue(), format="nt")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g
