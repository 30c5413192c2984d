"""NCCI edits: PTP (radiology subset only: the full file is for bench/), MUE and add-on codes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, graph_iri, load_ncci_addon, load_ncci_ptp, releases
from kg.codesets.ncci import mue_iri, ptp_iri
from kg.errors import CodeSetError
from kg.vocab import code_iri
from kg.codesets.release import file_sha256
from tests.codesets.conftest import DATA

KG = "https://w3id.org/codekg/ontology#"
PTP = graph_iri("ncci-ptp", "2024Q3", file_sha256(DATA / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv"))


def _objects(store, s, p, graph=None):
    g = ox.NamedNode(graph) if graph else None
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(KG + p), None, g))


def _in_force(store) -> list[tuple[str, str, str, str]]:
    """(column 1, column 2, modifier indicator, rationale) of every edit in force in the PTP graph."""
    q = f"""SELECT ?a ?b ?mi ?why WHERE {{ GRAPH <{PTP}> {{
              ?rule a kg:NCCIEditRule ; kg:modifierIndicator ?mi . OPTIONAL {{ ?rule kg:rationale ?why }}
              ?b ?rule ?a }} }}"""
    return sorted((r["a"].value.rsplit("/", 1)[1], r["b"].value.rsplit("/", 1)[1], r["mi"].value,
                   r["why"].value if r["why"] else "") for r in store.query(q, prefixes={"kg": KG}))


def test_counts(reference_store, count, data_dir):
    import csv

    edits = _in_force(reference_store)
    assert len(edits) == 39_020
    with open(data_dir / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv", newline="", encoding="utf-8") as f:
        expected = sorted((r["column_1"], r["column_2"], r["modifier_indicator"], r["ptp_edit_rationale"])
                          for r in csv.DictReader(f) if not r["deletion_date"])
    assert edits == expected
    assert count(reference_store, "?s kg:deletionDate ?d", PTP) == 0
    assert count(reference_store, "?s a kg:NCCIEdit", PTP) == 0


@pytest.mark.parametrize("c1, c2, mi", [("77013", "77012", "1"), ("77013", "76940", "1"), ("76942", "77012", "1")])
def test_edits(reference_store, c1, c2, mi):
    rules = [q.predicate.value for q in reference_store.quads_for_pattern(ox.NamedNode(code_iri("CPT", c2)), None, ox.NamedNode(code_iri("CPT", c1)), ox.NamedNode(PTP))]
    assert len(rules) == 1
    (rule,) = rules
    assert rule.startswith("https://w3id.org/codekg/ncci/ptp/rule/" + mi + "/")
    assert _objects(reference_store, rule, "modifierIndicator") == [mi]
    assert len(_objects(reference_store, rule, "rationale")) == 1
    assert _objects(reference_store, rule, "NCCIEditRule") == []
    sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
    assert [q.object.value for q in reference_store.quads_for_pattern(ox.NamedNode(rule), sub, None, None)] == [
        KG + "includedIn"]


def test_an_edit_in_force_is_one_triple(reference_store):
    b = ox.NamedNode(code_iri("CPT", "77012"))
    a = ox.NamedNode(code_iri("CPT", "77013"))
    assert len(list(reference_store.quads_for_pattern(b, None, a, ox.NamedNode(PTP)))) == 1


def test_ncci_edits_named_query(reference_store):
    from kg.query import run

    rows = run(reference_store, "ncci-edits", code="77013").records()
    into = [r for r in rows if r["direction"] == "includes (column 2)"]
    assert {"other": "77012", "modifierIndicator": "1"}.items() <= next(r for r in into if r["other"] == "77012").items()
    assert all(r["release"] == "2024Q3" and r["rationale"] for r in rows)


PTP_HEADER = "column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\n"


def test_deleted_and_repeated_edits(tmp_path):
    path = tmp_path / "ncci_ptp_practitioner_2024q4.csv"
    path.write_text(PTP_HEADER
                    + "0001A,0591T,2023-12-31,1,CPT Manual or CMS manual coding instruction\n"
                    + "0001A,0591T,2023-12-31,1,CPT Manual or CMS manual coding instruction\n"
                    + "0001A,0591T,2019-03-31,0,CPT Manual or CMS manual coding instruction\n"
                    + "G0288,77013,,9,Misuse of Column Two code with Column One code\n")
    store = ox.Store()
    assert load_ncci_ptp(store, path, progress=False).triples == 1 + 5  # the edit in force and its rule
    report = load_ncci_ptp(store, path, release="2024Q4-all", include_deleted=True, progress=False)
    assert report.triples == 1 + 5 + 2 * 6  # a deleted edit is a node of six triples
    assert _objects(store, ptp_iri("0001A", "0591T", "2023-12-31"), "deletionDate") == ["2023-12-31"]
    assert _objects(store, ptp_iri("0001A", "0591T", "2019-03-31"), "modifierIndicator") == ["0"]
    assert _objects(store, ptp_iri("0001A", "0591T", "2019-03-31"), "column2") == [code_iri("CPT", "0591T")]
    # deleted edits bundle nothing: the only rule triple is the edit in force
    g = ox.NamedNode(current_graph(store, "ncci-ptp"))
    assert [(q.subject.value, q.object.value) for q in store.quads_for_pattern(None, None, None, g)
            if q.predicate.value.startswith("https://w3id.org/codekg/ncci/ptp/rule/")] == [
        (code_iri("CPT", "77013"), code_iri("HCPCS", "G0288"))]
    assert [r["release"] for r in releases(store)] == ["2024Q4-all with deleted edits"]
    assert not load_ncci_ptp(store, path, progress=False).skipped  # the same file without them
    assert load_ncci_ptp(store, path, progress=False).skipped


def test_bad_modifier_indicator(tmp_path):
    path = tmp_path / "ptp.csv"
    path.write_text(PTP_HEADER + "77013,77012,,1,x\n77013,76940,,2,x\n")
    with pytest.raises(CodeSetError, match=r"ptp\.csv:3: modifier_indicator '2'"):
        load_ncci_ptp(ox.Store(), path, progress=False)


def test_gzip_file(tmp_path):
    import gzip

    path = tmp_path / "ptp.csv.gz"
    with gzip.open(path, "wt", newline="") as f:
        f.write(PTP_HEADER + "77013,77012,,1,Misuse of Column Two code with Column One code\r\n")
    store = ox.Store()
    assert load_ncci_ptp(store, path, progress=False).triples == 6


def test_literals_with_quotes_and_backslashes_load(tmp_path):
    path = tmp_path / "ptp.csv"
    path.write_text(PTP_HEADER + '77013,77012,,0,"A ""quoted"" \\ rationale"\n', encoding="utf-8")
    store = ox.Store()
    load_ncci_ptp(store, path, progress=False)
    (rule,) = {q.predicate.value for q in store.quads_for_pattern(ox.NamedNode(code_iri("CPT", "77012")), None, None)}
    assert _objects(store, rule, "rationale") == ['A "quoted" \\ rationale']


def test_mue(reference_store, count):
    g = current_graph(reference_store, "ncci-mue")
    assert count(reference_store, "?s a kg:MedicallyUnlikelyEdit", g) == 14_677
    mue = mue_iri("77013")
    assert mue == "https://w3id.org/codekg/ncci/mue/practitioner/77013"
    assert _objects(reference_store, code_iri("CPT", "77013"), "mue") == [mue]
    assert _objects(reference_store, mue, "mueService") == ["Practitioner"]
    (units,) = reference_store.quads_for_pattern(ox.NamedNode(mue), ox.NamedNode(KG + "mueUnits"), None, None)
    assert units.object.datatype.value == "http://www.w3.org/2001/XMLSchema#integer"
    assert int(units.object.value) >= 1
    assert _objects(reference_store, mue_iri("0002M"), "mueAdjudicationIndicator") == ["3"]


def test_addon(reference_store, count):
    g = current_graph(reference_store, "ncci-addon")
    assert count(reference_store, "?s kg:addOnCode true", g) == 668
    # CCCCC ("any primary") is flagged but gives no edge
    assert _objects(reference_store, code_iri("CPT", "0054T"), "addOnTo", g) == []
    assert _objects(reference_store, code_iri("CPT", "0054T"), "addOnEditType", g) == ["2"]
    assert code_iri("CPT", "0070U") in _objects(reference_store, code_iri("CPT", "0071U"), "addOnTo", g)
    assert not any("CCCCC" in q.object.value for q in reference_store.quads_for_pattern(
        None, ox.NamedNode(KG + "addOnTo"), None, ox.NamedNode(g)))


def test_addon_missing_column(tmp_path):
    path = tmp_path / "aoc.csv"
    path.write_text("primary_code,add_on_code\n22551,22552\n")
    with pytest.raises(CodeSetError, match=r"aoc\.csv:1: missing column 'aoc_edit_type'"):
        load_ncci_addon(ox.Store(), path, progress=False)


def _head(src, dest, n: int, keep=lambda row: True) -> None:
    """The header and the first ``n`` kept rows of a real (gzipped) PTP file, under the real file's name."""
    import gzip
    import itertools

    with gzip.open(src, "rt", encoding="utf-8", newline="") as f, gzip.open(dest, "wt", encoding="utf-8", newline="") as out:
        out.write(f.readline())
        out.writelines(itertools.islice((line for line in f if keep(line)), n))


def _real_pair(tmp_path, data_dir, n=3000):
    """The first edits of the real practitioner and outpatient hospital 2024Q3 files."""
    prac, hosp = tmp_path / "ncci_ptp_practitioner_2024q3.csv.gz", tmp_path / "ncci_ptp_outpatient_hospital_2024q3.csv.gz"
    _head(data_dir / "ncci_ptp_practitioner_2024q3.csv.gz", prac, n)
    _head(data_dir / "ncci_ptp_outpatient_hospital_2024q3.csv.gz", hosp, n)
    return prac, hosp


def test_both_ptp_contexts_side_by_side(tmp_path, data_dir):
    from kg.codesets import load_ncci_ptp_hospital

    prac, hosp = _real_pair(tmp_path, data_dir)
    store = ox.Store()
    p = load_ncci_ptp(store, prac, progress=False)
    h = load_ncci_ptp_hospital(store, hosp, progress=False)
    ptp, hospital = current_graph(store, "ncci-ptp"), current_graph(store, "ncci-ptp-hospital")
    assert (p.graph, p.context, h.graph, h.context) == (ptp, "practitioner", hospital, "hospital")
    assert {(r["name"], r["context"], r["release"]) for r in releases(store)} == {
        ("ncci-ptp", "practitioner", "2024Q3"), ("ncci-ptp-hospital", "hospital", "2024Q3")}
    # the hospital load left the practitioner release whole
    own = len(list(store.quads_for_pattern(ox.NamedNode(ptp), None, None, ox.NamedNode(ptp))))  # the release node
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(ptp)))) - own == p.triples
    assert _objects(store, ptp, "context", ptp) == ["practitioner"]
    assert _objects(store, hospital, "context", hospital) == ["hospital"]
    # both loaded again: each skipped, neither replaces the other
    assert load_ncci_ptp(store, prac, progress=False).skipped
    assert load_ncci_ptp_hospital(store, hosp, progress=False).skipped


def test_a_file_of_the_other_context_is_refused(tmp_path, data_dir):
    from kg.codesets import load_ncci_ptp_hospital

    prac, hosp = _real_pair(tmp_path, data_dir, n=10)
    store = ox.Store()
    load_ncci_ptp(store, prac, progress=False)
    with pytest.raises(CodeSetError, match="file name says hospital edits.*load it as 'ncci-ptp-hospital'"):
        load_ncci_ptp(store, hosp, progress=False)
    with pytest.raises(CodeSetError, match="file name says practitioner edits.*load it as 'ncci-ptp'"):
        load_ncci_ptp_hospital(store, prac, progress=False)
    assert [r["file"] for r in releases(store)] == [prac.name]


def test_ncci_edits_query_takes_the_context(tmp_path, data_dir):
    from kg.codesets import load
    from kg.query import run

    # the edits of 77013 in each context: only the pairs in one of the two files, and their indicators
    prac, hosp = tmp_path / "ncci_ptp_practitioner_2024q3.csv.gz", tmp_path / "ncci_ptp_outpatient_hospital_2024q3.csv.gz"
    has_77013 = lambda line: line.startswith("77013,")  # noqa: E731
    _head(data_dir / "ncci_ptp_practitioner_2024q3.csv.gz", prac, 10_000, has_77013)
    _head(data_dir / "ncci_ptp_outpatient_hospital_2024q3.csv.gz", hosp, 10_000, has_77013)
    store = ox.Store()
    load(store, {"ncci-ptp": prac, "ncci-ptp-hospital": hosp}, progress=False)

    def active(path):
        import csv
        import gzip

        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            return {(r["column_2"], r["modifier_indicator"]) for r in csv.DictReader(f) if not r["deletion_date"]}

    def edits(**context):
        return {(r["other"], r["modifierIndicator"]) for r in run(store, "ncci-edits", code="77013", **context).records()
                if r["direction"] == "includes (column 2)"}

    assert edits() == edits(context="practitioner") == active(prac)
    assert edits(context="hospital") == active(hosp)
    assert active(prac) and active(hosp)
    assert edits(context="dme") == set()


def test_add_ons_query_shows_the_official_edges(reference_store):
    """kg query add-ons -p code=22552: its primary (22551) and its own add-ons, from the real NCCI add-on file."""
    from kg.query import run

    rows = run(reference_store, "add-ons", code="22552").records()
    official = [r for r in rows if r["source"] and "/codeset/ncci-addon/" in r["source"]]
    assert ("primary", "22551") in {(r["role"], r["other"]) for r in official}
    assert {"20930", "20936", "22840"} <= {r["other"] for r in official if r["role"] == "add-on"}
    assert all(r["line"] is None for r in official)  # a release, not a briefing line
    # an add-on listed for "any primary" (CCCCC) has no primary edge to show
    assert not [r for r in run(reference_store, "add-ons", code="0054T").records() if r["role"] == "primary"]
