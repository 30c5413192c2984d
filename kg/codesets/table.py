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
import itertools
import os
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from kg.errors import CodeSetError

__all__ = ["rows"]


def _open(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _bad_line(path: Path) -> tuple[int, str]:
    """The first line of ``path`` that is not UTF-8 text, and why (read again as bytes, only after a failure)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rb") as f:
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
