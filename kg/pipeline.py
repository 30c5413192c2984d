"""The whole build: briefings and official code sets into one store, then the links between them.

Data flows one way. The briefings (:func:`kg.build.build`) and the code
sets (:func:`kg.codesets.load`) each write only their own graphs, and
neither reads the other. What joins them is a step of its own, run here
once both are in: :func:`link_sites` links the sites of service briefings
name to the CMS Place of Service codes loaded, in graph :data:`SITE_LINKS`.
:func:`build_all` and :func:`load_codesets` (what ``kg build`` and ``kg
codesets load`` call) run it whenever the briefings or the POS codes change.

:func:`build_all` loads the code sets first, then builds the briefings with
every core. Run side by side instead (the code sets in a thread while the
worker processes parse briefings), at 10,000 briefings with the bench's code
sets on two cores, the whole took no less time but more CPU, and 1.9 GB at
its peak rather than 1.2 GB (``bench/RESULTS.md``, Session 12). In turn, the add-on
lists (NCCI add-on edits, the MPFS) are in before any briefing is read, as
reading needs them (:mod:`kg.knowledge`), and what the audit reads of the code sets is read
(``loaded_then``) before the briefings' workers start. Each side keeps its
own guarantees (whole documents, whole releases).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.codesets import LoadReport, current_graph, load, map_site_text
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL
from kg.build import BuildReport, build
from kg.build_files import FileMemo
from kg.stats import counted, deferred, record_graphs
from kg.sources import Paths
from kg.vocab import BASE, BRIEFING, PREFIXES, briefing_iri, code_iri

if TYPE_CHECKING:
    from kg.mentions import KeptMentions

__all__ = ["SITE_LINKS", "build_all", "link_sites", "load_codesets"]

SITE_LINKS = BASE + "link/site-pos"
"""The graph of ``site:{slug} kg:posCode pos:{code}`` links: derived from the briefings and the POS codes."""

_RELINK_ALL = 200
"""Briefings changed in one build beyond which :func:`build_all` relinks every site rather than theirs."""

_SITES = Path(__file__).with_name("queries") / "internal" / "briefing_sites.rq"


def link_sites(store: ox.Store, graphs: Iterable[str] | None = None) -> int:
    """Link the sites that briefings name to the POS codes loaded, in graph :data:`SITE_LINKS`.

    A site is linked where its name settles the POS codes
    (:func:`kg.codesets.pos.map_site_text`) and those codes are loaded
    (the current POS release). The graph is brought to exactly those links:
    links of sites no briefing names any more, or of a POS release without
    the code, are removed. Without POS codes loaded there are no links.

    ``graphs``, the briefing graphs written or removed since the links were last brought up to date, makes the
    update incremental: only the sites those graphs name now and the sites linked already are looked at, rather
    than every site of every briefing graph (0.4 s at 10,000 briefings). It gives the same links: what a site links
    to follows from its name's slug (:func:`kg.to_rdf.slug`), which its IRI is made of, so one briefing naming it
    settles its links, and a site that had links is in the graph already.

    Returns
    -------
    int
        How many links the graph holds.

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> from kg.codesets import load_pos
    >>> store = ox.Store()
    >>> built = build(store, [examples_dir()], progress=False)
    >>> link_sites(store)  # no POS codes yet
    0
    >>> path = Path(tempfile.mkdtemp()) / "pos.csv"
    >>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n11,Non-Facility,Office,An office.\\n")
    >>> _ = load_pos(store, path, progress=False)
    >>> link_sites(store)  # the briefings' "physician office" and "office" sites are POS 11
    1
    >>> link_sites(store, [briefing_iri(n) for n in built.added])  # incremental: the same links
    1
    """
    g = ox.NamedNode(SITE_LINKS)
    pos = current_graph(store, "pos")
    current = set(store.quads_for_pattern(None, None, None, g))
    wanted: set[ox.Quad] = set()
    if pos and graphs is None:
        loaded = {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, K.SiteOfService, ox.NamedNode(pos))}
        query = _SITES.read_text(encoding="utf-8")
        for s in store.query(query, prefixes=PREFIXES, substitutions={ox.Variable("prefix"): ox.Literal(BRIEFING)}):
            for code in map_site_text(s["label"].value):
                if ox.NamedNode(code_iri("POS", code)) in loaded:
                    wanted.add(ox.Quad(s["site"], K.posCode, ox.NamedNode(code_iri("POS", code)), g))
    elif pos:
        sites = {q.subject for q in current}
        for iri in graphs:
            sites.update(q.subject for q in store.quads_for_pattern(None, RDF_TYPE, K.SiteOfService, ox.NamedNode(iri)))
        pos_graph = ox.NamedNode(pos)
        for site in sites:
            label = _named_as(store, site)
            for code in map_site_text(label) if label is not None else ():
                code_node = ox.NamedNode(code_iri("POS", code))
                if ox.Quad(code_node, RDF_TYPE, K.SiteOfService, pos_graph) in store:
                    wanted.add(ox.Quad(site, K.posCode, code_node, g))
    if wanted == current:
        return len(wanted)
    before = {SITE_LINKS: counted(store, SITE_LINKS)}  # so the statistics update from the changed links alone
    for q in current - wanted:
        store.remove(q)
    store.extend(wanted - current)
    record_graphs(store, [SITE_LINKS], quads={SITE_LINKS: len(wanted)}, before=before)
    return len(wanted)


def _named_as(store: ox.Store, site: ox.NamedNode) -> str | None:
    """A name a briefing graph gives ``site`` (``site a kg:SiteOfService ; rdfs:label ?name`` in one graph under
    :data:`kg.vocab.BRIEFING`, as :func:`link_sites` reads them all), or None if no briefing names it."""
    for q in store.quads_for_pattern(site, RDF_TYPE, K.SiteOfService, None):
        if q.graph_name.value.startswith(BRIEFING):
            label = next(store.quads_for_pattern(site, RDFS_LABEL, None, q.graph_name), None)
            if label is not None:
                return label.object.value
    return None


def _pos_changed(loaded: Sequence[LoadReport]) -> bool:
    return any(r.name == "pos" and not r.skipped for r in loaded)


def load_codesets(store: ox.Store, sources: Mapping[str, str | os.PathLike | None], *,
                  progress: bool | None = None, include_deleted: bool = False,
                  threads: int | None = None) -> list[LoadReport]:
    """Load code sets (:func:`kg.codesets.load`), then relink the briefings' sites if POS changed.

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> store = ox.Store()
    >>> _ = build(store, [examples_dir()], progress=False)
    >>> path = Path(tempfile.mkdtemp()) / "pos.csv"
    >>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n21,Facility,Inpatient Hospital,x\\n")
    >>> [r.name for r in load_codesets(store, {"pos": path}, progress=False)]
    ['pos']
    >>> len(list(store.quads_for_pattern(None, K.posCode, None, ox.NamedNode(SITE_LINKS))))
    1
    """
    loaded = load(store, sources, progress=progress, include_deleted=include_deleted, threads=threads)
    if _pos_changed(loaded):
        link_sites(store)
    return loaded


def build_all(
    store: ox.Store,
    paths: Paths,
    codesets: Mapping[str, str | os.PathLike | None] | None = None,
    *,
    progress: bool | None = None,
    include_deleted: bool = False,
    keep_missing: bool = False,
    files: FileMemo | None = None,
    kept: KeptMentions | None = None,
    loaded_then: Callable[[list[LoadReport]], object] | None = None,
) -> tuple[BuildReport, list[LoadReport]]:
    """Load code sets into ``store``, then build briefings into it, then link them.

    Parameters
    ----------
    store : pyoxigraph.Store
        From :func:`kg.store.open_store`.
    paths : path-like, or iterable of path-like
        Briefing files and folders, as for :func:`kg.build.build` (one
        ``str`` is one path).
    codesets : mapping, optional
        Code-set name -> file, as for :func:`kg.codesets.load`; none by default.
    progress : bool, optional
        Progress bars; by default only on a terminal.
    include_deleted : bool
        Passed to :func:`kg.codesets.load`.
    keep_missing : bool
        Passed to :func:`kg.build.build`: keep the documents no longer in the folders built.
    files : kg.build_files.FileMemo, optional
        Passed to :func:`kg.build.build`: what the last build found in each file. Only a memo the store vouches
        for (``files.trusted``) lets the site links be updated from the changed briefings alone; without one,
        every site is relinked (0.4 s at 10,000 briefings), so a build killed before its links is repaired.
    kept : kg.mentions.KeptMentions, optional
        Passed to :func:`kg.build.build`: receives what the audit reads of each graph written.
    loaded_then : callable, optional
        Called with the code sets' load reports once they are all in and none failed, before the briefings are
        built (what ``kg build`` reads of the code sets for the audit, :func:`kg.audit.cache.keep_code_set_facts`);
        not called when no code set was given.

    Returns
    -------
    (BuildReport, list of LoadReport)
        What :func:`kg.build.build` and :func:`kg.codesets.load` return.

    Raises
    ------
    CodeSetError
        After both sides have finished, if a code-set file was bad; the
        briefings and the other code sets are built all the same, and linked.

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> built, loaded = build_all(ox.Store(), str(examples_dir() / "77013.txt"), progress=False)
    >>> built.added, loaded
    (['77013.txt'], [])
    """
    # every writer of this build (the briefings, each code set, the site links) records what it wrote in the
    # statistics (kg.stats) once, together, when the last is done
    with deferred(store):
        return _build_all(store, paths, codesets, progress=progress, include_deleted=include_deleted,
                          keep_missing=keep_missing, files=files, kept=kept, loaded_then=loaded_then)


def _build_all(store: ox.Store, paths: Paths, codesets: Mapping[str, str | os.PathLike | None] | None, *,
               progress: bool | None, include_deleted: bool, keep_missing: bool, files: FileMemo | None,
               kept: KeptMentions | None, loaded_then: Callable[[list[LoadReport]], object] | None
               ) -> tuple[BuildReport, list[LoadReport]]:
    # The code sets first, each whole: the add-on lists among them say how "reported in addition to" reads
    # (kg.knowledge), and the briefings' workers then have the cores to themselves.
    loaded: list[LoadReport] = []
    error: BaseException | None = None
    if codesets:
        try:
            loaded = load(store, codesets, progress=progress, include_deleted=include_deleted)
            if loaded_then is not None:
                loaded_then(loaded)
        except Exception as err:  # a bad code-set file: raised below, once the briefings are built (not an interrupt)
            error = err
    built = build(store, paths, progress=progress, keep_missing=keep_missing, files=files, kept=kept)
    changed = [briefing_iri(n) for n in built.added + built.updated + built.removed]
    # the incremental update trusts that the last build brought the links up to date: only a memo vouched for by
    # the store as that build closed it says so (a build killed between its briefings and its links leaves none)
    if error is not None or _pos_changed(loaded) or len(changed) > _RELINK_ALL or files is None or not files.trusted:
        link_sites(store)  # after both sides: the briefings' sites and the POS codes are all in
    elif changed:
        link_sites(store, changed)  # the sites of the changed briefings, and those linked already
    if error is not None:
        raise error
    return built, loaded
