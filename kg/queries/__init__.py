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
line. A query may instead say ``# registry: VAR LIST`` and hold an empty
``VALUES ?VAR { }`` block, filled when it is read (:func:`fill_registry`).
This module imports nothing of kg but the errors and, when a registry list
is asked for, the registry (:mod:`kg.model`), so any layer may read its queries.

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

__all__ = ["INTERNAL_DIR", "QUERY_DIR", "fill_registry", "internal_queries", "internal_query", "internal_query_filled",
           "registry_lists"]

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
    ['network/broader', 'network/build-stamps']
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


def registry_lists() -> dict[str, list[str]]:
    """The IRI lists a query may take from the domain registry (:mod:`kg.model`), by name.

    A query says ``# registry: VAR NAME`` and holds an empty ``VALUES ?VAR { }`` block, which
    is filled with the list when the query is loaded: a relation added to the registry is counted by
    ``stats`` with no edit to the query.

    Examples
    --------
    >>> registry_lists()["briefing-relations"][0]
    'https://w3id.org/codekg/ontology#relatedTo'
    >>> sorted(registry_lists())
    ['briefing-relations', 'code-relations', 'node-classes', 'stats-relations']
    >>> "https://w3id.org/codekg/ontology#excludes1" in registry_lists()["stats-relations"]
    True
    """
    from kg.model import BRIEFING_RELATIONS, CODE_RELATIONS, EDGE_KINDS, NODE_TYPES, OFFICIAL_RELATIONS, RELATIONS
    from kg.vocab import KG

    ordered = [r for r in RELATIONS if r in BRIEFING_RELATIONS]
    briefing = [str(KG[r]) for r in ordered]
    official = [str(KG[r]) for r in RELATIONS if r in OFFICIAL_RELATIONS]
    layers = [e.prop for e in EDGE_KINDS.values() if e.prop]
    return {
        "briefing-relations": briefing,
        # what 'stats' counts: the briefing relations, then every official layer's edges (kg.model.LAYERS)
        "stats-relations": list(dict.fromkeys(briefing + official + layers)),
        "code-relations": [str(KG[r]) for r in RELATIONS if r in CODE_RELATIONS],
        # the rows kept as written (a malformed code: kg:MalformedMention) are counted beside the relations
        "node-classes": [str(KG.Briefing)] + [str(KG[t.owl_class]) for t in NODE_TYPES.values()]
        + [str(KG.AssertedRelation), str(KG.MalformedMention)],
    }


def fill_registry(text: str, path: Path | str, number: int, var: str, name: str) -> str:
    """``text`` with its one empty ``VALUES ?var { }`` block holding registry list ``name`` (:func:`registry_lists`).

    ``path`` and ``number`` (the header line) name the query in errors.

    Examples
    --------
    >>> fill_registry("SELECT * { VALUES ?c { } ?x a ?c }", "q.rq", 1, "c", "node-classes").split()[6]
    '<https://w3id.org/codekg/ontology#Briefing>'
    >>> fill_registry("SELECT * { ?x a ?c }", "q.rq", 2, "c", "node-classes")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: q.rq:2: '# registry: c node-classes' needs one empty 'VALUES ?c { }' block
    """
    lists = registry_lists()
    if name not in lists:
        raise QueryError(f"{path}:{number}: unknown registry list {name!r}; one of {', '.join(sorted(lists))}")
    empty = re.compile(r"VALUES\s+\?" + re.escape(var) + r"\s*\{\s*\}")
    if len(empty.findall(text)) != 1:
        raise QueryError(f"{path}:{number}: '# registry: {var} {name}' needs one empty 'VALUES ?{var} {{ }}' block")
    return empty.sub(lambda m: f"VALUES ?{var} {{ " + " ".join(f"<{iri}>" for iri in lists[name]) + " }", text)


_REGISTRY_LINE = re.compile(r"^#\s*registry\s*:\s*(\w+)\s+([\w-]+)\s*$", re.MULTILINE)


@lru_cache(maxsize=None)
def internal_query_filled(name: str) -> str:
    """:func:`internal_query` ``(name)`` with every ``# registry:`` list of its header filled in.

    Examples
    --------
    >>> "ontology#Briefing>" in internal_query_filled("stats/union-counts")
    True
    """
    text = internal_query(name)
    header = "\n".join(itertools.takewhile(lambda line: line.startswith("#"), text.splitlines()))
    for number, m in enumerate(_REGISTRY_LINE.finditer(header), 1):
        text = fill_registry(text, INTERNAL_DIR / f"{name}.rq", number, m.group(1), m.group(2))
    return text
