"""ICD-10-CM instructional notes as typed edges, written with the tabular list.

The tabular XML carries five kinds of instructional note on chapters,
blocks, categories and codes: ``excludes1``, ``excludes2``, ``codeFirst``,
``useAdditionalCode`` and ``codeAlso`` (the XML's element names are the
``kg:`` relations, :data:`NOTE_RELATIONS`). Each note names the codes it is
about in parentheses: ``(E08.-)``, ``(O10-O11, O13-O16)``, ``(Z79.4)``.

For each note the loader (:mod:`kg.codesets.icd10cm`) writes

* one edge ``carrier kg:excludes1 target`` per code the note names, from the
  chapter, block or code that carries the note: a single code or a
  wildcard (``E08.-``, ``O24.4-``) names that code or category; a range
  (``O10-O11``, ``A04.0-A04.4``) names every code from one end to the
  other in the tabular's order, at the highest level the range spans
  (``O10``, ``O11``; not also ``O10.0`` ...);
* a qualified ``kg:InstructionalNote`` node: ``kg:noteOn`` the carrier,
  ``kg:noteRelation`` the relation, ``kg:noteText`` the text,
  ``kg:noteTarget`` each code it resolved to, and ``kg:unresolvedReference``
  for each reference the release does not hold (none are dropped silently).

A note applies to every code below the one carrying it. The edge is on the
carrier only: a query walks ``skos:broader*`` up from a code to collect the
notes it inherits (``kg/queries/excludes.rq``). That keeps the graph small.

Examples
--------
>>> references("hypertensive disease complicating pregnancy (O10-O11, O13-O16)")
[('O10', 'O11'), ('O13', 'O16')]
>>> index = CodeIndex(["E08", "E08.0", "E10", "E11", "O10", "O11", "O13"])
>>> index.resolve("E08", "E08"), index.resolve("E10", "E11"), index.resolve("E09", "E09")
(['E08'], ['E10', 'E11'], None)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from urllib.parse import quote

from kg.model.codes import BASE
from kg.to_rdf import Lit, Term
from kg.vocab import KG, code_iri

__all__ = ["NOTE_RELATIONS", "CodeIndex", "note_iri", "note_triples", "references"]

NOTE_RELATIONS = ("excludes1", "excludes2", "codeFirst", "useAdditionalCode", "codeAlso")
"""The XML's note elements, each also the name of its ``kg:`` relation (:data:`kg.model.RELATIONS`)."""

_PARENS = re.compile(r"\(([^()]*)\)")
_CODE = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_REF = re.compile(rf"\b({_CODE})\.?(?:-({_CODE}))?(?![0-9A-Z])")


def references(text: str) -> list[tuple[str, str]]:
    """The code references in a note's parentheses, as ``(first, last)``: equal for a code or a wildcard.

    Examples
    --------
    >>> references("type 1 diabetes mellitus (E10.-)"), references("gestational diabetes (O24.4-)")
    ([('E10', 'E10')], [('O24.4', 'O24.4')])
    >>> references("Escherichia coli infection (A04.0-A04.4)"), references("code first sepsis")
    ([('A04.0', 'A04.4')], [])
    """
    return [(lo, hi or lo) for group in _PARENS.findall(text) for lo, hi in _REF.findall(group)]


class CodeIndex:
    """The notations of a release in tabular order (each code before the codes below it), to resolve references.

    Examples
    --------
    >>> CodeIndex(["C76", "C7A", "C80"]).resolve("C76", "C80")
    ['C76', 'C7A', 'C80']
    >>> CodeIndex(["A04.0", "A04.1", "A04.4", "A04.71"]).resolve("A04.0", "A04.4")
    ['A04.0', 'A04.1', 'A04.4']
    """

    def __init__(self, notations: Iterable[str]) -> None:
        self.order: list[str] = list(notations)
        self.position: dict[str, int] = {n: i for i, n in enumerate(self.order)}

    def resolve(self, lo: str, hi: str) -> list[str] | None:
        """The highest codes from ``lo`` to ``hi`` and all below it; None if either is not in the release.

        A range whose ends are of two levels (``B50.0-B54``) gives the codes of
        each level it spans: the subcodes of B50 from B50.0 on, then B51 to B54.

        Examples
        --------
        >>> index = CodeIndex(["B50", "B50.0", "B50.8", "B51", "B51.0", "B54"])
        >>> index.resolve("B50.0", "B54"), index.resolve("B51", "B51"), index.resolve("B54", "B51")
        (['B50.0', 'B50.8', 'B51', 'B54'], ['B51'], None)
        """
        first, last = self.position.get(lo), self.position.get(hi)
        if first is None or last is None or first > last:
            return None
        while last + 1 < len(self.order) and self.order[last + 1].startswith(hi):
            last += 1  # the codes below hi
        out: list[str] = []
        for n in self.order[first:last + 1]:
            if not out or not n.startswith(out[-1]):
                out.append(n)
        return out


def note_iri(carrier: str, relation: str, number: int) -> str:
    """The IRI of the ``number``-th note of kind ``relation`` on the code, block or chapter ``carrier``.

    Examples
    --------
    >>> note_iri("E11", "excludes1", 1)
    'https://w3id.org/codekg/icd10cm-note/E11/excludes1/1'
    """
    return f"{BASE}icd10cm-note/{quote(carrier, safe='.-')}/{relation}/{number}"


def note_triples(carriers: Iterable[tuple[str, str, ET.Element]], index: CodeIndex) -> list[tuple[str, str, Term]]:
    """Edges and ``kg:InstructionalNote`` nodes for the notes of ``(notation, iri, element)`` carriers.

    Examples
    --------
    >>> el = ET.fromstring("<diag><name>E11</name><excludes1><note>due to (E08.-, E99)</note></excludes1></diag>")
    >>> triples = note_triples([("E11", code_iri("ICD10CM", "E11"), el)], CodeIndex(["E08", "E11"]))
    >>> [(p.rsplit("#")[-1], str(o).rsplit("/")[-1]) for s, p, o in triples if s.endswith("/E11")]
    [('excludes1', 'E08')]
    >>> [o[0] for s, p, o in triples if p.endswith("unresolvedReference")]
    ['E99']
    """
    out: list[tuple[str, str, Term]] = []
    add = out.append
    type_, cls = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", str(KG.InstructionalNote)
    on, rel, text_, target_, unresolved = (str(KG.noteOn), str(KG.noteRelation), str(KG.noteText),
                                           str(KG.noteTarget), str(KG.unresolvedReference))
    for notation, iri, el in carriers:
        for relation in NOTE_RELATIONS:
            p = str(KG[relation])
            seen: set[str] = set()
            number = 0
            for block in el.findall(relation):
                for note in block.findall("note"):
                    text = " ".join((note.text or "").split())
                    if not text:
                        continue
                    number += 1
                    n = note_iri(notation, relation, number)
                    add((n, type_, cls))
                    add((n, on, iri))
                    add((n, rel, p))
                    add((n, text_, Lit(text)))
                    for lo, hi in references(text):
                        found = index.resolve(lo, hi)
                        if found is None:
                            add((n, unresolved, Lit(lo if lo == hi else f"{lo}-{hi}")))
                            continue
                        for code in found:
                            t = code_iri("ICD10CM", code)
                            add((n, target_, t))
                            if t not in seen:
                                seen.add(t)
                                add((iri, p, t))
    return out
