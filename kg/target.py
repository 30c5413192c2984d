"""Where a query runs: the embedded store, or a remote SPARQL 1.1 endpoint.

A :class:`QueryTarget` is anything with one method, ``query(sparql)``, that
returns pyoxigraph's own result objects: :class:`pyoxigraph.QuerySolutions`
for a SELECT, :class:`pyoxigraph.QueryBoolean` for an ASK, and an iterable of
:class:`pyoxigraph.Triple` for a CONSTRUCT or DESCRIBE. Every target sees
the union of the store's graphs as its default graph and accepts kg's
prefixes (:data:`kg.vocab.PREFIXES`) without declarations. Two implement it:

* :class:`StoreTarget`, over an embedded :class:`pyoxigraph.Store`;
* :class:`kg.remote.Endpoint`, over HTTP (SPARQL 1.1 Protocol), which reads
  the answer with :func:`pyoxigraph.parse_query_results`.

So :mod:`kg.query` (and through it the network projection, the audit and the
views) turns results into :class:`kg.query.Results` in one place, whatever
answered. :func:`as_target` wraps a bare store, so every function that takes
a target also takes a store. Imports go one way: ``store -> target
(embedded | remote) -> query``.

Examples
--------
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
>>> target = as_target(store)
>>> bool(target.query("ASK { <http://s> <http://p> 'o' }"))  # the union default graph sees graph <http://g>
True
>>> as_target(target) is target
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol, Union, runtime_checkable

import pyoxigraph as ox

from kg.errors import KGError
from kg.vocab import PREFIXES

__all__ = ["NativeResults", "QueryTarget", "StoreTarget", "as_target", "with_prefixes"]

NativeResults = Union[ox.QuerySolutions, ox.QueryBoolean, Iterable[ox.Triple]]
"""What :meth:`QueryTarget.query` returns: pyoxigraph's solutions, boolean, or triples."""


@runtime_checkable
class QueryTarget(Protocol):
    """Something SPARQL runs against: see the module docstring.

    Any object with a fitting ``query`` method is one (a structural type):

    Examples
    --------
    >>> class OneCode:
    ...     def query(self, sparql):
    ...         return ox.Store().query("SELECT ?code WHERE { VALUES ?code { '77013' } }")
    >>> isinstance(OneCode(), QueryTarget), isinstance(StoreTarget(ox.Store()), QueryTarget)
    (True, True)
    >>> isinstance("kg-store", QueryTarget)
    False
    >>> [s["code"].value for s in as_target(OneCode()).query("SELECT * {}")]
    ['77013']
    """

    def query(self, sparql: str) -> NativeResults:
        """Run ``sparql``; raise :class:`SyntaxError` for bad SPARQL, a :class:`~kg.errors.KGError` otherwise.

        Examples
        --------
        >>> target: QueryTarget = StoreTarget(ox.Store())
        >>> list(target.query("SELECT ?x WHERE { VALUES ?x { kg:monitors } }"))
        [<QuerySolution x=<NamedNode value=https://w3id.org/codekg/ontology#monitors>>]
        """


class StoreTarget:
    """An embedded :class:`pyoxigraph.Store`, queried with the union of its graphs as the default graph.

    Examples
    --------
    >>> target = StoreTarget(ox.Store())
    >>> [v.value for v in target.query("SELECT ?s WHERE { ?s a kg:Briefing }").variables]
    ['s']
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, sparql: str) -> NativeResults:
        """Run ``sparql`` (kg's prefixes need no declaration).

        Examples
        --------
        >>> bool(StoreTarget(ox.Store()).query("ASK { ?s ?p ?o }"))
        False
        """
        return self.store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)

    def __repr__(self) -> str:
        return f"StoreTarget({self.store!r})"


def as_target(target: ox.Store | QueryTarget) -> QueryTarget:
    """``target`` as a :class:`QueryTarget`: a store is wrapped in a :class:`StoreTarget`.

    Raises
    ------
    KGError
        For anything that is neither a store nor a target.

    Examples
    --------
    >>> as_target(ox.Store())
    StoreTarget(<pyoxigraph.Store ...>)
    >>> as_target("kg-store")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: 'kg-store' is not a store or a query target; open it with kg.open_store(...) first
    """
    if isinstance(target, ox.Store):
        return StoreTarget(target)
    if isinstance(target, QueryTarget):
        return target
    raise KGError(f"{target!r} is not a store or a query target; open it with kg.open_store(...) first")


def with_prefixes(sparql: str) -> str:
    """``sparql`` with PREFIX lines for every kg prefix it uses but does not declare.

    A remote endpoint knows none of kg's prefixes; the embedded store is told
    them instead, so that syntax errors keep their line numbers.

    Examples
    --------
    >>> with_prefixes("SELECT * WHERE { ?s a kg:Briefing }").splitlines()[0]
    'PREFIX kg: <https://w3id.org/codekg/ontology#>'
    >>> with_prefixes("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    """
    declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w-]*):", sparql, re.IGNORECASE)}
    missing = [
        f"PREFIX {name}: <{ns}>" for name, ns in PREFIXES.items()
        if name.lower() not in declared and re.search(rf"(?<![\w?$]){re.escape(name)}:", sparql)
    ]
    return "\n".join(missing + [sparql]) if missing else sparql
