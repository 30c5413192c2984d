"""What a query gives back: :class:`Results`, and its renderings (table, CSV, JSON, pandas).

Every :class:`~kg.target.QueryTarget` answers with pyoxigraph's own result
objects; :meth:`Results.from_native` reads them, whatever answered, so the
renderings below are the same for the embedded store and a remote endpoint.
:mod:`kg.query` re-exports :class:`Results`, :func:`compact` and :data:`FORMATS`.

Examples
--------
>>> r = Results.from_native(ox.Store().query("SELECT ?code WHERE { VALUES ?code { 'a' 'b' } }"))
>>> [row["code"] for row in r.records()]
['a', 'b']
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import QueryError
from kg.target import NativeResults
from kg.vocab import PREFIXES

__all__ = ["FORMATS", "Results", "compact", "csv_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula: text opening with ``= + - @`` (or a tab,
    CR, LF, or their full-width forms) gets a leading apostrophe; numbers such as ``-1.5`` stay as they are.

    Every CSV kg writes (query results, ``kg audit``, ``kg check``; any new one, such as ``kg diff``) goes
    through this one function.

    Examples
    --------
    >>> [csv_cell(v) for v in ("=SUM(A1)", "+1+2", "@A1", "-2", "1e5", "77013", "", None, 3)]
    ["'=SUM(A1)", "'+1+2", "'@A1", '-2', '1e5', '77013', '', None, 3]
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value



@dataclass
class Results:
    """The outcome of a query: SELECT rows, an ASK boolean, or CONSTRUCT triples.

    Examples
    --------
    >>> q = "SELECT ?code ?units WHERE { VALUES (?code ?units) { ('77013' 1) ('76942' 2) } }"
    >>> r = Results.from_native(ox.Store().query(q))
    >>> len(r), r.variables, r.records()[1]
    (2, ['code', 'units'], {'code': '76942', 'units': '2'})
    >>> Results([], [], boolean=False).boolean
    False
    """

    variables: list[str]
    rows: list[tuple[object, ...]]
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None
    total: int | None = None
    """For one page of a listing (:func:`kg.query.run` with ``limit``): how many rows the whole listing has."""
    offset: int = 0
    """For one page: how many rows of the listing come before it."""

    @property
    def more(self) -> bool:
        """Whether this is one page of a listing with rows after it.

        Examples
        --------
        >>> Results(["x"], [(None,)] * 2, total=5).more, Results(["x"], [(None,)] * 2, total=5, offset=3).more
        (True, False)
        """
        return self.total is not None and self.offset + len(self.rows) < self.total

    def __len__(self) -> int:
        return len(self.rows) if self.triples is None else len(self.triples)

    @classmethod
    def from_native(cls, native: NativeResults, *, source: str = "<query>") -> Results:
        """What a :class:`~kg.target.QueryTarget` answered, as :class:`Results`.

        Raises
        ------
        QueryError
            For an error that surfaces while the solutions are read.

        Examples
        --------
        >>> r = Results.from_native(ox.Store().query("SELECT ?x WHERE { VALUES ?x { 1 } }"))
        >>> r.variables, r.records()
        (['x'], [{'x': '1'}])
        >>> Results.from_native(ox.Store().query("ASK {}")).boolean
        True
        """
        try:
            if isinstance(native, ox.QueryBoolean):
                return cls([], [], boolean=bool(native))
            if not isinstance(native, ox.QuerySolutions):
                return cls(["subject", "predicate", "object"], [], triples=list(native))
            variables = [v.value for v in native.variables]
            rows = [tuple(s) for s in native]  # a solution iterates its values in the order of the variables
        except (OSError, ValueError, TypeError, SyntaxError) as err:  # evaluation errors surface while iterating
            raise QueryError(f"{source}: query failed: {err}") from err
        return cls(variables, rows)

    def records(self) -> list[dict[str, str | None]]:
        """Rows as dicts of compact strings (prefixed IRIs, literal values).

        Examples
        --------
        >>> Results(["code"], [(ox.NamedNode("http://purl.bioontology.org/ontology/CPT/77013"),)]).records()
        [{'code': 'cpt:77013'}]
        """
        return [{v: compact(t) for v, t in zip(self.variables, row)} for row in self.rows]

    def to_json(self) -> str:
        """W3C SPARQL 1.1 Query Results JSON.

        Examples
        --------
        >>> Results(["x"], [(ox.Literal("1"),), (None,)]).to_json()
        '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}, {}]}}'
        """
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
        """W3C SPARQL 1.1 CSV results: full IRIs, plain literal values, formula-safe (:func:`csv_cell`).

        Examples
        --------
        >>> Results(["x", "y"], [(ox.NamedNode("http://a"), None)]).to_csv()
        'x,y\\r\\nhttp://a,\\r\\n'
        >>> Results(["x"], [(ox.Literal("=1+2"),)]).to_csv()
        "x\\r\\n'=1+2\\r\\n"
        """
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.variables)
        for row in self.rows:
            w.writerow(["" if t is None else csv_cell(t.value) for t in row])
        return buf.getvalue()

    def to_table(self) -> str:
        """An aligned text table for the terminal.

        Examples
        --------
        >>> print(Results(["code", "n"], [(ox.Literal("77013"), ox.Literal("2"))]).to_table())
        code   n
        -----  -
        77013  2
        (1 row)
        """
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

    def to_turtle(self) -> bytes:
        """CONSTRUCT or DESCRIBE triples as Turtle, with kg's prefixes.

        Raises
        ------
        QueryError
            For SELECT or ASK results, which have no triples.

        Examples
        --------
        >>> q = "CONSTRUCT { <http://purl.bioontology.org/ontology/CPT/77013> a <http://b> } WHERE {}"
        >>> Results.from_native(ox.Store().query(q)).to_turtle().decode().splitlines()[-1]
        'cpt:77013 a <http://b> .'
        >>> Results(["x"], []).to_turtle()
        Traceback (most recent call last):
        ...
        kg.errors.QueryError: only CONSTRUCT and DESCRIBE results are triples; this one has rows
        """
        if self.triples is None:
            raise QueryError("only CONSTRUCT and DESCRIBE results are triples; this one has rows")
        return ox.serialize(self.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""

    def to_df(self):
        """A pandas DataFrame of :meth:`records` (needs pandas).

        Examples
        --------
        >>> Results(["x"], [(ox.Literal("1"),)]).to_df().to_dict("records")
        [{'x': '1'}]
        """
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
_BY_NAMESPACE: dict[str, str] = {}
for _prefix, _ns in _PREFIX_ORDER:
    _BY_NAMESPACE.setdefault(_ns, _prefix)
_SEPARATED = all(ns.endswith(("/", "#")) for ns in PREFIXES.values())
"""Every namespace ends in ``/`` or ``#``: then the one up to an IRI's last ``/`` or ``#`` is the longest that fits."""


def compact(term) -> str | None:
    """A short display form: ``cpt:77013`` for IRIs, the value for literals.

    Examples
    --------
    >>> compact(ox.NamedNode("https://w3id.org/codekg/ontology#monitors"))
    'kg:monitors'
    >>> compact(ox.Literal("77013"))
    '77013'
    >>> compact(ox.NamedNode("http://example.org/x")), compact(ox.NamedNode("https://w3id.org/codekg/ontology#"))
    ('http://example.org/x', 'https://w3id.org/codekg/ontology#')
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.NamedNode):
        value = term.value  # each .value makes a new string: read it once (10,000-row listings render in a tenth)
        cut = max(value.rfind("/"), value.rfind("#")) + 1
        if _SEPARATED and 0 < cut < len(value) and value[:cut] in _BY_NAMESPACE:
            return f"{_BY_NAMESPACE[value[:cut]]}:{value[cut:]}"
        for prefix, ns in _PREFIX_ORDER:
            if value.startswith(ns) and len(value) > len(ns):
                return f"{prefix}:{value[len(ns):]}"
        return value
    return str(term)


FORMATS = {
    "table": Results.to_table,
    "csv": Results.to_csv,
    "json": Results.to_json,
}
"""``kg query --format`` choices -> renderer."""
