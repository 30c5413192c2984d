"""``kg validate`` at scale (issue 19, item 5): each graph on its own, briefings by pySHACL in workers, every other
graph by the shapes' SPARQL translation inside the store; the two agree, and the shapes accept every real code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build import build
from kg.codesets.catalog import current_graphs
from kg.errors import ShapesError
from kg.examples import examples_dir
from kg.shapes import shapes_graph
from kg.store import open_store
from kg.validate import ENGINES, FORMATS, validate
from kg.validate.briefings import validate_graphs
from kg.validate.sparql import COMPONENTS, check_graph, check_graphs, compile_checks

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"
SH = "http://www.w3.org/ns/shacl#"
BRIEFING = "https://w3id.org/codekg/briefing/"
N = ox.NamedNode


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def real_store_dir(tmp_path_factory, shared_data):
    """The example briefings and the real releases: ICD-10-CM (packaged), NUCC, HCPCS and its modifiers, the CPT
    modifiers, POS, MPFS, NCCI MUE and add-on edits, the radiology subset of the PTP edits, HCC and CCSR."""
    from kg.pipeline import build_all

    d = shared_data
    sources = {
        "icd10cm": None,
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "mpfs": d / "mpfs_pprrvu_2025oct_rvu25d_no_descriptors.csv",
        "ncci-ptp": d / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
        "ncci-mue": d / "ncci_mue_practitioner_2024q3.csv",
        "ncci-addon": d / "ncci_addon_code_edits_2024-06.csv",
        "hcc": d / "hcc_ra_dx_to_cc_2026.csv",
        "ccsr": d / "ccsr_dx_reference_v2023_1.xlsx",
    }
    path = tmp_path_factory.mktemp("validate-real") / "store"
    store = open_store(path)
    report, _ = build_all(store, [examples_dir()], sources, progress=False)
    assert report.ok, report.errors
    del store
    return path


@pytest.fixture(scope="module")
def real_store(real_store_dir):
    return open_store(real_store_dir)


def _release(store: ox.Store, name: str) -> str:
    return current_graphs(store)[name]


def _planted(store: ox.Store, graph: str, quads: list[tuple]) -> list[ox.Quad]:
    out = [ox.Quad(s, p, o, N(graph)) for s, p, o in quads]
    store.extend(out)
    return out


def test_the_shapes_accept_every_code_of_the_loaded_releases(real_store):
    report = validate(real_store)
    assert report.violations == [], report.text()[:3000]
    assert report.conforms
    assert report.graphs["codeset"] >= 12 and report.graphs["briefing"] == len(list(examples_dir().glob("*.txt")))


@pytest.mark.parametrize("codeset", ["ncci-ptp", "icd10cm"])
def test_a_planted_violation_in_a_code_set_graph_is_found_with_its_graph_and_node(real_store, codeset):
    graph = _release(real_store, codeset)
    bad = N("http://purl.bioontology.org/ontology/CPT/7701")  # four digits: no CPT code
    lost = N("http://purl.bioontology.org/ontology/ICD10CM/Z99.ZZZ9")  # no such code, and no skos:inScheme
    planted = _planted(real_store, graph, [
        (bad, RDF_TYPE, N(KG + "ProcedureCode")), (bad, N(SKOS + "notation"), ox.Literal("7701")),
        (bad, N(SKOS + "inScheme"), N(KG + "CPT")),
        (lost, RDF_TYPE, N(KG + "DiagnosisCode")), (lost, N(SKOS + "notation"), ox.Literal("Z99.ZZZ9")),
    ])
    try:
        report = validate(real_store, graphs=[graph])
    finally:
        for q in planted:
            real_store.remove(q)
    assert not report.conforms and report.graphs == {"codeset": 1}
    found = {(v.graph, v.focus, v.component.rsplit("#")[1], v.path) for v in report.violations}
    assert found == {(graph, str(bad), "PatternConstraintComponent", SKOS + "notation"),
                     (graph, str(lost), "MinCountConstraintComponent", SKOS + "inScheme")}
    assert f"Graph: <{graph}>" in report.text() and f"Focus Node: {bad}" in report.text()


def _plant_briefing_faults(store: ox.Store) -> dict[str, str]:
    """One fault per constraint the briefing graphs can break; graph -> what was done."""
    g77013, g47382 = BRIEFING + "77013.txt", BRIEFING + "47382.txt"
    row = N(g77013 + "#L53")
    store.remove(ox.Quad(row, N(KG + "line"), ox.Literal(53), N(g77013)))
    store.add(ox.Quad(row, N(KG + "line"), ox.Literal("fifty-three"), N(g77013)))  # datatype
    store.add(ox.Quad(N(g77013 + "#L52"), N(KG + "line"), ox.Literal(0), N(g77013)))  # minInclusive, maxCount
    derived = N("http://www.w3.org/ns/prov#wasDerivedFrom")
    removed = list(store.quads_for_pattern(N(g47382 + "#L42"), derived, None, N(g47382)))
    for q in removed:
        store.remove(q)  # minCount
    rel = next(store.quads_for_pattern(N(g47382 + "#L43"), N(KG + "relation"), None, N(g47382)))
    s = next(store.quads_for_pattern(N(g47382 + "#L43"), N(KG + "subjectCode"), None, N(g47382))).object
    o = next(store.quads_for_pattern(N(g47382 + "#L43"), N(KG + "objectCode"), None, N(g47382))).object
    direct = list(store.quads_for_pattern(s, rel.object, o, N(g47382)))
    for q in direct:
        store.remove(q)  # the sh:sparql constraint: no direct triple
    assert removed and direct
    store.add(ox.Quad(N(g47382), N(KG + "sha256"), ox.Literal("nothex"), N(g47382)))  # pattern, maxCount
    store.add(ox.Quad(N("http://purl.bioontology.org/ontology/CPT/47382"), N(KG + "addOnTo"),
                      N("https://w3id.org/codekg/payer/medicare"), N(g47382)))  # class
    store.add(ox.Quad(N(g47382 + "#L43"), N(KG + "relation"), N(KG + "noSuchRelation"), N(g47382)))  # in
    store.add(ox.Quad(N(g47382 + "#L43"), N(KG + "objectCode"), ox.Literal("77013"), N(g47382)))  # nodeKind
    mention = N(g77013 + "#M1")  # a malformed mention: a table not in sh:in, no kg:line, and code and relation
    store.extend(ox.Quad(s, p, o, N(g77013)) for s, p, o in [
        (mention, RDF_TYPE, N(KG + "MalformedMention")), (mention, N(KG + "writtenAs"), ox.Literal("7701")),
        (mention, N(KG + "table"), ox.Literal("NOPE")), (mention, derived, N(g77013)),
        (mention, N(KG + "subjectCode"), N("http://purl.bioontology.org/ontology/CPT/77013")),  # forbidden
        (mention, N(KG + "relation"), N(KG + "bundles"))])  # forbidden
    return {g77013: "line", g47382: "several"}


def _shared_code(store: ox.Store) -> tuple[ox.NamedNode, str, str]:
    """A procedure code typed in two briefing graphs, and those graphs."""
    by_code: dict = {}
    for q in store.quads_for_pattern(None, RDF_TYPE, N(KG + "ProcedureCode"), None):
        if q.graph_name.value.startswith(BRIEFING):
            by_code.setdefault(q.subject, []).append(q.graph_name.value)
    code, graphs = next((c, sorted(g)) for c, g in sorted(by_code.items(), key=str) if len(g) >= 2)
    return code, graphs[0], graphs[1]


@pytest.fixture
def faulty_store(tmp_path, example_store_dir):
    path = tmp_path / "store"
    shutil.copytree(example_store_dir, path)
    store = open_store(path)
    _plant_briefing_faults(store)
    return store, path


def test_a_clean_store_passes(example_store):
    report = validate(example_store, workers=2)
    assert report.conforms and report.violations == []
    assert report.graphs["briefing"] == len(list(examples_dir().glob("*.txt"))) and report.graphs["ontology"] == 1


def test_a_planted_violation_in_a_briefing_graph_is_found_by_the_workers(faulty_store):
    store, _ = faulty_store
    report = validate(store, workers=2)
    assert not report.conforms
    found = {(v.graph, v.focus, v.component.rsplit("#")[1]) for v in report.violations}
    assert (BRIEFING + "77013.txt", f"<{BRIEFING}77013.txt#L53>", "DatatypeConstraintComponent") in found
    assert (BRIEFING + "47382.txt", f"<{BRIEFING}47382.txt#L42>", "MinCountConstraintComponent") in found
    assert {v.graph for v in report.violations} == {BRIEFING + "77013.txt", BRIEFING + "47382.txt"}


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_that_open_the_store_themselves_report_what_the_parent_finds(tmp_path, example_store_dir, workers):
    """With the store's path the workers open it read-only and check every graph, code sets included, each split
    by constraint across them: the same violations as checking everything in this process."""
    path = tmp_path / "store"
    shutil.copytree(example_store_dir, path)
    store = open_store(path)
    _plant_briefing_faults(store)
    release = "https://w3id.org/codekg/codeset/pos/2025/0123456789ab"
    site = N("https://w3id.org/codekg/pos/99")
    store.add(ox.Quad(site, RDF_TYPE, N(KG + "SiteOfService"), N(release)))  # no notation, no scheme
    store.add(ox.Quad(N("http://example.org/x"), RDF_TYPE, N(KG + "Modifier")))  # the default graph: no notation
    store.flush()
    del store  # closed: nothing writes while the workers read
    ro = open_store(path, read_only=True)
    here = validate(ro, workers=1)
    there = validate(ro, workers=workers, path=path)
    assert there.violations == here.violations and there.graphs == here.graphs
    found = {(v.graph, v.focus, v.component.rsplit("#")[1]) for v in there.violations}
    assert (release, str(site), "MinCountConstraintComponent") in found
    assert ("", "<http://example.org/x>", "MinCountConstraintComponent") in found
    assert (BRIEFING + "77013.txt", f"<{BRIEFING}77013.txt#L53>", "DatatypeConstraintComponent") in found
    by_pyshacl = validate(ro, workers=workers, path=path, engine="pyshacl")
    assert sorted((v.graph, *map(str, v.key())) for v in by_pyshacl.violations) == \
        sorted((v.graph, *map(str, v.key())) for v in here.violations)


def test_the_sparql_translation_finds_what_pyshacl_finds_in_briefing_graphs(faulty_store):
    """The one pass over every briefing graph (in the store, and in the workers' memory stores) reports the
    same (graph, focus node, path, constraint, value) set as pySHACL run on each graph's own data graph."""
    store, _ = faulty_store
    code, dirty, clean = _shared_code(store)
    store.add(ox.Quad(code, N(SKOS + "notation"), ox.Literal("99999"), N(dirty)))  # maxCount, in one graph only
    briefings = sorted({g.value for g in store.named_graphs() if g.value.startswith(BRIEFING)})
    keys = lambda vs: sorted((v.graph, *map(str, v.key()), v.component) for v in vs)  # noqa: E731
    graph_by_graph = [v for found in validate_graphs(store, briefings, workers=1, engine="pyshacl") for v in found]
    in_store = check_graphs(store, briefings, compile_checks(shapes_graph()), few=0)
    by_workers = validate(store, engine="sparql", workers=2).violations
    assert keys(in_store) == keys(graph_by_graph) == keys(by_workers)
    assert {(v.graph, v.focus) for v in in_store if v.path == SKOS + "notation"} == {(dirty, str(code))}
    assert clean != dirty
    used = {v.component.rsplit("#")[1] for v in in_store}
    assert {"DatatypeConstraintComponent", "MinInclusiveConstraintComponent", "MaxCountConstraintComponent",
            "MinCountConstraintComponent", "SPARQLConstraintComponent", "PatternConstraintComponent",
            "ClassConstraintComponent", "InConstraintComponent", "NodeKindConstraintComponent"} <= used
    mention = [(v.path.rsplit("#")[1], v.component.rsplit("#")[1]) for v in in_store
               if v.focus == f"<{BRIEFING}77013.txt#M1>"]
    assert sorted(mention) == [("line", "MinCountConstraintComponent"), ("relation", "MaxCountConstraintComponent"),
                               ("subjectCode", "MaxCountConstraintComponent"), ("table", "InConstraintComponent")]


def test_the_one_pass_leaves_a_graph_with_its_own_class_axioms_to_itself(faulty_store):
    store, _ = faulty_store
    g = BRIEFING + "77013.txt"
    store.add(ox.Quad(N("http://example.org/Odd"), N("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                      N(KG + "Payer"), N(g)))
    store.add(ox.Quad(N("http://example.org/payer"), RDF_TYPE, N("http://example.org/Odd"), N(g)))  # no label
    briefings = sorted({x.value for x in store.named_graphs() if x.value.startswith(BRIEFING)})
    checks = compile_checks(shapes_graph())
    found = {(v.graph, v.focus) for v in check_graphs(store, briefings, checks, few=0)}
    [by_pyshacl] = validate_graphs(store, [g], workers=1, engine="pyshacl")
    assert (g, "<http://example.org/payer>") in found and "<http://example.org/payer>" in {v.focus for v in by_pyshacl}


@pytest.mark.parametrize("codeset", ["pos", "nucc", "hcpcs-modifiers"])
def test_the_sparql_translation_finds_what_pyshacl_finds_in_a_code_set_graph(real_store, codeset):
    graph = _release(real_store, codeset)
    first = next(real_store.quads_for_pattern(None, N(SKOS + "notation"), None, N(graph))).subject
    planted = _planted(real_store, graph, [
        (first, N(SKOS + "notation"), ox.Literal("second")),
        (first, N(SKOS + "inScheme"), N(KG + "Nowhere")),
        (first, N("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("x", language="en")),
        (N("http://example.org/x"), RDF_TYPE, N(KG + "Modifier")),
        (N("http://example.org/x"), N(SKOS + "notation"), ox.Literal("toolong")),
    ])
    try:
        checks = compile_checks(shapes_graph())
        by_sparql = check_graph(real_store, graph, checks)
        [by_pyshacl] = validate_graphs(real_store, [graph], workers=1)  # pySHACL on a copy of the graph
    finally:
        for q in planted:
            real_store.remove(q)
    assert sorted(map(lambda v: v.key(), by_sparql)) == sorted(map(lambda v: v.key(), by_pyshacl))
    assert {v.focus for v in by_sparql} == {str(first), "<http://example.org/x>"}


def test_a_constraint_the_translation_lacks_is_refused():
    g = shapes_graph() + Graph().parse(data=f"""@prefix sh: <{SH}> .
        <http://s> a sh:NodeShape ; sh:targetClass <{KG}Payer> ; sh:or ( [ sh:path <http://p> ] ) .""",
                                       format="turtle")
    with pytest.raises(ShapesError, match="sh:or"):
        validate(ox.Store(), shapes=g)
    path = Graph().parse(data=f"""@prefix sh: <{SH}> .
        <http://s> sh:targetClass <{KG}Payer> ; sh:property [ sh:path ( <http://p> <http://q> ) ; sh:minCount 1 ] .""",
                         format="turtle")
    with pytest.raises(ShapesError, match="not an IRI"):
        compile_checks(path)


def test_every_component_the_shapes_use_is_translated():
    from rdflib import URIRef

    used = {str(p)[len(SH):] for p in shapes_graph().predicates() if isinstance(p, URIRef) and str(p).startswith(SH)}
    assert used & set(COMPONENTS), used
    compile_checks(shapes_graph())  # raises for any other


def test_the_cli_choices_are_the_registries():
    from kg.cli.audit import validate as command

    choices = {p.name: list(p.type.choices) for p in command.params if hasattr(p.type, "choices")}
    assert choices == {"fmt": list(FORMATS), "engine": list(ENGINES)}


def test_kg_validate_reports_graph_and_node_and_exits_1(faulty_store):
    store, path = faulty_store
    del store
    r = kg("validate", "--format", "json", "--workers", "2", "--store", str(path))
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["conforms"] is False and out["graphs"]["briefing"] == len(list(examples_dir().glob("*.txt")))
    assert {"graph": BRIEFING + "77013.txt", "focusNode": f"<{BRIEFING}77013.txt#L53>"}.items() <= \
        next(x for x in out["results"] if x["focusNode"] == f"<{BRIEFING}77013.txt#L53>"
             and x["sourceConstraintComponent"].endswith("Datatype" + "ConstraintComponent")).items()
    r = kg("validate", "--engine", "pyshacl", "--store", str(path))
    assert r.returncode == 1 and "Conforms: False" in r.stdout and f"Graph: <{BRIEFING}47382.txt>" in r.stdout


def test_validate_bench_smoke(example_store_dir):
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "bench" / "validate_bench.py"
    out = subprocess.run([sys.executable, str(bench), "--store", str(example_store_dir), "--sample", "3",
                          "--workers", "2", "--with-pyshacl"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| `kg validate") or "baseline" in line]
    assert len(rows) == 3 and all("| 0 |" in r for r in rows[:2]) and "Conforms: True" in out.stdout, out.stdout
