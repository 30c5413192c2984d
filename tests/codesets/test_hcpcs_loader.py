"""HCPCS Level II codes and modifiers, and CPT modifiers."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.codesets import current_graph, load_hcpcs
from kg.errors import CodeSetError
from kg.vocab import code_iri

SKOS = "http://www.w3.org/2004/02/skos/core#"


def _label(store, system, code, graph):
    return [q.object.value for q in store.quads_for_pattern(
        ox.NamedNode(code_iri(system, code)), ox.NamedNode(SKOS + "prefLabel"), None, ox.NamedNode(current_graph(store, graph)))]


def test_counts(reference_store, count):
    g = current_graph(reference_store, "hcpcs")
    assert count(reference_store, "?s a kg:ProcedureCode ; skos:inScheme kg:HCPCS", g) == 8_463
    assert count(reference_store, "?s a kg:Modifier ; skos:inScheme kg:MOD", g) == 383
    assert count(reference_store, "?s a kg:Modifier ; skos:inScheme kg:MOD", current_graph(reference_store, "hcpcs-modifiers")) == 383
    assert count(reference_store, "?s a kg:Modifier ; skos:notation ?n", current_graph(reference_store, "cpt-modifiers")) == 49


def test_labels(reference_store):
    (tc,) = _label(reference_store, "MOD", "TC", "hcpcs")
    assert tc.startswith("Technical component; under certain circumstances") and tc.endswith("prevailing profiles")
    assert _label(reference_store, "MOD", "TC", "hcpcs-modifiers") == [tc]
    assert _label(reference_store, "MOD", "26", "cpt-modifiers") == ["Professional Component"]
    assert _label(reference_store, "MOD", "59", "cpt-modifiers") == ["Distinct Procedural Service"]
    assert _label(reference_store, "HCPCS", "G0288", "hcpcs") == [
        "Reconstruction, computed tomographic angiography of aorta for surgical planning for vascular surgery"]


def test_short_description_is_an_alt_label(reference_store):
    alt = [q.object.value for q in reference_store.quads_for_pattern(
        ox.NamedNode(code_iri("HCPCS", "G0288")), ox.NamedNode(SKOS + "altLabel"), None, None)]
    assert alt == ["Recon, cta for surg plan"]


def test_cpt_rows_only(reference_store):
    hcpcs_in_cpt_graph = list(reference_store.quads_for_pattern(
        ox.NamedNode(code_iri("MOD", "TC")), None, None, ox.NamedNode(current_graph(reference_store, "cpt-modifiers"))))
    assert hcpcs_in_cpt_graph == []


def test_unknown_kind(tmp_path):
    bad = tmp_path / "hcpcs.csv"
    bad.write_text("code,kind,long_description,short_description\nA0021,procedure,Ambulance,Amb\nZZ,suffix,x,y\n")
    with pytest.raises(CodeSetError, match=r"hcpcs\.csv:3: kind 'suffix'"):
        load_hcpcs(ox.Store(), bad, progress=False)
