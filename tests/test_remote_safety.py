"""The --endpoint client against hostile and broken servers, over loopback (issue 21, item 5).

Each test starts its own small HTTP server on 127.0.0.1 and talks to it with kg's real client
(and, where it matters, the real CLI): credentials must not follow a redirect to another origin,
malformed answers and URLs are RemoteErrors, a trickling server cannot outlast the timeout, and
no credential shows in a message.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.errors import RemoteError
from kg.remote import Endpoint, auth_headers

ASK_TRUE = b'{"head": {}, "boolean": true}'


class _Server:
    """A loopback HTTP server whose every request is answered by ``respond(handler)``; it records requests."""

    def __init__(self, respond):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append({"method": self.command, "path": self.path,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                respond(self)

            do_GET = do_POST = do_PUT = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/query", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve():
    servers = []

    def make(respond):
        servers.append(_Server(respond))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def _answer(body: bytes, media_type="application/sparql-results+json", status=200):
    def respond(h):
        h.send_response(status)
        h.send_header("Content-Type", media_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return respond


def _redirect_to(location, status=307):
    def respond(h):
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return respond


SECRETS = {"KG_ENDPOINT_TOKEN": "tok-s3cret", "KG_ENDPOINT_HEADERS": "X-Api-Key: key-s3cret\nX-Tenant: billing"}


@pytest.mark.parametrize("status", [307, 308])
def test_credentials_do_not_follow_a_redirect_to_another_port(serve, status):
    other = serve(_answer(ASK_TRUE))
    first = serve(_redirect_to(other.url(), status))
    ep = Endpoint(first.url(), headers=auth_headers(SECRETS), retries=0, timeout=10)
    assert bool(ep.query("ASK {}")) is True
    assert first.requests[0]["headers"]["authorization"] == "Bearer tok-s3cret"
    assert first.requests[0]["headers"]["x-api-key"] == "key-s3cret"
    landed = other.requests[0]
    assert landed["method"] == "POST" and urllib.parse.parse_qs(landed["body"].decode())["query"][0].endswith("ASK {}"), "307/308 keep the method and the query"
    assert "authorization" not in landed["headers"] and "x-api-key" not in landed["headers"]
    assert "x-tenant" not in landed["headers"]
    assert not any("s3cret" in v for v in landed["headers"].values())


def test_credentials_do_not_follow_a_redirect_to_another_host(serve):
    # 127.0.0.1 and localhost are the same socket here, but different origins
    target = serve(_answer(ASK_TRUE))
    first = serve(_redirect_to(target.url(host="localhost")))
    user = {"KG_ENDPOINT_USER": "ana", "KG_ENDPOINT_PASSWORD": "pw-s3cret"}
    assert bool(Endpoint(first.url(), headers=auth_headers(user), retries=0).query("ASK {}")) is True
    assert first.requests[0]["headers"]["authorization"].startswith("Basic ")
    assert "authorization" not in target.requests[0]["headers"]


def test_credentials_stay_on_a_redirect_within_the_origin_and_not_after_leaving_it(serve):
    away = serve(_answer(ASK_TRUE))
    box: list[_Server] = []

    def respond(h):  # /query -> /sparql (same origin) -> other port
        _redirect_to("/sparql" if h.path == "/query" else away.url())(h)

    home = serve(respond)
    box.append(home)
    assert bool(Endpoint(home.url(), headers=auth_headers(SECRETS), retries=0).query("ASK {}")) is True
    assert [r["path"] for r in home.requests] == ["/query", "/sparql"]
    assert all(r["headers"]["authorization"] == "Bearer tok-s3cret" for r in home.requests)
    assert "authorization" not in away.requests[0]["headers"]


def test_redirect_loops_and_bad_locations_are_errors(serve):
    loop = serve(lambda h: _redirect_to(h.path)(h))
    with pytest.raises(RemoteError, match="HTTP 307"):
        Endpoint(loop.url(), headers={}, retries=0).query("ASK {}")
    assert len(loop.requests) == 6  # the first and five redirects, then it stops
    for location in ("file:///etc/passwd", "http://[::1", "http://ev il/"):
        bad = serve(_redirect_to(location))
        with pytest.raises(RemoteError, match="redirects to"):
            Endpoint(bad.url(), headers={}, retries=0).query("ASK {}")
    post_to_get = serve(_redirect_to("/elsewhere", 302))
    with pytest.raises(RemoteError, match="would turn the POST into a GET; use that URL instead"):
        Endpoint(post_to_get.url(), headers={}, retries=0).query("ASK {}")


def _select(term: str) -> bytes:
    return b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": %s}]}}' % term.encode()


MALFORMED = {
    "missing type": (_select('{"value": "a"}'), "application/sparql-results+json", "type"),
    "bad IRI": (_select('{"type": "uri", "value": "not an iri"}'), "application/sparql-results+json", "uri"),
    "bad datatype": (_select('{"type": "literal", "value": "1", "datatype": "nope"}'),
                     "application/sparql-results+json", "datatype"),
    "bad language tag": (_select('{"type": "literal", "value": "1", "xml:lang": "e n!"}'),
                         "application/sparql-results+json", "lang"),
    "bad blank node": (_select('{"type": "bnode", "value": "a b"}'), "application/sparql-results+json", "bnode"),
    "JSON array": (b"[1, 2]", "application/sparql-results+json", "object"),
    "JSON null": (b"null", "application/sparql-results+json", "object"),
    "undeclared variable": (b'{"head": {"vars": []}, "results": {"bindings": [{"y": {"type": "uri", "value": "http://a"}}]}}',
                            "application/sparql-results+json", "variable"),
    "truncated JSON": (b'{"head": {"vars": ["x"]}, "results": {"bindings": [', "application/sparql-results+json", "parse"),
    "empty body": (b"", "application/sparql-results+json", "parse"),
    "bad XML term": (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
                     b'<variable name="x"/></head><results><result><binding name="x"><uri>a b</uri></binding>'
                     b'</result></results></sparql>', "application/sparql-results+xml", "parse"),
    "bad TSV term": (b"?x\n<not an iri>\n", "text/tab-separated-values", "parse"),
    "HTML page": (b"<html><body>maintenance</body></html>", "text/html", "not SPARQL results"),
    "no media type, not results": (b"maintenance", "", "not SPARQL results"),
    "bad N-Triples": (b"<http://a> <http://b> .\n", "application/n-triples", "parse"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_malformed_answer_is_a_remote_error(serve, name):
    body, media_type, word = MALFORMED[name]
    server = serve(_answer(body, media_type))
    with pytest.raises(RemoteError, match=f"(?i){word}") as info:
        results = Endpoint(server.url(), headers={}, retries=0).query("SELECT ?x WHERE { ?x ?p ?o }")
        list(results)  # nothing may fail later, while the caller reads
    assert server.url() in str(info.value)


def _cli(*args, env=None, timeout=120):
    environ = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=timeout, env=environ)


def test_the_cli_reports_a_malformed_answer_without_a_traceback(serve, tmp_path):
    server = serve(_answer(*MALFORMED["bad IRI"][:2]))
    sparql = tmp_path / "q.rq"
    sparql.write_text("SELECT ?x WHERE { ?x ?p ?o }", encoding="utf-8")
    for args in (["query", "--sparql", str(sparql)], ["query", "documents"]):
        r = _cli(*args, "--endpoint", server.url())
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr and r.stderr.startswith("kg: error: ") and "does not parse" in r.stderr


BAD_URLS = {
    "a space": ("http://127.0.0.1:7878/qu ery", "space or a control character"),
    "CR/LF": ("http://127.0.0.1:7878/query\r\nX-Injected: 1", "space or a control character"),
    "a tab": ("http://127.0.0.1:7878/\tquery", "space or a control character"),
    "unclosed IPv6": ("http://[::1", "not a valid URL"),
    "bad port": ("http://127.0.0.1:99999/query", "not a valid URL"),
    "port not a number": ("http://127.0.0.1:x/query", "not a valid URL"),
    "no host": ("http:///query", "names no host"),
    "non-ASCII": ("http://127.0.0.1/qüery", "non-ASCII"),
    "another scheme": ("file:///etc/passwd", "not an http"),
}


@pytest.mark.parametrize("name", sorted(BAD_URLS))
def test_bad_urls_are_clear_errors(name):
    url, message = BAD_URLS[name]
    with pytest.raises(RemoteError, match=message):
        Endpoint(url, headers={})


def test_the_cli_reports_bad_urls_without_a_traceback():
    for url in ("http://[::1", "http://127.0.0.1:7878/query\r\nX-Injected: 1", "http://h/a b"):
        r = _cli("query", "stats", "--endpoint", url)
        assert r.returncode == 1 and r.stderr.startswith("kg: error: endpoint URL "), r.stderr
        assert "Traceback" not in r.stderr and "\r" not in r.stderr


class _Trickle:
    """A raw TCP server that sends an answer one byte at a time, ``every`` seconds apart (bounded)."""

    def __init__(self, every: float, headers_first: bool):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.every, self.headers_first = every, headers_first
        self.stop = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 1000\r\n\r\n"
        with conn:
            try:
                if self.headers_first:
                    conn.sendall(head)
                    payload = ASK_TRUE + b" " * 1000
                else:
                    payload = head
                for i in range(200):  # bounded: 200 bytes at most
                    if self.stop.wait(self.every):
                        return
                    conn.sendall(payload[i:i + 1])
            except OSError:
                return

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("headers_first", [True, False], ids=["trickled body", "trickled headers"])
def test_a_trickling_server_cannot_outlast_the_timeout(headers_first):
    server = _Trickle(every=0.3, headers_first=headers_first)
    try:
        ep = Endpoint(f"http://127.0.0.1:{server.port}/query", headers={}, timeout=2, retries=3)
        started = time.monotonic()
        with pytest.raises(RemoteError, match="no complete answer within 2s"):
            ep.query("ASK {}")
        took = time.monotonic() - started
        assert took < 3.0, f"the query ran {took:.1f}s past a 2s timeout"
    finally:
        server.close()


def test_retries_share_the_one_deadline(serve):
    server = serve(_answer(b"busy", "text/plain", status=503))
    ep = Endpoint(server.url(), headers={}, timeout=1.5, retries=10, backoff=0.4)
    started = time.monotonic()
    with pytest.raises(RemoteError, match="HTTP 503"):
        ep.query("ASK {}")
    assert time.monotonic() - started < 2.0
    assert 1 < len(server.requests) < 5


def test_user_info_in_the_url_is_refused_and_never_echoed():
    for url in ("http://user:pw-s3cret@127.0.0.1:7878/query", "http://tok-s3cret@127.0.0.1/query"):
        with pytest.raises(RemoteError, match="carries credentials") as info:
            Endpoint(url, headers={})
        assert "s3cret" not in str(info.value)
    r = _cli("query", "stats", "--endpoint", "http://user:pw-s3cret@127.0.0.1:7878/query")
    assert r.returncode == 1 and "carries credentials" in r.stderr and "s3cret" not in r.stderr + r.stdout


def test_credentials_never_appear_in_errors_even_when_a_server_echoes_them(serve):
    def echo(h):
        body = json.dumps({k: v for k, v in h.headers.items()}).encode()
        _answer(body, "application/json", status=400)(h)

    server = serve(echo)
    for env in (SECRETS, {"KG_ENDPOINT_USER": "ana", "KG_ENDPOINT_PASSWORD": "pw-s3cret"}):
        with pytest.raises(RemoteError, match="HTTP 400") as info:
            Endpoint(server.url(), headers=auth_headers(env), retries=0).query("ASK {}")
        message = str(info.value)
        assert "s3cret" not in message
        assert base64.b64encode(b"ana:pw-s3cret").decode() not in message
    # through the CLI too, with the credentials in its environment and a query string on the URL
    r = _cli("query", "stats", "--endpoint", server.url() + "?api_key=qs-s3cret", env=SECRETS)
    assert r.returncode == 1 and "HTTP 400" in r.stderr, r.stderr
    assert "s3cret" not in r.stderr + r.stdout


def test_an_unreachable_endpoint_names_it_without_credentials():
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(RemoteError, match="cannot reach the endpoint") as info:
        Endpoint(f"http://127.0.0.1:{port}/query?key=qs-s3cret", headers=auth_headers(SECRETS), retries=1,
                 backoff=0.05).query("ASK {}")
    assert "s3cret" not in str(info.value) and f"127.0.0.1:{port}/query" in str(info.value)


def test_bad_header_lines_in_the_environment_are_errors_that_hide_the_value():
    with pytest.raises(RemoteError, match="line 2: expected 'Name: value'") as info:
        auth_headers({"KG_ENDPOINT_HEADERS": "X-A: 1\nno-colon-s3cret"})
    assert "s3cret" not in str(info.value)
    with pytest.raises(RemoteError, match="control character"):
        auth_headers({"KG_ENDPOINT_TOKEN": "abc\x00def"})
