"""The audit's findings as text: an aligned table, formula-safe CSV or JSON (``kg audit --format``).

:mod:`kg.audit` re-exports :data:`FORMATS`, :func:`to_table`, :func:`to_csv` and :func:`to_json`.

Examples
--------
>>> from kg.audit import Finding
>>> f = Finding("unknown-code", "error", "=C4O.20", "ICD-10-CM", "77013.txt", 41, "not a code")
>>> to_csv([f]).splitlines()[1].split(",")[2]
"'=C4O.20"
>>> sorted(FORMATS)
['csv', 'json', 'table']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.results import csv_cell

if TYPE_CHECKING:
    from kg.audit import Finding

__all__ = ["FORMATS", "to_csv", "to_json", "to_table"]


def to_table(findings: list[Finding]) -> str:
    """Findings as an aligned text table for the terminal."""
    if not findings:
        return "no findings"
    cols = ("severity", "kind", "code", "system", "document", "line", "message")
    rows = [[str(getattr(f, c)) for c in cols] for f in findings]
    widths = [min(max(len(c), *(len(r[i]) for r in rows)), 60 if c != "message" else 200) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"({len(findings)} finding{'s' if len(findings) != 1 else ''})")
    return "\n".join(lines)


def to_csv(findings: list[Finding]) -> str:
    import csv
    import io

    buf = io.StringIO()
    from kg.audit import Finding

    fields = list(Finding.__dataclass_fields__)
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for f in findings:
        w.writerow({k: csv_cell(v) for k, v in f.as_dict().items()})
    return buf.getvalue()


def to_json(findings: list[Finding]) -> str:
    import json

    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1)


FORMATS = {"table": to_table, "csv": to_csv, "json": to_json}
"""``kg audit --format`` choices -> renderer."""
