"""The documents the last build could not parse, remembered beside the store for the next ``kg build``.

:func:`kg.build.build` reports a document whose bytes failed at the same path before without parsing it again
(the same bytes fail the same way: parsing reads nothing else). Within one process it remembers them itself;
:func:`remembered_failures` carries them from one ``kg build`` to the next, in a cache file of the store's cache
folder (:func:`kg.store.cache_dir_for`), so an incremental build of 10,000 briefings, 100 of them malformed, does not
parse the 100 again each time (a tenth of a second, and the add-on codes read for them). The file is named by a
SHA-256 of kg's own code, so a kg that parses differently never reads the failures of another.

Examples
--------
>>> import tempfile
>>> from kg.examples import examples_dir
>>> from kg.store import open_store
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "bad.txt").write_text("no heading here\\n")
>>> with remembered_failures(d / "cache"):
...     first = build(open_store(d / "store"), d, progress=False)
>>> _build._FAILED.clear()  # as in a new process
>>> with remembered_failures(d / "cache"):
...     again = build(open_store(d / "store"), d, progress=False)
>>> [str(e) for e in again.errors] == [str(e) for e in first.errors], len(first.errors)
(True, 1)
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.build import build  # noqa: F401  (the function; the module is _build)
from kg.cache import code_digest, read_cache, write_cache
from kg.errors import BriefingParseError

__all__ = ["remembered_failures"]

_build = importlib.import_module("kg.build")


@contextmanager
def remembered_failures(cache_dir: str | os.PathLike) -> Iterator[None]:
    """Builds inside know the failures the last build that used ``cache_dir`` found; what they find is kept there.

    An unreadable or unwritable cache is no error: the documents are parsed, as without it.

    Examples
    --------
    >>> import tempfile
    >>> with remembered_failures(tempfile.mkdtemp()):
    ...     pass
    """
    path = Path(cache_dir) / f"build-failures-{code_digest()}.pickle"
    known: dict[tuple[str, str], tuple[str, int, str]] = read_cache(path)
    if not isinstance(known, dict):  # none yet, or damaged: the documents are parsed
        known = {}
    failed = _build._FAILED
    for key, (p, line, message) in known.items():
        failed.setdefault(key, BriefingParseError(p, line, message))
    yield
    now = {key: (e.path, e.line, e.message) for key, e in failed.items()}
    if now != known:
        write_cache(path, now, stale=Path(cache_dir).glob("build-failures-*.pickle"))
