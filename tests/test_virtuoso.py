"""Virtuoso 7.2 (Debian's virtuoso-opensource) as the remote store: kg push, then the same answers as embedded.

A private Virtuoso runs on loopback for this module, over a database folder of its own (kg.engines.virtuoso).
If Virtuoso is not installed, these tests fail with the reason (make test installs it).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from kg.claims import from_args
from kg.remote import Endpoint
from kg.remote.push import remote_sizes
from kg.store import open_store
from tests.engines import REPO, build_engine_store, claim_generator, parity


def _kg(*args, **kw):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=900,
                          check=False, **kw)


@pytest.fixture(scope="module")
def engine_store_dir(tmp_path_factory, shared_data):
    return build_engine_store(tmp_path_factory.mktemp("engines") / "store", shared_data)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    from kg.engines.virtuoso import start

    server = start(tmp_path_factory.mktemp("virtuoso"), memory_mib=384)  # EngineError says what to install
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pushed(virtuoso, engine_store_dir, tmp_path_factory):
    """The audited store pushed to Virtuoso with kg push (small chunks, so the big graphs take several)."""
    journal = tmp_path_factory.mktemp("push") / "push.journal"
    r = _kg("push", "--endpoint", virtuoso.sparql_url, "--graph-store", virtuoso.graph_store_url,
            "--chunk-triples", "20000", "--journal", str(journal), "--store", str(engine_store_dir))
    assert r.returncode == 0, r.stderr[-2000:]
    return Endpoint(virtuoso.sparql_url, headers={}, timeout=120)


def test_virtuoso_answers_the_first_query_after_a_push_at_once(pushed):
    # Virtuoso 7.2 never answers a query POSTed as application/sparql-query: kg sends it URL-encoded
    quick = Endpoint(pushed.url, headers={}, timeout=10, retries=0)
    t = time.monotonic()
    assert bool(quick.query("ASK { ?s a kg:Briefing }"))
    assert time.monotonic() - t < 10
    assert quick.dialect == "virtuoso"


def test_virtuoso_holds_every_graph_whole(pushed, engine_store_dir):
    store = open_store(engine_store_dir, read_only=True)
    local = {g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()}
    assert remote_sizes(pushed) == local


def test_virtuoso_named_queries_match_the_embedded_store(pushed, engine_store_dir):
    # no list of known differences: kg.remote.dialect bridges Virtuoso's (zero-length path steps in GRAPH ?g, boolean
    # constants, transitive starts from VALUES) and the queries avoid the rest (MIN of STR, not of literals)
    embedded = open_store(engine_store_dir, read_only=True)
    assert parity(embedded, pushed) == {}
    # the example parameters find rows: 21 of the named queries on this store (the others need MPFS, MUE, CCSR,
    # CMS-HCC, an audit or a second release, which it leaves out)
    assert sum(1 for n in parity.counts.values() if n) >= 21
    assert all(parity.counts[q] for q in ("monitors", "modifiers", "ncci-edits", "documents", "stats", "needs-review",
                                          "excludes1-pair", "excludes", "procedures-for"))


def test_virtuoso_audit_check_and_show_match_with_endpoint(pushed, engine_store_dir, shared_data, tmp_path):
    store = ["--store", str(engine_store_dir)]
    endpoint = ["--endpoint", pushed.url]
    for args in (["audit", "--format", "json", "--no-write", "--fail-on", "never"],
                 ["show", "77013", "--format", "json"], ["show", "G0439", "--format", "json"]):
        here, there = _kg(*args, *store), _kg(*args, *endpoint)
        assert here.returncode == there.returncode == 0, there.stderr[-2000:]
        assert json.loads(here.stdout) == json.loads(there.stdout), args
    lines = claim_generator()(300, 7, shared_data) + from_args(["77013", "77012", "76942-59"], dos="2024-08-01", claim_id="radiology")
    claims = tmp_path / "claims.csv"
    claims.write_text("claim_id,line,code,modifiers,units,dx,pos,dos\n" + "".join(
        f"{ln.claim_id},{ln.line},{ln.code},{' '.join(ln.modifiers)},{ln.units},{' '.join(ln.dx)},{ln.pos},{ln.dos}\n"
        for ln in lines))
    args = ["check", "--claims", str(claims), "--format", "json", "--fail-on", "never"]
    here, there = _kg(*args, *store), _kg(*args, *endpoint)
    assert here.returncode == there.returncode == 0, there.stderr[-2000:]
    found = json.loads(here.stdout)
    assert {f["kind"] for f in found} >= {"unknown-code"}
    assert found == json.loads(there.stdout)


def test_virtuoso_push_killed_half_way_then_run_again_ends_whole(virtuoso, engine_store_dir, tmp_path):
    """kg push killed (SIGKILL) after some graphs went in; run again with its journal: every graph whole."""
    journal = tmp_path / "push.journal"
    gsp = ["--endpoint", virtuoso.sparql_url, "--graph-store", virtuoso.graph_store_url, "--journal", str(journal),
           "--store", str(engine_store_dir), "--chunk-triples", "5000", "--workers", "2"]
    first = subprocess.Popen([sys.executable, "-m", "kg", "push", *gsp], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while (not journal.exists() or journal.read_text().count("done ") < 3) and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL, "the push ended before it was killed: nothing was interrupted"
    events = journal.read_text().splitlines()
    started = {ln.split()[1] for ln in events if ln.startswith("started")}
    finished = {ln.split()[1] for ln in events if ln.startswith("done")}
    assert started - finished, "no graph was half-way when the push was killed"
    again = _kg("push", *gsp)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "were whole there already" in again.stdout
    store = open_store(engine_store_dir, read_only=True)
    local = {g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()}
    assert remote_sizes(Endpoint(virtuoso.sparql_url, headers={})) == local


def test_virtuoso_bulk_loader_takes_the_export_whole(engine_store_dir, tmp_path):
    """kg export --format nq, then ld_dir / rdf_loader_run / checkpoint (the README's command) into a fresh instance."""
    from kg.engines.virtuoso import bulk_load_sql, start

    dump = tmp_path / "dump"
    dump.mkdir()
    r = _kg("export", "--format", "nq", "-o", str(dump / "kg.nq"), "--store", str(engine_store_dir))
    assert r.returncode == 0, r.stderr[-2000:]
    store = open_store(engine_store_dir, read_only=True)
    local = {g.value: len(list(store.quads_for_pattern(None, None, None, g))) for g in store.named_graphs()}
    with start(tmp_path / "virtuoso", memory_mib=256, dirs=(str(dump),)) as v:
        assert v.bulk_load(dump / "kg.nq") == len(store)
        assert remote_sizes(Endpoint(v.sparql_url, headers={})) == local


def test_virtuoso_readme_shows_the_bulk_loader_command_kg_runs():
    from kg.engines.virtuoso import bulk_load_sql

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f'isql-vt 127.0.0.1:1111 dba dba exec="{bulk_load_sql("/data/kg.nq")}"' in readme


def test_virtuoso_engines_bench_smoke(example_store_dir, tmp_path):
    """bench/engines_bench.py on the example briefings: every path measured, the interrupted push ends whole."""
    out = subprocess.run([sys.executable, str(REPO / "bench" / "engines_bench.py"), "--store", str(example_store_dir),
                          "--workdir", str(tmp_path / "work"), "--memory-mib", "256", "--heap", "512m",
                          "--chunk-triples", "500"], capture_output=True, text=True, timeout=900, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    table = [ln for ln in out.stdout.splitlines() if ln.startswith("| `") or ln.startswith("| Virtuoso")
             or ln.startswith("| Jena")]
    assert [ln.split(" | ")[0] for ln in table] == [
        "| `kg export --format nq`", "| `kg push` to Virtuoso (4 workers, 500 triples a request, then a checkpoint)",
        "| Virtuoso bulk loader (`ld_dir`, `rdf_loader_run`, `checkpoint`)", "| Jena `tdb2.tdbloader` (heap 512m)",
        "| `kg push` run again after the kill (same journal)"]
    assert "every graph held as many triples as in the store" in out.stdout
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["push.journal", "resume.journal"]  # dbs deleted
