"""Apache Spark for ``kg check`` on claim volumes: the rule tables as Parquet, joined with the claims.

:func:`kg.engines.rules.write_rules` exports the rules :func:`kg.check.load_rules` reads from
a store (every row, both claim settings) as one Parquet file per rule table
(:data:`kg.engines.rules.RULE_TABLES`) plus ``manifest.json`` (the releases and which code
sets are loaded); ``kg export --format rules-parquet -o DIR`` writes them.
:func:`check_spark` reads a claims table (CSV or Parquet, any size) into
Spark and joins it with those tables:

* each line with the per-code tables (MPFS indicators, modifiers priced on
  their own row, the known procedure codes, MUE, add-on edits), broadcast;
* the pairs of a claim's codes on one date of service with the NCCI PTP
  table (in force and deleted edits), a shuffle join: it is the large one;
* the pairs of a claim's diagnoses with the Excludes1 notes inherited down
  the hierarchy and with the ancestors of the other diagnosis (the note
  names it or a concept above it), and each diagnosis with ICD-10-CM
  (billable or not), broadcast.

Each claim then arrives in one Python worker with its lines and the rule
rows those joins found, and the embedded checker's own decisions
(:func:`kg.check.check_lines`, on a :class:`kg.check.Rules` holding just
those rows) make the findings, so both engines give the same findings,
row for row and in the same order (claims by their first line in the file).
The rows of a claims file are read by the same functions as ``kg check``
(:func:`kg.claims.csv_row`, :func:`kg.claims.record_row`), so a bad row
gives the same ``file:line:`` error. A CSV is read one row per line (a
quoted cell spanning lines is reported as an error).

On a cluster, ``spark-submit`` runs this module with the rules folder and
the claims on storage every node reads (see the README); kg and its
dependencies must be installed where the executors run Python.

Examples
--------
>>> CONTEXTS
('practitioner', 'hospital')
"""

from __future__ import annotations

import argparse
import atexit
import csv
import functools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kg.engines import EngineError
from kg.engines.rules import CONTEXTS

__all__ = ["check_spark", "main", "rules_from_rows", "session", "stop", "version"]

_MISSING_PYSPARK = "pyspark is not installed: pip install 'kg[spark]' (or: make venv, which installs the dev extra)"
_MISSING_JAVA = "Java is not installed (Spark runs on it): apt-get install openjdk-17-jre-headless (or: make engines)"


# --------------------------------------------------------------------------
# Spark


def version() -> str:
    """The version of the installed pyspark (``4.3.0``).

    Raises
    ------
    EngineError
        If pyspark is not installed.

    Examples
    --------
    >>> version().split(".")[0] in ("3", "4")
    True
    """
    try:
        import pyspark
    except ImportError:
        raise EngineError(_MISSING_PYSPARK) from None
    return pyspark.__version__


def session(master: str | None = "local[2]", *, local_dir: str | os.PathLike | None = None,
            partitions: int | None = None, memory: str = "2g"):
    """A SparkSession for kg: ``master`` (``None``: the one ``spark-submit`` gives), no web UI, no progress
    bars; a local master binds to 127.0.0.1, spills to ``local_dir`` (a temporary folder by default) and gives
    its driver (which runs the tasks) ``memory`` of Java heap. :func:`stop` ends it and its Java process.

    Raises
    ------
    EngineError
        If pyspark or Java is missing.
    """
    version()
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineError(_MISSING_JAVA)
    import warnings

    from pyspark.sql import SparkSession

    warnings.filterwarnings("ignore", message=".*pandas >= 3.0.0.*")  # kg's Spark code uses no pandas API
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("kg check")
    conf = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
            "spark.sql.session.timeZone": "UTC", "spark.python.worker.reuse": "true"}
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            if local_dir is None:
                local_dir = tempfile.mkdtemp(prefix="kg-spark-")
                atexit.register(shutil.rmtree, local_dir, True)
            conf.update({"spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1",
                         "spark.local.dir": str(local_dir), "spark.sql.warehouse.dir": str(Path(local_dir) / "warehouse"),
                         "spark.sql.shuffle.partitions": str(partitions or 8), "spark.driver.memory": memory})
    if partitions and master is None:
        conf["spark.sql.shuffle.partitions"] = str(partitions)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # the JVM did not start: Java missing or broken
        raise EngineError(f"Spark did not start ({type(err).__name__}: {str(err).strip()[:300]}); {_MISSING_JAVA}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stop(spark) -> None:
    """Stop ``spark`` and end the Java process pyspark started for it.

    ``SparkSession.stop`` leaves that process running (with its heap, up to :func:`session`'s ``memory``) for
    as long as Python runs, to start the next session faster. A notebook or a test suite that is done with
    Spark gets that memory back here; a later :func:`session` starts a new process. Stopping twice is harmless.
    """
    import subprocess

    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:  # not stopped yet (stopping twice needs the Java side)
        spark.stop()
    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None)  # the Java process pyspark launched; None under spark-submit (its own)
    if proc is None:
        return
    gateway.shutdown()
    SparkContext._gateway = SparkContext._jvm = None
    if proc.stdin:
        proc.stdin.close()  # the gateway ends when its standard input closes
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _path_text(path: str) -> str:
    return path[5:] if path.startswith("file:") and not path.startswith("file://") else path.replace("file://", "", 1)


def _parse_csv(shown: str, index: list[int], width: int, pairs) -> Iterator[tuple]:
    from kg.check import _dotted
    from kg.claims import csv_row
    from kg.errors import ClaimError

    for text, idx in pairs:
        if idx == 0:
            continue
        number = idx + 1
        try:
            if text.count('"') % 2:
                raise ClaimError(shown, number, "a quoted cell spans lines, which kg check --engine spark does not "
                                 "read (one row per line)")
            ln = csv_row(next(csv.reader([text]), []), index, width, (shown, number))
        except ClaimError as err:
            yield ("", idx, number, err.message, None, None, None, None, None, None, None, None, None)
            continue
        if ln is not None:
            yield ("", idx, number, None, ln.claim_id, ln.line, ln.code, list(ln.modifiers), ln.units, list(ln.dx),
                   [_dotted(d) for d in ln.dx], ln.pos, ln.dos)


def _parse_records(shown: str | None, rows) -> Iterator[tuple]:
    from kg.check import _dotted
    from kg.claims import record_row
    from kg.errors import ClaimError

    for row in rows:
        values = row.asDict()
        src, index = values.pop("__file"), values.pop("__row")
        number = index + 1
        try:
            ln = record_row(values, (shown or _path_text(src), number))
        except ClaimError as err:
            yield (src, index, number, err.message, None, None, None, None, None, None, None, None, None)
            continue
        yield (src, index, number, None, ln.claim_id, ln.line, ln.code, list(ln.modifiers), ln.units, list(ln.dx),
               [_dotted(d) for d in ln.dx], ln.pos, ln.dos)


_LINES = ("src string, seq long, number long, error string, claim_id string, line long, code string, "
          "modifiers array<string>, units long, dx array<string>, dxd array<string>, pos string, dos string")


def _read_claims(spark, path: str):
    """The parsed claims (a DataFrame of :data:`_LINES`, cached) of a CSV or Parquet file."""
    from pyspark.sql import functions as F

    from kg.claims import COLUMNS, header_index
    from kg.errors import ClaimError

    shown = str(path)
    if shown.lower().rstrip("/").endswith(".parquet"):
        df = spark.read.parquet(shown)
        header_index(df.columns, shown)
        cols = [c for c in df.columns if c.strip().lower() in (*COLUMNS, "dos")]
        df = df.select(*cols, F.col("_metadata.file_path").alias("__file"), F.col("_metadata.row_index").alias("__row"))
        single = Path(shown).is_file()
        rdd = df.rdd.mapPartitions(functools.partial(_parse_records, shown if single else None))
    else:
        text = spark.sparkContext.textFile(shown)
        try:
            first = text.first()
        except Exception as err:
            if "empty" not in str(err).lower():
                raise ClaimError(shown, 1, f"cannot be read: {str(err).splitlines()[0][:200]}") from None
            first = ""
        header = next(csv.reader([first.lstrip("\ufeff")]), [])
        index = header_index(header, shown)
        rdd = text.zipWithIndex().mapPartitions(functools.partial(_parse_csv, shown, index, len(header)))
    return spark.createDataFrame(rdd, _LINES).persist()


def _manifest(spark, rules_dir: str) -> dict:
    local = Path(rules_dir) / "manifest.json"
    if local.is_file():
        return json.loads(local.read_text(encoding="utf-8"))
    return json.loads("\n".join(r.value for r in spark.read.text(f"{rules_dir}/manifest.json").collect()))


def rules_from_rows(claim: dict, meta: dict, modifiers: set[str] | None, notations: list[str] | None):
    """The :class:`kg.check.Rules` of one claim from the rule rows the Spark joins found for it (``claim``: its
    ``lines``, ``ptp``, ``dxinfo`` and ``e1`` lists, as :func:`check_spark` groups them).

    Each line carries its code's per-code rules; ``ptp`` holds the PTP rows of the claim's code pairs,
    ``dxinfo`` each known diagnosis with its billable flag, ``e1`` each Excludes1 note of one diagnosis that
    names another diagnosis of the claim or a concept above it. The embedded checker looks up nothing else
    for this claim, so it decides the same with these rows as with every row.

    Examples
    --------
    >>> meta = {"releases": {"ncci-mue": "2024Q4"}, "context": "practitioner", "ptp": None, "ptp_release": "",
    ...         "loaded": {"fees": False, "procedures": False, "addons": False, "icd": False, "excludes1": False,
    ...                    "modifiers": False}, "mue": True}
    >>> line = {"code": "77013", "mue_units": 1, "mai": "1"}
    >>> rules_from_rows({"lines": [line], "ptp": None, "dxinfo": None, "e1": None}, meta, None, None).mue
    {'77013': (1, '1')}
    """
    from kg.check import Rules

    loaded = meta["loaded"]
    lines = claim["lines"]
    r = Rules(releases=meta["releases"], context=meta["context"], ptp_release=meta["ptp_release"])
    if loaded["fees"]:
        r.fees = {ln["code"]: dict(ln["fees"]) for ln in lines if ln.get("fees")}
        r.priced = {ln["code"]: set(ln["priced"]) for ln in lines if ln.get("priced")}
    if loaded["procedures"]:
        r.procedures = {ln["code"] for ln in lines if ln.get("known")}
        r._all_procedures = notations
    if meta["ptp"]:
        r.ptp = {}
        for p in claim["ptp"] or ():
            if p["deleted"]:
                r.ptp_deleted[(p["c1"], p["c2"])] = (p["mi"], p["deleted"])
            else:
                r.ptp[(p["c1"], p["c2"])] = p["mi"]
    if meta["mue"]:
        r.mue = {ln["code"]: (ln["mue_units"], ln["mai"]) for ln in lines if ln.get("mue_units") is not None}
    if loaded["addons"]:
        r.addons = {ln["code"]: (ln["edit_type"], frozenset(ln["primaries"] or ()))
                    for ln in lines if ln.get("edit_type") is not None}
    if loaded["icd"]:
        r.icd = {d["dx"]: d["billable"] for d in claim["dxinfo"] or ()}
        if loaded["excludes1"]:
            r.excludes1, above = {}, {}
            for h in sorted(claim["e1"] or (), key=lambda h: (h["a"], h["rank"])):
                notes = r.excludes1.setdefault(h["a"], [])
                if not notes or notes[-1] != (h["named"], h["note"], h["carrier"]):
                    notes.append((h["named"], h["note"], h["carrier"]))
                above.setdefault(h["b"], {h["b"]}).add(h["named"])
            r.ancestors = {b: frozenset(s) for b, s in above.items()}
    if loaded["modifiers"]:
        r.modifiers = modifiers
    return r


_FINDINGS = ("claim_id string, line long, code string, kind string, severity string, message string, source string, "
             "first_src string, first_seq long, idx long")


def _check_batches(meta: dict, modifiers_b, notations_b, batches):
    import pyarrow as pa

    from kg.check import check_lines
    from kg.claims import ClaimLine

    modifiers = None if modifiers_b is None else modifiers_b.value
    notations = None if notations_b is None else notations_b.value
    names = [c.split()[0] for c in _FINDINGS.split(", ")]
    for batch in batches:
        out = {n: [] for n in names}
        for claim in batch.to_pylist():
            rows = sorted(claim["lines"], key=lambda ln: ln["seq"])
            lines = [ClaimLine(claim["claim_id"], ln["line"], ln["code"], tuple(ln["modifiers"]), ln["units"],
                               tuple(ln["dx"]), ln["pos"], ln["dos"]) for ln in rows]
            rules = rules_from_rows({**claim, "lines": rows}, meta, modifiers, notations)
            for idx, f in enumerate(check_lines(lines, rules)):
                for n, v in (("claim_id", f.claim_id), ("line", f.line), ("code", f.code), ("kind", f.kind),
                             ("severity", f.severity), ("message", f.message), ("source", f.source),
                             ("first_src", claim["first"]["src"]), ("first_seq", claim["first"]["seq"]),
                             ("idx", idx)):
                    out[n].append(v)
        yield pa.RecordBatch.from_pydict(out, schema=_arrow_schema())


@functools.lru_cache(maxsize=1)
def _arrow_schema():
    import pyarrow as pa

    types = {"string": pa.string(), "long": pa.int64()}
    return pa.schema([(n, types[t]) for n, t in (c.split() for c in _FINDINGS.split(", "))])


def check_spark(spark, rules_dir: str | os.PathLike, claims: str | os.PathLike, *, context: str = "practitioner"):
    """Check a claims table (CSV or Parquet) with Spark against the rule tables in ``rules_dir``
    (:func:`kg.engines.rules.write_rules`).

    Returns ``(findings, errors, rules)``: the :class:`kg.claims.CheckFinding` list in the embedded checker's
    order, the :class:`kg.errors.ClaimError` of each row that could not be read (in file order), and a
    :class:`kg.check.Rules` without rows whose :meth:`~kg.check.Rules.skipped` and
    :meth:`~kg.check.Rules.remarks` say what was not checked and how.

    Raises
    ------
    ClaimError
        If the claims header lacks a required column.
    KGError
        If ``rules_dir`` holds no rule tables.
    """
    from pyspark.sql import functions as F

    from kg.check import Rules
    from kg.claims import CheckFinding
    from kg.errors import ClaimError, KGError

    root = str(rules_dir).rstrip("/")
    try:
        manifest = _manifest(spark, root)
    except Exception:
        raise KGError(f"{root}: no rule tables (manifest.json); write them with "
                      "'kg export --format rules-parquet -o DIR'") from None
    ctx = manifest["contexts"][context]
    meta = {"releases": manifest["releases"], "context": context, "loaded": manifest["loaded"],
            "ptp": ctx["ptp"], "ptp_release": ctx["ptp_release"], "mue": ctx["mue"]}
    skeleton = Rules(releases=manifest["releases"], context=context)
    for name, value in (("fees", {}), ("procedures", set()), ("addons", {}), ("icd", {}), ("excludes1", {}),
                        ("modifiers", set())):
        setattr(skeleton, name, value if manifest["loaded"][name] else None)
    skeleton.ptp = {} if ctx["ptp"] else None
    skeleton.mue = {} if ctx["mue"] else None

    def table(name: str):
        return spark.read.parquet(f"{root}/{name}.parquet")

    parsed = _read_claims(spark, str(claims))
    errors = [ClaimError(_path_text(r.src) if r.src else str(claims), r.number, r.error)
              for r in parsed.where(F.col("error").isNotNull()).orderBy("src", "seq").collect()]
    lines = parsed.where(F.col("error").isNull()).drop("error", "number")

    # per-code rules, broadcast: a few tens of thousands of codes
    codes = table("procedures").withColumn("known", F.lit(True))
    for part in (table("fees").groupBy("code").agg(F.map_from_entries(F.collect_list(F.struct("field", "value")))
                                                      .alias("fees")),
                 table("priced").groupBy("code").agg(F.collect_list("modifier").alias("priced")),
                 table("mue").where(F.col("context") == context).select("code", F.col("units").alias("mue_units"), "mai"),
                 table("addons")):
        codes = codes.join(part, "code", "full_outer")
    with_rules = lines.join(F.broadcast(codes), "code", "left")
    per_claim = with_rules.groupBy("claim_id").agg(
        F.min(F.struct("src", "seq")).alias("first"),
        F.collect_list(F.struct("seq", "line", "code", "modifiers", "units", "dx", "pos", "dos", "known", "fees",
                                "priced", "mue_units", "mai", "edit_type", "primaries")).alias("lines"))

    # NCCI PTP: the claim's pairs of codes on one date of service, joined with the edits (the large table)
    one = lines.select("claim_id", "dos", F.col("code").alias("c1"))
    two = lines.select("claim_id", "dos", F.col("code").alias("c2"))
    pairs = one.join(two, ["claim_id", "dos"]).where(F.col("c1") != F.col("c2")).select("claim_id", "c1", "c2").distinct()
    ptp = table("ptp").where(F.col("context") == context).select(
        F.col("column1").alias("c1"), F.col("column2").alias("c2"), F.col("modifier_indicator").alias("mi"),
        F.col("deletion_date").alias("deleted"))
    ptp_hits = pairs.join(ptp, ["c1", "c2"]).groupBy("claim_id").agg(
        F.collect_list(F.struct("c1", "c2", "mi", "deleted")).alias("ptp"))

    # ICD-10-CM: each diagnosis (billable or not), and Excludes1 between two of the claim's
    dxs = lines.select("claim_id", F.explode("dxd").alias("dx")).distinct()
    icd = table("icd").select(F.col("code").alias("dx"), "billable")
    dxinfo = dxs.join(F.broadcast(icd), "dx").groupBy("claim_id").agg(
        F.collect_list(F.struct("dx", "billable")).alias("dxinfo"))
    dx_pairs = dxs.select("claim_id", F.col("dx").alias("a")).join(
        dxs.select("claim_id", F.col("dx").alias("b")), "claim_id").where(F.col("a") != F.col("b"))
    notes = dx_pairs.join(table("excludes1").withColumnRenamed("code", "a"), "a")
    ancestors = table("ancestors").select(F.col("code").alias("b"), F.col("above").alias("named"))
    named_above = notes.join(ancestors, ["b", "named"])  # the note names b or a concept above b
    named_itself = (notes.join(ancestors.select("b").distinct(), "b", "left_anti")  # b not in the hierarchy
                    .where(F.col("named") == F.col("b")))
    columns = ["claim_id", "a", "b", "rank", "named", "note", "carrier"]
    e1_hits = named_above.select(*columns).unionByName(named_itself.select(*columns)).groupBy("claim_id").agg(
        F.collect_list(F.struct("a", "b", "rank", "named", "note", "carrier")).alias("e1"))

    grouped = (per_claim.join(ptp_hits, "claim_id", "left").join(dxinfo, "claim_id", "left")
               .join(e1_hits, "claim_id", "left"))

    sc = spark.sparkContext
    modifiers_b = notations_b = None
    if manifest["loaded"]["modifiers"]:  # the batch's known modifiers, as the embedded checker reads them
        used = lines.select(F.explode("modifiers").alias("modifier")).distinct()
        modifiers_b = sc.broadcast({r.modifier for r in used.join(table("modifiers"), "modifier").collect()})
    if manifest["loaded"]["procedures"]:
        notations_b = sc.broadcast([r.code for r in table("notations").collect()] or None)
    found = grouped.mapInArrow(functools.partial(_check_batches, meta, modifiers_b, notations_b), _FINDINGS)
    rows = sorted(found.collect(), key=lambda r: (r.first_src, r.first_seq, r.idx))  # the embedded checker's order
    findings = [CheckFinding(r.claim_id, r.line, r.code, r.kind, r.severity, r.message, r.source) for r in rows]
    parsed.unpersist()
    return findings, errors, skeleton


# --------------------------------------------------------------------------
# spark-submit


def main(argv: list[str] | None = None) -> int:
    """``spark-submit kg/engines/spark.py --rules DIR --claims PATH``: ``kg check --engine spark`` where Spark
    runs, printing the findings (exit 1 on a bad row or a finding of ``--fail-on`` severity)."""
    from kg.check import SEVERITY_RANK, worst
    from kg.claims import FORMATS
    from kg.errors import KGError

    ap = argparse.ArgumentParser(prog="kg.engines.spark", description="kg check on Spark.")
    ap.add_argument("--rules", required=True, help="The rule tables (kg export --format rules-parquet -o DIR).")
    ap.add_argument("--claims", required=True, help="The claims, CSV or Parquet.")
    ap.add_argument("--context", choices=CONTEXTS, default="practitioner")
    ap.add_argument("--format", dest="fmt", choices=list(FORMATS), default="table")
    ap.add_argument("--fail-on", choices=["error", "warning", "never"], default="error")
    ap.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else local[*]).")
    args = ap.parse_args(argv)
    # under spark-submit the gateway is up and the master is spark-submit's; run with python, local[*]
    master = args.master or (None if os.environ.get("PYSPARK_GATEWAY_PORT") else "local[*]")
    try:
        spark = session(master)
        findings, errors, rules = check_spark(spark, args.rules, args.claims, context=args.context)
    except KGError as err:
        print(f"kg: error: {err}", file=sys.stderr)
        return 2
    for note in rules.skipped():
        print(f"kg: not checked: {note} (kg codesets load)", file=sys.stderr)
    for note in rules.remarks():
        print(f"kg: note: {note}", file=sys.stderr)
    for err in errors:
        print(f"kg: error: {err}", file=sys.stderr)
    print(FORMATS[args.fmt](findings).rstrip("\n"))
    spark.stop()  # the process ends here, and its Java with it
    return 1 if errors or (args.fail_on != "never" and worst(findings) >= SEVERITY_RANK[args.fail_on]) else 0


if __name__ == "__main__":  # spark-submit runs this file: run the imported module's main, so the functions Spark
    from kg.engines.spark import main as _main  # ships to the workers are kg's, imported there, not copies of __main__'s

    sys.exit(_main())
