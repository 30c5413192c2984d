"""The named-query library and SPARQL execution.

Named queries are the ``.rq`` files in ``kg/queries/``. Each opens with a
comment header::

    # title: What a code monitors, and what monitors it
    # answers: Which procedures does CODE guide or monitor, and which guidance codes monitor CODE?
    # param: code code  The code, as written (77013)

A ``needs`` line says what must have run first for the query to have data
(``# needs: kg audit``). A ``recount`` line (``# recount: stats/recount``) marks a query that
reads the statistics kept in the store (:mod:`kg.stats`) and names the internal query that
counts the same rows over the whole store: :func:`run` runs that one when asked to recount, or
when the target keeps no current statistics. A ``param`` line gives the variable name, its kind (``code``, ``relation``,
``string``, ``integer``; a trailing ``?`` makes it optional) and a help text.
Values are bound as typed RDF terms in a ``VALUES`` block that opens the
query's ``WHERE`` group (the same text works against any SPARQL 1.1
endpoint); a value is serialised as an N-Triples term, never pasted into the
query as text, so it cannot change what a query does.

Queries run against a *target* (:mod:`kg.target`): the embedded store, or a
remote endpoint (:class:`kg.remote.Endpoint`); both answer with pyoxigraph's
result objects, which :meth:`Results.from_native` turns into :class:`Results`.

kg's own queries (the network projection's, the store's, the audit's) are
``.rq`` files too, in ``kg/queries/internal/<module>/``, marked
``# internal: true`` and left out of :func:`named_queries`; read one with
:func:`internal_query` (``internal_query("network/edges")``), see
:mod:`kg.queries`.

Examples
--------
>>> "monitors" in named_queries()
True
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> res = run(store, "monitors", code="77013")
>>> ("monitors", "49405") in [(r["relation"], r["other"]) for r in res.records()]
True
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError
from kg.model.relations import RELATIONS
from kg.queries import INTERNAL_DIR, QUERY_DIR, fill_registry as _fill_registry, internal_query, registry_lists
from kg.results import FORMATS, Results, compact
from kg.target import QueryTarget, StoreTarget, as_target
from kg.vocab import KG, code_iri

__all__ = [
    "NamedQuery",
    "Param",
    "Results",
    "compact",
    "named_queries",
    "internal",
    "run",
    "query_text",
    "run_sparql",
    "bind",
    "internal_query",
    "with_values",
    "FORMATS",
]

_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class Param:
    """A parameter of a named query.

    Declared in the ``.rq`` header as ``# param: name kind help``.

    Examples
    --------
    >>> p = named_queries()["monitors"].params[0]
    >>> p.name, p.kind, p.optional
    ('code', 'code', False)
    """

    name: str
    kind: str
    help: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file of the library.

    ``needs`` names the code set the query reads, when it reads one.

    Examples
    --------
    >>> q = named_queries()["mue"]
    >>> q.path.name, [p.name for p in q.params], q.needs
    ('mue.rq', ['code'], 'kg codesets load --ncci-mue')
    """

    name: str
    title: str
    answers: str
    params: tuple[Param, ...]
    text: str
    path: Path
    needs: str = ""
    recount: str = ""
    page: int = 0
    """Rows per page where users list it (``# page: 100``, :mod:`kg.paging`); 0 for a query shown whole."""
    page_query: str = ""
    """The internal query that lists one page of it (``# page: 100 listings/documents-page``), if not itself."""

    def example(self) -> dict[str, str]:
        """Values for the required parameters: the first example in each help text's parentheses.

        Examples
        --------
        >>> named_queries()["provenance"].example()
        {'from': '77013', 'to': '49405'}
        """
        out = {}
        for p in self.params:
            m = re.search(r"\(([^,)]+)", p.help)
            if m and not p.optional:
                out[p.name] = m.group(1).strip()
        return out


_PARAM_KINDS = ("code", "relation", "string", "integer", "iri")


def _load(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*(\w+)\s*:\s*(.*)$", line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "param":
            pm = re.match(r"(\w+)\s+(\w+)(\??)\s+(.*)$", value)
            if not pm or pm.group(2) not in _PARAM_KINDS:
                raise QueryError(f"{path}:{number}: bad param line; expected '# param: NAME KIND[?] help'")
            params.append(Param(pm.group(1), pm.group(2), pm.group(4), bool(pm.group(3))))
        elif key == "registry":
            rm = re.match(r"(\w+)\s+([\w-]+)$", value)
            if not rm:
                raise QueryError(f"{path}:{number}: bad registry line; expected '# registry: VAR LIST'")
            text = _fill_registry(text, path, number, rm.group(1), rm.group(2))
        else:
            header[key] = value
    if "title" not in header or "answers" not in header:
        raise QueryError(f"{path}:1: a named query needs '# title:' and '# answers:' header lines")
    page = re.fullmatch(r"(\d{1,6})(?:\s+([a-z0-9][a-z0-9_/-]*))?", header.get("page", "0"))
    if not page:
        raise QueryError(f"{path}:1: bad page line; expected '# page: ROWS [INTERNAL-QUERY]'")
    return NamedQuery(path.stem, header["title"], header["answers"], tuple(params), text, path, header.get("needs", ""),
                      header.get("recount", ""), int(page.group(1)), page.group(2) or "")


@lru_cache(maxsize=1)
def named_queries() -> dict[str, NamedQuery]:
    """All named queries, by name (the file stem), sorted.

    Examples
    --------
    >>> named_queries()["monitors"].params[0].name
    'code'
    >>> any(name.startswith("internal") for name in named_queries())
    False
    """
    return {q.name: q for q in map(_load, sorted(QUERY_DIR.glob("*.rq")))}


@lru_cache(maxsize=None)
def internal(name: str) -> NamedQuery:
    """The internal query ``kg/queries/internal/{name}.rq``: used by kg's own modules, not listed by ``kg query``.

    Examples
    --------
    >>> internal("official-labels").params
    ()
    >>> "official-labels" in named_queries()
    False
    """
    path = INTERNAL_DIR / f"{name}.rq"
    if not path.is_file():
        raise QueryError(f"no internal query {name!r} in {INTERNAL_DIR}")
    return _load(path)


def get(name: str) -> NamedQuery:
    """The named query ``name``, or a :class:`QueryError` listing the names.

    Examples
    --------
    >>> get("stats").title != ""
    True
    >>> get("nope")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: no named query 'nope'; 'kg queries' lists them: ...
    """
    try:
        return named_queries()[name]
    except KeyError:
        raise QueryError(f"no named query {name!r}; 'kg queries' lists them: {', '.join(named_queries())}") from None


Binding = dict[ox.Variable, list]


_RELATION_NAMES = frozenset(RELATIONS) | {r.inverse for r in RELATIONS.values() if r.inverse}
"""What a ``relation`` parameter may name: the relations of the registry and their inverses."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def bind(query: NamedQuery, params: Mapping[str, object]) -> Binding:
    """Turn user values into typed RDF terms for ``query``'s parameters.

    A ``code`` parameter becomes the IRIs of every code system whose code
    shape the value fits (``77013`` is a CPT code; ``c2201`` may be HCPCS
    ``C2201`` or ICD-10-CM ``C22.01``).

    Raises
    ------
    QueryError
        For an unknown parameter, a missing required one, or a bad value.

    Examples
    --------
    >>> q = named_queries()["monitors"]
    >>> bind(q, {"code": " 77013 "})
    {<Variable value=code>: [<NamedNode value=http://purl.bioontology.org/ontology/CPT/77013>]}
    >>> bind(named_queries()["related-codes"], {"code": "77013", "relation": "_fail"})
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: parameter relation: '_fail' is not a kg relation (e.g. monitors, alternativeTo)
    """
    declared = {p.name: p for p in query.params}
    unknown = set(params) - set(declared)
    if unknown:
        raise QueryError(
            f"query {query.name!r} has no parameter {', '.join(sorted(unknown))}; "
            f"it takes: {', '.join(declared) or 'none'}"
        )
    out: Binding = {}
    for p in query.params:
        if p.name not in params or params[p.name] in (None, ""):
            if not p.optional:
                raise QueryError(f"query {query.name!r} needs --param {p.name}=... ({p.help})")
            continue
        value = str(params[p.name])
        if _LONE_SURROGATE.search(value):
            raise QueryError(f"parameter {p.name}: {value!r} is not text (it holds a lone surrogate, "
                             "which is no Unicode character)")
        if p.kind == "code":
            from kg.parse import code_candidates  # here: a query without a code parameter never loads the parser

            candidates = code_candidates(value)
            if not candidates:
                raise QueryError(
                    f"parameter {p.name}: {value!r} is not shaped like a CPT, HCPCS, ICD-10-CM, NUCC or modifier code"
                )
            out[ox.Variable(p.name)] = [ox.NamedNode(code_iri(s, c)) for s, c in candidates]
            continue
        elif p.kind == "relation":
            name = value.strip().removeprefix("kg:")
            if name not in _RELATION_NAMES:
                raise QueryError(f"parameter {p.name}: {value!r} is not a kg relation (e.g. monitors, alternativeTo)")
            term = ox.NamedNode(str(KG[name]))
        elif p.kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", value.strip()):
                raise QueryError(f"parameter {p.name} must be an integer, not {value!r}")
            term = ox.Literal(value.strip(), datatype=_XSD_INTEGER)
        elif p.kind == "iri":
            try:
                term = ox.NamedNode(value)
            except ValueError as err:
                raise QueryError(f"parameter {p.name}: {value!r} is not an IRI") from err
        else:
            term = ox.Literal(value)
        out[ox.Variable(p.name)] = [term]
    return out


def _syntax_error(err: SyntaxError, source: str) -> QueryError:
    msg = str(err)
    m = re.match(r"error at (\d+):(\d+):\s*(.*)", msg, re.S)
    if m:
        return QueryError(f"{source}:{m.group(1)}:{m.group(2)}: SPARQL syntax error: {m.group(3).splitlines()[0]}")
    return QueryError(f"{source}: SPARQL syntax error: {msg.splitlines()[0] if msg else 'invalid query'}")


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(sparql: str, bindings: Binding) -> str:
    """Return ``sparql`` with a ``VALUES`` block for ``bindings`` opening its WHERE group.

    Each variable maps to a list of candidate terms; the block holds every
    combination. The terms are written in N-Triples syntax by pyoxigraph, so
    quotes and braces in a value stay inside the literal.

    Examples
    --------
    >>> q = "SELECT ?x WHERE { ?x <p> ?code }"
    >>> print(with_values(q, {ox.Variable("code"): [ox.Literal('7" } DROP ALL #')]}))
    SELECT ?x WHERE { VALUES (?code) { ("7\\" } DROP ALL #") } ?x <p> ?code }
    """
    if not bindings:
        return sparql
    lines = sparql.split("\n")
    offset = 0
    for line in lines:  # skip the comment header, which may mention WHERE
        if line.lstrip().startswith("#") or not line.strip():
            offset += len(line) + 1
            continue
        break
    m = _WHERE.search(sparql, offset)
    if m is None:
        raise QueryError("a parameterised query needs a 'WHERE {' group to bind its parameters in")
    names = " ".join(str(v) for v in bindings)
    rows = " ".join("(" + " ".join(map(str, combo)) + ")" for combo in itertools.product(*bindings.values()))
    return f"{sparql[:m.end()]} VALUES ({names}) {{ {rows} }}{sparql[m.end():]}"


def run_sparql(target: ox.Store | QueryTarget, sparql: str, *, substitutions=None, source: str = "<query>") -> Results:
    """Run SPARQL text against a store (the union of its graphs) or any :class:`~kg.target.QueryTarget`.

    Parameters
    ----------
    target : pyoxigraph.Store or kg.target.QueryTarget
        The embedded store, or a remote endpoint (:class:`kg.remote.Endpoint`).
    sparql : str
        SELECT, ASK, CONSTRUCT or DESCRIBE; kg's prefixes need no declaration.
    substitutions : dict, optional
        Variable -> candidate terms, bound in a ``VALUES`` block (:func:`with_values`).
    source : str
        Where the text came from, for error messages.

    Raises
    ------
    QueryError
        With ``source:line:column`` for a syntax error.

    Examples
    --------
    >>> store = ox.Store()
    >>> run_sparql(store, "ASK { ?s a kg:Briefing }").boolean
    False
    >>> run_sparql(store, "SELECT ?x WHERE {", source="mine.rq")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: mine.rq:1:18: SPARQL syntax error: ...
    """
    target = as_target(target)
    try:
        native = target.query(with_values(sparql, substitutions or {}))
    except SyntaxError as err:
        raise _syntax_error(err, source) from err
    except OSError as err:
        raise QueryError(f"{source}: query failed: {err}") from err
    return Results.from_native(native, source=source)


def _keeps_statistics(target: ox.Store | QueryTarget) -> bool:
    """Whether ``target`` keeps current statistics (:func:`kg.stats.is_current`; for an endpoint, their digest)."""
    from kg.stats import digest, is_current

    store = target.store if isinstance(target, StoreTarget) else target
    if isinstance(store, ox.Store):
        return is_current(store)
    fresh = internal_query("stats/fresh")
    return bool(run_sparql(target, fresh, substitutions={ox.Variable("digest"): [ox.Literal(digest())]},
                           source="kg/queries/internal/stats/fresh.rq").boolean)


def run(target: ox.Store | QueryTarget, name: str, *, recount: bool = False, limit: int | None = None,
        offset: int = 0, **params) -> Results:
    """Run the named query ``name`` against a store or a target, with ``params`` bound as RDF terms.

    A query that reads kept statistics (``# recount:``, as ``stats`` does) counts over the whole
    store instead when ``recount`` is true or the target keeps no current statistics, so its
    figures are never stale.

    With ``limit`` (and ``offset``), the answer is that page of the listing, in the query's order, and
    :attr:`Results.total` says how many rows the whole listing has (:mod:`kg.paging`); the total is
    counted only when the page is full. Without, every row.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> run(open_store(tempfile.mkdtemp()), "monitors", code="77013").rows
    []
    >>> old = ox.Store()  # a store no kg.stats hook described: 'stats' counts
    >>> old.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
    >>> [r for r in run(old, "stats").records() if r["kind"] == "graph"]
    [{'kind': 'graph', 'item': 'named graphs', 'count': '1'}, {'kind': 'graph', 'item': 'quads', 'count': '1'}]
    >>> page = run(old, "stats", limit=1, offset=1)
    >>> [r["item"] for r in page.records()], page.total, page.more
    (['quads'], 2, False)
    """
    paged = limit is not None or bool(offset)
    text, source = _bound(target, name, recount, paged, params)
    if not paged:
        return run_sparql(target, text, source=source)
    from kg.paging import count_text, page_bounds, page_text

    limit, offset = page_bounds(limit, offset)
    results = run_sparql(target, page_text(text, limit, offset), source=source)
    if not results.rows and not offset and source != str(get(name).path):
        # its page query found nothing: cut the page from the query itself (the rows of a store an older kg
        # wrote carry no kg:listKey to cut at), so that no row is ever hidden
        text, source = _bound(target, name, recount, False, params)
        results = run_sparql(target, page_text(text, limit, offset), source=source)
    last = (limit is None or len(results.rows) < limit) and (results.rows or not offset)  # nothing to count
    counted = None if last else run_sparql(target, count_text(text), source=source).rows
    results.total = offset + len(results.rows) if last else int(counted[0][0].value) if counted and counted[0][0] else 0
    results.offset = offset
    return results


def _bound(target, name: str, recount: bool, paged: bool, params: Mapping[str, object]) -> tuple[str, str]:
    """``(SPARQL, source)`` of named query ``name`` (or its recount, or its page query), its parameters bound."""
    q = get(name)
    text, source = q.text, str(q.path)
    if q.recount and (recount or (target is not None and not _keeps_statistics(target))):
        counted = internal(q.recount)
        text, source = counted.text, str(counted.path)
    elif paged and q.page_query:
        page = internal(q.page_query)
        text, source = page.text, str(page.path)
    bindings = bind(q, params)
    from kg.paging import marked_span

    span = marked_span(text) if bindings else None
    if span is None:
        return with_values(text, bindings), source
    # a query cut into pages at a subquery binds its parameters there (kg.paging)
    return text[:span[0]] + with_values(text[span[0]:span[1]], bindings) + text[span[1]:], source


def query_text(target: ox.Store | QueryTarget | None, name: str, *, recount: bool = False, limit: int | None = None,
               offset: int = 0, **params) -> tuple[str, str]:
    """``(SPARQL, source)``: what :func:`run` sends for named query ``name``, its parameters bound.

    For a query that reads kept statistics, ``target`` decides between the query and its recount
    (``None``: the query itself). With ``limit`` (or ``offset``), that page of it
    (:func:`kg.paging.page_text`, from its page query if it names one): what ``kg serve``'s links and
    its load test send.

    Examples
    --------
    >>> text, source = query_text(None, "documents", limit=100)
    >>> text.count("LIMIT 100"), source.endswith("listings/documents-page.rq")
    (1, True)
    >>> query_text(None, "monitors", code="77013")[1].endswith("monitors.rq")
    True
    """
    paged = limit is not None or bool(offset)
    text, source = _bound(target, name, recount, paged, params)
    if paged:
        from kg.paging import page_bounds, page_text

        text = page_text(text, *page_bounds(limit, offset))
    return text, source


def iter_queries() -> Iterator[NamedQuery]:
    """The named queries in name order.

    Examples
    --------
    >>> next(iter_queries()).name == min(named_queries())
    True
    """
    return iter(named_queries().values())
