"""What a remote SPARQL server does differently from the embedded store, and how kg's queries adapt.

kg's queries read the *union of kg's graphs* as the default graph (the
embedded store is opened that way). Servers differ:

``sparql11`` (Oxigraph ``--union-default-graph``, Jena with
``tdb2:unionDefaultGraph``, GraphDB, Neptune)
    queries go as they are.
``virtuoso`` (OpenLink Virtuoso 7.2)
    Four differences are bridged: a bare ``true`` or ``false`` in a
    pattern matches nothing there (it is sent as ``"true"^^xsd:boolean``);
    booleans come back as ``"1"``/``"0"`` (read back as ``true``/``false``);
    and a transitive path (``p*``, ``p+``) whose start is bound only by a
    ``VALUES`` row fails ("transitive start not given"), so the row's value
    is written in as the start; and inside ``GRAPH ?g`` a zero-or-more
    path from a constant (``<c> p* ?x``) misses its zero-length step (the
    start itself, which Virtuoso binds with ``?g`` unbound, so the graph
    pattern drops it), so it is sent as ``{ <c> p+ ?x FILTER(?x != <c>) }
    UNION { SELECT DISTINCT ?x WHERE { <c> in a triple of the graph } }``:
    the same solutions in every graph that holds ``<c>``, the only graphs
    where ``?x`` can join another pattern of the block as subject or
    object. (A plain ``BIND`` or ``VALUES`` in that union is lost by
    Virtuoso 7.2: tried.)

    Virtuoso's ``MIN`` and ``MAX`` of literals follow its own order (or come
    back unbound); kg's queries take them of ``STR(...)``, which every
    engine orders by code point, so nothing needs bridging here. kg's
    ``stats`` reads the statistics graph kg keeps, not the default graph,
    which on Virtuoso holds its own graphs too (``virtrdf#``, ``ldp#``).

The dialect is told by the ``Server`` header of the first answer
(:func:`detect`), so nothing needs configuring.

Examples
--------
>>> detect("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu")
'virtuoso'
>>> detect("oxigraph/0.5.3"), detect(None)
('sparql11', 'sparql11')
>>> print(rewrite("virtuoso", "ASK { ?c kg:billable true }"))
ASK { ?c kg:billable "true"^^<http://www.w3.org/2001/XMLSchema#boolean> }
"""

from __future__ import annotations

import json
import re

__all__ = ["DIALECTS", "detect", "read_back", "rewrite"]

DIALECTS = {
    "sparql11": "queries go as they are",
    "virtuoso": "boolean constants and answers, transitive paths from a VALUES row, zero-length path steps, bridged",
}
"""Every dialect kg knows, and what it means for the queries sent."""

_SERVER_PREFIX = {"virtuoso/": "virtuoso"}
_TOKENS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                     r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'" r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*'
                     r'|(?<![\w:?$^@"])(true|false)(?![\w:-])', re.DOTALL)
_VALUES_ROW = re.compile(r"VALUES\s*\(([?$\w\s]+)\)\s*\{\s*\(((?:\s*<[^<>\s]*>)+)\s*\)\s*\}", re.IGNORECASE)
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_ZERO_OR_MORE = re.compile(r"(?<![\w:?$^>])(?P<start><[^<>\s]*>)\s+(?P<path>[\w-]*:[\w-]*|<[^<>\s]*>)\*\s+"
                           r"(?P<end>[?$]\w+)(?=\s*[.}])")


def detect(server: str | None) -> str:
    """The dialect of a server, from its ``Server`` header (``sparql11`` when unknown).

    Examples
    --------
    >>> detect("Virtuoso/07.20.3229"), detect("Apache Jena Fuseki (4.5.0)")
    ('virtuoso', 'sparql11')
    """
    text = (server or "").strip().lower()
    return next((d for prefix, d in _SERVER_PREFIX.items() if text.startswith(prefix)), "sparql11")


def rewrite(dialect: str, sparql: str) -> str:
    """``sparql`` as the server of ``dialect`` must receive it.

    Examples
    --------
    >>> rewrite("sparql11", "ASK { ?c kg:billable true }")
    'ASK { ?c kg:billable true }'
    >>> print(rewrite("virtuoso", "ASK { ?c kg:billable true . FILTER(?x != 'true') }"))
    ASK { ?c kg:billable "true"^^<http://www.w3.org/2001/XMLSchema#boolean> . FILTER(?x != 'true') }
    >>> print(rewrite("virtuoso", "SELECT ?on { VALUES (?code) { (<http://c>) } ?code skos:broader+ ?on }"))
    SELECT ?on { VALUES (?code) { (<http://c>) } <http://c> skos:broader+ ?on }

    Inside ``GRAPH ?g``, a zero-or-more path from a constant becomes one-or-more, or the start itself:

    >>> print(rewrite("virtuoso", "SELECT ?on { GRAPH ?g { <http://c> skos:broader* ?on . ?on kg:excludes1 ?t } }"))
    ... # doctest: +NORMALIZE_WHITESPACE
    SELECT ?on { GRAPH ?g { { <http://c> skos:broader+ ?on FILTER(?on != <http://c>) } UNION
      { SELECT DISTINCT ?on WHERE { { ?on ?_zs_p ?_zs_o } UNION { ?_zs_s ?_zs_p ?on } FILTER(?on = <http://c>) } } .
      ?on kg:excludes1 ?t } }
    >>> rewrite("virtuoso", "SELECT ?on { <http://c> skos:broader* ?on }")  # the default graph: as it is
    'SELECT ?on { <http://c> skos:broader* ?on }'
    """
    if dialect != "virtuoso":
        return sparql
    sparql = _TOKENS.sub(lambda m: f'"{m.group(1)}"^^<{_BOOLEAN}>' if m.group(1) else m.group(0), sparql)
    for names, iris in _VALUES_ROW.findall(sparql):
        for name, iri in zip(names.split(), re.findall(r"<[^<>\s]*>", iris)):
            sparql = re.sub(rf"(?<![\w<]){re.escape(name)}(?=\s+[\w:]*:[\w-]*[*+]\s)", iri, sparql)
    return _in_graph_blocks(sparql, lambda block: _ZERO_OR_MORE.sub(_zero_step, block))


def _zero_step(m: re.Match) -> str:
    start, path, end = m.group("start", "path", "end")
    return (f"{{ {start} {path}+ {end} FILTER({end} != {start}) }} UNION {{ SELECT DISTINCT {end} WHERE "
            f"{{ {{ {end} ?_zs_p ?_zs_o }} UNION {{ ?_zs_s ?_zs_p {end} }} FILTER({end} = {start}) }} }}")


_BLOCK_TOKENS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                           r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'" r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*'
                           r"|(?P<graph>\bGRAPH\s+[?$]\w+\s*\{)|(?P<open>\{)|(?P<close>\})", re.DOTALL | re.IGNORECASE)
"""Strings, IRIs and comments (skipped whole: a brace or the word GRAPH inside one is text), and the braces."""


def _in_graph_blocks(sparql: str, change) -> str:
    """``sparql`` with ``change`` applied to the body of every ``GRAPH ?var { ... }`` block (outermost ones).

    Braces inside strings, IRIs and comments are text, not the block's end.

    Examples
    --------
    >>> _in_graph_blocks("SELECT * { GRAPH ?g { ?s ?p '}' . ?s ?q ?o } ?o ?r ?t }", str.upper)
    "SELECT * { GRAPH ?g { ?S ?P '}' . ?S ?Q ?O } ?o ?r ?t }"
    >>> _in_graph_blocks("SELECT * { # GRAPH ?g { not a block\\n ?s ?p ?o }", str.upper)
    'SELECT * { # GRAPH ?g { not a block\\n ?s ?p ?o }'
    """
    out, at, start, depth = [], 0, None, 0
    for m in _BLOCK_TOKENS.finditer(sparql):
        if start is None:
            if m.group("graph"):
                start, depth = m.end(), 1
            continue
        if m.group("graph") or m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
            if depth == 0:
                out += [sparql[at:start], change(sparql[start:m.end()])]  # the body and its closing brace
                at, start = m.end(), None
    if start is not None:  # an unclosed block: the rest of the text is its body
        out += [sparql[at:start], change(sparql[start:])]
        at = len(sparql)
    return "".join(out) + sparql[at:]


def read_back(dialect: str, body: bytes, media_type: str) -> bytes:
    """A server's answer with its dialect's quirks undone (Virtuoso's ``"1"``/``"0"`` booleans, in JSON results).

    Examples
    --------
    >>> answer = b'{"head": {"vars": ["b"]}, "results": {"bindings": [{"b": {"type": "typed-literal", '
    >>> answer += b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1"}}]}}'
    >>> b'"value": "true"' in read_back("virtuoso", answer, "application/sparql-results+json")
    True
    """
    if dialect != "virtuoso" or media_type != "application/sparql-results+json" or _BOOLEAN.encode() not in body:
        return body
    data = json.loads(body)
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("datatype") == _BOOLEAN and term.get("value") in ("0", "1"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode("utf-8")
