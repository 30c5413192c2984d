"""kg's thin guard in front of the Oxigraph server: no SERVICE, a hard time limit, read-only, no outside requests.

The ``oxigraph`` server has no switch to turn off ``SERVICE`` federation,
and its ``--timeout-s`` is not enforced once results stream (a cancelled
query is even answered ``200`` with truncated JSON). So ``kg serve`` puts
this guard on the public port and runs Oxigraph servers ("backends") on
private loopback ports, each answering one request at a time. The guard

* refuses every query or update that uses ``SERVICE`` (and, read-write,
  ``LOAD``) with HTTP 400, before anything is evaluated (:func:`refusal`);
* refuses writes (HTTP 405) when serving read-only;
* reads each backend answer in full within the time limit and only then
  answers; past the limit it kills that backend (stopping the query),
  starts a fresh one, and answers HTTP 504 with a message, never a
  truncated 200;
* serves its own query-UI page, without the prefix.cc and LOV look-ups of
  YASGUI, under a Content-Security-Policy that lets the page reach only
  its own server;
* answers only requests whose ``Host`` names the address it serves (so a
  web page cannot reach a loopback server through DNS rebinding).
"""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kg.errors import KGError
from kg.remote.transport import http_open

__all__ = ["CSP", "Backends", "Guard", "refusal", "ui_page"]

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
"""The Content-Security-Policy of every page the guard serves: nothing but its own origin."""

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'     # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
    r'|"(?:[^"\\\n\r]|\\.)*"?'                   # short strings
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'                # IRIs
    r"|#[^\n\r]*",                               # comments
    re.DOTALL,
)


def _keywords(sparql: str) -> set[str]:
    """The upper-cased bare words of ``sparql``, outside strings, IRIs and comments, read as it is and with its
    ``\\u`` escapes decoded (the union: ``"\\u0022"`` may or may not end a string).

    Variables (``?x``, ``$x``) and prefixed names (``ex:service``, ``service:x``) are not keywords.

    Examples
    --------
    >>> sorted(_keywords('SELECT ?service WHERE { ex:service "SERVICE" <http://x/service> . } # SERVICE'))
    ['SELECT', 'WHERE']
    """
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if int(m.group(1) or m.group(2), 16)
                          < 0x110000 else "", sparql)
    words = set()
    for text in {sparql, decoded}:  # a parser may decode escapes first (as the spec says) or only in strings
        text = _SKIP.sub(" ", text)
        words |= {m.group(1).upper() for m in re.finditer(r"(?<![\w?$:.\-])([A-Za-z_]\w*)(?![\w:\-])", text)}
    return words


def refusal(texts: Iterable[str], *, update: bool = False) -> str | None:
    """Why the guard refuses these query (or update) texts, or None.

    ``SERVICE`` would make the server send requests to any URL a client
    names; ``LOAD`` (in an update) likewise. The check is on the words of the
    text outside strings, IRIs and comments, after SPARQL's ``\\u`` escapes
    are decoded, so a spelling the SPARQL parser accepts is caught; it errs
    towards refusing.

    Examples
    --------
    >>> refusal(["SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }"])
    'SERVICE (federated query) is disabled on this server'
    >>> refusal(["select * { \\\\u0053ERVICE <http://x/> {} }"])
    'SERVICE (federated query) is disabled on this server'
    >>> refusal(['SELECT ?service WHERE { ?s <http://x/service> "SERVICE" }']) is None
    True
    >>> refusal(["LOAD <http://evil.example/x.ttl>"], update=True)
    'LOAD is disabled on this server'
    """
    for text in texts:
        words = _keywords(text)
        if "SERVICE" in words:
            return "SERVICE (federated query) is disabled on this server"
        if update and "LOAD" in words:
            return "LOAD is disabled on this server"
    return None


def ui_page() -> bytes:
    """The query UI page: Oxigraph's YASGUI, without the look-ups of outside services it makes (prefix.cc, LOV).

    Examples
    --------
    >>> b"prefix.cc" in ui_page(), b'./yasgui.min.js' in ui_page()
    (False, True)
    """
    return b"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>kg: SPARQL query UI</title>
    <link href="./yasgui.min.css" rel="stylesheet" type="text/css" />
    <script src="./yasgui.min.js"></script>
    <link rel="icon" type="image/svg+xml" href="/logo.svg">
</head>
<body>
<div id="yasgui"></div>
<script>
    // prefixes, property and class completion ask outside services: keep only local completers
    const outside = ["prefixes", "property", "class"];
    Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(n => !outside.includes(n));
    const url = window.location.href.split(/[?#]/)[0].replace(/\\/$/, "");
    new Yasgui(document.getElementById("yasgui"), {
        requestConfig: { endpoint: url + "/query" },
        copyEndpointOnNewTab: true,
        persistenceId: "kg-yasgui",
        endpointCatalogueOptions: { getData: () => [{ endpoint: url + "/query" }], keys: [] },
        yasqe: { autocompleters: Yasgui.Yasqe.defaults.autocompleters },
    });
</script>
</body>
</html>
"""


class Backends:
    """A pool of Oxigraph servers on private loopback ports, one request at a time each.

    ``spawn()`` starts one and returns ``(process, port)`` once it answers.
    A backend that overran the time limit is killed and replaced.
    """

    def __init__(self, spawn: Callable[[], tuple[subprocess.Popen, int]], size: int) -> None:
        self.spawn = spawn
        self.size = size
        self.free: queue.Queue = queue.Queue()
        self.all: set = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(size):
            self._add(spawn())

    def _add(self, backend: tuple[subprocess.Popen, int]) -> None:
        with self.lock:
            if self.closed:
                _kill(backend[0])
                return
            self.all.add(backend)
        self.free.put(backend)

    def take(self, timeout: float) -> tuple[subprocess.Popen, int] | None:
        """A free backend within ``timeout`` seconds, or None."""
        try:
            return self.free.get(timeout=max(timeout, 0.001))
        except queue.Empty:
            return None

    def give_back(self, backend) -> None:
        """Return a healthy backend to the pool."""
        if backend[0].poll() is None:
            self.free.put(backend)
        else:
            self.replace(backend)

    def replace(self, backend) -> None:
        """Kill ``backend`` (stopping whatever it evaluates) and start another in the background."""
        _kill(backend[0])
        with self.lock:
            self.all.discard(backend)

        def respawn():
            try:
                self._add(self.spawn())
            except KGError:
                pass  # the guard answers 503 while no backend is free

        threading.Thread(target=respawn, daemon=True).start()

    def alive(self) -> bool:
        """Whether any backend runs or is being restarted."""
        return not self.closed

    def close(self) -> None:
        with self.lock:
            self.closed = True
            backends = list(self.all)
        for process, _ in backends:
            _kill(process, gently=True)


def _kill(process: subprocess.Popen, gently: bool = False) -> None:
    if process.poll() is None:
        process.terminate() if gently else process.kill()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


UPLOAD_TIME_LIMIT_S = 3600
"""Seconds a Graph Store write to a read-write server may take (the query time limit is not for uploads)."""

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade", "host", "content-length"}
_QUERY_PATHS = {"/query", "/sparql"}
_UPDATE_PATHS = {"/update", "/sparql"}


class Guard(ThreadingHTTPServer):
    """The public HTTP server of ``kg serve``: checks each request, then forwards it to a backend."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], backends: Backends, *, read_write: bool, time_limit: float,
                 max_answer: int, allowed_hosts: set[str] | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.backends = backends
        self.read_write = read_write
        self.time_limit = time_limit
        self.max_answer = max_answer
        self.allowed_hosts = allowed_hosts
        self.max_body = (512 if read_write else 1) * 2 ** 20


class _Handler(BaseHTTPRequestHandler):
    server: Guard
    timeout = 30  # a client that sends its request this slowly is dropped
    protocol_version = "HTTP/1.1"
    server_version = "kg-serve"
    sys_version = ""

    def log_message(self, *args) -> None:  # no request log: URLs may carry queries and keys
        pass

    def _reply(self, status: int, body: bytes, media_type: str = "text/plain; charset=utf-8",
               headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._reply(status, (message + "\n").encode("utf-8"))

    def _handle(self) -> None:
        host = (self.headers.get("Host") or "").lower()
        if self.server.allowed_hosts is not None and host not in self.server.allowed_hosts:
            return self._error(403, f"this server answers for {', '.join(sorted(self.server.allowed_hosts))} only")
        if not self.path.startswith("/") or self.path.startswith("//"):
            return self._error(400, "the request target must be a path (this server is no proxy)")
        path = urllib.parse.urlsplit(self.path).path
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            return self._error(411, "send the request body with a Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.server.max_body):
            self.close_connection = True
            left = min(int(length) if length.isdigit() else 0, 16 * 2 ** 20)  # read a little, so the client hears why
            while left > 0 and (chunk := self.rfile.read(min(left, 65536))):
                left -= len(chunk)
            return self._error(413, f"the request body is over {self.server.max_body // 2 ** 20} MiB")
        body = self.rfile.read(int(length)) if length else b""
        if self.command in ("GET", "HEAD") and path in ("/", "/index.html"):
            return self._reply(200, ui_page(), "text/html; charset=utf-8")
        if self.command in ("GET", "HEAD") and path.startswith("/q/"):  # a named query's result page (kg.serve.links)
            from kg.serve.links import page, parse

            name, params = parse(self.path)
            host, port = self.server.server_address[:2]
            status, html_page = page(f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/query",
                                     name, params, timeout=self.server.time_limit + 5)
            return self._reply(status, html_page, "text/html; charset=utf-8")
        writes = self.command not in ("GET", "HEAD", "POST") or (self.command == "POST" and path not in _QUERY_PATHS)
        texts, updates = self._sparql(body)
        if not self.server.read_write and (writes or updates):
            return self._error(405 if writes else 403, "kg serve is read-only: updates and Graph Store writes are refused")
        why = refusal(texts) or refusal(updates, update=True)
        if why is None and texts is None:
            why = "the request body is not UTF-8"
        if why:
            return self._error(400, why)
        self._forward(body)

    def _sparql(self, body: bytes) -> tuple[list[str] | None, list[str]]:
        """The query texts and update texts of the request, wherever the SPARQL protocol puts them."""
        path_query = urllib.parse.urlsplit(self.path).query
        fields = urllib.parse.parse_qsl(path_query, keep_blank_values=True)
        media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None, []
        if media_type == "application/x-www-form-urlencoded":
            fields += urllib.parse.parse_qsl(text, keep_blank_values=True)
        queries = [v for k, v in fields if k.lower() == "query"]
        updates = [v for k, v in fields if k.lower() == "update"]
        if media_type == "application/sparql-query":
            queries.append(text)
        elif media_type == "application/sparql-update" or (text and self.command == "POST" and
                                                           urllib.parse.urlsplit(self.path).path in _UPDATE_PATHS
                                                           and media_type != "application/x-www-form-urlencoded"):
            updates.append(text)
        return queries, updates

    def _forward(self, body: bytes) -> None:
        server = self.server
        upload = server.read_write and self.command not in ("GET", "HEAD") and self.path.startswith("/store")
        limit = UPLOAD_TIME_LIMIT_S if upload else server.time_limit  # the limit is for queries, not uploads
        deadline = time.monotonic() + limit
        backend = server.backends.take(limit)
        if backend is None:
            return self._error(503, f"the server is busy: no query slot came free within {limit:g}s")
        process, port = backend
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        req = urllib.request.Request(f"http://127.0.0.1:{port}{self.path}", data=body if body else None,
                                     method=self.command, headers=headers)
        try:
            answer = http_open(req, max(deadline - time.monotonic(), 0.001), limit=server.max_answer)
            status, headers_in, data = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as err:
            status, headers_in, data = err.code, err.headers, err.read()
        except TimeoutError:
            server.backends.replace(backend)
            return self._error(504, f"the query ran past the time limit of {limit:g}s and was stopped")
        except OverflowError:
            server.backends.replace(backend)
            return self._error(507, f"the answer is over {server.max_answer // 2 ** 20} MiB and was stopped; "
                                    "add a LIMIT")
        except OSError as err:
            server.backends.replace(backend)
            return self._error(502, f"the Oxigraph server failed: {type(err).__name__}")
        server.backends.give_back(backend)
        keep = [(k, v) for k, v in headers_in.items()
                if k.lower() not in _HOP_BY_HOP | {"content-type", "content-security-policy", "x-content-type-options",
                                                   "server", "date"}]
        self._reply(status, data, headers_in.get("Content-Type") or "application/octet-stream", keep)

    def _guarded(self) -> None:
        try:
            self._handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as err:  # noqa: BLE001 - one request fails, never the server; no request data is logged
            self.close_connection = True
            try:
                self._error(500, f"kg serve failed on this request: {type(err).__name__}")
            except OSError:
                pass

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _guarded
