"""``kg audit``, ``kg check``, ``kg show``, ``kg validate`` and ``kg evaluate``: codes, claims and the store checked."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import endpoint_option, query_target, release_option, store_option, with_releases


@click.command()
@click.argument("code")
@click.option("--system", type=click.Choice(["CPT", "HCPCS", "ICD10CM", "NUCC", "MOD"]),
              help="The code system, when CODE's shape fits several (G0439 is HCPCS; G04.39 ICD-10-CM).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@release_option
@endpoint_option
@store_option
def show(code: str, system: str | None, fmt: str, releases: tuple[str, ...], endpoint: str | None,
         store_dir: Path) -> None:
    """One code's facts: official label and parents, fee schedule, MUE, add-on, NCCI, briefings, findings.

    \b
    kg show 77013
    kg show C22.0 --format json
    """
    from kg.show import FORMATS
    from kg.show import show as facts

    target = with_releases(query_target(endpoint, store_dir), releases)
    click.echo(FORMATS[fmt](facts(target, code, system=system)))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a finding of this severity or worse is found.")
@click.option("--write/--no-write", default=True, show_default=True,
              help="Record the findings in the store's audit graph (for 'kg query audit-findings' and views).")
@click.option("--context", type=click.Choice(["practitioner", "hospital"]), default="practitioner", show_default=True,
              help="The NCCI PTP edits to check against.")
@endpoint_option
@store_option
def audit(fmt: str, fail_on: str, write: bool, context: str, endpoint: str | None, store_dir: Path) -> None:
    """Check every code the briefings mention against the loaded official code sets.

    Load the code sets first ('kg codesets load'); a check whose code set is
    not loaded is skipped.
    """
    from kg.audit import FORMATS, SEVERITY_RANK, worst, write_findings
    from kg.audit import audit as run_audit
    from kg.store import cache_dir_for

    target = query_target(endpoint, store_dir)
    cache_dir = None if endpoint else cache_dir_for(store_dir)
    findings = run_audit(target, context, cache_dir=cache_dir)
    if write and not endpoint:
        from kg.audit import AUDIT_GRAPH
        from kg.stats import counted
        from kg.store import finish_writing, open_store

        del target  # the read-only handle; writing needs the store itself
        store = open_store(store_dir)
        before = {AUDIT_GRAPH: counted(store, AUDIT_GRAPH)}  # none: the union's counts need no recount
        held = write_findings(store, findings, cache_dir)
        finish_writing(store, [AUDIT_GRAPH], before=before, quads={AUDIT_GRAPH: held})  # readers that open it next replay nothing
        del store
    click.echo(FORMATS[fmt](findings).rstrip("\n"))
    if fail_on != "never" and worst(findings) >= SEVERITY_RANK[fail_on]:
        sys.exit(1)


@click.command()
@click.argument("expected", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("briefings", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Read the add-on codes from this store's code sets, as 'kg build' would (none by default).")
def evaluate(expected: Path, briefings: tuple[Path, ...], fmt: str, store_dir: Path | None) -> None:
    """Score kg's typed edges on labelled briefings: EXPECTED.json is the answer key (see the README)."""
    import json

    from kg.evaluate import evaluate as score

    addons = None
    if store_dir is not None:
        from kg.knowledge import add_on_codes
        from kg.store import open_store

        addons = add_on_codes(open_store(store_dir, read_only=True))
    result = score(expected, briefings, addons=addons)
    click.echo(json.dumps(result.to_dict(), indent=2) if fmt == "json" else result.table())


@click.command()
@click.argument("codes", nargs=-1)
@click.option("--claims", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV (or .parquet) of claim lines: claim_id, line, code, modifiers, units, dx, pos (and optionally dos).")
@click.option("--dx", multiple=True, help="With CODES: a diagnosis of the claim (repeatable).")
@click.option("--units", type=int, default=1, show_default=True, help="With CODES: units on each line.")
@click.option("--pos", default="", help="With CODES: place of service.")
@click.option("--dos", default="", help="With CODES: date of service (YYYY-MM-DD).")
@click.option("--context", type=click.Choice(["practitioner", "hospital"]), default="practitioner", show_default=True,
              help="The NCCI PTP edits to check against.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a finding of this severity or worse is found.")
@click.option("--engine", type=click.Choice(["embedded", "spark"]), default="embedded", show_default=True,
              help="Check in this process, or with Spark (--claims only; the rule tables joined with the claims).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path),
              help="With --engine spark: the rule tables ('kg export --format rules-parquet -o DIR'; default: "
                   "exported from the store first, into a temporary folder).")
@click.option("--master", default="local[*]", show_default=True, help="With --engine spark: the Spark master.")
@release_option
@endpoint_option
@store_option
def check(codes, claims, dx, units, pos, dos, context, fmt, fail_on, engine, rules_dir, master, releases,
          endpoint: str | None, store_dir: Path) -> None:
    """Check claim lines against the loaded rules (NCCI, MUE, add-on, MPFS, ICD-10-CM).

    \b
    kg check --claims claims.csv --format json
    kg check 93306 93320-26 --dx I50.9 --units 1
    kg check --engine spark --claims claims.parquet --rules rules/
    """
    from kg.check import SEVERITY_RANK, check_claims, worst
    from kg.claims import FORMATS, from_args, read_claims

    if bool(codes) == bool(claims):
        raise click.UsageError("give either CODES or --claims FILE")
    skipped: list[str] = []
    remarks: list[str] = []
    if engine == "spark":
        if not claims:
            raise click.UsageError("--engine spark checks a claims file: give --claims FILE")
        findings, errors = _check_spark(claims, rules_dir, master, context, releases, endpoint, store_dir,
                                        skipped, remarks)
    else:
        lines, errors = read_claims(claims) if claims else (from_args(codes, dx=dx, units=units, pos=pos, dos=dos), [])
        target = with_releases(query_target(endpoint, store_dir), releases)
        findings = check_claims(target, lines, context=context, skipped=skipped, remarks=remarks)
    for note in skipped:
        click.echo(f"kg: not checked: {note} (kg codesets load)", err=True)
    for note in remarks:
        click.echo(f"kg: note: {note}", err=True)
    for err in errors:
        click.echo(f"kg: error: {err}", err=True)
    click.echo(FORMATS[fmt](findings).rstrip("\n"))
    if errors or (fail_on != "never" and worst(findings) >= SEVERITY_RANK[fail_on]):
        sys.exit(1)


def _check_spark(claims, rules_dir, master, context, releases, endpoint, store_dir, skipped, remarks):
    import tempfile

    from kg.engines.rules import write_rules
    from kg.engines.spark import check_spark, session

    with tempfile.TemporaryDirectory(prefix="kg-rules-") as tmp:
        if rules_dir is None:
            rules_dir = Path(tmp)
            write_rules(with_releases(query_target(endpoint, store_dir), releases), rules_dir)
        spark = session(master)
        try:
            findings, errors, rules = check_spark(spark, rules_dir, claims, context=context)
        finally:
            spark.stop()
    skipped.extend(rules.skipped())
    remarks.extend(rules.remarks())
    return findings, errors


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="The report: pySHACL's text layout, or JSON (kg.validate.FORMATS).")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="How the briefing graphs are checked (kg.validate.ENGINES): the SPARQL translation in one pass per "
                   "batch, or pySHACL graph by graph (the reference); every other graph goes through "
                   "the shapes' SPARQL translation.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for the briefing graphs (default: one per core on a big store).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@store_option
def validate(fmt: str, engine: str, workers: int | None, progress: bool | None, store_dir: Path) -> None:
    """Check every graph of the store, each on its own, against the SHACL shapes; exit 1 on a violation.

    \b
    kg validate
    kg validate --format json --workers 2
    """
    from kg.store import open_store, store_path
    from kg.validate import FORMATS
    from kg.validate import validate as validate_store

    report = validate_store(open_store(store_dir, read_only=True), engine=engine, workers=workers, progress=progress,
                            path=store_path(store_dir))  # the workers open the store read-only themselves
    click.echo(FORMATS[fmt](report).rstrip("\n"))
    if not report.conforms:
        sys.exit(1)


COMMANDS = (show, audit, evaluate, check, validate)
"""The commands this module adds to ``kg``."""
