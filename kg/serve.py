"""Serve the store over HTTP with the real Oxigraph server.

kg writes no HTTP server of its own: the ``oxigraph`` package from PyPI
ships ``oxigraph serve-read-only``, a full SPARQL 1.1 Protocol and Graph Store
server with a query UI (YASGUI), which reads the same store directory that
pyoxigraph writes. :func:`start` runs it as a child process over a built
store, with the union of the named graphs as the default graph (as the
embedded store queries it), bound to loopback unless told otherwise.

Access control belongs in a reverse proxy in front of it (see the README).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.errors import StoreError

__all__ = ["Server", "free_port", "oxigraph_binary", "query_links", "start", "check_not_locked"]


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable of the ``oxigraph`` package.

    Raises
    ------
    StoreError
        If the package is not installed.

    Examples
    --------
    >>> Path(oxigraph_binary()).name
    'oxigraph'
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise StoreError("the Oxigraph server is not installed: pip install oxigraph")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now.

    Examples
    --------
    >>> port = free_port()
    >>> isinstance(port, int) and 1024 <= port <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_not_locked(store_dir: Path) -> None:
    """Refuse a store that another process holds for writing.

    Oxigraph warns that reading a store while another process writes it is
    undefined behaviour, so ``kg serve`` checks the RocksDB lock first: it
    takes and releases it.

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> where = Path(tempfile.mkdtemp())
    >>> store = open_store(where)  # this process holds the store for writing
    >>> try:
    ...     check_not_locked(where)
    ... except StoreError as err:
    ...     str(err).split(": ", 1)[1].split(";")[0]
    "the store is in use by another process (a running 'kg build' or 'kg serve --read-write')"
    >>> del store
    >>> check_not_locked(where) is None
    True
    """
    from kg.store import open_store

    store_dir = Path(store_dir)
    if not (store_dir / "CURRENT").exists():
        raise StoreError(f"{store_dir}: no kg store here; run 'kg build' first or pass --store")
    store = open_store(store_dir)  # raises StoreError naming the other writer
    del store


@dataclass
class Server:
    """A running Oxigraph server.

    Made by :func:`start`; stop it with :meth:`stop` or a ``with`` block.

    Examples
    --------
    The URLs, shown here without a process (no server is started):

    >>> server = Server(process=None, host="::1", port=7878, read_write=False)
    >>> server.query_url, server.store_url
    ('http://[::1]:7878/query', 'http://[::1]:7878/store')
    """

    process: subprocess.Popen
    host: str
    port: int
    read_write: bool

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
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(
    store_dir: str | os.PathLike,
    *,
    bind: str = "127.0.0.1:7878",
    read_write: bool = False,
    timeout_s: int | None = None,
    wait: float = 30.0,
    stdout=None,
) -> Server:
    """Start the Oxigraph server over ``store_dir`` and wait until it answers.

    Parameters
    ----------
    bind : str
        ``host:port``. Loopback by default; binding elsewhere exposes the
        store to the network, so put a reverse proxy with access control
        in front of it.
    read_write : bool
        Serve read-write (SPARQL UPDATE and Graph Store writes allowed);
        the default is read-only.
    timeout_s : int, optional
        Oxigraph's per-query timeout.

    Examples
    --------
    The arguments and the store are checked before any process starts;
    over a built store, ``with start(path, bind=f"127.0.0.1:{free_port()}") as server:``
    serves it until the block ends. Here the bind address is wrong:

    >>> import tempfile
    >>> try:
    ...     start(tempfile.mkdtemp(), bind="localhost")
    ... except StoreError as err:
    ...     str(err)
    "--bind 'localhost': expected HOST:PORT, e.g. 127.0.0.1:7878"
    """
    store_dir = Path(store_dir)
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit():
        raise StoreError(f"--bind {bind!r}: expected HOST:PORT, e.g. 127.0.0.1:7878")
    if read_write:
        store_dir.mkdir(parents=True, exist_ok=True)
        if (store_dir / "CURRENT").exists():
            check_not_locked(store_dir)
        mode = ["serve", "--location", str(store_dir)]
    else:
        check_not_locked(store_dir)
        mode = ["serve-read-only", "--location", str(store_dir)]
    cmd = [oxigraph_binary(), *mode, "--bind", f"{host}:{port}", "--union-default-graph"]
    if timeout_s:
        cmd += ["--timeout-s", str(timeout_s)]
    process = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.STDOUT if stdout else None)
    server = Server(process, host, int(port), read_write)
    deadline = time.monotonic() + wait
    while True:
        if process.poll() is not None:
            raise StoreError(f"the Oxigraph server exited with code {process.returncode}: {' '.join(cmd)}")
        try:
            with urllib.request.urlopen(server.query_url + "?query=ASK%7B%7D", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                server.stop()
                raise StoreError(f"the Oxigraph server did not answer on {server.base} within {wait:.0f}s") from None
            time.sleep(0.1)


def query_links(base: str) -> list[tuple[str, str]]:
    """``(name, URL)`` for every named query, ready to open in a browser.

    Parameters are bound to the example in each query's help text, in the
    same VALUES block the embedded store uses; edit the URL to change them.

    Examples
    --------
    >>> name, url = query_links("http://127.0.0.1:7878")[0]
    >>> url.startswith("http://127.0.0.1:7878/query?query=")
    True
    """
    from kg.query import bind, named_queries, with_values

    out = []
    for q in named_queries().values():
        text = with_values(q.text, bind(q, q.example()))
        out.append((q.name, f"{base}/query?query={urllib.parse.quote(text, safe='')}"))
    return out
