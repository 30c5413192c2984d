"""Official code sets, each release loaded into its own named graph.

Each official file kg reads is described once, by a
:class:`~kg.codesets.codeset.CodeSet` in the module of its code set, and
every load takes the same path (:meth:`CodeSet.load <kg.codesets.codeset.CodeSet.load>`):
the file is read where it is (nothing is copied), its header checked, its rows
turned into triples, and written as a release graph of its own,
``https://w3id.org/codekg/codeset/{name}/{release}/{sha256[:12]}``, beside the
set's other releases; the newest is current (``a kg:CodeSetRelease``), the
others are kept as ``kg:SupersededRelease`` (:mod:`kg.codesets.catalog`). A
file already loaded (same SHA-256) is skipped; the switch to a new release is
one small transaction (:mod:`kg.codesets.release`). The graph IRI is also the
release node: code system, release label, context, file name, SHA-256, triple
count, load time and valid-from date (:func:`releases` lists them).

:data:`CODESETS` is the registry: every ``CodeSet`` defined at the top of a
module of this package, by name. It drives :func:`load`, ``kg codesets load``'s
options and ``kg build --codeset``'s choices. Adding a code set is one module
with one ``CodeSet`` entry, and its tests. The ``load_*`` functions are the
sets' :meth:`~kg.codesets.codeset.CodeSet.load`, by their old names.

Examples
--------
>>> [n for n in CODESETS if n.startswith(('cpt', 'hcpcs'))]
['cpt', 'cpt-modifiers', 'hcpcs', 'hcpcs-modifiers']
>>> import tempfile
>>> from pathlib import Path
>>> import pyoxigraph as ox
>>> path = Path(tempfile.mkdtemp()) / "ncci_addon_code_edits_2024-06.csv"
>>> _ = path.write_text("primary_code,add_on_code,aoc_edit_type\\nCCCCC,0054T,2\\n22551,22552,1\\n")
>>> store = ox.Store()
>>> CODESETS["ncci-addon"].load(store, path, progress=False).triples
5
>>> [(r["name"], r["release"], r["triples"]) for r in releases(store)]
[('ncci-addon', '2024-06', '5')]
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable, Mapping

from kg.codesets.codeset import CodeSet
from kg.codesets.cpt import load_cpt
from kg.codesets.hcpcs import load_cpt_modifiers, load_hcpcs, load_hcpcs_modifiers
from kg.codesets.icd10cm import load_icd10cm
from kg.codesets.mpfs import load_mpfs
from kg.codesets.ncci import load_ncci_addon, load_ncci_mue, load_ncci_ptp, load_ncci_ptp_hospital
from kg.codesets.nucc import load_nucc
from kg.codesets.pos import load_pos, map_site_text
from kg.codesets.catalog import current_graph, current_graphs, drop_release
from kg.codesets.release import CODESET, LoadReport, graph_iri, releases, releases_table
from kg.errors import CodeSetError

__all__ = [
    "CODESET",
    "CODESETS",
    "CodeSet",
    "LOADERS",
    "LoadReport",
    "current_graph",
    "current_graphs",
    "drop_release",
    "graph_iri",
    "load",
    "load_cpt",
    "load_cpt_modifiers",
    "load_hcpcs",
    "load_hcpcs_modifiers",
    "load_icd10cm",
    "load_mpfs",
    "load_ncci_addon",
    "load_ncci_mue",
    "load_ncci_ptp",
    "load_ncci_ptp_hospital",
    "load_nucc",
    "load_pos",
    "map_site_text",
    "releases",
    "releases_table",
]


def _registry() -> dict[str, CodeSet]:
    found: dict[str, CodeSet] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, CodeSet) and found.setdefault(value.name, value) is not value:
                raise ValueError(f"two code sets are named {value.name!r}")
    return dict(sorted(found.items()))


CODESETS: dict[str, CodeSet] = _registry()
"""Code-set name (its graph's last segment, and its ``kg codesets load --NAME`` option) -> :class:`CodeSet`."""

LOADERS: dict[str, Callable[..., LoadReport]] = {name: cs.load for name, cs in CODESETS.items()}
"""Code-set name -> its loader, ``CODESETS[name].load``."""


def load(store, sources: Mapping[str, str | os.PathLike | None], *, progress: bool | None = None,
         include_deleted: bool = False, threads: int | None = None) -> list[LoadReport]:
    """Load several code sets, one after another by default.

    Each code set is its own graph, written by two bulk loads at a time
    (:data:`kg.codesets.release.WRITERS`), which keep the cores busy: the
    bench's six code sets took 23.0-23.7 s and 1.3 GB at the peak one at a
    time, 24.6-24.8 s and 1.7-1.8 GB two at a time (Session 12).

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    sources : mapping
        Code-set name (a key of :data:`CODESETS`) -> file; ``None`` only for
        a set with a default file (``icd10cm``: the packaged tabular XML).
    progress : bool, optional
        Progress bars; by default only on a terminal.
    include_deleted : bool
        For the sets that take it (NCCI PTP, both contexts): also load deleted edits.
    threads : int, optional
        Code sets loaded at once; by default 1, one after another.

    Returns
    -------
    list of LoadReport
        One per code set, in the order of :data:`CODESETS`.

    Raises
    ------
    CodeSetError
        For an unknown name or a missing file (before anything is loaded), or
        a bad file: the other code sets are still loaded, and the error of the
        first bad one (in the order of :data:`CODESETS`) is raised.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> load(ox.Store(), {"nope": "x.csv"})
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: unknown code set 'nope'; choose from ccsr, cpt, cpt-modifiers, hcc, ...
    """
    from concurrent.futures import ThreadPoolExecutor

    from kg.stats import deferred

    unknown = sorted(set(sources) - set(CODESETS))
    if unknown:
        raise CodeSetError(f"unknown code set {unknown[0]!r}; choose from {', '.join(CODESETS)}")
    missing = [name for name, path in sources.items() if path is None and CODESETS[name].default_file is None]
    if missing:
        raise CodeSetError(f"code set {missing[0]!r} needs a file")
    names = [name for name in CODESETS if name in sources]

    def one(name: str) -> LoadReport:
        cs = CODESETS[name]
        extra = {"include_deleted": True} if include_deleted and "include_deleted" in cs.options else {}
        return cs.load(store, sources[name], progress=progress, **extra)

    threads = threads or 1
    # the statistics of every release loaded here are recorded once, when the last is in (kg.stats.deferred)
    with deferred(store), ThreadPoolExecutor(max(1, min(threads, len(names) or 1))) as pool:
        # the heaviest first, so that the light ones fill in around them
        futures = {name: pool.submit(one, name) for name in sorted(names, key=lambda n: -CODESETS[n].weight)}
    errors = [futures[name].exception() for name in names if futures[name].exception() is not None]
    if errors:
        raise errors[0]
    return [futures[name].result() for name in names]
