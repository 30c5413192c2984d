"""The frozen records a briefing is read into; every field remembers the line it came from.

Examples
--------
>>> row = Row("26", " 26", "MOD", "Professional component", "Physician reading only", 12)
>>> row.code, row.line, row.extra
('26', 12, ())
>>> Briefing("briefings/77013.txt", "0" * 64, "77013", "CPT", "CT guidance", 1).name
'77013.txt'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True)
class Text:
    """A piece of free text and the line it starts on.

    Examples
    --------
    >>> Text("Image guidance and monitoring", 7).line
    7
    """

    text: str
    line: int


@dataclass(frozen=True)
class Mention:
    """A named thing (payer, site of service) mentioned on a line.

    Examples
    --------
    >>> Mention("Medicare", 4).name
    'Medicare'
    """

    name: str
    line: int


@dataclass(frozen=True)
class Row:
    """One data row of a briefing table.

    ``code`` is normalised (upper case, no spaces); ``written`` is the cell
    exactly as the briefing wrote it. ``note`` is the free-text column ("When
    to Use", "Notes", "Clinical Relevance" or "Relationship to This
    Procedure"). ``extra`` keeps any other column as ``(header, value)``.

    Examples
    --------
    >>> from kg.parse import parse_text
    >>> b = parse_text("CPT 77013: CT guidance\\n| Modifier | Description | When to Use |\\n|---|---|---|\\n"
    ...                "26 | Professional component | Reading only. |\\n", "77013.txt")
    >>> (b.modifiers[0].code, b.modifiers[0].system, b.modifiers[0].line)
    ('26', 'MOD', 4)
    """

    code: str
    written: str
    system: str
    description: str
    note: str
    line: int
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MalformedRow:
    """A table row whose code cell has no shape of its table's code system: kept with the code as written.

    No code is made of it (an IRI minted from ``C2#.0`` would be a code that cannot exist); the row is
    kept so nothing is lost, and ``kg audit`` reports it as ``unknown-code`` with did-you-mean. ``table``
    names the table (a key of :data:`kg.model.codes.BRIEFING_SYSTEMS`: ``diagnosis``, ``procedure``,
    ``modifier``, ``taxonomy``); ``reason`` is what is wrong with the code, as the parser says it.

    Examples
    --------
    >>> from kg.parse import parse_text
    >>> b = parse_text("CPT 77013: CT guidance\\n| ICD-10 Code | Description | Clinical Relevance |\\n|---|---|---|\\n"
    ...                "C2#.0 | Liver cell carcinoma | Primary. |\\n", "77013.txt")
    >>> m = b.malformed[0]
    >>> m.table, m.written, m.line, m.description, b.diagnoses
    ('diagnosis', 'C2#.0', 4, 'Liver cell carcinoma', ())
    >>> m.reason
    "'C2#.0' is not an ICD-10-CM code (C22.0)"
    """

    table: str
    written: str
    description: str
    note: str
    line: int
    reason: str
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Unread:
    """A table line kg did not read into a row, and why: it is reported, never dropped without a word.

    Examples
    --------
    ``kind`` names the reason in a word or two, for the build's summary of rows reported by reason:
    ``unknown table``, ``unplaced line``, ``misfit row`` or ``no code``.

    >>> Unread(31, "| Aetna | Covered |", "in a table kg does not know (header on line 29)", "unknown table").line
    31
    """

    line: int
    text: str
    reason: str
    kind: str = "unplaced line"


class RowCounts(NamedTuple):
    """How many table rows of a document were read, skipped (``N/A`` rows) and reported (:class:`Unread`, and
    :class:`MalformedRow`: kept as written, but not read as a code).

    Every table line of a document after its header and separator is exactly one of the three.

    Examples
    --------
    >>> RowCounts(14, 1, 0).read
    14
    """

    read: int
    skipped: int
    reported: int


@dataclass(frozen=True)
class Briefing:
    """Everything kg reads from one briefing document.

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> from kg.parse import parse_file
    >>> b = parse_file(examples_dir() / "77013.txt")
    >>> b.code, b.system, len(b.procedures) > 0
    ('77013', 'CPT', True)
    """

    path: str
    sha256: str
    code: str
    system: str
    title: str
    line: int
    summary: Text | None = None
    overview: Text | None = None
    payers: tuple[Mention, ...] = ()
    service_type: Text | None = None
    site_of_service: Text | None = None
    sites: tuple[Mention, ...] = ()
    clinical_context: Text | None = None
    modifiers: tuple[Row, ...] = ()
    taxonomies: tuple[Row, ...] = ()
    diagnoses: tuple[Row, ...] = ()
    procedures: tuple[Row, ...] = ()
    unknown_tables: tuple[Text, ...] = field(default=())
    skipped_rows: tuple[int, ...] = ()
    """The lines of the ``N/A`` rows: rows saying a table has nothing there."""
    unread_rows: tuple[Unread, ...] = ()
    """The table lines that were not read into a row (a table kg does not know, a row that fits no table)."""
    malformed: tuple[MalformedRow, ...] = ()
    """The rows whose code cell is not shaped like a code of their table: kept as written, not as codes."""

    @property
    def row_counts(self) -> RowCounts:
        """Table rows read, skipped (``N/A``) and reported (:attr:`unread_rows` and :attr:`malformed`).

        Examples
        --------
        >>> from kg.examples import examples_dir
        >>> from kg.parse import parse_file
        >>> parse_file(examples_dir() / "77013.txt").row_counts
        RowCounts(read=29, skipped=0, reported=0)
        """
        read = len(self.modifiers) + len(self.taxonomies) + len(self.diagnoses) + len(self.procedures)
        return RowCounts(read, len(self.skipped_rows), len(self.unread_rows) + len(self.malformed))

    @property
    def name(self) -> str:
        """The document's file name, which names its graph, in Unicode NFC form.

        NFC and NFD spellings of ``café.txt`` (macOS writes NFD) are one name, so one document.

        Examples
        --------
        >>> Briefing("/data/briefings/G0288.txt", "", "G0288", "HCPCS", "", 1).name
        'G0288.txt'
        >>> Briefing("cafe\u0301.txt", "", "G0288", "HCPCS", "", 1).name == "caf\u00e9.txt"
        True
        """
        return unicodedata.normalize("NFC", Path(self.path).name)
