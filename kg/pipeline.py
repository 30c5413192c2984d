"""The whole build in one call: briefings and official code sets into one store, at the same time.

``kg build`` then ``kg codesets load`` work one after the other. On a
fresh store, :func:`build_all` runs them together: the code sets load in a
thread while the briefings are parsed in worker processes, and pyoxigraph
writes both without holding the GIL, so the cores stay busy. Each side
keeps its own guarantees (whole documents, whole releases), since they
write different graphs.

Examples
--------
>>> import tempfile
>>> from kg.examples import examples_dir
>>> from kg.store import open_store
>>> store = open_store(tempfile.mkdtemp())
>>> built, loaded = build_all(store, [examples_dir()], {"icd10cm": None}, progress=False)
>>> len(built.added) >= 9, [r.name for r in loaded]
(True, ['icd10cm'])
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

import pyoxigraph as ox

from kg.codesets import LoadReport, link_sites, load
from kg.store import BuildReport, Paths, build

__all__ = ["build_all"]


def build_all(
    store: ox.Store,
    paths: Paths,
    codesets: Mapping[str, str | os.PathLike | None],
    *,
    progress: bool | None = None,
    include_deleted: bool = False,
) -> tuple[BuildReport, list[LoadReport]]:
    """Build briefings and load code sets into ``store`` concurrently.

    Parameters
    ----------
    store : pyoxigraph.Store
        From :func:`kg.store.open_store`.
    paths : path-like, or iterable of path-like
        Briefing files and folders, as for :func:`kg.store.build` (one
        ``str`` is one path).
    codesets : mapping
        Code-set name -> file, as for :func:`kg.codesets.load`.
    progress : bool, optional
        Progress bars; by default only on a terminal.
    include_deleted : bool
        Passed to :func:`kg.codesets.load_ncci_ptp`.

    Returns
    -------
    (BuildReport, list of LoadReport)
        What :func:`kg.store.build` and :func:`kg.codesets.load` return.

    Raises
    ------
    CodeSetError
        After both sides have finished, if a code-set file was bad; the
        briefings and the other code sets are built all the same.

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> from kg.store import open_store
    >>> built, loaded = build_all(open_store(tempfile.mkdtemp()), str(examples_dir() / "77013.txt"), {}, progress=False)
    >>> built.added, loaded
    (['77013.txt'], [])
    """
    outcome: dict[str, object] = {}

    def codeset_side() -> None:
        try:
            # one code set at a time: the briefings already keep a core busy, and memory stays bounded
            outcome["loaded"] = load(store, codesets, progress=progress, include_deleted=include_deleted, threads=1)
        except BaseException as err:  # raised below, once the briefings are built
            outcome["error"] = err

    thread = threading.Thread(target=codeset_side, name="kg-codesets", daemon=True)
    thread.start()
    try:
        built = build(store, paths, progress=progress)
    finally:
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    if "pos" in codesets:
        # POS links the sites briefings name; some briefings were built after that load
        link_sites(store)
    return built, outcome["loaded"]
