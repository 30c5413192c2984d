"""What the interoperability exports (:mod:`kg.fhir`, :mod:`kg.parquet`) share: code-set graphs, streamed queries.

Examples
--------
>>> code_of("http://purl.bioontology.org/ontology/ICD10CM/C22.0")
('ICD10CM', 'http://hl7.org/fhir/sid/icd-10-cm', 'C22.0')
>>> code_of("https://w3id.org/codekg/briefing/77013.txt") is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from kg.codesets.catalog import current_graph
from kg.model import CODE_SYSTEMS
from kg.queries import internal_query
from kg.vocab import PREFIXES

__all__ = ["Written", "code_of", "codeset_graph", "release_of", "solutions"]

_NAMESPACES = sorted(((s.namespace, s.name) for s in CODE_SYSTEMS.values()), key=lambda p: -len(p[0]))


@dataclass
class Written:
    """One FHIR file :func:`kg.fhir.write_fhir` wrote, or a resource it skipped (``skipped`` says why).

    ``resources`` counts resources (ConceptMap parts), ``elements`` their elements (or concepts),
    ``targets`` the ConceptMap targets.

    Examples
    --------
    >>> Written("ConceptMap", "ccsr", None, skipped="code set 'ccsr' is not loaded").skipped
    "code set 'ccsr' is not loaded"
    """

    kind: str
    id: str
    path: Path | None
    resources: int = 0
    elements: int = 0
    targets: int = 0
    skipped: str = ""


def codeset_graph(store: ox.Store, name: str) -> str | None:
    """The graph IRI of code set ``name``'s current release in the store, or ``None`` when it is not loaded.

    Every FHIR and Parquet export reads a code set's graph through this one function.

    Examples
    --------
    >>> codeset_graph(ox.Store(), "ncci-ptp") is None
    True
    """
    return current_graph(store, name)


def solutions(store: ox.Store, name: str, **bindings: ox.NamedNode | ox.Literal) -> Iterator[ox.QuerySolution]:
    """The solutions of internal query ``name`` with ``bindings`` substituted, as they stream from the store.

    Examples
    --------
    >>> list(solutions(ox.Store(), "interop/release", g=ox.NamedNode("urn:x")))
    []
    """
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    yield from store.query(internal_query(name), prefixes=PREFIXES, substitutions=subs,
                           use_default_graph_as_union=True)


def code_of(iri: str) -> tuple[str, str, str] | None:
    """(kg code system, FHIR system URI, code) of a node IRI; ``None`` for a node of no code system.

    Examples
    --------
    >>> code_of("https://w3id.org/codekg/payer/medicare")
    ('PAYER', 'https://w3id.org/codekg/payer', 'medicare')
    """
    for namespace, name in _NAMESPACES:
        if iri.startswith(namespace):
            return name, CODE_SYSTEMS[name].fhir, unquote(iri[len(namespace):])
    return None


def release_of(store: ox.Store, graph: str) -> dict[str, str]:
    """The release node of code-set graph ``graph``: ``release``, ``context``, ``file`` and ``label``, when known.

    Examples
    --------
    >>> release_of(ox.Store(), "https://w3id.org/codekg/codeset/ccsr")
    {}
    """
    for s in solutions(store, "interop/release", g=ox.NamedNode(graph)):
        return {k: s[k].value for k in ("release", "context", "file", "label") if s[k] is not None}
    return {}
