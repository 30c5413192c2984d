"""The embedded store: a persistent pyoxigraph store in a directory.

Each briefing lives in its own named graph; the ontology and each official
code set have theirs. Queries see the union of all graphs as the default
graph.

Building briefings into the store is :mod:`kg.build`; writing the store out
(RDF files, rdflib) is :mod:`kg.export`; the background bulk loader is
:mod:`kg.bulk`. The store's own queries are ``kg/queries/internal/store/*.rq``
(:func:`kg.queries.internal_query`).

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> len(documents(store)) == len(briefing_files(examples_dir())), triple_count(store) > 0
(True, True)
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pyoxigraph as ox

from kg.errors import StoreError
from kg.queries import internal_query
from kg.vocab import PREFIXES

__all__ = [
    "DEFAULT_STORE",
    "Paths",
    "Scan",
    "as_paths",
    "briefing_files",
    "cache_dir_for",
    "documents",
    "finish_writing",
    "ontology_dir",
    "open_store",
    "read_briefing",
    "scan",
    "source_path",
    "store_path",
    "triple_count",
]

DEFAULT_STORE = "kg-store"
BRIEFING_SUFFIXES = (".txt", ".md")

Paths = Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]]
"""One file or folder, or an iterable of them: what :func:`kg.build.build` and :func:`briefing_files` take."""


def as_paths(paths: Paths) -> list[Path]:
    """``paths`` as a list: one path (a ``str`` or ``os.PathLike``) becomes a list of one.

    A string is one path, never the characters of one.

    Examples
    --------
    >>> as_paths("briefings")
    [PosixPath('briefings')]
    >>> as_paths([Path("a.txt"), "b"])
    [PosixPath('a.txt'), PosixPath('b')]
    """
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    if isinstance(paths, bytes):
        raise StoreError(f"{paths!r}: give paths as str or pathlib.Path, not bytes")
    return [Path(p) for p in paths]


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
        if not (path / "CURRENT").exists():
            raise StoreError(f"{path}: no kg store here; run 'kg build' first or pass --store")
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


_NOT_BRIEFINGS = re.compile(r"(?i)(?:readme|license|licence|changelog|contributing)(?:\.\w+)?$")


@dataclass
class Scan:
    """What :func:`scan` found: the briefing files, the folders searched, and every path passed over, with why.

    Examples
    --------
    >>> Scan().files, Scan().skipped
    ([], [])
    """

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    """The folders searched (symbolic links resolved): their documents mirror them (:func:`kg.build.build`)."""
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    """Paths named like briefings that are not read, each with the reason."""
    not_files: list[tuple[Path, str]] = field(default_factory=list)
    """Paths named explicitly that are not regular files (a FIFO, a device, a dangling link): errors."""


def _kind(path: str | Path) -> str | None:
    """Why ``path`` is no regular file to read (without opening it), or None if it is one."""
    try:
        st = os.stat(path)  # follows symbolic links; a loop or a dangling link raises
    except OSError as err:
        if os.path.islink(path):
            return "a symbolic link loop" if err.errno == errno.ELOOP else "a dangling symbolic link"
        return f"cannot read it: {err.strerror or err}"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file (its briefings are read as part of the folder)"
    kinds = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device"}
    return next((v for test, v in kinds.items() if test(st.st_mode)), "not a regular file") + ", never opened"


def scan(paths: Paths, *, as_str: bool = False) -> Scan:
    """Expand files and folders into briefing files, reporting every path passed over and why.

    Folders are searched recursively for ``*.txt`` and ``*.md`` (sorted
    within each folder), except a folder's own README, LICENSE or CHANGELOG;
    files named explicitly are taken whatever their extension. Special files
    (FIFOs, sockets, devices), dangling links and link loops are never
    opened: in a folder they are :attr:`Scan.skipped`, named explicitly they
    are :attr:`Scan.not_files`. Symbolic links to folders are not followed.
    ``as_str`` gives the files as ``str`` (what ``str(Path)`` would say), for a caller of 10,000 of them.

    Raises
    ------
    StoreError
        For a path that does not exist.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "77013.txt").write_text("x")
    >>> os.mkfifo(d / "fifo.txt"); os.symlink("gone.txt", d / "dangling.txt"); (d / "x.txt").mkdir()
    >>> found = scan(d)
    >>> [p.name for p in found.files], [(p.name, why) for p, why in found.skipped]  # doctest: +NORMALIZE_WHITESPACE
    (['77013.txt'], [('dangling.txt', 'a dangling symbolic link'), ('fifo.txt', 'a FIFO (named pipe), never opened'),
     ('x.txt', 'a folder, not a file (its briefings are read as part of the folder)')])
    >>> scan(d, as_str=True).files == [str(p) for p in found.files]
    True
    >>> [(p.name, why) for p, why in scan(d / "fifo.txt").not_files]
    [('fifo.txt', 'a FIFO (named pipe), never opened')]
    """
    out = Scan()
    for p in as_paths(paths):
        if p.is_dir():
            out.folders.append(p.resolve())
            found = []
            for folder, dirs, names in os.walk(p):
                found.extend(os.path.join(folder, n) for n in names + dirs
                             if n.lower().endswith(BRIEFING_SUFFIXES) and not _NOT_BRIEFINGS.match(n))
            dot = len(os.curdir + os.sep) if str(p) == os.curdir else 0  # os.walk says ./x.txt, and str(Path) x.txt
            for f in sorted(found, key=lambda f: f.split(os.sep)):
                why = _kind(f)  # a str: a Path per file only for the files kept (10,000 of them cost)
                if why is None:
                    out.files.append(f[dot:] if as_str else Path(f))
                elif not (os.path.isdir(f) and os.path.islink(f)):
                    out.skipped.append((Path(f), why))
                else:
                    out.skipped.append((Path(f), "a symbolic link to a folder, not followed"))
        elif p.exists() or os.path.islink(p):
            why = _kind(p)
            if why is None:
                out.files.append(str(p) if as_str else p)
            else:
                out.not_files.append((p, why))
        else:
            raise StoreError(f"{p}: no such file or folder")
    return out


def read_briefing(path: str | os.PathLike) -> bytes:
    """The bytes of the regular file ``path``; anything else is refused without reading (a FIFO never blocks).

    Raises
    ------
    OSError
        If it cannot be read, or is not a regular file (checked on the open file, so no race lets one in).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "77013.txt").write_bytes(b"CPT 77013")
    >>> read_briefing(d / "77013.txt")
    b'CPT 77013'
    >>> os.mkfifo(d / "fifo.txt"); read_briefing(d / "fifo.txt")
    Traceback (most recent call last):
    ...
    OSError: [Errno 0] not a regular file, never read
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file, never read")
        want = max(st.st_size + 1, 65536)
        chunks = [os.read(fd, want)]
        if len(chunks[0]) < want:  # a short read of a regular file is its end: most files take one read
            return chunks[0]
        while chunk := os.read(fd, want):  # a file that grows while read is read whole
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def source_path(path: Path | str, folders: dict[str, str] | None = None) -> str:
    """What ``kg:sourcePath`` records: the absolute path, the folder's links resolved, the name in NFC form.

    ``folders`` caches each folder's resolved path (one ``resolve`` per folder, not per file).

    >>> source_path(Path("/tmp/x/77013.txt")) == source_path(Path("/tmp/x/77013.txt"), {})
    True
    """
    folder, name = os.path.split(os.fspath(path))
    resolved = folders.get(folder) if folders is not None else None
    if resolved is None:
        resolved = str(Path(folder).absolute().resolve())
        if folders is not None:
            folders[folder] = resolved
    return os.path.join(resolved, unicodedata.normalize("NFC", name))


def briefing_files(paths: Paths) -> list[Path]:
    """The briefing files of files and folders (one, or an iterable of them): :attr:`Scan.files` of :func:`scan`.

    Raises
    ------
    StoreError
        For a path that does not exist, or one named explicitly that is not a regular file (never opened).

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> [p.name for p in briefing_files(str(examples_dir()))][:2]
    ['20982.txt', '32998.txt']
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("77013.txt", "README.md", "notes.csv"):
    ...     _ = (d / name).write_text("x")
    >>> [p.name for p in briefing_files([d])]
    ['77013.txt']
    >>> briefing_files(["no/such/dir"])
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: no/such/dir: no such file or folder
    >>> os.mkfifo(d / "fifo.txt")
    >>> briefing_files([d / "fifo.txt"])
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: .../fifo.txt: a FIFO (named pipe), never opened
    """
    found = scan(paths)
    if found.not_files:
        path, why = found.not_files[0]
        raise StoreError(f"{path}: {why}")
    return found.files


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

