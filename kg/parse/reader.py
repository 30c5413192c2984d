"""The line-by-line reader: one pass over a briefing's lines, then the :class:`~kg.parse.Briefing` record.

A table line (two or more cells) starts a table: a known header, else a row
under a missing header, read when it fits a table read before (same cells,
a code of its kind where its code is: a blank line inside a table does not
end it) or its code's shape says which table it is, else the first line of a
table kg does not know, whose lines are reported (``Briefing.unread_rows``).
``N/A`` rows are counted in ``Briefing.skipped_rows``. A row whose code cell
has no shape of its table's code system is kept as written
(``Briefing.malformed``), not read as a code. No table line is dropped without
a word. The first ``CPT 77013: ...`` line is the heading; known headings open the sections whose
paragraphs become the summary, overview and clinical context; ``Service type:``
and ``Site of service:`` lines are fields. Errors name the file and line.

Examples
--------
>>> lines = ["CPT 77013: CT guidance", "", "Service type: Image guidance", "Modifier | Description | When to Use",
...          "26 | Professional component | Reading only"]
>>> b = _Parser("77013.txt", lines, "0" * 64).run()
>>> b.title, b.service_type, [(r.code, r.line) for r in b.modifiers]
('CT guidance', Text(text='Image guidance', line=3), [('26', 5)])
>>> _Parser("x.txt", lines[:4] + ["26 | Professional component"], "").run()
Traceback (most recent call last):
...
kg.errors.BriefingParseError: x.txt:5: modifier table row has 2 cells, expected 3 as in the header on line 4; \
a '|' inside a cell must be written '\\|'
"""

from __future__ import annotations

import re

from kg.errors import BriefingParseError
from kg.model.codes import BRIEFING_SYSTEMS, normalize_code
from kg.parse.mentions import _payers, _sites
from kg.parse.records import Briefing, MalformedRow, Row, Text, Unread
from kg.parse.tables import (
    NOT_AVAILABLE,
    TABLE_KINDS,
    _cells,
    _diagnosis_code,
    _fits,
    _headerless_layout,
    _is_absent,
    _is_separator,
    _Layout,
    _layout,
    _says_nothing,
    code_system,
)
from kg.parse.text import _DASHES, _key

_HEADINGS = {
    "summary & overview": "summary",
    "summary and overview": "summary",
    "summary": "summary",
    "billing code overview": "overview",
    "clinical & coding specifications": None,
    "clinical and coding specifications": None,
    "clinical context": "clinical_context",
    "coding specifications": None,
    "related diagnoses": None,
    "related cpt codes": None,
    "related procedures": None,
    "related codes": None,
    "modifiers": None,
    "taxonomy codes": None,
    "provider taxonomy": None,
}

# The heading's prefix: ``CPT 77013:``, ``# CPT® 99203 —``, ``**CPT™ 99203** -``, ``CPT/HCPCS G0288:``. It is
# matched at the start of the stripped, dash-folded line and the title is the rest of the line, so no
# quantifier scans the title (a heading followed by a megabyte of spaces costs one pass).
_TITLE = re.compile(
    r"(?:#+ *)?(?:\*\*)?(CPT/HCPCS|HCPCS/CPT|CPT|HCPCS)(?:\u00ae|\u2122|\((?:R|TM)\))?(?:\*\*)?"
    r"(?: +code)?(?: +|(?<=[\u00ae\u2122)*]))([0-9A-Za-z]{5})(?:\*\*)? *[:-]",
    re.IGNORECASE,
)
_ROW_OF = {"modifiers": "modifier", "taxonomies": "taxonomy", "diagnoses": "diagnosis", "procedures": "procedure"}
"""What a row of each table kind is called in messages."""
_EXPECTED = {"MOD": "a two-character modifier (26, TC)", "NUCC": "a 10-character NUCC code (207L00000X)",
             "ICD10CM": "an ICD-10-CM code (C22.0)", "CPT": "a CPT or HCPCS code (77013, G0288)"}
"""What a code of a table's first system looks like, for the reason a malformed code is given."""
_FIELD = re.compile(r"^\s*(service type|typical sites? of service|site of service|place of service)\s*:\s*(.*)$", re.I)


class _Parser:
    """One pass over the lines; collects fields, then builds the record."""

    def __init__(self, path: str, lines: list[str], sha256: str) -> None:
        self.path = path
        self.lines = lines
        self.sha256 = sha256
        self.fields: dict[str, object] = {}
        self.tables: dict[str, list[Row]] = {k.name: [] for k in TABLE_KINDS}
        self.unknown: list[Text] = []
        # the known tables read so far, with their header lines: by width, then by (kind, code column), latest last
        # (what a headerless row is checked against: a handful, however many tables there are)
        self.layouts: dict[int, dict[tuple[str, int], tuple[_Layout, int]]] = {}
        self.skipped: list[int] = []
        self.unread: list[Unread] = []
        self.malformed: list[MalformedRow] = []

    def error(self, line: int, message: str) -> BriefingParseError:
        return BriefingParseError(self.path, line, message)

    def run(self) -> Briefing:
        heading = None
        section: str | None = None
        paragraphs: dict[str, list[tuple[int, str]]] = {}
        i = 0
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            number = i + 1
            stripped = line.strip()
            if not stripped:
                i += 1
                continue
            cells = _cells(line)
            if cells is not None and len(cells) >= 2:
                i = self.table(i, cells)
                section = None
                continue
            if heading is None:
                m = _TITLE.match(stripped.translate(_DASHES))
                if m:
                    heading = m
                    self.fields["heading"] = (m, number, stripped)
                    section = "summary"
                    i += 1
                    continue
            key = _key(stripped)
            if key in _HEADINGS:
                section = _HEADINGS[key]
                i += 1
                continue
            fm = _FIELD.match(stripped)
            if fm:
                name = "service_type" if fm.group(1).lower() == "service type" else "site_of_service"
                value = fm.group(2).strip()
                if value and not _is_absent([value]):
                    self.fields[name] = Text(value, number)
                i += 1
                continue
            if key.rstrip(".") == NOT_AVAILABLE.rstrip("."):
                i += 1
                continue
            if section is not None:
                paragraphs.setdefault(section, []).append((number, stripped))
            i += 1
        if heading is None:
            raise self.error(
                1 if self.lines else 0,
                "no subject code: expected a heading line such as 'CPT 77013: CT guidance for ablation'",
            )
        return self.build(paragraphs)

    def table(self, i: int, first: list[str]) -> int:
        """Read the table whose first line (its header, or a row if the header is missing) is at line index
        ``i``; return the index of the line after it."""
        number = i + 1
        layout = _layout(first)
        j = i + 1
        sep = _cells(self.lines[j]) if j < len(self.lines) else None
        separated = sep is not None and _is_separator(sep)
        if layout is not None:
            seen = self.layouts.setdefault(layout.width, {})
            seen.pop((layout.kind.name, layout.code), None)
            seen[layout.kind.name, layout.code] = (layout, number)
            return self.rows(j + separated, layout, number, strict=True)
        if _is_separator(first):
            raise self.error(number, "table separator row without a header row above it")
        if not separated and _is_absent(first):
            self.skipped.append(number)  # an N/A row, its header missing (or the table's first row after a blank)
            return j
        if not separated:
            # No header line: a row of the table before it (a blank line inside a table), or of a table whose
            # header is missing, if its shape says which.
            for known, header in reversed(list(self.layouts.get(len(first), {}).values())):
                if _fits(known, first):
                    return self.rows(i, known, header, strict=True)
            guessed = _headerless_layout(first)
            if guessed is not None:
                return self.rows(i, guessed, None, strict=False)
        # A table kg does not know: its rows are reported, with their lines.
        self.unknown.append(Text(" | ".join(first), number))
        if not separated:  # perhaps a header, perhaps a row: reported, so not lost either way
            self.unread.append(Unread(number, self.lines[i].strip(), "a table line kg cannot place in a table",
                                      "unplaced line"))
        reason = f"in a table kg does not know (header on line {number})"
        j += separated
        while j < len(self.lines):
            cells = _cells(self.lines[j])
            if cells is None or (len(cells) >= 2 and _layout(cells) is not None):
                break
            if _is_absent(cells):
                self.skipped.append(j + 1)
            else:
                self.unread.append(Unread(j + 1, self.lines[j].strip(), reason, "unknown table"))
            j += 1
        return j

    def rows(self, j: int, layout: _Layout, header: int | None, *, strict: bool) -> int:
        """Read the rows of a table laid out as ``layout`` from line index ``j``; return the index after them.

        ``strict``: a row that does not fit is an error (the table has a header saying what fits); otherwise
        (the layout was read off the first row) it is reported.
        """
        rows = self.tables[layout.kind.name]
        while j < len(self.lines):
            line = self.lines[j]
            stripped = line.strip()
            if not stripped:
                break  # a blank line: the table goes on if the next table line fits it (see table)
            if _key(stripped).rstrip(".") == NOT_AVAILABLE.rstrip("."):
                self.skipped.append(j + 1)
                j += 1
                continue
            cells = _cells(line)
            if cells is None:
                break
            if len(cells) >= 2 and _layout(cells) is not None:
                break  # the next table starts without a blank line
            if _is_absent(cells):
                self.skipped.append(j + 1)
                j += 1
                continue
            if len(cells) == layout.width and _is_absent([cells[layout.code]]):
                # no code (N/A or empty): absent data when the row says there is nothing, else reported
                if _says_nothing(cells, layout.code):
                    self.skipped.append(j + 1)
                else:
                    what = "N/A" if cells[layout.code].strip() else "empty"
                    self.unread.append(Unread(
                        j + 1, stripped, f"{_ROW_OF[layout.kind.name]} table row with an {what} code cell names something "
                        "(not a row saying there is nothing): skipped", "no code"))
                j += 1
                continue
            try:
                row = self.row(layout, cells, j + 1, header)
            except BriefingParseError as err:
                if strict:
                    raise
                self.unread.append(Unread(j + 1, stripped, err.message, "misfit row"))
                j += 1
                continue
            if isinstance(row, MalformedRow):
                if strict:  # under a header: the row is the table's, only its code is wrong
                    self.malformed.append(row)
                else:  # under a layout read off the first row: perhaps a row of another table
                    self.unread.append(Unread(j + 1, stripped, row.reason, "misfit row"))
            else:
                rows.append(row)
            j += 1
        return j

    def row(self, layout: _Layout, cells: list[str], number: int, header_line: int | None) -> Row | MalformedRow:
        """The row on line ``number``; a :class:`MalformedRow` when its code has no shape of its table's systems.

        A row with the wrong number of cells is an error: which cell is which is not known.
        """
        kind = layout.kind
        if len(cells) != layout.width:
            where = f"the header on line {header_line}" if header_line else "the rows above it (its header is missing)"
            raise self.error(
                number,
                f"{_ROW_OF[kind.name]} table row has {len(cells)} cells, expected {layout.width} "
                f"as in {where}; a '|' inside a cell must be written '\\|'",
            )
        written = cells[layout.code]
        code = normalize_code(written)
        if kind.name == "diagnoses":
            code = _diagnosis_code(code)
        if not code:
            raise self.error(number, f"{_ROW_OF[kind.name]} table row has an empty code cell")
        system = code_system(code, kind.systems)
        description = cells[layout.description].strip() if layout.description is not None else ""
        note = cells[layout.note].strip() if layout.note is not None else ""
        extra = tuple((h, cells[i].strip()) for i, h in layout.extra if cells[i].strip())
        if system is None:
            return MalformedRow(_ROW_OF[kind.name], written.strip(), description, note, number,
                                f"{written!r} is not {_EXPECTED[kind.systems[0]]}", extra)
        return Row(code=code, written=written.strip(), system=system, description=description, note=note,
                   line=number, extra=extra)

    def build(self, paragraphs: dict[str, list[tuple[int, str]]]) -> Briefing:
        m, number, line = self.fields["heading"]  # type: ignore[misc]
        system = m.group(1).upper().split("/")[0]
        code = normalize_code(m.group(2))
        if code_system(code, BRIEFING_SYSTEMS["procedure"]) is None:
            raise self.error(number, f"{m.group(2)!r} is not a CPT or HCPCS code")
        system = code_system(code, BRIEFING_SYSTEMS["procedure"]) or system
        title = line[m.end():].strip().strip("*").strip()  # m matched the dash-folded line, as long as this one

        def text(section: str) -> Text | None:
            parts = paragraphs.get(section)
            if not parts:
                return None
            return Text(" ".join(p for _, p in parts), parts[0][0])

        summary = text("summary")
        site = self.fields.get("site_of_service")
        return Briefing(
            path=self.path,
            sha256=self.sha256,
            code=code,
            system=system,
            title=title,
            line=number,
            summary=summary,
            overview=text("overview"),
            payers=_payers(summary),
            service_type=self.fields.get("service_type"),  # type: ignore[arg-type]
            site_of_service=site,  # type: ignore[arg-type]
            sites=_sites(site),  # type: ignore[arg-type]
            clinical_context=text("clinical_context"),
            modifiers=tuple(self.tables["modifiers"]),
            taxonomies=tuple(self.tables["taxonomies"]),
            diagnoses=tuple(self.tables["diagnoses"]),
            procedures=tuple(self.tables["procedures"]),
            unknown_tables=tuple(self.unknown),
            skipped_rows=tuple(self.skipped),
            unread_rows=tuple(self.unread),
            malformed=tuple(self.malformed),
        )
