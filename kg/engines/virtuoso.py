"""OpenLink Virtuoso 7.2 from Debian's ``virtuoso-opensource``: a private instance, and its bulk loader.

:func:`start` runs ``virtuoso-t`` in the foreground over a database folder
of its own, listening on loopback only, with its own ISQL and HTTP ports and
its own ``virtuoso.ini`` (the packaged server in ``/var/lib`` is not
touched). The instance is set up for kg:

* the SPARQL user may write (``GRANT SPARQL_UPDATE``), so ``kg push`` can
  use the Graph Store Protocol endpoint ``/sparql-graph-crud`` (loopback
  only; a shared server should put ``/sparql-graph-crud-auth`` behind its
  own authentication instead);
* ``ResultSetMaxRows`` is lifted from the packaged 10,000 (which silently
  truncates larger answers) and ``MaxQueryExecutionTime`` is off (else
  Virtuoso answers a slow query ``200`` with *partial* results).

:meth:`Virtuoso.bulk_load` is Virtuoso's own bulk loader
(``ld_dir`` / ``rdf_loader_run`` / ``checkpoint``) run through ``isql``.

Examples
--------
>>> print(ini(Path("/srv/kg-virtuoso"), 11111, 18890, memory_mib=256).split("[Parameters]")[1].splitlines()[1])
ServerPort = 127.0.0.1:11111
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.engines import EngineError

__all__ = ["DEFAULT_GRAPH", "Virtuoso", "bulk_load_sql", "ini", "start", "version"]

DEFAULT_GRAPH = "https://w3id.org/codekg/default"
"""The graph ``ld_dir`` puts triples without a graph in (N-Quads name their own)."""

_MISSING = ("Virtuoso is not installed: apt-get install virtuoso-opensource (with the dba password preseeded "
            "through debconf; or: make engines)")


def _binary(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise EngineError(_MISSING)
    return found


def version() -> str:
    """The version ``virtuoso-t`` reports (e.g. ``7.2.5.3229-pthreads``).

    Examples
    --------
    >>> version().startswith("7.2.5")
    True
    """
    done = subprocess.run([_binary("virtuoso-t"), "-?"], capture_output=True, text=True, timeout=30, check=False)
    text = done.stdout + done.stderr
    for line in text.splitlines():
        if "Version" in line:
            return line.split("Version", 1)[1].split()[0]
    return text.strip().splitlines()[0] if text.strip() else "unknown"


def ini(folder: Path, isql_port: int, http_port: int, *, memory_mib: int = 512, dirs: tuple[str, ...] = ()) -> str:
    """The ``virtuoso.ini`` of a private instance in ``folder`` (see the module docstring).

    ``memory_mib`` sizes the page buffers (8 KiB each); ``dirs`` may be bulk loaded from.

    Examples
    --------
    >>> "NumberOfBuffers = 32768" in ini(Path("/tmp/v"), 1, 2, memory_mib=256)
    True
    """
    buffers = max(memory_mib * 128, 2000)
    allowed = ", ".join([".", str(folder), *dirs])
    db = folder
    return f"""[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = {allowed}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
MaxQueryMem = {max(memory_mib // 2, 64)}M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 20
ServerThreads = 20
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0

[Plugins]
LoadPath = /usr/lib/x86_64-linux-gnu/virtuoso-opensource-7/hosting
"""


def _quote(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def bulk_load_sql(path: str | os.PathLike, *, graph: str = DEFAULT_GRAPH) -> str:
    """The SQL that bulk loads one RDF file: ``ld_dir`` (register it), ``rdf_loader_run``, ``checkpoint``.

    Examples
    --------
    >>> print(bulk_load_sql("/data/kg.nq"))
    ld_dir('/data', 'kg.nq', 'https://w3id.org/codekg/default'); rdf_loader_run(); checkpoint;
    """
    path = Path(path)
    return f"ld_dir({_quote(path.parent)}, {_quote(path.name)}, {_quote(graph)}); rdf_loader_run(); checkpoint;"


@dataclass
class Virtuoso:
    """A running private Virtuoso: its folder, ports and process (stop it with :meth:`stop`)."""

    folder: Path
    isql_port: int
    http_port: int
    process: subprocess.Popen
    password: str = "dba"

    @property
    def sparql_url(self) -> str:
        """The SPARQL 1.1 query endpoint."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store_url(self) -> str:
        """The SPARQL 1.1 Graph Store Protocol endpoint (unauthenticated, loopback only)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def isql(self, sql: str, *, timeout: float = 3600) -> str:
        """Run SQL statements with ``isql-vt`` as dba; their output.

        Raises
        ------
        EngineError
            If isql fails or reports an error (``*** Error``).
        """
        cmd = [_binary("isql-vt"), f"127.0.0.1:{self.isql_port}", "dba", self.password, f"exec={sql}"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise EngineError(f"isql: no answer within {timeout:g}s: {sql[:80]}") from None
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise EngineError(f"isql failed: {sql[:80]}: {out.strip()[-400:]}")
        return out

    def bulk_load(self, path: str | os.PathLike, *, graph: str = DEFAULT_GRAPH) -> int:
        """Load an RDF file (N-Quads: ``.nq``, or ``.nq.gz``) with Virtuoso's bulk loader; the quads now held.

        ``ld_dir`` registers the file, ``rdf_loader_run`` loads it, ``checkpoint``
        makes it durable (:func:`bulk_load_sql`, through ``isql-vt``). The
        file's folder must be one of the instance's ``dirs`` (``DirsAllowed``).
        """
        path = Path(path).resolve()
        self.isql(bulk_load_sql(path, graph=graph))
        errors = self.isql(f"SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = {_quote(path)} "
                           "AND ll_error IS NOT NULL;")  # isql's exec= mangles '%': no LIKE here
        if path.name in errors:
            raise EngineError(f"Virtuoso's bulk loader failed on {path}: {errors.strip()[-400:]}")
        return self.count()

    def count(self) -> int:
        """Quads in the instance outside Virtuoso's own graphs."""
        query = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                 "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/codekg/')) }")
        url = f"{self.sparql_url}?{urllib.parse.urlencode({'query': query})}"
        req = urllib.request.Request(url, headers={"Accept": "text/csv"})
        with urllib.request.urlopen(req, timeout=600) as answer:
            return int(answer.read().decode().split()[-1].strip('"'))

    def stop(self, timeout: float = 60) -> None:
        """Stop the server (a clean shutdown: checkpoint, then exit), killing it if it does not stop."""
        if self.process.poll() is not None:
            return
        try:
            self.isql("shutdown;", timeout=timeout)
        except EngineError:
            pass  # isql loses its connection when the server stops: expected
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Virtuoso:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(folder: str | os.PathLike, *, memory_mib: int = 512, dirs: tuple[str, ...] = (), wait: float = 120
          ) -> Virtuoso:
    """Start a private Virtuoso over ``folder`` (created if new) on free loopback ports; return once it answers.

    Raises
    ------
    EngineError
        If Virtuoso is not installed, exits, or does not answer within ``wait`` seconds.

    Examples
    --------
    >>> import tempfile
    >>> with start(tempfile.mkdtemp(), memory_mib=128) as v:
    ...     v.isql("SELECT 6 * 7;").split().count("42")
    1
    """
    from kg.serve import free_port

    binary = _binary("virtuoso-t")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    while http_port == isql_port:
        http_port = free_port()
    (folder / "virtuoso.ini").write_text(ini(folder, isql_port, http_port, memory_mib=memory_mib, dirs=dirs))
    log = open(folder / "virtuoso.stdout", "ab")
    process = subprocess.Popen([binary, "+configfile", str(folder / "virtuoso.ini"), "+foreground"], cwd=folder,
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    server = Virtuoso(folder, isql_port, http_port, process)
    deadline = time.monotonic() + wait
    probe = f"{server.sparql_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    while True:
        if process.poll() is not None:
            tail = (folder / "virtuoso.log").read_text(errors="replace")[-600:] if (folder / "virtuoso.log").exists() else ""
            raise EngineError(f"virtuoso-t exited with code {process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(probe, timeout=5):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise EngineError(f"Virtuoso did not answer on 127.0.0.1:{http_port} within {wait:.0f}s") from None
            time.sleep(0.2)
    try:
        server.isql("GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);")
    except EngineError:
        server.stop()
        raise
    return server
