"""HCPCS Level II codes and modifiers (CMS), and the CPT Level I modifiers.

Three loaders, three graphs:

* :func:`load_hcpcs` reads the HCPCS Level II file (``code, kind,
  long_description, short_description``; ``kind`` is ``procedure`` or
  ``modifier``) into ``codeset/hcpcs``: procedure codes become
  ``kg:ProcedureCode`` at ``hcpcs:{code}`` in ``kg:HCPCS``, modifiers
  ``kg:Modifier`` at ``mod:{code}`` in ``kg:MOD``.
* :func:`load_hcpcs_modifiers` reads the Level II modifier file
  (``code, long_description, short_description``) into ``codeset/hcpcs-modifiers``.
* :func:`load_cpt_modifiers` reads a modifier table with ``mod_code,
  mod_type, mod_description`` and keeps the ``CPT`` rows (22, 26, 59, ...) in
  ``codeset/cpt-modifiers``. CPT modifier titles are AMA text.

The long description is the ``skos:prefLabel`` (and ``rdfs:label``); the short
one, where it differs, a ``skos:altLabel``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.release import LoadReport, load_release
from kg.codesets.table import rows
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.errors import CodeSetError
from kg.to_rdf import node
from kg.vocab import code_iri

__all__ = ["load_hcpcs", "load_hcpcs_modifiers", "load_cpt_modifiers"]

_KINDS = {"procedure": ("HCPCS", "ProcedureCode"), "modifier": ("MOD", "Modifier")}


def _concept(g: ox.NamedNode, system: str, cls: str, code: str, long: str, short: str) -> Iterator[Quad]:
    n = node(code_iri(system, code))
    yield Quad(n, RDF_TYPE, getattr(K, cls), g)
    yield Quad(n, RDF_TYPE, SKOS.Concept, g)
    yield Quad(n, SKOS.notation, Literal(code), g)
    yield Quad(n, SKOS.inScheme, scheme_node(system), g)
    label = Literal(long or short)
    yield Quad(n, SKOS.prefLabel, label, g)
    yield Quad(n, RDFS_LABEL, label, g)
    if short and short != long:
        yield Quad(n, SKOS.altLabel, Literal(short), g)


def _hcpcs_quads(path: Path, g: ox.NamedNode) -> Iterator[Quad]:
    for line, (code, kind, long, short) in rows(path, ("code", "kind", "long_description", "short_description")):
        try:
            system, cls = _KINDS[kind.lower()]
        except KeyError:
            raise CodeSetError(f"{path}:{line}: kind {kind!r} of code {code!r} is neither 'procedure' nor "
                               f"'modifier'") from None
        if not code:
            raise CodeSetError(f"{path}:{line}: row has no code")
        yield from _concept(g, system, cls, code, long, short)


def _modifier_quads(path: Path, g: ox.NamedNode, table: Iterable[tuple[int, tuple[str, ...]]]) -> Iterator[Quad]:
    for line, (code, long, short) in table:
        if not code:
            raise CodeSetError(f"{path}:{line}: row has no modifier code")
        yield from _concept(g, "MOD", "Modifier", code, long, short)


def load_hcpcs(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
               progress: bool | None = None) -> LoadReport:
    """Load HCPCS Level II codes and modifiers into graph ``codeset/hcpcs``.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to write.
    path : path-like
        CSV with columns ``code, kind, long_description, short_description``.
    release : str, optional
        The release label; by default read from the file name (``2025oct`` -> ``"2025-10"``).
    progress : bool, optional
        Progress bars; by default only on a terminal.

    Raises
    ------
    CodeSetError
        If a column is missing, a row is short or has an unknown ``kind``.
    """
    path = Path(path)
    return load_release(store, name="hcpcs", system=("HCPCS", "MOD"), path=path, release=release,
                        quads=lambda g: _hcpcs_quads(path, g), label="HCPCS Level II", progress=progress)


def load_hcpcs_modifiers(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
                         progress: bool | None = None) -> LoadReport:
    """Load the HCPCS Level II modifiers (``code, long_description, short_description``)
    into graph ``codeset/hcpcs-modifiers``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "hcpcs_level2_modifiers_2025oct.csv"
    >>> _ = path.write_text("code,long_description,short_description\\nTC,Technical component,Technical component\\n")
    >>> r = load_hcpcs_modifiers(ox.Store(), path, progress=False)
    >>> r.graph, r.release, r.triples
    ('https://w3id.org/codekg/codeset/hcpcs-modifiers', '2025-10', 6)
    """
    path = Path(path)
    return load_release(
        store, name="hcpcs-modifiers", system="MOD", path=path, release=release,
        quads=lambda g: _modifier_quads(path, g, rows(path, ("code", "long_description", "short_description"))),
        label="HCPCS Level II modifiers", progress=progress)


def load_cpt_modifiers(store: ox.Store, path: str | os.PathLike, *, release: str | None = None,
                       progress: bool | None = None) -> LoadReport:
    """Load the CPT (Level I) modifiers of a modifier table into graph ``codeset/cpt-modifiers``.

    Only rows whose ``mod_type`` is ``CPT`` are kept, and of them only
    ``mod_code`` and ``mod_description``; other columns (guidance text) are
    ignored.
    """
    path = Path(path)

    def cpt_rows():
        for line, (code, kind, description) in rows(path, ("mod_code", "mod_type", "mod_description")):
            if kind.upper() == "CPT":
                yield line, (code, description, "")

    return load_release(store, name="cpt-modifiers", system="MOD", path=path, release=release,
                        quads=lambda g: _modifier_quads(path, g, cpt_rows()), label="CPT modifiers",
                        progress=progress)
