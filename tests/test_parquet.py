"""kg export --format parquet: nodes.parquet and edges.parquet, read back with DuckDB and counted against SPARQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg.parquet as parquet
from kg.cli import main
from kg.model import OFFICIAL_RELATIONS

DATA = Path(__file__).parent / "data" / "interop"
KG = "https://w3id.org/codekg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def tables(interop_store_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    r = CliRunner().invoke(main, ["export", "--format", "parquet", "-o", str(out), "--store", str(interop_store_dir)])
    assert r.exit_code == 0, r.output
    return out


def _rows(store, name: str):
    return list(store.query((DATA / f"{name}.rq").read_text(encoding="utf-8")))


def _sql(tables: Path, query: str):
    con = duckdb.connect()
    con.execute(f"CREATE VIEW edges AS SELECT * FROM read_parquet('{tables / 'edges.parquet'}')")
    con.execute(f"CREATE VIEW nodes AS SELECT * FROM read_parquet('{tables / 'nodes.parquet'}')")
    return con.execute(query).fetchall()


def test_the_official_layers_hold_every_code_set_triple(tables, interop_store):
    per_predicate = {r["p"].value: int(r["n"].value) for r in _rows(interop_store, "codeset-predicates")}
    got = dict(((layer, rel), n) for layer, rel, n in _sql(tables, "SELECT layer, relation, count(*) FROM edges "
                                                                   "WHERE layer <> 'briefing' GROUP BY ALL"))
    assert got[("hierarchy", "broader")] == per_predicate[SKOS + "broader"]
    assert got[("addon", "addOnTo")] == per_predicate[KG + "addOnTo"]
    assert got[("hcc", "hcc")] == per_predicate[KG + "hcc"]
    assert got[("ccsr", "ccsrCategory")] == per_predicate[KG + "ccsrCategory"]
    assert got[("link", "posCode")] == per_predicate[KG + "posCode"] > 0
    for rel in OFFICIAL_RELATIONS:
        assert got[("official", rel)] == per_predicate[KG + rel] > 0, rel
    ncci = Counter(r["context"].value for r in _rows(interop_store, "ncci-edits"))
    by_context = dict(_sql(tables, "SELECT context, count(*) FROM edges WHERE layer = 'ncci' GROUP BY ALL"))
    assert by_context == dict(ncci) and set(ncci) == {"practitioner", "hospital"}


def test_the_briefing_layer_holds_every_asserted_row_with_its_document_and_line(tables, interop_store):
    expected = Counter((r["s"].value, r["rel"].value.removeprefix(KG), r["o"].value, r["g"].value,
                        int(r["line"].value), r["negated"] is not None) for r in _rows(interop_store, "asserted"))
    got = Counter(_sql(tables, "SELECT source, relation, target, document, line, negated FROM edges "
                               "WHERE layer = 'briefing'"))
    assert not expected - got  # every row a briefing asserts, once per row
    facts = got - expected  # and the payers and sites it names outside a table row
    assert {rel for _, rel, *_ in facts} == {"coveredByPayer", "siteOfService"}
    attributes = {(r["s"].value, r["p"].value.removeprefix(KG), r["o"].value)
                  for r in _rows(interop_store, "briefing-attributes")}
    assert {(s, rel, o) for s, rel, o, *_ in got if rel in {"hasModifier", "performedBy", "coveredByPayer",
                                                           "siteOfService"}} == attributes


def test_briefing_and_ncci_qualifiers_are_kept(tables):
    rows = _sql(tables, "SELECT relation, negated, line, rule FROM edges WHERE layer = 'briefing' "
                        "AND source LIKE '%/99291' AND target LIKE '%/99233' AND negated")
    assert [(rel, neg, line) for rel, neg, line, _ in rows] == [("alternativeTo", True, 37)] and rows[0][3]
    ncci = _sql(tables, "SELECT DISTINCT modifier_indicator, release FROM edges WHERE layer = 'ncci'")
    assert {m for m, _ in ncci} <= {"0", "1", "9"} and {r for _, r in ncci} == {"2024Q3"}
    assert _sql(tables, "SELECT DISTINCT model FROM edges WHERE layer = 'hcc' AND model = 'CMS-HCC-V28'")


def test_nodes_are_each_node_once_with_its_type_and_code_system(tables, interop_store):
    expected = {r["class"].value.removeprefix(KG): int(r["count"].value) for r in _rows(interop_store, "nodes")}
    assert _sql(tables, "SELECT count(*) - count(DISTINCT iri) FROM nodes") == [(0,)]
    by_type = dict(_sql(tables, "SELECT type, count(*) FROM nodes GROUP BY ALL"))
    names = {"ProcedureCode": "procedure", "DiagnosisCode": "diagnosis", "Modifier": "modifier",
             "ProviderTaxonomy": "specialty", "Payer": "payer", "SiteOfService": "site",
             "HCCCategory": "hcc-category", "CCSRCategory": "ccsr-category"}
    assert {names[k]: v for k, v in expected.items()} == by_type
    assert _sql(tables, "SELECT notation, label, type, code_system FROM nodes WHERE notation = 'E11.9'") == [
        ("E11.9", "Type 2 diabetes mellitus without complications", "diagnosis", "ICD10CM")]
    assert _sql(tables, "SELECT code_system FROM nodes WHERE iri LIKE '%/77013'") == [("CPT",)]


def test_batches_bound_the_rows_held(tmp_path, monkeypatch, example_store):
    monkeypatch.setattr(parquet, "BATCH", 7)
    tables = parquet.write_parquet(example_store, tmp_path)
    import pyarrow.parquet as pq

    f = pq.ParquetFile(tmp_path / "edges.parquet")
    assert f.metadata.num_rows == tables[1].rows > 7
    batches = [b.num_rows for b in f.iter_batches(batch_size=10_000)]
    assert sum(batches) == tables[1].rows
    assert f.metadata.num_row_groups >= tables[1].rows // 7


def test_a_write_cut_short_leaves_the_table_written_before(tmp_path, monkeypatch, example_store):
    parquet.write_parquet(example_store, tmp_path)
    before = (tmp_path / "edges.parquet").read_bytes()

    def broken(store):
        yield from ()
        raise RuntimeError("stop")

    monkeypatch.setattr(parquet, "edge_rows", broken)
    with pytest.raises(RuntimeError):
        parquet.write_parquet(example_store, tmp_path)
    assert (tmp_path / "edges.parquet").read_bytes() == before
    assert not list(tmp_path.glob("*.part"))


def test_readme_duckdb_lines_run(tables, monkeypatch):
    monkeypatch.chdir(tables.parent)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- parquet-duckdb -->", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    block = block.replace("tables/", f"{tables}/")
    scope: dict = {}
    exec(block, scope)
    assert scope["edges"].shape[0] == _sql(tables, "SELECT count(*) FROM edges WHERE layer = 'briefing'")[0][0] > 0


def test_empty_store_gives_empty_tables(tmp_path):
    assert [t.rows for t in parquet.write_parquet(ox.Store(), tmp_path)] == [0, 0]
    assert _sql(tmp_path, "SELECT count(*) FROM edges") == [(0,)]
