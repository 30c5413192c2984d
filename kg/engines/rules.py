"""The rule tables of ``kg check`` as Parquet, for ``kg check --engine spark`` (:mod:`kg.engines.spark`).

:func:`write_rules` writes every row :func:`kg.check.load_rules` reads from a store (both claim settings)
as one Parquet file per :data:`RULE_TABLES` entry, plus ``manifest.json``: the releases, and which code
sets are loaded (a check whose code set is not loaded is skipped, as in the embedded checker). It needs
pyarrow, not Spark.

Examples
--------
>>> sorted(RULE_TABLES)[:4]
['addons', 'ancestors', 'excludes1', 'fees']
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["CONTEXTS", "RULE_TABLES", "write_rules"]

CONTEXTS = ("practitioner", "hospital")
"""The claim settings whose PTP and MUE rows the tables hold."""

RULE_TABLES = {
    "fees": ("code, field, value", "the MPFS indicators of each code (the PPRRVU columns kg.cms decodes)"),
    "priced": ("code, modifier", "modifiers that have an MPFS row of their own for the code (26, TC, 53)"),
    "procedures": ("code", "every code of the loaded MPFS and HCPCS releases"),
    "notations": ("code", "the procedure codes an unknown code is compared with (did you mean)"),
    "modifiers": ("modifier", "every modifier of the loaded modifier lists"),
    "ptp": ("context, column1, column2, modifier_indicator, deletion_date",
            "NCCI PTP edits of each claim setting; deletion_date '' for the edits in force"),
    "mue": ("context, code, units, mai", "NCCI MUE of each claim setting, with the adjudication indicator"),
    "addons": ("code, edit_type, primaries", "NCCI add-on edits, the listed primaries sorted"),
    "icd": ("code, billable", "every ICD-10-CM code"),
    "excludes1": ("code, rank, named, note, carrier",
                  "the Excludes1 notes on each ICD-10-CM code or above it, nearest carrier first (rank)"),
    "ancestors": ("code, above", "each ICD-10-CM code, itself and every concept above it"),
}
"""The Parquet files :func:`write_rules` writes -> (columns, what they hold)."""

def _tables(store) -> tuple[dict[str, dict[str, list]], dict]:
    from kg.check import load_context, load_rules
    from kg.official import run_internal

    rules = load_rules(store, context=CONTEXTS[0])
    t: dict[str, dict[str, list]] = {name: {c.strip(): [] for c in cols.split(",")}
                                     for name, (cols, _) in RULE_TABLES.items()}

    def add(name: str, *values) -> None:
        for column, v in zip(t[name], values):
            t[name][column].append(v)

    for code, fees in sorted((rules.fees or {}).items()):
        for field, value in sorted(fees.items()):
            add("fees", code, field, value)
    for code, mods in sorted(rules.priced.items()):
        for m in sorted(mods):
            add("priced", code, m)
    for code in sorted(rules.procedures or ()):
        add("procedures", code)
    if rules.procedures is not None:
        for r in run_internal(store, "check-notations"):
            add("notations", r["c"].rsplit("/", 1)[-1])
    for m in sorted(rules.modifiers or ()):
        add("modifiers", m)
    for code, (edit_type, primaries) in sorted((rules.addons or {}).items()):
        add("addons", code, edit_type, sorted(primaries))
    for code, billable in sorted((rules.icd or {}).items()):
        add("icd", code, billable)
    for code, notes in sorted((rules.excludes1 or {}).items()):
        for rank, (named, note, carrier) in enumerate(notes):
            add("excludes1", code, rank, named, note, carrier)
    for code, above in sorted(rules.ancestors.items()):
        for a in sorted(above):
            add("ancestors", code, a)
    contexts = {}
    for context in CONTEXTS:
        if context != rules.context:
            load_context(store, rules, context)
        for (one, two), mi in sorted((rules.ptp or {}).items()):
            add("ptp", context, one, two, mi, "")
        for (one, two), (mi, deleted) in sorted(rules.ptp_deleted.items()):
            add("ptp", context, one, two, mi, deleted)
        for code, (units, mai) in sorted((rules.mue or {}).items()):
            add("mue", context, code, units, mai)
        contexts[context] = {"ptp": rules.ptp is not None, "ptp_release": rules.ptp_release, "mue": rules.mue is not None}
    manifest = {"releases": rules.releases, "contexts": contexts,
                "loaded": {"fees": rules.fees is not None, "procedures": rules.procedures is not None,
                           "addons": rules.addons is not None, "icd": rules.icd is not None,
                           "excludes1": rules.excludes1 is not None, "modifiers": rules.modifiers is not None}}
    return t, manifest


def _schemas():
    import pyarrow as pa

    s, i = pa.string(), pa.int64()
    return {"fees": [s, s, s], "priced": [s, s], "procedures": [s], "notations": [s], "modifiers": [s],
            "ptp": [s, s, s, s, s], "mue": [s, s, i, s], "addons": [s, s, pa.list_(s)], "icd": [s, pa.bool_()],
            "excludes1": [s, i, s, s, s], "ancestors": [s, s]}


def write_rules(store, directory) -> list:
    """Write the rules ``kg check`` reads from ``store`` as Parquet, one file per :data:`RULE_TABLES` entry, and
    ``manifest.json``; returns the tables written (:class:`kg.parquet.Table`). Needs no Spark.

    Examples
    --------
    >>> import pyoxigraph as ox, tempfile
    >>> [(t.id, t.rows) for t in write_rules(ox.Store(), tempfile.mkdtemp())][:2]
    [('fees', 0), ('priced', 0)]
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kg.parquet import Table

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tables, manifest = _tables(store)
    out = []
    for (name, columns), types in zip(tables.items(), _schemas().values()):
        schema = pa.schema([(c, ty) for c, ty in zip(columns, types)])
        path = directory / f"{name}.parquet"
        pq.write_table(pa.table(columns, schema=schema), path)
        out.append(Table(path, len(next(iter(columns.values())))))
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out
