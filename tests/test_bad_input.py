"""Bad input costs only itself (issue 20, item 1): realistic variants of a briefing build, and what is not
read is reported with its file and line.

* The 30 dev briefings (../shared/briefings/dev) build with ``kg build``: 0 failed. The mistyped
  ``RO7.9`` (letter O for zero, 99285.txt line 29) is kept, and ``kg audit`` reports it as
  ``unknown-code`` with did-you-mean R07.9; a code written other than kg spells it is kept with
  ``kg:writtenAs``.
* Headings: ``CPT®``, ``CPT™``, ``HCPCS``, ``CPT/HCPCS``, markdown ``#`` and bold ``**`` markers, an em or
  en dash.
* ``N/A`` or empty code cells: absent data when the row says there is nothing, otherwise the row is
  reported with its line and skipped; the document still builds.
* ``kg build`` warns with file and line, and sums up the rows reported by reason.
* A code of the wrong form (``C2#.0``, ``77O13``) costs only the code: its row is kept as written and
  ``kg audit`` reports it (``tests/test_malformed_codes.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.parse import parse_file, parse_text
from kg.store import open_store

DATA = Path(__file__).parent / "data"


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True, timeout=600)


def test_the_dev_corpus_builds_and_kg_audit_reports_the_mistyped_code(tmp_path, dev_corpus):
    store = tmp_path / "store"
    r = kg("build", dev_corpus, "--store", store)
    assert r.returncode == 0, r.stderr
    assert "built 30 new, 0 changed, 0 unchanged, 0 failed" in r.stdout
    # the same row as a coder might type it: lower case, spaces around it
    typed = tmp_path / "typed"
    typed.mkdir()
    lines = (dev_corpus / "99285.txt").read_text(encoding="utf-8").split("\n")
    assert lines[28].startswith("RO7.9 |")
    lines[28] = " ro7.9 " + lines[28][len("RO7.9 "):]
    (typed / "99285-typed.txt").write_text("\n".join(lines), encoding="utf-8")
    r = kg("build", typed, "--store", store)
    assert r.returncode == 0 and "1 new" in r.stdout and "0 failed" in r.stdout, r.stderr
    r = kg("codesets", "load", "--store", store)  # the packaged ICD-10-CM
    assert r.returncode == 0, r.stderr
    r = kg("audit", "--format", "json", "--fail-on", "never", "--no-write", "--store", store)
    assert r.returncode == 0, r.stderr
    found = {(f["document"], f["line"]): f for f in json.loads(r.stdout)}
    for doc, written in (("99285.txt", "RO7.9"), ("99285-typed.txt", "ro7.9")):
        typo = found[doc, 29]
        assert (typo["kind"], typo["severity"], typo["system"]) == ("unknown-code", "error", "ICD-10-CM")
        assert typo["code"] == written and typo["suggestion"].split(", ")[0] == "R07.9"
        assert f"{written} is not a ICD-10-CM code; did you mean R07.9" in typo["message"]
    s = open_store(store, read_only=True)
    rows = {(str(r["edge"].value), r["written"].value if r["written"] else None) for r in s.query(
        "PREFIX kg: <https://w3id.org/codekg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?edge ?written WHERE { GRAPH ?g { ?edge kg:line 29 ; kg:subjectCode|kg:objectCode ?o . ?o skos:notation \"RO7.9\" . "
        "OPTIONAL { ?edge kg:writtenAs ?written } } }")}
    assert rows == {("https://w3id.org/codekg/briefing/99285.txt#L29", None),
                    ("https://w3id.org/codekg/briefing/99285-typed.txt#L29", "ro7.9")}


HEADINGS = [
    ("CPT\u00ae 99203 \u2014 New Patient Office Visit", "99203", "CPT"),
    ("CPT\u2122 99203 \u2013 New Patient Office Visit", "99203", "CPT"),
    ("CPT(R) 99203: New Patient Office Visit", "99203", "CPT"),
    ("HCPCS G0288: New Patient Office Visit", "G0288", "HCPCS"),
    ("CPT/HCPCS G0288: New Patient Office Visit", "G0288", "HCPCS"),
    ("CPT/HCPCS 99203 - New Patient Office Visit", "99203", "CPT"),
    ("# CPT\u00ae 99203 \u2014 New Patient Office Visit", "99203", "CPT"),
    ("### CPT 99203: New Patient Office Visit", "99203", "CPT"),
    ("**CPT 99203 \u2014 New Patient Office Visit**", "99203", "CPT"),
    ("## **CPT\u00ae 99203** \u2014 New Patient Office Visit", "99203", "CPT"),
    ("CPT Code 99203 \u2013 New Patient Office Visit", "99203", "CPT"),
    ("  CPT 99203 \u2014   New Patient Office Visit   ", "99203", "CPT"),
]


@pytest.mark.parametrize("heading, code, system", HEADINGS, ids=[h for h, _, _ in HEADINGS])
def test_every_heading_variant_names_its_subject(heading, code, system):
    b = parse_text(f"{heading}\nKey payers include Aetna.\n", "x.txt")
    assert (b.code, b.system, b.title, b.line) == (code, system, "New Patient Office Visit", 1)


def test_a_line_that_only_looks_like_a_heading_is_no_subject():
    for line in ("CPT 99203 New patient (no separator)", "CPT: 99203", "See CPT 99203: new patient"):
        with pytest.raises(Exception, match="no subject code"):
            parse_text(line + "\n", "x.txt")


def test_n_a_rows_that_say_there_is_nothing_are_absent_and_the_others_reported_with_their_lines():
    text = ("CPT 85025: Complete blood count\n"
            "| Modifier | Description | When to Use |\n|---|---|---|\n"
            "N/A | No other laboratory-specific modifiers | N/A |\n"  # 4: nothing there
            "|  | None |  |\n"  # 5: nothing there
            "| 90 | Reference laboratory | Outside lab. |\n"  # 6: read
            "| Taxonomy Code | Specialty | Notes |\n|---|---|---|\n"
            "N/A | Massage Therapist | Not a recognized Medicare provider type for 97140. |\n"  # 9: says something
            "|  | Physical Therapist | Reports under own NPI. |\n"  # 10: says something
            "| 225100000X | Physical Therapist | Reports under own NPI. |\n")  # 11: read
    b = parse_text(text, "85025.txt")
    assert [r.code for r in b.modifiers] == ["90"] and [r.code for r in b.taxonomies] == ["225100000X"]
    assert b.skipped_rows == (4, 5)
    assert [(u.line, u.kind) for u in b.unread_rows] == [(9, "no code"), (10, "no code")]
    assert "taxonomy table row with an N/A code cell" in b.unread_rows[0].reason
    assert "taxonomy table row with an empty code cell" in b.unread_rows[1].reason
    assert tuple(b.row_counts) == (2, 2, 2)


def test_an_empty_code_cell_costs_its_row_not_the_document():
    b = parse_file(DATA / "parser" / "empty_code.txt")
    assert [r.code for r in b.modifiers] == ["26"]
    assert [(u.line, u.kind) for u in b.unread_rows] == [(5, "no code")]


def test_kg_build_warns_with_file_and_line_and_sums_up_the_rows_by_reason(tmp_path, dev_corpus):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(dev_corpus / "85025.txt", folder)  # its N/A row says there is nothing: skipped, no warning
    shutil.copy(dev_corpus / "97140.txt", folder)  # its N/A row names a massage therapist: reported
    shutil.copy(DATA / "parser" / "empty_code.txt", folder / "77013.txt")
    with (folder / "77013.txt").open("a", encoding="utf-8") as f:
        f.write("\n| Payer | Policy |\n|---|---|\n| Aetna | Covered |\n")
    r = kg("build", folder, "--store", tmp_path / "store")
    assert r.returncode == 0, r.stderr
    assert "built 3 new, 0 changed, 0 unchanged, 0 failed" in r.stdout
    assert "2 skipped (N/A), 3 reported (2 no code, 1 unknown table);" in r.stdout  # 85025: lines 18, 19
    warnings = [line for line in r.stderr.splitlines() if line.startswith("kg: warning:")]
    assert any(f"{folder / '97140.txt'}:28: 1 table line(s) not read (lines 28): taxonomy table row with an N/A "
               "code cell" in w for w in warnings), warnings
    assert any(f"{folder / '77013.txt'}:5: 1 table line(s) not read (lines 5): modifier table row with an empty "
               "code cell" in w for w in warnings), warnings
    assert any(f"{folder / '77013.txt'}:9: 1 table line(s) not read (lines 9): in a table kg does not know" in w
               for w in warnings), warnings
    assert len(warnings) == 3
