"""The audit's mentions (:func:`kg.audit.read.mentions`), kept per briefing beside the store, keyed by its SHA-256.

What a briefing mentions depends on its graph alone, which ``kg build`` writes from the briefing's bytes and
replaces only when they change (their SHA-256 is in the graph's marker, ``<g> kg:sha256``). So an audit reads
the briefings' digests (a few hundred milliseconds at 10,000 briefings, where reading every mention takes ten
seconds of CPU), and reads again only the briefings whose digest the kept mentions do not have: the four queries
of :func:`kg.audit.read.mentions`, each ``GRAPH ?doc`` pattern restricted to those graphs. The file's name is
a SHA-256 over the source of the code that builds a briefing graph and reads its mentions, and over the code-set
releases (:func:`kg.audit.cache.facts_key`: the add-on codes a build reads come from them), so another kg, or a
code set loaded, reloaded or dropped, reads every briefing again. The directory is :func:`kg.store.cache_dir_for`'s.

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> store = ox.Store()
>>> _ = build(store, examples_dir() / "77013.txt", progress=False)
>>> cache = tempfile.mkdtemp()
>>> (first, read), (again, read_again) = briefing_mentions(store, cache), briefing_mentions(store, cache)
>>> first == again == mentions(store), read, read_again
(True, 1, 0)
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.audit.read import _Mention, _mentions, mentions
from kg.cache import write_cache
from kg.official import INTERNAL_QUERIES
from kg.official import run_internal as _run

__all__ = ["FORMAT", "QUERIES", "briefing_mentions"]

FORMAT = 1
"""The cache's format: part of its key."""

QUERIES = ("audit-code-nodes", "audit-mentions", "audit-subjects", "audit-malformed")
"""The queries :func:`kg.audit.read._mentions` reads; each names a briefing graph ``GRAPH ?doc`` only."""

_SOURCES = ("audit/read.py", "build.py", "to_rdf.py", "vocab.py", "parse", "model", "relations")
"""The code that decides a briefing's graph from its bytes, and what the audit reads of it."""

_PARTIAL = 0.2
"""Up to this share of the briefings changed, the changed ones alone are read; more, and every one is."""


def _key(store) -> str | None:
    from kg.audit.cache import facts_key

    releases = facts_key(store)
    if releases is None:
        return None
    h = hashlib.sha256(f"kg-audit-mentions {FORMAT} {releases}\n".encode())
    package = Path(__file__).parents[1]
    for name in _SOURCES:
        path = package / name
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(str(source.relative_to(package)).encode() + b"\n" + source.read_bytes())
    for name in QUERIES:
        h.update((INTERNAL_QUERIES / f"{name}.rq").read_bytes())
    return h.hexdigest()


def _load(path: Path) -> dict:
    enabled = gc.isenabled()
    gc.disable()  # a hundred thousand records: no collection pass over them while they are made
    try:
        with open(path, "rb") as fh:
            kept = pickle.load(fh)
    except Exception:  # noqa: BLE001  (none yet, or damaged: every briefing is read)
        kept = {}
    finally:
        if enabled:
            gc.enable()
    return kept if isinstance(kept, dict) else {}


def _read_all(store) -> list[_Mention]:
    # the relations are the longest read: the engine runs it in another thread (it holds no GIL while it
    # evaluates) while this one reads the rest
    with ThreadPoolExecutor(max_workers=1) as pool:
        mention_rows = pool.submit(_run, store, "audit-mentions")
        rows = {name: _run(store, name) for name in QUERIES if name != "audit-mentions"}
        rows["audit-mentions"] = mention_rows.result()
    return _mentions(*(rows[name] for name in QUERIES))


def _read_some(store, docs: list[str]) -> list[_Mention]:
    """The mentions of briefing graphs ``docs`` only: the queries with every ``GRAPH ?doc`` group bound to them."""
    import pyoxigraph as ox

    from kg.official import PREFIXES, internal_sparql, tsv_records

    values = "VALUES ?doc { " + " ".join(str(ox.NamedNode(d)) for d in docs) + " } GRAPH ?doc {"
    rows = [tsv_records(store.query(internal_sparql(name).replace("GRAPH ?doc {", values), prefixes=PREFIXES,
                                    use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.TSV))
            for name in QUERIES]
    return _mentions(*rows)


def _by_document(found: list[_Mention]) -> dict[str, list[_Mention]]:
    out: dict[str, list[_Mention]] = {}
    for m in found:
        out.setdefault(m.document, []).append(m)
    return out


def briefing_mentions(store, cache_dir: str | os.PathLike | None) -> tuple[list[_Mention], int]:
    """:func:`kg.audit.read.mentions` of ``store``, the briefings unchanged since the last call read from
    ``cache_dir``; and how many briefings were read from the store.

    ``cache_dir=None``, a remote store, or a code-set release without a stamp: every briefing is read, nothing kept.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> briefing_mentions(ox.Store(), None)
    ([], 0)
    """
    import pyoxigraph as ox

    from kg.target import StoreTarget

    embedded = store.store if isinstance(store, StoreTarget) else store
    key = _key(embedded) if cache_dir is not None and isinstance(embedded, ox.Store) else None
    if key is None:
        found = mentions(store)
        return found, len({m.document for m in found})
    stamps = {r["doc"]: r["sha"] for r in _run(embedded, "audit-briefings")}
    path = Path(cache_dir) / f"audit-mentions-{key[:24]}.pickle"
    kept = _load(path) if path.is_file() else {}
    changed = sorted(doc for doc, sha in stamps.items() if kept.get(doc, ("",))[0] != sha)
    if len(changed) > _PARTIAL * len(stamps) or not kept:
        found = _by_document(_read_all(embedded))
    else:
        found = _by_document(_read_some(embedded, changed)) if changed else {}
        for doc in stamps.keys() - set(changed):
            found[doc] = list(kept[doc][1])
    read = len(changed) if kept else len(found)
    # every mention of a briefing names its file first: the briefings in file order are the mentions in order
    out: list[_Mention] = []
    for doc in sorted((d for d in found if found[d]), key=lambda d: found[d][0].file):
        out.extend(found[doc])
    if found.keys() <= stamps.keys() and (changed or kept.keys() != stamps.keys()):  # a graph without a digest
        fresh = {doc: (sha, tuple(found.get(doc, ()))) for doc, sha in stamps.items()}  # is read every time
        write_cache(path, fresh, stale=path.parent.glob("audit-mentions-*.pickle") if path.parent.is_dir() else ())
    return out, read
