"""The exceptions kg raises.

Every error kg raises is a :class:`KGError`. Messages name the file, the line
and the offending text, and say what to do, so that the CLI can print them as
one line (``path:line: message``) and map them to an exit code.
"""

from __future__ import annotations

from pathlib import Path


class KGError(Exception):
    """Base class of every error kg raises on purpose.

    Catch it to handle any kg error the same way (the CLI prints it on one line).

    Examples
    --------
    >>> try:
    ...     raise CodeSetError("pos.csv:1: missing column 'pos_code'")
    ... except KGError as err:
    ...     print(type(err).__name__, err)
    CodeSetError pos.csv:1: missing column 'pos_code'
    """


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
    """A SPARQL query is unknown, malformed, or was given bad parameters.

    Examples
    --------
    >>> from kg.query import get
    >>> try:
    ...     get("nope")
    ... except QueryError as err:
    ...     str(err).split(";")[0]
    "no named query 'nope'"
    """


class StoreError(KGError):
    """The store cannot be opened or written (missing, locked, corrupt).

    Examples
    --------
    >>> import tempfile
    >>> from kg.store import open_store
    >>> try:
    ...     open_store(Path(tempfile.mkdtemp()) / "missing", read_only=True)
    ... except StoreError as err:
    ...     str(err).split(": ", 1)[1]
    "no kg store here; run 'kg build' first or pass --store"
    """


class CodeSetError(KGError):
    """An official code-set file cannot be read (wrong columns, bad row).

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets.table import rows
    >>> path = Path(tempfile.mkdtemp()) / "pos.csv"
    >>> _ = path.write_text("code,name\\n11,Office\\n")
    >>> try:
    ...     list(rows(path, ("pos_code", "pos_name")))
    ... except CodeSetError as err:
    ...     str(err).split("/")[-1]
    "pos.csv:1: missing column 'pos_code'; the header has code, name"
    """


class RemoteError(KGError):
    """A remote SPARQL endpoint could not be reached, refused the request, or answered nonsense.

    Examples
    --------
    >>> from kg.remote import Endpoint
    >>> try:
    ...     Endpoint("ftp://127.0.0.1/sparql", headers={})
    ... except RemoteError as err:
    ...     str(err)
    "endpoint URL 'ftp://127.0.0.1/sparql' is not an http(s) URL"
    """


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


class ShapesError(KGError):
    """The SHACL shapes use something ``kg validate`` cannot check at scale (a constraint its SPARQL lacks).

    Examples
    --------
    >>> str(ShapesError("shape kgsh:X: sh:or is a constraint kg's SPARQL translation does not support"))
    "shape kgsh:X: sh:or is a constraint kg's SPARQL translation does not support"
    """
