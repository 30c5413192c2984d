"""``kg build`` and ``kg codesets``: briefings and official code sets into the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import RegistryCommand, store_option


def _codesets():
    """The code-set registry, imported when a command needs it (kg.codesets loads every code-set module)."""
    from kg.codesets import CODESETS

    return CODESETS


def _by_reason(counts: dict[str, int]) -> str:
    """`` (2 no code, 1 unknown table)``: the reported rows by reason, most first; empty when none."""
    return " (" + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) \
        + ")" if counts else ""


def _echo_load(report) -> None:
    """One line per code-set load, for 'kg build --codeset' and 'kg codesets load'."""
    outcome = "unchanged, skipped" if report.skipped else f"{report.triples} triples in {report.seconds:.1f}s"
    click.echo(f"{report.name} {report.release} ({report.source_file}): {outcome}")


def _keep_facts(store, store_dir: Path, loaded) -> float | None:
    """What the code sets say, read for the audit as soon as they are loaded or a release is dropped (``loaded``
    None; :func:`kg.audit.cache.keep_code_set_facts`): the seconds it took, or None if nothing was read."""
    if loaded is not None and all(r.skipped for r in loaded):  # nothing loaded: kg.audit (rapidfuzz, 50 ms) is not imported
        return None
    from kg.audit.cache import keep_code_set_facts
    from kg.store import cache_dir_for

    return keep_code_set_facts(store, cache_dir_for(store_dir), loaded)


def _facts_note(seconds: float | None) -> None:
    if seconds is not None:
        click.echo(f"kg: note: read what the code sets say for the audit in {seconds:.1f}s (kept beside the store)",
                   err=True)


def _codeset_pair(ctx, param, values: tuple[str, ...]) -> dict[str, Path | None]:
    CODESETS = _codesets()
    out: dict[str, Path | None] = {}
    for value in values:
        name, sep, file = value.partition("=")
        if name not in CODESETS:
            raise click.BadParameter(f"unknown code set {name!r}; choose from {', '.join(CODESETS)}", ctx, param)
        if not sep and CODESETS[name].default_file is None:
            raise click.BadParameter(f"{name} needs a file: --codeset {name}=FILE", ctx, param)
        if sep and not Path(file).is_file():
            raise click.BadParameter(f"{file}: no such file", ctx, param)
        out[name] = Path(file) if sep else None
    return out


def _build_codeset_option() -> list[click.Parameter]:
    return [click.Option(["--codeset", "codesets"], multiple=True, callback=_codeset_pair, metavar="NAME=FILE",
                         help="Also load this code set, before the briefings (repeatable; one of "
                              f"{', '.join(_codesets())}; 'icd10cm' alone means the packaged XML).")]


@click.command(cls=RegistryCommand, params_from=_build_codeset_option)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--examples", is_flag=True, help="Build the example briefings bundled with kg.")
@click.option("--keep-missing", is_flag=True,
              help="Keep the documents built from these folders before that are no longer in them.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@store_option
def build(paths: tuple[Path, ...], examples: bool, codesets: dict[str, Path | None], keep_missing: bool,
          progress: bool | None, store_dir: Path) -> None:
    """Build briefings (files or folders) into the store.

    Incremental: unchanged documents are skipped, changed ones replaced. A
    document that fails to parse is reported with file:line and skipped; the
    others are built and the exit code is 1. The store mirrors each folder:
    documents built from it before that are gone from it are removed (unless
    --keep-missing). Paths not read (special files, dangling links, link
    loops) and table lines not read are reported as warnings.

    With --codeset, the official code sets load while the briefings build,
    which on a fresh store is faster than 'kg build' then 'kg codesets load':

    \b
    kg build briefings/ --codeset icd10cm --codeset ncci-ptp=ncci_ptp_practitioner_2024q3.csv.gz
    """
    from kg.mentions import KeptMentions
    from kg.build_failures import remembered_failures
    from kg.build_files import FileMemo
    from kg.examples import examples_dir
    from kg.pipeline import build_all
    from kg.stats import kept_total
    from kg.store import cache_dir_for, finish_writing, open_store

    if examples:
        paths = paths + (examples_dir(),)
    if not paths:
        raise click.UsageError("give briefing files or folders, or --examples")
    files = FileMemo.load(cache_dir_for(store_dir), store_dir)  # before the store is opened, which changes its files
    kept = KeptMentions(cache_dir_for(store_dir))  # what the audit reads of each graph written (kg.mentions)
    store = open_store(store_dir)
    facts: list[float | None] = []
    try:
        with remembered_failures(cache_dir_for(store_dir)):  # the documents that failed last time are not parsed again
            # what the code sets say is read for the audit as soon as they are in, before the briefings build
            report, loaded = build_all(store, paths, codesets, progress=progress, keep_missing=keep_missing,
                                       files=files, kept=kept,
                                       loaded_then=lambda loads: facts.append(_keep_facts(store, store_dir, loads)))
        _facts_note(facts[0] if facts else None)
    finally:
        finish_writing(store)  # the statistics are up to date (kg.stats); flushed for the readers that follow
        kept.save()  # of the graphs written, even by a build cut short
    total = kept_total(store)
    del store  # closed: the memo keeps the stamp of the store as this build leaves it
    files.save(store_dir)
    for path, why in report.skipped:
        click.echo(f"kg: warning: skipped {path}: {why}", err=True)
    for warning in report.unread:
        click.echo(f"kg: warning: {warning}", err=True)
    for err in report.errors:
        click.echo(f"kg: error: {err}", err=True)
    for r in loaded:
        _echo_load(r)
    click.echo(
        f"built {len(report.added)} new, {len(report.updated)} changed, {len(report.unchanged)} unchanged, "
        f"{len(report.errors)} failed, removed {len(report.removed)}; table rows {report.rows_read} read, "
        f"{report.rows_skipped} skipped (N/A), {report.rows_reported} reported{_by_reason(report.rows_reported_by)}; "
        f"{report.quads_written} quads written in {report.seconds:.2f}s; "
        f"{total} quads in {store_dir}"
    )
    if report.errors:
        sys.exit(1)



_codeset_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def codesets() -> None:
    """Load the official code sets (ICD-10-CM, NUCC, HCPCS, POS, MPFS, NCCI) into the store."""


def _codeset_options() -> list[click.Parameter]:
    """``--NAME FILE`` per code set of kg.codesets.CODESETS; ``--NAME [FILE]`` and ``--no-NAME`` for one with a default;
    and ``--ncci-include-deleted`` for the code sets that can load deleted rows."""
    out: list[click.Parameter] = []
    for name, cs in _codesets().items():
        text = f"{cs.file[:1].upper()}{cs.file[1:]}."
        if cs.default_file is not None:
            out.append(click.Option([f"--{name}"], is_flag=False, flag_value="", default=None, metavar="[FILE]", help=text))
            out.append(click.Option([f"--no-{name}"], is_flag=True, help=f"Do not load {cs.label} (it loads by default)."))
        else:
            out.append(click.Option([f"--{name}"], type=_codeset_file, help=text))
    with_deleted = " or ".join(f"--{n}" for n, cs in _codesets().items() if "include_deleted" in cs.options)
    out.append(click.Option(["--ncci-include-deleted"], is_flag=True, help=f"With {with_deleted}: also load deleted edits."))
    return out


@codesets.command("load", cls=RegistryCommand, params_from=_codeset_options)
@click.option("--drop-old", is_flag=True, help="Remove the other releases of each code set loaded.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
@store_option
def codesets_load(ncci_include_deleted: bool, drop_old: bool, progress: bool | None, store_dir: Path,
                  **files: Path | str | None) -> None:
    """Load code-set files, each release into its own graph.

    A file already loaded (same SHA-256) is skipped. A file of another
    release goes beside the releases loaded (the newest is current; 'kg diff'
    compares them, 'kg codesets drop' or --drop-old removes old ones); another
    file of the same release replaces it. NCCI PTP edits have two contexts,
    each its own release: --ncci-ptp (practitioner) and --ncci-ptp-hospital.

    \b
    kg codesets load --nucc nucc_taxonomy_251.csv --pos place_of_service_codes_cms.csv
    kg codesets load --no-icd10cm --ncci-ptp ncci_ptp_practitioner_2024q3.csv.gz
    kg codesets load --no-icd10cm --cpt my_licensed_cpt.txt
    """
    from kg.pipeline import load_codesets
    from kg.store import finish_writing, open_store

    sources: dict[str, Path | None] = {}
    for name, cs in _codesets().items():
        value, skip = files[name.replace("-", "_")], files.get(f"no_{name.replace('-', '_')}", False)
        if value is not None and skip:
            raise click.UsageError(f"give --{name} or --no-{name}, not both")
        if value is not None or (cs.default_file is not None and not skip):
            sources[name] = Path(value) if value else None
    if not sources:
        raise click.UsageError("nothing to load: give a code-set file, or drop --no-icd10cm")
    store = open_store(store_dir)
    try:
        loaded = []
        for report in load_codesets(store, sources, progress=progress, include_deleted=ncci_include_deleted):
            _echo_load(report)
            loaded.append(report)
            if drop_old:
                from kg.codesets.catalog import keep_only

                for graph in keep_only(store, report.name, report.graph):
                    click.echo(f"{report.name}: dropped {graph.rsplit('/', 2)[-2]}")
        _facts_note(_keep_facts(store, store_dir, loaded))
    finally:
        finish_writing(store)


@codesets.command("list")
@click.option("--all", "everything", is_flag=True, help="Also the superseded releases kept beside the current ones.")
@store_option
def codesets_list(everything: bool, store_dir: Path) -> None:
    """List the current code-set releases loaded in the store (with --all, the older ones too)."""
    from kg.codesets import releases, releases_table
    from kg.store import open_store

    loaded = releases(open_store(store_dir, read_only=True), everything=everything)
    if not loaded:
        click.echo("no code sets loaded; run 'kg codesets load'")
        return
    click.echo(releases_table(loaded))


COMMANDS = (build, codesets)
"""The commands this module adds to ``kg``."""
