"""Query targets: one protocol for the embedded store and a remote endpoint; imports go one way."""

from __future__ import annotations

import ast
import io
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg
from kg.errors import KGError, QueryError
from kg.queries import INTERNAL_DIR, internal_queries, internal_query
from kg.query import named_queries, run, run_sparql
from kg.remote import Endpoint
from kg.target import QueryTarget, StoreTarget, as_target

KG_DIR = Path(kg.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every kg module ``path`` imports, at the top or inside a function."""
    out = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("kg"):
            out.add(n.module)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names if a.name.startswith("kg"))
    return out


@pytest.mark.parametrize("module,above", [
    ("queries/__init__.py", {"kg.store", "kg.target", "kg.remote", "kg.query"}),
    ("bulk.py", {"kg.store", "kg.target", "kg.remote", "kg.query"}),
    ("store.py", {"kg.build", "kg.target", "kg.remote", "kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("build.py", {"kg.target", "kg.remote", "kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("target.py", {"kg.store", "kg.remote", "kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("results.py", {"kg.store", "kg.remote", "kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("remote/__init__.py", {"kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("remote/transport.py", {"kg.query", "kg.network", "kg.audit", "kg.view"}),
    ("query.py", {"kg.remote", "kg.network", "kg.audit", "kg.view"}),
])
def test_imports_go_one_way(module, above):
    assert not _imports(KG_DIR / module) & above


def _inline_sparql(path: Path) -> list[str]:
    """String literals that are SPARQL queries, docstrings (whose examples are doctests) aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
            and __import__("re").search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b[^\n]*(\bWHERE\b|\{)", n.value)]


@pytest.mark.parametrize("module", ["network/__init__.py", "network/local.py", "network/layers.py", "network/nodes.py", "network/projection.py", "network/similar.py", "store.py", "export.py", "query.py", "results.py", "remote/__init__.py",
                                    "remote/transport.py", "target.py"])
def test_no_inline_sparql(module):
    assert _inline_sparql(KG_DIR / module) == []


def test_internal_queries_are_marked_parse_and_stay_out_of_the_library():
    names = internal_queries()
    assert {"network/edges", "network/facts", "store/documents", "store/triple-count"} <= set(names)
    assert all(not p.is_relative_to(INTERNAL_DIR) for p in (q.path for q in named_queries().values()))
    empty = ox.Store()
    for name in names:
        text = internal_query(name)
        assert text.splitlines()[0] == "# internal: true", name
        run_sparql(empty, text, source=name)  # parses and runs


def test_an_unmarked_internal_query_is_refused(tmp_path, monkeypatch):
    import kg.queries as q

    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "plain.rq").write_text("# title: not internal\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    monkeypatch.setattr(q, "INTERNAL_DIR", tmp_path)
    q.internal_query.cache_clear()
    try:
        with pytest.raises(QueryError, match="internal: true"):
            q.internal_query("x/plain")
        with pytest.raises(QueryError, match="no internal query"):
            q.internal_query("../x/plain")
    finally:
        q.internal_query.cache_clear()


def _json_opener(store: ox.Store, sent: list):
    """An opener that answers like a SPARQL endpoint over ``store``: SELECT/ASK as SPARQL JSON."""

    class Answer(io.BytesIO):
        headers = {"Content-Type": "application/sparql-results+json"}

    def opener(req, timeout):
        (field, text), = urllib.parse.parse_qsl(req.data.decode())  # sent URL-encoded: query=...
        assert field == "query"
        sent.append(text)
        results = store.query(text, use_default_graph_as_union=True)
        return Answer(results.serialize(format=ox.QueryResultsFormat.JSON))

    return opener


def test_store_and_endpoint_give_the_same_results(example_store):
    sent: list[str] = []
    ep = Endpoint("http://example.invalid/query", headers={}, opener=_json_opener(example_store, sent))
    assert isinstance(ep, QueryTarget) and isinstance(as_target(example_store), StoreTarget)
    for name in ("monitors", "diagnoses-for", "stats", "documents"):
        params = named_queries()[name].example()
        remote, local = run(ep, name, **params), run(example_store, name, **params)
        assert remote.variables == local.variables and remote.rows == local.rows and local.rows, name
    assert run_sparql(ep, "ASK { ?g a kg:Briefing }").boolean is True
    assert sent[-1].startswith("PREFIX kg: <https://w3id.org/codekg/ontology#>"), "kg's prefixes, declared"


def test_a_path_is_not_a_target():
    with pytest.raises(KGError, match="not a store or a query target"):
        run(Path("kg-store"), "stats")
