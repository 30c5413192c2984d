"""Did-you-mean by meaning: the briefing's description finds the code that was meant; spelling is the fallback."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.suggest import labels_from_files, load_labels, suggest


@pytest.fixture(scope="module")
def labels(official_labels, shared_data):
    from kg.codesets.table import rows

    cpt = {code: [] for _, (code,) in rows(shared_data / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv", ("hcpcs",))
           if code[:1].isdigit()}
    return {**official_labels, "CPT": cpt}


# (system, written, description, expected first suggestion)
CASES = [
    ("NUCC", "2086P0205X", "Interventional Radiology", "2085R0204X"),  # not 2080P0205X, Pediatric Endocrinology
    ("NUCC", "207K00000X", "Diagnostic Radiology", "2085R0202X"),  # nothing is one slip away
    ("NUCC", "207XH0106X", "Hand Surgery", "207XS0106X"),  # dev corpus 64721.txt
    ("NUCC", "207XH0106X", "", "207XS0106X"),
    ("ICD10CM", "RO7.9", "Chest pain, unspecified", "R07.9"),  # dev corpus 99285.txt: letter O for zero
    ("ICD10CM", "RO7.9", "", "R07.9"),
    ("ICD10CM", "C4020", "", "C40.20"),  # the dot left out
    ("ICD10CM", "C4O.20", "Malignant neoplasm of long bones of unspecified upper limb", "C40.20"),  # as read, first
    ("MOD", "XT", "Separate structure", "XS"),  # dev corpus 97140.txt
    ("HCPCS", "G0493", "Annual wellness visit, subsequent visit", "G0439"),  # digits swapped; not G0438, initial
]


@pytest.mark.parametrize("system,written,description,expected", CASES)
def test_first_suggestion(labels, system, written, description, expected):
    got = suggest(system, written, description, labels)
    assert got and got[0][0] == expected, got
    code, label, score = got[0]
    assert label == (labels[system][code] or [""])[0] and 0 < score <= 1


def test_99217_gets_suggestions_by_spelling(labels):
    got = suggest("CPT", "99217", "Observation care discharge day management", labels)
    assert 1 <= len(got) <= 3 and all(c.startswith("992") and c in labels["CPT"] for c, _, _ in got)


def test_meaning_outranks_spelling(labels):
    codes = [c for c, _, _ in suggest("NUCC", "2086P0205X", "Interventional Radiology", labels, limit=5)]
    assert codes[0] == "2085R0204X" and "2080P0205X" not in codes[:1]


def test_nothing_close_gives_nothing(labels):
    assert suggest("NUCC", "ZZZZZZZZZZ", "", labels) == []
    assert suggest("NUCC", "9999999999", "Quantum chromodynamics", labels) == []
    assert suggest("ICD10CM", "R07.9", "", {}) == []


def test_limit_and_order(labels):
    got = suggest("ICD10CM", "RO7.9", "Chest pain", labels, limit=5)
    assert len(got) == 5
    assert [s for _, _, s in got[1:]] == sorted((s for _, _, s in got[1:]), reverse=True)


def test_labels_from_the_store_match_the_files(shared_data, official_labels):
    from kg.codesets import load_hcpcs_modifiers, load_nucc

    store = ox.Store()
    load_nucc(store, shared_data / "nucc_taxonomy_251.csv", progress=False)
    load_hcpcs_modifiers(store, shared_data / "hcpcs_level2_modifiers_2025oct.csv", progress=False)
    loaded = load_labels(store)
    assert set(loaded) == {"NUCC", "MOD"}
    assert set(loaded["NUCC"]) == set(official_labels["NUCC"])
    assert set(loaded["NUCC"]["2085R0204X"]) >= {"Vascular & Interventional Radiology", "Radiology"}
    assert suggest("NUCC", "2086P0205X", "Interventional Radiology", loaded)[0][0] == "2085R0204X"
    assert "Right side" in loaded["MOD"]["RT"]


def test_labels_from_files_reads_cpt_rows_of_a_modifier_table(tmp_path):
    path = tmp_path / "mods.csv"
    path.write_text("mod_code,mod_type,mod_description\n26,CPT,Professional component\nRT,HCPCS,Right side\n")
    assert labels_from_files(modifiers=[path]) == {"MOD": {"26": ["Professional component"]}}
