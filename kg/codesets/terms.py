"""The RDF terms the code-set loaders write, made once.

Loaders build hundreds of thousands of quads; building each predicate,
class and repeated literal once (here, or in a loader's own small cache)
is most of what makes them fast.

Examples
--------
>>> procedure_iri("77013"), procedure_iri("G0288")
('http://purl.bioontology.org/ontology/CPT/77013', 'http://purl.bioontology.org/ontology/HCPCS/G0288')
>>> K.billable.value
'https://w3id.org/codekg/ontology#billable'
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from kg.to_rdf import node
from kg.vocab import KG, code_iri, scheme_iri

__all__ = ["K", "RDF_TYPE", "RDFS", "RDFS_LABEL", "SKOS", "XSD", "TRUE", "FALSE", "LiteralCache", "NodeCache",
           "procedure_iri", "procedure_system", "scheme_node"]

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

RDF_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = node("http://www.w3.org/2000/01/rdf-schema#label")


class _Terms:
    """Attribute access to cached nodes of one namespace (``K.billable``)."""

    def __init__(self, lookup) -> None:
        self._lookup = lookup

    def __getattr__(self, name: str) -> NamedNode:
        n = node(self._lookup(name))
        setattr(self, name, n)
        return n


K = _Terms(lambda name: str(KG[name]))
"""``kg:`` terms as cached NamedNodes; a name not in :class:`kg.vocab.KG` raises."""

SKOS = _Terms(lambda name: _SKOS + name)
RDFS = _Terms(lambda name: "http://www.w3.org/2000/01/rdf-schema#" + name)
XSD = _Terms(lambda name: _XSD + name)

TRUE = Literal("true", datatype=XSD.boolean)
FALSE = Literal("false", datatype=XSD.boolean)


def procedure_system(code: str) -> str:
    """``"CPT"`` for a code that starts with a digit (CPT Level I, Category II/III), else ``"HCPCS"``.

    CMS files (NCCI, MPFS, MUE) mix both without saying which is which.

    Examples
    --------
    >>> procedure_system("77013"), procedure_system("0548T"), procedure_system("G0288")
    ('CPT', 'CPT', 'HCPCS')
    """
    return "CPT" if code[:1].isdigit() else "HCPCS"


def procedure_iri(code: str) -> str:
    """The IRI of a CPT or HCPCS Level II code, chosen by :func:`procedure_system`.

    Examples
    --------
    >>> procedure_iri("77013")
    'http://purl.bioontology.org/ontology/CPT/77013'
    >>> procedure_iri("C9751")
    'http://purl.bioontology.org/ontology/HCPCS/C9751'
    """
    return code_iri(procedure_system(code), code)


class NodeCache(dict):
    """code -> NamedNode of its IRI, for code sets that name the same codes many times.

    Examples
    --------
    >>> codes = NodeCache(procedure_iri)
    >>> codes["77013"] is codes["77013"]
    True
    """

    def __init__(self, iri) -> None:
        super().__init__()
        self._iri = iri

    def __missing__(self, code: str) -> NamedNode:
        n = self[code] = NamedNode(self._iri(code))
        return n


class LiteralCache(dict):
    """text -> Literal (plain, or of one datatype), for values that repeat (indicators, rationales).

    Examples
    --------
    >>> indicators = LiteralCache()
    >>> indicators["1"] is indicators["1"], indicators["1"].value
    (True, '1')
    >>> LiteralCache(XSD.integer)["90"].datatype.value
    'http://www.w3.org/2001/XMLSchema#integer'
    """

    def __init__(self, datatype: NamedNode | None = None) -> None:
        super().__init__()
        self._datatype = datatype

    def __missing__(self, text: str) -> Literal:
        lit = self[text] = Literal(text, datatype=self._datatype) if self._datatype else Literal(text)
        return lit


def scheme_node(system: str) -> NamedNode:
    """The ``skos:ConceptScheme`` node of a code system (``kg:ICD10CM``).

    Examples
    --------
    >>> scheme_node("ICD10CM").value
    'https://w3id.org/codekg/ontology#ICD10CM'
    """
    return node(scheme_iri(system))
