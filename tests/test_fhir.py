"""kg export --format fhir: R4 CodeSystems and ConceptMaps, validated with fhir.resources, checked against the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.conceptmap import ConceptMap

import kg.fhir.conceptmaps as conceptmaps
from kg.cli import main
from kg.fhir import EQUIVALENCES, MAPS, write_fhir
from kg.model import CODE_SYSTEMS, RELATIONS

DATA = Path(__file__).parent / "data" / "interop"

# fhir.resources 8 models R5 by default; its R4B models are R4's for CodeSystem and ConceptMap (R4B changed
# neither). It checks structure and types but not code bindings, so the tests check equivalence codes themselves.
R4_EQUIVALENCES = {"relatedto", "equivalent", "equal", "wider", "subsumes", "narrower", "specializes", "inexact",
                   "unmatched", "disjoint"}
STANDARD = {"http://www.ama-assn.org/go/cpt", "http://hl7.org/fhir/sid/icd-10-cm", "http://nucc.org/provider-taxonomy",
            "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"}


@pytest.fixture(scope="module")
def fhir_dir(interop_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fhir")
    written = write_fhir(interop_store, out)
    assert not [w for w in written if w.skipped], [(w.id, w.skipped) for w in written if w.skipped]
    return out


def _parts(path: Path) -> list[dict]:
    return [json.loads(line)["entry"][0]["resource"] for line in path.read_text(encoding="utf-8").splitlines()]


def _targets(path: Path):
    """(source system, source code, target system, target code, target) of every target of every part."""
    for cm in _parts(path):
        for g in cm["group"]:
            for e in g["element"]:
                for t in e["target"]:
                    yield g["source"], e["code"], g["target"], t["code"], t


def _rows(store, name: str, **subs):
    import pyoxigraph as ox

    text = (DATA / f"{name}.rq").read_text(encoding="utf-8")
    return list(store.query(text, substitutions={ox.Variable(k): v for k, v in subs.items()}))


def _code(iri: str) -> tuple[str, str]:
    for s in CODE_SYSTEMS.values():
        if iri.startswith(s.namespace):
            return s.fhir, iri[len(s.namespace):]
    raise AssertionError(iri)


def test_every_file_is_written(fhir_dir):
    names = sorted(p.name for p in fhir_dir.iterdir())
    assert names == sorted([f"CodeSystem-{i}.json" for i in ("relation", "specialty", "payer", "site")]
                           + [f"ConceptMap-{m}.ndjson" for m in MAPS])
    assert EQUIVALENCES == tuple(sorted(R4_EQUIVALENCES, key=EQUIVALENCES.index))


def test_every_resource_validates_as_r4(fhir_dir):
    count = 0
    for path in sorted(fhir_dir.glob("CodeSystem-*.json")):
        cs = CodeSystem.model_validate(json.loads(path.read_text(encoding="utf-8")))
        assert cs.count == len(cs.concept or [])
        count += 1
    for path in sorted(fhir_dir.glob("ConceptMap-*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            bundle = Bundle.model_validate(raw)
            assert bundle.type == "transaction" and len(bundle.entry) == 1
            cm = ConceptMap.model_validate(raw["entry"][0]["resource"])
            assert bundle.entry[0].request.url == f"ConceptMap/{cm.id}"
            assert cm.identifier.value == path.stem.removeprefix("ConceptMap-")
            count += 1
    assert count >= 4 + len(MAPS)


def test_every_target_has_an_r4_equivalence_a_provenance_comment_and_its_relation(fhir_dir):
    relations = set(RELATIONS) | {"hcc", "ccsrCategory"}
    for path in fhir_dir.glob("ConceptMap-*.ndjson"):
        n = 0
        for _, _, _, _, t in _targets(path):
            n += 1
            assert t["equivalence"] in R4_EQUIVALENCES
            assert t["comment"].split(": ", 1)[1].strip(), t
            assert t["product"][0]["property"] == "https://w3id.org/codekg/ontology#relation"
            assert t["product"][0]["value"] in relations
        assert n, path


def test_maps_name_codes_by_the_standard_system_uris(fhir_dir):
    pairs = {m: {(s, t) for s, _, t, _, _ in _targets(fhir_dir / f"ConceptMap-{m}.ndjson")} for m in MAPS}
    icd, cpt, hcpcs = "http://hl7.org/fhir/sid/icd-10-cm", "http://www.ama-assn.org/go/cpt", \
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
    assert (icd, cpt) in pairs["briefing-diagnosis"] and {s for s, _ in pairs["briefing-diagnosis"]} == {icd}
    assert (cpt, cpt) in pairs["briefing-procedure"]
    assert pairs["ncci-ptp-practitioner"] <= {(a, b) for a in (cpt, hcpcs) for b in (cpt, hcpcs)}
    assert pairs["icd10cm-excludes1"] == {(icd, icd)}
    assert pairs["cms-hcc-v28"] == {(icd, "https://w3id.org/codekg/hcc/CMS-HCC-V28")}
    assert pairs["ccsr"] == {(icd, "https://w3id.org/codekg/ccsr")}
    used = {s for p in pairs.values() for pair in p for s in pair}
    assert STANDARD - {"http://nucc.org/provider-taxonomy"} <= used


def test_briefing_maps_hold_every_asserted_row_with_its_document_and_line(fhir_dir, interop_store):
    got = {}
    for m in ("briefing-diagnosis", "briefing-procedure"):
        for s, sc, t, tc, target in _targets(fhir_dir / f"ConceptMap-{m}.ndjson"):
            got.setdefault((s, sc, t, tc, target["product"][0]["value"], target["equivalence"]), []).append(
                target["comment"])
    expected = {}
    for r in _rows(interop_store, "asserted"):
        (ss, sc), (ts, tc) = _code(r["s"].value), _code(r["o"].value)
        if ss == "http://nucc.org/provider-taxonomy" or r["rel"].value.rsplit("#")[-1] not in (
                *[n for n, x in RELATIONS.items() if x.family in ("procedure", "diagnosis", "generic")],):
            continue
        if CODE_SYSTEMS["MOD"].fhir in (ss, ts):
            continue
        equivalence = "disjoint" if r["negated"] is not None else "relatedto"
        file = r["g"].value.rsplit("/", 1)[-1]
        expected.setdefault((ss, sc, ts, tc, r["rel"].value.rsplit("#")[-1], equivalence), []).append(
            f"{file}:{r['line'].value}")
    assert set(got) == set(expected)
    for key, provenance in expected.items():
        comment = " ".join(got[key])
        assert all(p in comment for p in provenance), (key, comment)


def test_a_briefing_row_is_cited_and_a_negated_one_is_disjoint(fhir_dir):
    def targets(m):
        out = {}
        for _, sc, _, tc, t in _targets(fhir_dir / f"ConceptMap-{m}.ndjson"):
            out.setdefault((sc, tc), []).append((t["equivalence"], t["comment"]))
        return out

    proc, dx = targets("briefing-procedure"), targets("briefing-diagnosis")
    assert ("relatedto", "monitors: 77013.txt:51") in proc[("77013", "49405")]
    assert ("disjoint", "alternativeTo: 99291.txt:37 (negated)") in proc[("99291", "99233")]
    assert dx[("Z66", "99291")] == [("disjoint", "indicationFor: 99291.txt:30 (negated)")]


def _csv_edits(path: Path) -> set[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["column_2"], r["column_1"]) for r in csv.DictReader(f) if not r["deletion_date"]}


@pytest.mark.parametrize("context, map_id", [("practitioner", "ncci-ptp-practitioner"),
                                             ("hospital", "ncci-ptp-hospital")])
def test_an_ncci_map_holds_every_edit_in_force_of_its_context(fhir_dir, interop_store, shared_data, context, map_id):
    got = [(sc, tc, t) for _, sc, _, tc, t in _targets(fhir_dir / f"ConceptMap-{map_id}.ndjson")]
    assert len(got) == len({(a, b) for a, b, _ in got})
    expected = {(_code(r["s"].value)[1], _code(r["o"].value)[1]) for r in _rows(interop_store, "ncci-edits")
                if r["context"].value == context}
    assert {(a, b) for a, b, _ in got} == expected and expected
    if context == "practitioner":  # the file itself, read here: every edit in force of the radiology subset
        assert expected == _csv_edits(shared_data / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv")
    assert all(t["comment"].startswith(f"includedIn: NCCI PTP {context} 2024Q3: modifier indicator ") for *_, t in got)
    assert {p["value"] for *_, t in got for p in t["product"][1:]} <= {"0", "1", "9"}


def test_addon_excludes1_hcc_and_ccsr_maps_say_what_the_official_files_say(fhir_dir):
    addon = {(sc, tc): t for _, sc, _, tc, t in _targets(fhir_dir / "ConceptMap-ncci-addon.ndjson")}
    assert addon[("22552", "22551")]["comment"].startswith("addOnTo: NCCI add-on code edits 2024-06; edit type 1")
    ex = {(sc, tc): t for _, sc, _, tc, t in _targets(fhir_dir / "ConceptMap-icd10cm-excludes1.ndjson")}
    assert ex[("E11", "E08")]["equivalence"] == "disjoint"
    assert "Excludes1 note on E11" in ex[("E11", "E08")]["comment"]
    hcc = {(sc, tc): t for _, sc, _, tc, t in _targets(fhir_dir / "ConceptMap-cms-hcc-v28.ndjson")}
    assert hcc[("E11.9", "HCC38")]["equivalence"] == "wider" and hcc[("E11.9", "HCC38")]["display"]
    ccsr = {(sc, tc): t for _, sc, _, tc, t in _targets(fhir_dir / "ConceptMap-ccsr.ndjson")}
    assert ccsr[("E11.9", "END002")]["comment"].endswith("default inpatient and outpatient category")


def test_code_systems_hold_kg_vocabularies(fhir_dir):
    def load(name):
        return json.loads((fhir_dir / f"CodeSystem-{name}.json").read_text(encoding="utf-8"))

    assert [c["code"] for c in load("relation")["concept"]] == list(RELATIONS)
    specialty = load("specialty")
    assert (specialty["url"], specialty["content"], specialty["version"]) == (
        "http://nucc.org/provider-taxonomy", "fragment", "25.1")
    assert {"code": "207RP1001X", "display": "Pulmonary Disease Physician"} in specialty["concept"]
    payers = {c["code"]: c["display"] for c in load("payer")["concept"]}
    assert payers["medicare"] == "Medicare" and load("payer")["url"] == "https://w3id.org/codekg/payer"
    sites = load("site")
    assert any(p["code"] == "pos" for c in sites["concept"] for p in c.get("property", []))


def test_a_map_streams_in_parts_written_while_its_rows_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(conceptmaps, "PART_TARGETS", 10)
    out = tmp_path / "out"
    out.mkdir()
    seen = []

    def rows(store, graph):
        for i in range(25):
            if i == 11:  # the first part is on disk before the twelfth row is read
                seen.append(len((out / "ConceptMap-x.ndjson.part").read_text().splitlines()))
            yield conceptmaps.Mapping("http://www.ama-assn.org/go/cpt", f"{i % 7:05d}",
                                      "http://www.ama-assn.org/go/cpt", f"{i:05d}", "includedIn", "relatedto", "r")

    spec = conceptmaps.ConceptMapSpec("x", "X", "test", rows)
    w = conceptmaps.write_map(None, spec, out)
    assert seen == [1]
    parts = _parts(out / "ConceptMap-x.ndjson")
    assert (w.resources, w.targets, len(parts)) == (3, 25, 3)
    assert [sum(len(e["target"]) for g in p["group"] for e in g["element"]) for p in parts] == [10, 10, 5]
    assert [p["id"] for p in parts] == ["x-1", "x-2", "x-3"]


def test_a_map_cut_short_leaves_the_one_written_before(tmp_path):
    def rows(store, graph):
        yield conceptmaps.Mapping("a", "1", "b", "2", "includedIn", "relatedto", "r")
        raise RuntimeError("stop")

    (tmp_path / "ConceptMap-x.ndjson").write_text("before\n")
    with pytest.raises(RuntimeError):
        conceptmaps.write_map(None, conceptmaps.ConceptMapSpec("x", "X", "test", rows), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ConceptMap-x.ndjson"]
    assert (tmp_path / "ConceptMap-x.ndjson").read_text() == "before\n"


def test_maps_of_code_sets_not_loaded_are_skipped_with_the_reason(example_store, tmp_path):
    written = {w.id: w for w in write_fhir(example_store, tmp_path)}
    assert written["ncci-ptp-practitioner"].skipped == "code set 'ncci-ptp' is not loaded"
    assert not (tmp_path / "ConceptMap-ncci-ptp-practitioner.ndjson").exists()
    assert written["briefing-procedure"].path.is_file()


def test_cli_writes_the_directory_and_wants_one(interop_store_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "fhir"
    r = runner.invoke(main, ["export", "--format", "fhir", "-o", str(out), "--store", str(interop_store_dir)])
    assert r.exit_code == 0, r.output
    assert (out / "ConceptMap-ncci-ptp-hospital.ndjson").is_file() and "wrote" in r.output
    r = runner.invoke(main, ["export", "--format", "fhir", "--store", str(interop_store_dir)])
    assert r.exit_code == 2 and "needs -o DIR" in r.output
    (tmp_path / "file").write_text("")
    r = runner.invoke(main, ["export", "--format", "fhir", "-o", str(tmp_path / "file"), "--store",
                             str(interop_store_dir)])
    assert r.exit_code == 2 and "is a file" in r.output
