"""What every code-set load shares: release labels, the release node, interrupted loads, the registry."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import CODESETS, LOADERS, CodeSet, current_graph, graph_iri, load, load_pos, releases
from kg.codesets.release import guess_release
from kg.errors import CodeSetError

KG = "https://w3id.org/codekg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.mark.parametrize("name, release", [
    ("nucc_taxonomy_251.csv", None),  # NUCC's own scheme is read in kg.codesets.nucc
    ("hcpcs_level2_2025oct.csv", "2025-10"),
    ("HCPC2026_JAN_ANWEB.txt", "2026-01"),
    ("ncci_ptp_practitioner_2024q3.csv.gz", "2024Q3"),
    ("mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv", "RVU24C"),
    ("ncci_addon_code_edits_2024-06.csv", "2024-06"),
    ("icd10c-tabular-April-1-2026.xml", "2026-04-01"),
    ("modifiers_cpt_hcpcs_northstar_2024.csv", "2024"),
    ("place_of_service_codes_cms.csv", None),
])
def test_guess_release(name, release):
    assert guess_release(name) == release


def test_registry_names_the_graphs(reference_store):
    assert list(CODESETS) == ["ccsr", "cpt", "cpt-modifiers", "hcc", "hcpcs", "hcpcs-modifiers", "icd10cm", "mpfs",
                              "ncci-addon", "ncci-mue", "ncci-ptp", "ncci-ptp-hospital", "nucc", "pos"]
    assert list(LOADERS) == list(CODESETS)
    assert all(cs.name == name and cs.graph == graph_iri(name) for name, cs in CODESETS.items())
    loaded = {r["name"] for r in releases(reference_store)}
    assert loaded == set(CODESETS) - {"icd10cm", "cpt", "ncci-ptp-hospital", "ccsr", "hcc"}  # own tests
    graphs = {g.value for g in reference_store.named_graphs()}
    assert {r["graph"] for r in releases(reference_store)} <= graphs
    assert all(r["graph"].startswith(graph_iri(r["name"]) + "/") for r in releases(reference_store))


def test_release_counts_match_the_graph(reference_store):
    sizes = {row["g"].value: int(row["n"].value) for row in reference_store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    for r in releases(reference_store):
        g = ox.NamedNode(r["graph"])
        own = len(list(reference_store.quads_for_pattern(g, None, None, g)))  # the release node's triples
        assert 0 < sizes[g.value] - own <= int(r["triples"]), r["name"]  # repeated quads are stored once


def test_interrupted_load_is_reloaded(tmp_path, data_dir):
    store = ox.Store()
    path = data_dir / "place_of_service_codes_cms.csv"
    load_pos(store, path, progress=False)
    g = ox.NamedNode(current_graph(store, "pos"))
    for p in ("sha256", "tripleCount"):  # what a crash between writing the codes and the marker leaves
        for q in list(store.quads_for_pattern(g, ox.NamedNode(KG + p), None, g)):
            store.remove(q)
    store.remove(ox.Quad(g, ox.NamedNode(RDF_TYPE), ox.NamedNode(KG + "CodeSetRelease"), g))
    assert releases(store) == []
    report = load_pos(store, path, progress=False)
    assert not report.skipped
    assert len(list(store.quads_for_pattern(None, ox.NamedNode(KG + "facilityType"), None, g))) == 52


def test_load_checks_names_before_loading(data_dir):
    store = ox.Store()
    with pytest.raises(CodeSetError, match="unknown code set 'nope'"):
        load(store, {"pos": data_dir / "place_of_service_codes_cms.csv", "nope": data_dir / "x.csv"})
    with pytest.raises(CodeSetError, match="'nucc' needs a file"):
        load(store, {"nucc": None})
    assert list(store.named_graphs()) == []


def test_missing_file(tmp_path):
    with pytest.raises(CodeSetError, match="no such code-set file"):
        load_pos(ox.Store(), tmp_path / "nope.csv")


def test_every_kg_term_written_is_declared(reference_store):
    from rdflib import RDFS, Graph, URIRef
    from rdflib.namespace import SKOS

    from kg.store import ontology_dir

    ontology = Graph().parse(ontology_dir() / "kg.ttl", format="turtle")
    properties = {r["p"].value for r in reference_store.query("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }")}
    classes = {r["c"].value for r in reference_store.query(
        "SELECT DISTINCT ?c WHERE { GRAPH ?g { ?s a ?c } }")}
    for term in sorted(t for t in properties | classes if t.startswith(KG)):
        declared = {p for p, _ in ontology.predicate_objects(URIRef(term))}
        assert {RDFS.label, SKOS.definition} <= declared, term
        if term in properties:
            assert {RDFS.domain, RDFS.range} <= declared, term


def test_a_code_set_names_code_systems_of_the_model():
    quads = lambda source, g: iter(())  # noqa: E731
    with pytest.raises(ValueError, match="'CPTX' is not a code system"):
        CodeSet("x", "X", systems=("CPTX",), columns=("code",), quads=quads)
    with pytest.raises(ValueError, match="'PAYER' is not a code system"):  # payers are not a code set
        CodeSet("x", "X", systems=("PAYER",), columns=("code",), quads=quads)
    with pytest.raises(TypeError, match="exactly one of quads and nquads"):
        CodeSet("x", "X", systems=("CPT",), columns=("code",))
    with pytest.raises(AttributeError):
        CodeSet("x", "X", systems=("CPT",), columns=("code",), quads=quads, scheme="NOPE")


def test_every_release_node_names_its_code_systems(reference_store):
    q = "SELECT ?g ?s WHERE { GRAPH ?g { ?g kg:codeSystem ?s } }"
    found: dict[str, set[str]] = {}
    for r in reference_store.query(q, prefixes={"kg": KG}):
        found.setdefault(r["g"].value.split("/codeset/", 1)[1].split("/")[0], set()).add(r["s"].value.rsplit("#", 1)[1])
    assert found["nucc"] == {"NUCC"} and found["hcpcs"] == {"HCPCS", "MOD"}
    assert found["ncci-ptp"] == {"NCCI"} and found["mpfs"] == {"MPFS"}
    assert found == {name: set(CODESETS[name].release_schemes) for name in found}


def test_a_file_of_the_wrong_shape_leaves_the_release_loaded(tmp_path, data_dir):
    store = ox.Store()
    load_pos(store, data_dir / "place_of_service_codes_cms.csv", progress=False)
    wrong = tmp_path / "pos_2026.csv"
    wrong.write_text("code,name\n11,Office\n")
    with pytest.raises(CodeSetError, match=r"pos_2026\.csv:1: missing column 'pos_code'"):
        load_pos(store, wrong, progress=False)
    assert [r["file"] for r in releases(store)] == ["place_of_service_codes_cms.csv"]


def test_the_readme_says_where_to_get_every_code_set():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Official code sets: where to get them", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().split()[0].strip("`"): line for line in section.splitlines()
            if line.startswith("| `--")}
    assert sorted(rows) == sorted(f"--{name}" for name in CODESETS)
