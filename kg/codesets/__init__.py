"""Official code sets, each release loaded into its own named graph.

One module per code set, each with a loader
``load_X(store, path, *, release=None, progress=None) -> LoadReport`` that
reads the official file where it is (nothing is copied) and writes graph
``https://w3id.org/codekg/codeset/{name}``, replacing an older release and
skipping a file already loaded (same SHA-256). The graph IRI is also a
``kg:CodeSetRelease`` node: code system, release label, file name, SHA-256,
triple count and load time (:func:`releases` lists them).

:data:`LOADERS` maps each name to its loader and drives ``kg codesets load``.

Examples
--------
>>> sorted(LOADERS)[:4]
['cpt-modifiers', 'hcpcs', 'hcpcs-modifiers', 'icd10cm']
>>> import tempfile
>>> from pathlib import Path
>>> import pyoxigraph as ox
>>> path = Path(tempfile.mkdtemp()) / "ncci_addon_code_edits_2024-06.csv"
>>> _ = path.write_text("primary_code,add_on_code,aoc_edit_type\\nCCCCC,0054T,2\\n22551,22552,1\\n")
>>> store = ox.Store()
>>> LOADERS["ncci-addon"](store, path, progress=False).triples
5
>>> [(r["name"], r["release"], r["triples"]) for r in releases(store)]
[('ncci-addon', '2024-06', '5')]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from kg.codesets.hcpcs import load_cpt_modifiers, load_hcpcs, load_hcpcs_modifiers
from kg.codesets.icd10cm import load_icd10cm
from kg.codesets.mpfs import load_mpfs
from kg.codesets.ncci import load_ncci_addon, load_ncci_mue, load_ncci_ptp
from kg.codesets.nucc import load_nucc
from kg.codesets.pos import link_sites, load_pos, map_site_text
from kg.codesets.release import CODESET, LoadReport, graph_iri, releases
from kg.errors import CodeSetError

__all__ = [
    "CODESET",
    "LOADERS",
    "LoadReport",
    "graph_iri",
    "link_sites",
    "load",
    "load_cpt_modifiers",
    "load_hcpcs",
    "load_hcpcs_modifiers",
    "load_icd10cm",
    "load_mpfs",
    "load_ncci_addon",
    "load_ncci_mue",
    "load_ncci_ptp",
    "load_nucc",
    "load_pos",
    "map_site_text",
    "releases",
]

LOADERS: dict[str, Callable[..., LoadReport]] = {
    "icd10cm": load_icd10cm,
    "nucc": load_nucc,
    "hcpcs": load_hcpcs,
    "hcpcs-modifiers": load_hcpcs_modifiers,
    "cpt-modifiers": load_cpt_modifiers,
    "pos": load_pos,
    "mpfs": load_mpfs,
    "ncci-ptp": load_ncci_ptp,
    "ncci-mue": load_ncci_mue,
    "ncci-addon": load_ncci_addon,
}
"""Code-set name (its graph's last segment, and its ``kg codesets load --NAME`` option) -> loader."""


def load(store, sources: Mapping[str, str | os.PathLike | None], *, progress: bool | None = None,
         include_deleted: bool = False, threads: int | None = None) -> list[LoadReport]:
    """Load several code sets, concurrently.

    Each code set is its own graph, and pyoxigraph writes without holding
    the GIL, so one set's file is read while another's quads are written.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    sources : mapping
        Code-set name (a key of :data:`LOADERS`) -> file; ``None`` only for
        ``icd10cm``, meaning the packaged tabular XML.
    progress : bool, optional
        Progress bars; by default only on a terminal.
    include_deleted : bool
        Passed to :func:`load_ncci_ptp`.
    threads : int, optional
        Code sets loaded at once; by default the number of cores, at least 2.
        1 loads them one after another.

    Returns
    -------
    list of LoadReport
        One per code set, in the order of :data:`LOADERS`.

    Raises
    ------
    CodeSetError
        For an unknown name or a missing file (before anything is loaded), or
        a bad file: the other code sets are still loaded, and the error of the
        first bad one (in the order of :data:`LOADERS`) is raised.
    """
    from concurrent.futures import ThreadPoolExecutor

    unknown = sorted(set(sources) - set(LOADERS))
    if unknown:
        raise CodeSetError(f"unknown code set {unknown[0]!r}; choose from {', '.join(LOADERS)}")
    missing = [name for name, path in sources.items() if path is None and name != "icd10cm"]
    if missing:
        raise CodeSetError(f"code set {missing[0]!r} needs a file")
    names = [name for name in LOADERS if name in sources]

    def one(name: str) -> LoadReport:
        extra = {"include_deleted": True} if name == "ncci-ptp" and include_deleted else {}
        return LOADERS[name](store, sources[name], progress=progress, **extra)

    threads = threads or max(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max(1, min(threads, len(names) or 1))) as pool:
        # the biggest first, so that the small ones fill in around them
        futures = {name: pool.submit(one, name) for name in sorted(names, key=lambda n: _BIG_FIRST.get(n, 99))}
    errors = [futures[name].exception() for name in names if futures[name].exception() is not None]
    if errors:
        raise errors[0]
    return [futures[name].result() for name in names]


_BIG_FIRST = {name: i for i, name in enumerate(
    ("ncci-ptp", "icd10cm", "mpfs", "hcpcs", "ncci-mue", "ncci-addon", "nucc", "pos", "hcpcs-modifiers",
     "cpt-modifiers"))}
