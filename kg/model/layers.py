"""The layers of the network: which edges a view, a path or a neighbourhood is drawn from, declared once.

A :class:`Layer` is one source of edges between codes: the briefings, or
one kind of official edge of the loaded code sets. Each layer names the
code sets whose graphs hold it (``kg.codesets.CODESETS`` names) and the edge
kinds it gives: a :class:`~kg.model.relations.Relation` of the registry
(briefing relations, the ICD-10-CM notes) or an :class:`EdgeKind` declared
here for the official edges that are no ``kg:`` relation between two codes
of one kind (an NCCI edit rule, ``skos:broader``, a CCSR or HCC category).

:data:`LAYERS` drives ``--layers`` on ``kg view``, ``kg explain`` and ``kg
neighbours``, the network projection's ``layers=``, the views' legend
styles (:data:`EDGE_KINDS` ``.style``) and every edge's ``layer`` attribute.

``walk`` says whether a walk out from a code goes on through the far end
of the layer's edges: a code-to-code layer does; a grouping (a CCSR or HCC
category, which holds hundreds of codes) is drawn but not walked through,
and ``mue`` gives no edge at all: a code's MUE is an attribute of its node.

Examples
--------
>>> list(LAYERS)
['briefing', 'ncci', 'addon', 'mue', 'excludes', 'hierarchy', 'ccsr', 'hcc']
>>> LAYERS["excludes"].edges
('excludes1', 'excludes2', 'codeFirst', 'useAdditionalCode', 'codeAlso')
>>> LAYERS["hcc"].edges, LAYERS["hcc"].codesets
(('hcc', 'hccTrumps'), ('hcc',))
>>> layer_of("ncciEdit"), layer_of("indicationFor"), layer_of("hasModifier")
('ncci', 'briefing', 'briefing')
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.relations import ATTRIBUTE_RELATIONS, CODE_RELATIONS, OFFICIAL_RELATIONS, RELATIONS

__all__ = ["EDGE_KINDS", "LAYERS", "EdgeKind", "Layer", "edge_style", "layer_of"]


@dataclass(frozen=True)
class EdgeKind:
    """An official edge that is no relation of :data:`~kg.model.relations.RELATIONS`: its key in a network
    graph, the property the code set writes (``None`` for NCCI edits, whose property is the edit's rule),
    its words and its vis-network style.

    Examples
    --------
    >>> EDGE_KINDS["ncciAddOn"].prop, EDGE_KINDS["ncciAddOn"].label
    ('https://w3id.org/codekg/ontology#addOnTo', 'add-on to (NCCI)')
    """

    name: str
    label: str
    definition: str
    prop: str | None
    color: str
    width: float = 1
    dashes: object = False

    @property
    def style(self) -> dict[str, object]:
        """The vis-network edge style.

        Examples
        --------
        >>> EDGE_KINDS["broader"].style
        {'color': '#a16207', 'width': 1, 'dashes': [6, 3]}
        """
        return {"color": self.color, "width": self.width, "dashes": self.dashes}


_KG = "https://w3id.org/codekg/ontology#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

EDGE_KINDS: dict[str, EdgeKind] = {e.name: e for e in (
    EdgeKind("ncciEdit", "NCCI edit", "An NCCI procedure-to-procedure edit, from the column 2 code to the column 1 "
             "code: the column 2 code is not paid with the column 1 code unless the modifier indicator allows a "
             "modifier.", None, "#b91c1c", 1.5, [2, 4]),
    EdgeKind("ncciAddOn", "add-on to (NCCI)", "An NCCI add-on code edit: the add-on code is paid only with this "
             "primary code.", _KG + "addOnTo", "#b45309", 2, [8, 3]),
    EdgeKind("broader", "broader", "The code set's hierarchy: the code sits below this one.", _SKOS + "broader",
             "#a16207", 1, [6, 3]),
    EdgeKind("ccsrCategory", "CCSR category", "AHRQ CCSR: the diagnosis falls in this clinical category.",
             _KG + "ccsrCategory", "#0369a1", 1, [1, 2]),
    EdgeKind("hcc", "CMS-HCC", "CMS-HCC risk adjustment: the diagnosis maps to this HCC of a model.",
             _KG + "hcc", "#7e22ce", 1, [1, 2]),
    EdgeKind("hccTrumps", "HCC trumps", "CMS-HCC hierarchy: when both are on a record, this HCC drops the other.",
             _KG + "hccTrumps", "#581c87", 1.5),
)}
"""The official edges that are no registry relation, by the key they get in a network graph."""


@dataclass(frozen=True)
class Layer:
    """One layer: its words, the code sets whose graphs hold it, its edge kinds, and whether a walk goes
    through their far ends.

    Examples
    --------
    >>> LAYERS["ncci"].codesets
    ('ncci-ptp', 'ncci-ptp-hospital')
    >>> LAYERS["ccsr"].walk, LAYERS["ncci"].walk
    (False, True)
    """

    name: str
    label: str
    codesets: tuple[str, ...]
    edges: tuple[str, ...]
    walk: bool = True


LAYERS: dict[str, Layer] = {x.name: x for x in (
    Layer("briefing", "briefing rows", (), CODE_RELATIONS + ATTRIBUTE_RELATIONS),
    Layer("ncci", "NCCI procedure-to-procedure edits", ("ncci-ptp", "ncci-ptp-hospital"), ("ncciEdit",)),
    Layer("addon", "NCCI add-on code edits", ("ncci-addon",), ("ncciAddOn",)),
    Layer("mue", "NCCI medically unlikely edits (an attribute of the code)", ("ncci-mue",), (), walk=False),
    Layer("excludes", "ICD-10-CM instructional notes", ("icd10cm",), OFFICIAL_RELATIONS),
    Layer("hierarchy", "code-set hierarchies (ICD-10-CM, NUCC)", ("icd10cm", "nucc"), ("broader",)),
    Layer("ccsr", "AHRQ CCSR categories", ("ccsr",), ("ccsrCategory",), walk=False),
    Layer("hcc", "CMS-HCC categories and hierarchies", ("hcc",), ("hcc", "hccTrumps"), walk=False),
)}
"""Every layer, in the order ``--layers`` lists them."""


def layer_of(edge: str) -> str | None:
    """The layer whose edges have key ``edge`` (``None`` for a key no layer gives).

    Examples
    --------
    >>> layer_of("excludes1"), layer_of("hccTrumps"), layer_of("nonsense")
    ('excludes', 'hcc', None)
    """
    for layer in LAYERS.values():
        if edge in layer.edges:
            return layer.name
    return None


def edge_style(edge: str) -> dict[str, object] | None:
    """The vis-network style of edge key ``edge``: its relation's or its edge kind's (``None`` if unknown).

    Examples
    --------
    >>> edge_style("hccTrumps")["color"], edge_style("monitors")["color"]
    ('#581c87', '#2563eb')
    """
    if edge in RELATIONS:
        return RELATIONS[edge].style
    if edge in EDGE_KINDS:
        return EDGE_KINDS[edge].style
    return None
