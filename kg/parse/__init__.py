"""Read code briefings into frozen records.

A *code briefing* is one plain-text document per CPT/HCPCS code: a heading line
(``CPT 77013: CT Guidance ...``), a summary naming payers, the service type and
site of service, a clinical context paragraph, and four pipe tables (modifiers,
provider taxonomy codes, related ICD-10-CM diagnoses, related CPT codes).

This package is standard library only and knows nothing of RDF: it turns text
into :class:`Briefing` records whose every field remembers the line it came
from. Anything it cannot read raises :class:`~kg.errors.BriefingParseError`
naming the file and line.

Tables are recognised by their header cells, not by position, so columns may
come in any order; unknown extra columns are kept as annotations.

Modules: :mod:`~kg.parse.records` (the records), :mod:`~kg.parse.text` (dashes,
spaces, invisible and control characters, comparison keys),
:mod:`~kg.parse.tables` (table kinds, cells, layouts, separators, absent rows,
code cells), :mod:`~kg.parse.mentions` (payers and sites of service) and
:mod:`~kg.parse.reader` (the line-by-line reader). This module holds the entry
points and offers every name the single-module ``kg.parse`` offered.

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
from pathlib import Path

# Every name the single-module kg.parse offered stays importable from here, private ones included.
from kg.errors import BriefingParseError
from kg.model.codes import BRIEFING_SYSTEMS, CODE_SYSTEMS, code_candidates, normalize_code
from kg.parse.mentions import _PAYER_RE, PAYERS, _payer_lists, _payers, _sites
from kg.parse.reader import _FIELD, _HEADINGS, _TITLE, _Parser
from kg.parse.records import Briefing, MalformedRow, Mention, Row, RowCounts, Text, Unread
from kg.parse.tables import (_CODE_SHAPES, _SEPARATOR, NOT_AVAILABLE, TABLE_KINDS, _cells, _diagnosis_code,
                             _is_absent, _is_separator, _Layout, _layout, _TableKind, code_system)
from kg.parse.text import _CLEAN, _CONTROL, _DASHES, _INVISIBLE, _SPACES, _clean, _key

__all__ = [
    "Briefing",
    "MalformedRow",
    "Mention",
    "Row",
    "RowCounts",
    "Unread",
    "Text",
    "parse_file",
    "parse_text",
    "normalize_code",
    "code_system",
    "code_candidates",
]


def parse_file(path: str | Path) -> Briefing:
    """Parse the briefing at ``path``.

    Raises
    ------
    BriefingParseError
        If the file cannot be read, is not UTF-8 text, or is not a briefing.

    Examples
    --------
    >>> from kg.examples import examples_dir
    >>> b = parse_file(examples_dir() / "77013.txt")
    >>> b.name, b.code, b.system, len(b.modifiers), b.sites[0]
    ('77013.txt', '77013', 'CPT', 14, Mention(name='Hospital outpatient departments', line=9))
    >>> parse_file(examples_dir() / "no-such-briefing.txt")
    Traceback (most recent call last):
    ...
    kg.errors.BriefingParseError: ...no-such-briefing.txt:0: cannot read file: No such file or directory
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BriefingParseError(path, 0, f"cannot read file: {err.strerror or err}") from err
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, path: str = "<bytes>") -> Briefing:
    """Parse a briefing given as bytes (UTF-8, with or without a BOM).

    ``sha256`` is the hash of ``data`` as given, BOM included.

    Examples
    --------
    >>> b = parse_bytes("\\ufeffHCPCS G0288: CT angiography\\r\\n".encode(), "G0288.txt")
    >>> b.code, b.system, b.title, b.sha256[:12]
    ('G0288', 'HCPCS', 'CT angiography', '253502ee3e5a')
    >>> parse_bytes(b"CPT 77013: CT guidance\\nLiver \\xe9chographie\\n", "77013.txt")
    Traceback (most recent call last):
    ...
    kg.errors.BriefingParseError: 77013.txt:2: not UTF-8 text (byte 0xe9); re-save the file as UTF-8
    """
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

    Examples
    --------
    >>> b = parse_text("CPT 77013 - CT guidance\\nService type: Image guidance\\n", "77013.txt")
    >>> b.title, b.service_type
    ('CT guidance', Text(text='Image guidance', line=2))
    >>> parse_text("Summary\\nNo heading here.\\n", "x.txt")
    Traceback (most recent call last):
    ...
    kg.errors.BriefingParseError: x.txt:1: no subject code: expected a heading line such as \
'CPT 77013: CT guidance for ablation'
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
