"""HCPCS Level II codes and modifiers (CMS), and the CPT Level I modifiers.

Three code sets, three graphs:

* :data:`HCPCS` reads the HCPCS Level II file (``code, kind,
  long_description, short_description``; ``kind`` is ``procedure`` or
  ``modifier``) into ``codeset/hcpcs``: procedure codes become
  ``kg:ProcedureCode`` at ``hcpcs:{code}`` in ``kg:HCPCS``, modifiers
  ``kg:Modifier`` at ``mod:{code}`` in ``kg:MOD``.
* :data:`HCPCS_MODIFIERS` reads the Level II modifier file
  (``code, long_description, short_description``) into ``codeset/hcpcs-modifiers``.
* :data:`CPT_MODIFIERS` reads a modifier table with ``mod_code,
  mod_type, mod_description`` and keeps the ``CPT`` rows (22, 26, 59, ...) in
  ``codeset/cpt-modifiers``. CPT modifier titles are AMA text.

The long description is the ``skos:prefLabel`` (and ``rdfs:label``); the short
one, where it differs, a ``skos:altLabel``.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "hcpcs_level2_modifiers_2025oct.csv"
>>> _ = path.write_text("code,long_description,short_description\\nTC,Technical component,Technical component\\n")
>>> r = load_hcpcs_modifiers(ox.Store(), path, progress=False)
>>> r.graph, r.release, r.triples
('https://w3id.org/codekg/codeset/hcpcs-modifiers/2025-10/...', '2025-10', 6)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.to_rdf import node
from kg.vocab import code_iri

__all__ = ["CPT_MODIFIERS", "HCPCS", "HCPCS_MODIFIERS", "load_hcpcs", "load_hcpcs_modifiers", "load_cpt_modifiers"]

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


def _hcpcs_quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    for line, (code, kind, long, short) in source.rows():
        try:
            system, cls = _KINDS[kind.lower()]
        except KeyError:
            raise source.error(line, f"kind {kind!r} of code {code!r} is neither 'procedure' nor 'modifier'") from None
        if not code:
            raise source.error(line, "row has no code")
        yield from _concept(g, system, cls, code, long, short)


def _modifier_quads(source: Source, g: ox.NamedNode, table: Iterable[tuple[int, tuple[str, ...]]]) -> Iterator[Quad]:
    for line, (code, long, short) in table:
        if not code:
            raise source.error(line, "row has no modifier code")
        yield from _concept(g, "MOD", "Modifier", code, long, short)


def _cpt_rows(source: Source) -> Iterator[tuple[int, tuple[str, ...]]]:
    for line, (code, kind, description) in source.rows():
        if kind.upper() == "CPT":
            yield line, (code, description, "")


_HCPCS_RELEASE = "cms.gov → Medicare → Coding → HCPCS Release & Code Sets (alpha-numeric file, as CSV)"

HCPCS = CodeSet(
    "hcpcs", "HCPCS Level II", systems=("HCPCS", "MOD"),
    columns=("code", "kind", "long_description", "short_description"), quads=_hcpcs_quads,
    file="HCPCS Level II codes and modifiers (code, kind, long/short description)", where=_HCPCS_RELEASE, weight=5)
"""HCPCS Level II codes and modifiers; ``kind`` is ``procedure`` or ``modifier``."""

HCPCS_MODIFIERS = CodeSet(
    "hcpcs-modifiers", "HCPCS Level II modifiers", systems=("MOD",),
    columns=("code", "long_description", "short_description"),
    quads=lambda source, g: _modifier_quads(source, g, source.rows()),
    file="HCPCS Level II modifiers", where="the same CMS release as --hcpcs")
"""The HCPCS Level II modifiers alone."""

CPT_MODIFIERS = CodeSet(
    "cpt-modifiers", "CPT modifiers", systems=("MOD",), columns=("mod_code", "mod_type", "mod_description"),
    quads=lambda source, g: _modifier_quads(source, g, _cpt_rows(source)),
    file="a modifier table with mod_code, mod_type, mod_description (CPT rows are kept)",
    where="your licensed CPT source")
"""The CPT (Level I) modifiers of a modifier table: rows whose ``mod_type`` is ``CPT``; other columns are ignored."""

load_hcpcs = HCPCS.load
load_hcpcs_modifiers = HCPCS_MODIFIERS.load
load_cpt_modifiers = CPT_MODIFIERS.load
