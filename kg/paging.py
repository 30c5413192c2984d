"""Listings one page at a time: a SELECT query's text limited to a page, and counted whole.

A named query whose answer grows with the corpus (``documents``, ``needs-review``, ``audit-findings``)
says ``# page: 100`` in its header: the command line, the server's ``/q/NAME`` pages and the links
``kg queries --links`` prints show that many rows at a time, with the total
(:func:`kg.query.run` with ``limit`` and ``offset``). A page is the query's text with ``LIMIT`` and
``OFFSET`` after its ``ORDER BY`` (:func:`page_text`), so every page of the same store is a slice of
the one order; the total is the same text wrapped in ``COUNT(*)`` (:func:`count_text`), which the
engine answers without decoding a row. Both are plain SPARQL 1.1, for any endpoint.

A query can say where its page is cut, so that the engine fetches the other columns for the page's
rows only: a subquery that yields the listing's rows one to one (their keys, in the listing's order)
ends its ``ORDER BY`` line with the comment ``# kg:page``. The slice then goes there, the total counts
that subquery, and the parameters are bound in it (:func:`marked_span`). As written, the comment is
a comment: the query lists every row on any endpoint.

Examples
--------
>>> import pyoxigraph as ox
>>> q = "PREFIX ex: <http://e/>\\nSELECT ?x WHERE { VALUES ?x { 1 2 3 } } ORDER BY ?x"
>>> [str(s["x"].value) for s in ox.Store().query(page_text(q, 2, 1))]
['2', '3']
>>> int(next(iter(ox.Store().query(count_text(q))))["total"].value)
3
"""

from __future__ import annotations

import re

from kg.errors import QueryError

__all__ = ["count_text", "list_key", "marked_span", "page_bounds", "page_note", "page_text"]

_MARK = re.compile(r"^(?![ \t]*#)[^\n#]*(#[ \t]*kg:page\b[^\n]*)", re.IGNORECASE | re.MULTILINE)
"""The mark, as a trailing comment (group 1) on a line of the query, never a comment line of its own."""

_PROLOGUE_LINE = re.compile(r"\s*(#.*)?$|\s*(PREFIX|BASE)\b", re.IGNORECASE)
_TRAILING_ORDER = re.compile(r"\bORDER\s+BY\b[^{}]*$", re.IGNORECASE)
_SLICE = re.compile(r"\b(LIMIT|OFFSET)\s+\d+[^{}]*$", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


def page_bounds(limit: object, offset: object = 0) -> tuple[int | None, int]:
    """``(limit, offset)`` as integers, or a :class:`QueryError` naming the bad one.

    ``limit`` is at least 1, or ``None`` for every row after ``offset``; ``offset`` at least 0.

    Examples
    --------
    >>> page_bounds("100", "200")
    (100, 200)
    >>> page_bounds(0)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: limit must be a whole number of rows, at least 1, not 0
    """
    out: list[int | None] = []
    for name, value, least in (("limit", limit, 1), ("offset", offset, 0)):
        if value is None and name == "limit":
            out.append(None)
            continue
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"\d{1,12}", text) or int(text) < least:
            raise QueryError(f"{name} must be a whole number of rows, at least {least}, not {value!r}")
        out.append(int(text))
    return out[0], out[1]


def _split(sparql: str) -> tuple[str, str]:
    """``(prologue, body)``: the comment, ``PREFIX`` and ``BASE`` lines before the query form, and the rest."""
    lines = sparql.split("\n")
    n = 0
    while n < len(lines) and _PROLOGUE_LINE.match(lines[n]):
        n += 1
    prologue, body = "\n".join(lines[:n]), "\n".join(lines[n:])
    if not _SELECT.match(body.lstrip()):
        raise QueryError("only a SELECT query is listed page by page")
    return prologue, body


def marked_span(sparql: str) -> tuple[int, int] | None:
    """Where the subquery marked ``# kg:page`` is in ``sparql``: from its ``SELECT`` to the mark; ``None`` if unmarked.

    Raises
    ------
    QueryError
        For more than one mark, or a mark outside a subquery.

    Examples
    --------
    >>> q = "SELECT * WHERE { { SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x  # kg:page\\n } ?x ?q ?y }"
    >>> start, end = marked_span(q)
    >>> q[start:end]
    'SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x  '
    >>> marked_span("SELECT * WHERE { ?x ?p ?o }") is None
    True
    """
    marks = list(_MARK.finditer(sparql))
    if not marks:
        return None
    if len(marks) > 1:
        raise QueryError("a query marks one subquery '# kg:page', not several")
    end = marks[0].start(1)
    depth = 0
    for i in range(end - 1, -1, -1):  # back to the brace that opens the group holding the subquery
        c = sparql[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i + 1
                while start < end and sparql[start].isspace():
                    start += 1
                if not _SELECT.match(sparql, start):
                    break
                return start, end
            depth -= 1
    raise QueryError("'# kg:page' must end the ORDER BY line of a subquery ('{ SELECT ... ORDER BY ...  # kg:page')")


def page_text(sparql: str, limit: int | None, offset: int = 0) -> str:
    """``sparql`` (a SELECT, its parameters bound) limited to ``limit`` rows (``None``: all) after the first ``offset``.

    Raises
    ------
    QueryError
        For a query that is not a SELECT, or that has its own ``LIMIT`` or ``OFFSET``.

    Examples
    --------
    >>> page_text("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x", 100, 200)
    'SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x\\nLIMIT 100 OFFSET 200'
    >>> page_text("ASK { ?x ?p ?o }", 1)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: only a SELECT query is listed page by page
    """
    limit, offset = page_bounds(limit, offset)
    _, body = _split(sparql)
    slice_ = " ".join(([f"LIMIT {limit}"] if limit is not None else []) + ([f"OFFSET {offset}"] if offset else []))
    mark = _MARK.search(sparql)
    if mark is not None:
        marked_span(sparql)  # one mark, on a subquery
        return sparql[:mark.start(1)] + slice_ + sparql[mark.end(1):]
    if _SLICE.search(_strip_comments(body)):
        raise QueryError("a query with its own LIMIT or OFFSET is not listed page by page")
    return f"{sparql.rstrip()}\n{slice_}" if slice_ else sparql


def count_text(sparql: str) -> str:
    """A query counting the rows of ``sparql`` (a SELECT, its parameters bound) as ``?total``.

    The query is kept whole as a subquery (``DISTINCT`` counts as it does in the listing); its final
    ``ORDER BY`` is dropped, since order doesn't change a count.

    Examples
    --------
    >>> print(count_text("PREFIX ex: <http://e/>\\nSELECT DISTINCT ?x WHERE { ?x ex:p ?o } ORDER BY ?x"))
    PREFIX ex: <http://e/>
    SELECT (COUNT(*) AS ?total) WHERE { {
    SELECT DISTINCT ?x WHERE { ?x ex:p ?o }
    } }
    """
    prologue, body = _split(sparql)
    span = marked_span(sparql)
    if span is not None:
        body = sparql[span[0]:span[1]]
    body = _strip_comments(body).rstrip()
    body = _TRAILING_ORDER.sub("", body).rstrip()
    return (prologue + "\n" if prologue else "") + f"SELECT (COUNT(*) AS ?total) WHERE {{ {{\n{body}\n}} }}"


def _strip_comments(body: str) -> str:
    """``body`` without its whole-line comments (a trailing comment could hold ``ORDER BY`` or a brace)."""
    return "\n".join(line for line in body.split("\n") if not line.lstrip().startswith("#"))


def page_note(shown: int, offset: int, total: int | None) -> str:
    """What the command line says under a page: which rows these are and how to see the others.

    Empty when the page is the whole listing.

    Examples
    --------
    >>> page_note(100, 0, 9900)
    'rows 1-100 of 9,900; --offset 100 for the next page, --all for every row'
    >>> page_note(40, 9860, 9900)
    'rows 9,861-9,900 of 9,900; --all for every row'
    >>> page_note(3, 0, 3)
    ''
    """
    if total is None or (offset == 0 and shown >= total):
        return ""
    if shown == 0:
        return f"no rows after row {offset:,} of {total:,}; --all for every row"
    nxt = f"--offset {offset + shown} for the next page, " if offset + shown < total else ""
    return f"rows {offset + 1:,}-{offset + shown:,} of {total:,}; {nxt}--all for every row"


def list_key(*parts: str | int) -> str:
    r"""One string that sorts as the tuple ``parts`` does: what a kept row's ``kg:listKey`` holds.

    Texts are joined by tabs (below every printable character, so ``"a.txt"`` still comes before
    ``"a.txtb"``); a whole number is written with its count of digits first, so that 9 comes before
    41 and 41 before 100. The engine sorts a short key (up to 15 bytes, as ``"77013.txt\t241"``)
    without a dictionary lookup: ordering 10,000 of them for a page takes milliseconds, where the
    same by two joined columns takes tenths of a second.

    Examples
    --------
    >>> list_key("77013.txt", 41)
    '77013.txt\t241'
    >>> sorted([("a.txt", 100), ("a.txt", 9), ("a.txtb", 1)]) == sorted(
    ...     [("a.txt", 100), ("a.txt", 9), ("a.txtb", 1)], key=lambda t: list_key(*t))
    True
    """
    out = []
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            if part < 0:
                raise ValueError(f"list_key takes whole numbers from 0, not {part}")
            digits = str(part)
            out.append(chr(ord("0") + len(digits)) + digits)
        else:
            out.append(str(part))
    return "\t".join(out)
