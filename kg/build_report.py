"""What :func:`kg.build.build` did (:class:`BuildReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import KGError

__all__ = ["BuildReport"]


@dataclass
class BuildReport:
    """What :func:`build` did: file names by outcome, errors, and timing.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.build import build
    >>> from kg.examples import examples_dir
    >>> report = build(ox.Store(), examples_dir() / "77013.txt", progress=False)
    >>> report.added, report.ok
    (['77013.txt'], True)
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[KGError] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Documents removed: built from a folder of this build before, no longer in it."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """Paths in the folders that were not read (special files, dangling links, link loops), with why."""
    rows_read: int = 0
    rows_skipped: int = 0
    rows_reported: int = 0
    """Table rows of the documents parsed in this build: read, skipped (``N/A``), reported (not read)."""
    rows_reported_by: dict[str, int] = field(default_factory=dict)
    """The reported rows by reason (:attr:`kg.parse.Unread.kind`: ``no code``, ``unknown table`` ...; and
    ``malformed code`` for the rows kept as written, :class:`kg.parse.MalformedRow`)."""
    unread: list[str] = field(default_factory=list)
    """One warning per document and reason with table lines not read (``path:line: ...``, naming every line),
    and one per row kept as written because its code is malformed."""
    quads_written: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every document was built.

        Examples
        --------
        >>> BuildReport().ok, BuildReport(errors=[KGError("x")]).ok
        (True, False)
        """
        return not self.errors
