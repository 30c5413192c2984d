"""kg check --engine spark: Spark (local[2]) gives the embedded checker's findings, row for row and in order.

The claims are the test claims of tests/test_check.py (one for each CMS rule, all the kinds of finding), bad rows,
and 100,000 generated lines (bench/check_bench.py's generator). Spark and Java are required: without them these
tests fail with the reason (``make venv`` installs pyspark, ``make engines`` Java), they never skip.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.check import KINDS, check_claims
from kg.claims import ClaimLine, from_args, read_claims, to_csv, to_json
from tests.engines import claim_generator
from tests.test_check import MPFS_FILE, ptp_file, store  # noqa: F401  (the same store as kg check's tests)

HEADER = ["claim_id", "line", "code", "modifiers", "units", "dx", "pos", "dos"]


def _claim(claim_id: str, *codes: str, dx=(), units=1, dos="") -> list[ClaimLine]:
    return from_args(codes, dx=dx, units=units, dos=dos, claim_id=claim_id)


# the claims of tests/test_check.py, each its own claim (several share a claim id on purpose: the lines of a
# claim id are one claim wherever they are in the file)
FIXTURE_CLAIMS = [
    *_claim("asst-0", "77013-80"), *_claim("asst-1", "59510-80"), *_claim("asst-2", "22551-80"),
    *_claim("co-0", "77013-62"), *_claim("pctc-4", "93000-26"), *_claim("pctc-1", "77013-26"),
    *_claim("glob-xxx", "77013-78"), *_claim("anesthesia", "77013-QK"), *_claim("anesthesia-ok", "00731-QK"),
    *_claim("bilateral", "70110-50"),
    *_claim("ptp-0", "43239", "43235"), *_claim("ptp-0-59", "43239", "43235-59"),
    *_claim("ptp-1", "11102", "17000"), *_claim("ptp-1-59", "11102", "17000-59"), *_claim("ptp-1-xs", "11102-XS", "17000"),
    *_claim("ptp-1-rt", "11102", "17000-RT"),
    *_claim("ptp-deleted-before", "29881", "01995", dos="2006-06-01"),
    *_claim("ptp-deleted-after", "29881", "01995", dos="2024-07-01"), *_claim("ptp-deleted-nodate", "29881", "01995"),
    *_claim("ptp-9", "17000", "11001", dos="1995-06-01"),
    ClaimLine("ptp-dates", 1, "43239", dos="2024-07-01"), ClaimLine("ptp-dates", 2, "43235", dos="2024-07-02"),
    *_claim("mue-1", "99486", units=5), ClaimLine("mue-1-lines", 1, "99486", units=3),
    ClaimLine("mue-1-lines", 2, "99486", units=3),
    ClaimLine("mue-2", 1, "0001U"), ClaimLine("mue-2", 2, "0001U"), ClaimLine("mue-3", 1, "77013"),
    ClaimLine("mue-3", 2, "77013"), ClaimLine("mue-3-one", 1, "77013"),
    *_claim("aoc-1", "22552"), *_claim("aoc-1-ok", "22551", "22552"), *_claim("aoc-2", "0054T"),
    *_claim("aoc-2-ok", "27447", "0054T"), *_claim("aoc-3", "20701"), *_claim("aoc-3-ok", "11010", "20701"),
    *_claim("e1-inherited", "99213", dx=["E11.9", "E08.65"]), *_claim("e1-range", "99213", dx=["I10", "O10.02"]),
    *_claim("e2", "99213", dx=["I10", "I63.9"]), *_claim("e1-block", "99213", dx=["J45.909", "J68.0"]),
    *_claim("e1-none", "99213", dx=["E11.9", "I10"]),
    *_claim("codes", "99217", "77013-XT", "85025", "E0601", dx=["I25.1", "RO7.9", "E119"]),
    *_claim("typo", "77013", dx=["RO7.9"]), *_claim("status-absent", "E0601"),
    *_claim("many", "43239", "43235-80", "22552", "99217", dx=["I25.1", "E11.9", "E08.65"], units=9),
    *_claim("echo", "93306", "93320-26", dx=["I50.9"]), *_claim("echo", "7701X", dx=["E11.9"]),
]
# rows kg check cannot read: the same file:line errors from both engines
BAD_ROWS = [["bad", "1", "43239", "", "one", "", "11", "2024-07-01"], ["bad", "2", "43235", "", "1"],
            ["bad", "3", "", "", "1", "", "11", ""], ["bad", "x", "43235", "", "1", "", "11", ""],
            ["bad", "5", "43235", "", "1", "", "11", "07/01/2024"], ["bad", "6", "43235", "", "-2", "", "11", ""]]


def _cells(ln: ClaimLine) -> list[str]:
    return [ln.claim_id, str(ln.line), ln.code, " ".join(ln.modifiers), str(ln.units), " ".join(ln.dx), ln.pos, ln.dos]


def _write_csv(path: Path, lines: list[ClaimLine], bad: list[list[str]] = ()) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        rows = [_cells(ln) for ln in lines]
        for i, row in enumerate(bad):  # bad rows among the good ones, and a blank line
            rows.insert(3 + 5 * i, row)
        rows.insert(10, [])
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local[2] SparkSession for the module: fails (never skips) when pyspark or Java is missing. Its Java
    process ends with the module (the rest of the suite does not carry its heap)."""
    from kg.engines.spark import session, stop

    s = session("local[2]", local_dir=tmp_path_factory.mktemp("spark-local"), partitions=4, memory="1g")
    yield s
    stop(s)


@pytest.fixture(scope="module")
def rules_dir(store, tmp_path_factory) -> Path:  # noqa: F811
    from kg.engines.rules import RULE_TABLES, write_rules

    path = tmp_path_factory.mktemp("rules")
    written = {t.id: t.rows for t in write_rules(store, path)}
    assert set(written) == set(RULE_TABLES) and all(written[t] for t in ("ptp", "mue", "excludes1", "fees"))
    return path


def _embedded(store, path: Path):  # noqa: F811
    lines, errors = read_claims(path)
    return check_claims(store, lines), [str(e) for e in errors]


def test_spark_fixture_claims_same_as_embedded(store, spark, rules_dir, tmp_path):  # noqa: F811
    from kg.engines.spark import check_spark

    path = _write_csv(tmp_path / "claims.csv", FIXTURE_CLAIMS, BAD_ROWS)
    expected, expected_errors = _embedded(store, path)
    assert {f.kind for f in expected} == set(KINDS)  # every kind of finding is in the comparison
    assert len(expected_errors) == len(BAD_ROWS)
    found, errors, rules = check_spark(spark, rules_dir, path)
    assert found == expected  # row for row, in the same order
    assert [str(e) for e in errors] == expected_errors
    assert rules.skipped() == [] and rules.remarks() == []
    assert to_csv(found) == to_csv(expected) and to_json(found) == to_json(expected)


def test_spark_parquet_claims_same_as_embedded(store, spark, rules_dir, tmp_path):  # noqa: F811
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kg.engines.spark import check_spark

    rows = [_cells(ln) for ln in FIXTURE_CLAIMS] + [BAD_ROWS[0]]
    columns = {c: [r[i] or None for r in rows] for i, c in enumerate(HEADER)}  # empty cells as nulls
    columns["line"] = pa.array([int(v) for v in columns["line"]], pa.int64())  # a number column
    path = tmp_path / "claims.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=20)  # several row groups
    expected, expected_errors = _embedded(store, path)
    assert len(expected) > 20 and expected_errors == [f"{path}:{len(rows)}: units 'one' is not a whole number"]
    found, errors, _ = check_spark(spark, rules_dir, path)
    assert found == expected and [str(e) for e in errors] == expected_errors


def test_spark_100k_generated_lines_same_as_embedded(store, spark, rules_dir, shared_data, tmp_path):  # noqa: F811
    from kg.engines.spark import check_spark

    lines = claim_generator()(100_000, 18, shared_data)
    path = _write_csv(tmp_path / "claims.csv", lines)
    expected, _ = _embedded(store, path)
    kinds = {f.kind for f in expected}
    assert {"ncci-ptp", "mue", "excludes1", "unknown-code", "modifier-not-allowed", "non-billable-dx"} <= kinds
    found, errors, _ = check_spark(spark, rules_dir, path)
    assert errors == []
    assert len(found) == len(expected)
    assert found == expected


def test_stop_ends_the_java_process_and_a_new_session_starts(spark, tmp_path):
    from pyspark import SparkContext

    from kg.engines.spark import session, stop

    java = SparkContext._gateway.proc
    assert java.poll() is None
    stop(spark)
    assert java.poll() is not None and SparkContext._gateway is None
    again = session("local[1]", local_dir=tmp_path, memory="512m")
    try:
        assert again.range(5).count() == 5 and SparkContext._gateway.proc.pid != java.pid
    finally:
        stop(again)
    stop(again)  # stopping twice is harmless


def test_spark_missing_java_is_a_clear_error(monkeypatch):
    from kg.engines import EngineError
    from kg.engines.spark import session

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineError, match="Java is not installed.*openjdk-17-jre-headless"):
        session("local[2]")


# --------------------------------------------------------------------------
# the CLI and spark-submit


def _env() -> dict[str, str]:
    repo = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}


def _kg(*args):
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True, timeout=900,
                          check=False, env=_env())


@pytest.fixture(scope="module")
def small_store(shared_data, ptp_file, tmp_path_factory) -> Path:  # noqa: F811
    """A store on disk without ICD-10-CM (quick to load): MPFS, the PTP rows of tests/test_check.py, MUE, add-on."""
    path = tmp_path_factory.mktemp("spark-cli") / "store"
    d = shared_data
    r = _kg("codesets", "load", "--no-icd10cm", "--no-progress", "--mpfs", d / MPFS_FILE, "--ncci-ptp", ptp_file,
            "--ncci-mue", d / "ncci_mue_practitioner_2024q3.csv", "--ncci-addon", d / "ncci_addon_code_edits_2024-06.csv",
            "--store", path)
    assert r.returncode == 0, r.stderr
    return path


def test_cli_check_engine_spark(small_store, tmp_path):
    claims = _write_csv(tmp_path / "claims.csv", FIXTURE_CLAIMS, BAD_ROWS[:2])
    common = ["check", "--claims", claims, "--format", "csv", "--fail-on", "never", "--store", small_store]
    embedded = _kg(*common)
    spark = _kg(*common, "--engine", "spark", "--master", "local[2]")  # the rule tables exported from the store first
    assert embedded.returncode == 1 and spark.returncode == 1, spark.stderr[-2000:]  # the bad rows
    assert spark.stdout == embedded.stdout and len(list(csv.reader(spark.stdout.splitlines()))) > 20
    kg_lines = [ln for ln in spark.stderr.splitlines() if ln.startswith("kg: ")]
    assert kg_lines == [ln for ln in embedded.stderr.splitlines() if ln.startswith("kg: ")]
    assert f"kg: error: {claims}:5: units 'one' is not a whole number" in kg_lines
    assert any("not checked: excludes1, non-billable-dx: no ICD-10-CM release" in ln for ln in kg_lines)
    r = _kg("check", "77013", "--engine", "spark", "--store", small_store)
    assert r.returncode == 2 and "--engine spark checks a claims file" in r.stderr


def test_spark_submit_with_exported_rules(small_store, tmp_path):
    from kg.engines import spark as engine

    rules = tmp_path / "rules"
    r = _kg("export", "--format", "rules-parquet", "-o", rules, "--store", small_store)
    assert r.returncode == 0, r.stderr
    assert (rules / "manifest.json").is_file() and (rules / "ptp.parquet").is_file()
    claims = _write_csv(tmp_path / "claims.csv", FIXTURE_CLAIMS)
    submit = Path(sys.executable).parent / "spark-submit"
    assert submit.is_file(), f"{submit} missing: pyspark ships spark-submit (pip install 'kg[spark]')"
    r = subprocess.run([str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                        "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
                        engine.__file__, "--rules", str(rules), "--claims", str(claims), "--format", "json",
                        "--fail-on", "never"], capture_output=True, text=True, timeout=900, check=False,
                       env={**_env(), "PYSPARK_PYTHON": sys.executable})
    assert r.returncode == 0, r.stderr[-3000:]
    embedded = _kg("check", "--claims", claims, "--format", "json", "--fail-on", "never", "--store", small_store)
    notes, _, findings = r.stdout.partition("\n[\n")  # spark-submit sends the driver's stderr to stdout
    assert "kg: not checked: excludes1, non-billable-dx" in notes
    assert json.loads("[\n" + findings) == json.loads(embedded.stdout) and json.loads(embedded.stdout)
