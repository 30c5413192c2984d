"""One description per official code set, and the one path every load takes.

A :class:`CodeSet` says everything kg needs to know about one official file:
its name (which names its graph and its ``kg codesets load --NAME`` option),
the code systems of :data:`kg.model.CODE_SYSTEMS` whose codes it describes,
the columns it reads, how its rows become triples, how its releases are
named, and where users get it. :meth:`CodeSet.load` is then the same for
all of them::

    file by path -> header checked -> rows -> triples -> a release in its own named graph

with the release bookkeeping (skip, replace, the ``kg:CodeSetRelease``
node) in :mod:`kg.codesets.release`. Adding a code set is one module with
one :class:`CodeSet` entry (:data:`kg.codesets.CODESETS` finds it) and its tests.

Examples
--------
>>> import tempfile
>>> import pyoxigraph as ox
>>> from kg.codesets.terms import K, RDF_TYPE
>>> from kg.vocab import code_iri
>>> def quads(source, g):
...     for line, (code, name) in source.rows():
...         yield ox.Quad(ox.NamedNode(code_iri("POS", code)), RDF_TYPE, K.SiteOfService, g)
>>> demo = CodeSet("demo", "Demo places", systems=("POS",), columns=("code", "name"), quads=quads,
...                file="a demo table", where="this docstring")
>>> path = Path(tempfile.mkdtemp()) / "demo_2025-01.csv"
>>> _ = path.write_text("code,name\\n11,Office\\n")
>>> report = demo.load(ox.Store(), path, progress=False)
>>> report.graph, report.release, report.triples
('https://w3id.org/codekg/codeset/demo/2025-01/...', '2025-01', 1)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.codesets.release import LoadReport, graph_iri, guess_release, load_release
from kg.codesets.table import rows as table_rows
from kg.errors import CodeSetError
from kg.model.codes import CODE_SYSTEMS
from kg.vocab import KG

__all__ = ["CodeSet", "Source"]


@dataclass
class Source:
    """One file being loaded as one code set: what a code set's converter reads.

    ``release`` is the label the caller gave, or None; ``options`` the
    code set's extra keyword options (:attr:`CodeSet.options`) as given;
    ``cache`` is for a converter and a release function to share a parse.

    Examples
    --------
    >>> from kg.codesets import CODESETS
    >>> src = Source(CODESETS["pos"], Path("pos_2025-01.csv"), {}, release="2025-01")
    >>> src.codeset.name, src.path.name, src.release
    ('pos', 'pos_2025-01.csv', '2025-01')
    """

    codeset: CodeSet
    path: Path
    options: Mapping[str, object]
    release: str | None = None
    cache: dict = field(default_factory=dict)

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """``(line, values)`` of the file's rows, values in the order of :attr:`CodeSet.columns`.

        The header is checked on the first ``next``, before anything is written.

        Examples
        --------
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = path.write_text("b,a\\n2,1\\n")
        >>> cs = CodeSet("t", "T", ("POS",), ("a", "b"), quads=lambda s, g: iter(()), file="", where="")
        >>> list(Source(cs, path, {}).rows())
        [(2, ('1', '2'))]
        """
        return table_rows(self.path, self.codeset.columns, key=self.codeset.key)

    def error(self, line: int, message: str) -> CodeSetError:
        """A :class:`~kg.errors.CodeSetError` that names this file and ``line``.

        Examples
        --------
        >>> cs = CodeSet("t", "T", ("POS",), ("a",), quads=lambda s, g: iter(()), file="", where="")
        >>> str(Source(cs, Path("t.csv"), {}).error(3, "row has no code"))
        't.csv:3: row has no code'
        """
        return CodeSetError(f"{self.path}:{line}: {message}")


def _release_from_name(source: Source) -> str | None:
    return source.release or guess_release(source.path.name)


@dataclass(frozen=True)
class CodeSet:
    """One official code set: what it holds, what it reads, and how its rows become triples.

    Parameters
    ----------
    name : str
        Names the graph (:func:`~kg.codesets.release.graph_iri`) and the
        ``kg codesets load --NAME`` option.
    label : str
        A human name ("NUCC Health Care Provider Taxonomy").
    systems : tuple of str
        Keys of :data:`kg.model.CODE_SYSTEMS` whose codes the set describes.
    columns : tuple of str
        The header columns read (other columns are ignored); ``()`` for a
        file that is not a table (the ICD-10-CM XML).
    quads, nquads : callable
        Exactly one: ``quads(source, graph_node)`` yields the release's
        quads; ``nquads(source, graph_iri)`` yields chunks of N-Quads text
        with their quad counts, for big files. Either must read the header
        (or fail) before its first item, so that a wrong file fails before
        the release already loaded is removed.
    file, where : str
        What the file is (the CLI's help) and where users get it (the README).
    release : callable
        ``release(source)``: the release label, by default the caller's or
        :func:`~kg.codesets.release.guess_release` of the file name.
    lazy_release : bool
        The release function reads the file: call it only when the file is
        loaded, not when it is skipped.
    scheme : str, optional
        The ``kg:`` concept scheme of the release, for a CMS table about
        codes rather than a code system (``"NCCI"``, ``"MPFS"``); by default
        the release belongs to ``systems``.
    context : str, optional
        The claim setting, for a code set published once per setting (NCCI
        PTP: ``"practitioner"``, ``"hospital"``); the release node's ``kg:context``.
    options : tuple of str
        Extra keyword options :meth:`load` accepts (``include_deleted``).
    default_file : callable, optional
        The file loaded when none is given (the ICD-10-CM XML a package ships).
    check_file : callable, optional
        ``check_file(source)`` runs first, before even the SHA-256 check,
        and raises :class:`~kg.errors.CodeSetError` for a file that is
        another set's (an NCCI PTP file of the other context).
    weight : int
        Rough cost of a load: when several load at once, the heaviest start first.
    key : tuple of str
        Columns that name a row (MPFS: code and modifier): a second row with
        the same values there is a ``CodeSetError`` naming both lines.

    Examples
    --------
    >>> from kg.codesets import CODESETS
    >>> pos = CODESETS["pos"]
    >>> pos.label, pos.systems, pos.graph
    ('CMS Place of Service', ('POS',), 'https://w3id.org/codekg/codeset/pos')
    >>> CODESETS["ncci-ptp-hospital"].context, CODESETS["ncci-ptp-hospital"].release_schemes
    ('hospital', ('NCCI',))
    """

    name: str
    label: str
    systems: tuple[str, ...]
    columns: tuple[str, ...]
    quads: Callable[[Source, ox.NamedNode], Iterator[ox.Quad]] | None = None
    nquads: Callable[[Source, str], Iterator[tuple[bytes, int]]] | None = None
    file: str = ""
    where: str = ""
    release: Callable[[Source], str | None] = _release_from_name
    lazy_release: bool = False
    scheme: str | None = None
    context: str | None = None
    options: tuple[str, ...] = ()
    default_file: Callable[[], Path] | None = None
    check_file: Callable[[Source], None] | None = None
    weight: int = 1
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.quads is None) == (self.nquads is None):
            raise TypeError(f"code set {self.name!r}: give exactly one of quads and nquads")
        for system in self.systems:
            if system not in CODE_SYSTEMS or CODE_SYSTEMS[system].scheme is None:
                raise ValueError(f"code set {self.name!r}: {system!r} is not a code system of kg.model.CODE_SYSTEMS")
        if self.scheme is not None:
            KG[self.scheme]  # a scheme the ontology does not declare raises here, at import

    @property
    def graph(self) -> str:
        """The IRI of the code set, which its release graphs' IRIs start with (:mod:`kg.codesets.catalog`).

        Examples
        --------
        >>> cs = CodeSet("t", "T", ("POS",), ("a",), quads=lambda s, g: iter(()))
        >>> cs.graph
        'https://w3id.org/codekg/codeset/t'
        """
        return graph_iri(self.name)

    @property
    def release_schemes(self) -> tuple[str, ...]:
        """The ``kg:`` concept schemes the release node names as its ``kg:codeSystem``.

        Examples
        --------
        >>> CodeSet("t", "T", ("CPT", "HCPCS"), (), quads=lambda s, g: iter(()), scheme="NCCI").release_schemes
        ('NCCI',)
        """
        return (self.scheme,) if self.scheme else tuple(CODE_SYSTEMS[s].scheme for s in self.systems)

    def load(self, store: ox.Store, path: str | os.PathLike | None = None, *, release: str | None = None,
             progress: bool | None = None, drop_old: bool = False, **options) -> LoadReport:
        """Load one file of this code set as a release of its own, which becomes current if it is the newest.

        A file already loaded (same SHA-256, release label and context) is
        skipped; another file of the same release label replaces that
        release atomically (:func:`~kg.codesets.release.load_release`).

        Parameters
        ----------
        store : pyoxigraph.Store
            The store to write.
        path : path-like, optional
            The official file, read where it is; only a set with a
            :attr:`default_file` may leave it out.
        release : str, optional
            The release label; by default from :attr:`release` (mostly the file name).
        progress : bool, optional
            Progress bars; by default only on a terminal.
        drop_old : bool
            Remove the set's other releases once this one is in.
        **options
            The set's :attr:`options`.

        Returns
        -------
        LoadReport

        Raises
        ------
        CodeSetError
            ``file:line: ...`` for a missing file, a missing column, or a bad row.

        Examples
        --------
        >>> import tempfile
        >>> from kg.codesets.terms import K, RDF_TYPE
        >>> from kg.vocab import code_iri
        >>> quads = lambda source, g: (ox.Quad(ox.NamedNode(code_iri("POS", c)), RDF_TYPE, K.SiteOfService, g)
        ...                            for _, (c,) in source.rows())
        >>> demo = CodeSet("demo", "Demo", ("POS",), ("code",), quads=quads)
        >>> path = Path(tempfile.mkdtemp()) / "demo.csv"
        >>> _ = path.write_text("name\\nOffice\\n")
        >>> demo.load(ox.Store(), path, progress=False)
        Traceback (most recent call last):
        ...
        kg.errors.CodeSetError: ...demo.csv:1: missing column 'code'; the header has name
        >>> demo.load(ox.Store(), path, progress=False, include_deleted=True)
        Traceback (most recent call last):
        ...
        TypeError: code set 'demo' takes no option include_deleted
        """
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise TypeError(f"code set {self.name!r} takes no option {', '.join(unknown)}")
        if path is None:
            if self.default_file is None:
                raise CodeSetError(f"code set {self.name!r} needs a file")
            path = self.default_file()
        source = Source(self, Path(path), options, release)
        if self.check_file is not None:
            self.check_file(source)
        if self.lazy_release and release is None:
            label: str | Callable[[], str | None] = lambda: self.release(source)
        else:
            label = self.release(source)
        if self.quads is not None:
            convert = {"quads": lambda g: self.quads(source, g)}
        else:
            convert = {"nquads": lambda iri: self.nquads(source, iri)}
        return load_release(store, name=self.name, system=self.release_schemes, path=source.path, release=label,
                            label=self.label, context=self.context, progress=progress, drop_old=drop_old,
                            **convert)
