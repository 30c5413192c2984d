"""Cache files kg keeps beside a store (:func:`kg.store.cache_dir_for`): the projection, the audit's facts, what a build
found; and the key of a store's state that tells whether they still hold (:func:`files_stamp`)."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["code_digest", "files_stamp", "read_cache", "write_cache"]


def write_cache(path: Path, value, stale: Iterable[Path] = ()) -> None:
    """Pickle ``value`` to cache file ``path`` (written aside, then moved in), first removing ``stale`` files but
    ``path``; an unwritable place is no error (the value is right, only the next call is slower).

    Examples
    --------
    >>> import pickle, tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "old.pickle").write_bytes(b"x")
    >>> write_cache(d / "new.pickle", {"a": 1}, stale=list(d.glob("*.pickle")))
    >>> [p.name for p in d.iterdir()], pickle.loads((d / "new.pickle").read_bytes())
    (['new.pickle'], {'a': 1})
    """
    import pickle

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in [p for p in stale if p != path]:
            old.unlink()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def read_cache(path: Path):
    """The value :func:`write_cache` kept in cache file ``path``, or None when there is none or it can't be read (a
    damaged file, or one an older kg wrote: the caller computes the value again).

    The cyclic garbage collector is off while the value's objects are made: otherwise each few hundred new
    containers start a collection pass over all those before (2.5x slower for a graph or 26,000 findings).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_cache(d / "a.pickle", {"a": 1}); _ = (d / "bad.pickle").write_bytes(b"not a pickle")
    >>> read_cache(d / "a.pickle"), read_cache(d / "bad.pickle"), read_cache(d / "none.pickle")
    ({'a': 1}, None, None)
    """
    import gc
    import pickle

    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001  (none yet, or damaged: unpickling can raise anything)
        return None
    finally:
        if enabled:
            gc.enable()


def files_stamp(store_dir: str | os.PathLike, salt: str) -> str:
    """A key for the state of the store in directory ``store_dir``, read from its files alone (no open).

    SHA-256 of ``salt`` and the name, size and modification time of every file of the RocksDB directory but its
    ``LOG`` files (which a read-only open may write): any write appends to the write-ahead log or makes new
    table files and a new manifest, so a changed store never keeps its key; one opened for writing and left as
    it was may get a new key, which only costs what the key saves.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> a = files_stamp(d, "x")
    >>> _ = (d / "000001.log").write_bytes(b"x")
    >>> files_stamp(d, "x") != a, files_stamp(d, "x") != files_stamp(d, "y")
    (True, True)
    """
    h = hashlib.sha256(salt.encode())
    with os.scandir(store_dir) as entries:
        for e in sorted(entries, key=lambda e: e.name):
            if e.is_file() and not e.name.startswith("LOG"):
                st = e.stat()
                h.update(f"{e.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@functools.cache
def code_digest() -> str:
    """A SHA-256 (24 hex digits) of kg's code, every module and query, for cache files that hold what it computed.

    Read once per process: the digest of the code that runs, however often a cache is named by it (a build names
    two; each audit another).

    >>> len(code_digest()), code_digest() == code_digest()
    (24, True)
    """
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(b"kg code\n")
    for f in sorted([*root.rglob("*.py"), *root.rglob("*.rq")]):
        h.update(f.relative_to(root).as_posix().encode() + b"\n" + f.read_bytes())
    return h.hexdigest()[:24]
