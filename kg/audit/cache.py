"""What the loaded code sets say (:func:`kg.official.code_set_facts`), kept in a pickle beside the store.

The facts of every code (labels, billable flags, MPFS indicators, add-on edits) depend only on the current
code-set releases, which change when ``kg codesets load`` runs, not when briefings are built or audited; at
10,000 briefings reading them is a fifth of ``kg audit``. :func:`cached_code_set_facts` keys the pickle by
:func:`facts_key`: a SHA-256 over every current release's graph IRI, file SHA-256, load time and triple count,
and over the source of the code that reads them, so a release loaded, reloaded or dropped, or a kg that reads
them differently, gives a new key and the old file is never read. A release without a SHA-256 or a load time
is never cached. The directory is :func:`kg.store.cache_dir_for`'s (``$KG_CACHE_DIR``, else
``<store>.kg-cache``), as for the whole-store projection.

:func:`label_memo` keeps the audit's label comparisons (:func:`kg.similarity.compare_label`, a pure function
of a description and a code's official labels) between audits, keyed by the source of :mod:`kg.similarity` and
the version of rapidfuzz: a rebuild changes few descriptions, and each comparison costs 80 us.

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> from pathlib import Path
>>> from kg.codesets import CODESETS
>>> path = Path(tempfile.mkdtemp()) / "ncci_addon_code_edits_2024-06.csv"
>>> _ = path.write_text("primary_code,add_on_code,aoc_edit_type\\nCCCCC,0054T,2\\n22551,22552,1\\n")
>>> store = ox.Store()
>>> _ = CODESETS["ncci-addon"].load(store, path, progress=False)
>>> cache = tempfile.mkdtemp()
>>> a, hit = cached_code_set_facts(store, cache)
>>> b, hit_again = cached_code_set_facts(store, cache)  # read from the cache
>>> a == b, hit, hit_again
(True, False, True)
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.cache import read_cache, write_cache
from kg.official import INTERNAL_QUERIES, Official, code_set_facts, run_internal

__all__ = ["FORMAT", "cached_code_set_facts", "facts_key", "keep_code_set_facts", "label_memo", "save_label_memo"]

FORMAT = 1
"""The cache's format: part of every key."""

_SOURCES = ("official.py", "cms.py", "codesets/catalog.py")
"""The modules that decide what :func:`kg.official.code_set_facts` returns (with every internal query)."""


def facts_key(store) -> str | None:
    """The cache key of the store's current code-set releases; ``None`` when one of them has no stamp.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> len(facts_key(ox.Store()))  # no code set loaded: a key all the same
    64
    """
    rows = run_internal(store, "official-stamps")
    if any(not r["sha"] or not r["loaded"] for r in rows):
        return None
    h = hashlib.sha256(f"kg-code-set-facts {FORMAT}\n".encode())
    package = Path(__file__).parents[1]
    for name in _SOURCES:
        h.update((package / name).read_bytes())
    for query in sorted(INTERNAL_QUERIES.glob("*.rq")):
        h.update(query.name.encode() + b"\n" + query.read_bytes())
    for line in sorted(f"{r['g']} {r['sha']} {r['loaded']} {r['triples']}" for r in rows):
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def cached_code_set_facts(store, cache_dir: str | os.PathLike | None) -> tuple[Official, bool]:
    """:func:`kg.official.code_set_facts`, kept in ``cache_dir`` under :func:`facts_key`; and whether it was read
    from there.

    ``cache_dir=None`` never caches; a directory that cannot be written only costs the next call the reading.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> facts, hit = cached_code_set_facts(ox.Store(), None)
    >>> facts.labels, hit
    ({}, False)
    """
    key = facts_key(store) if cache_dir is not None else None
    if key is None:
        return code_set_facts(store), False
    path = Path(cache_dir) / f"code-set-facts-{key[:24]}.pickle"
    facts = read_cache(path)  # none yet, or damaged: read again from the store
    if isinstance(facts, Official):
        return facts, True
    facts = code_set_facts(store)
    # other releases' facts are never read again
    write_cache(path, facts, stale=path.parent.glob("code-set-facts-*.pickle"))
    return facts, False


def keep_code_set_facts(store, cache_dir: str | os.PathLike | None, loaded=None) -> float | None:
    """After code sets were loaded (``loaded``: the :class:`kg.codesets.LoadReport` of each) or a release dropped
    (``loaded`` None), read what they say (:func:`cached_code_set_facts`) so that the first ``kg audit`` need not:
    6 s with every code set. The seconds it took; None when every load was skipped (nothing changed) or the facts
    were kept already.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> keep_code_set_facts(ox.Store(), None, [])  # nothing loaded
    """
    import time

    if loaded is not None and all(r.skipped for r in loaded):
        return None
    start = time.perf_counter()
    _, hit = cached_code_set_facts(store, cache_dir)
    return None if hit else time.perf_counter() - start


def _memo_path(cache_dir: str | os.PathLike) -> Path:
    import rapidfuzz

    h = hashlib.sha256(f"kg-label-memo {FORMAT} rapidfuzz {rapidfuzz.__version__}\n".encode())
    h.update((Path(__file__).parents[1] / "similarity.py").read_bytes())
    return Path(cache_dir) / f"label-comparisons-{h.hexdigest()[:24]}.pickle"


def label_memo(cache_dir: str | os.PathLike | None) -> dict:
    """The label comparisons the last audit made, ``(description, official labels) -> LabelMatch`` ({} if none).

    Examples
    --------
    >>> import tempfile
    >>> from kg.similarity import compare_label
    >>> cache = tempfile.mkdtemp()
    >>> label_memo(cache), label_memo(None)
    ({}, {})
    >>> save_label_memo(cache, {("Liver cancer", ("Liver cell carcinoma",)): compare_label("Liver cancer",
    ...                 "Liver cell carcinoma")}, {})
    >>> [m.fair for m in label_memo(cache).values()]
    [True]
    """
    if cache_dir is None:
        return {}
    memo = read_cache(_memo_path(cache_dir))  # none yet, or damaged: the comparisons are made again
    return memo if isinstance(memo, dict) else {}


def save_label_memo(cache_dir: str | os.PathLike | None, memo: dict, loaded: dict) -> None:
    """Keep ``memo`` (this audit's comparisons: the next audit's :func:`label_memo`) unless it is ``loaded``.

    Examples
    --------
    >>> save_label_memo(None, {}, {})  # nowhere to keep it
    """
    if cache_dir is None or memo.keys() == loaded.keys():
        return
    path = _memo_path(cache_dir)
    # another kg.similarity's comparisons are never read again
    write_cache(path, memo, stale=path.parent.glob("label-comparisons-*.pickle"))
