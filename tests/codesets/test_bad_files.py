"""Bad code-set files: each gets one CodeSetError naming the file and line, and the release loaded stays current.

A UTF-8 byte-order mark (Excel writes one) is no fault: such a file loads.
"""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from kg.codesets import current_graphs, load_mpfs, load_ncci_ptp, releases
from kg.codesets.catalog import release_graphs
from kg.codesets.mpfs import COLUMNS
from kg.codesets.ncci import PTP_COLUMNS
from kg.errors import CodeSetError

MPFS_ROWS = ["77013,26,A,3.99,1,XXX,0,0,0,0,0", "77013,,C,0.0,1,XXX,0,0,0,0,0", "77012,,A,1.5,1,XXX,0,0,0,0,0"]


@pytest.fixture
def loaded(tmp_path):
    """A store on disk with MPFS RVU24C loaded; returns (store, what readers see before)."""
    good = tmp_path / "pprrvu_rvu24c.csv"
    good.write_text(",".join(COLUMNS) + "\n" + "\n".join(MPFS_ROWS) + "\n")
    store = ox.Store(str(tmp_path / "store"))
    load_mpfs(store, good, progress=False)
    return store, _state(store)


def _state(store):
    return (current_graphs(store), [(r["release"], r["sha256"], r["state"]) for r in releases(store, everything=True)],
            len(store))


def _refused(store, before, path, match, load=load_mpfs):
    with pytest.raises(CodeSetError, match=match) as err:
        load(store, path, progress=False)
    assert str(err.value).count(path.name) == 1 and "\n" not in str(err.value)  # one line, naming the file
    assert _state(store) == before  # the release loaded is untouched and current
    assert all(r["state"] == "current" for r in release_graphs(store, "mpfs"))  # nothing left of the bad load


def test_wrong_header(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    bad.write_text("HCPCS;MOD;STATUS\n77013;26;A\n")
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:1: missing column 'hcpcs'; the header has HCPCS;MOD;STATUS")


def test_empty_file(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    bad.write_bytes(b"")
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:1: missing column 'hcpcs'; the header has nothing \(empty file\)")


def test_binary_file(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:\d+: (binary data \(a NUL byte\)|not UTF-8 text)")


def test_wrong_encoding_names_the_line(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    rows = MPFS_ROWS + ["0001F,,I,0.0,9,XXX,9,9,9,9,9"]
    text = ",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n" + "G0288,,A,1.0,0,XXX,0,0,0,0,0,Télé\n"
    bad.write_bytes(text.encode("latin-1"))
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:6: not UTF-8 text: byte 0xe9 at column \d+ \(Latin-1 or "
                           r"Windows-1252\?\); save the file as UTF-8")


def test_duplicated_rows(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    bad.write_text(",".join(COLUMNS) + "\n" + "\n".join(MPFS_ROWS + ["77013,26,A,4.1,1,XXX,0,0,0,0,0"]) + "\n")
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:5: duplicated row: hcpcs 77013, mod 26 is on line 2 already")


def test_a_bad_row_after_good_ones(loaded, tmp_path):
    bad = tmp_path / "pprrvu_rvu25d.csv"
    bad.write_text(",".join(COLUMNS) + "\n" + "\n".join(MPFS_ROWS[:2] + ["77014,,A,lots,1,XXX,0,0,0,0,0"]) + "\n")
    _refused(*loaded, bad, r"pprrvu_rvu25d\.csv:4: work_rvu 'lots' of 77014 is not a number")


def test_truncated_gzip(tmp_path):
    good = tmp_path / "good" / "ncci_ptp_practitioner_2024q3.csv.gz"
    good.parent.mkdir()
    rows = [f"{20000 + i},{30000 + i},,1,Misuse of Column Two code with Column One code" for i in range(20_000)]
    with gzip.open(good, "wt") as f:
        f.write(",".join(PTP_COLUMNS) + "\n" + "\n".join(rows) + "\n")
    store = ox.Store(str(tmp_path / "store"))
    load_ncci_ptp(store, good, progress=False)
    before = _state(store)
    bad = tmp_path / "ncci_ptp_practitioner_2024q4.csv.gz"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CodeSetError, match=r"ncci_ptp_practitioner_2024q4\.csv\.gz:\d+: the gzip file is truncated "
                                           r"\(it ends inside line \d+\); download it again"):
        load_ncci_ptp(store, bad, progress=False)
    assert _state(store) == before
    assert [r["state"] for r in release_graphs(store, "ncci-ptp")] == ["current"]


def test_a_gz_name_on_a_plain_file(loaded, tmp_path):
    bad = tmp_path / "ncci_ptp_practitioner_2024q4.csv.gz"
    bad.write_text(",".join(PTP_COLUMNS) + "\n77013,77012,,1,x\n")
    with pytest.raises(CodeSetError, match=r"ncci_ptp_practitioner_2024q4\.csv\.gz:1: not a gzip file"):
        load_ncci_ptp(loaded[0], bad, progress=False)


def test_a_byte_order_mark_is_accepted(loaded, tmp_path):
    store, _ = loaded
    bom = tmp_path / "pprrvu_rvu25d.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (",".join(COLUMNS) + "\r\n" + "\r\n".join(MPFS_ROWS) + "\r\n").encode())
    report = load_mpfs(store, bom, progress=False)
    assert (report.release, report.skipped) == ("RVU25D", False)
    assert [(r["release"], r["state"]) for r in releases(store, everything=True)] == [
        ("RVU24C", "superseded"), ("RVU25D", "current")]
