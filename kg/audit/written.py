"""What the last ``kg audit`` wrote into the audit graph, kept beside the store so the next write changes only the
findings that changed (:func:`kg.audit.graph.write_findings`).

The file holds the graph's digest (``<audit> kg:sha256``), each finding node's ``kg:listKey`` and findings, and
the quads the graph held. It is read only while the graph still carries that digest and nothing else, so a
graph written by anything else (another kg, a copy of the store, a write cut short) is read from the store
instead. The directory is :func:`kg.store.cache_dir_for`'s, as for the audit's other caches (:mod:`kg.audit.cache`).

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> g = ox.NamedNode("https://w3id.org/codekg/audit")
>>> stamp = ox.Quad(g, ox.NamedNode("https://w3id.org/codekg/ontology#sha256"), ox.Literal("abc"), g)
>>> cache = tempfile.mkdtemp()
>>> save_written(cache, "abc", {}, 1)
>>> load_written(cache, [stamp]), load_written(cache, []), load_written(None, [stamp])
(('abc', {}, 1), None, None)
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.cache import read_cache, write_cache

__all__ = ["FORMAT", "load_written", "save_written"]

FORMAT = 1
"""The file's format (with the audit graph's own, :data:`kg.audit.graph.FORMAT`): part of its name."""


def _path(cache_dir: str | os.PathLike) -> Path:
    from kg.audit.graph import FORMAT as GRAPH_FORMAT

    return Path(cache_dir) / f"audit-graph-{FORMAT}-{GRAPH_FORMAT}.pickle"


def load_written(cache_dir: str | os.PathLike | None, stamps: list) -> tuple[str, dict, int] | None:
    """``(digest, nodes, quads)`` of the last write, if the audit graph's digest quads ``stamps`` are that write's.

    Examples
    --------
    >>> load_written(None, [])
    """
    if cache_dir is None or len(stamps) != 1:
        return None
    kept = read_cache(_path(cache_dir))  # none yet, or damaged: the graph is read instead
    if (not isinstance(kept, tuple) or len(kept) != 3 or kept[0] != stamps[0].object.value
            or not isinstance(kept[1], dict)):
        return None
    return kept


def save_written(cache_dir: str | os.PathLike | None, digest: str, nodes: dict, quads: int) -> None:
    """Keep what a write left in the audit graph: its ``digest``, ``nodes`` (node key -> list key and findings) and
    ``quads`` held.

    Examples
    --------
    >>> save_written(None, "abc", {}, 1)  # nowhere to keep it
    """
    if cache_dir is None:
        return
    path = _path(cache_dir)
    write_cache(path, (digest, nodes, quads),
                stale=path.parent.glob("audit-graph-*.pickle"))
