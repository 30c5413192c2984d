"""CPT descriptors from your own licensed file (AMA): the official labels of CPT codes.

CPT descriptors are AMA copyright, and kg ships none. A user with a CPT
licence loads their file (``kg codesets load --cpt FILE``), a CSV or
tab-separated table with columns ``code, description``, into graph
``codeset/cpt``: each code becomes a ``kg:ProcedureCode`` concept at
``cpt:{code}`` in ``kg:CPT``, its description the ``skos:prefLabel`` and
``rdfs:label``. The audit then compares briefings' descriptions with them,
as it does for the other code sets' labels.

A code must have the CPT shape of :data:`kg.model.CODE_SYSTEMS` (five
characters: Category I ``99213``, II ``0001F``, III ``0042T``); a row
with another code fails with its file and line, so that a file of another
kind is not loaded as CPT.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import pyoxigraph as ox
>>> path = Path(tempfile.mkdtemp()) / "my_cpt_2025.txt"
>>> _ = path.write_text("code\\tdescription\\n00000\\tA made-up descriptor, not AMA text\\n")
>>> store = ox.Store()
>>> report = load_cpt(store, path, progress=False)
>>> report.graph, report.release, report.triples
('https://w3id.org/codekg/codeset/cpt/2025/...', '2025', 6)
>>> [q.object.value for q in store.quads_for_pattern(
...     ox.NamedNode("http://purl.bioontology.org/ontology/CPT/00000"), SKOS.prefLabel, None, None)]
['A made-up descriptor, not AMA text']
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from pyoxigraph import Literal, Quad

from kg.codesets.codeset import CodeSet, Source
from kg.codesets.terms import K, RDF_TYPE, RDFS_LABEL, SKOS, scheme_node
from kg.model.codes import CODE_SYSTEMS, normalize_code
from kg.to_rdf import node
from kg.vocab import code_iri

__all__ = ["CPT", "load_cpt"]


def _quads(source: Source, g: ox.NamedNode) -> Iterator[Quad]:
    scheme = scheme_node("CPT")
    shape = CODE_SYSTEMS["CPT"]
    for line, (code, description) in source.rows():
        code = normalize_code(code)
        if not shape.matches(code):
            raise source.error(line, f"{code!r} is not a CPT code (five characters, such as 99213 or 0042T)")
        n = node(code_iri("CPT", code))
        yield Quad(n, RDF_TYPE, K.ProcedureCode, g)
        yield Quad(n, RDF_TYPE, SKOS.Concept, g)
        yield Quad(n, SKOS.notation, Literal(code), g)
        yield Quad(n, SKOS.inScheme, scheme, g)
        if description:
            label = Literal(description)
            yield Quad(n, SKOS.prefLabel, label, g)
            yield Quad(n, RDFS_LABEL, label, g)


CPT = CodeSet(
    "cpt", "CPT descriptors", systems=("CPT",), columns=("code", "description"), quads=_quads,
    file="your licensed CPT descriptors (code, description; CSV or tab-separated)",
    where="your CPT licence: the AMA (ama-assn.org → CPT data files) or a licensed distributor", weight=3)
"""A licensed CPT descriptor file, brought by the user."""

load_cpt = CPT.load
