"""ICD-10-CM instructional notes as edges, on the packaged FY2026 tabular list."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import graph_iri
from kg.icd_notes import excludes1_between
from kg.model import OFFICIAL_RELATIONS
from kg.query import run
from kg.vocab import code_iri
from kg.codesets.release import file_sha256
from kg.codesets.icd10cm import packaged_tabular

G = ox.NamedNode(graph_iri("icd10cm", "2026 (2026-04-01)", file_sha256(packaged_tabular())))
KG = "https://w3id.org/codekg/ontology#"


def _targets(store, code, relation):
    s = ox.NamedNode(code_iri("ICD10CM", code))
    return sorted(q.object.value.rsplit("/", 1)[1] for q in store.quads_for_pattern(s, ox.NamedNode(KG + relation),
                                                                                    None, G))


def _count(store, p, o=None):
    return sum(1 for _ in store.quads_for_pattern(None, ox.NamedNode(KG + p), o, G))


@pytest.mark.parametrize("code, relation, expected", [
    ("E11", "excludes1", {"E08", "E09", "E10", "E13", "O24.4", "P70.2"}),  # wildcards (E08.-) and codes
    ("I10", "excludes1", {"O10", "O11", "O13", "O14", "O15", "O16"}),  # ranges (O10-O11, O13-O16)
    ("E11", "useAdditionalCode", {"Z79.4", "Z79.84", "Z79.85"}),
])
def test_note_references_resolve(icd_store, code, relation, expected):
    assert expected <= set(_targets(icd_store, code, relation))


def test_a_range_names_codes_of_the_level_it_spans(icd_store):
    # "(O10-O11, O13-O16)" names the categories, not also their subcodes
    assert not any("." in t for t in _targets(icd_store, "I10", "excludes1") if t.startswith("O1"))


def test_every_kind_of_note_has_edges_and_nodes(icd_store):
    for relation in OFFICIAL_RELATIONS:
        assert _count(icd_store, relation) > 500, relation
        assert _count(icd_store, "noteRelation", ox.NamedNode(KG + relation)) > 500, relation
    # the FY2026 tabular: Excludes1 on 2,576 codes and 68 blocks and chapters
    carriers = {q.subject for q in icd_store.quads_for_pattern(None, ox.NamedNode(KG + "excludes1"), None, G)}
    assert 2_550 < len(carriers) < 2_700


def test_unresolved_references_are_kept_on_the_note(icd_store):
    unresolved = [q.object.value for q in icd_store.quads_for_pattern(
        None, ox.NamedNode(KG + "unresolvedReference"), None, G)]
    assert "G31.90" in unresolved  # a code the FY2026 release does not have
    assert len(unresolved) < 10


def test_the_note_text_is_on_its_node(icd_store):
    note = ox.NamedNode("https://w3id.org/codekg/icd10cm-note/E11/excludes1/1")
    text = [q.object.value for q in icd_store.quads_for_pattern(note, ox.NamedNode(KG + "noteText"), None, G)]
    assert text == ["diabetes mellitus due to underlying condition (E08.-)"]


def test_excludes_query_walks_up_the_hierarchy(icd_store):
    rows = {(r["kind"], r["excluded"], r["carrier"]) for r in run(icd_store, "excludes", code="E11.9").records()}
    assert ("excludes1", "E08", "E11") in rows  # inherited from the category
    assert ("excludes1", "E11.A", "E11.9") in rows  # its own
    assert any(carrier.isdigit() for _, _, carrier in rows)  # and from the chapter


def test_edges_agree_with_the_text_reader_kg_check_uses(icd_store):
    rows = {(r["excluded"], r["carrier"]) for r in run(icd_store, "excludes", code="E11.9").records()
            if r["kind"] == "excludes1"}
    for excluded, carrier in sorted(rows):
        probe = excluded if "-" not in excluded else excluded.split("-")[0]
        assert excludes1_between("E11.9", probe) is not None, (excluded, carrier)


@pytest.mark.parametrize("a, b, carrier, named", [
    ("I10", "O10.02", "I10", "O10"),  # I10 excludes the category O10, so every code below it
    ("O10.02", "I10", "I10", "O10"),  # in either order
    ("E11.9", "E10.9", "E11", "E10"),  # both ends inherit
])
def test_excludes1_pair(icd_store, a, b, carrier, named):
    rows = run(icd_store, "excludes1-pair", code=a, other=b).records()
    assert (carrier, named) in {(r["carrier"], r["named"]) for r in rows}


def test_excludes1_pair_without_a_note(icd_store):
    assert run(icd_store, "excludes1-pair", code="E11.9", other="I10").rows == []
