"""The exceptions kg raises.

Every error kg raises is a :class:`KGError`. Messages name the file, the line
and the offending text, and say what to do, so that the CLI can print them as
one line (``path:line: message``) and map them to an exit code.
"""

from __future__ import annotations

from pathlib import Path


class KGError(Exception):
    """Base class of every error kg raises on purpose."""


class BriefingParseError(KGError):
    """A briefing could not be read into records.

    Parameters
    ----------
    path : str or Path
        The briefing file (or a label such as ``<string>``).
    line : int
        The 1-based line number where the problem is (0 when it concerns the
        whole document).
    message : str
        What is wrong, and where possible what was expected.

    Examples
    --------
    >>> err = BriefingParseError("briefings/77013.txt", 19, "modifier table row has 2 cells, expected 3")
    >>> str(err)
    'briefings/77013.txt:19: modifier table row has 2 cells, expected 3'
    """

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")

    def __reduce__(self):  # keep the three fields when pickled (multiprocessing)
        return (type(self), (self.path, self.line, self.message))


class QueryError(KGError):
    """A SPARQL query is unknown, malformed, or was given bad parameters."""


class StoreError(KGError):
    """The store cannot be opened or written (missing, locked, corrupt)."""


class CodeSetError(KGError):
    """An official code-set file cannot be read (wrong columns, bad row)."""


class RemoteError(KGError):
    """A remote SPARQL endpoint could not be reached, refused the request, or answered nonsense."""


class ClaimError(KGError):
    """A claim line (``kg check``) cannot be read: a missing column, a bad number of units.

    Examples
    --------
    >>> str(ClaimError("claims.csv", 7, "units 'two' is not a whole number"))
    "claims.csv:7: units 'two' is not a whole number"
    """

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")

    def __reduce__(self):
        return (type(self), (self.path, self.line, self.message))
