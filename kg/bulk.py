"""Bulk-loading N-Quads into a store from a background thread.

The briefing build (:func:`kg.build.build`) and the code-set loaders
(:mod:`kg.codesets`) both write through a :class:`BulkWriter`, so this module
sits below both and imports nothing of kg but the errors.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

import pyoxigraph as ox

from kg.errors import StoreError

__all__ = ["BulkWriter"]


class BulkWriter:
    """Bulk-loads N-Quads chunks into a store from a background thread.

    pyoxigraph releases the GIL while it loads, so making the next chunk
    (parsing briefings, reading a code-set file) overlaps with writing the
    last. With ``threads`` writers, as many chunks are written at a time and
    as many wait. Each chunk is one bulk load (one RocksDB ingestion),
    followed by its ``then`` quads in a transaction: markers that say the
    chunk is whole.

    Examples
    --------
    >>> store = ox.Store()
    >>> with BulkWriter(store) as w:
    ...     w.put(b'<http://s> <http://p> "o" <http://g> .\\n')
    >>> len(store)
    1
    >>> with BulkWriter(store, threads=2) as w:
    ...     for i in range(10):
    ...         w.put(f'<http://s> <http://p> "{i}" <http://g> .\\n'.encode())
    >>> len(store)
    11
    """

    def __init__(self, store: ox.Store, *, bulk: bool = True, threads: int = 1) -> None:
        self._store = store
        self._bulk = bulk
        self._queue: queue.Queue = queue.Queue(maxsize=threads)
        self._error: BaseException | None = None
        self._threads = [threading.Thread(target=self._run, name="kg-bulk-writer", daemon=True) for _ in range(threads)]
        for t in self._threads:
            t.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is not None:
                continue
            data, then = chunk
            try:
                if self._bulk:
                    self._store.bulk_load(data, ox.RdfFormat.N_QUADS, lenient=True)
                else:
                    self._store.load(data, ox.RdfFormat.N_QUADS)
                if then:
                    self._store.extend(then)
            except BaseException as err:  # re-raised in the thread that puts
                self._error = err

    def put(self, data: bytes, then: Sequence[ox.Quad] = ()) -> None:
        """Queue N-Quads ``data`` (kg-made: IRIs are not re-validated), then ``then``.

        Examples
        --------
        >>> store = ox.Store()
        >>> g = ox.NamedNode("http://g")
        >>> with BulkWriter(store) as w:
        ...     w.put(b'<http://s> <http://p> "o" <http://g> .\\n', [ox.Quad(g, g, ox.Literal("done"), g)])
        >>> len(store)
        2
        """
        self.check()
        self._queue.put((data, then))

    def check(self) -> None:
        """Raise :class:`~kg.errors.StoreError` if a write has failed.

        Examples
        --------
        >>> w = BulkWriter(ox.Store())
        >>> w.put(b"not n-quads")
        >>> w.close()
        Traceback (most recent call last):
        ...
        kg.errors.StoreError: writing to the store failed: ...
        """
        if self._error is not None:
            raise StoreError(f"writing to the store failed: {self._error}") from self._error

    def close(self, *, check: bool = True) -> None:
        """Wait until everything queued is written; with ``check``, raise if a write failed.

        Examples
        --------
        >>> store = ox.Store()
        >>> w = BulkWriter(store, bulk=False)
        >>> w.put(b'<http://s> <http://p> "o" <http://g> .\\n')
        >>> w.close(); len(store)
        1
        """
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join()
        if check:
            self.check()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        # on an error in hand, what was queued is still written, and that error is the one to see
        self.close(check=kind is None)
