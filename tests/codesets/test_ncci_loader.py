"""NCCI edits: PTP (radiology subset only: the full file is for bench/), MUE and add-on codes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import graph_iri, load_ncci_addon, load_ncci_ptp, releases
from kg.codesets.ncci import mue_iri, ptp_iri
from kg.errors import CodeSetError
from kg.vocab import code_iri

KG = "https://w3id.org/codekg/ontology#"
PTP = graph_iri("ncci-ptp")


def _objects(store, s, p, graph=None):
    g = ox.NamedNode(graph) if graph else None
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(KG + p), None, g))


def test_counts(reference_store, count):
    assert count(reference_store, "?s a kg:NCCIEdit", PTP) == 39_020
    assert count(reference_store, "?s kg:includedIn ?o", PTP) > 0
    n = next(iter(reference_store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PTP}> {{ ?s kg:includedIn ?o }} }}",
                                        prefixes={"kg": KG})))["n"].value
    assert int(n) == 39_020
    assert count(reference_store, "?s kg:deletionDate ?d", PTP) == 0


@pytest.mark.parametrize("c1, c2, mi", [("77013", "77012", "1"), ("77013", "76940", "1"), ("76942", "77012", "1")])
def test_edits(reference_store, c1, c2, mi):
    e = ptp_iri(c1, c2)
    assert _objects(reference_store, e, "modifierIndicator") == [mi]
    assert _objects(reference_store, e, "column1") == [code_iri("CPT", c1)]
    assert _objects(reference_store, e, "column2") == [code_iri("CPT", c2)]
    assert len(_objects(reference_store, e, "rationale")) == 1
    assert code_iri("CPT", c1) in _objects(reference_store, code_iri("CPT", c2), "includedIn", PTP)


def test_per_edge_triples_are_minimal(reference_store):
    e = ox.NamedNode(ptp_iri("77013", "77012"))
    assert len(list(reference_store.quads_for_pattern(e, None, None, None))) == 5


PTP_HEADER = "column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\n"


def test_deleted_and_repeated_edits(tmp_path):
    path = tmp_path / "ncci_ptp_practitioner_2024q4.csv"
    path.write_text(PTP_HEADER
                    + "0001A,0591T,2023-12-31,1,CPT Manual or CMS manual coding instruction\n"
                    + "0001A,0591T,2023-12-31,1,CPT Manual or CMS manual coding instruction\n"
                    + "0001A,0591T,2019-03-31,0,CPT Manual or CMS manual coding instruction\n"
                    + "G0288,77013,,9,Misuse of Column Two code with Column One code\n")
    store = ox.Store()
    assert load_ncci_ptp(store, path, progress=False).triples == 6
    report = load_ncci_ptp(store, path, release="2024Q4-all", include_deleted=True, progress=False)
    assert report.triples == 6 + 2 * 6  # a deleted edit: its date instead of the direct triple
    assert _objects(store, ptp_iri("0001A", "0591T", "2023-12-31"), "deletionDate") == ["2023-12-31"]
    assert _objects(store, ptp_iri("0001A", "0591T", "2019-03-31"), "modifierIndicator") == ["0"]
    assert _objects(store, code_iri("CPT", "0591T"), "includedIn") == []  # deleted edits bundle nothing
    assert _objects(store, code_iri("CPT", "77013"), "includedIn") == [code_iri("HCPCS", "G0288")]
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


def test_mue(reference_store, count):
    g = graph_iri("ncci-mue")
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
    g = graph_iri("ncci-addon")
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
