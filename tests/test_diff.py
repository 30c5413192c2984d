"""kg diff: the MPFS RVU file of July 2024 (RVU24C) against October 2025 (RVU25D), both kept side by side.

The facts checked row by row were read from the two CMS files with pandas
(keyed by hcpcs + mod); they are facts of the files, not of kg.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.codesets import CODESETS, releases
from kg.diff import counts, diff, render
from kg.errors import CodeSetError
from kg.query import run
from tests.codesets.conftest import DATA

OLD = DATA / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv"
NEW = DATA / "mpfs_pprrvu_2025oct_rvu25d_no_descriptors.csv"


@pytest.fixture(scope="module")
def mpfs():
    """Both releases, the newer loaded first: the older one must not become current."""
    store = ox.Store()
    CODESETS["mpfs"].load(store, NEW, progress=False)
    CODESETS["mpfs"].load(store, OLD, progress=False)
    return store


@pytest.fixture(scope="module")
def changes(mpfs):
    return diff(mpfs, "mpfs")


def test_both_releases_side_by_side_and_the_newer_current(mpfs):
    assert [(r["release"], r["state"], r["valid_from"], r["valid_to"]) for r in releases(mpfs, everything=True)] == [
        ("RVU24C", "superseded", "2024-07-01", "2025-09-30"), ("RVU25D", "current", "2025-10-01", "")]
    assert [r["release"] for r in releases(mpfs)] == ["RVU25D"]
    # a reader sees the current release only
    (row,) = [r for r in run(mpfs, "fee-schedule", code="25310").records() if r["modifier"] == ""]
    assert (row["workRVU"], row["release"]) == ("9", "RVU25D")


def test_known_changes_row_by_row(changes):
    got = {(c.key, c.kind, c.change, c.field): (c.old, c.new) for c in changes}
    entry = "FeeScheduleEntry"
    assert got[("25310", entry, "changed", "workRVU")] == ("8.08", "9")
    assert got[("25447", entry, "changed", "workRVU")] == ("11.14", "10.5")
    assert got[("0528F", entry, "changed", "statusCode")] == ("M", "I")
    assert got[("0416T", entry, "changed", "globalDays")] == ("XXX", "YYY")
    assert got[("0416T", entry, "changed", "multipleProcedureIndicator")] == ("0", "2")
    assert got[("76145", entry, "changed", "pctcIndicator")] == ("0", "3")
    assert got[("74263", entry, "changed", "teamSurgeonIndicator")] == ("9", "0")
    assert got[("76814-26", entry, "changed", "globalDays")] == ("XXX", "ZZZ")
    for key in ("0398T", "0398T-26", "0398T-TC", "0500T"):
        assert got[(key, entry, "removed", "")] == ("", "")
    for key in ("0417T-26", "0417T-TC", "0901T"):
        assert got[(key, entry, "added", "")] == ("", "")
    assert ("0398T", "ProcedureCode", "removed", "") in got  # no row of the code is left
    assert not [c for c in changes if c.key == "77013"]  # unchanged


def test_counts(changes):
    """The counts the README gives (pandas on the two files agrees: 570 rows added, 144 removed)."""
    entries = counts(changes)["FeeScheduleEntry"]
    assert entries == {"added": 570, "removed": 144, "changed": 194, "field changes": 231}
    by_field = {}
    for c in changes:
        if c.kind == "FeeScheduleEntry" and c.change == "changed":
            by_field[c.field] = by_field.get(c.field, 0) + 1
    assert by_field == {"workRVU": 61, "statusCode": 59, "multipleProcedureIndicator": 33, "pctcIndicator": 31,
                        "coSurgeonIndicator": 17, "assistantSurgeonIndicator": 13, "bilateralSurgeryIndicator": 7,
                        "globalDays": 5, "teamSurgeonIndicator": 5}


def test_the_named_query_gives_the_same_rows_per_code(mpfs, changes):
    for code in ("25310", "0416T", "0398T", "0901T", "76814", "77013"):
        rows = run(mpfs, "release-diff", codeset="mpfs", code=code).records()
        assert {r["oldRelease"] for r in rows} <= {"RVU24C"} and {r["newRelease"] for r in rows} <= {"RVU25D"}
        mine = {(r["key"], r["kind"], r["change"], r["field"], r["oldValue"], r["newValue"]) for r in rows
                if r["field"] != "feeSchedule"}
        theirs = {(c.key, c.kind, c.change, c.field, c.old, c.new) for c in changes
                  if (c.key == code or c.key.startswith(code + "-")) and c.field != "feeSchedule"}
        assert mine == theirs, code
    # the other way round, by label
    back = run(mpfs, "release-diff", codeset="mpfs", code="0901T", old="RVU25D", new="RVU24C").records()
    assert {(r["key"], r["change"]) for r in back} == {("0901T", "removed")}


def test_explicit_releases_and_bad_labels(mpfs):
    back = diff(mpfs, "mpfs", "RVU25D", "RVU24C")
    assert counts(back)["FeeScheduleEntry"] == {"added": 144, "removed": 570, "changed": 194, "field changes": 231}
    with pytest.raises(CodeSetError, match="has no release 'RVU23A' loaded; it has RVU24C, RVU25D"):
        diff(mpfs, "mpfs", "RVU23A")
    with pytest.raises(CodeSetError, match="'nucc' has no release loaded"):
        diff(mpfs, "nucc")


def test_formats(changes):
    some = [c for c in changes if c.key in ("25310", "0901T")]
    table = render(some).splitlines()
    assert table[0].split() == ["key", "kind", "change", "field", "old", "new"]
    assert any(line.split() == ["25310", "FeeScheduleEntry", "changed", "workRVU", "8.08", "9"] for line in table)
    csv_text = render(some, "csv")
    assert "25310,FeeScheduleEntry,changed,workRVU,8.08,9" in csv_text.splitlines()
    data = json.loads(render(some, "json"))
    assert {"key": "0901T", "change": "added", "field": "", "old": "", "new": "", "kind": "FeeScheduleEntry"} in \
        data["changes"]
    assert data["counts"]["FeeScheduleEntry"]["added"] == 1
