"""``kg codesets load`` and ``kg codesets list``, run as a user runs them."""

from __future__ import annotations

import subprocess
import sys


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300)


def test_load_then_list(tmp_path, data_dir):
    store = str(tmp_path / "store")
    nucc, pos = str(data_dir / "nucc_taxonomy_251.csv"), str(data_dir / "place_of_service_codes_cms.csv")
    # --no-icd10cm: ICD-10-CM loads by default, and is tested once per session elsewhere
    first = kg("codesets", "load", "--no-icd10cm", "--nucc", nucc, "--pos", pos, "--store", store)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("nucc 25.1 (nucc_taxonomy_251.csv): ") and "triples in" in lines[0]
    assert lines[1].startswith("pos unversioned (place_of_service_codes_cms.csv): ")

    again = kg("codesets", "load", "--no-icd10cm", "--nucc", nucc, "--store", store)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "nucc 25.1 (nucc_taxonomy_251.csv): unchanged, skipped"

    listed = kg("codesets", "list", "--store", store)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["name", "release", "file", "sha256", "triples", "loaded", "at"]
    assert [r.split()[:4] for r in rows] == [["nucc", "25.1", "nucc_taxonomy_251.csv", "f824bb50c01b"],
                                             ["pos", "unversioned", "place_of_service_codes_cms.csv", "eac0dcde1603"]]


def test_bad_file_is_a_one_line_error(tmp_path, data_dir):
    result = kg("codesets", "load", "--no-icd10cm", "--nucc", str(data_dir / "place_of_service_codes_cms.csv"),
                "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert result.stderr.startswith("kg: error: ") and "place_of_service_codes_cms.csv:1: missing column 'Code'" \
        in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_errors(tmp_path):
    assert kg("codesets", "load", "--no-icd10cm", "--store", str(tmp_path / "s")).returncode == 2
    assert kg("codesets", "load", "--icd10cm", "--no-icd10cm", "--store", str(tmp_path / "s")).returncode == 2


def test_list_empty_store(tmp_path, data_dir):
    store = str(tmp_path / "store")
    assert kg("codesets", "load", "--no-icd10cm", "--pos", str(data_dir / "place_of_service_codes_cms.csv"),
              "--store", store).returncode == 0
    assert "pos" in kg("codesets", "list", "--store", store).stdout


def test_the_options_are_the_registry():
    from kg.codesets import CODESETS

    result = kg("codesets", "load", "--help")
    assert result.returncode == 0
    options = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  --")}
    assert options == {f"--{name}" for name in CODESETS} | {"--no-icd10cm", "--ncci-include-deleted", "--progress",
                                                            "--store", "--drop-old"}


def test_cpt_and_both_ptp_contexts(tmp_path, data_dir):
    import gzip

    store = str(tmp_path / "store")
    cpt = tmp_path / "my_cpt_2025.txt"
    cpt.write_text("code\tdescription\n77013\tA made-up descriptor\n", encoding="utf-8")
    hosp = tmp_path / "ncci_ptp_outpatient_hospital_2024q3.csv.gz"
    with gzip.open(data_dir / "ncci_ptp_outpatient_hospital_2024q3.csv.gz", "rt") as f, gzip.open(hosp, "wt") as out:
        out.writelines(line for i, line in zip(range(200), f))
    prac = str(data_dir / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv")
    r = kg("codesets", "load", "--no-icd10cm", "--cpt", str(cpt), "--ncci-ptp", prac, "--ncci-ptp-hospital", str(hosp),
           "--store", store)
    assert r.returncode == 0, r.stderr
    assert [line.split()[:2] for line in r.stdout.splitlines()] == [
        ["cpt", "2025"], ["ncci-ptp", "2024Q3"], ["ncci-ptp-hospital", "2024Q3"]]
    listed = kg("codesets", "list", "--store", store).stdout
    assert all(name in listed for name in ("cpt ", "ncci-ptp ", "ncci-ptp-hospital "))
    # the other context's file under the wrong option: a one-line error, the release loaded stays
    wrong = kg("codesets", "load", "--no-icd10cm", "--ncci-ptp", str(hosp), "--store", store)
    assert wrong.returncode == 1 and "load it as 'ncci-ptp-hospital'" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_two_releases_diff_release_and_drop(tmp_path):
    """kg codesets load (twice), list --all, diff (table, CSV, JSON), query --release, codesets drop, --drop-old."""
    import json

    from kg.codesets.mpfs import COLUMNS

    store = str(tmp_path / "store")
    files = {}
    for name, rows in [("rvu24c", ["77013,,A,3.99,1,XXX,0,0,0,0,0", "77012,,A,1.5,1,XXX,0,0,0,0,0"]),
                       ("rvu25d", ["77013,,A,4.10,1,XXX,0,0,0,0,0", "77014,,A,=1+1,1,XXX,0,0,0,0,0"])]:
        files[name] = tmp_path / f"pprrvu_{name}.csv"
        files[name].write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n")
    bad = kg("codesets", "load", "--no-icd10cm", "--mpfs", str(files["rvu25d"]), "--store", store)
    assert bad.returncode == 1 and "pprrvu_rvu25d.csv:3: work_rvu '=1+1' of 77014 is not a number" in bad.stderr
    files["rvu25d"].write_text(files["rvu25d"].read_text().replace("=1+1", "1.0"))
    for name in ("rvu25d", "rvu24c"):  # the newer first: the older one does not become current
        assert kg("codesets", "load", "--no-icd10cm", "--mpfs", str(files[name]), "--store", store).returncode == 0
    listed = kg("codesets", "list", "--all", "--store", store).stdout.splitlines()
    assert [line.split()[1] for line in listed[1:]] == ["RVU24C", "RVU25D"]
    assert "superseded  2024-07-01  2025-09-30" in listed[1] and "current     2025-10-01" in listed[2]
    table = kg("diff", "mpfs", "--store", store)
    assert table.returncode == 0
    rows = [line.split() for line in table.stdout.splitlines()]
    assert ["77013", "FeeScheduleEntry", "changed", "workRVU", "3.99", "4.1"] in rows
    assert ["77012", "FeeScheduleEntry", "removed"] in rows and ["77014", "FeeScheduleEntry", "added"] in rows
    assert "FeeScheduleEntry: 1 added, 1 removed, 1 changed (1 values)" in table.stderr
    assert "77013,FeeScheduleEntry,changed,workRVU,3.99,4.1" in kg("diff", "mpfs", "RVU24C", "RVU25D", "--format",
                                                                     "csv", "--store", store).stdout
    data = json.loads(kg("diff", "mpfs", "RVU25D", "RVU24C", "--format", "json", "--store", store).stdout)
    assert data["counts"]["FeeScheduleEntry"] == {"added": 1, "removed": 1, "changed": 1, "field changes": 1}
    old = kg("query", "fee-schedule", "-p", "code=77013", "--release", "mpfs=RVU24C", "--format", "csv",
             "--store", store)
    assert old.returncode == 0 and ",3.99,RVU24C" in old.stdout
    assert ",4.1,RVU25D" in kg("query", "fee-schedule", "-p", "code=77013", "--format", "csv", "--store", store).stdout
    missing = kg("show", "77013", "--release", "mpfs=RVU23A", "--store", store)
    assert missing.returncode == 1 and "has no release 'RVU23A' loaded; it has RVU24C, RVU25D" in missing.stderr
    dropped = kg("codesets", "drop", "mpfs", "RVU25D", "--store", store)
    assert dropped.returncode == 0 and "current: RVU24C" in dropped.stdout
    # what the audit reads of the code sets left is read again and kept, under the key the store now gives
    import pyoxigraph as ox

    from kg.audit.cache import facts_key
    from kg.store import cache_dir_for

    assert "read what the code sets say for the audit" in dropped.stderr
    key = facts_key(ox.Store.read_only(store))
    assert (cache_dir_for(store) / f"code-set-facts-{key[:24]}.pickle").is_file()
    again = kg("codesets", "load", "--no-icd10cm", "--mpfs", str(files["rvu25d"]), "--drop-old", "--store", store)
    assert again.returncode == 0 and "mpfs: dropped RVU24C" in again.stdout
    assert [line.split()[1] for line in kg("codesets", "list", "--all", "--store", store).stdout.splitlines()[1:]] == [
        "RVU25D"]
