"""What the last ``kg build`` of a store found in each briefing file, remembered beside the store (:class:`FileMemo`).

An incremental build of 10,000 briefings with one changed spends most of its time proving the other 9,999
unchanged: each file read and hashed, and its hash and path looked up in the store (half a second together).
:class:`FileMemo` lets :func:`kg.build.build` skip that for a file whose status (inode, size, modification and
change times) is the one the last build recorded, when the store is the one that build left. Both are checked:

- the store by :func:`kg.cache.files_stamp` (the names, sizes and times of its files), taken before
  the store is opened and recorded once the build has closed it: any writer since (``kg audit``, ``kg codesets
  load``, another build) changes it, and then every file is read and looked up as without the memo;
- a file by its status, trusted only if it was last changed well before the build that recorded it started (a
  file written in the same clock tick as that build read it could keep its status with other bytes: git's
  "racy" rule). A file the memo does not vouch for is read, hashed and looked up.

Only the documents a build left whole in the store are recorded (built, or found unchanged); a document that
failed keeps whatever graph it had, so it is never recorded. The memo lives in the store's cache folder
(:func:`kg.store.cache_dir_for`), in a file named by a digest of kg's code.

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> from kg.store import open_store
>>> d = Path(tempfile.mkdtemp()); store_dir, cache = d / "store", d / "cache"
>>> memo = FileMemo.load(cache, store_dir)
>>> store = open_store(store_dir)
>>> first = build(store, examples_dir(), progress=False, files=memo)
>>> del store; memo.save(store_dir)
>>> memo = FileMemo.load(cache, store_dir)
>>> memo.trusted, len(memo.vouched) == len(first.added)  # the files were written before this build began
(True, True)
>>> again = build(open_store(store_dir), examples_dir(), progress=False, files=memo)
>>> again.unchanged == first.added, memo.hits == len(first.added)
(True, True)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kg.cache import code_digest, files_stamp, read_cache, write_cache

__all__ = ["FileMemo", "RACY_NS"]

RACY_NS = 3_000_000_000
"""A file changed less than this long (ns) before the build that recorded it began is not vouched for."""

_SALT = "kg-build files\n"

_Status = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns


def _status(path: str) -> _Status | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileMemo:
    """The files the last build recorded (path -> status, SHA-256, ``kg:sourcePath``), and what this build records.

    Use :meth:`load` before the store is opened, pass it to :func:`kg.build.build` (``files=``), and
    :meth:`save` once the store is closed.
    """

    def __init__(self, path: Path, vouched: dict[str, tuple[_Status, str, str]], trusted: bool) -> None:
        self.path = path
        self.trusted = trusted
        """True when the store is the one the recorded build left (else nothing is vouched for)."""
        self.vouched = vouched if trusted else {}
        self.recorded: dict[str, tuple[_Status, str, str]] = {}
        self.started = time.time_ns()
        self.hits = 0

    @classmethod
    def load(cls, cache_dir: str | os.PathLike, store_dir: str | os.PathLike) -> FileMemo:
        """The memo of the store in ``store_dir``; call it before the store is opened (opening changes its files)."""
        path = Path(cache_dir) / f"build-files-{code_digest()}.pickle"
        saved = read_cache(path)
        try:
            stamp, started, files = saved["stamp"], saved["started"], saved["files"]
        except (KeyError, TypeError):  # none yet, damaged, or another layout: nothing is vouched for
            return cls(path, {}, False)
        trusted = os.path.isdir(store_dir) and stamp == files_stamp(store_dir, _SALT)
        vouched = {p: v for p, v in files.items() if max(v[0][3], v[0][4]) < started - RACY_NS} if trusted else {}
        return cls(path, vouched, trusted)

    def status(self, path: str) -> _Status | None:
        """``path``'s status, taken before it is read (so a file changed while read is not vouched for next time)."""
        return _status(path)

    def known(self, path: str, status: _Status | None, source: str) -> str | None:
        """The SHA-256 the store holds for ``path``'s document, if the memo vouches for it as it is now, else None."""
        entry = self.vouched.get(path)
        if entry is None or status is None or entry[0] != status or entry[2] != source:
            return None
        self.hits += 1
        return entry[1]

    def record(self, path: str, status: _Status | None, digest: str, source: str) -> None:
        """``path``, read with ``status``, is whole in the store with ``digest`` and ``source``."""
        if status is not None:
            self.recorded[path] = (status, digest, source)

    def save(self, store_dir: str | os.PathLike) -> None:
        """Keep what this build recorded, with the stamp of the store as it is now (closed by its writer)."""
        write_cache(self.path, {"stamp": files_stamp(store_dir, _SALT), "started": self.started, "files": self.recorded},
                    stale=self.path.parent.glob("build-files-*.pickle"))
