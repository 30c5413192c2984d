"""Reading a briefing takes time linear in its size, however hostile its lines (issue 21.3).

Hypothesis builds a line from fragments that the parser's and the relation reader's regular expressions
care about (spaces, cue words, codes, separators, payer lists, brackets) and repeats it up to 1 MiB in
every place a long line can be: after the heading, before it, in the summary, in a field, in each table's
cells, in a relationship cell. Each is read at a small and a large size; the CPU time of the large one
must stay under a bound per byte, and the growth must be near linear (8x the bytes may cost at most
``GROWTH`` times the time; a quadratic regex costs 64x). Before this was fixed, a heading followed by 64 KiB
of spaces and then a word took 20 s, and a 1 MB line about an hour.

CPU time of this process (``time.process_time``) is measured, so other work on the machine does not count.
"""

from __future__ import annotations

import gc
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KGError
from kg.parse import parse_text
from kg.to_rdf import briefing_triples

HEAD = "CPT 77013: CT guidance\n"
TABLES = {
    "diagnosis note": "| ICD-10 Code | Description | Clinical Relevance |\n|---|---|---|\nC22.0 | Liver | {}\n",
    "diagnosis description": "| ICD-10 Code | Description | Clinical Relevance |\n|---|---|---|\nC22.0 | {} | x\n",
    "modifier note": "| Modifier | Description | When to Use |\n|---|---|---|\n26 | Professional | {}\n",
    "taxonomy cell": "| Taxonomy Code | Specialty | Notes |\n|---|---|---|\n207L00000X | {} | x\n",
    "relationship": "| CPT Code | Description | Relationship to This Procedure |\n|---|---|---|\n47382 | Ablation | {}\n",
    "code cell": "| CPT Code | Description | Relationship to This Procedure |\n|---|---|---|\n{} | Ablation | x\n",
    "headerless row": "47382 | {} | x\n",
}
PLACES = {
    "after the heading": "CPT 77013: CT{}x\n",
    "in the heading": "CPT 77013{}: x\n",
    "before the heading": "{}\n" + HEAD,
    "summary": HEAD + "Key payers covered in this analysis include {}\n",
    "field": HEAD + "Site of service: {}\n",
    "heading-like": HEAD + "## **{}**\n",
    **{name: HEAD + table for name, table in TABLES.items()},
}
FRAGMENTS = [
    " ", "  ", "\t", "x", "a", "-", "\u2014", "*", "**", "#", ":", ";", ",", ".", "(", ")", "[", "]", "/", "\\|",
    "N/A", "CPT", "\u00ae", "payers", "include", "are", "Aetna", "Blue Cross", "and", "or", "and/or", "not", "no",
    "never", "without", "but", "with", "which", "that", "who", "when", "if", "unless", "only", "monitors",
    "included in", "separately reportable", "alternative to", "add-on", "in addition to", "this procedure",
    "global package", "it", "they", "is", "type", "w/", "w/o", "modifier", "59", "XS", "77012", "+22552",
    "99231-99233", "G0288", "C22.0", "207L00000X",
]
GROWTH = 24  # 8x the bytes; linear is 8, quadratic 64
SMALL, LARGE = 128 << 10, 1 << 20
PARSE_PER_BYTE = 3.0 / (1 << 20)  # a 1 MiB line parsed in 3 s of CPU at most (today well under 1 s)
EXTRACT_SMALL, EXTRACT_LARGE = 32 << 10, 256 << 10
EXTRACT_PER_BYTE = 40e-6  # parse + relation extraction: 256 KiB within about 10 s (today a few)
FLOOR = 0.02  # seconds: times below this are noise, not a base to compare growth with


def _line(fragments: list[str], size: int) -> str:
    unit = " ".join(fragments) + " "
    return (unit * (size // len(unit) + 1))[:size]


def _cpu(work, text: str) -> float:
    gc.collect()
    start = time.process_time()
    try:
        work(text)
    except KGError:
        pass  # a line that is not a briefing is refused: in linear time too
    return time.process_time() - start


def _parse(text: str) -> None:
    parse_text(text, "x.txt")


def _extract(text: str) -> None:
    briefing_triples(parse_text(text, "x.txt"))


def _check_growth(work, template: str, fragments: list[str], small: int, large: int, per_byte: float) -> None:
    t_small = min(_cpu(work, template.format(_line(fragments, small))) for _ in range(2))
    t_large = _cpu(work, template.format(_line(fragments, large)))
    what = f"{template[:40]!r} with {fragments!r}"
    assert t_large <= per_byte * large, f"{what}: {t_large:.2f} s for {large} bytes"
    assert t_large <= GROWTH * max(t_small, FLOOR), f"{what}: {t_small:.3f} s -> {t_large:.3f} s for 8x the bytes"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(sorted(PLACES)), fragments=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6))
def test_parsing_a_1_mib_line_is_linear(place, fragments):
    _check_growth(_parse, PLACES[place], fragments, SMALL, LARGE, PARSE_PER_BYTE)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.sampled_from(sorted(TABLES)), fragments=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8))
def test_reading_relations_of_a_long_cell_is_linear(table, fragments):
    _check_growth(_extract, HEAD + TABLES[table], fragments, EXTRACT_SMALL, EXTRACT_LARGE, EXTRACT_PER_BYTE)


# The cases the red-team run measured, each once, at 1 MiB (parse) or 256 KiB (parse + relations).
MEASURED = [
    (_parse, "CPT 77013: CT{}x\n", [" "]),  # a heading followed by spaces: 20.7 s at 64 KiB before
    (_parse, HEAD + "Key payers include {}\n", ["Aetna", "payers"]),  # 11,000 payer words: 15.9 s before
    (_parse, HEAD + "{}\n", ["payers"]),
    (_parse, HEAD + "Site of service: offices{}or clinics\n", [" "]),
    (_extract, HEAD + TABLES["relationship"], ["that", "monitors", "this", "procedure", "with", "77012"]),
    (_extract, HEAD + TABLES["relationship"], ["which", "77012", "monitors"]),
    (_extract, HEAD + TABLES["relationship"], ["reported", "with", "77012,", "not", "with", "77013;"]),
    (_extract, HEAD + TABLES["diagnosis note"], ["primary", "indication"]),
    # found by the property test above: every cue of one clause scanned the whole clause for modifiers (25.8 s)
    (_extract, HEAD + TABLES["relationship"], ["separately", "reportable"]),
    # and each cue asked every trigger of its clause whether it was negated (37 s at 32 KiB; 5.9 s at 256 KiB)
    (_extract, HEAD + TABLES["relationship"], ["or", "not", "separately", "reportable"]),
    (_extract, HEAD + TABLES["relationship"], ["without", "in addition to", "monitors", "this procedure"]),
    # and each cue under one negation quoted that negation's whole scope again
    (_extract, HEAD + TABLES["relationship"], ["included in", "Aetna", "(", "not"]),
]


def test_the_measured_cases_are_linear():
    for work, template, fragments in MEASURED:
        small, large, per_byte = ((SMALL, LARGE, PARSE_PER_BYTE) if work is _parse
                                  else (EXTRACT_SMALL, EXTRACT_LARGE, EXTRACT_PER_BYTE))
        _check_growth(work, template, fragments, small, large, per_byte)
