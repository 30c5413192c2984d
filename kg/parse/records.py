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

from dataclasses import dataclass, field
from pathlib import Path


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

    @property
    def name(self) -> str:
        """The document's file name, which names its graph.

        Examples
        --------
        >>> Briefing("/data/briefings/G0288.txt", "", "G0288", "HCPCS", "", 1).name
        'G0288.txt'
        """
        return Path(self.path).name
