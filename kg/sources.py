"""The briefing files a build is given: finding them in files and folders, passing over what is not one, reading them.

:func:`scan` walks the paths (a folder's ``.txt`` and ``.md`` files, not its README or LICENSE) and says why each
path it passes over is not read; :func:`read_briefing` reads one file, refusing what is not a regular file;
:func:`source_path` is the path a built graph records (``kg:sourcePath``). :mod:`kg.build` builds what they find
into the store (:mod:`kg.store`).

Examples
--------
>>> from kg.examples import examples_dir
>>> "77013.txt" in [p.name for p in briefing_files(examples_dir())]
True
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

from kg.errors import StoreError

__all__ = ["BRIEFING_SUFFIXES", "Paths", "Scan", "as_paths", "briefing_files", "read_briefing", "scan", "source_path"]

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
