"""What a remote SPARQL server does differently from the embedded store, and how kg's queries adapt.

kg's queries read the *union of kg's graphs* as the default graph (the
embedded store is opened that way). A SPARQL 1.1 server queried without
``FROM`` gives "its" default graph, which differs by product:

``sparql11`` (Oxigraph ``--union-default-graph``, Jena with
``tdb2:unionDefaultGraph``, GraphDB, Neptune)
    the union of the named graphs: queries go as they are.
``virtuoso`` (OpenLink Virtuoso 7)
    the union of *every* graph, the server's own included
    (``http://www.openlinksw.com/schemas/virtrdf#``, ``http://www.w3.org/ns/ldp#``
    and its service description); counting triples or graphs would count
    those too. So each query is sent with Virtuoso's
    ``define input:default-graph-exclude`` / ``input:named-graph-exclude``
    pragmas for every graph that is not kg's (read once per endpoint).

The dialect is told by the ``Server`` header of the first answer
(:func:`detect`), so nothing needs configuring.

Examples
--------
>>> detect("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu")
'virtuoso'
>>> detect("oxigraph/0.5.3"), detect(None)
('sparql11', 'sparql11')
>>> print(rewrite("virtuoso", "SELECT * { ?s ?p ?o }", ["http://www.w3.org/ns/ldp#"]))
define input:default-graph-exclude <http://www.w3.org/ns/ldp#>
define input:named-graph-exclude <http://www.w3.org/ns/ldp#>
SELECT * { ?s ?p ?o }
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.queries import internal_query

__all__ = ["DIALECTS", "FOREIGN_GRAPHS", "detect", "rewrite"]

DIALECTS = {
    "sparql11": "the default graph is the union of the named graphs (or is empty): queries go as they are",
    "virtuoso": "the default graph holds the server's own graphs too: they are excluded from every query",
}
"""Every dialect kg knows, and what it means for the queries sent."""

_SERVER_PREFIX = {"virtuoso/": "virtuoso"}

FOREIGN_GRAPHS = internal_query("remote/foreign-graphs")
"""The query that lists a server's graphs that are not kg's (sent once, as it is, to a ``virtuoso`` endpoint)."""


def detect(server: str | None) -> str:
    """The dialect of a server, from its ``Server`` header (``sparql11`` when unknown).

    Examples
    --------
    >>> detect("Virtuoso/07.20.3229"), detect("Apache Jena Fuseki (4.5.0)")
    ('virtuoso', 'sparql11')
    """
    text = (server or "").strip().lower()
    return next((d for prefix, d in _SERVER_PREFIX.items() if text.startswith(prefix)), "sparql11")


def rewrite(dialect: str, sparql: str, foreign: Iterable[str] = ()) -> str:
    """``sparql`` as the server of ``dialect`` must receive it; ``foreign`` are the graphs that are not kg's.

    Examples
    --------
    >>> rewrite("sparql11", "ASK {}", ["http://g"])
    'ASK {}'
    >>> rewrite("virtuoso", "ASK {}", [])
    'ASK {}'
    """
    if dialect != "virtuoso":
        return sparql
    lines = [f"define input:{kind}-graph-exclude <{g}>" for g in sorted(set(foreign)) if ">" not in g
             for kind in ("default", "named")]
    return "\n".join([*lines, sparql])
