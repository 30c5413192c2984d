"""Claim lines for ``kg check``: read from a CSV, the command line or a DataFrame, and findings written out.

A claim line has the columns :data:`COLUMNS` (``dos``, the date of service,
is optional). Modifiers and diagnoses are space-separated; a code may carry
its modifiers as a suffix (``93320-26``).

Examples
--------
>>> [(c.code, c.modifiers, c.dx) for c in from_args(["93306", "93320-26"], dx=["I50.9"])]
[('93306', (), ('I50.9',)), ('93320', ('26',), ('I50.9',))]
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from kg.errors import ClaimError
from kg.results import csv_cell

__all__ = [
    "COLUMNS",
    "FORMATS",
    "CheckFinding",
    "ClaimLine",
    "from_args",
    "csv_row",
    "from_records",
    "header_index",
    "read_claims",
    "record_row",
    "to_csv",
    "to_json",
    "to_table",
]

COLUMNS = ("claim_id", "line", "code", "modifiers", "units", "dx", "pos")
"""The required columns of a claims CSV."""
OPTIONAL = ("dos",)
"""Optional columns: ``dos``, the date of service (YYYY-MM-DD)."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ClaimLine:
    """One line of a claim, as kg checks it.

    Examples
    --------
    >>> ln = ClaimLine("A", 1, "77013", modifiers=("26",), dx=("C22.0",), dos="2024-03-01")
    >>> ln.code, ln.modifiers, ln.units
    ('77013', ('26',), 1)
    """

    claim_id: str
    line: int
    code: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    dx: tuple[str, ...] = ()
    pos: str = ""
    dos: str = ""


@dataclass(frozen=True)
class CheckFinding:
    """One thing wrong with a claim line: what, how bad, and the code-set release and row that decided it.

    Examples
    --------
    >>> f = CheckFinding("A", 2, "77013", "mue", "error", "77013: 2 units on one line, the MUE is 1",
    ...                  "ncci-mue 2024Q4: 77013 mue_units=1 mue_mai=1")
    >>> f.as_dict()["kind"], f.severity
    ('mue', 'error')
    """

    claim_id: str
    line: int
    code: str
    kind: str
    severity: str
    message: str
    source: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _split(value: object) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and math.isnan(value)):  # pandas writes NaN for empty cells
        return ()
    return tuple(v.strip().upper() for v in re.split(r"[\s,]+", str(value)) if v.strip())


def _line(claim_id: object, line: object, code: object, modifiers: object, units: object, dx: object,
          pos: object, dos: object, where: tuple[str, int]) -> ClaimLine:
    path, number = where
    code = str(code or "").strip().upper()
    if not code:
        raise ClaimError(path, number, "the code cell is empty")
    code, *suffix = code.split("-")
    try:
        n = int(str(units).strip()) if str(units or "").strip() else 1
    except ValueError:
        raise ClaimError(path, number, f"units {units!r} is not a whole number") from None
    if n < 0:
        raise ClaimError(path, number, f"units {units!r} is negative")
    try:
        line_no = int(str(line).strip()) if str(line or "").strip() else number
    except ValueError:
        raise ClaimError(path, number, f"line {line!r} is not a whole number") from None
    dos = str(dos or "").strip()
    if dos and not _DATE.match(dos):
        raise ClaimError(path, number, f"dos {dos!r} is not a date (YYYY-MM-DD)")
    return ClaimLine(claim_id=str(claim_id or "").strip() or "1", line=line_no, code=code,
                     modifiers=tuple(suffix) + _split(modifiers), units=n, dx=_split(dx),
                     pos=str(pos or "").strip(), dos=dos)


def header_index(header: list[str], path: str | os.PathLike) -> list[int]:
    """Where each of :data:`COLUMNS` (then ``dos``, -1 when absent) is in a claims file's header.

    Raises
    ------
    ClaimError
        If the header lacks a required column.

    Examples
    --------
    >>> header_index(["claim_id", "line", "code", "modifiers", "units", "dx", "pos"], "c.csv")
    [0, 1, 2, 3, 4, 5, 6, -1]
    >>> header_index(["claim_id", "code"], "c.csv")
    Traceback (most recent call last):
    ...
    kg.errors.ClaimError: c.csv:1: missing columns line, modifiers, units, dx, pos; a claims CSV has the columns claim_id, line, code, modifiers, units, dx, pos (and optionally dos)
    """
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ClaimError(path, 1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                         f"a claims CSV has the columns {', '.join(COLUMNS)} (and optionally dos)")
    return [header.index(c) for c in COLUMNS] + [header.index("dos") if "dos" in header else -1]


def csv_row(row: list[str], index: list[int], width: int, where: tuple[str, int]) -> ClaimLine | None:
    """The claim line of one CSV row (``None`` for a blank row); ``index`` from :func:`header_index`,
    ``width`` the header's number of cells. The one reading of a row, for :func:`read_claims` and
    ``kg check --engine spark``.

    Raises
    ------
    ClaimError
        If the row cannot be read, naming ``where`` (file and line).

    Examples
    --------
    >>> index = header_index(list(COLUMNS), "c.csv")
    >>> csv_row(["A", "1", "77013-26", "", "2", "C22.0", "22"], index, 7, ("c.csv", 2)).modifiers
    ('26',)
    >>> csv_row(["A", "1"], index, 7, ("c.csv", 3))
    Traceback (most recent call last):
    ...
    kg.errors.ClaimError: c.csv:3: row has 2 cells, the header 7
    """
    if not any(cell.strip() for cell in row):
        return None
    if len(row) < width:
        raise ClaimError(where[0], where[1], f"row has {len(row)} cells, the header {width}")
    return _line(*(row[i] if i >= 0 else "" for i in index), where=where)


def record_row(values: dict, where: tuple[str, int]) -> ClaimLine:
    """The claim line of one record (a dict with the :data:`COLUMNS`, any case, e.g. a Parquet row).

    Examples
    --------
    >>> record_row({"claim_id": "A", "line": 1, "code": "77013", "units": None}, ("c.parquet", 1)).units
    1
    """
    values = {str(k).strip().lower(): v for k, v in values.items()}
    return _line(*(values.get(c) for c in (*COLUMNS, "dos")), where=where)


def read_claims(path: str | os.PathLike) -> tuple[list[ClaimLine], list[ClaimError]]:
    """The claim lines of a CSV (or a Parquet file, ``.parquet``), and an error for each row that could not be read.

    A bad row (a missing cell, units that are not a number) is reported with
    the file and line and left out; the other rows are still returned. In a
    Parquet file, a row's "line" is its number from 1.

    Raises
    ------
    ClaimError
        If the header lacks a required column (nothing can be read then).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "claims.csv"
    >>> _ = p.write_text("claim_id,line,code,modifiers,units,dx,pos\\nA,1,77013,26,1,C22.0,22\\nA,2,76942,,two,,22\\n")
    >>> lines, errors = read_claims(p)
    >>> [(c.code, c.modifiers) for c in lines], [str(e).split("/")[-1] for e in errors]
    ([('77013', ('26',))], ["claims.csv:3: units 'two' is not a whole number"])
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path)
    lines: list[ClaimLine] = []
    errors: list[ClaimError] = []
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        index = header_index(header, path)
        for number, row in enumerate(reader, 2):
            try:
                ln = csv_row(row, index, len(header), (str(path), number))
            except ClaimError as err:
                errors.append(err)
                continue
            if ln is not None:
                lines.append(ln)
    return lines, errors


def _read_parquet(path: Path) -> tuple[list[ClaimLine], list[ClaimError]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    header_index(pf.schema_arrow.names, path)
    lines: list[ClaimLine] = []
    errors: list[ClaimError] = []
    number = 0
    for batch in pf.iter_batches():
        for values in batch.to_pylist():
            number += 1
            try:
                lines.append(record_row(values, (str(path), number)))
            except ClaimError as err:
                errors.append(err)
    return lines, errors


def from_args(codes: Iterable[str], *, dx: Iterable[str] = (), units: int = 1, pos: str = "", dos: str = "",
              claim_id: str = "1") -> list[ClaimLine]:
    """One claim from the command line: ``93306 93320-26`` (modifiers as ``-`` suffixes).

    Lines are numbered from 1 in order; ``dx``, ``units``, ``pos`` and
    ``dos`` apply to every line.

    Examples
    --------
    >>> [(c.line, c.code, c.modifiers, c.dx) for c in from_args(["77013", "76942-26"], dx=["c22.0"])]
    [(1, '77013', (), ('C22.0',)), (2, '76942', ('26',), ('C22.0',))]
    """
    diagnoses = " ".join(dx)
    return [_line(claim_id, i, code, "", units, diagnoses, pos, dos, where=("<command line>", i))
            for i, code in enumerate(codes, 1)]


def from_records(records) -> tuple[list[ClaimLine], list[ClaimError]]:
    """Claim lines from a pandas DataFrame or an iterable of dicts with the :data:`COLUMNS`.

    Examples
    --------
    >>> lines, _ = from_records([{"claim_id": "A", "line": 1, "code": "77013", "modifiers": "26 59", "units": 2}])
    >>> lines[0].modifiers, lines[0].units
    (('26', '59'), 2)
    """
    if hasattr(records, "to_dict"):
        records = records.to_dict("records")
    lines: list[ClaimLine] = []
    errors: list[ClaimError] = []
    for number, r in enumerate(records, 1):
        try:
            lines.append(_line(r.get("claim_id"), r.get("line"), r.get("code"), r.get("modifiers"), r.get("units"),
                               r.get("dx"), r.get("pos"), r.get("dos"), where=("<records>", number)))
        except ClaimError as err:
            errors.append(err)
    return lines, errors


_FIELDS = [f.name for f in fields(CheckFinding)]


def to_table(findings: list[CheckFinding]) -> str:
    """Findings as an aligned text table.

    Examples
    --------
    >>> print(to_table([CheckFinding("A", 2, "77013", "mue", "error", "2 units, the MUE is 1", "ncci-mue")]))
    claim_id  line  code   kind  severity  message                source
    --------  ----  -----  ----  --------  ---------------------  --------
    A         2     77013  mue   error     2 units, the MUE is 1  ncci-mue
    (1 finding)
    >>> to_table([])
    'no findings'
    """
    if not findings:
        return "no findings"
    rows = [[str(getattr(f, c)) for c in _FIELDS] for f in findings]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_FIELDS)]
    widths = [min(w, 40) if c == "source" else w for c, w in zip(_FIELDS, widths)]
    out = ["  ".join(c.ljust(w) for c, w in zip(_FIELDS, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    out.append(f"({len(findings)} finding{'s' if len(findings) != 1 else ''})")
    return "\n".join(out)


def to_csv(findings: list[CheckFinding]) -> str:
    """Findings as CSV, one row each.

    Examples
    --------
    >>> print(to_csv([CheckFinding("A", 2, "77013", "mue", "error", "2 units, the MUE is 1", "ncci-mue")]))
    claim_id,line,code,kind,severity,message,source
    A,2,77013,mue,error,"2 units, the MUE is 1",ncci-mue
    <BLANKLINE>
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_FIELDS, lineterminator="\n")
    w.writeheader()
    for f in findings:
        w.writerow({k: csv_cell(v) for k, v in f.as_dict().items()})
    return buf.getvalue()


def to_json(findings: list[CheckFinding]) -> str:
    """Findings as a JSON list of objects.

    Examples
    --------
    >>> import json
    >>> out = to_json([CheckFinding("A", 2, "77013", "mue", "error", "2 units, the MUE is 1", "ncci-mue")])
    >>> json.loads(out)[0]["code"], json.loads(out)[0]["line"]
    ('77013', 2)
    """
    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1)


FORMATS = {"table": to_table, "csv": to_csv, "json": to_json}
"""``kg check --format`` choices -> renderer."""
