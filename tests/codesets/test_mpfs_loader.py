"""Medicare Physician Fee Schedule RVU rows: one entry per code and modifier, with indicators."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, load_mpfs
from kg.codesets.mpfs import entry_iri
from kg.errors import CodeSetError
from kg.vocab import code_iri

KG = "https://w3id.org/codekg/ontology#"


def _value(store, s, p):
    values = [q.object for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(KG + p), None, None)]
    assert len(values) <= 1
    return values[0].value if values else None


def test_counts(reference_store, count):
    assert count(reference_store, "?s a kg:FeeScheduleEntry", current_graph(reference_store, "mpfs")) == 18_664
    assert count(reference_store, "?s kg:feeSchedule ?e", current_graph(reference_store, "mpfs")) == 16_471  # codes
    assert count(reference_store, "?s a kg:ProcedureCode ; skos:notation ?n ; skos:inScheme ?scheme",
                 current_graph(reference_store, "mpfs")) == 16_471


@pytest.mark.parametrize("code, statuses, asst", [
    ("77013", ("C", "A", "C"), "0"),
    ("77012", ("A", "A", "A"), "9"),
    ("76942", ("A", "A", "A"), "0"),
])
def test_spot_values(reference_store, code, statuses, asst):
    for mod, status in zip(("", "26", "TC"), statuses):
        e = entry_iri(code, mod)
        assert _value(reference_store, e, "statusCode") == status
        assert _value(reference_store, e, "assistantSurgeonIndicator") == asst
        assert _value(reference_store, e, "pctcIndicator") == "1"
        assert _value(reference_store, e, "globalDays") == "XXX"
        for indicator in ("multipleProcedureIndicator", "bilateralSurgeryIndicator", "coSurgeonIndicator",
                          "teamSurgeonIndicator"):
            assert _value(reference_store, e, indicator) == "0"
    entries = {q.object.value for q in reference_store.quads_for_pattern(
        ox.NamedNode(code_iri("CPT", code)), ox.NamedNode(KG + "feeSchedule"), None, None)}
    assert entries == {entry_iri(code, m) for m in ("", "26", "TC")}


def test_work_rvu_and_modifier(reference_store):
    e = entry_iri("77013", "26")
    assert e == "https://w3id.org/codekg/mpfs/77013-26"
    (work,) = reference_store.quads_for_pattern(ox.NamedNode(e), ox.NamedNode(KG + "workRVU"), None, None)
    assert (work.object.value, work.object.datatype.value) == ("3.99", "http://www.w3.org/2001/XMLSchema#decimal")
    assert _value(reference_store, e, "withModifier") == code_iri("MOD", "26")
    assert _value(reference_store, entry_iri("77013"), "withModifier") is None
    assert _value(reference_store, entry_iri("G0288"), "statusCode") is not None  # HCPCS codes too


def test_bad_number(tmp_path):
    from kg.codesets.mpfs import COLUMNS

    bad = tmp_path / "pprrvu.csv"
    bad.write_text(",".join(COLUMNS) + "\n77013,,C,NA,1,XXX,0,0,0,0,0\n")
    with pytest.raises(CodeSetError, match=r"pprrvu\.csv:2: work_rvu 'NA' of 77013"):
        load_mpfs(ox.Store(), bad, progress=False)
