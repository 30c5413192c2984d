"""No silent row loss (issue 21, item 1): every table line of a briefing is read, skipped as N/A, or reported.

A blank line inside a table does not end it; rows under a missing header line
are read when their shape says which table they belong to; the lines of a
table kg does not know are reported with their line numbers. A hypothesis test
builds briefings with blank lines, missing headers, N/A rows and unknown tables
and checks that the rows written to the graph are the table rows of the text
minus those reported (and minus the N/A rows, which say there is nothing).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import BriefingParseError
from kg.examples import examples_dir
from kg.parse import RowCounts, parse_file, parse_text
from kg.to_rdf import briefing_triples

REAL = examples_dir() / "77013.txt"


def _with_blank_before(text: str, row_start: str) -> str:
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith(row_start))
    return "\n".join(lines[:i] + [""] + lines[i:])


def test_blank_line_inside_the_77013_modifier_table_keeps_all_14_modifiers():
    whole = parse_file(REAL)
    text = _with_blank_before(REAL.read_text(encoding="utf-8"), "52 |")
    b = parse_text(text, "77013.txt")
    assert len(whole.modifiers) == 14
    assert [r.code for r in b.modifiers] == [r.code for r in whole.modifiers]
    assert b.row_counts == RowCounts(whole.row_counts.read, 0, 0) and b.unread_rows == ()


def test_several_blank_lines_inside_every_table():
    text = REAL.read_text(encoding="utf-8")
    for start in ("53 |", "TC |", "207K00000X |", "C78.7 |", "10022 |"):
        text = _with_blank_before(_with_blank_before(text, start), start)
    b = parse_text(text, "77013.txt")
    assert b.row_counts == parse_file(REAL).row_counts


def test_rows_under_a_missing_header_are_read_by_their_code_shape():
    text = REAL.read_text(encoding="utf-8")
    text = text.replace("| ICD-10 Code | Description | Clinical Relevance |\n|---|---|---|\n", "")
    text = text.replace("| Taxonomy Code | Specialty | Notes |\n|---|---|---|\n", "\n")
    b = parse_text(text, "77013.txt")
    whole = parse_file(REAL)
    assert [r.code for r in b.diagnoses] == [r.code for r in whole.diagnoses]
    assert [(r.code, r.description, r.note) for r in b.taxonomies] == [
        (r.code, r.description, r.note) for r in whole.taxonomies]
    assert b.unread_rows == ()


def test_rows_of_a_table_kg_does_not_know_are_reported_with_their_lines():
    text = ("CPT 77013: CT guidance\n| Payer | Policy |\n|---|---|\n| Aetna | Covered |\n| N/A | N/A |\n"
            "| Cigna | Prior authorization |\n\n| Humana | Covered |\n")
    b = parse_text(text, "77013.txt")
    assert [(u.line, u.text) for u in b.unread_rows] == [
        (4, "| Aetna | Covered |"), (6, "| Cigna | Prior authorization |"), (8, "| Humana | Covered |")]
    assert b.unread_rows[0].reason == "in a table kg does not know (header on line 2)"
    assert b.skipped_rows == (5,) and b.row_counts == RowCounts(0, 1, 3)


def test_a_headerless_row_that_does_not_fit_is_reported_not_an_error():
    text = "CPT 77013: CT guidance\n\n| 26 | Professional component | Reading only |\n| 2 | Two |\n"
    b = parse_text(text, "77013.txt")
    assert [r.code for r in b.modifiers] == ["26"]
    assert [u.line for u in b.unread_rows] == [4] and "expected 3" in b.unread_rows[0].reason


def test_a_row_that_breaks_a_table_with_a_header_is_still_an_error():
    text = "CPT 77013: CT guidance\n| Modifier | Description | When to Use |\n|---|---|---|\n26 | A | B |\n\n52 | C |\n"
    b = parse_text(text, "77013.txt")  # "52 | C" does not fit the modifier table: a two-cell modifier table
    assert [r.code for r in b.modifiers] == ["26", "52"]
    with pytest.raises(BriefingParseError, match=r"x.txt:7: modifier table row has 2 cells, expected 3 as in the header on line 2"):
        parse_text(text.replace("52 | C |", "52 | C | D |\n53 | E |"), "x.txt")


# --------------------------------------------------------------------------
# the accounting, fuzzed

_TABLES = {  # header, codes
    "modifiers": (["Modifier", "Description", "When to Use"], ["26", "52", "53", "59", "TC", "XS", "LT", "RT"]),
    "taxonomies": (["Taxonomy Code", "Specialty", "Notes"], ["2086P0205X", "207K00000X", "363L00000X", "207L00000X"]),
    "diagnoses": (["ICD-10 Code", "Description", "Clinical Relevance"], ["C22.0", "C78.7", "K75.2", "D02.20", "U07.1"]),
    "procedures": (["CPT Code", "Description", "Relationship to This Procedure"], ["74350", "10022", "49405", "G0288"]),
}


@st.composite
def _briefing(draw):
    """(text, table row lines, row lines of unknown tables) of a briefing with damaged tables."""
    lines = ["CPT 77013: CT guidance", "Key payers covered in this analysis include Aetna."]
    rows: list[int] = []
    unknown: list[int] = []
    names = draw(st.lists(st.sampled_from(sorted(_TABLES)), unique=True, max_size=4))
    for name in names:
        header, codes = _TABLES[name]
        lines.append(draw(st.sampled_from(["", "Related codes"])))
        if draw(st.booleans()):  # the header line is there (a missing header goes with its separator)
            lines += ["| " + " | ".join(header) + " |", "|---|---|---|"]
        for k, code in enumerate(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=len(codes), unique=True))):
            if k and draw(st.integers(0, 3)) == 0:
                lines += [""] * draw(st.integers(1, 2))  # blank lines inside the table
            if draw(st.integers(0, 5)) == 0:
                lines.append("| N/A | N/A | N/A |")
                rows.append(len(lines))
            lines.append(f"{code} | row {k} of {name} | note {k}, for this procedure. |")
            rows.append(len(lines))
    if draw(st.booleans()):  # a table kg does not know
        lines.append("")
        separated = draw(st.booleans())
        lines.append("| Payer | Policy |")
        if separated:
            lines.append("|---|---|")
        else:
            rows.append(len(lines))
            unknown.append(len(lines))
        for k in range(draw(st.integers(1, 3))):
            lines.append(f"| Payer {k} | Policy {k} |")
            rows.append(len(lines))
            unknown.append(len(lines))
    return "\n".join(lines) + "\n", rows, unknown


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_briefing())
def test_rows_written_are_the_table_rows_minus_those_reported(case):
    text, rows, unknown = case
    b = parse_text(text, "77013.txt")
    read, skipped, reported = b.row_counts
    assert read + skipped + reported == len(rows)
    assert [u.line for u in b.unread_rows] == unknown  # only the unknown table is reported
    doc, triples = briefing_triples(b)
    written = {int(m.group(1)) for s, _, _ in triples if (m := re.fullmatch(re.escape(doc) + r"#L(\d+)", s))}
    assert written == set(rows) - {u.line for u in b.unread_rows} - set(b.skipped_rows)
    assert len(written) == read
