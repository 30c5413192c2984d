"""The coder's named queries (ncci-pair, mue, add-on-status, fee-schedule, code-findings) against real code-set rows."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.query import named_queries, run


def _one(results):
    (row,) = results.records()
    return row


@pytest.mark.parametrize("a,b", [("77013", "77012"), ("77012", "77013")])
def test_ncci_pair_either_order_names_column_1(coder_store, a, b):
    row = _one(run(coder_store, "ncci-pair", code=a, other=b))
    assert (row["status"], row["column1"], row["column2"], row["modifierIndicator"]) == ("in force", "77013", "77012",
                                                                                         "1")
    assert row["rationale"] == "Standards of medical/surgical practice"
    assert row["meaning"].startswith("allowed") and row["release"] == "2024Q3" and row["deletionDate"] == ""


@pytest.mark.parametrize("a,b,column1,indicator", [("77013", "32998", "32998", "0"), ("43235", "43239", "43239", "0"),
                                                   ("G0439", "G0438", "G0438", "0")])
def test_ncci_pair_indicator_0(coder_store, a, b, column1, indicator):
    row = _one(run(coder_store, "ncci-pair", code=a, other=b))
    assert (row["column1"], row["modifierIndicator"]) == (column1, indicator)
    assert row["meaning"].startswith("not allowed: no modifier")


def test_ncci_pair_says_no_edit_only_when_a_ptp_release_is_loaded(coder_store, example_store):
    row = _one(run(coder_store, "ncci-pair", code="77013", other="47382"))
    assert (row["status"], row["column1"], row["modifierIndicator"], row["release"]) == ("no edit", "", "", "2024Q3")
    assert run(example_store, "ncci-pair", code="77013", other="77012").rows == []  # no PTP release: nothing said


def test_ncci_pair_deleted_edit(shared_data, tmp_path):
    from kg.codesets import load_ncci_ptp

    path = tmp_path / "ncci_ptp_practitioner_2024q3.csv"
    path.write_text("column_1,column_2,deletion_date,modifier_indicator,ptp_edit_rationale\n"
                    "47383,77013,2015-01-01,9,CPT Manual or CMS manual coding instruction\n"
                    "77013,77012,,1,Standards of medical/surgical practice\n")
    store = ox.Store()
    load_ncci_ptp(store, path, progress=False, include_deleted=True)
    row = _one(run(store, "ncci-pair", code="77013", other="47383"))
    assert (row["status"], row["column1"], row["column2"], row["modifierIndicator"], row["deletionDate"]) == (
        "deleted", "47383", "77013", "9", "2015-01-01")
    assert row["meaning"].startswith("not applicable")
    assert _one(run(store, "ncci-pair", code="77012", other="77013"))["status"] == "in force"


def test_mue(coder_store):
    row = _one(run(coder_store, "mue", code="77013"))
    assert (row["service"], row["units"], row["adjudicationIndicator"]) == ("Practitioner", "1", "3")
    assert row["meaning"].startswith("date of service edit (clinical)")
    assert run(coder_store, "mue", code="99999").rows == []


def test_add_on_status(coder_store, example_store):
    rows = run(coder_store, "add-on-status", code="22552").records()
    (row,) = [r for r in rows if r["status"] == "add-on code"]  # 22552 is also the primary of other add-ons
    assert (row["status"], row["addOn"], row["primary"], row["editType"]) == ("add-on code", "22552", "22551", "1")
    assert row["meaning"] == "paid only with one of the listed primary codes"
    primaries = run(coder_store, "add-on-status", code="22551").records()
    assert "22552" in {r["addOn"] for r in primaries} and {r["status"] for r in primaries} == {"primary code"}
    assert _one(run(coder_store, "add-on-status", code="77013"))["status"] == "not an add-on"
    assert run(example_store, "add-on-status", code="22552").rows == []  # no add-on list loaded


def test_fee_schedule(coder_store):
    rows = {r["modifier"]: r for r in run(coder_store, "fee-schedule", code="77013").records()}
    assert set(rows) == {"", "26", "TC"}
    g = rows[""]
    assert (g["status"], g["pctc"], g["globalDays"], g["assistant"], g["coSurgeon"]) == ("C", "1", "XXX", "0", "0")
    assert rows["26"]["workRVU"] == "3.99" and g["release"] == "RVU24C"
    assert _one(run(coder_store, "fee-schedule", code="47382"))["assistant"] == "1"


def test_code_findings_by_the_briefing_subject(coder_store):
    """The 77013 briefing has 12 findings (labels, codes, modifiers); code-findings by subject returns them all."""
    rows = run(coder_store, "code-findings", code="77013").records()
    assert len(rows) == 12
    assert {r["file"] for r in rows} == {"77013.txt"}
    assert {r["written"] for r in rows if r["where"] == "names it"} == {"62", "78", "80", "QK", "QX"}
    assert {r["written"] for r in rows} == {"62", "78", "80", "QK", "QX", "2086P0205X", "207K00000X", "363L00000X",
                                            "363A00000X", "K75.2", "74350", "10022"}


def test_code_findings_by_the_code_named(coder_store):
    (row,) = run(coder_store, "code-findings", code="K75.2").records()
    assert (row["where"], row["kind"], row["file"], row["line"]) == ("names it", "label-mismatch", "77013.txt", "45")


def test_the_new_queries_are_listed():
    assert {"ncci-pair", "mue", "add-on-status", "fee-schedule", "code-findings"} <= set(named_queries())
    assert not any(name.startswith("show-") or name == "official-labels" for name in named_queries())
