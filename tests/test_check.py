"""kg check: claim lines against the official rules, one test claim for each CMS indicator value."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.check import KINDS, check, check_claims, check_lines, load_rules
from kg.claims import ClaimLine, from_args, read_claims
from kg.cms import RULES, decode
from kg.errors import ClaimError

# Column 1 codes whose real PTP rows (in force and deleted) the test store holds: the full file takes a minute.
PTP_CODES = {"43239", "93306", "29881", "77013", "17000", "11102", "22551"}
MPFS_FILE = "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv"


@pytest.fixture(scope="module")
def ptp_file(shared_data, tmp_path_factory) -> Path:
    """The real practitioner PTP rows (deleted ones too) whose column 1 is one of :data:`PTP_CODES`."""
    path = tmp_path_factory.mktemp("ptp") / "ncci_ptp_practitioner_2024q3.csv"
    with gzip.open(shared_data / "ncci_ptp_practitioner_2024q3.csv.gz", "rt", newline="") as src, \
            path.open("w", newline="") as out:
        reader = csv.reader(src)
        w = csv.writer(out)
        w.writerow(next(reader))
        w.writerows(r for r in reader if r[0] in PTP_CODES)
    return path


@pytest.fixture(scope="module")
def store(shared_data, ptp_file) -> ox.Store:
    """Every code set kg check reads, loaded once (in memory)."""
    from kg.codesets import load, load_ncci_ptp

    st = ox.Store()
    d = shared_data
    load(st, {
        "icd10cm": None,
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "mpfs": d / MPFS_FILE,
        "ncci-mue": d / "ncci_mue_practitioner_2024q3.csv",
        "ncci-addon": d / "ncci_addon_code_edits_2024-06.csv",
    }, progress=False)
    load_ncci_ptp(st, ptp_file, include_deleted=True, progress=False)
    return st


def _run(store, *lines: ClaimLine) -> set[tuple[int, str, str, str]]:
    return {(f["line"], f["code"], f["kind"], f["severity"]) for f in check(store, list(lines))}


def _claim(*codes: str, dx=(), units=1, dos="") -> list[ClaimLine]:
    return from_args(codes, dx=dx, units=units, dos=dos)


def _kinds(store, *codes, **kw) -> set[tuple[str, str, str]]:
    return {(f["code"], f["kind"], f["severity"]) for f in check(store, _claim(*codes, **kw))}


# --------------------------------------------------------------------------
# one claim per CMS indicator value: every rule of kg.cms.RULES about modifiers

@pytest.fixture(scope="module")
def mpfs_rows(shared_data) -> list[dict[str, str]]:
    """The global rows (no modifier) first, then the modifier rows."""
    with (shared_data / MPFS_FILE).open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if not r["mod"]] + [r for r in rows if r["mod"]]


_MODIFIER_FIELDS = ("pctc_ind", "glob_days", "bilat_surg", "asst_surg", "co_surg", "team_surg")


def _field_modifiers(field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for r in RULES if r.field == field for m in r.modifiers))


@pytest.mark.parametrize("rule", [r for r in RULES if r.field in _MODIFIER_FIELDS], ids=lambda r: f"{r.field}={r.value}")
def test_each_mpfs_modifier_indicator_value(store, mpfs_rows, rule):
    row = next(r for r in mpfs_rows if r[rule.field] == rule.value)
    code = row["hcpcs"]
    priced = {r["mod"] for r in mpfs_rows if r["hcpcs"] == code and r["mod"]}
    for mod in _field_modifiers(rule.field):
        got = {(f["kind"], f["severity"]) for f in check(store, _claim(f"{code}-{mod}"))
               if f["code"] == f"{code}-{mod}" and f["kind"].startswith("modifier-")}
        if row["mod"]:  # a value found only on a modifier row (PC/TC 6 is on 83020-26): that modifier is priced
            assert got == (set() if mod in priced else {("modifier-not-allowed", "error")}), (code, mod)
            continue
        expected = {(rule.kind, rule.severity)} if mod in rule.modifiers and mod not in priced else set()
        assert got == expected, (code, mod, rule.value)


@pytest.mark.parametrize("rule", [r for r in RULES if r.field == "status_code"], ids=lambda r: r.value)
def test_each_mpfs_status_code(store, mpfs_rows, rule):
    if rule.value == "(absent)":
        code = "E0601"  # a DMEPOS code: in HCPCS, not in the MPFS
    else:
        code = next((r["hcpcs"] for r in mpfs_rows if r["status_code"] == rule.value), None)
        if code is None:
            assert rule.value in "DFGH", f"status {rule.value} in no row of {MPFS_FILE}"
            return  # deleted-code statuses: not in this release
    got = {(f["kind"], f["severity"]) for f in check(store, _claim(code)) if f["kind"] == "not-payable"}
    assert got == ({("not-payable", rule.severity)} if rule.kind else set())


# the CMS definitions themselves, on real codes (RVU24C)
@pytest.mark.parametrize("claim, expected", [
    (("77013-80",), {("77013-80", "modifier-not-allowed", "warning")}),  # asst_surg 0: documentation
    (("59510-80",), {("59510-80", "modifier-not-allowed", "error")}),  # asst_surg 1: statutory restriction
    (("22551-80",), set()),  # asst_surg 2: may be paid
    (("77013-62",), {("77013-62", "modifier-not-allowed", "error")}),  # co_surg 0
    (("93000-26",), {("93000-26", "modifier-not-allowed", "error")}),  # pctc 4: global test only
    (("77013-26",), set()),  # pctc 1
    (("77013-78",), {("77013-78", "modifier-global-period", "error")}),  # XXX
    (("77013-QK",), {("77013-QK", "modifier-not-allowed", "error")}),  # anesthesia modifier, radiology code
    (("00731-QK",), set()),  # anesthesia code
    (("70110-50",), {("70110-50", "modifier-not-allowed", "error")}),
])
def test_mpfs_semantics_on_real_codes(store, claim, expected):
    got = {k for k in _kinds(store, *claim) if k[1].startswith("modifier-")}
    assert got == expected


# --------------------------------------------------------------------------
# NCCI PTP: modifier indicator 0 / 1 / 9 and deletion dates

def test_ptp_indicator_0_is_an_error_whatever_the_modifier(store):
    assert ("43235", "ncci-ptp", "error") in _kinds(store, "43239", "43235")
    assert ("43235", "ncci-ptp", "error") in _kinds(store, "43239", "43235-59")


def test_ptp_indicator_1_is_bypassed_by_an_ncci_modifier_on_either_line(store):
    assert ("17000", "ncci-ptp", "error") in _kinds(store, "11102", "17000")
    for claim in (("11102", "17000-59"), ("11102-XS", "17000"), ("11102", "17000-RT")):
        assert not [k for k in _kinds(store, *claim) if k[1] == "ncci-ptp"], claim
    (f,) = [f for f in check(store, _claim("11102", "17000")) if f["kind"] == "ncci-ptp"]
    assert "59, XE, XP, XS" in f["message"] and "modifier_indicator=1" in f["source"]


def test_ptp_deleted_edits_apply_before_their_deletion_date(store):
    # 29881 / 01995: modifier indicator 0, deleted 2006-12-31 (in force, the pair would be an edit)
    assert ("01995", "ncci-ptp", "error") in _kinds(store, "29881", "01995", dos="2006-06-01")
    assert not [k for k in _kinds(store, "29881", "01995", dos="2024-07-01") if k[1] == "ncci-ptp"]
    assert not [k for k in _kinds(store, "29881", "01995") if k[1] == "ncci-ptp"]
    # 17000 / 11001: indicator 9, deleted retroactively: never applies
    assert not [k for k in _kinds(store, "17000", "11001", dos="1995-06-01") if k[1] == "ncci-ptp"]


def test_ptp_only_on_the_same_date_of_service(store):
    lines = [ClaimLine("A", 1, "43239", dos="2024-07-01"), ClaimLine("A", 2, "43235", dos="2024-07-02")]
    assert not [f for f in check(store, lines) if f["kind"] == "ncci-ptp"]


# --------------------------------------------------------------------------
# MUE adjudication indicators 1 / 2 / 3, add-on edit types 1 / 2 / 3

def test_mue_line_edit_mai_1(store):
    # 99486: MUE 4, MAI 1: per line
    assert ("99486", "mue", "error") in _kinds(store, "99486", units=5)
    lines = [ClaimLine("A", 1, "99486", units=3), ClaimLine("A", 2, "99486", units=3)]
    assert not [f for f in check(store, lines) if f["kind"] == "mue"]


@pytest.mark.parametrize("code", ["0001U", "77013"])  # MAI 2 (policy), MAI 3 (clinical): summed per date
def test_mue_date_of_service_edits_mai_2_and_3(store, code):
    lines = [ClaimLine("A", 1, code), ClaimLine("A", 2, code)]
    (f,) = [f for f in check(store, lines) if f["kind"] == "mue"]
    assert f["severity"] == "error" and "2 units on the claim" in f["message"]
    assert not [f for f in check(store, [ClaimLine("A", 1, code)]) if f["kind"] == "mue"]


def test_add_on_edit_types(store):
    assert ("22552", "add-on-without-primary", "error") in _kinds(store, "22552")  # type 1
    assert not [k for k in _kinds(store, "22551", "22552") if k[1] == "add-on-without-primary"]
    assert ("0054T", "add-on-without-primary", "warning") in _kinds(store, "0054T")  # type 2: no CMS list
    assert not [k for k in _kinds(store, "27447", "0054T") if k[1] == "add-on-without-primary"]
    assert ("20701", "add-on-without-primary", "warning") in _kinds(store, "20701")  # type 3
    assert not [k for k in _kinds(store, "11010", "20701") if k[1] == "add-on-without-primary"]


# --------------------------------------------------------------------------
# diagnoses and codes

def test_excludes1_ranges_wildcards_and_inheritance(store):
    # E11 carries "diabetes mellitus due to underlying condition (E08.-)": applies to E11.9 below it
    assert ("E08.65", "excludes1", "error") in _kinds(store, "99213", dx=["E11.9", "E08.65"])
    # I10 carries "hypertensive disease complicating pregnancy ... (O10-O11, O13-O16)": a range
    assert ("O10.02", "excludes1", "error") in _kinds(store, "99213", dx=["I10", "O10.02"])
    # Excludes2 (I10: hypertension involving vessels of brain, I60-I69) is not an error
    assert not [k for k in _kinds(store, "99213", dx=["I10", "I63.9"]) if k[1] == "excludes1"]
    # a block's note: J40-J4A excludes "bronchitis due to chemicals ... (J68.0)", for asthma J45.909 below it
    assert ("J68.0", "excludes1", "error") in _kinds(store, "99213", dx=["J45.909", "J68.0"])
    assert not [k for k in _kinds(store, "99213", dx=["E11.9", "I10"]) if k[1] == "excludes1"]


def test_excludes1_notes_are_those_of_simple_icd_10_cm():
    import random

    import simple_icd_10_cm as icd

    from kg.icd_notes import excludes1

    leaves = [c for c in icd.get_all_codes(True) if icd.is_leaf(c)]
    for code in random.Random(14).sample(leaves, 300):
        expected = {n for c in [code, *icd.get_ancestors(code)] for n in icd.get_excludes1(c)}
        assert {n for n, _ in excludes1(code)} == expected, code


def test_codes_and_diagnoses(store):
    got = _kinds(store, "99217", "77013-XT", "85025", "E0601", dx=["I25.1", "RO7.9", "E119"])
    assert ("99217", "unknown-code", "error") in got
    assert ("XT", "unknown-code", "error") in got
    assert ("I25.1", "non-billable-dx", "error") in got
    assert ("RO7.9", "unknown-code", "error") in got
    assert ("85025", "not-payable", "info") in got  # status X: clinical lab fee schedule
    assert ("E0601", "not-payable", "warning") in got  # not in the MPFS
    assert not [k for k in got if k[0] == "E119"]  # E11.9 as claims write it, without the dot
    (typo,) = [f for f in check(store, _claim("77013", dx=["RO7.9"])) if f["code"] == "RO7.9"]
    assert "did you mean R07.9" in typo["message"]


def test_every_finding_has_a_kind_a_severity_and_a_source(store):
    found = check(store, _claim("43239", "43235-80", "22552", "99217", dx=["I25.1", "E11.9", "E08.65"], units=9))
    assert {f["kind"] for f in found} <= set(KINDS)
    assert all(f["severity"] in ("error", "warning", "info") and f["source"] and f["message"] for f in found)


# --------------------------------------------------------------------------
# input and the Python API

def test_csv_bad_rows_are_reported_and_the_others_checked(store, tmp_path):
    p = tmp_path / "claims.csv"
    p.write_text("claim_id,line,code,modifiers,units,dx,pos,dos\n"
                 "A,1,43239,,1,K21.9,11,2024-07-01\n"
                 "A,2,43235,,one,,11,2024-07-01\n"
                 "A,3,43235,,1\n"
                 "A,4,43235,,1,,11,2024-07-01\n")
    lines, errors = read_claims(p)
    assert [str(e) for e in errors] == [f"{p}:3: units 'one' is not a whole number", f"{p}:4: row has 5 cells, the header 8"]
    assert [ln.line for ln in lines] == [1, 4]
    assert ("A", 4, "43235", "ncci-ptp") in {(f.claim_id, f.line, f.code, f.kind) for f in check_claims(store, lines)}
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,code\nA,77013\n")
    with pytest.raises(ClaimError, match=r"bad.csv:1: missing columns line, modifiers, units, dx, pos"):
        read_claims(bad)


def test_dataframes_in_and_out(store):
    import pandas as pd

    df = pd.DataFrame([{"claim_id": "A", "line": 1, "code": "93306", "modifiers": "", "units": 1, "dx": "I50.9",
                        "pos": "11"},
                       {"claim_id": "A", "line": 2, "code": "93320", "modifiers": "26", "units": 1, "dx": "",
                        "pos": "11"}])
    out = check(store, df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["claim_id", "line", "code", "kind", "severity", "message", "source"]
    assert ("93320", "ncci-ptp") in set(zip(out["code"], out["kind"]))


def test_rules_load_once_then_check_in_memory(store):
    lines = _claim("43239", "43235")
    rules = load_rules(store, codes={"43239", "43235"}, diagnoses=set(), modifiers=set())
    assert rules.ptp[("43239", "43235")] == "0" and rules.ptp_release.startswith("2024Q3")
    assert decode("modifier_indicator", rules.ptp[("43239", "43235")]).severity == "error"
    assert [f.kind for f in check_lines(lines, rules)] == ["ncci-ptp"]
    assert check(ox.Store(), lines) == []  # nothing loaded: nothing checked, nothing guessed


# --------------------------------------------------------------------------
# the CLI

@pytest.fixture(scope="module")
def cli_store(shared_data, ptp_file, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("check-cli") / "store"
    d = shared_data
    r = _kg("codesets", "load", "--no-icd10cm", "--mpfs", str(d / MPFS_FILE), "--ncci-ptp", str(ptp_file),
            "--ncci-addon", str(d / "ncci_addon_code_edits_2024-06.csv"), "--store", str(path))
    assert r.returncode == 0, r.stderr
    return path


def _kg(*args):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=600, check=False)


def test_cli_check_one_claim(cli_store):
    r = _kg("check", "93306", "93320-26", "--dx", "I50.9", "--units", "1", "--format", "json", "--store", str(cli_store))
    assert r.returncode == 1, r.stderr
    found = json.loads(r.stdout)
    assert {(f["code"], f["kind"]) for f in found} >= {("93320", "ncci-ptp"), ("93320", "add-on-without-primary")}
    r = _kg("check", "93306", "--fail-on", "error", "--store", str(cli_store))
    assert r.returncode == 0 and r.stdout.strip() == "no findings"


def test_cli_check_claims_file(cli_store, tmp_path):
    p = tmp_path / "claims.csv"
    p.write_text("claim_id,line,code,modifiers,units,dx,pos\nA,1,77013,80,1,,22\nA,2,77013,,x,,22\n")
    r = _kg("check", "--claims", str(p), "--format", "csv", "--fail-on", "never", "--store", str(cli_store))
    assert r.returncode == 1  # a bad row
    assert f"{p}:3: units 'x' is not a whole number" in r.stderr
    rows = list(csv.DictReader(r.stdout.splitlines()))
    assert [(x["code"], x["kind"], x["severity"]) for x in rows] == [("77013-80", "modifier-not-allowed", "warning")]
    assert _kg("check", "--store", str(cli_store)).returncode == 2  # neither codes nor --claims


def test_cli_says_what_it_could_not_check(cli_store):
    r = _kg("check", "77013", "--context", "hospital", "--store", str(cli_store))
    assert "not checked: ncci-ptp: no NCCI PTP release of context hospital is loaded" in r.stderr
    assert "not checked: excludes1, non-billable-dx: no ICD-10-CM release is loaded" in r.stderr


def test_check_bench_smoke(cli_store, tmp_path):
    bench = Path(__file__).resolve().parents[1] / "bench" / "check_bench.py"
    r = subprocess.run([sys.executable, str(bench), "--store", str(cli_store), "-n", "3000", "--sample", "50"],
                       capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "3,000 claim lines" in r.stdout and "baseline extrapolated to 3,000 lines" in r.stdout
    assert "ncci-ptp" in r.stdout  # the planted bundled pairs are found


def test_readme_rule_table_is_the_code_table():
    from kg.cms import markdown_table

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- cms-rules:start -->\n", 1)[1].split("\n<!-- cms-rules:end -->", 1)[0]
    assert table == markdown_table()


# --------------------------------------------------------------------------
# Excludes1 from the store's kg:excludes1 edges (the packaged XML only when the store holds no notes)

def _tabular(tmp_path, notes: str) -> Path:
    path = tmp_path / "icd10cm_tabular_2027.xml"
    path.write_text(
        "<ICD10CM.tabular><version>2027</version><chapter><name>4</name><desc>Endocrine</desc>"
        "<section id='E08-E13'><desc>Diabetes</desc>"
        "<diag><name>E08</name><desc>Diabetes due to underlying condition</desc>"
        "<diag><name>E08.65</name><desc>Diabetes due to underlying condition with hyperglycemia</desc></diag></diag>"
        f"<diag><name>E10</name><desc>Type 1 diabetes</desc>{notes}"
        "<diag><name>E10.9</name><desc>Type 1 without complications</desc></diag></diag>"
        "<diag><name>E11</name><desc>Type 2 diabetes</desc>"
        "<diag><name>E11.9</name><desc>Type 2 without complications</desc></diag></diag>"
        "</section></chapter></ICD10CM.tabular>")
    return path


def _icd_store(path: Path) -> ox.Store:
    from kg.codesets import load

    st = ox.Store()
    load(st, {"icd10cm": path}, progress=False)
    return st


def test_excludes1_comes_from_the_store_edges(tmp_path):
    # a note the packaged FY2026 XML does not have: only the store's edges can find it
    st = _icd_store(_tabular(tmp_path, "<excludes1><note>made-up type 2 note (E11.-)</note></excludes1>"))
    rules = load_rules(st, codes=["99213"], diagnoses=["E10.9", "E11.9"])
    assert rules.excludes1 is not None and rules.remarks() == []
    found = check(rules, _claim("99213", dx=["E10.9", "E11.9"]))
    hits = [f for f in found if f["kind"] == "excludes1"]
    assert len(hits) == 1 and "made-up type 2 note (E11.-)" in hits[0]["message"] and "note on E10" in hits[0]["message"]
    # the note is inherited down from E10 and names every code below E11; not the other way round, not E08
    assert not [f for f in check(rules, _claim("99213", dx=["E10.9", "E08.65"])) if f["kind"] == "excludes1"]
    # the packaged XML's E10 note on E08 is not in this release: the store's edges decide
    assert not [f for f in check(st, _claim("99213", dx=["E10.9", "E08.65"])) if f["kind"] == "excludes1"]


def test_excludes1_falls_back_to_the_xml_and_says_so(tmp_path):
    st = _icd_store(_tabular(tmp_path, ""))
    remarks: list[str] = []
    found = check_claims(st, _claim("99213", dx=["E11.9", "E08.65"]), remarks=remarks)
    assert remarks and "holds no instructional notes" in remarks[0]
    # the packaged FY2026 tabular: E11 excludes diabetes mellitus due to underlying condition (E08.-)
    assert [f.code for f in found if f.kind == "excludes1"] == ["E08.65"]


def test_excludes1_on_the_full_release_uses_the_edges(store):
    rules = load_rules(store, codes=["99213"], diagnoses=["E11.9", "E08.65", "I10", "O10.02"])
    assert rules.excludes1 is not None and rules.remarks() == []
    assert rules.excludes1["E11.9"][0][2] in ("E11.9", "E11")  # nearest carrier first
