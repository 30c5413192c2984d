"""SHACL validation of the store against ``ontology/shapes.ttl`` (pyshacl).

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> validate(store).conforms
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.export import to_rdflib_graph
from kg.store import ontology_dir

__all__ = ["ShapesReport", "validate"]


@dataclass(frozen=True)
class ShapesReport:
    """The outcome of :func:`validate`: whether the data conforms, and pyshacl's report."""

    conforms: bool
    text: str
    graph: object


def validate(store: ox.Store) -> ShapesReport:
    """Validate the union of all graphs in ``store`` against the kg shapes."""
    import pyshacl
    from rdflib import Graph

    shapes = Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, graph, text = pyshacl.validate(
        to_rdflib_graph(store), shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return ShapesReport(bool(conforms), str(text), graph)
