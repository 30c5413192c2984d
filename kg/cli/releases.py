"""``kg diff`` and ``kg codesets drop``: releases of a code set side by side, compared and removed."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.build import codesets
from kg.cli.options import LazyChoice, store_option


def _codeset_names() -> list[str]:
    from kg.codesets import CODESETS

    return list(CODESETS)


@click.command("diff")
@click.argument("codeset", type=LazyChoice(_codeset_names))
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="A text table, CSV (formula-safe) or JSON (with the counts).")
@click.option("--kind", help="Only subjects of this kg class (FeeScheduleEntry, ProcedureCode...).")
@store_option
def diff(codeset: str, old: str | None, new: str | None, fmt: str, kind: str | None, store_dir: Path) -> None:
    """What changed in CODESET from release OLD to release NEW: codes added and removed, and each
    indicator or label that changed, old -> new.

    NEW is by default the current release, OLD the release before it. Load
    both first: a newer file goes beside the older one.

    \b
    kg codesets load --no-icd10cm --mpfs mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv
    kg codesets load --no-icd10cm --mpfs mpfs_pprrvu_2025oct_rvu25d_no_descriptors.csv
    kg diff mpfs                      # RVU24C -> RVU25D
    kg diff mpfs RVU24C RVU25D --format csv > mpfs-changes.csv
    """
    from kg.diff import counts, diff as release_diff, render
    from kg.store import open_store

    changes = release_diff(open_store(store_dir, read_only=True), codeset, old, new)
    if kind:
        changes = [c for c in changes if c.kind == kind]
    click.echo(render(changes, fmt), nl=fmt == "table")
    if fmt == "table":
        for k, n in counts(changes).items():
            click.echo(f"{k or 'other'}: {n['added']} added, {n['removed']} removed, {n['changed']} changed "
                       f"({n['field changes']} values)", err=True)


@codesets.command("drop")
@click.argument("codeset", type=LazyChoice(_codeset_names))
@click.argument("release")
@store_option
def codesets_drop(codeset: str, release: str, store_dir: Path) -> None:
    """Remove release RELEASE of CODESET (as 'kg codesets list --all' names it).

    Dropping the current release makes the newest other release current.
    """
    from kg.cli.build import _facts_note, _keep_facts
    from kg.codesets import drop_release, releases
    from kg.errors import CodeSetError
    from kg.store import finish_writing, open_store

    store = open_store(store_dir)
    try:
        try:
            gone = drop_release(store, codeset, release)
        except KeyError as err:
            raise CodeSetError(err.args[0]) from err
        now = [r["release"] for r in releases(store) if r["name"] == codeset]
        click.echo(f"{codeset}: dropped {release} ({len(gone)} graph); current: {now[0] if now else 'none'}")
        _facts_note(_keep_facts(store, store_dir, None))  # what the audit reads of the code sets left
    finally:
        finish_writing(store)  # flushed: the next reader replays nothing


COMMANDS = (diff,)
"""The commands this module adds to ``kg`` (``kg codesets drop`` joins the ``codesets`` group)."""
