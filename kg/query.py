"""The named-query library and SPARQL execution.

Named queries are the ``.rq`` files in ``kg/queries/``. Each opens with a
comment header::

    # title: What a code monitors, and what monitors it
    # answers: Which procedures does CODE guide or monitor, and which guidance codes monitor CODE?
    # param: code code  The code, as written (77013)

A ``needs`` line says what must have run first for the query to have data
(``# needs: kg audit``). A ``param`` line gives the variable name, its kind (``code``, ``relation``,
``string``, ``integer``; a trailing ``?`` makes it optional) and a help text.
Values are bound as typed RDF terms in a ``VALUES`` block that opens the
query's ``WHERE`` group (the same text works against any SPARQL 1.1
endpoint); a value is serialised as an N-Triples term, never pasted into the
query as text, so it cannot change what a query does.

Examples
--------
>>> "monitors" in named_queries()
True
>>> import tempfile
>>> from kg.store import open_store, build
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> res = run(store, "monitors", code="77013")
>>> ("monitors", "49405") in [(r["relation"], r["other"]) for r in res.records()]
True
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError
from kg.parse import code_candidates
from kg.vocab import KG, PREFIXES, code_iri

__all__ = [
    "NamedQuery",
    "Param",
    "Results",
    "named_queries",
    "internal",
    "run",
    "run_sparql",
    "bind",
    "with_values",
    "FORMATS",
]

QUERY_DIR = Path(__file__).resolve().parent / "queries"
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class Param:
    """A parameter of a named query."""

    name: str
    kind: str
    help: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file of the library."""

    name: str
    title: str
    answers: str
    params: tuple[Param, ...]
    text: str
    path: Path
    needs: str = ""

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
        else:
            header[key] = value
    if "title" not in header or "answers" not in header:
        raise QueryError(f"{path}:1: a named query needs '# title:' and '# answers:' header lines")
    return NamedQuery(path.stem, header["title"], header["answers"], tuple(params), text, path, header.get("needs", ""))


@lru_cache(maxsize=1)
def named_queries() -> dict[str, NamedQuery]:
    """All named queries, by name (the file stem), sorted."""
    return {q.name: q for q in map(_load, sorted(QUERY_DIR.glob("*.rq")))}


INTERNAL_DIR = QUERY_DIR / "internal"


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
    """The named query ``name``, or a :class:`QueryError` listing the names."""
    try:
        return named_queries()[name]
    except KeyError:
        raise QueryError(f"no named query {name!r}; 'kg queries' lists them: {', '.join(named_queries())}") from None


Binding = dict[ox.Variable, list]


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
        if p.kind == "code":
            candidates = code_candidates(value)
            if not candidates:
                raise QueryError(
                    f"parameter {p.name}: {value!r} is not shaped like a CPT, HCPCS, ICD-10-CM, NUCC or modifier code"
                )
            out[ox.Variable(p.name)] = [ox.NamedNode(code_iri(s, c)) for s, c in candidates]
            continue
        elif p.kind == "relation":
            name = value.removeprefix("kg:")
            try:
                term = ox.NamedNode(str(KG[name]))
            except AttributeError:
                raise QueryError(f"{value!r} is not a kg relation (e.g. monitors, alternativeTo)") from None
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


@dataclass
class Results:
    """The outcome of a query: SELECT rows, an ASK boolean, or CONSTRUCT triples."""

    variables: list[str]
    rows: list[tuple[object, ...]]
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None

    def __len__(self) -> int:
        return len(self.rows) if self.triples is None else len(self.triples)

    def records(self) -> list[dict[str, str | None]]:
        """Rows as dicts of compact strings (prefixed IRIs, literal values)."""
        return [{v: compact(t) for v, t in zip(self.variables, row)} for row in self.rows]

    def to_json(self) -> str:
        """W3C SPARQL 1.1 Query Results JSON."""
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean})
        bindings = []
        for row in self.rows:
            b = {}
            for v, t in zip(self.variables, row):
                if t is not None:
                    b[v] = _json_term(t)
            bindings.append(b)
        return json.dumps({"head": {"vars": self.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)

    def to_csv(self) -> str:
        """W3C SPARQL 1.1 CSV results: full IRIs, plain literal values."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.variables)
        for row in self.rows:
            w.writerow(["" if t is None else t.value for t in row])
        return buf.getvalue()

    def to_table(self) -> str:
        """An aligned text table for the terminal."""
        if self.boolean is not None:
            return "true" if self.boolean else "false"
        if not self.variables:
            return "(no columns)"
        cells = [[compact(t) or "" for t in row] for row in self.rows]
        widths = [max([len(v)] + [min(len(r[i]), 80) for r in cells]) for i, v in enumerate(self.variables)]
        lines = ["  ".join(v.ljust(w) for v, w in zip(self.variables, widths)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        for r in cells:
            lines.append("  ".join(_clip(c, w).ljust(w) for c, w in zip(r, widths)).rstrip())
        lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
        return "\n".join(lines)

    def to_df(self):
        """A pandas DataFrame of :meth:`records` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=self.variables)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _json_term(t) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": str(t)}


_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: len(kv[1]), reverse=True)


def compact(term) -> str | None:
    """A short display form: ``cpt:77013`` for IRIs, the value for literals.

    Examples
    --------
    >>> compact(ox.NamedNode("https://w3id.org/codekg/ontology#monitors"))
    'kg:monitors'
    >>> compact(ox.Literal("77013"))
    '77013'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        for prefix, ns in _PREFIX_ORDER:
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


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


def with_prefixes(sparql: str) -> str:
    """``sparql`` with PREFIX lines for every kg prefix it uses but does not declare.

    Examples
    --------
    >>> with_prefixes("SELECT * WHERE { ?s a kg:Briefing }").splitlines()[0]
    'PREFIX kg: <https://w3id.org/codekg/ontology#>'
    """
    declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w-]*):", sparql, re.IGNORECASE)}
    missing = [
        f"PREFIX {name}: <{ns}>" for name, ns in PREFIXES.items()
        if name.lower() not in declared and re.search(rf"(?<![\w?$]){re.escape(name)}:", sparql)
    ]
    return "\n".join(missing + [sparql]) if missing else sparql


def run_sparql(store, sparql: str, *, substitutions=None, source: str = "<query>") -> Results:
    """Run SPARQL text against ``store`` (union default graph), or a remote endpoint.

    Parameters
    ----------
    store : pyoxigraph.Store or kg.remote.Endpoint
        The embedded store, or any SPARQL 1.1 endpoint (SELECT and ASK).

    Raises
    ------
    QueryError
        With ``source:line:column`` for a syntax error.
    """
    from kg.remote import Endpoint, results_from_json

    if isinstance(store, Endpoint):
        return results_from_json(store.query(with_prefixes(with_values(sparql, substitutions or {}))))
    try:
        result = store.query(
            with_values(sparql, substitutions or {}),
            prefixes=PREFIXES,
            use_default_graph_as_union=True,
        )
    except SyntaxError as err:
        raise _syntax_error(err, source) from err
    except OSError as err:
        raise QueryError(f"{source}: query failed: {err}") from err
    try:
        if isinstance(result, ox.QueryBoolean):
            return Results([], [], boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            return Results(["subject", "predicate", "object"], [], triples=list(result))
        variables = [v.value for v in result.variables]
        rows = [tuple(s[v] for v in variables) for s in result]
    except (OSError, ValueError, TypeError) as err:  # evaluation errors surface while iterating
        raise QueryError(f"{source}: query failed: {err}") from err
    return Results(variables, rows)


def run(store, name: str, **params) -> Results:
    """Run the named query ``name`` with ``params`` bound as RDF terms.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> run(open_store(tempfile.mkdtemp()), "monitors", code="77013").rows
    []
    """
    q = get(name)
    return run_sparql(store, q.text, substitutions=bind(q, params), source=str(q.path))


def iter_queries() -> Iterator[NamedQuery]:
    """The named queries in name order."""
    return iter(named_queries().values())


FORMATS = {
    "table": Results.to_table,
    "csv": Results.to_csv,
    "json": Results.to_json,
}
"""``kg query --format`` choices -> renderer."""
