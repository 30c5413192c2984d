"""Fixtures for the code-set loader tests: the shared reference data and stores loaded once."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.vocab import PREFIXES

DATA = Path(__file__).parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` beside the repository: the official files, read where they are."""
    if not (DATA / "nucc_taxonomy_251.csv").is_file():
        pytest.fail(f"reference data not found at {DATA}: the code-set tests read the official files in "
                    "../shared/data relative to the repository root")
    return DATA


# The session stores are in memory: the same API as a store on disk, about four times faster to
# fill. What is particular to disk (reopening, skip and replace, the CLI) is tested on disk.


@pytest.fixture(scope="session")
def icd_store() -> ox.Store:
    """A store with the packaged ICD-10-CM loaded (the slowest load: once per session)."""
    from kg.codesets import load_icd10cm

    store = ox.Store()
    load_icd10cm(store, progress=False)
    return store


@pytest.fixture(scope="session")
def reference_store(data_dir) -> ox.Store:
    """A store with every CSV code set loaded once (NCCI PTP: the radiology subset only)."""
    from kg.codesets import load

    store = ox.Store()
    load(store, {
        "nucc": data_dir / "nucc_taxonomy_251.csv",
        "hcpcs": data_dir / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": data_dir / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": data_dir / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": data_dir / "place_of_service_codes_cms.csv",
        "mpfs": data_dir / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv",
        "ncci-ptp": data_dir / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
        "ncci-mue": data_dir / "ncci_mue_practitioner_2024q3.csv",
        "ncci-addon": data_dir / "ncci_addon_code_edits_2024-06.csv",
    }, progress=False)
    return store


def _select(store: ox.Store, sparql: str) -> list[dict[str, str]]:
    results = store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in results]


def _count(store: ox.Store, sparql_where: str, graph: str) -> int:
    q = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{graph}> {{ {sparql_where} }} }}"
    return int(next(iter(store.query(q, prefixes=PREFIXES)))["n"].value)


@pytest.fixture(scope="session")
def select():
    """``select(store, sparql)``: rows of a SELECT over the union of all graphs, as strings."""
    return _select


@pytest.fixture(scope="session")
def count():
    """``count(store, where, graph)``: COUNT(DISTINCT ?s) of a pattern inside one named graph."""
    return _count
