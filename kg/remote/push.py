"""``kg push``: every named graph of the store to a remote store, chunked, a few requests at a time, resumable.

Each graph goes by the SPARQL 1.1 Graph Store HTTP Protocol: its first
chunk with ``PUT`` (which replaces whatever the graph held), the others
with ``POST`` (which adds), ``workers`` requests in flight at once. A graph
with blank nodes goes in one request: a blank node label only means the
same node within one document.

**Resuming.** A journal (one line per event, appended and flushed) records
when a graph is started and when all its chunks are in, with a digest of
its N-Triples. Run again, a push skips a graph only when the journal says
it went in whole *with the same digest* and the remote store holds as many
triples in it; every other graph is pushed again from its ``PUT``. So a
push killed half-way and run again ends with the same graphs, each whole.

**Deadlocks.** Requests into one graph run in parallel, and Virtuoso 7.2
may roll one back as a deadlock (HTTP 500, ``SR172: Transaction
deadlocked``, SQLSTATE 40001); nothing of it was written, so it is sent
again after a short random pause (:data:`DEADLOCK_RETRIES` times at most).

Examples
--------
>>> list(chunks(b"<a> <b> <c> .\\n<d> <e> <f> .\\n<g> <h> <i> .\\n", 2))
[b'<a> <b> <c> .\\n<d> <e> <f> .\\n', b'<g> <h> <i> .\\n']
>>> list(chunks(b"_:x <b> <c> .\\n_:x <e> <f> .\\n", 1))  # blank nodes: one document
[b'_:x <b> <c> .\\n_:x <e> <f> .\\n']
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from kg.errors import RemoteError
from kg.queries import internal_query

__all__ = ["CHUNK_TRIPLES", "Journal", "chunks", "push", "remote_sizes"]

CHUNK_TRIPLES = 50_000
"""Triples per request, by default."""

GRAPH_SIZES = internal_query("remote/graph-sizes")

DEADLOCK_RETRIES = 6
"""Further attempts at a request the server rolled back as a deadlock (a few seconds in all, with backoff)."""

_DEADLOCKED = re.compile(r"\b40001\b|deadlock", re.IGNORECASE)  # SQLSTATE 40001; Virtuoso: "SR172: Transaction deadlocked"


def chunks(ntriples: bytes, size: int = CHUNK_TRIPLES) -> Iterator[bytes]:
    """``ntriples`` cut into documents of at most ``size`` lines (whole, if it holds a blank node)."""
    if not ntriples:
        yield b""
        return
    if b"_:" in ntriples and re_blank(ntriples):
        yield ntriples
        return
    start, n = 0, 0
    pos = 0
    while True:
        nl = ntriples.find(b"\n", pos)
        if nl < 0:
            if start < len(ntriples):
                yield ntriples[start:]
            return
        n += 1
        pos = nl + 1
        if n == size:
            yield ntriples[start:pos]
            start, n = pos, 0


def re_blank(ntriples: bytes) -> bool:
    """Whether an N-Triples document holds a blank node (a ``_:`` term, not inside a literal or IRI).

    Examples
    --------
    >>> re_blank(b'<a> <b> "x _:y" .\\n'), re_blank(b'_:y <b> <c> .\\n')
    (False, True)
    """
    return re.search(rb'(?:^|\s)_:', re.sub(rb'"(?:[^"\\]|\\.)*"|<[^>]*>', b" ", ntriples), re.MULTILINE) is not None


class Journal:
    """The push journal: ``started GRAPH`` and ``done GRAPH DIGEST`` lines, appended and flushed.

    Examples
    --------
    >>> import tempfile
    >>> j = Journal(Path(tempfile.mkdtemp()) / "push.journal")
    >>> j.started("http://g"); j.done("http://g", "0" * 64); j.started("http://h")
    >>> Journal(j.path).done_digests()
    {'http://g': '0000000000000000000000000000000000000000000000000000000000000000'}
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()

    def _write(self, line: str) -> None:
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())

    def started(self, graph: str) -> None:
        self._write(f"started {graph}")

    def done(self, graph: str, digest: str) -> None:
        self._write(f"done {graph} {digest}")

    def done_digests(self) -> dict[str, str]:
        """Graph -> digest, for the graphs whose last event is ``done`` (a torn last line is ignored)."""
        out: dict[str, str] = {}
        if not self.path.exists():
            return out
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split(" ")
            if parts[0] == "started" and len(parts) == 2:
                out.pop(parts[1], None)
            elif parts[0] == "done" and len(parts) == 3 and len(parts[2]) == 64:
                out[parts[1]] = parts[2]
        return out


def remote_sizes(endpoint) -> dict[str, int]:
    """Triples per kg graph in the remote store (:data:`GRAPH_SIZES`)."""
    return {s["g"].value: int(s["n"].value) for s in endpoint.query(GRAPH_SIZES)}


def push(store: ox.Store, endpoint, *, journal: str | os.PathLike | None = None, workers: int = 4,
         chunk_triples: int = CHUNK_TRIPLES, progress: bool | None = None) -> list[tuple[str, int]]:
    """Push every named graph of ``store`` to ``endpoint`` (see the module docstring); ``(graph, triples)`` pushed.

    Graphs the journal and the remote store show whole already are skipped
    (and not listed). Without a journal, every graph is pushed.

    Raises
    ------
    RemoteError
        The first failed request, once the requests in flight are done; the
        journal then tells a new run where to resume.

    Examples
    --------
    >>> import io
    >>> from kg.remote import Endpoint
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
    >>> sent = []
    >>> ep = Endpoint("http://h:7878/query", headers={}, opener=lambda req, timeout: sent.append(req.data) or io.BytesIO())
    >>> push(store, ep, progress=False), sent
    ([('http://g', 1)], [b'<http://s> <http://p> "o" .\\n'])
    """
    from tqdm import tqdm

    log = Journal(journal) if journal is not None else None
    done = log.done_digests() if log is not None else {}
    remote = remote_sizes(endpoint) if done else {}
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    pushed: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    slots = threading.BoundedSemaphore(max(2, 2 * workers))  # requests queued or in flight: bounded memory
    bar = tqdm(graphs, desc="kg push", unit="graph", disable=None if progress is None else not progress, leave=False)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="kg-push") as pool:
        for iri in bar:
            if errors:
                break
            data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)) or b""
            triples = data.count(b"\n")
            digest = hashlib.sha256(data).hexdigest()
            if done.get(iri) == digest and remote.get(iri, 0) == triples:
                continue
            if log is not None:
                log.started(iri)
            parts = list(chunks(data, chunk_triples))
            state = {"left": len(parts), "lock": threading.Lock()}
            first: Future | None = None
            for i, part in enumerate(parts):
                slots.acquire()
                job = pool.submit(_send, endpoint, iri, part, i == 0, first)
                job.add_done_callback(lambda f, iri=iri, digest=digest, state=state: _finished(
                    f, iri, digest, state, log, errors, slots))
                first = job if i == 0 else first
            pushed.append((iri, triples))
    if errors:
        raise errors[0]
    return pushed


def _send(endpoint, graph: str, part: bytes, replace: bool, first: Future | None) -> None:
    if first is not None:
        first.result()  # the PUT that empties the graph goes first (queued before this, so never a deadlock)
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            if replace:
                endpoint.put_graph(graph, part)
            else:
                endpoint.post_graph(graph, part)
            return
        except RemoteError as err:
            if attempt == DEADLOCK_RETRIES or not _DEADLOCKED.search(str(err)):
                raise
            time.sleep(0.25 * 2 ** attempt * (1 + random.random()))  # jitter: the two losers must not meet again


def _finished(job: Future, graph: str, digest: str, state: dict, log: Journal | None, errors: list,
              slots: threading.BoundedSemaphore) -> None:
    slots.release()
    err = job.exception()
    if err is not None:
        errors.append(err if isinstance(err, RemoteError) else RemoteError(f"pushing {graph}: {err}"))
        return
    with state["lock"]:
        state["left"] -= 1
        last = state["left"] == 0
    if last and log is not None:
        log.done(graph, digest)
