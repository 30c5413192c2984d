"""Smoke test of the benchmark scripts on a small corpus: their outputs are right (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))


def test_corpus_is_deterministic_realistic_and_has_malformed_documents(tmp_path, shared_data):
    from corpus import generate, load_sources

    from kg.build import build
    from kg.store import open_store

    sources = load_sources(shared_data)
    a = generate(tmp_path / "a", 200, seed=3, sources=sources)
    b = generate(tmp_path / "b", 200, seed=3, sources=sources)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert len(a) == 200
    report = build(open_store(tmp_path / "s"), [tmp_path / "a"], progress=False)
    assert 0 < len(report.errors) < 10 and len(report.added) == 200 - len(report.errors)
    text = b"".join(p.read_bytes() for p in a)
    assert b"\r\n" in text and "\u2014".encode() in text and b"Data not available in the input." in text


def test_build_bench_smoke(tmp_path, shared_data):
    out = subprocess.run(
        [sys.executable, str(BENCH / "build.py"), "-n", "200", "--data", str(shared_data), "--workdir", str(tmp_path),
         "--ncci", "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv", "--rdflib-max", "50000",
         "--results", str(tmp_path / "RESULTS.md")],
        capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    kg, floor = result["kg"], result["floor"]
    assert kg["documents"] + kg["failed"] == 200 and kg["failed"] > 0
    assert kg["quads"] == floor["quads"], "the floor loads exactly what kg built"
    assert kg["incremental_updated"] == 1
    cli = result["cli"]  # kg build from the command line: nothing changed, then one briefing
    assert cli["no change"]["summary"].startswith("built 0 new, 0 changed") and cli["no change"]["cpu"] > 0
    assert cli["1 changed briefing"]["summary"].startswith("built 0 new, 1 changed")
    assert kg["total_cpu"] > 0 and floor["cpu"] > 0 and result["open"]["graphs"] > 200  # reopened: every graph there
    assert set(kg["stages"]) == {"full build (code sets, then briefings)", "briefings (their own wall time)",
                                 "the code sets' facts read for the audit (their own wall time, before the briefings)"}
    assert set(kg["codesets"]) == {"icd10cm", "nucc", "hcpcs", "pos", "mpfs", "ncci-ptp"}
    assert result["rdflib"]["loaded"] == 50000 and result["rdflib"]["extrapolated"]
    table = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| full build vs floor |" in table and "extrapolated" in table
    assert "| opening the store read-write after the build, fresh process |" in table and "load average" in table
    assert "| `kg build CORPUS --codeset ...`, CLI, 1 changed briefing |" in table

    q = subprocess.run([sys.executable, str(BENCH / "query.py"), "--store", str(tmp_path / "store"), "--reps", "2",
                        "--rdflib-reps", "1", "--rdflib-max", "3000"], capture_output=True, text=True, timeout=1800)
    assert q.returncode == 0, q.stderr[-2000:]
    assert "| monitors |" in q.stdout and "part of the data" in q.stdout


@pytest.mark.parametrize("script", ["serve_load.py"])
def test_serve_load_smoke(script):
    out = subprocess.run([sys.executable, str(BENCH / script), "--clients", "3", "--queries", "5"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "errors 0" in out.stdout


def test_network_bench_smoke(example_store_dir):
    out = subprocess.run([sys.executable, str(BENCH / "network_bench.py"), "--store", str(example_store_dir)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| kg.network.project" in out.stdout and "| naive: rdflib" in out.stdout


def test_interop_bench_smoke(example_store_dir, tmp_path):
    out = subprocess.run([sys.executable, str(BENCH / "interop_bench.py"), "--store", str(example_store_dir),
                          "--workdir", str(tmp_path / "w")], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| kg export") or "baseline" in line]
    assert len(rows) == 3 and "briefing-procedure" in out.stdout and "edges" in out.stdout


def test_stats_bench_smoke(tmp_path):
    from kg.build import build
    from kg.examples import examples_dir
    from kg.store import finish_writing, open_store

    store = open_store(tmp_path / "store")
    assert build(store, [examples_dir()], progress=False).ok
    finish_writing(store)
    del store
    out = subprocess.run([sys.executable, str(BENCH / "stats_bench.py"), "--store", str(tmp_path / "store"),
                          "--writable", str(tmp_path / "store"), "--reps", "1"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "statistics current: True" in out.stdout and "one hop after a 100k-quad write, flushed" in out.stdout


def test_audit_bench_smoke(example_store_dir):
    out = subprocess.run([sys.executable, str(BENCH / "audit_bench.py"), "--store", str(example_store_dir),
                          "--reps", "1"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
    names = [r.split(" | ")[0] for r in rows]
    assert names[:4] == ["| python -c pass", '| python -c "import click"', "| kg --help",
                         "| kg query monitors -p code=77013"]
    # the example store was built by kg.build.build alone, with no cache: nothing kept for the audit
    assert names[4:] == ["| kg audit --no-write, the first after kg build (kept: nothing: not built by the kg build command)",
                         "| kg audit --no-write, nothing kept (cache directory deleted)",
                         "| kg audit --no-write, warm (label comparisons and each briefing's findings cached too)"]
    assert "internal queries read" in out.stdout


def test_audit_bench_one_briefing_changed(example_store_dir, tmp_path):
    import shutil

    from kg.examples import examples_dir

    writable = tmp_path / "store"
    shutil.copytree(example_store_dir, writable)
    out = subprocess.run([sys.executable, str(BENCH / "audit_bench.py"), "--store", str(example_store_dir),
                          "--writable", str(writable), "--change", str(examples_dir() / "77013.txt"), "--reps", "1"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line.split(" | ")[0] for line in out.stdout.splitlines() if line.startswith("| kg ")]
    assert rows[-3:] == ["| kg audit (findings written), warm (label comparisons and each briefing's findings cached "
                         "too)", "| kg build (the changed briefing)",
                         "| kg audit (findings written), one briefing changed"]
