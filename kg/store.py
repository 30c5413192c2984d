"""The embedded store: a persistent pyoxigraph store in a directory.

Each briefing lives in its own named graph; the ontology and each official
code set have theirs. Queries see the union of all graphs as the default
graph.

Building briefings into the store is :mod:`kg.build`; writing the store out
(RDF files, rdflib) is :mod:`kg.export`; the background bulk loader is
:mod:`kg.bulk`; finding and reading the briefing files is :mod:`kg.sources`. The store's own queries are ``kg/queries/internal/store/*.rq``
(:func:`kg.queries.internal_query`).

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> from kg.sources import briefing_files
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> len(documents(store)) == len(briefing_files(examples_dir())), triple_count(store) > 0
(True, True)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError
from kg.queries import internal_query
from kg.vocab import PREFIXES

__all__ = [
    "DEFAULT_STORE",
    "cache_dir_for",
    "documents",
    "finish_writing",
    "is_store",
    "ontology_dir",
    "open_store",
    "require_store",
    "store_path",
    "triple_count",
]

DEFAULT_STORE = "kg-store"
def store_path(path: str | os.PathLike | None = None) -> Path:
    """The store directory: ``path``, else ``$KG_STORE``, else ``./kg-store``.

    Examples
    --------
    >>> store_path("my-store")
    PosixPath('my-store')
    >>> import os; os.environ.get("KG_STORE") or str(store_path())
    'kg-store'
    """
    return Path(path or os.environ.get("KG_STORE") or DEFAULT_STORE)


def is_store(path: str | os.PathLike) -> bool:
    """Whether folder ``path`` holds a store (RocksDB's ``CURRENT`` file): the one test of it, for every caller.

    >>> import tempfile
    >>> is_store(tempfile.mkdtemp())
    False
    """
    return (Path(path) / "CURRENT").is_file()


def require_store(path: str | os.PathLike) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it holds a store (:func:`is_store`), else the error that says so.

    >>> import tempfile
    >>> require_store(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: ...: no kg store here; run 'kg build' first or pass --store
    """
    if not is_store(path):
        raise StoreError(f"{path}: no kg store here; run 'kg build' first or pass --store")
    return Path(path)


def open_store(path: str | os.PathLike | None = None, *, read_only: bool = False, served_ok: bool = False) -> ox.Store:
    """Open (or create) the store in directory ``path``.

    Parameters
    ----------
    path : path-like, optional
        The store directory; see :func:`store_path`.
    read_only : bool
        Open an existing store for reading only. Several readers may share a
        store; it must exist.
    served_ok : bool
        Open it for writing even while ``kg serve`` serves it (only for
        ``kg serve``'s own check that no writer holds it; it writes nothing).

    Raises
    ------
    StoreError
        If the store is held by another writer, or (read-only) does not exist.

    Examples
    --------
    >>> import tempfile
    >>> path = tempfile.mkdtemp()
    >>> len(open_store(path)), len(open_store(Path(path) / "new" / "store"))  # a new one's folders are made
    (0, 0)
    >>> open_store(tempfile.mkdtemp(), read_only=True)
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: ...: no kg store here; run 'kg build' first or pass --store
    """
    path = store_path(path)
    if read_only:
        require_store(path)
        try:
            return ox.Store.read_only(str(path))
        except OSError as err:
            raise StoreError(f"{path}: cannot open the store read-only: {err}") from err
    served = 0 if served_ok else serving(path)
    if served:
        raise StoreError(f"{path}: 'kg serve' (pid {served}) is serving this store, and writing under a running "
                         "server breaks its answers; stop the server first, or build into another --store")
    try:
        path.mkdir(parents=True, exist_ok=True)  # a new store's parent folders too: RocksDB makes only the last
    except OSError as err:
        raise StoreError(f"{path}: cannot make the store's folder: {err.strerror or err}") from err
    try:
        return ox.Store(str(path))
    except OSError as err:
        if "lock" in str(err).lower():
            raise StoreError(
                f"{path}: the store is in use by another process (a running 'kg build' or "
                f"'kg serve --read-write'); stop it, or pass another --store"
            ) from err
        raise StoreError(f"{path}: cannot open the store: {err}") from err


def finish_writing(store: ox.Store, graphs: Iterable[str] = (), *, compact: bool = False, before=None,
                   quads=None) -> None:
    """What a writer does before it lets go of ``store``: describe the graphs it wrote, then flush.

    ``graphs`` are brought into the kept statistics (:func:`kg.stats.record_graphs`, with ``before``: what
    :func:`kg.stats.counted` said of each before the write; ``quads``: the quads of those the writer counted).
    Flushing writes
    what RocksDB holds in memory to its files, so a read-only open that follows has no log to
    replay (seconds on a big store after ``kg audit``, otherwise). ``compact`` also compacts the
    files (:meth:`pyoxigraph.Store.optimize`): 12 s of CPU at 10,000 briefings, for no reader measurably
    faster (``bench/stats_bench.py --writable``), so no writer of kg asks for it.

    Examples
    --------
    >>> import tempfile
    >>> path = tempfile.mkdtemp()
    >>> store = open_store(path)
    >>> g = ox.NamedNode("https://w3id.org/codekg/audit")
    >>> store.add(ox.Quad(g, ox.NamedNode("http://p"), ox.Literal("o"), g))
    >>> finish_writing(store, [g.value]); del store
    >>> len(open_store(path, read_only=True)) > 1  # the audit quad and its description
    True
    """
    from kg.stats import record_graphs

    record_graphs(store, graphs, before=before, quads=quads)
    store.flush()
    if compact:
        store.optimize()


def ontology_dir() -> Path:
    """Where ``kg.ttl`` and ``shapes.ttl`` are: the repository's ``ontology/``
    in a source checkout, or the copy inside an installed wheel.

    Examples
    --------
    >>> (ontology_dir() / "shapes.ttl").is_file()
    True
    """
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "ontology", here / "_ontology"):
        if (candidate / "kg.ttl").is_file():
            return candidate
    raise StoreError(f"ontology files not found next to {here}; reinstall codekg")


def documents(store: ox.Store) -> list[str]:
    """IRIs of the briefings in the store (whole ones: their marker is written), sorted.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> documents(store)
    ['https://w3id.org/codekg/briefing/77013.txt']
    """
    return [s["g"].value for s in store.query(internal_query("store/documents"), prefixes=PREFIXES)]


def triple_count(store: ox.Store) -> int:
    """Distinct triples in the union of all graphs (what queries see).

    Examples
    --------
    >>> store = ox.Store()
    >>> s, p = ox.NamedNode("http://s"), ox.NamedNode("http://p")
    >>> store.extend([ox.Quad(s, p, ox.Literal("o"), ox.NamedNode(g)) for g in ("http://g1", "http://g2")])
    >>> len(store), triple_count(store)
    (2, 1)
    """
    q = internal_query("store/triple-count")
    return int(next(iter(store.query(q, use_default_graph_as_union=True)))["n"].value)


SERVE_LOCK = "kg-serve.lock"
"""The file in a store directory that each running ``kg serve`` holds a shared lock on (see :func:`hold_for_serving`)."""


def hold_for_serving(path: str | os.PathLike):
    """Mark the store at ``path`` as served until the returned file is closed (a shared ``flock``, gone with the
    process however it ends). :func:`open_store` refuses to open it for writing meanwhile.

    Examples
    --------
    >>> import tempfile
    >>> path = tempfile.mkdtemp()
    >>> held = hold_for_serving(path)
    >>> serving(path) == os.getpid()
    True
    >>> held.close(); serving(path)
    0
    """
    import fcntl

    f = open(Path(path) / SERVE_LOCK, "a+")
    fcntl.flock(f, fcntl.LOCK_SH)
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f


def serving(path: str | os.PathLike) -> int:
    """The pid of a ``kg serve`` that serves the store at ``path``, or 0 (nobody holds its serve lock).

    Examples
    --------
    >>> import tempfile
    >>> serving(tempfile.mkdtemp())
    0
    """
    import fcntl

    lock = Path(path) / SERVE_LOCK
    if not lock.exists():
        return 0
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            text = f.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(f, fcntl.LOCK_UN)
        return 0


def cache_dir_for(store_dir: str | os.PathLike) -> Path:
    """Where kg keeps what it caches of the store in ``store_dir`` (:func:`kg.network.cached_project`'s projection,
    :mod:`kg.audit.cache`'s code-set facts): ``$KG_CACHE_DIR`` if set,
    else ``<store_dir>.kg-cache`` beside it (never inside the store, which may be read-only).

    Examples
    --------
    >>> os.environ.pop("KG_CACHE_DIR", None) and None
    >>> cache_dir_for("/data/kg/store").as_posix()
    '/data/kg/store.kg-cache'
    """
    override = os.environ.get("KG_CACHE_DIR")
    store_dir = Path(store_dir)
    return Path(override) if override else store_dir.parent / f"{store_dir.name}.kg-cache"

