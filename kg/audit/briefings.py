"""The audit's findings, kept per briefing beside the store, keyed by the briefing's SHA-256.

What the audit finds in a briefing depends on that briefing's graph and the code sets alone (every check looks
at one briefing's mentions; the NCCI edits read are those among its own codes). ``kg build`` writes a briefing's
graph from its bytes and replaces it only when they change (their SHA-256 is in the graph's marker,
``<g> kg:sha256``). So an audit reads the briefings' digests (a few tenths of a second at 10,000 briefings,
where reading every mention takes ten seconds of CPU) and checks again only the briefings whose digest the kept
findings do not have. Their mentions come from what ``kg build`` kept of each graph (:mod:`kg.mentions`, under
the graph's content digest); a graph kept nowhere is read from the store, with the four queries of
:func:`kg.audit.read.mentions` each ``GRAPH ?doc`` group bound to those graphs (every briefing graph, when more
than a fifth are to be read), and kept for the next audit.

The file's name is a SHA-256 over the source of kg (the code that builds a briefing's graph, reads it and checks
it), the version of rapidfuzz, the NCCI context, and the code-set releases (:func:`kg.audit.cache.facts_key`), so
another kg, or a code set loaded, reloaded or dropped, checks every briefing again; a release without a stamp,
a remote store or no cache directory caches nothing. The directory is :func:`kg.store.cache_dir_for`'s.

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> store = ox.Store()
>>> _ = build(store, examples_dir() / "77013.txt", progress=False)
>>> cache = tempfile.mkdtemp()
>>> (first, read), (again, read_again) = audit_briefings(store, cache), audit_briefings(store, cache)
>>> first == again, read, read_again  # no code set loaded: no finding, and the briefing read once
(True, 1, 0)
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.audit.read import _Mention, _mentions
from kg.cache import code_digest, read_cache, write_cache
from kg.official import run_internal as _run

__all__ = ["FORMAT", "QUERIES", "audit_briefings"]

FORMAT = 1
"""The cache's format: part of its key."""

QUERIES = ("audit-code-nodes", "audit-mentions", "audit-subjects", "audit-malformed")
"""The queries :func:`kg.audit.read._mentions` reads; each names a briefing graph ``GRAPH ?doc`` only."""

_PARTIAL = 0.2
"""Up to this share of the briefings changed, the changed ones alone are read; more, and every one is."""


def _key(store, context: str) -> str | None:
    import rapidfuzz

    from kg.audit.cache import facts_key

    releases = facts_key(store)
    if releases is None:
        return None
    # kg's code: what builds a briefing's graph, reads it and checks it (every module and query)
    h = hashlib.sha256(f"kg-audit-briefings {FORMAT} {context} rapidfuzz {rapidfuzz.__version__} {releases} "
                       f"{code_digest()}\n".encode())
    return h.hexdigest()


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


def _check(store, found: list[_Mention], facts, context: str, cache_dir, whole: bool) -> list:
    """:func:`kg.audit.check` of ``found``, with the label comparisons kept (:func:`kg.audit.cache.label_memo`):
    those of this audit when it checked every briefing (``whole``), else those kept and these."""
    from kg.audit import _REPORTED_TOGETHER, check
    from kg.audit.cache import label_memo, save_label_memo
    from kg.official import with_ptp

    codes = {c for m in found if m.relation in _REPORTED_TOGETHER for c in m.ends}
    known, made = label_memo(cache_dir), {}
    out = check(found, with_ptp(facts, store, context, codes), known, made)
    save_label_memo(cache_dir, made if whole else {**known, **made}, known)
    return out


def _read_and_check(store, context: str, cache_dir, docs: list[str] | None,
                    contents: dict[str, str | None] | None = None) -> tuple[list, list[_Mention]]:
    """The findings and mentions of briefing graphs ``docs`` (every briefing, for None); ``contents``, if given, is
    every briefing graph's content digest (None for a graph without one), under which the mentions may be kept."""
    from kg.audit.cache import cached_code_set_facts

    # What the code sets say is read in another thread (from the cache when their releases have not changed)
    # while this one reads the mentions. Only the NCCI edits wait for the briefings' codes.
    with ThreadPoolExecutor(max_workers=1) as pool:
        facts = pool.submit(cached_code_set_facts, store, cache_dir)
        if contents is None or cache_dir is None:
            found = _read_all(store) if docs is None else _read_some(store, docs)
        else:
            found = _kept_or_read(store, cache_dir, docs, contents)
        facts, _ = facts.result()
    return _check(store, found, facts, context, cache_dir, docs is None), found


def _kept_or_read(store, cache_dir, docs: list[str] | None, contents: dict[str, str | None]) -> list[_Mention]:
    """The mentions of briefing graphs ``docs`` (every one, for None): those :mod:`kg.mentions` holds under the
    graph's content digest, the others read from the store (and kept there for the next audit)."""
    from kg.mentions import KeptMentions, pack, unpack

    log = KeptMentions(cache_dir)
    records = log.read()
    wanted = sorted(contents) if docs is None else docs
    lists: dict[str, list[_Mention]] = {}  # graph -> its mentions
    missing = []
    for doc in wanted:
        blob = records.get(contents.get(doc) or "")
        if blob is None:
            missing.append(doc)
        else:
            lists[doc] = unpack(blob)
    if missing:
        read = _read_all(store) if len(missing) > _PARTIAL * len(contents) else _read_some(store, missing)
        new: dict[str, list[_Mention]] = {}
        for m in read:
            new.setdefault(m.document, []).append(m)
        for doc in missing:
            lists[doc] = new.get(doc, [])
            if contents.get(doc) and doc in new:
                log.add(contents[doc], pack(new[doc]))
    live = {c for c in contents.values() if c}
    if not log.good or len(records.keys() - live) > len(live):  # damaged, or mostly graphs no longer in the store
        log.compact({c: b for c, b in {**records, **log.added}.items() if c in live})
    else:
        log.save()
    # each graph's mentions are in _mentions' order, which is by file first: so all of them are, file by file
    return [m for ms in sorted((ms for ms in lists.values() if ms), key=lambda ms: ms[0].file) for m in ms]


def audit_briefings(store, cache_dir: str | os.PathLike | None, context: str = "practitioner") -> tuple[list, int]:
    """:func:`kg.audit.audit` of ``store``: the findings, the briefings unchanged since the last audit read from
    ``cache_dir``; and how many briefings were read and checked.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> audit_briefings(ox.Store(), None)
    ([], 0)
    """
    import pyoxigraph as ox

    from kg.target import StoreTarget

    embedded = store.store if isinstance(store, StoreTarget) else store
    key = _key(embedded, context) if cache_dir is not None and isinstance(embedded, ox.Store) else None
    if key is None:
        out, found = _read_and_check(store, context, cache_dir, None)
        return out, len({m.document for m in found})
    rows = _run(embedded, "audit-briefings")
    stamps = {r["doc"]: r["sha"] for r in rows}
    contents = {r["doc"]: r["content"] for r in rows}
    path = Path(cache_dir) / f"audit-briefings-{key[:24]}.pickle"
    kept = read_cache(path)  # none yet, or damaged: every briefing is read
    kept = kept if isinstance(kept, dict) else {}
    changed = sorted(doc for doc, sha in stamps.items() if kept.get(doc, ("",))[0] != sha)
    whole = not kept or len(changed) > _PARTIAL * len(stamps)
    files: dict[str, str] = {}  # briefing graph -> its file: the findings come briefing by briefing, in file order
    findings: dict[str, list] = {}
    if whole or changed:
        out, found = _read_and_check(embedded, context, cache_dir, None if whole else changed, contents)
        files = {m.document: m.file for m in found}
        document = {m.file: m.document for m in found}
        for f in out:
            findings.setdefault(document[f.document], []).append(f)
    if not whole:
        for doc in stamps.keys() - set(changed):
            _, files[doc], findings[doc] = kept[doc]
    out = [f for doc in sorted(findings, key=files.__getitem__) for f in findings[doc]]
    if files.keys() <= stamps.keys() and (changed or kept.keys() != stamps.keys()):  # a graph without a digest
        fresh = {doc: (sha, files.get(doc, ""), tuple(findings.get(doc, ()))) for doc, sha in stamps.items()}
        write_cache(path, fresh, stale=path.parent.glob("audit-briefings-*.pickle"))
    return out, len(files) if whole else len(changed)
