"""kg serve against an attacker's and a careless user's requests, over loopback (issue 21, item 6).

A real `kg serve` (the guard and its Oxigraph servers) over a store kg built; real HTTP clients.
SERVICE must not make the server send a request anywhere, a runaway query must be stopped at the
time limit with an error status, the query UI must make no outside request, and serving stays
read-only on loopback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import RemoteError
from kg.examples import examples_dir
from kg.remote import Endpoint
from kg.serve import free_port, start
from kg.build import build
from kg.store import open_store

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN_STREAM = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve-safety") / "store"
    store = open_store(path)
    assert build(store, [examples_dir()], progress=False).ok
    del store
    return path


@pytest.fixture(scope="module")
def server(store_dir):
    with start(store_dir, bind=f"127.0.0.1:{free_port()}", timeout_s=2, workers=2) as s:
        yield s


class _Listener:
    """A loopback TCP port that records every connection made to it (a SERVICE target)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


def _post(url, data: bytes, media_type: str, timeout=30, headers=None):
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": media_type, "Accept": "application/sparql-results+json",
                                          **(headers or {})})
    return _send(req, timeout)


def _send(req, timeout=30):
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def _get(url, timeout=30, headers=None):
    return _send(urllib.request.Request(url, headers=headers or {}), timeout)


def _service_queries(port: int) -> dict[str, str]:
    target = f"http://127.0.0.1:{port}/sparql"
    return {
        "plain": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "lower case": f"select * where {{ service <{target}> {{ ?s ?p ?o }} }}",
        "SILENT": f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        "variable endpoint": f"SELECT * WHERE {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        "escaped keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}",
        "after a comment": f"SELECT * WHERE {{ # SERVICE in a comment, then for real\nSERVICE <{target}> {{ ?s ?p ?o }} }}",
        "in a subquery": f"ASK {{ {{ SELECT ?s WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
        "escaped quotes": f'SELECT * WHERE {{ BIND("\\u0022" AS ?q) SERVICE <{target}> {{ ?s ?p ?o }} BIND("\\u0022" AS ?r) }}',
        "escaped quotes, other way": f"SELECT * WHERE {{ BIND('\\u0027 ' AS ?q) SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "CONSTRUCT": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
    }


@pytest.mark.parametrize("how", ["GET", "POST form", "POST sparql-query", "kg client"])
def test_service_is_refused_and_no_request_leaves_the_server(server, how):
    listener = _Listener()
    try:
        for name, query in _service_queries(listener.port).items():
            if how == "GET":
                status, body, _ = _get(server.query_url + "?query=" + urllib.parse.quote(query))
            elif how == "POST form":
                status, body, _ = _post(server.query_url, urllib.parse.urlencode({"query": query}).encode(),
                                        "application/x-www-form-urlencoded")
            elif how == "POST sparql-query":
                status, body, _ = _post(server.query_url, query.encode(), "application/sparql-query")
            else:
                with pytest.raises(RemoteError, match="HTTP 400 .*SERVICE") as info:
                    Endpoint(server.query_url, headers={}, retries=0).query(query)
                status, body = 400, str(info.value).encode()
            assert status == 400, (name, status, body)
            assert b"SERVICE (federated query) is disabled" in body, name
        time.sleep(0.3)
        assert listener.connections == 0, "the server sent a request to the SERVICE target"
    finally:
        listener.close()


def test_from_and_graph_store_names_do_not_fetch_either(server):
    listener = _Listener()
    try:
        target = f"http://127.0.0.1:{listener.port}/g.ttl"
        status, _, _ = _post(server.query_url, f"SELECT * FROM <{target}> FROM NAMED <{target}> WHERE {{ ?s ?p ?o }}"
                             .encode(), "application/sparql-query")
        assert status == 200
        q = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }", "default-graph-uri": target, "named-graph-uri": target})
        assert _get(server.query_url + "?" + q)[0] == 200
        assert _get(server.store_url + "?" + urllib.parse.urlencode({"graph": target}))[0] == 404
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_service_as_a_word_in_strings_iris_and_names_is_still_served(server):
    query = ('SELECT ?service WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?service) '
             'FILTER(?service != <http://example.org/SERVICE>) }')
    status, body, _ = _post(server.query_url, query.encode(), "application/sparql-query")
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["service"]["value"].startswith("SERVICE")


def _busy_backends(server) -> list[float]:
    """CPU seconds used so far by each live backend."""
    out = []
    for process, _ in list(server.backends.all):
        try:
            with open(f"/proc/{process.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
        except OSError:
            pass
    return out


@pytest.mark.parametrize("query", [CARTESIAN, CARTESIAN_COUNT, CARTESIAN_STREAM],
                         ids=["ORDER BY (grows in memory)", "COUNT (Oxigraph's truncated 200)", "streams results"])
def test_a_runaway_query_is_stopped_at_the_time_limit_with_an_error_status(server, query):
    pids_before = {p.pid for p, _ in server.backends.all}
    started = time.monotonic()
    status, body, headers = _post(server.query_url, query.encode(), "application/sparql-query", timeout=60)
    took = time.monotonic() - started
    assert status == 504, (status, body[:200])
    assert b"ran past the time limit of 2s and was stopped" in body
    assert headers["Content-Type"].startswith("text/plain"), "an error, not a (truncated) results document"
    assert took < 4, f"answered after {took:.1f}s with a 2s limit"
    # the backend that ran it is gone (so is its memory), and a fresh one took its place
    deadline = time.monotonic() + 20
    while len(server.backends.all) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.backends.all) == 2 and {p.pid for p, _ in server.backends.all} != pids_before
    cpu = _busy_backends(server)
    time.sleep(1)
    assert all(b - a < 0.5 for a, b in zip(cpu, _busy_backends(server))), "a backend is still busy"
    # and the server answers the next query at once
    assert bool(Endpoint(server.query_url, headers={}, retries=0, timeout=10).query("ASK { ?s ?p ?o }")) is True


def test_concurrent_runaway_queries_cannot_hold_the_server(server):
    results = []

    def run():
        results.append(_post(server.query_url, CARTESIAN.encode(), "application/sparql-query", timeout=60)[0])

    threads = [threading.Thread(target=run) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # two run and are stopped at 2s; the third waits for a slot up to the limit, then is stopped or refused
    assert sorted(results) in ([504, 504, 504], [503, 504, 504]), results
    assert time.monotonic() - started < 8
    assert bool(Endpoint(server.query_url, headers={}, retries=0, timeout=20).query("ASK { ?s ?p ?o }")) is True


def test_the_kg_client_reports_the_time_limit(server):
    with pytest.raises(RemoteError, match="HTTP 504 .*time limit of 2s"):
        Endpoint(server.query_url, headers={}, retries=0, timeout=30).query(CARTESIAN)


@pytest.mark.parametrize("method, path, body, media_type", [
    ("POST", "/update", b"DROP ALL", "application/sparql-update"),
    ("POST", "/update", b"update=DROP+ALL", "application/x-www-form-urlencoded"),
    ("POST", "/query", b"update=DROP+ALL", "application/x-www-form-urlencoded"),
    ("POST", "/sparql", b"INSERT DATA { <http://a> <http://b> <http://c> }", "application/sparql-update"),
    ("PUT", "/store?default", b"<http://a> <http://b> <http://c> .", "application/n-triples"),
    ("POST", "/store?default", b"<http://a> <http://b> <http://c> .", "application/n-triples"),
    ("DELETE", "/store?default", b"", "text/plain"),
    ("PATCH", "/store", b"", "text/plain"),
])
def test_writes_are_refused(server, method, path, body, media_type):
    req = urllib.request.Request(server.base + path, data=body or None, method=method,
                                 headers={"Content-Type": media_type})
    status, answer, _ = _send(req)
    assert status in (403, 405) and b"read-only" in answer, (status, answer)
    assert bool(Endpoint(server.query_url, headers={}, retries=0).query("ASK { ?s a kg:Briefing }")) is True


def test_load_is_refused_even_read_write(tmp_path):
    listener = _Listener()
    try:
        with start(tmp_path / "rw", bind=f"127.0.0.1:{free_port()}", read_write=True, timeout_s=5) as rw:
            update = f"LOAD <http://127.0.0.1:{listener.port}/x.ttl>"
            status, body, _ = _post(rw.update_url, update.encode(), "application/sparql-update")
            assert status == 400 and b"LOAD is disabled" in body
            update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"
            status, body, _ = _post(rw.update_url, urllib.parse.urlencode({"update": update}).encode(),
                                    "application/x-www-form-urlencoded")
            assert status == 400 and b"SERVICE" in body
            status, _, _ = _post(rw.update_url, b"INSERT DATA { <http://a> <http://b> <http://c> }",
                                 "application/sparql-update")
            assert status in (200, 204)
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_only_loopback_host_names_are_answered(server):
    assert _get(server.query_url + "?query=ASK%7B%7D")[0] == 200
    assert _get(server.query_url + "?query=ASK%7B%7D", headers={"Host": f"localhost:{server.port}"})[0] == 200
    status, body, _ = _get(server.query_url + "?query=ASK%7B%7D", headers={"Host": f"evil.example:{server.port}"})
    assert status == 403 and b"answers for" in body
    assert server.guard.server_address[0] == "127.0.0.1"


def test_a_proxy_style_request_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET http://evil.example/query?query=ASK%7B%7D HTTP/1.1\r\n"
                     + f"Host: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"no proxy" in answer


def test_a_huge_request_body_is_refused(server):
    status, body, _ = _post(server.query_url, b"ASK {}" + b" " * (2 * 2 ** 20), "application/sparql-query")
    assert status == 413


def test_the_query_ui_makes_no_outside_request(server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    status, page_html, headers = _get(server.base + "/")
    assert status == 200 and b"yasgui" in page_html
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    seen, blocked = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            # bypass_csp: the page itself must attempt no outside request; the CSP is a second wall
            context = browser.new_context(bypass_csp=True)
            page = context.new_page()

            def route(r):
                seen.append(r.request.url)
                if not r.request.url.startswith(server.base):
                    blocked.append(r.request.url)
                    return r.abort()
                return r.continue_()

            page.route("**/*", route)
            page.goto(server.base + "/", wait_until="networkidle")
            editor = page.locator(".CodeMirror").first
            editor.click()
            page.keyboard.press("Control+End")
            page.keyboard.type("\nPREFIX owl: <http://www.w3.org/2002/07/owl#>\nSELECT * WHERE { ?s a owl:")
            page.wait_for_timeout(1500)
            page.locator(".yasqe_queryButton").first.click()
            page.wait_for_timeout(1500)
        finally:
            browser.close()
    assert any(u.endswith("/yasgui.min.js") for u in seen)
    assert any("/query" in u for u in seen), "the UI ran a query against its own server"
    assert blocked == [], f"the UI reached outside: {blocked}"


def test_cli_serve_enforces_its_time_limit(store_dir):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store_dir), "--bind",
                             f"127.0.0.1:{port}", "--timeout-s", "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == f"query UI:     http://127.0.0.1:{port}/"
        started = time.monotonic()
        status, body, _ = _post(f"http://127.0.0.1:{port}/query", CARTESIAN.encode(), "application/sparql-query",
                                timeout=60)
        assert status == 504 and time.monotonic() - started < 4
        status, body, _ = _get(f"http://127.0.0.1:{port}/query?query=" + urllib.parse.quote(
            "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"))
        assert status == 400
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 4, "four Oxigraph servers behind the guard"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    time.sleep(0.5)
    assert not [c for c in children if os.path.exists(f"/proc/{c}")], "an Oxigraph server outlived kg serve"
