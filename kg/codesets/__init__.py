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
         include_deleted: bool = False) -> list[LoadReport]:
    """Load several code sets, in the order of :data:`LOADERS`.

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

    Returns
    -------
    list of LoadReport
        One per code set, in load order.

    Raises
    ------
    CodeSetError
        For an unknown name or a missing file (before anything is loaded), or a bad file.
    """
    unknown = sorted(set(sources) - set(LOADERS))
    if unknown:
        raise CodeSetError(f"unknown code set {unknown[0]!r}; choose from {', '.join(LOADERS)}")
    missing = [name for name, path in sources.items() if path is None and name != "icd10cm"]
    if missing:
        raise CodeSetError(f"code set {missing[0]!r} needs a file")
    reports = []
    for name, loader in LOADERS.items():
        if name in sources:
            extra = {"include_deleted": True} if name == "ncci-ptp" and include_deleted else {}
            reports.append(loader(store, sources[name], progress=progress, **extra))
    return reports
