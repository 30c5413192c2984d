"""Bring your own CPT descriptors: a licensed file (written here by the test; kg ships no CPT text)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, load_cpt, releases
from kg.errors import CodeSetError
from kg.vocab import code_iri

SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"

# made-up descriptors in the shape of a licensed file: not AMA text
ROWS = [("77013", "Made-up descriptor for a guidance code"), ("0042T", "Made-up category III descriptor"),
        ("0001F", "Made-up category II descriptor, with a comma")]


def _labels(store, code):
    return sorted(q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(code_iri("CPT", code)), ox.NamedNode(SKOS + "prefLabel"), None, ox.NamedNode(current_graph(store, "cpt"))))


@pytest.mark.parametrize("name, text", [
    ("cpt_2025_descriptors.txt", "code\tdescription\n" + "".join(f"{c}\t{d}\n" for c, d in ROWS)),
    ("cpt_2025_descriptors.csv", "code,description\r\n" + "".join(f'{c},"{d}"\r\n' for c, d in ROWS)),
])
def test_tab_separated_or_csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = ox.Store()
    report = load_cpt(store, path, progress=False)
    assert (report.name, report.release, report.triples) == ("cpt", "2025", 6 * len(ROWS))
    for code, description in ROWS:
        assert _labels(store, code) == [description]
    scheme = [q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(code_iri("CPT", "0042T")), ox.NamedNode(SKOS + "inScheme"), None, None)]
    assert scheme == [KG + "CPT"]
    (r,) = releases(store)
    assert (r["name"], r["file"], r["context"]) == ("cpt", name, "")


def test_the_audit_reads_them_as_official_labels(tmp_path):
    from kg.audit import official

    path = tmp_path / "cpt.txt"
    path.write_text("code\tdescription\n77013\tMade-up descriptor\n", encoding="utf-8")
    store = ox.Store()
    load_cpt(store, path, progress=False)
    assert official(store).labels["CPT"]["77013"] == ["Made-up descriptor"]


def test_a_code_that_is_not_cpt(tmp_path):
    path = tmp_path / "cpt.txt"
    path.write_text("code\tdescription\n77013\tok\nC22.0\tnot a CPT code\n", encoding="utf-8")
    with pytest.raises(CodeSetError, match=r"cpt\.txt:3: 'C22\.0' is not a CPT code"):
        load_cpt(ox.Store(), path, progress=False)


def test_a_file_without_the_columns(tmp_path):
    path = tmp_path / "cpt.txt"
    path.write_text("CPT_CODE\tLONG_DESCRIPTION\n77013\tx\n", encoding="utf-8")
    with pytest.raises(CodeSetError, match=r"cpt\.txt:1: missing column 'code'; the header has CPT_CODE, LONG_DESCRIPTION"):
        load_cpt(ox.Store(), path, progress=False)
