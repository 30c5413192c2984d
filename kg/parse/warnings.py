"""The warnings ``kg build`` prints for table rows a briefing's parse did not turn into codes: lines not read
(:func:`unread_warnings`) and rows kept as written because their code is malformed (:func:`malformed_warnings`).
Each names the file and line.
"""

from __future__ import annotations

from kg.parse.records import MalformedRow, Unread

__all__ = ["MALFORMED", "malformed_warnings", "unread_warnings"]


def _lines(numbers: list[int]) -> str:
    """``[4, 5, 6, 9]`` -> ``'4-6, 9'``.

    >>> _lines([4, 5, 6, 9])
    '4-6, 9'
    """
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in spans)


def unread_warnings(path: str, unread: tuple[Unread, ...]) -> list[str]:
    """One warning per kind of reason, naming the file, the first line and every line.

    Examples
    --------
    >>> for w in unread_warnings("77013.txt", (Unread(4, "N/A | x |", "no code here", "no code"),
    ...                                         Unread(9, "| a | b |", "in a table kg does not know", "unknown table"),
    ...                                         Unread(5, "| | y |", "no code there", "no code"))):
    ...     print(w)
    77013.txt:4: 2 table line(s) not read (lines 4-5): no code here
    77013.txt:9: 1 table line(s) not read (lines 9): in a table kg does not know
    """
    by_kind: dict[str, list[Unread]] = {}
    for u in unread:
        by_kind.setdefault(u.kind, []).append(u)
    return [f"{path}:{group[0].line}: {len(group)} table line(s) not read (lines {_lines([u.line for u in group])}): "
            f"{group[0].reason}" for group in by_kind.values()]


MALFORMED = "malformed code"
"""The build summary's reason for the rows kept as written because their code is malformed."""


def malformed_warnings(path: str, malformed: tuple[MalformedRow, ...]) -> list[str]:
    """One warning per row kept as written, naming the file and line and what is wrong with its code.

    Examples
    --------
    >>> print(*malformed_warnings("77013.txt", (MalformedRow("diagnosis", "47382", "RFA", "", 5,
    ...                                                       "'47382' is not an ICD-10-CM code (C22.0)"),)))
    77013.txt:5: diagnosis table row kept as written, not as a code: '47382' is not an ICD-10-CM code (C22.0)
    """
    return [f"{path}:{m.line}: {m.table} table row kept as written, not as a code: {m.reason}" for m in malformed]
