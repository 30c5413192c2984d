"""Apache Jena TDB2 from Debian's ``libapache-jena-java`` (4.5): bulk load N-Quads, run kg's queries.

Debian ships Jena's jars but no ``tdb2.*`` scripts, so kg runs the command
classes (``tdb2.tdbloader``, ``tdb2.tdbquery``, in ``jena-cmds.jar``) with
``java -cp``. Two details of the Debian build are handled here:

* the class path is Jena's jars and their dependencies, with one SLF4J
  binding (``/usr/share/java`` holds several, and Jena refuses two);
* Debian relocates Jena's embedded Xerces to the package ``xerces`` but
  leaves its message files under ``org/apache/jena/ext/xerces``; without
  them every command fails at start-up with ``RuntimeException: internal
  error`` in ``XSSimpleTypeDecl.applyFacets1``. :func:`classpath` copies
  them once to where the classes look (a cache folder of the user).

:class:`TDB2Target` is a :class:`kg.target.QueryTarget`: ``tdb2.tdbquery``
with the union of the named graphs as the default graph
(``tdb2:unionDefaultGraph``), its JSON answer read by pyoxigraph, so
:func:`kg.query.run` runs the named queries on a TDB2 database unchanged.

Examples
--------
>>> "tdb2.tdbquery" in " ".join(command("tdb2.tdbquery", "--version", java="java", cp="cp"))
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from kg.engines import EngineError
from kg.target import NativeResults, with_prefixes

__all__ = ["JAVA_SHARE", "TDB2Target", "classpath", "command", "tdbloader", "tdbquery", "version"]

JAVA_SHARE = Path("/usr/share/java")
_DEPENDENCIES = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                 "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind",
                 "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf", "thrift", "titanium-json-ld",
                 "slf4j-api", "slf4j-nop")
_FAST_START = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]
_MISSING = "Apache Jena is not installed: apt-get install libapache-jena-java (or: make engines)"


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg" / "jena-xerces-messages"


def classpath(share: Path = JAVA_SHARE) -> str:
    """The class path for Jena's commands from Debian's jars (see the module docstring).

    Raises
    ------
    EngineError
        If Jena's jars are not installed.

    Examples
    --------
    >>> classpath(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    kg.engines.EngineError: Apache Jena is not installed: apt-get install libapache-jena-java (or: make engines)
    """
    cmds = share / "jena-cmds.jar"
    if not cmds.is_file():
        raise EngineError(_MISSING)
    jars = sorted(p for p in share.glob("jena-*.jar") if not re.search(r"-\d[\d.]*$", p.stem))  # unversioned links
    jars += [share / f"{name}.jar" for name in _DEPENDENCIES if (share / f"{name}.jar").is_file()]
    messages = _cache()
    marker = Path("xerces", "impl", "msg", "XMLSchemaMessages.properties")
    if not (messages / marker).is_file():
        staging = messages.with_name(messages.name + f".{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(share / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                    out = staging / "xerces" / name[len("org/apache/jena/ext/xerces/"):]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(jar.read(name))
        if messages.exists() and not (messages / marker).is_file():
            shutil.rmtree(messages, ignore_errors=True)  # an incomplete copy (a process stopped half-way)
        try:
            staging.rename(messages)  # whole or not at all
        except OSError:  # another process put its whole copy there first: that one serves
            shutil.rmtree(staging, ignore_errors=True)
            if not (messages / marker).is_file():
                raise
    return os.pathsep.join([*map(str, jars), str(messages)])


def command(main: str, *args: str, java: str | None = None, cp: str | None = None, heap: str | None = None,
            fast_start: bool = True) -> list[str]:
    """The ``java`` command line that runs Jena's command class ``main`` with ``args``.

    ``fast_start`` (for short commands: a query) stops the JIT at its first tier and uses the serial
    collector; a bulk load runs with the JVM's defaults.

    Examples
    --------
    >>> command("tdb2.tdbloader", "--loc", "db", "kg.nq", java="java", cp="x.jar", heap="2g", fast_start=False)
    ['java', '-cp', 'x.jar', '-Xmx2g', 'tdb2.tdbloader', '--loc', 'db', 'kg.nq']
    >>> command("tdb2.tdbquery", "--version", java="java", cp="x.jar")[1]
    '-XX:TieredStopAtLevel=1'
    """
    java = java or shutil.which("java")
    if not java:
        raise EngineError("no Java runtime: apt-get install openjdk-17-jre-headless (or: make engines)")
    return [java, *(_FAST_START if fast_start else []), "-cp", cp or classpath(), *([f"-Xmx{heap}"] if heap else []),
            main, *args]


def _run(cmd: list[str], what: str, timeout: float) -> bytes:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise EngineError(f"{what}: no answer within {timeout:g}s") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise EngineError(f"{what} failed (exit {done.returncode}): " + " | ".join(tail))
    return done.stdout


def version() -> str:
    """Jena's version line, as ``tdb2.tdbquery --version`` prints it.

    Examples
    --------
    >>> version().split()[-1]
    '4.5.0'
    """
    out = _run(command("tdb2.tdbquery", "--version"), "tdb2.tdbquery --version", 120).decode()
    return next((ln.strip() for ln in out.splitlines() if "Jena" in ln), out.strip())


def tdbloader(location: str | os.PathLike, *files: str | os.PathLike, heap: str = "2g",
              timeout: float = 3600) -> None:
    """Bulk load N-Quads (or any RDF) ``files`` into the TDB2 database at ``location`` (``tdb2.tdbloader``).

    Examples
    --------
    >>> tdbloader("db")
    Traceback (most recent call last):
    ...
    kg.engines.EngineError: tdb2.tdbloader: no files to load
    """
    if not files:
        raise EngineError("tdb2.tdbloader: no files to load")
    _run(command("tdb2.tdbloader", "--loc", str(location), *map(str, files), heap=heap, fast_start=False),
         f"tdb2.tdbloader --loc {location}", timeout)


def tdbquery(location: str | os.PathLike, sparql: str, *, timeout: float = 600) -> bytes:
    """Run ``sparql`` on the TDB2 database at ``location`` with the union default graph; the JSON answer.

    (A CONSTRUCT or DESCRIBE answers N-Triples.)

    Examples
    --------
    >>> import tempfile
    >>> b'"boolean" : false' in tdbquery(tempfile.mkdtemp(), "ASK { ?s ?p ?o }")  # a new, empty database
    True
    """
    fmt = "N-Triples" if _is_graph_query(sparql) else "JSON"
    return _run(command("tdb2.tdbquery", "--loc", str(location), "--set", "tdb2:unionDefaultGraph=true",
                        f"--results={fmt}", sparql),
                f"tdb2.tdbquery --loc {location}", timeout)


def _is_graph_query(sparql: str) -> bool:
    body = re.sub(r"#[^\n]*|<[^>]*>|\"[^\"]*\"|'[^']*'", " ", sparql)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    return bool(m) and m.group(1).upper() in ("CONSTRUCT", "DESCRIBE")


class TDB2Target:
    """A TDB2 database queried with ``tdb2.tdbquery`` (one JVM per query), as a :class:`kg.target.QueryTarget`.

    Examples
    --------
    >>> TDB2Target("db")
    TDB2Target('db')
    """

    def __init__(self, location: str | os.PathLike, *, timeout: float = 600) -> None:
        self.location = str(location)
        self.timeout = timeout

    def query(self, sparql: str) -> NativeResults:
        """Run ``sparql`` (kg's prefixes need no declaration); pyoxigraph results.

        Examples
        --------
        >>> TDB2Target("db").query  # doctest: +ELLIPSIS
        <bound method TDB2Target.query of TDB2Target('db')>
        """
        from kg.remote import read_answer

        text = with_prefixes(sparql)
        body = tdbquery(self.location, text, timeout=self.timeout)
        return read_answer(body, "application/n-triples" if _is_graph_query(text) else "application/sparql-results+json",
                           source=f"tdb2.tdbquery --loc {self.location}")

    def __repr__(self) -> str:
        return f"TDB2Target({self.location!r})"
