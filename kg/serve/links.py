"""The links ``kg serve`` prints: ``/q/NAME`` opens a named query's answer as an HTML table in the browser.

A full SPARQL Protocol URL (``/query?query=...``) makes a browser download
the JSON answer; the short link shows a page instead. The page runs the
query through the guard's own ``/query`` (so the time limit and the other
guards apply), with the example parameters of the query's help text, or
those of the link (``/q/monitors?code=77013``). A listing (``# page:``, see
:mod:`kg.paging`) shows one page of rows with the total and links to the
pages before and after (``/q/documents?offset=100``; ``limit`` sets the page's size).

Examples
--------
>>> short_links("http://127.0.0.1:7878")[0][1].startswith("http://127.0.0.1:7878/q/")
True
"""

from __future__ import annotations

import html
import urllib.parse

from kg.errors import KGError

__all__ = ["page", "short_links"]


def short_links(base: str) -> list[tuple[str, str]]:
    """``(name, URL)`` of every named query's result page on the server at ``base``.

    Examples
    --------
    >>> dict(short_links("http://h:1"))["monitors"]
    'http://h:1/q/monitors'
    """
    from kg.query import named_queries

    return [(q.name, f"{base}/q/{q.name}") for q in named_queries().values()]


def page(query_url: str, name: str, params: dict[str, str], *, timeout: float = 60) -> tuple[int, bytes]:
    """HTTP status and HTML page of named query ``name`` run with ``params`` (its example's where missing).

    Examples
    --------
    >>> status, body = page("http://127.0.0.1:9/query", "no-such-query", {})
    >>> status, b"no-such-query" in body
    (404, True)
    """
    from kg.query import get, named_queries, run
    from kg.remote import Endpoint

    if name not in named_queries():
        return 404, _html("Unknown query", f"<p>No named query <code>{html.escape(name)}</code>; "
                          "<a href='/'>back to the query UI</a>.</p>")
    q = get(name)
    params = dict(params)
    slice_ = {k: params.pop(k) for k in ("limit", "offset") if k in params}
    values = {**q.example(), **params}
    try:
        limit = slice_.get("limit") or (q.page or None)
        results = run(Endpoint(query_url, headers={}, timeout=timeout, retries=0), name, limit=limit,
                      offset=slice_.get("offset", 0), **values)
    except KGError as err:
        return 502, _html(q.title, f"<p class=err>{html.escape(str(err))}</p>")
    records = results.records() if results.triples is None else [
        {"subject": str(t.subject), "predicate": str(t.predicate), "object": str(t.object)} for t in results.triples]
    columns = list(records[0]) if records else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if r[c] is None else str(r[c]))}</td>" for c in columns)
                   + "</tr>" for r in records)
    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    count = f"{len(records)} rows"
    if results.total is not None and (results.offset or results.more):
        first, last = results.offset + 1, results.offset + len(records)
        count = f"rows {first:,}–{last:,} of {results.total:,}" if records else f"no rows after row {results.offset:,}"
        step = len(records) or int(limit)
        for label, at in (("previous", max(0, results.offset - step)), ("next", results.offset + step)):
            if (label == "previous" and results.offset) or (label == "next" and results.more):
                link = "?" + urllib.parse.urlencode({**params, "offset": at, **({"limit": limit} if "limit" in slice_ else {})})
                count += f" · <a href='{html.escape(link)}'>{label}</a>"
    form = "".join(f"<label>{html.escape(p.name)} <input name='{html.escape(p.name)}' "
                   f"value='{html.escape(str(values.get(p.name, '')))}'></label> " for p in q.params)
    return 200, _html(q.title, (
        f"<p>{html.escape(q.answers)}</p>"
        + (f"<form method=get>{form}<button>run</button></form>" if q.params else "")
        + f"<p>{count}" + (f" for {html.escape(shown)}" if shown else "") + "</p>"
        + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"))


def _html(title: str, content: str) -> bytes:
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)} - kg</title><style>"
            "body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
            "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
            "th{background:#f3f3f3}.err{color:#a00}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{content}<p><a href='/'>query UI</a></p></body></html>").encode("utf-8")


def parse(path: str) -> tuple[str, dict[str, str]]:
    """The query name and parameters of a ``/q/NAME?k=v`` request path.

    Examples
    --------
    >>> parse("/q/monitors?code=77013")
    ('monitors', {'code': '77013'})
    """
    parts = urllib.parse.urlsplit(path)
    return urllib.parse.unquote(parts.path[len("/q/"):]), dict(urllib.parse.parse_qsl(parts.query))
