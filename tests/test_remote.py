"""Remote endpoint client: credentials from the environment, retries with backoff, clear errors."""

from __future__ import annotations

import io
import urllib.error
import urllib.parse

import pytest

from kg.errors import RemoteError
from kg.query import run_sparql
from kg.remote import Endpoint, auth_headers, read_answer


class _Flaky:
    """An opener that answers with the given HTTP statuses in turn, recording requests."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests = []

    def __call__(self, req, timeout):
        self.requests.append((req, timeout))
        status = self.statuses.pop(0)
        if status != 200:
            raise urllib.error.HTTPError(req.full_url, status, "nope", {}, io.BytesIO(b"busy"))
        return io.BytesIO(b'{"head": {}, "boolean": true}')


def test_retries_transient_failures_with_backoff(monkeypatch):
    sleeps = []
    monkeypatch.setattr("kg.remote.time.sleep", sleeps.append)
    opener = _Flaky([503, 502, 200])
    ep = Endpoint("http://example.invalid/query", opener=opener, retries=3, backoff=0.5, timeout=7, headers={})
    assert bool(ep.query("ASK {}")) is True
    assert sleeps == [0.5, 1.0]
    assert all(0 < t <= 7 for _, t in opener.requests)  # one deadline for the whole request


def test_gives_up_after_the_retries(monkeypatch):
    monkeypatch.setattr("kg.remote.time.sleep", lambda s: None)
    ep = Endpoint("http://example.invalid/query", opener=_Flaky([503] * 3), retries=2, headers={})
    with pytest.raises(RemoteError, match="HTTP 503"):
        ep.query("ASK {}")


def test_client_errors_are_not_retried():
    opener = _Flaky([400, 200])
    ep = Endpoint("http://example.invalid/query", opener=opener, headers={})
    with pytest.raises(RemoteError, match="HTTP 400 nope: busy"):
        ep.query("ASK {")
    assert len(opener.requests) == 1


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", "s3cret")
    opener = _Flaky([200])
    Endpoint("http://example.invalid/query", opener=opener).query("ASK {}")
    req, _ = opener.requests[0]
    assert req.get_header("Authorization") == "Bearer s3cret"
    assert req.get_header("Content-type") == "application/x-www-form-urlencoded"  # Virtuoso 7.2 hangs on sparql-query


def test_basic_auth_and_extra_headers():
    h = auth_headers({"KG_ENDPOINT_USER": "ana", "KG_ENDPOINT_PASSWORD": "pw", "KG_ENDPOINT_HEADERS": "X-A: 1"})
    assert h == {"X-A": "1", "Authorization": "Basic YW5hOnB3"}
    assert auth_headers({}) == {}


def test_graph_store_defaults_for_oxigraph_and_rejects_non_http():
    assert Endpoint("http://h:7878/query", headers={}).graph_store == "http://h:7878/store"
    assert Endpoint("http://h:3030/ds/sparql", headers={}).graph_store is None
    with pytest.raises(RemoteError, match="not an http"):
        Endpoint("file:///etc/passwd", headers={})


class _Answer(io.BytesIO):
    """A response with a Content-Type header, as urllib gives."""

    def __init__(self, body: bytes, media_type: str):
        super().__init__(body)
        self.headers = {"Content-Type": media_type}


def _endpoint(body: bytes, media_type: str, sent: list | None = None) -> Endpoint:
    def opener(req, timeout):
        if sent is not None:
            sent.append(req)
        return _Answer(body, media_type)

    return Endpoint("http://example.invalid/query", opener=opener, headers={})


XML_SELECT = b"""<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#">
  <head><variable name="code"/><variable name="line"/></head>
  <results><result>
    <binding name="code"><uri>http://purl.bioontology.org/ontology/CPT/77013</uri></binding>
    <binding name="line"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">51</literal></binding>
  </result></results>
</sparql>"""


def test_results_in_xml_json_and_tsv_read_alike():
    json_body = (b'{"head": {"vars": ["code", "line"]}, "results": {"bindings": [{"code": {"type": "uri", '
                 b'"value": "http://purl.bioontology.org/ontology/CPT/77013"}, "line": {"type": "literal", '
                 b'"datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "51"}}]}}')
    tsv_body = b"?code\t?line\n<http://purl.bioontology.org/ontology/CPT/77013>\t51\n"
    got = [run_sparql(_endpoint(body, mt), "SELECT * WHERE { ?code kg:line ?line }").records()
           for body, mt in ((XML_SELECT, "application/sparql-results+xml"),
                            (json_body, "application/sparql-results+json; charset=utf-8"),
                            (tsv_body, "text/tab-separated-values"))]
    assert got == [[{"code": "cpt:77013", "line": "51"}]] * 3


def test_construct_answers_are_triples_and_prefixes_are_declared():
    sent = []
    ep = _endpoint(b"<http://a> <http://b> <http://c> .\n", "application/n-triples", sent)
    res = run_sparql(ep, "CONSTRUCT { ?s kg:monitors ?o } WHERE { ?s kg:monitors ?o }")
    assert [t.object.value for t in res.triples] == ["http://c"]
    (field, body), = urllib.parse.parse_qsl(sent[0].data.decode())
    assert field == "query" and body.startswith("PREFIX kg: <https://w3id.org/codekg/ontology#>")
    assert "application/sparql-results+json" in sent[0].get_header("Accept")


def test_an_answer_that_is_not_results_is_a_clear_error():
    with pytest.raises(RemoteError, match="not SPARQL results or RDF"):
        _endpoint(b"<html>busy</html>", "text/html").query("ASK {}")
    with pytest.raises(RemoteError, match="does not parse"):
        _endpoint(b'{"head": ', "application/sparql-results+json").query("ASK {}")
    with pytest.raises(RemoteError, match="CSV|not supported|does not parse"):
        read_answer(b"x\r\n1\r\n", "text/csv")


class _AsVirtuosoReceivesIt:
    """The embedded store, sent every query as kg.remote.dialect rewrites it for Virtuoso."""

    def __init__(self, store):
        self.store = store

    def query(self, sparql):
        from kg.remote.dialect import rewrite
        from kg.target import with_prefixes

        return self.store.query(rewrite("virtuoso", with_prefixes(sparql)), use_default_graph_as_union=True)


def test_the_virtuoso_rewrite_of_every_named_query_means_the_same_in_sparql11(tmp_path, shared_data):
    """What the query target sends Virtuoso is the same query to a SPARQL 1.1 engine: same rows on the embedded store."""
    from kg.build import build
    from kg.codesets import load
    from kg.examples import examples_dir
    from kg.query import named_queries, run
    from kg.store import open_store
    from tests.engines import icd10cm_slice

    store = open_store(tmp_path / "store")
    assert build(store, [examples_dir()], progress=False).ok
    load(store, {"icd10cm": icd10cm_slice(tmp_path / "icd"),
                 "ncci-ptp": shared_data / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv"}, progress=False)
    rewritten, found = _AsVirtuosoReceivesIt(store), 0
    for q in named_queries().values():
        here = run(store, q.name, **q.example()).rows
        there = run(rewritten, q.name, **q.example()).rows
        assert sorted(map(repr, here)) == sorted(map(repr, there)), q.name
        found += bool(here)
    assert found >= 15
    assert run(store, "excludes1-pair", code="I10", other="O10.02").rows  # the zero-length step is there


def _graph_store_answering(*bodies):
    """An opener for Graph Store requests: HTTP 500 with each body in turn, then 204s; the methods it was sent."""
    methods, left = [], list(bodies)

    def opener(req, timeout):
        methods.append(req.get_method())
        if left:
            raise urllib.error.HTTPError(req.full_url, 500, "Request Failed", {}, io.BytesIO(left.pop(0).encode()))
        return io.BytesIO(b"")
    return opener, methods


def test_push_sends_a_request_virtuoso_rolled_back_as_a_deadlock_again(monkeypatch):
    import importlib
    import types

    import pyoxigraph as ox

    module = importlib.import_module("kg.remote.push")  # kg.remote.push, the attribute, is the function
    monkeypatch.setattr(module, "time", types.SimpleNamespace(sleep=lambda s: None))
    push = module.push
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
    deadlock = "<h1>HTTP/1.1 500 Request Failed</h1><h3>Error 40001</h3><xmp>SR172: Transaction deadlocked</xmp>"
    opener, methods = _graph_store_answering(deadlock, deadlock)
    ep = Endpoint("http://h:7878/query", headers={}, opener=opener, retries=0)
    assert push(store, ep, progress=False) == [("http://g", 1)]
    assert methods == ["PUT", "PUT", "PUT"]
    # any other server error is not retried: it fails at once, naming the graph store
    opener, methods = _graph_store_answering("<h3>Error 42000</h3> no such graph")
    with pytest.raises(RemoteError, match="HTTP 500"):
        push(store, Endpoint("http://h:7878/query", headers={}, opener=opener, retries=0), progress=False)
    assert methods == ["PUT"]
