"""The real Oxigraph server over a store kg built, queried with a real HTTP client over loopback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg.errors import RemoteError, StoreError
from kg.query import bind, named_queries, run, with_values
from kg.remote import Endpoint, push
from kg.serve import free_port, start
from kg.build import build
from kg.store import open_store
from kg.examples import examples_dir


def _rows_from_json(data) -> list[tuple]:
    variables = data["head"]["vars"]
    return sorted(tuple((b[v]["type"], b[v]["value"]) if v in b else None for v in variables)
                  for b in data["results"]["bindings"])


def _rows_from_results(res) -> list[tuple]:
    data = json.loads(res.to_json())
    return _rows_from_json(data)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "store"
    store = open_store(path)
    assert build(store, [examples_dir()], progress=False).ok
    del store
    return path


@pytest.fixture(scope="module")
def server(store_dir):
    with start(store_dir, bind=f"127.0.0.1:{free_port()}") as s:
        yield s


@pytest.mark.parametrize("name", sorted(n for n, q in named_queries().items() if not q.needs))
def test_every_named_query_gives_the_same_rows_over_http(server, store_dir, name):
    q = named_queries()[name]
    params = q.example()
    client = SPARQLWrapper(server.query_url)
    client.setQuery(with_values(q.text, bind(q, params)))
    client.queryType = "SELECT"  # SPARQLWrapper guesses from words, and takes "add-on" in a comment for ADD
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    remote = _rows_from_json(client.query().convert())
    local = _rows_from_results(run(open_store(store_dir, read_only=True), name, **params))
    assert remote == local
    assert remote, f"{name} returned no rows"


def test_update_is_refused(server):
    client = SPARQLWrapper(server.query_url, updateEndpoint=server.update_url)
    client.setMethod(POST)
    client.setQuery("DROP ALL")
    with pytest.raises((SPARQLWrapperException, Exception)) as info:
        client.query()
    assert "read-only" in str(info.value).lower() or "403" in str(info.value) or "405" in str(info.value)
    check = SPARQLWrapper(server.query_url)
    check.setQuery("ASK { ?s a <https://w3id.org/codekg/ontology#Briefing> }")
    check.setReturnFormat(JSON)
    assert check.query().convert()["boolean"] is True


def _count(endpoint: Endpoint) -> int:
    solutions = endpoint.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(next(iter(solutions))["n"].value)


def test_push_then_query_the_endpoint_and_push_again(tmp_path, store_dir):
    local = open_store(store_dir, read_only=True)
    with start(tmp_path / "remote", bind=f"127.0.0.1:{free_port()}", read_write=True) as remote_server:
        endpoint = Endpoint(remote_server.query_url)
        pushed = push(local, endpoint, progress=False)
        assert len(pushed) == 12  # ten briefings, the ontology and the statistics kept (kg.stats)
        n = _count(endpoint)
        assert n == len(local)
        assert push(local, endpoint, progress=False) == pushed
        assert _count(endpoint) == n, "a second push must not duplicate triples"
        for name in ("monitors", "diagnoses-for", "alternatives", "stats", "documents"):
            params = named_queries()[name].example()
            assert _rows_from_results(run(endpoint, name, **params)) == _rows_from_results(run(local, name, **params))
        # and through the CLI, as a user would
        args = [sys.executable, "-m", "kg", "query", "provenance", "-p", "from=77013", "-p", "to=49405", "--format", "json"]
        via_endpoint = subprocess.run(args + ["--endpoint", endpoint.url], capture_output=True, text=True, timeout=120)
        via_store = subprocess.run(args + ["--store", str(store_dir)], capture_output=True, text=True, timeout=120)
        assert via_endpoint.returncode == 0, via_endpoint.stderr
        assert json.loads(via_endpoint.stdout) == json.loads(via_store.stdout)
        # the network commands and views take --endpoint too
        for args in (["explain", "C22.0", "76942"], ["hubs", "--top", "3"], ["view", "77013", "-o", str(tmp_path / "v.html")]):
            cmd = [sys.executable, "-m", "kg", *args]
            via_endpoint = subprocess.run(cmd + ["--endpoint", endpoint.url], capture_output=True, text=True, timeout=120)
            via_store = subprocess.run(cmd + ["--store", str(store_dir)], capture_output=True, text=True, timeout=120)
            assert via_endpoint.returncode == 0, via_endpoint.stderr
            assert (via_endpoint.stdout, via_endpoint.stderr) == (via_store.stdout, via_store.stderr) != ("", "")


def test_cli_push(tmp_path, store_dir):
    with start(tmp_path / "remote", bind=f"127.0.0.1:{free_port()}", read_write=True) as remote_server:
        r = subprocess.run([sys.executable, "-m", "kg", "push", "--endpoint", remote_server.query_url,
                            "--store", str(store_dir)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        graphs = sum(1 for _ in open_store(store_dir, read_only=True).named_graphs())  # the briefings and the ontology
        assert graphs > 1 and r.stdout.startswith(f"pushed {graphs} graphs")


def test_serve_refuses_a_store_held_by_a_writer(held_store):
    with pytest.raises(StoreError, match="in use by another process"):
        start(held_store, bind=f"127.0.0.1:{free_port()}")


def test_unreachable_endpoint_is_a_clear_error():
    port = free_port()
    r = subprocess.run([sys.executable, "-m", "kg", "query", "stats", "--endpoint", f"http://127.0.0.1:{port}/query"],
                       capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "PYTHONWARNINGS": "ignore"})
    assert r.returncode == 1 and "cannot reach the endpoint" in r.stderr and "Traceback" not in r.stderr


def test_cli_serve_prints_urls_and_serves(store_dir):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store_dir), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.strip() == f"query UI:     http://127.0.0.1:{port}/"
        lines = [proc.stdout.readline() for _ in range(4)]
        assert any("monitors" not in l and "/query" in l for l in lines)
        assert bool(Endpoint(f"http://127.0.0.1:{port}/query", retries=0).query("ASK { ?s ?p ?o }")) is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # SIGTERM to kg serve stops the Oxigraph server it started
    with pytest.raises(RemoteError, match="cannot reach"):
        Endpoint(f"http://127.0.0.1:{port}/query", retries=0, timeout=2).query("ASK { ?s ?p ?o }")


def test_network_audit_and_view_read_an_endpoint_as_they_read_the_store(tmp_path, shared_data):
    from pathlib import Path

    from kg.audit import audit
    from kg.codesets import load
    from kg.network import project
    from kg.view import view

    local = open_store(tmp_path / "local")
    assert build(local, [examples_dir(), Path(__file__).parent / "data" / "audit"], progress=False).ok
    load(local, {"nucc": shared_data / "nucc_taxonomy_251.csv"}, progress=False)  # small: a label-mismatch or two
    with start(tmp_path / "remote", bind=f"127.0.0.1:{free_port()}", read_write=True) as remote_server:
        endpoint = Endpoint(remote_server.query_url)
        push(local, endpoint, progress=False)
        G, H = project(endpoint), project(local)
        assert sorted(G.edges(keys=True, data="sources")) == sorted(H.edges(keys=True, data="sources"))
        assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))
        assert G.number_of_edges() > 50
        findings = audit(local)
        assert findings and audit(endpoint) == findings
        remote_page, local_page = view(endpoint, "77013"), view(local, "77013")
        assert (remote_page.node_count, remote_page.edge_count) == (local_page.node_count, local_page.edge_count) != (0, 0)
