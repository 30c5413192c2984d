"""Apache Jena TDB2 (Debian's libapache-jena-java 4.5 on the system Java): the bulk path.

kg export --format nq, then tdb2.tdbloader, then every named query with tdb2.tdbquery (kg.engines.jena) gives the
same rows as the embedded store. If Jena or Java is missing, these tests fail with the reason (make test installs
them).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg.query import named_queries
from kg.store import open_store
from tests.engines import REPO, build_engine_store, rows


@pytest.fixture(scope="module")
def engine_store_dir(tmp_path_factory, shared_data):
    return build_engine_store(tmp_path_factory.mktemp("engines") / "store", shared_data)


@pytest.fixture(scope="module")
def tdb2(engine_store_dir, tmp_path_factory):
    from kg.engines.jena import tdbloader

    work = tmp_path_factory.mktemp("tdb2")
    nq = work / "kg.nq"
    r = subprocess.run([sys.executable, "-m", "kg", "export", "--format", "nq", "-o", str(nq),
                        "--store", str(engine_store_dir)], capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    tdbloader(work / "db", nq, heap="1g", timeout=600)  # 120k quads; the suite's memory is shared
    return work / "db"


def test_tdb2_loads_every_quad(tdb2, engine_store_dir):
    from kg.engines.jena import TDB2Target

    store = open_store(engine_store_dir, read_only=True)
    n = next(iter(TDB2Target(tdb2).query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value
    assert int(n) == len(store)


def test_tdb2_named_queries_match_the_embedded_store(tdb2, engine_store_dir):
    from kg.engines.jena import TDB2Target

    store = open_store(engine_store_dir, read_only=True)
    target = TDB2Target(tdb2)
    differ, found = {}, 0
    for q in named_queries().values():  # one JVM at a time: TDB2 locks its database to one process
        here, there = rows(store, q.name, q.example()), rows(target, q.name, q.example())
        found += bool(there)
        if here != there:
            differ[q.name] = (len(here), len(there))
    assert differ == {}
    assert found >= 15  # the example parameters find rows


def test_tdb2_readme_shows_the_commands_kg_runs():
    from kg.engines.jena import command

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    loader = command("tdb2.tdbloader", "--loc", "/var/lib/kg-tdb2", "kg.nq", java="java", cp='"$CP"', heap="2g",
                     fast_start=False)
    assert f"`{' '.join(loader)}`" in readme
    query = command("tdb2.tdbquery", "--loc", "/var/lib/kg-tdb2", "--set", "tdb2:unionDefaultGraph=true",
                    "--results=JSON", java="java", cp='"$CP"')
    assert f"`{' '.join(query)} 'SELECT …'`" in readme
