"""The columnar code-set reader (kg.codesets.table.columns) gives what the row reader gives, or leaves the file to it;
and the NCCI PTP edits made column by column are the bytes made row by row."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.codesets.ncci as ncci
from kg.codesets.codeset import Source
from kg.codesets.ncci import NCCI_PTP, PTP_COLUMNS, _ptp_in_force, _ptp_nquads
from kg.codesets.release import CHUNK
from kg.codesets.table import columns, rows
from kg.errors import CodeSetError
from tests.codesets.conftest import DATA

# what CSV files go wrong with, mixed with ordinary text
_CELL = st.text(alphabet=st.sampled_from(list('ab1 ,"\t\r\n\x1c\u00e9\u00a0-')), max_size=6)
_ROW = st.lists(_CELL, min_size=0, max_size=4)


def _csv(header: list[str], body: list[list[str]], sep: str, quote_all: bool, end: str) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if quote_all and '"' not in v else v

    return end.join([sep.join(header)] + [sep.join(cell(v) for v in r) for r in body]) + end


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(_ROW, max_size=6), sep=st.sampled_from([",", "\t"]), quote_all=st.booleans(),
       end=st.sampled_from(["\n", "\r\n"]), bom=st.booleans(), gz=st.booleans())
def test_the_columnar_reader_gives_what_the_row_reader_gives(tmp_path_factory, body, sep, quote_all, end, bom, gz):
    path = tmp_path_factory.mktemp("t") / ("t.csv.gz" if gz else "t.csv")
    text = ("\ufeff" if bom else "") + _csv(["a", " b ", "c"], body, sep, quote_all, end)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    wanted = ["c", "a"]
    table = columns(path, wanted)
    try:
        expected = [values for _, values in rows(path, wanted)]
    except CodeSetError:
        assert table is None  # the row reader names the line of what is wrong
        return
    if table is not None:
        assert [tuple(r.values()) for r in table.to_pylist()] == expected


@pytest.mark.parametrize("text, gz", [
    ("a, b \n 1 ,x\n2,\n", False),  # padding, an empty value
    ('\ufeffa\tb\r\n"1,2"\t" y "\r\n\r\n3\tz\r\n', False),  # a byte-order mark, tabs, CR LF, quotes, a blank line
    ("b,a,c\n1,2,3\n" * 3, True),  # gzip, other columns
])
def test_well_formed_files_are_read_by_columns(tmp_path, text, gz):
    path = tmp_path / ("t.csv.gz" if gz else "t.csv")
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    table = columns(path, ["a", "b"])
    assert table is not None
    assert [tuple(r.values()) for r in table.to_pylist()] == [values for _, values in rows(path, ["a", "b"])]


@pytest.mark.parametrize("text", [
    "a,b\n1\n",  # too short
    "a,b\n1,2,3\n",  # too wide (the row reader takes it)
    "a,a\n1,2\n",  # a column named twice
    "a,b\n1,caf\u00e9\n",  # beyond ASCII
    'a,b\n1,"say ""x"""\n',  # a quote in a value
    '"a",b\n1,2\n',  # a quoted header
    "x,y\n1,2\n",  # a column missing
    "",  # empty
])
def test_files_left_to_the_row_reader(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    assert columns(path, ["a", "b"]) is None


def test_a_file_that_is_not_text_is_left_to_the_row_reader(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n" * 1000)[:-12])  # truncated
    assert columns(path, ["a", "b"]) is None
    path.write_bytes(b"a,b\n\x00\xff,2\n")
    assert columns(path, ["a", "b"]) is None


def _both(path: Path, monkeypatch) -> tuple[list, list]:
    source = Source(NCCI_PTP, path, {})
    fast = _ptp_in_force(source, "http://g")
    assert fast is not None
    with monkeypatch.context() as m:
        m.setattr(ncci, "_ptp_in_force", lambda s, g: None)
        slow = list(_ptp_nquads(source, "http://g"))
    return list(fast), slow


def test_ptp_edits_made_by_columns_are_the_bytes_made_row_by_row(monkeypatch):
    fast, slow = _both(DATA / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv", monkeypatch)
    assert fast == slow
    assert sum(n for _, n in fast) > 39_020 and sum(d.count(b"\n") for d, _ in fast) == sum(n for _, n in fast)


_PTP_ROW = st.tuples(st.sampled_from(["77013", "77012", "0001A", "C9751", "J1100"]),
                     st.sampled_from(["77012", "76942", "0591T", "G0463"]),
                     st.sampled_from(["", "", "", "2019-12-31"]), st.sampled_from(["0", "1", "9"]),
                     st.sampled_from(["", "Misuse of Column Two code with Column One code", "Mutually exclusive "
                                      "procedures", "CPT Manual or CMS manual coding instruction"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_PTP_ROW, max_size=40), gz=st.booleans())
def test_ptp_edits_by_columns_equal_row_by_row_with_repeats_and_deletions(tmp_path_factory, monkeypatch, edits, gz):
    edits = sorted(edits, key=lambda e: e[0])  # CMS files keep each column 1 code's edits together
    text = ",".join(PTP_COLUMNS) + "\n" + "".join(",".join(e) + "\n" for e in edits)
    path = tmp_path_factory.mktemp("p") / ("ncci_ptp_practitioner_2024q3.csv" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    fast, slow = _both(path, monkeypatch)
    assert fast == slow


def test_ptp_edits_whose_column_1_codes_are_apart_are_read_row_by_row(tmp_path):
    path = tmp_path / "ncci_ptp_practitioner_2024q3.csv"
    path.write_text(",".join(PTP_COLUMNS) + "\n77013,77012,,1,x\n77012,76942,,1,x\n77013,76942,,1,x\n")
    assert _ptp_in_force(Source(NCCI_PTP, path, {}), "http://g") is None


@pytest.mark.parametrize("row", ["77013,,,1,x", ",77012,,1,x", "77013,77012,,2,x"])
def test_a_bad_edit_is_read_row_by_row_which_names_its_line(tmp_path, row):
    path = tmp_path / "ncci_ptp_practitioner_2024q3.csv"
    path.write_text(",".join(PTP_COLUMNS) + "\n77013,76942,,1,x\n" + row + "\n")
    source = Source(NCCI_PTP, path, {})
    assert _ptp_in_force(source, "http://g") is None
    with pytest.raises(CodeSetError, match=r"ncci_ptp_practitioner_2024q3\.csv:3: "):
        list(_ptp_nquads(source, "http://g"))


def test_ptp_chunks_fill_as_row_by_row(tmp_path, monkeypatch):
    monkeypatch.setattr(ncci, "CHUNK", 7)
    path = tmp_path / "ncci_ptp_practitioner_2024q3.csv"
    body = "".join(f"{10000 + i // 5},{20000 + i},,{i % 2},r{i % 3}\n" for i in range(35))
    path.write_text(",".join(PTP_COLUMNS) + "\n" + body)
    fast, slow = _both(path, monkeypatch)
    assert fast == slow and [n for _, n in fast][:5] == [7] * 5 and CHUNK > 7
