"""Serve the store over HTTP with the real Oxigraph server, behind kg's thin guard.

kg writes no SPARQL server of its own: the ``oxigraph`` package from PyPI
ships ``oxigraph serve-read-only``, a full SPARQL 1.1 Protocol and Graph Store
server with a query UI (YASGUI), which reads the same store directory that
pyoxigraph writes. :func:`start` runs a few of them as child processes on
private loopback ports, with the union of the named graphs as the default
graph (as the embedded store queries it), and puts :mod:`kg.serve.guard` on
the public address (loopback unless told otherwise). The guard refuses
``SERVICE``, writes (unless read-write) and outside requests from the UI,
and holds every query to a time limit it enforces by stopping the backend.

Access control belongs in a reverse proxy in front of it (see the README).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import StoreError
from kg.serve.guard import Backends, Guard

__all__ = ["DEFAULT_TIME_LIMIT_S", "Server", "free_port", "oxigraph_binary", "query_links", "start",
           "check_not_locked"]

DEFAULT_TIME_LIMIT_S = 30
"""Seconds a query may run when ``kg serve`` is given no ``--timeout-s``."""

DEFAULT_MEMORY_MIB = 4096
"""Each Oxigraph server's memory cap, by default (see :func:`start`)."""

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable of the ``oxigraph`` package.

    Raises
    ------
    StoreError
        If the package is not installed.
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise StoreError("the Oxigraph server is not installed: pip install oxigraph")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_not_locked(store_dir: Path) -> None:
    """Refuse a store that another process holds for writing.

    Oxigraph warns that reading a store while another process writes it is
    undefined behaviour, so ``kg serve`` checks the RocksDB lock first: it
    takes and releases it.
    """
    from kg.store import open_store, require_store

    store_dir = require_store(store_dir)
    store = open_store(store_dir, served_ok=True)  # raises StoreError naming the other writer (another kg serve is fine)
    del store


class Running:
    """What ``kg serve`` waits on: the guard and its backends, until :meth:`Server.stop`.

    (Named ``process`` on :class:`Server`, as the one Oxigraph process was.)
    """

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        """Block until the server stops (signals still interrupt)."""
        end = None if timeout is None else time.monotonic() + timeout
        while not self.stopped.wait(0.5 if end is None else max(0.0, min(0.5, end - time.monotonic()))):
            if end is not None and time.monotonic() >= end:
                raise subprocess.TimeoutExpired("kg serve", timeout)
        return self.returncode


@dataclass
class Server:
    """A running ``kg serve``: the guard on ``host:port`` and the Oxigraph servers behind it."""

    guard: Guard
    backends: Backends
    host: str
    port: int
    read_write: bool
    time_limit: float
    process: Running = field(default_factory=Running)
    held: object = None  # the store's serve lock (kg.store.hold_for_serving): no kg build writes under the server

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def store_url(self) -> str:
        return self.base + "/store"

    def stop(self, timeout: float = 10) -> None:
        """Stop the guard and every Oxigraph server behind it."""
        if self.process.stopped.is_set():
            return
        self.guard.shutdown()
        self.guard.server_close()
        self.backends.close()
        if self.held is not None:
            self.held.close()
        self.process.returncode = 0
        self.process.stopped.set()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _memory_limit(mib: int | None):
    """A ``preexec_fn`` that caps the child's data segment (heap and anonymous memory) at ``mib`` MiB."""
    if not mib:
        return None

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (mib * 2 ** 20, mib * 2 ** 20))

    return limit


def _spawn(cmd: list[str], wait: float, stdout=None, memory_mib: int | None = None) -> tuple[subprocess.Popen, int]:
    """Start one Oxigraph server on a free loopback port (its memory capped); return it once it answers."""
    port = free_port()
    full = [*cmd, "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(full, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               preexec_fn=_memory_limit(memory_mib))
    deadline = time.monotonic() + wait
    while True:
        if process.poll() is not None:
            raise StoreError(f"the Oxigraph server exited with code {process.returncode}: {' '.join(full)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=2):
                return process, port
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise StoreError(f"the Oxigraph server did not answer on 127.0.0.1:{port} within {wait:.0f}s") from None
            time.sleep(0.05)


def start(
    store_dir: str | os.PathLike,
    *,
    bind: str = "127.0.0.1:7878",
    read_write: bool = False,
    timeout_s: float | None = None,
    wait: float = 30.0,
    stdout=None,
    workers: int = 4,
    max_answer_mib: int = 256,
    memory_mib: int | None = DEFAULT_MEMORY_MIB,
) -> Server:
    """Start the guard on ``bind`` and Oxigraph servers over ``store_dir`` behind it; return once it answers.

    Parameters
    ----------
    bind : str
        ``host:port``. Loopback by default; binding elsewhere exposes the
        store to the network, so put a reverse proxy with access control
        in front of it.
    read_write : bool
        Serve read-write (SPARQL UPDATE and Graph Store writes allowed,
        one backend); the default is read-only.
    timeout_s : float, optional
        The per-query time limit (default :data:`DEFAULT_TIME_LIMIT_S`). A
        query past it is stopped and answered HTTP 504.
    workers : int
        Oxigraph servers behind the guard, read-only (each runs one query at
        a time; a query that waits for one longer than the limit gets 503).
    max_answer_mib : int
        A larger answer is stopped and refused (HTTP 507).
    memory_mib : int, optional
        Each Oxigraph server's memory cap (``RLIMIT_DATA``): a query that
        needs more (a Cartesian product sorted in memory) ends that server
        alone, answered HTTP 502, and a fresh one takes its place.

    Examples
    --------
    >>> start("no-such-store", bind="127.0.0.1:x")
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: --bind '127.0.0.1:x': expected HOST:PORT, e.g. 127.0.0.1:7878
    """
    store_dir = Path(store_dir)
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise StoreError(f"--bind {bind!r}: expected HOST:PORT, e.g. 127.0.0.1:7878")
    if read_write:
        from kg.store import is_store

        store_dir.mkdir(parents=True, exist_ok=True)
        if is_store(store_dir):
            check_not_locked(store_dir)
        cmd = [oxigraph_binary(), "serve", "--location", str(store_dir), "--union-default-graph"]
        workers = 1
    else:
        check_not_locked(store_dir)
        cmd = [oxigraph_binary(), "serve-read-only", "--location", str(store_dir), "--union-default-graph"]
    time_limit = float(timeout_s or DEFAULT_TIME_LIMIT_S)
    from kg.store import hold_for_serving

    held = None if read_write else hold_for_serving(store_dir)  # read-write: Oxigraph holds the store's lock
    try:
        backends = Backends(lambda: _spawn(cmd, wait, stdout, memory_mib), max(1, workers))
    except BaseException:
        if held is not None:
            held.close()
        raise
    port_n = int(port)
    try:
        guard = Guard((host, port_n), backends, read_write=read_write, time_limit=time_limit,
                      max_answer=max_answer_mib * 2 ** 20,
                      allowed_hosts=_allowed_hosts(host, port_n) if host in LOOPBACK else None)
    except OSError as err:
        backends.close()
        if held is not None:
            held.close()
        raise StoreError(f"--bind {bind!r}: cannot listen there: {err.strerror or err}") from None
    port_n = guard.server_address[1]
    if host in LOOPBACK:
        guard.allowed_hosts = _allowed_hosts(host, port_n)
    threading.Thread(target=guard.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    return Server(guard, backends, host, port_n, read_write, time_limit, held=held)


def _allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` headers a loopback server answers (against DNS rebinding).

    Examples
    --------
    >>> sorted(_allowed_hosts("127.0.0.1", 7878))
    ['127.0.0.1:7878', '[::1]:7878', 'localhost:7878']
    """
    return {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}


def query_links(base: str) -> list[tuple[str, str]]:
    """``(name, URL)`` for every named query, ready to open in a browser.

    Parameters are bound to the example in each query's help text, in the
    same VALUES block the embedded store uses; edit the URL to change them.
    A listing (``# page:``, :mod:`kg.paging`) is its first page.

    Examples
    --------
    >>> name, url = query_links("http://127.0.0.1:7878")[0]
    >>> url.startswith("http://127.0.0.1:7878/query?query=")
    True
    """
    from kg.query import named_queries, query_text

    out = []
    for q in named_queries().values():
        text, _ = query_text(None, q.name, limit=q.page or None, **q.example())
        out.append((q.name, f"{base}/query?query={urllib.parse.quote(text, safe='')}"))
    return out
