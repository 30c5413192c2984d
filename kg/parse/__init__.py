"""Read code briefings into frozen records.

A *code briefing* is one plain-text document per CPT/HCPCS code: a heading line
(``CPT 77013: CT Guidance ...``), a summary naming payers, the service type and
site of service, a clinical context paragraph, and four pipe tables (modifiers,
provider taxonomy codes, related ICD-10-CM diagnoses, related CPT codes).

This module is standard library only and knows nothing of RDF: it turns text
into :class:`Briefing` records whose every field remembers the line it came
from. Anything it cannot read raises :class:`~kg.errors.BriefingParseError`
naming the file and line.

Tables are recognised by their header cells, not by position, so columns may
come in any order; unknown extra columns are kept as annotations.

Examples
--------
>>> text = '''CPT 77013: CT guidance for ablation
... Key payers covered in this analysis include Aetna and Medicare.
... | ICD-10 Code | Description | Clinical Relevance |
... |---|---|---|
... C22.0 | Liver cell carcinoma | Primary indication for ablation.
... '''
>>> b = parse_text(text, "77013.txt")
>>> b.code, b.system, b.title
('77013', 'CPT', 'CT guidance for ablation')
>>> [p.name for p in b.payers]
['Aetna', 'Medicare']
>>> b.diagnoses[0].code, b.diagnoses[0].line
('C22.0', 5)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.errors import BriefingParseError
from kg.model.codes import BRIEFING_SYSTEMS, CODE_SYSTEMS, code_candidates, normalize_code

__all__ = [
    "Briefing",
    "Mention",
    "Row",
    "Text",
    "parse_file",
    "parse_text",
    "normalize_code",
    "code_system",
    "code_candidates",
]

NOT_AVAILABLE = "data not available in the input."


@dataclass(frozen=True)
class Text:
    """A piece of free text and the line it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Mention:
    """A named thing (payer, site of service) mentioned on a line."""

    name: str
    line: int


@dataclass(frozen=True)
class Row:
    """One data row of a briefing table.

    ``code`` is normalised (upper case, no spaces); ``written`` is the cell
    exactly as the briefing wrote it. ``note`` is the free-text column ("When
    to Use", "Notes", "Clinical Relevance" or "Relationship to This
    Procedure"). ``extra`` keeps any other column as ``(header, value)``.
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
    """Everything kg reads from one briefing document."""

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
        """The document's file name, which names its graph."""
        return Path(self.path).name


# --------------------------------------------------------------------------
# codes

_CODE_SHAPES = {name: CODE_SYSTEMS[name].pattern for systems in BRIEFING_SYSTEMS.values() for name in systems}
"""The shape of each code system a briefing table may hold (from :data:`kg.model.CODE_SYSTEMS`)."""


def code_system(code: str, expected: tuple[str, ...]) -> str | None:
    """Return which of the ``expected`` code systems ``code`` is shaped like.

    ICD-10-CM codes written without their dot (``C220``) are not recognised
    here; :func:`_diagnosis_code` adds the dot first.

    Examples
    --------
    >>> code_system("77013", ("CPT", "HCPCS"))
    'CPT'
    >>> code_system("G0288", ("CPT", "HCPCS"))
    'HCPCS'
    >>> code_system("U07.1", ("ICD10CM",))
    'ICD10CM'
    >>> code_system("hello", ("CPT", "HCPCS")) is None
    True
    """
    for system in expected:
        if CODE_SYSTEMS[system].matches(code):
            return system
    return None


def _diagnosis_code(code: str) -> str:
    if "." not in code and len(code) > 3 and CODE_SYSTEMS["ICD10CM"].matches(code[:3] + "." + code[3:]):
        return code[:3] + "." + code[3:]
    return code


# --------------------------------------------------------------------------
# text normalisation

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2002\u2003\u2009\u200a\u3000\t"), " ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


_CLEAN = {**_SPACES, **_INVISIBLE}


def _clean(text: str) -> str:
    """Fold non-breaking spaces and drop zero-width characters (not dashes); line breaks stay."""
    return text.translate(_CLEAN)


# Control, surrogate and private-use characters; tab and form feed are fine in text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff]")


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """A comparison key for headings and header cells."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    text = re.sub(r"[*_`#:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# tables

@dataclass(frozen=True)
class _TableKind:
    name: str  # the Briefing field it fills
    code_headers: tuple[str, ...]
    systems: tuple[str, ...]
    description_headers: tuple[str, ...]
    note_headers: tuple[str, ...]


TABLE_KINDS = (
    _TableKind(
        "modifiers",
        ("modifier", "modifiers", "modifier code", "mod"),
        BRIEFING_SYSTEMS["modifier"],
        ("description", "modifier description", "descriptor", "name", "title"),
        ("when to use", "usage", "usage note", "notes", "note", "use when", "guidance"),
    ),
    _TableKind(
        "taxonomies",
        ("taxonomy code", "taxonomy", "nucc taxonomy code", "nucc code", "provider taxonomy code"),
        BRIEFING_SYSTEMS["taxonomy"],
        ("specialty", "description", "classification", "specialization", "display name", "name"),
        ("notes", "note", "role", "usage", "when to use"),
    ),
    _TableKind(
        "diagnoses",
        ("icd-10 code", "icd-10-cm code", "icd10 code", "icd-10", "icd-10-cm", "diagnosis code", "dx code"),
        BRIEFING_SYSTEMS["diagnosis"],
        ("description", "diagnosis", "descriptor", "title", "name"),
        ("clinical relevance", "relevance", "relationship to this procedure", "relationship", "notes", "note"),
    ),
    _TableKind(
        "procedures",
        ("cpt code", "cpt", "hcpcs code", "cpt/hcpcs code", "cpt/hcpcs", "related code", "procedure code", "code"),
        BRIEFING_SYSTEMS["procedure"],
        ("description", "descriptor", "title", "name", "procedure"),
        ("relationship to this procedure", "relationship", "relation", "clinical relevance", "notes", "note"),
    ),
)

_SEPARATOR = re.compile(r":?-{2,}:?")


def _cells(line: str) -> list[str] | None:
    """Split a table line into cells, or return None if it is not one.

    Leading and trailing pipes are optional, so ``a | b`` and ``| a | b |``
    give the same cells.
    """
    if "|" not in line:
        return None
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        stripped = stripped[:-1]
    cells = re.split(r"(?<!\\)\|", stripped)
    return [c.strip().replace("\\|", "|") for c in cells]


def _is_separator(cells: list[str]) -> bool:
    return all(_SEPARATOR.fullmatch(c.translate(_DASHES).replace(" ", "")) for c in cells if c) and any(cells)


@dataclass(frozen=True)
class _Layout:
    kind: _TableKind
    code: int
    description: int | None
    note: int | None
    extra: tuple[tuple[int, str], ...]
    width: int


def _layout(cells: list[str]) -> _Layout | None:
    """Recognise a header row by its cells; None if it is not a known table."""
    keys = [_key(c) for c in cells]
    for kind in TABLE_KINDS:
        code_col = next((i for i, k in enumerate(keys) if k in kind.code_headers), None)
        if code_col is None:
            continue
        rest = [i for i in range(len(keys)) if i != code_col]
        desc = next((i for i in rest if keys[i] in kind.description_headers), None)
        note = next((i for i in rest if i != desc and keys[i] in kind.note_headers), None)
        # "code" alone is too generic to decide a table unless the other columns agree.
        if keys[code_col] == "code" and note is None:
            continue
        extra = tuple((i, cells[i]) for i in rest if i not in (desc, note))
        return _Layout(kind, code_col, desc, note, extra, len(cells))
    return None


def _is_absent(cells: list[str]) -> bool:
    """An ``N/A`` row, or a row saying the data is not available."""
    values = [_key(c).rstrip(".") for c in cells if c.strip()]
    return not values or all(v in ("n/a", "na", "none", "-", "--", "data not available in the input") for v in values)


# --------------------------------------------------------------------------
# sections

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

_TITLE = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(CPT|HCPCS)(?:\u00ae|\(R\))?(?:\s+code)?\s+([0-9A-Za-z]{5})\s*(?:[:\-]\s*|\s-\s*)(.*?)(?:\*\*)?\s*$",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^\s*(service type|typical sites? of service|site of service|place of service)\s*:\s*(.*)$", re.I)


# --------------------------------------------------------------------------
# payers and sites

PAYERS = {
    "aetna": "Aetna",
    "blue cross blue shield": "Blue Cross Blue Shield",
    "blue cross and blue shield": "Blue Cross Blue Shield",
    "bcbs": "Blue Cross Blue Shield",
    "anthem": "Anthem",
    "cigna": "Cigna",
    "cigna health": "Cigna",
    "cigna healthcare": "Cigna",
    "unitedhealthcare": "UnitedHealthcare",
    "united healthcare": "UnitedHealthcare",
    "uhc": "UnitedHealthcare",
    "medicare": "Medicare",
    "medicare advantage": "Medicare Advantage",
    "medicaid": "Medicaid",
    "humana": "Humana",
    "kaiser permanente": "Kaiser Permanente",
    "centene": "Centene",
    "molina": "Molina Healthcare",
    "molina healthcare": "Molina Healthcare",
    "tricare": "TRICARE",
    "highmark": "Highmark",
    "wellcare": "WellCare",
    "oscar": "Oscar Health",
    "oscar health": "Oscar Health",
    "elevance": "Elevance Health",
    "elevance health": "Elevance Health",
    "health net": "Health Net",
    "emblemhealth": "EmblemHealth",
}
"""Known payer names and aliases -> canonical name."""

_PAYER_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(k) for k in PAYERS), key=len, reverse=True)) + r")\b", re.I
)
_PAYER_LIST = re.compile(r"\bpayers?\b[^.]*?\b(?:include|includes|including|are|:)\s+([^.]+)", re.I)


def _payers(summary: Text | None) -> tuple[Mention, ...]:
    """Payers named in the summary, canonical and in order of first mention.

    An explicit list ("Key payers ... include A, B, and C.") is taken whole, so
    payers kg does not know yet are kept; elsewhere known names are picked out.
    """
    if summary is None:
        return ()
    names: list[str] = []
    for m in _PAYER_LIST.finditer(summary.text):
        for item in re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+", m.group(1)):
            item = item.strip().strip(";:").strip()
            if not item or len(item) > 60 or not item[0].isupper():
                continue
            names.append(PAYERS.get(item.lower(), item))
    for m in _PAYER_RE.finditer(summary.text):
        names.append(PAYERS[m.group(1).lower()])
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n)
    return tuple(Mention(n, summary.line) for n in seen)


def _sites(field_: Text | None) -> tuple[Mention, ...]:
    """Split "Hospital outpatient departments, ambulatory surgery centers, or ..."."""
    if field_ is None:
        return ()
    parts = re.split(r",\s*(?:or\s+|and\s+)?|;\s*|\s+or\s+|\s+and/or\s+", field_.text.rstrip(". "))
    out: list[Mention] = []
    for part in parts:
        part = re.sub(r"^(?:and|or|in|the|a|an)\s+", "", part.strip(), flags=re.I).strip()
        if part and part.lower() != "n/a":
            out.append(Mention(part[0].upper() + part[1:], field_.line))
    return tuple(out)


# --------------------------------------------------------------------------
# the parser


def parse_file(path: str | Path) -> Briefing:
    """Parse the briefing at ``path``.

    Raises
    ------
    BriefingParseError
        If the file cannot be read, is not UTF-8 text, or is not a briefing.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BriefingParseError(path, 0, f"cannot read file: {err.strerror or err}") from err
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, path: str = "<bytes>") -> Briefing:
    """Parse a briefing given as bytes (UTF-8, with or without a BOM)."""
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise BriefingParseError(path, line, "binary data (NUL byte): a briefing must be a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise BriefingParseError(
            path, line, f"not UTF-8 text (byte 0x{data[err.start]:02x}); re-save the file as UTF-8"
        ) from err
    return parse_text(text, path, sha256=hashlib.sha256(data).hexdigest())


def parse_text(text: str, path: str = "<string>", *, sha256: str | None = None) -> Briefing:
    """Parse a briefing given as text.

    Parameters
    ----------
    text : str
        The whole document. CRLF, CR and LF line endings are all accepted.
    path : str
        Where the text came from; it names the document in errors and in the graph.
    sha256 : str, optional
        The hash of the source bytes; computed from ``text`` when not given.
    """
    if sha256 is None:  # surrogatepass: a lone surrogate is reported below, not as UnicodeEncodeError
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(text)
    if bad is not None:
        number = text.count("\n", 0, bad.start()) + 1
        raise BriefingParseError(
            path, number, f"control character U+{ord(bad.group()):04X}: this does not look like a text briefing"
        )
    return _Parser(path, _clean(text).split("\n"), sha256).run()


class _Parser:
    """One pass over the lines; collects fields, then builds the record."""

    def __init__(self, path: str, lines: list[str], sha256: str) -> None:
        self.path = path
        self.lines = lines
        self.sha256 = sha256
        self.fields: dict[str, object] = {}
        self.tables: dict[str, list[Row]] = {k.name: [] for k in TABLE_KINDS}
        self.unknown: list[Text] = []

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
                m = _TITLE.match(line.translate(_DASHES))
                if m:
                    heading = m
                    self.fields["heading"] = (m, number, line)
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

    def table(self, i: int, header: list[str]) -> int:
        """Read the table whose header is at line index ``i``; return the next index."""
        number = i + 1
        layout = _layout(header)
        j = i + 1
        if j < len(self.lines):
            sep = _cells(self.lines[j])
            if sep is not None and _is_separator(sep):
                j += 1
        if layout is None:
            if _is_separator(header):
                raise self.error(number, "table separator row without a header row above it")
            # A table kg does not know: skip its rows, remember where it was.
            self.unknown.append(Text(" | ".join(header), number))
            while j < len(self.lines) and _cells(self.lines[j]) is not None:
                j += 1
            return j
        rows = self.tables[layout.kind.name]
        while j < len(self.lines):
            line = self.lines[j]
            stripped = line.strip()
            if not stripped:
                break
            if _key(stripped).rstrip(".") == NOT_AVAILABLE.rstrip("."):
                j += 1
                continue
            cells = _cells(line)
            if cells is None:
                break
            if len(cells) >= 2 and _layout(cells) is not None:
                break  # the next table starts without a blank line
            if _is_absent(cells):
                j += 1
                continue
            row = self.row(layout, cells, j + 1, number)
            if row is not None:
                rows.append(row)
            j += 1
        return j

    def row(self, layout: _Layout, cells: list[str], number: int, header_line: int) -> Row | None:
        kind = layout.kind
        if len(cells) != layout.width:
            raise self.error(
                number,
                f"{kind.name[:-1]} table row has {len(cells)} cells, expected {layout.width} "
                f"as in the header on line {header_line}; a '|' inside a cell must be written '\\|'",
            )
        written = cells[layout.code]
        if written.strip() and _is_absent([written]):  # an explicit "N/A" row: the table says it has nothing here
            return None
        code = normalize_code(written)
        if kind.name == "diagnoses":
            code = _diagnosis_code(code)
        if not code or _is_absent([written]):
            raise self.error(number, f"{kind.name[:-1]} table row has an empty code cell")
        system = code_system(code, kind.systems)
        if system is None:
            expected = {"MOD": "a two-character modifier (26, TC)", "NUCC": "a 10-character NUCC code (207L00000X)",
                        "ICD10CM": "an ICD-10-CM code (C22.0)", "CPT": "a CPT or HCPCS code (77013, G0288)"}
            raise self.error(number, f"{written!r} is not {expected[kind.systems[0]]}")
        return Row(
            code=code,
            written=written.strip(),
            system=system,
            description=cells[layout.description].strip() if layout.description is not None else "",
            note=cells[layout.note].strip() if layout.note is not None else "",
            line=number,
            extra=tuple((h, cells[i].strip()) for i, h in layout.extra if cells[i].strip()),
        )

    def build(self, paragraphs: dict[str, list[tuple[int, str]]]) -> Briefing:
        m, number, line = self.fields["heading"]  # type: ignore[misc]
        system = m.group(1).upper()
        code = normalize_code(m.group(2))
        if code_system(code, BRIEFING_SYSTEMS["procedure"]) is None:
            raise self.error(number, f"{m.group(2)!r} is not a CPT or HCPCS code")
        system = code_system(code, BRIEFING_SYSTEMS["procedure"]) or system
        title = line[m.start(3):m.end(3)].strip().strip("*").strip()  # m matched the dash-folded line

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
        )
