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


def rows(path: str | os.PathLike, columns: Sequence[str], *, strip: bool = True
         ) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Yield ``(line, values)`` for each data row of a CSV or tab-separated file (perhaps gzipped).

    Parameters
    ----------
    path : path-like
        The file. A ``.gz`` suffix means gzip.
    columns : sequence of str
        The columns wanted, by header name; ``values`` comes in this order.
        Other columns are ignored.
    strip : bool
        Strip spaces around each value (official files pad some).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "short.csv")
    >>> _ = open(path, "w").write("a,b\\n1\\n")
    >>> list(rows(path, ["b"]))
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: ...short.csv:2: row has 1 cells, expected 2 (a, b)

    Raises
    ------
    CodeSetError
        ``file:line: ...`` if the file cannot be read or decoded, a column is
        missing from the header, or a row is shorter than the header.
    """
    path = Path(path)
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
            for row in reader:
                if len(row) < width:
                    if not row or not any(row):
                        continue
                    raise CodeSetError(f"{path}:{reader.line_num}: row has {len(row)} cells, expected "
                                       f"{len(header)} ({', '.join(header)})")
                values = (get(row),) if single else get(row)
                if strip:
                    values = tuple(map(str.strip, values))
                yield reader.line_num, values
    except OSError as err:
        raise CodeSetError(f"{path}:0: cannot read the code-set file: {err.strerror or err}") from err
    except (UnicodeDecodeError, csv.Error) as err:
        raise CodeSetError(f"{path}: not a UTF-8 CSV file: {err}") from err
