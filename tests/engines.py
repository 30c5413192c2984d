"""What the engine tests share: parity of named queries between two query targets, claim lines to check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kg.query import named_queries, run

REPO = Path(__file__).resolve().parents[1]


def rows(target, name: str, params: dict) -> list[tuple]:
    """The rows of a named query as sorted tuples of (variable, value) pairs (a multiset, comparable)."""
    out = run(target, name, **params)
    if out.triples is not None:
        return sorted((str(t.subject), str(t.predicate), str(t.object)) for t in out.triples)
    return sorted(tuple(sorted((k, "" if v is None else str(v)) for k, v in r.items())) for r in out.records())


def parity(embedded, other) -> dict[str, tuple[int, int]]:
    """Every named query with its example parameters on both targets: {name: (rows here, rows there)} for those
    that differ, and the row counts of all in ``parity.counts``."""
    differ, counts = {}, {}
    for q in named_queries().values():
        params = q.example()
        a, b = rows(embedded, q.name, params), rows(other, q.name, params)
        counts[q.name] = len(a)
        if a != b:
            differ[q.name] = (len(a), len(b), sorted(set(a) ^ set(b))[:3])
    parity.counts = counts
    return differ


def claim_generator():
    """bench/check_bench.py's deterministic claim generator (``generate(n, seed, data)``)."""
    spec = importlib.util.spec_from_file_location("check_bench", REPO / "bench" / "check_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


ICD10CM_SECTIONS = ("C15-C26", "E08-E13", "I10-I1A", "O10-O16")
"""The blocks of the packaged ICD-10-CM the engine store keeps: those of the named queries' example codes (C22.0,
E11.9, I10, O10.02), with their notes (I10's Excludes1 names O10-O16, the pair excludes1-pair's example asks for)."""


def icd10cm_slice(folder: Path, sections: tuple[str, ...] = ICD10CM_SECTIONS) -> Path:
    """The packaged ICD-10-CM tabular XML cut down to ``sections`` (and their chapters), written in ``folder`` under
    the packaged file's name (so its release label is the same). Notes naming codes outside stay unresolved."""
    import xml.etree.ElementTree as ET

    from kg.codesets.icd10cm import packaged_tabular

    source = packaged_tabular()
    root = ET.parse(source).getroot()
    for child in list(root):
        if child.tag == "introduction":
            root.remove(child)
        elif child.tag == "chapter":
            for section in child.findall("section"):
                if section.get("id") not in sections:
                    child.remove(section)
            if child.find("section") is None:
                root.remove(child)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / source.name
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out


def build_engine_store(path: Path, shared_data: Path) -> Path:
    """The example briefings and tests/data/audit with the smaller code sets (HCPCS, modifiers, POS, NUCC, the NCCI
    PTP radiology subset, four blocks of ICD-10-CM with their notes: :func:`icd10cm_slice`): the named queries find
    rows, and an outside engine loads it in seconds."""
    from kg.build import build
    from kg.codesets import load
    from kg.examples import examples_dir
    from kg.store import open_store

    store = open_store(path)
    assert build(store, [examples_dir(), REPO / "tests" / "data" / "audit"], progress=False).ok
    d = shared_data
    load(store, {
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "ncci-ptp": d / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
        "icd10cm": icd10cm_slice(path.parent / "icd10cm"),
    }, progress=False)
    del store
    return path
