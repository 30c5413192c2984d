"""Reading the CSV files that code sets are published as.

Official files come with byte-order marks, CRLF line ends, trailing spaces,
sometimes gzip and sometimes tabs instead of commas (a header line with a
tab means a tab-separated file); :func:`rows` hides all of that and checks the header,
so that a wrong file fails with its name and line before anything is
written.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "pos.csv")
>>> _ = open(path, "w").write("pos_code,pos_name\\r\\n11 , Office \\r\\n")
>>> list(rows(path, ["pos_name", "pos_code"]))
[(2, ('Office', '11'))]
>>> list(rows(path, ["pos_code", "pos_type"]))
Traceback (most recent call last):
...
kg.errors.CodeSetError: ...pos.csv:1: missing column 'pos_type'; the header has pos_code, pos_name
>>> _ = open(path, "w").write("code\\tdescription\\n99213\\tOffice visit, with a comma\\n")
>>> list(rows(path, ["code", "description"]))
[(2, ('99213', 'Office visit, with a comma'))]
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import os
import zlib
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from kg.errors import CodeSetError

__all__ = ["columns", "rows"]


def _open_bytes(path: Path):
    """``path`` opened for its bytes, gunzipped when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def _open(path: Path):
    return io.TextIOWrapper(_open_bytes(path), encoding="utf-8-sig", newline="")


def _bad_line(path: Path) -> tuple[int, str]:
    """The first line of ``path`` that is not UTF-8 text, and why (read again as bytes, only after a failure)."""
    try:
        with _open_bytes(path) as f:
            for number, raw in enumerate(f, start=1):
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if b"\x00" in raw:
                    return number, "binary data (a NUL byte), not a CSV text file"
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    return number, (f"not UTF-8 text: byte 0x{raw[err.start]:02x} at column {err.start + 1} "
                                    "(Latin-1 or Windows-1252?); save the file as UTF-8")
    except (OSError, EOFError):
        pass
    return 0, "not UTF-8 text"


def rows(path: str | os.PathLike, columns: Sequence[str], *, strip: bool = True, key: Sequence[str] = ()
         ) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Yield ``(line, values)`` for each data row of a CSV or tab-separated file (perhaps gzipped).

    A UTF-8 byte-order mark (Excel writes one) is read past.

    Parameters
    ----------
    path : path-like
        The file. A ``.gz`` suffix means gzip.
    columns : sequence of str
        The columns wanted, by header name; ``values`` comes in this order.
        Other columns are ignored.
    strip : bool
        Strip spaces around each value (official files pad some).
    key : sequence of str
        Columns (of ``columns``) that name a row: a second row with the same
        values there is an error.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "short.csv")
    >>> _ = open(path, "w").write("a,b\\n1\\n")
    >>> list(rows(path, ["b"]))
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: ...short.csv:2: row has 1 cells, expected 2 (a, b)
    >>> _ = open(path, "w").write("a,b\\n1,x\\n1,y\\n")
    >>> list(rows(path, ["a", "b"], key=["a"]))
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: ...short.csv:3: duplicated row: a 1 is on line 2 already
    >>> _ = open(path, "wb").write("a,b\\n1,caf\u00e9\\n".encode("latin-1"))
    >>> list(rows(path, ["a", "b"]))
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: ...short.csv:2: not UTF-8 text: byte 0xe9 at column 6 (Latin-1 or Windows-1252?); ...

    Raises
    ------
    CodeSetError
        ``file:line: ...`` if the file cannot be read or decoded (binary,
        another encoding, a truncated gzip file), a column is missing from
        the header, a row is shorter than the header, or a key repeats.
    """
    path = Path(path)
    line = 0
    try:
        with _open(path) as f:
            first = f.readline()
            reader = csv.reader(itertools.chain([first], f), delimiter="\t" if "\t" in first else ",")
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in columns if c not in header]
            if missing:
                raise CodeSetError(f"{path}:1: missing column {missing[0]!r}; the header has "
                                   f"{', '.join(header) or 'nothing (empty file)'}")
            index = [header.index(c) for c in columns]
            get = itemgetter(*index)
            width = max(index) + 1
            single = len(index) == 1
            keyed = [list(columns).index(c) for c in key]
            seen: dict[tuple[str, ...], int] = {}
            for row in reader:
                line = reader.line_num
                if len(row) < width:
                    if not row or not any(row):
                        continue
                    raise CodeSetError(f"{path}:{reader.line_num}: row has {len(row)} cells, expected "
                                       f"{len(header)} ({', '.join(header)})")
                values = (get(row),) if single else get(row)
                if strip:
                    values = tuple(map(str.strip, values))
                if keyed:
                    k = tuple(values[i] for i in keyed)
                    if seen.setdefault(k, line) != line:
                        named = ", ".join(f"{c} {v}" for c, v in zip(key, k))
                        raise CodeSetError(f"{path}:{line}: duplicated row: {named} is on line {seen[k]} already")
                yield reader.line_num, values
    except EOFError as err:  # gzip: the stream ends before its end marker
        raise CodeSetError(f"{path}:{line + 1}: the gzip file is truncated (it ends inside line {line + 1}); "
                           "download it again") from err
    except gzip.BadGzipFile as err:
        raise CodeSetError(f"{path}:1: not a gzip file, though its name ends in .gz: {err}") from err
    except OSError as err:
        raise CodeSetError(f"{path}:0: cannot read the code-set file: {err.strerror or err}") from err
    except (UnicodeDecodeError, csv.Error) as err:
        number, why = _bad_line(path)
        raise CodeSetError(f"{path}:{number}: {why}") from err


_SPACE = "".join(chr(c) for c in range(128) if chr(c).isspace())
"""The ASCII characters :meth:`str.strip` strips (the columnar reader strips these, and reads only ASCII text)."""
_SPACE_CLASS = "".join(f"\\x{ord(c):02x}" for c in _SPACE)  # the same, in a regular expression's brackets


def _text_first_line(path: Path) -> str | None:
    """The first line of ``path`` (perhaps gzipped; a byte-order mark dropped), if the whole file is UTF-8 text without
    a NUL byte and, gzipped, whole; else None. Read in pieces: pyarrow takes a truncated gzip stream for its end, a
    NUL byte for text, and does not decode the columns it is not asked for, where :func:`rows` fails on all three."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    first: list[str] = []
    try:
        with _open_bytes(path) as f:
            start = True
            while piece := f.read(1 << 20):
                if start:
                    piece, start = piece.removeprefix(b"\xef\xbb\xbf"), False
                if b"\x00" in piece:
                    return None
                text = decoder.decode(piece)
                if not first or not first[-1].endswith("\n"):
                    first.append(text[:text.find("\n") + 1 or len(text)])
            decoder.decode(b"", final=True)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        return None
    return "".join(first)


def columns(path: str | os.PathLike, names: Sequence[str]):
    """The ``names`` columns of a CSV or tab-separated file (perhaps gzipped), read by pyarrow's multi-threaded
    reader: a ``pyarrow.Table`` of strings, each stripped, in file order, exactly the values :func:`rows` yields;
    or None when only :func:`rows` can read the file as it means, or must say where it is wrong.

    That is: the header is quoted, names a column twice, or lacks one of ``names``; a row is not as wide as the
    header (blank lines are skipped); a value holds a quote or a character beyond ASCII (where the two readers
    could part: quoting gone wrong, and what counts as a space); or the file is not text (binary, truncated, not
    gzip). The caller then reads the file with :func:`rows`, which names the line. NCCI's 2.5 million PTP rows took
    1.5-2.3 s here (0.2 s of it checking the text in Python, the parse in pyarrow's threads, without the GIL) and
    3.1-3.5 s with :func:`rows` (``tests/codesets/test_table.py`` holds the two readers equal).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pos.csv")
    >>> _ = open(path, "w").write('\\ufeffpos_code, pos_name\\r\\n11 ,"Office, or clinic"\\r\\n\\r\\n12,Home\\r\\n')
    >>> columns(path, ["pos_name", "pos_code"]).to_pylist()
    [{'pos_name': 'Office, or clinic', 'pos_code': '11'}, {'pos_name': 'Home', 'pos_code': '12'}]
    >>> _ = open(path, "w").write("pos_code,pos_name\\n11\\n")  # too short: rows() names the line
    >>> columns(path, ["pos_code"]) is None
    True
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    path = Path(path)
    first = _text_first_line(path)
    if first is None or '"' in first:  # a quoted header could span lines, which rows() reads as one header
        return None
    delimiter = "\t" if "\t" in first else ","
    try:
        header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    except csv.Error:
        return None
    if len(set(header)) < len(header) or any(n not in header for n in names):
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=[f"c{i}" for i in range(len(header))]),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=[f"c{header.index(n)}" for n in names], strings_can_be_null=False,
                quoted_strings_can_be_null=False, column_types={f"c{i}": pa.string() for i in range(len(header))}))
    except (pa.ArrowException, OSError, EOFError):
        return None
    for i, column in enumerate(table.columns):  # one column at a time: each stripped copy replaces its original
        ascii_only = pc.all(pc.string_is_ascii(column), min_count=0).as_py()
        if not ascii_only or pc.any(pc.match_substring(column, '"')).as_py():
            return None
        padded = pc.any(pc.match_substring_regex(column, f"^[{_SPACE_CLASS}]|[{_SPACE_CLASS}]$")).as_py()
        table = table.set_column(i, names[i], pc.utf8_trim(column, _SPACE) if padded else column)
    return table
