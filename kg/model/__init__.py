"""The domain model: every code system, node type and relation kg knows, declared once.

This package is the base layer. It does no I/O and imports nothing else of
kg. Everything that lists code systems or relations (the vocabulary, the
shapes, ``stats``, the network projection, the views, the audit and the
CLI's choices) derives its list from here, and ``tests/test_model.py`` checks
the ontology, the shapes and the named queries against it, so a forgotten
entry fails a test instead of silently dropping edges.

Examples
--------
>>> from kg.model import RELATIONS, CODE_SYSTEMS
>>> RELATIONS["addOnTo"].family, RELATIONS["alternativeTo"].symmetric
('procedure', True)
>>> CODE_SYSTEMS["ICD10CM"].node_type
'diagnosis'
"""

from kg.model.codes import CODE_SYSTEMS, NODE_TYPES, CodeSystem, NodeType, code_candidates, normalize_code
from kg.model.layers import EDGE_KINDS, LAYERS, EdgeKind, Layer, edge_style, layer_of
from kg.model.relations import (
    ATTRIBUTE_RELATIONS,
    BRIEFING_RELATIONS,
    CODE_RELATIONS,
    DIAGNOSIS_RELATIONS,
    GENERIC,
    OFFICIAL_RELATIONS,
    PROCEDURE_RELATIONS,
    RELATIONS,
    Relation,
)

__all__ = [
    "ATTRIBUTE_RELATIONS",
    "BRIEFING_RELATIONS",
    "CODE_RELATIONS",
    "CODE_SYSTEMS",
    "CodeSystem",
    "DIAGNOSIS_RELATIONS",
    "EDGE_KINDS",
    "EdgeKind",
    "LAYERS",
    "Layer",
    "GENERIC",
    "OFFICIAL_RELATIONS",
    "NODE_TYPES",
    "NodeType",
    "PROCEDURE_RELATIONS",
    "RELATIONS",
    "Relation",
    "code_candidates",
    "edge_style",
    "layer_of",
    "normalize_code",
]
