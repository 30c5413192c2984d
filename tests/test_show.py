"""kg.show: one code's facts from the loaded code sets, the briefings and the audit."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.cms import decode

import kg
from kg.errors import QueryError
from kg.show import describe_indicator, show, to_json, to_text


@pytest.fixture(scope="module")
def facts_77013(coder_store):
    return kg.show(coder_store, "77013")


def test_fee_schedule_in_words(facts_77013):
    fs = facts_77013["fee_schedule"]
    assert fs["in_schedule"] and fs["release"] == "RVU24C" and fs["global_days"] == "XXX"
    words = {i["name"]: (i["value"], i["meaning"]) for i in fs["indicators"]}
    assert words["assistant at surgery"] == ("0", decode("asst_surg", "0").meaning)
    assert words["co-surgeons"] == ("0", decode("co_surg", "0").meaning)
    assert words["PC/TC"] == ("1", decode("pctc_ind", "1").meaning)
    assert fs["work_rvu"] == {"global": "0", "26": "3.99", "TC": "0"}


def test_mue_add_on_and_ncci(facts_77013):
    assert [(m["units"], m["adjudicationIndicator"]) for m in facts_77013["mue"]] == [("1", "3")]
    assert facts_77013["add_on"] == {"is_add_on": False, "edit_type": None, "meaning": None, "primaries": [],
                                     "add_ons": []}
    n = facts_77013["ncci"]
    assert (n["count"], n["as_column1"], n["as_column2"], n["indicator_0"]) == (4, 2, 2, 2)  # the fifth, 47383/77013, was deleted in 2015
    strongest = [(e["column1"], e["column2"], e["modifier_indicator"]) for e in n["strongest"]]
    assert strongest[:2] == [("32994", "77013", "0"), ("32998", "77013", "0")]  # indicator 0 first
    assert {e["modifier_indicator"] for e in n["strongest"][2:]} == {"1"}


def test_what_the_briefings_say_with_document_and_line(facts_77013):
    said = {(b["file"], b["line"], b["relation"], b["subject"], b["object"]) for b in facts_77013["briefings"]}
    assert ("77013.txt", 24, "hasModifier", "77013", "80") in said
    assert ("77013.txt", 51, "monitors", "77013", "49405") in said
    assert ("47382.txt", 42, "monitors", "77013", "47382") in said  # another briefing's row about 77013
    first = facts_77013["briefings"][0]
    assert (first["file"], first["relation"]) == ("77013.txt", "subject") and "CT Guidance" in first["description"]


def test_audit_findings(facts_77013):
    found = facts_77013["findings"]
    assert len(found) == 12
    assert {f["written"] for f in found if f["where"] == "names it"} == {"62", "78", "80", "QK", "QX"}


def test_official_label_and_parents(coder_store):
    f = show(coder_store, "2085R0202X")
    assert f["system"] == "NUCC" and f["official"]["label"] == "Diagnostic Radiology Physician"
    assert (f["official"]["classification"], f["official"]["specialization"]) == ("Radiology", "Diagnostic Radiology")
    assert [p["label"] for p in f["parents"]] == ["Allopathic & Osteopathic Physicians"]
    assert f["fee_schedule"] is None and f["ncci"] is None  # not a procedure code


def test_icd_ancestors(icd_and_examples):
    f = show(icd_and_examples, "c22.0")
    assert f["code"] == "C22.0" and f["official"]["label"] == "Liver cell carcinoma" and f["official"]["billable"]
    assert [p["code"] for p in f["parents"]] == ["C22", "C15-C26", "2"]
    assert ("77013.txt", 41, "indicationFor") in {(b["file"], b["line"], b["relation"]) for b in f["briefings"]}


@pytest.fixture(scope="module")
def icd_and_examples():
    from kg.codesets import load_icd10cm
    from kg.examples import examples_dir
    from kg.build import build

    store = ox.Store()
    assert build(store, [examples_dir()], progress=False).ok
    load_icd10cm(store, progress=False)
    return store


def test_an_add_on_and_its_primaries(coder_store):
    a = show(coder_store, "22552")["add_on"]
    assert a["is_add_on"] and a["edit_type"] == "1" and a["primaries"] == ["22551"]
    assert "22552" in show(coder_store, "22551")["add_on"]["add_ons"]


def test_parts_whose_code_set_is_not_loaded_are_left_out(example_store):
    f = show(example_store, "77013")
    assert f["known"] and f["official"] is None
    assert (f["fee_schedule"], f["mue"], f["add_on"], f["ncci"], f["findings"]) == (None, None, None, None, None)
    assert "fee schedule" not in to_text(f) and "77013.txt:24" in to_text(f)


def test_an_unknown_code_and_a_bad_one(coder_store):
    f = show(coder_store, "99999")
    assert not f["known"] and "not in the store" in to_text(f)
    with pytest.raises(QueryError, match="not shaped like"):
        show(coder_store, "not a code")
    with pytest.raises(QueryError, match="not shaped like a NUCC"):
        show(coder_store, "77013", system="NUCC")


def test_a_code_of_two_shapes(coder_store):
    f = show(coder_store, "G0439")
    assert f["system"] == "HCPCS" and f["also"] == ["ICD-10-CM G04.39"]
    assert show(coder_store, "G0439", system="ICD10CM")["system"] == "ICD10CM"


def test_text_and_json(facts_77013):
    text = to_text(facts_77013)
    assert text.startswith("77013 (CPT)")
    assert "assistant at surgery 0: " + decode("asst_surg", "0").meaning in text
    assert "NCCI PTP edits in force: 4 (2 as column 1, 2 as column 2); 2 with modifier indicator 0" in text
    assert facts_77013["findings"] and f"audit findings: {len(facts_77013['findings'])}\n" in text
    assert "77013.txt:24  77013 hasModifier 80" in text
    assert json.loads(to_json(facts_77013)) == facts_77013


@pytest.mark.parametrize("name,value,words", [
    ("status", "A", "active code"), ("status", "X", "statutory exclusion"),
    ("PC/TC", "0", "no professional/technical split"), ("global days", "090", "90-day postoperative"),
    ("global days", "ZZZ", "related to another service"), ("bilateral", "1", "150%"),
    ("assistant at surgery", "1", "may not be paid"), ("assistant at surgery", "2", "may be paid"),
    ("co-surgeons", "2", "permitted"), ("team surgery", "0", "not permitted"), ("multiple procedure", "9", "not apply"),
])
def test_describe_indicator(name, value, words):
    assert words in describe_indicator(name, value).lower()  # the words of kg.cms, the one decoding table
