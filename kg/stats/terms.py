"""The terms and names of the kept statistics (:mod:`kg.stats`): its graph, its layout, the VoID vocabulary."""

from __future__ import annotations

import pyoxigraph as ox

from kg.vocab import BASE, KG

__all__ = ["FORMAT", "REVIEW", "VOID_GRAPH"]

VOID_GRAPH = BASE + "void"
"""The graph of the dataset description; its IRI is also the description's ``void:Dataset`` node."""

FORMAT = "codekg-void-5"
"""The layout of :data:`VOID_GRAPH`; a new layout changes :func:`digest`, so old descriptions are recounted."""

_VOID = "http://rdfs.org/ns/void#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DATASET = ox.NamedNode(_VOID + "Dataset")
_TRIPLES = ox.NamedNode(_VOID + "triples")
_ENTITIES = ox.NamedNode(_VOID + "entities")
_SUBSET = ox.NamedNode(_VOID + "subset")
_CLASS_PART = ox.NamedNode(_VOID + "classPartition")
_PROP_PART = ox.NamedNode(_VOID + "propertyPartition")
_CLASS = ox.NamedNode(_VOID + "class")
_PROPERTY = ox.NamedNode(_VOID + "property")
_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_VERSION = ox.NamedNode("http://purl.org/pav/version")
_SHA = ox.NamedNode(str(KG.sha256))
_SOURCE_FILE = ox.NamedNode(str(KG.sourceFile))
_LIST_KEY = ox.NamedNode(str(KG.listKey))
_IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
_RELEASE = ox.NamedNode(str(KG.release))
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
_NOTATION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation")
_LINE, _SUBJECT, _OBJECT = (ox.NamedNode(str(t)) for t in (KG.line, KG.subjectCode, KG.objectCode))
_ROW_FIELDS = ((ox.NamedNode(str(KG.rule)), "rule"), (ox.NamedNode(str(KG.phrase)), "phrase"),
               (ox.NamedNode(str(KG.sourceText)), "text"))
REVIEW = VOID_GRAPH + "/review/"
"""Where the kept rows of ``needs-review`` are named: ``REVIEW + '77013.txt#L41'`` for the statement ``<briefing/77013.txt#L41>``."""
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_V = ox.NamedNode(VOID_GRAPH)
_VALUES_G = "VALUES ?g { }"
_BATCH = 2000  # graphs per counting query
_THREADED = 500  # graphs to describe from which the reads run in two threads
_BULK = 20_000  # quads of a description written whole from which it is bulk-loaded
