"""CMS Place of Service codes, the site-text mapping, and the link step from briefing sites to them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, load_pos, map_site_text
from kg.examples import examples_dir
from kg.build_files import FileMemo
from kg.pipeline import SITE_LINKS, build_all, link_sites, load_codesets
from kg.build import build
from kg.stats import VOID_GRAPH
from kg.to_rdf import slug
from kg.vocab import code_iri

SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"


def _values(store, s, p):
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None))


def test_counts_and_values(reference_store, count):
    g = current_graph(reference_store, "pos")
    assert count(reference_store, "?s a kg:SiteOfService ; skos:inScheme kg:POS ; skos:notation ?n", g) == 52
    assert count(reference_store, '?s kg:facilityType "Facility"', g) == 18
    office = code_iri("POS", "11")
    assert _values(reference_store, office, SKOS + "prefLabel") == ["Office"]
    assert _values(reference_store, office, "http://www.w3.org/2000/01/rdf-schema#label") == ["Office"]
    assert _values(reference_store, office, KG + "facilityType") == ["Non-Facility"]
    assert _values(reference_store, code_iri("POS", "22"), KG + "facilityType") == ["Facility"]
    assert _values(reference_store, code_iri("POS", "01"), SKOS + "notation") == ["01"]
    assert _values(reference_store, code_iri("POS", "24"), SKOS + "definition")[0].startswith("A freestanding")


@pytest.mark.parametrize("text, codes", [
    ("hospital outpatient", ["19", "22"]),
    ("Hospital outpatient departments", ["19", "22"]),
    ("Ambulatory surgery center", ["24"]),
    ("ambulatory surgery centers", ["24"]),
    ("office", ["11"]),
    ("Physician office", ["11"]),
    ("physician's office", ["11"]),
    ("Inpatient hospital", ["21"]),
    ("Interventional radiology suites", []),
    ("hospital", []),
    ("", []),
])
def test_map_site_text(text, codes):
    assert map_site_text(text) == codes


def _links(store) -> set[tuple[str, str]]:
    return {(q.subject.value.rsplit("/", 1)[1], q.object.value.rsplit("/", 1)[1])
            for q in store.quads_for_pattern(None, ox.NamedNode(KG + "posCode"), None, None)}


def test_the_pos_load_reads_only_its_file(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    build(store, [examples_dir()], progress=False)
    load_pos(store, data_dir / "place_of_service_codes_cms.csv", progress=False)
    assert _links(store) == set()  # the link step, not the loader, links briefing sites


def test_briefing_sites_are_linked_after_both_are_in(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    build(store, [examples_dir()], progress=False)
    load_codesets(store, {"pos": data_dir / "place_of_service_codes_cms.csv"}, progress=False)
    links = _links(store)
    assert ("hospital-outpatient-department", "19") in links
    assert ("hospital-outpatient-department", "22") in links
    assert ("ambulatory-surgery-center", "24") in links
    assert ("physician-office", "11") in links
    assert ("inpatient-hospital", "21") in links
    assert not any(site == slug("interventional radiology suites") for site, _ in links)
    # all of them in the link graph, none in the POS release's graph
    in_graph = list(store.quads_for_pattern(None, None, None, ox.NamedNode(SITE_LINKS)))
    assert len(in_graph) == len(links)
    assert list(store.quads_for_pattern(None, ox.NamedNode(KG + "posCode"), None, ox.NamedNode(current_graph(store, "pos")))) == []
    assert link_sites(store) == len(links)  # idempotent
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(SITE_LINKS)))) == len(links)


def test_briefings_built_after_pos_are_linked(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    load_codesets(store, {"pos": data_dir / "place_of_service_codes_cms.csv"}, progress=False)
    assert _links(store) == set()  # no briefings yet
    one = tmp_path / "one"
    one.mkdir()
    (one / "77013.txt").write_text((examples_dir() / "77013.txt").read_text(encoding="utf-8"), encoding="utf-8")
    build_all(store, [one], progress=False)
    first = _links(store)
    assert first and all(site for site, _ in first)
    build_all(store, [examples_dir()], progress=False)
    assert first < _links(store)  # the new briefings' sites are linked too


def test_links_follow_the_pos_release(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    build(store, [examples_dir()], progress=False)
    load_codesets(store, {"pos": data_dir / "place_of_service_codes_cms.csv"}, progress=False)
    assert ("physician-office", "11") in _links(store)
    only_21 = tmp_path / "pos_2026.csv"
    only_21.write_text("pos_code,pos_type,pos_name,pos_description\n21,Facility,Inpatient Hospital,x\n")
    load_codesets(store, {"pos": only_21}, progress=False)
    assert {code for _, code in _links(store)} == {"21"}  # links to codes no longer loaded are gone


def _built_as_kg_build_leaves_it(tmp_path, data_dir):
    """The example briefings copied and built with POS, as ``kg build`` leaves a store: closed, and its memo saved
    (vouched for by the closed store). Returns the folder, store and cache directories, the code sets, and the
    links the build made."""
    import shutil

    pos = {"pos": data_dir / "place_of_service_codes_cms.csv"}
    folder = tmp_path / "briefings"
    shutil.copytree(examples_dir(), folder)
    store_dir, cache = tmp_path / "store", tmp_path / "cache"
    store = ox.Store(str(store_dir))
    memo = FileMemo.load(cache, store_dir)
    build_all(store, [folder], pos, progress=False, files=memo)
    links = _links(store)
    del store
    memo.save(store_dir)
    return folder, store_dir, cache, pos, links


def _names_an_office(briefing):
    """``briefing`` now names an office (POS 11) besides the sites it named."""
    briefing.write_bytes(briefing.read_bytes().replace(b"Typical site of service: ", b"Typical site of service: Office, ", 1))


def test_links_after_an_incremental_build_equal_a_fresh_build(tmp_path, data_dir):
    folder, store_dir, cache, pos, first = _built_as_kg_build_leaves_it(tmp_path, data_dir)
    assert ("physician-office", "11") in first and ("office", "11") not in first
    (folder / "76942.txt").unlink()  # the one briefing that names the physician office
    _names_an_office(folder / "77013.txt")
    memo = FileMemo.load(cache, store_dir)
    assert memo.trusted  # so the links are updated from the changed briefings alone
    store = ox.Store(str(store_dir))
    built, _ = build_all(store, [folder], pos, progress=False, files=memo)
    assert built.updated == ["77013.txt"] and built.removed == ["76942.txt"]
    fresh = ox.Store(str(tmp_path / "fresh"))
    build_all(fresh, [folder], pos, progress=False)
    assert ("office", "11") in _links(store) and ("physician-office", "11") not in _links(store)
    links = ox.NamedNode(SITE_LINKS)
    assert set(store.quads_for_pattern(None, None, None, links)) == set(fresh.quads_for_pattern(None, None, None, links))
    void = ox.NamedNode(VOID_GRAPH)  # the statistics follow the links changed
    assert set(store.quads_for_pattern(None, None, None, void)) == set(fresh.quads_for_pattern(None, None, None, void))


def test_a_build_killed_before_its_links_is_repaired_by_the_next(tmp_path, data_dir):
    """Briefings written but their sites never linked (the build was killed): the next build relinks every site,
    though no briefing changed since, because no memo vouched for by the store says the links are up to date."""
    from kg.build import build

    folder, store_dir, cache, pos, _ = _built_as_kg_build_leaves_it(tmp_path, data_dir)
    _names_an_office(folder / "77013.txt")
    store = ox.Store(str(store_dir))
    assert build(store, [folder], progress=False).updated == ["77013.txt"]  # the briefing, and then the kill
    assert ("office", "11") not in _links(store)
    del store
    memo = FileMemo.load(cache, store_dir)
    store = ox.Store(str(store_dir))
    built, _ = build_all(store, [folder], pos, progress=False, files=memo)
    assert built.updated == [] and ("office", "11") in _links(store)
