"""Shared fixtures: a store built from the bundled examples, and the shared reference data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.examples import examples_dir
from kg.store import build, open_store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The official reference files in ../shared/data, read where they are (never copied)."""
    if not (SHARED_DATA / "nucc_taxonomy_251.csv").is_file():
        pytest.fail(f"reference data not found at {SHARED_DATA}: tests read the official files in ../shared/data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def audited_store_dir(tmp_path_factory, shared_data) -> Path:
    """The example briefings plus tests/data/audit, with every code set loaded (NCCI: the radiology subset)."""
    from kg.codesets import load

    path = tmp_path_factory.mktemp("audited") / "store"
    store = open_store(path)
    assert build(store, [examples_dir(), REPO / "tests" / "data" / "audit"], progress=False).ok
    d = shared_data
    load(store, {
        "icd10cm": None,
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs": d / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "mpfs": d / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv",
        "ncci-ptp": d / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
    }, progress=False)
    del store
    return path


@pytest.fixture(scope="session")
def example_store_dir(tmp_path_factory) -> Path:
    """A store directory holding the bundled example briefings (built once, read-only use)."""
    path = tmp_path_factory.mktemp("examples") / "store"
    store = open_store(path)
    report = build(store, [examples_dir()], progress=False)
    assert report.ok, report.errors
    del store
    return path


@pytest.fixture(scope="session")
def example_store(example_store_dir):
    """The example store opened read-only."""
    return open_store(example_store_dir, read_only=True)


@pytest.fixture
def held_store(tmp_path):
    """A store directory that another process holds open for writing while the test runs."""
    import subprocess
    import sys

    path = tmp_path / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import sys, kg.store as s; st = s.open_store({str(path)!r}); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        yield path
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the example briefings."""
    target = tmp_path / "briefings"
    shutil.copytree(examples_dir(), target)
    return target


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    """The 30 labelled dev briefings in ../shared/briefings/dev, with their answer key."""
    path = REPO.parent / "shared" / "briefings" / "dev"
    if not (path / "expected.json").is_file():
        pytest.fail(f"dev corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def official_labels(shared_data):
    """Official labels of ICD-10-CM, NUCC, HCPCS and modifiers, read from the official files (kg.suggest)."""
    from kg.suggest import labels_from_files

    d = shared_data
    return labels_from_files(icd10cm=True, nucc=d / "nucc_taxonomy_251.csv", hcpcs=d / "hcpcs_level2_2025oct.csv",
                             modifiers=[d / "hcpcs_level2_modifiers_2025oct.csv",
                                        d / "modifiers_cpt_hcpcs_northstar_2024.csv"])
