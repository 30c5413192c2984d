"""The kg command, run as a user runs it: a subprocess of `python -m kg` and the `kg` script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cms import decode

from kg.examples import examples_dir
from kg.show import show
from kg.sources import briefing_files
from kg.store import open_store

EXAMPLES = len(briefing_files(examples_dir()))
"""The bundled example briefings ('kg build --examples' builds them all)."""


def kg(*args: str, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, input=input,
                          cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    r = kg("build", "--examples", "--store", str(store))
    assert r.returncode == 0, r.stderr
    assert f"built {EXAMPLES} new, 0 changed, 0 unchanged, 0 failed" in r.stdout
    return store


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "kg"
    assert script.exists()
    r = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "build" in r.stdout and "query" in r.stdout


def test_rebuild_is_a_no_op(built):
    r = kg("build", "--examples", "--store", str(built))
    assert r.returncode == 0 and f"0 new, 0 changed, {EXAMPLES} unchanged" in r.stdout


def test_store_from_environment(built, tmp_path):
    import os

    env = dict(os.environ, KG_STORE=str(built))
    r = subprocess.run([sys.executable, "-m", "kg", "query", "documents"], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0 and "77013.txt" in r.stdout


def test_bad_document_is_reported_with_file_and_line_and_the_rest_built(tmp_path, corpus):
    bad = corpus / "broken.txt"
    bad.write_text("CPT 12345: Broken\n| Modifier | Description | When to Use |\n|---|---|---|\n26 | only two |\n",
                   encoding="utf-8")
    store = tmp_path / "s"
    r = kg("build", str(corpus), "--store", str(store))
    assert r.returncode == 1
    assert f"{bad}:4: modifier table row has 2 cells, expected 3" in r.stderr
    assert f"built {EXAMPLES} new" in r.stdout and "1 failed" in r.stdout
    assert "Traceback" not in r.stderr


def test_build_with_codesets_loads_them_at_the_same_time(tmp_path, shared_data):
    store = tmp_path / "s"
    r = kg("build", "--examples", "--store", str(store), "--codeset", f"nucc={shared_data / 'nucc_taxonomy_251.csv'}",
           "--codeset", f"pos={shared_data / 'place_of_service_codes_cms.csv'}",
           "--codeset", f"ncci-ptp={shared_data / 'ncci_ptp_practitioner_2024q3_active_radiology_subset.csv'}")
    assert r.returncode == 0, r.stderr
    assert f"built {EXAMPLES} new" in r.stdout and "nucc 25.1" in r.stdout and "ncci-ptp 2024Q3" in r.stdout
    # POS sites are linked to the briefings' sites even though the briefings were built alongside
    q = kg("query", "--sparql", "-", "--store", str(store), "--format", "csv",
           input="SELECT (COUNT(*) AS ?n) WHERE { ?site kg:posCode ?pos }")
    assert q.returncode == 0 and int(q.stdout.splitlines()[1]) > 0, q.stdout + q.stderr
    e = kg("query", "ncci-edits", "-p", "code=77013", "--store", str(store), "--format", "csv")
    assert e.returncode == 0 and "77012" in e.stdout


def test_build_with_a_bad_codeset_option(tmp_path):
    r = kg("build", "--examples", "--store", str(tmp_path / "s"), "--codeset", "nope=x.csv")
    assert r.returncode == 2 and "unknown code set 'nope'" in r.stderr
    r = kg("build", "--examples", "--store", str(tmp_path / "s"), "--codeset", "nucc")
    assert r.returncode == 2 and "nucc needs a file" in r.stderr


def test_queries_lists_the_library():
    r = kg("queries")
    assert r.returncode == 0
    for name in ("monitors", "alternatives", "diagnoses-for", "provenance", "stats"):
        assert name in r.stdout


def test_query_table(built):
    r = kg("query", "monitors", "--param", "code=77013", "--store", str(built))
    assert r.returncode == 0, r.stderr
    assert "49405" in r.stdout and "(3 rows)" in r.stdout


def test_query_json_is_w3c(built):
    r = kg("query", "diagnoses-for", "-p", "code=47382", "--format", "json", "--store", str(built))
    data = json.loads(r.stdout)
    assert data["head"]["vars"][:2] == ["role", "diagnosis"]
    roles = {(b["role"]["value"], b["diagnosis"]["value"]) for b in data["results"]["bindings"]}
    assert ("comorbidity", "K74.60") in roles and ("indication", "C22.0") in roles


def test_query_csv(built):
    r = kg("query", "alternatives", "-p", "code=76942", "--format", "csv", "--store", str(built))
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "alternative,label,relation,document,line"


def test_sparql_from_stdin(built):
    r = kg("query", "--sparql", "-", "--store", str(built), "--format", "csv",
           input="SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b a kg:Briefing }")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == str(EXAMPLES)


def test_construct_prints_turtle(built):
    r = kg("query", "--sparql", "-", "--store", str(built),
           input="CONSTRUCT { ?b a kg:Briefing } WHERE { ?b a kg:Briefing }")
    assert r.returncode == 0 and "@prefix kg: <https://w3id.org/codekg/ontology#> ." in r.stdout
    assert "briefing:77013.txt a kg:Briefing ." in r.stdout


def test_sparql_syntax_error_is_one_line(built, tmp_path):
    q = tmp_path / "bad.rq"
    q.write_text("SELECT * WHERE {\n  ?s ?p\n}\n", encoding="utf-8")
    r = kg("query", "--sparql", str(q), "--store", str(built))
    assert r.returncode == 1
    assert re.match(rf"kg: error: {re.escape(str(q))}:\d+:\d+: SPARQL syntax error: ", r.stderr), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_injection_through_param_returns_nothing_harmful(built):
    before = kg("query", "stats", "--store", str(built)).stdout
    r = kg("query", "monitors", "--param", 'code=77013" } UNION { ?s ?p ?o } #', "--store", str(built))
    assert r.returncode == 1 and "not shaped like" in r.stderr and r.stdout == ""
    r = kg("query", "related-codes", "-p", "code=77013", "-p", "relation=monitors> } . ?s ?p ?o . {", "--store", str(built))
    assert r.returncode == 1 and "not a kg relation" in r.stderr
    assert kg("query", "stats", "--store", str(built)).stdout == before


@pytest.mark.parametrize("value", ["relation=_fail", "relation=_NS", "relation=_warn", "code=7701\udcff"])
def test_bad_query_parameters_are_one_line_errors(built, value):
    args = [sys.executable, "-m", "kg", "query", "related-codes", "-p", "code=77013", "-p", value, "--store", str(built)]
    r = subprocess.run([a.encode("utf-8", "surrogateescape") for a in args], capture_output=True, timeout=300)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1 and err.startswith("kg: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and ("not a kg relation" in err or "lone surrogate" in err)


def test_unknown_query_and_missing_store(built, tmp_path):
    r = kg("query", "nope", "--store", str(built))
    assert r.returncode == 1 and "no named query 'nope'" in r.stderr
    r = kg("query", "stats", "--store", str(tmp_path / "none"))
    assert r.returncode == 1 and "no kg store here" in r.stderr


def test_export_and_validate(built, tmp_path):
    out = tmp_path / "g.nq"
    r = kg("export", "--format", "nq", "-o", str(out), "--store", str(built))
    assert r.returncode == 0 and out.stat().st_size > 0
    r = kg("export", "--format", "ttl", "--graph", "https://w3id.org/codekg/briefing/77013.txt", "--store", str(built))
    assert r.returncode == 0 and "cpt:77013" in r.stdout
    r = kg("validate", "--store", str(built))
    assert r.returncode == 0 and "Conforms: True" in r.stdout


def test_usage_errors_exit_2(built):
    assert kg("build", "--store", str(built)).returncode == 2
    assert kg("query", "--store", str(built)).returncode == 2


def test_show_text(coder_store_dir):
    r = kg("show", "77013", "--store", str(coder_store_dir))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("77013 (CPT)")
    assert "assistant at surgery 0: " + decode("asst_surg", "0").meaning in r.stdout
    findings = show(open_store(coder_store_dir, read_only=True), "77013")["findings"]
    assert "MUE (Practitioner): 1 unit(s)" in r.stdout and findings and f"audit findings: {len(findings)}\n" in r.stdout
    assert "77013.txt:24  77013 hasModifier 80" in r.stdout


def test_show_json(coder_store_dir):
    r = kg("show", "32998", "--store", str(coder_store_dir), "--format", "json")
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout)
    assert facts["code"] == "32998" and facts["ncci"]["indicator_0"] >= 2
    assert any(b["file"] == "32998.txt" and b["relation"] == "subject" for b in facts["briefings"])


def test_show_errors(coder_store_dir):
    r = kg("show", "hello world", "--store", str(coder_store_dir))
    assert r.returncode == 1 and "not shaped like" in r.stderr and "Traceback" not in r.stderr
    r = kg("show", "77013", "--system", "XYZ", "--store", str(coder_store_dir))
    assert r.returncode == 2


def test_query_list_shows_the_coder_queries_and_hides_the_internal_ones():
    r = kg("query", "--list")
    assert r.returncode == 0, r.stderr
    names = {line.split()[0] for line in r.stdout.splitlines() if line and not line.startswith(" ")}
    assert {"ncci-pair", "mue", "add-on-status", "fee-schedule", "code-findings"} <= names
    assert not {n for n in names if n.startswith("show-") or n in ("official-labels", "loaded-code-sets")}


def test_query_ncci_pair_from_the_command_line(coder_store_dir):
    r = kg("query", "ncci-pair", "-p", "code=43235", "-p", "other=43239", "--format", "json",
           "--store", str(coder_store_dir))
    assert r.returncode == 0, r.stderr
    (b,) = json.loads(r.stdout)["results"]["bindings"]
    assert (b["status"]["value"], b["column1"]["value"], b["modifierIndicator"]["value"]) == ("in force", "43239", "0")


_HEAVY = ("rdflib", "networkx", "pandas", "pyvis", "numpy", "kg.view", "kg.network", "kg.codesets", "kg.relations")
"""Modules that 'kg --help' and a one-hop query never use: importing them costs most of a second."""


def _imported(code: str, *argv: str) -> set[str]:
    probe = (f"import sys; sys.argv = ['kg', *{list(argv)!r}]\n{code}\n"
             f"print('loaded:', *(m for m in {_HEAVY!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.rsplit("loaded:", 1)[1].split())


def test_the_command_line_imports_only_what_it_uses(built):
    assert _imported("import kg.cli") == set()
    help_run = "import kg.cli\ntry:\n    kg.cli.main()\nexcept SystemExit:\n    pass"
    assert _imported(help_run, "--help") == set()
    assert _imported(help_run, "query", "monitors", "-p", "code=77013", "--store", str(built)) == set()
    # the registries behind options are still read when a command needs them
    assert "kg.codesets" in _imported(help_run, "codesets", "load", "--help")
    assert "--ncci-ptp FILE" in kg("codesets", "load", "--help").stdout
    assert "nodelink-json" in kg("export", "--help").stdout
