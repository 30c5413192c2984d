"""The SPARQL text kg runs, as ``.rq`` files.

Two kinds live here:

``kg/queries/*.rq``
    the public named-query library: listed by ``kg queries``, run by
    ``kg query NAME``, served and used in views (:func:`kg.query.named_queries`
    reads them; their header is described in :mod:`kg.query`).
``kg/queries/internal/<module>/<name>.rq``
    the queries kg's own modules run (the network projection, the store's
    counts, the audit, the views). Each opens with ``# internal: true``; the
    named-query library does not list them. :func:`internal_query` reads one
    by its path below ``internal/`` without the suffix
    (``internal_query("network/edges")``).

An internal query whose ``VALUES`` list comes from the registry
(:mod:`kg.model`) leaves it out of the text; its caller binds it at run time
with :func:`kg.query.with_values`, and the header says so in a ``# values:``
line. This module imports nothing of kg but the errors, so any layer may
read its queries.

Examples
--------
>>> print(internal_query("store/documents").splitlines()[0])
# internal: true
>>> "network/edges" in internal_queries()
True
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from pathlib import Path

from kg.errors import QueryError

__all__ = ["INTERNAL_DIR", "QUERY_DIR", "internal_queries", "internal_query"]

QUERY_DIR = Path(__file__).resolve().parent
"""The public named queries: ``*.rq`` directly in this folder."""

INTERNAL_DIR = QUERY_DIR / "internal"
"""kg's own queries, one folder per module that runs them."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*")
_INTERNAL = re.compile(r"^#\s*internal\s*:\s*true\s*$", re.IGNORECASE | re.MULTILINE)


def internal_queries() -> dict[str, Path]:
    """Every internal query, by name (its path below ``internal/`` without ``.rq``), sorted.

    Examples
    --------
    >>> [n for n in sorted(internal_queries()) if n.startswith("network/")][:2]
    ['network/broader', 'network/edges']
    """
    return {p.relative_to(INTERNAL_DIR).with_suffix("").as_posix(): p for p in sorted(INTERNAL_DIR.rglob("*.rq"))}


@lru_cache(maxsize=None)
def internal_query(name: str) -> str:
    """The text of internal query ``name`` (``"network/edges"`` reads ``internal/network/edges.rq``).

    Raises
    ------
    QueryError
        If there is no such query, or its header does not mark it ``# internal: true``.

    Examples
    --------
    >>> "kg:negated" in internal_query("network/edges")
    True
    >>> internal_query("network/nope")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: no internal query 'network/nope' (kg/queries/internal/network/nope.rq)
    """
    path = INTERNAL_DIR / f"{name}.rq"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise QueryError(f"no internal query {name!r} (kg/queries/internal/{name}.rq)")
    text = path.read_text(encoding="utf-8")
    header = "\n".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines()))
    if not _INTERNAL.search(header):
        raise QueryError(f"{path}:1: an internal query opens with a '# internal: true' header line")
    return text
