"""The nodes of a network: which IRI a typed code names, and each node's type, notation, label and code system.

:func:`resolve` turns what a user typed (``c22.0``) into the IRI the store
holds; :func:`node_info` reads the attributes every network graph's nodes
carry (see :mod:`kg.network`), quickly on a local store (the first quad of
each pattern) and with the DISTINCT rows of ``node-info`` on a remote one.

Examples
--------
>>> import pyoxigraph as ox
>>> node_info(ox.Store(), ["https://w3id.org/codekg/payer/aetna"])["https://w3id.org/codekg/payer/aetna"]["notation"]
'aetna'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from kg.errors import KGError
from kg.model import NODE_TYPES, code_candidates
from kg.codesets.catalog import current_graphs
from kg.network.layers import rows
from kg.target import QueryTarget, as_target
from kg.vocab import BRIEFING, RDF_TYPE, RDFS_LABEL, SKOS_NS, class_iri, code_iri, node_type_of

__all__ = ["node_info", "resolve"]

_TYPES = {class_iri(name): name for name in NODE_TYPES}
_NOTATION, _SCHEME, _PREF = SKOS_NS + "notation", SKOS_NS + "inScheme", SKOS_NS + "prefLabel"
_CHUNK = 200
_WHOLE = 2000
"""More nodes than this (a whole-store projection): their classes and labelling code sets come from two scans."""


def _chunks(items: Iterable[str]):
    items = sorted(items)
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def resolve(target, code: str) -> str:
    """The IRI of the node the store holds for ``code`` as a user typed it (``c22.0``, ``77013``).

    Raises
    ------
    KGError
        If the store says nothing of any reading of ``code``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> resolve(store, "c22.0")
    'http://purl.bioontology.org/ontology/ICD10CM/C22.0'
    >>> resolve(store, "99999")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: '99999' is not in the graph; check the code, or build the briefing that mentions it
    """
    candidates = [code_iri(system, c) for system, c in code_candidates(code)]
    if code.startswith(("http://", "https://")):
        candidates.append(code)
    found = {n.value for (n,) in rows(as_target(target), "node-exists", {"n": candidates})} if candidates else set()
    for iri in candidates:
        if iri in found:
            return iri
    raise KGError(f"{code!r} is not in the graph; check the code, or build the briefing that mentions it")


def node_info(target, nodes: Iterable[str]) -> dict[str, dict[str, str]]:
    """The ``type``, ``notation``, ``label`` and ``system`` of ``nodes`` (IRIs); a code set's label wins over a briefing's.

    On a local store each is the first quad of its pattern (a code that 3,000 briefings mention has 3,000
    labels; one is enough); on a remote target the DISTINCT rows of ``node-info``.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> node_info(ox.Store(), ["http://purl.bioontology.org/ontology/ICD10CM/C22.0"])
    {'http://purl.bioontology.org/ontology/ICD10CM/C22.0': {'type': 'code', 'notation': 'C22.0', 'label': '', 'system': ''}}
    """
    target = as_target(target)
    attrs = {n: {"type": "code", "notation": "", "label": "", "system": ""} for n in nodes}
    store = getattr(target, "store", None)
    if isinstance(store, ox.Store):
        _node_info_local(store, attrs)
    else:
        _node_info_sparql(target, attrs)
    for n, a in attrs.items():
        if not a["notation"]:
            a["notation"] = a["label"] or n.rstrip("/#").rsplit("/", 1)[-1]
    return attrs


_P = {name: ox.NamedNode(iri) for name, iri in (("type", RDF_TYPE), ("notation", _NOTATION), ("scheme", _SCHEME),
                                                 ("pref", _PREF), ("label", RDFS_LABEL))}


_TYPE_NODES = [(ox.NamedNode(iri), name) for iri, name in _TYPES.items()]


def _node_info_local(store: ox.Store, attrs: dict[str, dict[str, str]]) -> None:
    # only the code-set graphs that hold any preferred label: an NCCI or MPFS release has none, and each graph
    # asked costs every node a lookup
    codesets = [g for g in (ox.NamedNode(g) for g in current_graphs(store).values())
                if next(store.quads_for_pattern(None, _P["pref"], None, g), None) is not None]
    types = classes = official = None
    if len(attrs) > _WHOLE and next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None:
        # most of the store's codes (and no triple outside the named graphs, which the scans read): two whole
        # scans tell each code a briefing row names its classes and the code sets that label it
        classes, official = defaultdict(set), defaultdict(set)
        for n, t in rows(store, "row-node-types", {"type": list(_TYPES)}):
            classes[n.value].add(t.value)
        for n, g in rows(store, "row-node-official", {"g": [g.value for g in codesets]}) if codesets else ():
            official[n.value].add(g.value)
    for n, a in attrs.items():
        node = ox.NamedNode(n)
        if classes is not None and (n in classes or n in official):  # a code a briefing row names: known above
            types = [(cls, name) for cls, name in _TYPE_NODES if cls.value in classes[n]]
            graphs = [g for g in codesets if g.value in official[n]]
        else:
            types, graphs = _TYPE_NODES, codesets
        for cls, name in types:
            if types is not _TYPE_NODES or next(store.quads_for_pattern(node, _P["type"], cls, None), None) is not None:
                a["type"] = name
                break
        for key, prop in (("notation", "notation"), ("system", "scheme")):
            q = next(store.quads_for_pattern(node, _P[prop], None, None), None)
            if q is not None:
                a[key] = q.object.value if key == "notation" else q.object.value.rsplit("#", 1)[-1]
        official_q = next((q for g in graphs for q in store.quads_for_pattern(node, _P["pref"], None, g)), None)
        q = official_q or next(store.quads_for_pattern(node, _P["label"], None, None), None) or next(
            (q for q in store.quads_for_pattern(node, _P["pref"], None, None) if q.graph_name.value.startswith(BRIEFING)),
            None)  # a briefing gives a code its description as skos:prefLabel only (kg.to_rdf)
        if q is not None:
            a["label"] = q.object.value


def _node_info_sparql(target: QueryTarget, attrs: dict[str, dict[str, str]]) -> None:
    official: dict[str, str] = {}
    for chunk in _chunks(attrs):
        for n, p, o, is_official in rows(target, "node-info", {"n": chunk}):
            a, p = attrs[n.value], p.value
            if p == RDF_TYPE and o.value in _TYPES and a["type"] == "code":
                a["type"] = node_type_of(o.value)
            elif p == _NOTATION and not a["notation"]:
                a["notation"] = o.value
            elif p == _SCHEME and not a["system"]:
                a["system"] = o.value.rsplit("#", 1)[-1]
            elif p in (_PREF, RDFS_LABEL) and is_official.value == "true":
                official.setdefault(n.value, o.value)
            elif p in (_PREF, RDFS_LABEL) and not a["label"]:  # a briefing's description, or a payer's name
                a["label"] = o.value
    for n, label in official.items():
        attrs[n]["label"] = label
