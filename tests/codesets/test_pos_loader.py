"""CMS Place of Service codes, the site-text mapping, and links from briefing sites."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import graph_iri, link_sites, load_pos, map_site_text
from kg.examples import examples_dir
from kg.store import build
from kg.to_rdf import slug
from kg.vocab import code_iri

SKOS = "http://www.w3.org/2004/02/skos/core#"
KG = "https://w3id.org/codekg/ontology#"


def _values(store, s, p):
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, None))


def test_counts_and_values(reference_store, count):
    g = graph_iri("pos")
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


def test_briefing_sites_are_linked(tmp_path, data_dir):
    store = ox.Store(str(tmp_path / "store"))
    build(store, [examples_dir()], progress=False)
    load_pos(store, data_dir / "place_of_service_codes_cms.csv", progress=False)
    pos_code = ox.NamedNode(KG + "posCode")
    links = {(q.subject.value.rsplit("/", 1)[1], q.object.value.rsplit("/", 1)[1])
             for q in store.quads_for_pattern(None, pos_code, None, ox.NamedNode(graph_iri("pos")))}
    assert ("hospital-outpatient-department", "19") in links
    assert ("hospital-outpatient-department", "22") in links
    assert ("ambulatory-surgery-center", "24") in links
    assert ("physician-office", "11") in links
    assert ("inpatient-hospital", "21") in links
    assert not any(site == slug("interventional radiology suites") for site, _ in links)
    assert link_sites(store) == len(links)
