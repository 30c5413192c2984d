"""Shared fixtures: a store built from the bundled examples, and the shared reference data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.examples import examples_dir
from kg.build import build
from kg.store import open_store

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


CODER_CODES = frozenset({"77013", "77012", "76940", "76942", "47382", "47383", "22551", "22552", "43235", "43239",
                         "93000", "93010", "99213", "32994", "32998", "G0439", "G0438"})
"""The procedure codes of the coder store: its code sets are the real rows that name only these."""


def _subset(source: Path, target: Path, keep) -> Path:
    """Copy the header and the rows of an official CSV (or .csv.gz) for which ``keep(row)`` holds."""
    import csv
    import gzip

    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if keep(r)]
        fields = reader.fieldnames
    target = target / source.name.removesuffix(".gz")
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="session")
def coder_store_dir(tmp_path_factory, shared_data, audited_store_dir) -> Path:
    """The example briefings, the real MPFS, PTP, MUE and add-on rows of :data:`CODER_CODES`, NUCC, the
    modifiers, and the findings of 'kg audit' on the example briefings (from the audited store)."""
    from kg.audit import audit, write_findings
    from kg.codesets import load

    d, codes = shared_data, CODER_CODES
    files = tmp_path_factory.mktemp("coder-sets")
    sources = {
        "nucc": d / "nucc_taxonomy_251.csv",
        "hcpcs-modifiers": d / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": d / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "mpfs": _subset(d / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv", files, lambda r: r["hcpcs"] in codes),
        "ncci-ptp": _subset(d / "ncci_ptp_practitioner_2024q3.csv.gz", files,
                            lambda r: r["column_1"] in codes and r["column_2"] in codes and not r["deletion_date"]),
        "ncci-mue": _subset(d / "ncci_mue_practitioner_2024q3.csv", files, lambda r: r["hcpcs_code"] in codes),
        "ncci-addon": _subset(d / "ncci_addon_code_edits_2024-06.csv", files,
                              lambda r: r["add_on_code"] in codes or r["primary_code"] in codes),
    }
    path = tmp_path_factory.mktemp("coder") / "store"
    store = open_store(path)
    assert build(store, [examples_dir()], progress=False).ok
    load(store, sources, progress=False)
    write_findings(store, audit(open_store(audited_store_dir, read_only=True)))
    del store
    return path


@pytest.fixture(scope="session")
def coder_store(coder_store_dir):
    """:func:`coder_store_dir` opened read-only."""
    return open_store(coder_store_dir, read_only=True)


@pytest.fixture(scope="session")
def interop_store_dir(tmp_path_factory, shared_data) -> Path:
    """The example briefings and every code set the FHIR and Parquet exports read: the packaged ICD-10-CM (with its
    notes), NUCC, POS (sites linked), HCC, CCSR, and the real NCCI rows of :data:`CODER_CODES` (both PTP contexts,
    and the add-on edits; the practitioner PTP edits are the radiology subset)."""
    from kg.pipeline import build_all

    d, codes = shared_data, CODER_CODES
    files = tmp_path_factory.mktemp("interop-sets")
    sources = {
        "icd10cm": None,
        "nucc": d / "nucc_taxonomy_251.csv",
        "pos": d / "place_of_service_codes_cms.csv",
        "hcc": d / "hcc_ra_dx_to_cc_2026.csv",
        "ccsr": d / "ccsr_dx_reference_v2023_1.xlsx",
        "ncci-ptp": d / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
        "ncci-ptp-hospital": _subset(d / "ncci_ptp_outpatient_hospital_2024q3.csv.gz", files,
                                     lambda r: r["column_1"] in codes and not r["deletion_date"]),
        "ncci-addon": _subset(d / "ncci_addon_code_edits_2024-06.csv", files,
                              lambda r: r["add_on_code"] in codes or r["primary_code"] in codes),
    }
    path = tmp_path_factory.mktemp("interop") / "store"
    store = open_store(path)
    report, _ = build_all(store, [examples_dir()], sources, progress=False)
    assert report.ok, report.errors
    del store
    return path


@pytest.fixture(scope="session")
def interop_store(interop_store_dir):
    """:func:`interop_store_dir` opened read-only."""
    return open_store(interop_store_dir, read_only=True)
