"""kg audit against the real code sets: it finds what the real 77013 briefing gets wrong, and nothing else."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg.audit import AUDIT_GRAPH, SEVERITY, Finding, audit, did_you_mean, write_findings
from kg.query import run
from kg.store import open_store


@pytest.fixture(scope="module")
def findings(audited_store_dir) -> list[Finding]:
    return audit(open_store(audited_store_dir, read_only=True))


def _in(findings, document):
    return {(f.kind, f.code) for f in findings if f.document == document}


def test_the_errors_of_the_real_77013_briefing(findings):
    got = _in(findings, "77013.txt")
    expected = {
        ("label-mismatch", "K75.2"),  # ICD-10-CM: Nonspecific reactive hepatitis
        ("label-mismatch", "207K00000X"),  # NUCC: Allergy & Immunology
        ("label-mismatch", "363L00000X"),  # NUCC: Nurse Practitioner
        ("label-mismatch", "363A00000X"),  # NUCC: Physician Assistant
        ("unknown-code", "2086P0205X"),  # in no NUCC release
        ("not-in-fee-schedule", "10022"),
        ("not-in-fee-schedule", "74350"),
        ("modifier-conflict", "80"),  # MPFS assistant-surgeon indicator 0: documentation
        ("modifier-conflict", "62"),  # co-surgeon indicator 0: not permitted
        ("modifier-conflict", "78"),  # global days XXX: no postoperative period
        ("modifier-conflict", "QK"),  # anesthesia modifiers on a radiology code
        ("modifier-conflict", "QX"),
    }
    assert got == expected
    severity = {f.code: f.severity for f in findings if f.document == "77013.txt" and f.kind == "modifier-conflict"}
    assert severity == {"80": "warning", "62": "error", "78": "error", "QK": "error", "QX": "error"}


@pytest.mark.parametrize("code", ["C22.0", "C78.7", "D02.20", "C34.90", "207L00000X", "76942", "71260",
                                  "26", "59", "TC", "49405", "77013"])
def test_no_finding_for_the_codes_that_are_right(findings, code):
    assert not [f for f in findings if f.document == "77013.txt" and f.code == code]


def test_finding_fields(findings):
    (k75,) = [f for f in findings if f.code == "K75.2"]
    assert (k75.system, k75.line, k75.severity) == ("ICD-10-CM", 45, "warning")
    assert k75.briefing == "Hepatic fibrosis and cirrhosis of liver"
    assert k75.official == "Nonspecific reactive hepatitis"
    (m80,) = [f for f in findings if f.code == "80" and f.document == "77013.txt"]
    assert (m80.procedure, m80.system, m80.line) == ("77013", "modifier", 24)
    assert "Assistant at surgery (80, 81, 82, AS) 0" in m80.message and "paid only with documentation" in m80.message
    (nucc,) = [f for f in findings if f.code == "2086P0205X"]
    assert nucc.line == 33 and nucc.system == "NUCC"


def test_typos_non_billable_codes_bilateral_modifier_and_ncci(findings):
    got = _in(findings, "70110.txt")
    assert ("unknown-code", "C4O.20") in got
    (typo,) = [f for f in findings if f.code == "C4O.20"]
    assert typo.suggestion.split(", ")[0] == "C40.20" and "did you mean C40.20" in typo.message
    assert ("non-billable", "C22") in got
    assert ("modifier-conflict", "50") in got
    # 70100 is an alternative to 70110: consistent with the NCCI edit that bundles them, never a finding
    assert not [f for f in findings if f.kind == "ncci-conflict"]
    assert ("modifier-conflict", "26") not in got and ("label-mismatch", "S02.609A") not in got


def test_bundled_examples_are_clean_except_known_problems(findings):
    others = {(f.document, f.kind, f.code) for f in findings if f.document not in ("77013.txt", "70110.txt")}
    assert others == {("50593.txt", "modifier-conflict", "62")}


def test_did_you_mean():
    known = {"C40.20", "C40.21", "77013", "2085R0204X"}
    assert did_you_mean("C4O.20", known) == ["C40.20"]
    assert did_you_mean("77031", known) == ["77013"]
    assert did_you_mean("C4020", known)[0] == "C40.20"
    assert did_you_mean("ZZZZZ", known) == []


def test_an_audit_that_finds_what_the_graph_holds_rewrites_nothing(findings):
    import pyoxigraph as ox

    store = ox.Store()
    g = ox.NamedNode(AUDIT_GRAPH)
    held = write_findings(store, findings)
    mark = ox.Quad(g, ox.NamedNode("http://example.org/mark"), ox.Literal("left alone"), g)
    store.add(mark)
    assert write_findings(store, findings) == held + 1 and mark in store  # the same findings: not rewritten
    assert write_findings(store, findings[1:]) < held and mark not in store  # others: the graph is replaced
    assert write_findings(store, findings) == held and mark not in store


def test_findings_in_the_graph_and_named_queries(audited_store_dir, findings, tmp_path):
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(audited_store_dir, copy)
    store = open_store(copy)
    write_findings(store, findings)
    write_findings(store, findings)  # replaces, never duplicates
    rows = run(store, "audit-findings").records()
    assert len(rows) == len(findings)
    assert {(r["kind"], r["code"], r["file"], r["line"]) for r in rows} == {
        (f.kind, f.code, f.document, str(f.line)) for f in findings}
    only = run(store, "audit-findings", kind="unknown-code").records()
    assert {r["code"] for r in only} == {"2086P0205X", "C4O.20"}
    summary = {(r["kind"]): int(r["findings"]) for r in run(store, "audit-summary").records()}
    assert summary["label-mismatch"] == sum(f.kind == "label-mismatch" for f in findings)
    (k,) = run(store, "code-findings", code="k75.2").records()
    assert k["kind"] == "label-mismatch" and k["line"] == "45"


def _kg(*args):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=600)


def test_cli_audit_json_and_fail_on(audited_store_dir, tmp_path):
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(audited_store_dir, copy)
    r = _kg("audit", "--format", "json", "--store", str(copy))
    assert r.returncode == 1, r.stderr  # errors reach the default --fail-on error
    data = json.loads(r.stdout)
    assert all({"kind", "code", "system", "document", "line", "message"} <= set(d) for d in data)
    assert {"kind": "modifier-conflict", "code": "80", "procedure": "77013"}.items() <= next(
        d for d in data if d["code"] == "80" and d["document"] == "77013.txt").items()
    assert _kg("audit", "--fail-on", "never", "--format", "csv", "--store", str(copy)).returncode == 0
    r = _kg("query", "audit-summary", "--store", str(copy))
    assert r.returncode == 0 and "label-mismatch" in r.stdout


def test_audit_skips_code_sets_that_are_not_loaded(example_store):
    assert audit(example_store) == []


def test_every_kind_has_a_severity():
    assert set(SEVERITY) == {"unknown-code", "label-mismatch", "non-billable", "not-in-fee-schedule", "add-on-conflict",
                             "modifier-conflict", "ncci-conflict"}
    assert AUDIT_GRAPH == "https://w3id.org/codekg/audit"


# --------------------------------------------------------------------------
# NCCI semantics on hand-made mentions (pure: kg.audit.check needs no store)

def _mention(relation, ends=("43235", "43239"), text="", with_modifiers=()):
    from kg.audit import _Mention

    return _Mention(code=ends[1], written=ends[1], system="CPT", description="", relation=relation, subject=ends[0],
                    other=ends[0], document="d", file="d.txt", line=9, text=text, ends=ends,
                    with_modifiers=with_modifiers)


def test_a_pair_the_briefing_also_calls_included_is_no_finding():
    from kg.audit import check
    from kg.official import Official

    facts = Official(labels={}, billable={}, fee_schedule=None, ncci={("22551", "95940"): "0"}, ncci_release="2024Q3")
    monitors_and_bundled = [_mention("separatelyReportableWith", ends=("22551", "95940")),
                            _mention("includedIn", ends=("95940", "22551"))]
    assert check(monitors_and_bundled, facts) == []
    assert [f.severity for f in check(monitors_and_bundled[:1], facts)] == ["error"]


@pytest.mark.parametrize("relation, mi, text, with_modifiers, expected", [
    ("alternativeTo", "0", "", (), None),  # alternatives: consistent with the edit
    ("mutuallyExclusiveWith", "0", "", (), None),
    ("includedIn", "0", "", (), None),
    ("separatelyReportableWith", "0", "with modifier 59", (), "error"),  # indicator 0: no modifier helps
    ("addOnTo", "0", "", (), "error"),
    ("monitors", "0", "", (), None),  # guidance says nothing of who reports what (another physician may)
    ("separatelyReportableWith", "1", "", (), "info"),  # indicator 1, no modifier named: a hint, not an error
    ("separatelyReportableWith", "1", "a separate lesion, with modifier 59 or XS", (), None),
    ("separatelyReportableWith", "1", "", ("XU",), None),  # kg:withModifier on the asserted relation
    ("separatelyReportableWith", "9", "", (), None),  # deleted retroactively: not an edit
])
def test_ncci_pairs_are_checked_only_when_reported_together(relation, mi, text, with_modifiers, expected):
    from kg.audit import check
    from kg.official import Official

    facts = Official(labels={}, billable={}, fee_schedule=None, ncci={("43239", "43235"): mi}, ncci_release="2024Q3")
    found = [f for f in check([_mention(relation, text=text, with_modifiers=with_modifiers)], facts)
             if f.kind == "ncci-conflict"]
    assert [f.severity for f in found] == ([expected] if expected else [])
    if expected and mi == "1":
        assert "59, XE, XP, XS, XU" in found[0].message and "column 1 43239 / column 2 43235" in found[0].message


def test_negated_relations_are_not_mentions():
    import pyoxigraph as ox

    from kg.audit import mentions
    from kg.vocab import KG, briefing_iri, code_iri

    st = ox.Store()
    doc = briefing_iri("x.txt")
    g = ox.NamedNode(doc)
    n = ox.NamedNode
    t = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    skos = "http://www.w3.org/2004/02/skos/core#"
    a, b = n(code_iri("CPT", "43239")), n(code_iri("CPT", "43235"))
    quads = [(g, t, n(str(KG.Briefing))), (g, n(str(KG.sourceFile)), ox.Literal("x.txt")), (g, n(str(KG.aboutCode)), a)]
    for c, code in ((a, "43239"), (b, "43235")):
        quads += [(c, n(skos + "notation"), ox.Literal(code)), (c, n(skos + "inScheme"), n(str(KG.CPT)))]
    for line, negated in ((5, False), (6, True)):
        e = n(f"{doc}#L{line}")
        quads += [(e, t, n(str(KG.AssertedRelation))), (e, n(str(KG.subjectCode)), b), (e, n(str(KG.objectCode)), a),
                  (e, n(str(KG.relation)), n(str(KG.separatelyReportableWith))),
                  (e, n(str(KG.line)), ox.Literal(str(line), datatype=n("http://www.w3.org/2001/XMLSchema#integer")))]
        if negated:
            quads.append((e, n(str(KG.negated)), ox.Literal("true", datatype=n("http://www.w3.org/2001/XMLSchema#boolean"))))
    st.extend([ox.Quad(s, p, o, g) for s, p, o in quads])
    assert [(m.line, m.relation) for m in mentions(st) if m.relation != "subject"] == [(5, "separatelyReportableWith")]


@pytest.mark.parametrize("rows, expected", [
    ("99291,99292,1", []),  # CMS lists 99291 as a primary of 99292: the briefing agrees
    ("99290,99292,1", [("error", "does not list 99291 as a primary of 99292")]),
    ("99290,99292,3", [("warning", "does not list 99291 as a primary of 99292")]),  # type 3: others may be accepted
    ("CCCCC,99292,2", [("info", "any primary (CCCCC")]),  # the briefing restricts an any-primary add-on
    ("22551,22552,1", [("warning", "99292 is not an add-on code")]),
])
def test_audit_compares_add_on_statements_with_the_ncci_add_on_edits(tmp_path, rows, expected):
    from kg.build import build
    from kg.codesets import CODESETS
    from kg.examples import examples_dir

    store = ox.Store()
    build(store, examples_dir() / "99291.txt", progress=False)  # "99292 ... add-on to 99291"
    path = tmp_path / "ncci_addon_code_edits_2024-06.csv"
    path.write_text("primary_code,add_on_code,aoc_edit_type\n" + rows + "\n")
    CODESETS["ncci-addon"].load(store, path, progress=False)
    got = [f for f in audit(store) if f.kind == "add-on-conflict"]
    assert [(f.severity, f.code) for f in got] == [(severity, "99292") for severity, _ in expected]
    for f, (_, words) in zip(got, expected):
        assert words in f.message and f.document == "99291.txt" and f.official.startswith("NCCI add-on code edits")


def _names_table(query: str) -> dict[str, str]:
    from kg.official import internal_sparql

    return dict(re.findall(r'\(kg:(\w+) "(\w+)"\)', internal_sparql(query)))


def test_the_name_tables_of_the_audit_queries_are_the_registries():
    """audit-mentions and audit-code-nodes name each relation and code system from a table (no look-up of
    the IRI): it must hold every relation and every briefing code system, each under its own name."""
    from kg.model import RELATIONS
    from kg.model.codes import BRIEFING_SYSTEMS

    relations = _names_table("audit-mentions")
    assert relations == {name: name for name in RELATIONS}
    systems = _names_table("audit-code-nodes")
    assert systems == {s: s for group in BRIEFING_SYSTEMS.values() for s in group}


def test_the_audit_reads_the_same_from_its_caches(audited_store_dir, findings, tmp_path):
    """With a cache directory the audit finds what it finds without, the first time and from the cache."""
    from kg.audit.cache import cached_code_set_facts, label_memo
    from kg.official import code_set_facts

    store = open_store(audited_store_dir, read_only=True)
    first = audit(store, cache_dir=tmp_path)
    assert label_memo(tmp_path) and any(tmp_path.glob("code-set-facts-*.pickle"))
    assert first == findings == audit(store, cache_dir=tmp_path)
    assert cached_code_set_facts(store, tmp_path) == (code_set_facts(store), True)


def test_a_code_set_loaded_again_is_not_read_from_the_cache(tmp_path):
    from kg.audit.cache import cached_code_set_facts, facts_key
    from kg.codesets import CODESETS

    path = tmp_path / "ncci_addon_code_edits_2024-06.csv"
    path.write_text("primary_code,add_on_code,aoc_edit_type\nCCCCC,0054T,2\n22551,22552,1\n")
    store = ox.Store()
    CODESETS["ncci-addon"].load(store, path, progress=False)
    before = facts_key(store)
    assert cached_code_set_facts(store, tmp_path / "cache")[0].addons["22552"] == ("1", frozenset({"22551"}))
    path.write_text("primary_code,add_on_code,aoc_edit_type\n22551,22552,1\n22554,22552,1\n")
    CODESETS["ncci-addon"].load(store, path, progress=False)
    assert facts_key(store) != before
    facts, cached = cached_code_set_facts(store, tmp_path / "cache")
    assert not cached and facts.addons["22552"] == ("1", frozenset({"22551", "22554"}))
