"""The official layers as the store holds them: their graphs, their releases and their edges' words.

:class:`Releases` is the one place kg's network code turns a layer
(:data:`kg.model.LAYERS`) into the graphs of its code sets' current
releases (:func:`in_layer` tells a graph's layer), so the queries bind
``?g`` instead of scanning every graph. It reads, once per walk, what each
of those graphs is (label, release, context, file), and :func:`edge_words`
words an official edge from it, decoding CMS indicators with
:mod:`kg.cms` (the one decoding table): ``NCCI: mutually exclusive
procedures, modifier indicator 0 (not allowed) — practitioner 2024Q3``.

Examples
--------
>>> in_layer("https://w3id.org/codekg/codeset/ncci-ptp-hospital/2024Q3/0123456789ab", "ncci")
True
>>> ncci_words("0", "Mutually exclusive procedures", "practitioner", "2024Q3")
'NCCI: mutually exclusive procedures, modifier indicator 0 (not allowed) — practitioner 2024Q3'
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.cms import decode
from kg.codesets.catalog import codeset_name, current_graphs
from kg.codesets.release import CODESET, graph_iri
from kg.errors import KGError
from kg.model import LAYERS, RELATIONS
from kg.query import internal_query, run_sparql, with_values
from kg.target import QueryTarget

__all__ = ["Releases", "check_layers", "edge_words", "in_layer", "is_codeset_graph", "ncci_words", "rows"]


def rows(target: QueryTarget, name: str, values: dict[str, Iterable[str]] | None = None) -> list:
    """The rows of internal query ``network/<name>``, with the IRIs of ``values`` bound in its VALUES block.

    Examples
    --------
    >>> rows(ox.Store(), "walk-mue", {"n": ["https://w3id.org/codekg/cpt/77013"], "g": [graph_iri("ncci-mue")]})
    []
    """
    text = internal_query(f"network/{name}")
    if values:
        text = with_values(text, {ox.Variable(v): [ox.NamedNode(i) for i in iris] for v, iris in values.items()})
    return run_sparql(target, text, source=f"kg/queries/internal/network/{name}.rq").rows


def in_layer(g: str, layer: str) -> bool:
    """True when graph ``g`` is a release graph of one of ``layer``'s code sets.

    Examples
    --------
    >>> in_layer("https://w3id.org/codekg/codeset/ncci-ptp/2024Q3/0123456789ab", "ncci")
    True
    >>> in_layer("https://w3id.org/codekg/codeset/icd10cm/2026/0123456789ab", "ncci")
    False
    """
    return is_codeset_graph(g) and codeset_name(g) in LAYERS[layer].codesets


def is_codeset_graph(g: str) -> bool:
    """True for the graph of a code set's release (what it says wins over a briefing's words).

    Examples
    --------
    >>> is_codeset_graph(graph_iri("ccsr")), is_codeset_graph("https://w3id.org/codekg/briefing/77013")
    (True, False)
    """
    return g.startswith(CODESET)


def check_layers(layers: Iterable[str] | None) -> tuple[str, ...]:
    """``layers`` checked against :data:`kg.model.LAYERS` (all of them when ``None``).

    Raises
    ------
    KGError
        For a name that is no layer.

    Examples
    --------
    >>> check_layers(["ncci", "briefing"])
    ('ncci', 'briefing')
    >>> check_layers(["nope"])
    Traceback (most recent call last):
    ...
    kg.errors.KGError: unknown layer 'nope'; choose from briefing, ncci, addon, mue, excludes, hierarchy, ccsr, hcc
    """
    chosen = tuple(LAYERS if layers is None else layers)
    unknown = [x for x in chosen if x not in LAYERS]
    if unknown:
        raise KGError(f"unknown layer {unknown[0]!r}; choose from {', '.join(LAYERS)}")
    return chosen


class Releases:
    """What the current release graphs of some layers' code sets are: graph IRI -> (label, release, context, file).

    Superseded releases kept beside the current one (:mod:`kg.codesets.catalog`) are not read.

    Examples
    --------
    >>> Releases(ox.Store(), ["ncci", "hcc"]).graphs("ncci")
    []
    """

    def __init__(self, target: QueryTarget, layers: Iterable[str]):
        names = {name for x in layers for name in LAYERS[x].codesets}
        self.info: dict[str, tuple[str, str, str, str]] = {}
        store = getattr(target, "store", None)
        if isinstance(store, ox.Store):  # a handful of quad lookups, not a query over every graph
            for name, iri in current_graphs(store).items():
                if name not in names:
                    continue
                g = ox.NamedNode(iri)
                values = [next(store.quads_for_pattern(g, p, None, g), None) for p in _RELEASE_PROPS]
                if values[0] is not None:
                    self.info[iri] = tuple(q.object.value if q is not None else "" for q in values)
        elif names:
            for g, label, release, context, file in rows(target, "layer-releases"):
                if codeset_name(g.value) in names:
                    self.info[g.value] = tuple(t.value if t is not None else "" for t in (label, release, context, file))

    def graphs(self, layer: str) -> list[str]:
        """The graphs of the current releases of ``layer``'s code sets that the store holds."""
        return sorted(g for g in self.info if in_layer(g, layer))

    def file(self, g: str) -> str:
        """The source file of graph ``g``."""
        return self.info.get(g, ("", "", "", ""))[3] or g.rsplit("/", 1)[-1]


_KG = "https://w3id.org/codekg/ontology#"
_RELEASE_PROPS = [ox.NamedNode(p) for p in ("http://www.w3.org/2000/01/rdf-schema#label", _KG + "release", _KG + "context",
                                             _KG + "sourceFile")]


def ncci_words(indicator: str, rationale: str, context: str, release: str) -> str:
    """An NCCI edit in words, the modifier indicator decoded by :func:`kg.cms.decode`.

    Examples
    --------
    >>> ncci_words("1", "", "hospital", "2024Q3")
    'NCCI: edit, modifier indicator 1 (allowed) — hospital 2024Q3'
    """
    rule = decode("modifier_indicator", indicator)
    meaning = f" ({rule.meaning.split(':')[0].lower()})" if rule else ""
    why = (rationale[:1].lower() + rationale[1:]) if rationale else "edit"
    return f"NCCI: {why}, modifier indicator {indicator}{meaning} — {context or 'practitioner'} {release}".rstrip()


def edge_words(edge: str, info: tuple[str, str, str, str], detail: str = "") -> str:
    """The words of an official edge of key ``edge`` stated by a graph whose ``info`` is (label, release, ...).

    Examples
    --------
    >>> edge_words("excludes1", ("ICD-10-CM 2026", "2026", "", "icd10cm.txt"))
    'ICD-10-CM excludes1 — 2026'
    >>> edge_words("ncciAddOn", ("NCCI add-on code edits 2024-06", "2024-06", "", "f.csv"), "1")
    'NCCI add-on: add-on to this primary, edit type 1 (only paid with one of the listed primary codes) — 2024-06'
    >>> edge_words("hccTrumps", ("CMS-HCC 2026", "2026", "", "f.csv"))
    'HCC trumps (CMS-HCC hierarchy) — CMS-HCC 2026'
    """
    label, release = info[0], info[1]
    if edge in RELATIONS:  # an ICD-10-CM note
        return f"ICD-10-CM {RELATIONS[edge].label} — {release or label}"
    if edge == "ncciAddOn":
        rule = decode("aoc_edit_type", detail) if detail else None
        kind = f", edit type {detail} ({rule.meaning[:1].lower() + rule.meaning[1:]})" if rule else ""
        return f"NCCI add-on: add-on to this primary{kind} — {release or label}"
    words = {"broader": "broader in", "ccsrCategory": "CCSR category —", "hcc": "CMS-HCC category —",
             "hccTrumps": "HCC trumps (CMS-HCC hierarchy) —"}[edge]
    return f"{words} {label}"
