"""kg.parse: one test per briefing layout in tests/data/parser/, the malformed files, and fuzzing.

Every expected record is written out in full (code, written form, system,
description, note, line, extra annotations), so any change in what the parser
reads shows up here as a precise diff.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import BriefingParseError
from kg.examples import examples_dir
from kg.parse import (BRIEFING_SYSTEMS, Briefing, MalformedRow, Mention, Row, Text, _diagnosis_code, code_system,
                      normalize_code, parse_bytes, parse_file, parse_text)

DATA = Path(__file__).resolve().parent / "data" / "parser"
REAL = examples_dir() / "77013.txt"

NBSP = "\u00a0"


def mod(code, description, note, line, **kw):
    return Row(code=code, written=kw.pop("written", code), system="MOD", description=description, note=note,
               line=line, **kw)


def tax(code, description, note, line, **kw):
    return Row(code=code, written=kw.pop("written", code), system="NUCC", description=description, note=note,
               line=line, **kw)


def dx(code, description, note, line, **kw):
    return Row(code=code, written=kw.pop("written", code), system="ICD10CM", description=description, note=note,
               line=line, **kw)


def cpt(code, description, note, line, **kw):
    system = kw.pop("system", "CPT")
    return Row(code=code, written=kw.pop("written", code), system=system, description=description, note=note,
               line=line, **kw)


def parse(name: str) -> Briefing:
    return parse_file(DATA / name)


# --------------------------------------------------------------------------
# well-formed variants


def test_pipes_on_both_sides():
    b = parse("pipes_both.txt")
    assert (b.code, b.system, b.title, b.line) == ("76940", "CPT", "Ultrasound Guidance and Monitoring of Tissue Ablation", 1)
    assert b.path == str(DATA / "pipes_both.txt") and b.name == "pipes_both.txt"
    assert b.summary == Text("Key payers covered in this analysis include Medicare and Aetna.", 2)
    assert b.payers == (Mention("Medicare", 2), Mention("Aetna", 2))
    assert b.service_type == Text("Ultrasound guidance for parenchymal tissue ablation", 3)
    assert b.site_of_service == Text("Hospital outpatient department", 4)
    assert b.sites == (Mention("Hospital outpatient department", 4),)
    assert b.clinical_context == Text("A patient with a 2 cm liver tumor undergoes ultrasound-guided ablation.", 6)
    assert b.overview is None
    assert b.modifiers == (
        mod("26", "Professional component", "Radiologist interpretation only.", 9),
        mod("TC", "Technical component", "Facility equipment and staff only.", 10),
    )
    assert b.taxonomies == (
        tax("2085R0204X", "Vascular & Interventional Radiology", "Performs the guided ablation.", 14),
    )
    assert b.diagnoses == (dx("C22.0", "Liver cell carcinoma", "Primary indication for ablation.", 18),)
    assert b.procedures == (
        cpt("47382", "Percutaneous radiofrequency ablation of liver tumor", "Ablation procedure that 76940 monitors.", 22),
    )
    assert b.unknown_tables == ()


def test_no_outer_pipes_and_aligned_separators():
    b = parse("pipes_none.txt")
    assert (b.code, b.title) == ("77012", "CT Guidance for Needle Placement")
    assert b.payers == (Mention("Cigna", 2),)
    assert b.modifiers == (
        mod("26", "Professional component", "Radiologist interpretation only.", 5),
        mod("59", "Distinct procedural service", "Separate needle procedure at another site.", 6),
    )
    assert b.diagnoses == (dx("R91.1", "Solitary pulmonary nodule", "Indication for CT-guided lung biopsy.", 10),)
    # the separator ":---|:---:|---:" (alignment colons) is a separator, not a row
    assert b.procedures == (cpt("32405", "Percutaneous lung biopsy", "Biopsy code that 77012 guides.", 14),)
    assert b.taxonomies == () and b.unknown_tables == ()


def test_mixed_pipes_as_in_the_real_briefings():
    """Header with both pipes; rows with a trailing pipe only (the 77013 layout), a leading one only, or none."""
    b = parse("pipes_mixed.txt")
    assert b.modifiers == (
        mod("26", "Professional component", "Professional interpretation only.", 4),
        mod("TC", "Technical component", "Facility technical component only.", 5),
        mod("59", "Distinct procedural service", "Distinct service at the same session.", 6),
    )
    # the next header follows the last row without a blank line
    assert b.procedures == (
        cpt("49405", "Image-guided percutaneous ablation, hepatic tumor", "Ablation procedure that 77013 monitors.", 9),
    )


def test_crlf_line_endings():
    data = (DATA / "crlf.txt").read_bytes()
    # the fixture really is CRLF (see tests/data/parser/.gitattributes)
    assert data.count(b"\r\n") == data.count(b"\n") > 10, "crlf.txt lost its CRLF line endings"
    b = parse("crlf.txt")
    assert (b.code, b.title, b.line) == ("77022", "MR Guidance and Monitoring of Tissue Ablation", 2)
    assert b.summary == Text("Key payers covered in this analysis include UnitedHealthcare and Humana.", 3)
    assert b.payers == (Mention("UnitedHealthcare", 3), Mention("Humana", 3))
    assert b.service_type == Text("MR guidance for ablation", 4)
    assert b.site_of_service == Text("Hospital outpatient department", 5)
    assert b.clinical_context == Text("MR thermometry monitors the ablation zone in real time.", 7)
    assert b.modifiers == (mod("26", "Professional component", "Radiologist interpretation only.", 11),)
    assert b.diagnoses == (
        dx("C64.1", "Malignant neoplasm of right kidney", "Renal tumor targeted for MR-guided ablation.", 15),
    )
    assert b.procedures == (
        cpt("50593", "Percutaneous cryoablation of renal tumor", "Cryoablation that 77022 monitors.", 19),
    )
    # no stray \r anywhere in the records
    assert "\r" not in repr(b)
    # the same document with LF (or old-Mac CR) endings gives the same records; only the hash differs
    for eol in (b"\n", b"\r"):
        other = parse_bytes(data.replace(b"\r\n", eol), b.path)
        assert other.sha256 != b.sha256
        assert replace(other, sha256=b.sha256) == b


def test_columns_in_another_order():
    b = parse("reordered.txt")
    assert b.modifiers == (mod("22", "Increased procedural services", "Work substantially greater than usual.", 4),)
    assert b.diagnoses == (
        dx("C22.0", "Liver cell carcinoma", "Primary indication for percutaneous ablation.", 7),
        dx("K74.60", "Unspecified cirrhosis of liver", "Common comorbidity affecting bleeding risk.", 8),
    )
    assert b.taxonomies == (tax("207L00000X", "Anesthesiology", "Provides general anesthesia.", 11),)
    assert b.procedures == (
        cpt("77013", "CT guidance and monitoring of tissue ablation", "CT guidance code that monitors this ablation.", 14),
    )


def test_extra_columns_are_kept_as_annotations():
    b = parse("extra_column.txt")
    assert b.procedures == (
        cpt("32405", "Percutaneous lung biopsy", "Biopsy code that 77012 guides.", 4,
            extra=(("Source", "CPT Assistant 2019"),)),
        # an empty extra cell is not an annotation
        cpt("76942", "Ultrasonic guidance for needle placement", "Alternative guidance code.", 5),
    )
    # several extra columns, one between the code and the description, keep their order and headers
    assert b.diagnoses == (
        dx("R91.1", "Solitary pulmonary nodule", "Indication for CT-guided biopsy.", 8,
           extra=(("Evidence", "Strong"), ("Payer", "Medicare LCD L35000"))),
    )


def test_not_applicable_rows_are_skipped():
    b = parse("na_rows.txt")
    assert b.modifiers == ()  # "| N/A | N/A | N/A |"
    assert b.taxonomies == ()  # "N/A | N/A | N/A" without outer pipes
    assert b.diagnoses == (dx("C22.0", "Liver cell carcinoma", "Primary indication for ablation.", 10),)  # "| n/a | none | - |"
    # "| NA | -- | N/A. |" before the row and an all-blank row after it
    assert b.procedures == (
        cpt("49405", "Image-guided percutaneous ablation, hepatic tumor", "Ablation procedure that 77013 monitors.", 15),
    )


def test_data_not_available_inside_tables():
    b = parse("not_available.txt")
    assert b.overview == Text("CPT code 20982 describes radiofrequency ablation of bone tumors.", 3)  # not the N/A line
    assert b.taxonomies == ()  # a bare "Data not available in the input." line as the only row
    assert b.diagnoses == (dx("D16.9", "Benign neoplasm of bone, unspecified", "Primary indication for bone ablation.", 11),)
    assert b.procedures == (
        cpt("77013", "CT guidance and monitoring of tissue ablation", "CT guidance is bundled into this ablation.", 15),
    )
    assert b.unknown_tables == ()


def test_missing_sections():
    b = parse("missing_sections.txt")
    assert (b.code, b.title) == ("76942", "Ultrasound Guidance for Needle Placement")
    assert b.summary == Text(
        "CPT code 76942 represents ultrasound guidance for a percutaneous needle. "
        "Key payers covered in this analysis include Aetna.", 2)
    assert b.payers == (Mention("Aetna", 2),)
    assert b.clinical_context is None and b.overview is None
    assert b.service_type is None and b.site_of_service is None and b.sites == ()
    assert b.modifiers == () and b.taxonomies == () and b.procedures == ()
    assert b.diagnoses == (dx("E04.1", "Nontoxic single thyroid nodule", "Primary indication for thyroid biopsy.", 7),)


def test_unicode_dashes_and_spaces():
    raw = (DATA / "unicode.txt").read_text(encoding="utf-8")
    assert "\u2014" in raw and "\u2013\u2013\u2013" in raw and NBSP in raw and "\u200b" in raw
    b = parse("unicode.txt")
    # an em dash separates code and title; the en dash inside the title is kept as written
    assert (b.code, b.system, b.title) == ("77013", "CPT", "CT Guidance \u2013 Monitoring of Ablation")
    assert b.payers == (Mention("Aetna", 2),)
    # en-dash and em-dash separator rows; NBSP folded to spaces; zero-width space dropped from "T\u200bC"
    assert b.modifiers == (
        mod("26", "Professional component", "Radiologist interpretation only.", 5),
        mod("TC", "Technical component", "Facility component only.", 6),
    )
    # a non-breaking hyphen in a note is kept (notes are quoted as written)
    assert b.diagnoses == (
        dx("C22.0", "Liver cell carcinoma", "Primary indication for pre\u2011procedure planning.", 9),
    )


def test_table_with_header_and_separator_but_no_rows():
    b = parse("empty_table.txt")
    assert b.taxonomies == ()  # header, separator, blank line
    assert b.procedures == ()  # header and separator at the end of the file
    assert b.diagnoses == (
        dx("C34.11", "Malignant neoplasm of upper lobe, right bronchus or lung", "Primary indication for ablation.", 7),
    )
    assert b.unknown_tables == ()


def test_hcpcs_subject():
    b = parse("hcpcs.txt")
    assert (b.code, b.system, b.line) == ("G0288", "HCPCS", 1)
    assert b.title == "Reconstruction, CT Angiography of Aorta for Surgical Planning"
    assert b.payers == (Mention("Medicare", 2),)
    assert b.service_type == Text("Three-dimensional reconstruction for vascular surgery planning", 3)
    assert b.procedures == (
        cpt("75635", "CT angiography, abdominal aorta and bilateral iliofemoral lower extremity runoff",
            "Pre-procedure angiography that precedes the reconstruction.", 6),
        # a lower-case HCPCS code is normalised; the written form is kept
        cpt("C9734", "Focused ultrasound ablation with MR guidance",
            "Related code sometimes reviewed together with this service.", 7, written="c9734", system="HCPCS"),
    )


def test_real_77013_briefing():
    b = parse_file(REAL)
    assert (b.code, b.system, b.line) == ("77013", "CPT", 2)
    assert b.title == "CT Guidance and Monitoring for Parenchymal Tissue Ablation"
    assert [p.name for p in b.payers] == ["Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Medicare"]
    assert b.service_type == Text("Image guidance and monitoring for percutaneous organ or lesion ablation", 8)
    assert [s.name for s in b.sites] == [
        "Hospital outpatient departments", "Ambulatory surgery centers", "Interventional radiology suites"]
    assert b.clinical_context is not None and b.clinical_context.line == 13

    assert [(r.code, r.line) for r in b.modifiers] == [
        ("26", 17), ("52", 18), ("53", 19), ("59", 20), ("62", 21), ("73", 22), ("78", 23),
        ("80", 24), ("QK", 25), ("QX", 26), ("RT", 27), ("LT", 28), ("GC", 29), ("TC", 30),
    ]
    assert len(b.modifiers) == 14
    assert [(r.code, r.line, r.description) for r in b.taxonomies] == [
        ("2086P0205X", 33, "Interventional Radiology"),
        ("207K00000X", 34, "Diagnostic Radiology"),
        ("363L00000X", 35, "Surgical Oncology"),
        ("363A00000X", 36, "General Surgery"),
        ("207L00000X", 37, "Anesthesiology"),
    ]
    assert [(r.code, r.line) for r in b.diagnoses] == [
        ("C22.0", 41), ("C78.7", 42), ("D02.20", 43), ("C34.90", 44), ("K75.2", 45)]
    assert [(r.code, r.line, r.description) for r in b.procedures] == [
        ("74350", 49, "CT abdomen and pelvis with contrast"),
        ("10022", 50, "Fine needle aspiration; without imaging guidance"),
        ("49405", 51, "Image-guided, percutaneous ablation, hepatic tumor (any method)"),
        ("76942", 52, "Ultrasonic guidance for needle placement"),
        ("71260", 53, "CT thorax with contrast"),
    ]
    assert b.procedures[2].note.endswith("which 77013 specifically monitors via CT guidance.")
    # every row's line really holds that row
    lines = REAL.read_text(encoding="utf-8").split("\n")
    for r in b.modifiers + b.taxonomies + b.diagnoses + b.procedures:
        assert lines[r.line - 1].startswith(r.written + " |"), r


def test_parse_text_parse_bytes_and_parse_file_agree():
    data = REAL.read_bytes()
    from_file = parse_file(REAL)
    assert parse_bytes(data, str(REAL)) == from_file
    assert parse_text(data.decode("utf-8"), str(REAL)) == from_file  # same hash when computed from the text
    assert parse_bytes(b"\xef\xbb\xbf" + data, str(REAL)).procedures == from_file.procedures  # UTF-8 BOM


# --------------------------------------------------------------------------
# malformed files

MALFORMED = [
    # file, line, fragments the message must contain
    ("binary.txt", 3, ["binary data (NUL byte)", "UTF-8 text file"]),
    ("latin1.txt", 4, ["not UTF-8 text", "0xe9", "re-save the file as UTF-8"]),
    ("too_few_cells.txt", 8, ["procedure table row has 2 cells, expected 3", "'|' inside a cell must be written '\\|'"]),
    ("no_subject.txt", 1, ["no subject code", "CPT 77013: CT guidance for ablation"]),
    ("invalid_subject.txt", 1, ["'77O13' is not a CPT or HCPCS code"]),
    ("orphan_separator.txt", 3, ["table separator row without a header row above it"]),
]


@pytest.mark.parametrize(("name", "line", "fragments"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_briefing_raises_with_path_and_line(name, line, fragments):
    path = DATA / name
    with pytest.raises(BriefingParseError) as info:
        parse_file(path)
    err = info.value
    assert err.path == str(path)
    assert err.line == line
    for fragment in fragments:
        assert fragment in err.message
    assert str(err) == f"{path}:{line}: {err.message}"  # the one-line form the CLI prints
    # the same error, naming the label it was given, from the bytes
    with pytest.raises(BriefingParseError) as again:
        parse_bytes(path.read_bytes(), "label.txt")
    assert (again.value.path, again.value.line, again.value.message) == ("label.txt", line, err.message)


def test_malformed_fixture_bytes():
    assert b"\x00" in (DATA / "binary.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        (DATA / "latin1.txt").read_bytes().decode("utf-8")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(BriefingParseError) as info:
        parse_file(path)
    assert (info.value.path, info.value.line) == (str(path), 0)
    assert "cannot read file" in info.value.message


@pytest.mark.parametrize("text, line, fragment", [
    ("", 1, "no subject code"),
    ("CPT 77013: x\nfine\nbell \x07 here\n", 3, "control character U+0007"),
    ("CPT 77013: x\r\n\r\nlone surrogate \ud800\r\n", 3, "control character U+D800"),
])
def test_parse_text_errors(text, line, fragment):
    with pytest.raises(BriefingParseError) as info:
        parse_text(text, "inline.txt")
    assert (info.value.path, info.value.line) == ("inline.txt", line)
    assert fragment in info.value.message


def test_a_malformed_code_costs_nothing_but_its_code_the_row_is_kept_as_written():
    """invalid_code.txt has a CPT code in its diagnosis table: the row is kept with its text and line, the
    document still reads, and the reason is the message the parser used to fail the document with."""
    path = DATA / "invalid_code.txt"
    b = parse_file(path)
    assert b.diagnoses == (dx("C22.0", "Liver cell carcinoma", "Primary indication for ablation.", 4),)
    assert b.malformed == (MalformedRow(
        table="diagnosis", written="47382", description="Percutaneous radiofrequency ablation of liver tumor",
        note="A CPT code in the diagnosis table.", line=5, reason="'47382' is not an ICD-10-CM code (C22.0)"),)
    assert tuple(b.row_counts) == (1, 0, 1)  # kept, and reported: not read as a code
    assert b.unread_rows == () and b.procedures == ()
    assert parse_bytes(path.read_bytes(), str(path)) == b


@pytest.mark.parametrize("text, table, written, fragment", [
    ("CPT 77013: x\n| CPT Code | Description | Relationship |\n|---|---|---|\n7\u0664350 | Arabic-Indic digit | y |\n",
     "procedure", "7\u0664350", "is not a CPT or HCPCS code"),
    ("CPT 77013: x\n| ICD-10 Code | Description | Clinical Relevance |\n|---|---|---|\nC22.\uff10 | fullwidth zero | y |\n",
     "diagnosis", "C22.\uff10", "is not an ICD-10-CM code"),
    ("CPT 77013: x\n| Modifier | Description | When to Use |\n|---|---|---|\n| Q# | Odd | Never. |\n",
     "modifier", "Q#", "is not a two-character modifier"),
    ("CPT 77013: x\n| Taxonomy Code | Specialty | Notes |\n|---|---|---|\n| 207X0000 | Orthopaedic Surgery | x |\n",
     "taxonomy", "207X0000", "is not a 10-character NUCC code"),
])
def test_malformed_codes_of_every_table_are_kept_as_written(text, table, written, fragment):
    b = parse_text(text, "inline.txt")
    assert b.modifiers + b.taxonomies + b.diagnoses + b.procedures == ()
    [m] = b.malformed
    assert (m.table, m.written, m.line) == (table, written, 4) and fragment in m.reason


def test_a_malformed_code_under_a_missing_header_is_reported_not_guessed():
    """Rows read under a layout guessed from the first row may belong to another table: reported, as before."""
    b = parse_text("CPT 77013: x\nC22.0 | Liver cell carcinoma | Primary.\nC2#.0 | Liver | Again.\n", "inline.txt")
    assert [r.code for r in b.diagnoses] == ["C22.0"] and b.malformed == ()
    assert [(u.line, u.kind) for u in b.unread_rows] == [(3, "misfit row")]
    assert "'C2#.0' is not an ICD-10-CM code" in b.unread_rows[0].reason


def test_fixture_bytes_are_protected_from_git_eol_conversion():
    attributes = (DATA / ".gitattributes").read_text(encoding="utf-8").split()
    assert "*.txt" in attributes and "-text" in attributes
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed")
    done = subprocess.run([git, "check-attr", "text", "crlf.txt", "binary.txt"], cwd=DATA,
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    assert done.stdout.splitlines() == ["crlf.txt: text: unset", "binary.txt: text: unset"]


# --------------------------------------------------------------------------
# fuzzing: whatever the input, the only exception is BriefingParseError

REAL_TEXT = REAL.read_text(encoding="utf-8")
REAL_LINES = REAL_TEXT.split("\n")

# Any code point, including lone surrogates, controls and private use; the awkward ones are drawn often.
AWKWARD = ["\ud800", "\udfff", "\x00", "\x07", "\x1b", "\x85", "\x7f", "\ue000", "\U000f0000", "\u2028",
           "\u2029", "\x0b", "\x0c", "\t", "\u00a0", "\u200b", "\ufeff", "\u2011", "\u2013", "\u0664", "\uff10",
           "\u212a", "\u017f", "\u0131", "\U0001f600", "\u0301"]
any_char = st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(AWKWARD))


def any_text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Like ``st.text(any_char)``, but st.text() would silently drop the lone surrogates."""
    return st.lists(any_char, min_size=min_size, max_size=max_size).map("".join)


# Fragments that steer random text into the parser's branches (headings, tables, separators, N/A).
TOKENS = [
    "CPT 77013: ", "HCPCS G0288 - ", "CPT 7701", "| ", " |", "|", "\\|", "---", "|---|---|---|", "|\u2013\u2013|",
    "Modifier", "Taxonomy Code", "ICD-10 Code", "CPT Code", "Code", "Description", "Notes", "Relationship",
    "Clinical Relevance", "When to Use", "Source", "N/A", "n/a", "-", "Data not available in the input.",
    "26", "TC", "C22.0", "C220", "207L00000X", "49405", "G0288", "Clinical Context", "Summary & Overview",
    "Service type: ", "Typical site of service: ", "Key payers covered in this analysis include ", "Aetna, ",
    "and ", ".", ":", "**", "#", " ", "\u00a0", "\u200b", "\ufeff", "\u2014", "\n", "\r\n", "\r",
]
soup = st.lists(st.one_of(st.sampled_from(TOKENS), any_text(max_size=4)), max_size=60).map("".join)


@st.composite
def mutated_77013(draw) -> str:
    """The real briefing with lines deleted, duplicated or inserted, random unicode and pipes spliced in."""
    lines = list(REAL_LINES)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "unicode", "pipe", "swap"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.one_of(soup, any_text(max_size=40))))
        elif op == "swap" and lines:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif lines:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            piece = draw(any_text(min_size=1, max_size=3)) if op == "unicode" else draw(
                st.sampled_from(["|", " | ", "||", "\\|", "| |"]))
            lines[i] = line[:at] + piece + line[at:]
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def check_parse(parse, data, n_lines: int) -> None:
    """Run ``parse``: a Briefing with sane line numbers, or a BriefingParseError with a line in range."""
    try:
        b = parse(data)
    except BriefingParseError as err:
        assert 0 <= err.line <= max(n_lines, 1), err
        assert err.message
        return
    assert isinstance(b, Briefing)
    assert 1 <= b.line <= n_lines
    assert code_system(b.code, ("CPT", "HCPCS")) == b.system
    for row in b.modifiers + b.taxonomies + b.diagnoses + b.procedures:
        assert 1 <= row.line <= n_lines
        assert row.code.isascii() and row.code == row.code.strip()
    for m in b.malformed:  # kept as written: a line of the document, never a code
        assert 1 <= m.line <= n_lines and m.written and m.reason
        assert code_system(_diagnosis_code(normalize_code(m.written)), BRIEFING_SYSTEMS[m.table]) is None


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _n_lines(text: str) -> int:
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


@FUZZ
@given(st.one_of(any_text(), soup))
def test_fuzz_parse_text_random(text):
    check_parse(lambda t: parse_text(t, "fuzz.txt"), text, _n_lines(text))


@FUZZ
@given(st.one_of(st.binary(), soup.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_fuzz_parse_bytes_random(data):
    check_parse(lambda d: parse_bytes(d, "fuzz.txt"), data, data.count(b"\n") + data.count(b"\r") + 1)


@FUZZ
@given(mutated_77013())
def test_fuzz_parse_text_mutated_77013(text):
    check_parse(lambda t: parse_text(t, "77013.txt"), text, _n_lines(text))


@FUZZ
@given(mutated_77013(), st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=3)), max_size=3))
def test_fuzz_parse_bytes_mutated_77013(text, splices):
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    for at, piece in splices:  # raw bytes: invalid UTF-8, NULs, split multi-byte characters
        at %= len(data) + 1
        data[at:at] = piece
    data = bytes(data)
    check_parse(lambda d: parse_bytes(d, "77013.txt"), data, data.count(b"\n") + data.count(b"\r") + 1)


# The single-module kg.parse became a package; what it offered is still importable from kg.parse (but _PAYER_LIST,
# a regex that was quadratic in the summary, is now the function _payer_lists).
FORMER_NAMES = [
    "Briefing", "Mention", "Row", "Text", "parse_file", "parse_bytes", "parse_text", "normalize_code",
    "code_system", "code_candidates", "NOT_AVAILABLE", "PAYERS", "TABLE_KINDS", "BriefingParseError",
    "BRIEFING_SYSTEMS", "CODE_SYSTEMS", "_CLEAN", "_CODE_SHAPES", "_CONTROL", "_DASHES", "_FIELD", "_HEADINGS",
    "_INVISIBLE", "_Layout", "_payer_lists", "_PAYER_RE", "_Parser", "_SEPARATOR", "_SPACES", "_TITLE", "_TableKind",
    "_cells", "_clean", "_diagnosis_code", "_is_absent", "_is_separator", "_key", "_layout", "_payers", "_sites",
]


def test_the_package_offers_every_name_the_module_did():
    import kg.parse

    missing = [name for name in FORMER_NAMES + kg.parse.__all__ if not hasattr(kg.parse, name)]
    assert missing == []
    assert kg.parse.code_candidates is kg.model.codes.code_candidates
    assert kg.parse.Briefing is kg.parse.records.Briefing


def test_no_parse_module_is_over_500_lines():
    import kg.parse

    folder = Path(kg.parse.__file__).parent
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.py")}
    assert len(sizes) >= 6 and max(sizes.values()) <= 500, sizes
