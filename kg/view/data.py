"""The data a view page draws: nodes, edges, styles, layers and the details of each code, as JSON-ready dicts.

:func:`page_data` turns a networkx graph and its positions into what
``templates/view.js`` reads. It is generic: it draws whatever relations and
layers the graph's edges carry (an edge's ``layer`` attribute, else the
layer of its relation, :func:`layer_of`) and whatever details its nodes
carry (``attributes``: extra lines for the details panel).

Attribute nodes (modifiers, specialties, payers and sites of service, the
ranges of :data:`kg.model.ATTRIBUTE_RELATIONS`) are listed in the details
panel of the codes they belong to; the page draws them as nodes only when
the legend's switch is on (:data:`ATTRIBUTE_TYPES`).

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("p", notation="77013", type="procedure"); G.add_node("m", notation="26", label="Professional", type="modifier")
>>> G.add_edge("p", "m", key="hasModifier")
'hasModifier'
>>> d = page_data(G, {}, title="t")
>>> d["nodes"][0]["attributes"]
[['Modifiers', ['26 \u2014 Professional']]]
>>> [(t["type"], t["shown"]) for t in d["nodeTypes"]]
[('procedure', True), ('modifier', False)]
>>> [(layer["layer"], layer["relations"]) for layer in d["layers"]]
[('briefing', [0])]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import networkx as nx

from kg.model import ATTRIBUTE_RELATIONS, EDGE_KINDS, NODE_TYPES, RELATIONS

__all__ = [
    "ATTRIBUTE_TYPES",
    "EDGE_LABEL_LIMIT",
    "LAYER_LABELS",
    "NODE_STYLES",
    "RELATION_STYLES",
    "SOURCES_PER_NODE",
    "layer_of",
    "page_data",
]

EDGE_LABEL_LIMIT = 24
"""Edges carry a visible relation label up to this many edges (always a hover text); more would cover the nodes' labels."""

SOURCES_PER_NODE = 200
"""At most this many (document, line) pairs per node go into the page."""

NODE_STYLES: dict[str, dict[str, str]] = {
    **{t.name: {"color": t.color, "shape": t.shape} for t in NODE_TYPES.values()},
    "code": {"color": "#eab308", "shape": "hexagon"},
    "more": {"color": "#cbd5e1", "shape": "box"},
}
"""Node type -> vis-network colour and shape (from :data:`kg.model.NODE_TYPES`); ``code`` is any other node,
``more`` a "+N more" node standing for the codes a capped view leaves out."""

ATTRIBUTE_TYPES: tuple[str, ...] = tuple(dict.fromkeys(RELATIONS[r].range for r in ATTRIBUTE_RELATIONS))
"""The node types of the attribute relations' ranges: listed in their code's details panel, drawn on demand."""

RELATION_STYLES: dict[str, dict[str, object]] = {
    **{name: r.style for name, r in RELATIONS.items()},
    **{name: e.style for name, e in EDGE_KINDS.items()},
}
"""Relation or official edge kind -> vis-network edge colour, width and dash pattern (from
:data:`kg.model.RELATIONS` and :data:`kg.model.EDGE_KINDS`)."""

LAYER_LABELS = {
    "briefing": "Briefings", "ncci": "NCCI edits", "addon": "Add-on codes", "mue": "MUE limits",
    "excludes": "ICD-10-CM notes", "hierarchy": "Code-set hierarchies", "ccsr": "CCSR categories",
    "hcc": "HCC categories",
}
"""Layer -> its heading in the legend (a layer not named here shows its own name)."""

_RELATION_LAYERS = {"ncciEdit": "ncci", "addOnTo": "addon", "broader": "hierarchy"}
_RELATION_LABELS = {"ncciEdit": "NCCI edit", "broader": "broader (parent)"}
_OTHER_RELATION = {"color": "#94a3b8", "width": 1, "dashes": [3, 3]}
_FINDING_COLOR = "#dc2626"


def layer_of(relation: str) -> str:
    """The layer a relation's edges belong to when the edge does not say (``briefing`` for briefing relations).

    Examples
    --------
    >>> layer_of("monitors"), layer_of("ncciEdit"), layer_of("excludes1"), layer_of("broader")
    ('briefing', 'ncci', 'excludes', 'hierarchy')
    """
    if relation in _RELATION_LAYERS:
        return _RELATION_LAYERS[relation]
    r = RELATIONS.get(relation)
    if r is not None and r.family == "official":
        return "excludes"
    return "briefing" if r is not None else "other"


def _plural(label: str) -> str:
    return label[:1].upper() + label[1:] + ("" if label.endswith("s") else "s")


_HEADINGS = {"modifier": "Modifiers", "specialty": "Specialties", "payer": "Payers", "site": "Sites of service"}
_ATTRIBUTE_HEADINGS = {t: _HEADINGS.get(t) or _plural(NODE_TYPES[t].label) for t in ATTRIBUTE_TYPES}


def page_data(
    G: nx.MultiDiGraph,
    positions: Mapping,
    findings: Mapping[str, list[dict]] | None = None,
    focus: Iterable[str] = (),
    *,
    physics: bool = True,
    title: str,
    large: bool = False,
    attribute_nodes: bool = False,
) -> dict:
    """The page's data for ``G``. Sources are flat ``[file index, line, ...]`` lists into ``files``, relations
    indices into ``relations``, which keeps a 10,000-node page small and quick to parse. A node without
    its own ``sources`` shows those of its edges (the page gathers them when it is clicked).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="ncciEdit", layer="ncci", label="NCCI: mutually exclusive")
    'ncciEdit'
    >>> d = page_data(G, {"a": (0, 0), "b": (100, 0)}, title="t")
    >>> d["edges"][0]["text"], d["relations"][0]["layer"], d["nodes"][1]["x"]
    ('NCCI: mutually exclusive', 'ncci', 100)
    """
    findings = findings or {}
    focus = set(focus)
    nodes_list = list(G.nodes)
    index = {node: i for i, node in enumerate(nodes_list)}
    files: dict[str, int] = {}

    def flat(sources) -> list[int]:
        out: list[int] = []
        for f, line in sources:
            f = str(f)
            i = files.get(f)
            if i is None:
                i = files[f] = len(files)
            out.append(i)
            out.append(int(line))
        return out

    types = {}
    for node, kind in G.nodes(data="type"):
        types[node] = kind if kind in NODE_STYLES else "code"
    attributes: dict = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    layers_of: dict[str, str] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        k = str(k)
        counts[k] += 1
        if k not in layers_of:
            layers_of[k] = str(d.get("layer") or layer_of(k))
        if types[v] in ATTRIBUTE_TYPES and types[u] not in ATTRIBUTE_TYPES:
            attributes[u][_ATTRIBUTE_HEADINGS[types[v]]].append(_name(G.nodes[v], v))

    present_types: dict[str, int] = defaultdict(int)
    nodes = []
    for node, d in G.nodes(data=True):
        kind = types[node]
        present_types[kind] += 1
        item = {
            "id": index[node],
            "notation": str(d.get("notation") or _tail(node)),
            "label": str(d.get("label") or ""),
            "type": kind,
            "system": str(d.get("system") or ""),
            "iri": str(node),
        }
        srcs = d.get("sources")  # without its own, the page shows the sources of the node's edges
        if srcs is not None:
            srcs = list(srcs)
            item["sources"] = flat(srcs[:SOURCES_PER_NODE])
            if len(srcs) > SOURCES_PER_NODE:
                item["moreSources"] = len(srcs) - SOURCES_PER_NODE
        if d.get("properties"):
            item["properties"] = [[str(p), str(v)] for p, v in d["properties"]]
        extra = _details(d.get("attributes"))
        if node in attributes or extra:
            item["attributes"] = [[h, sorted(names)] for h, names in attributes.get(node, {}).items()] + extra
        if d.get("more"):
            item["more"] = int(d["more"])
        if node in findings:
            item["findings"] = [
                {"kind": str(f.get("kind", "")), "severity": str(f.get("severity", "")), "message": str(f.get("message", ""))}
                for f in findings[node]
            ]
        if node in focus:
            item["focus"] = True
        if node in positions:
            item["x"], item["y"] = positions[node]
        nodes.append(item)
    relations = _relation_order(counts)
    rel_index = {r: i for i, r in enumerate(relations)}
    edges = []
    for i, (u, v, k, d) in enumerate(G.edges(keys=True, data=True)):
        edge = {"id": i, "from": index[u], "to": index[v], "rel": rel_index[str(k)]}
        srcs = d.get("sources")
        if srcs:
            edge["sources"] = flat(list(srcs)[:SOURCES_PER_NODE])
        if d.get("label"):  # an official edge's words (NCCI rule, context and release)
            edge["text"] = str(d["label"])
        edges.append(edge)
    _curve_parallel(edges)
    layer_names = list(dict.fromkeys(layers_of[r] for r in relations))
    # attribute nodes wait for the legend's switch, unless the view holds nothing else
    attribute_nodes = attribute_nodes or all(t in ATTRIBUTE_TYPES for t in present_types)
    return {
        "title": title,
        "physics": physics,
        "positioned": bool(positions),
        "edgeLabels": len(edges) <= EDGE_LABEL_LIMIT and len(relations) > 1,  # one relation: the legend says it
        "large": large,
        "nodeTypes": [{"type": t, "count": present_types[t], "attribute": t in ATTRIBUTE_TYPES,
                       "shown": attribute_nodes or t not in ATTRIBUTE_TYPES, **NODE_STYLES[t]}
                      for t in NODE_STYLES if t in present_types],
        "relations": [{"relation": r, "label": _relation_label(r), "layer": layers_of[r], "count": counts[r],
                       **RELATION_STYLES.get(r, _OTHER_RELATION)} for r in relations],
        "layers": [{"layer": name, "label": LAYER_LABELS.get(name, name),
                    "relations": [i for i, r in enumerate(relations) if layers_of[r] == name]} for name in layer_names],
        "findingColor": _FINDING_COLOR,
        "files": list(files),
        "nodes": nodes,
        "edges": edges,
    }


def _details(value) -> list[list]:
    """A node's ``attributes`` (a mapping heading -> values, or (heading, value) pairs) as ``[heading, [values]]``."""
    if not value:
        return []
    grouped: dict[str, list[str]] = defaultdict(list)
    pairs = value.items() if isinstance(value, Mapping) else value
    for heading, values in pairs:
        if isinstance(values, (list, tuple, set, frozenset)):
            grouped[str(heading)] += [str(x) for x in values]
        else:
            grouped[str(heading)].append(str(values))
    return [[h, vs] for h, vs in grouped.items()]


def _name(d: Mapping, node) -> str:
    notation = str(d.get("notation") or _tail(node))
    label = d.get("label")
    return f"{notation} \u2014 {label}" if label and label != notation else notation


def _relation_label(relation: str) -> str:
    r = RELATIONS.get(relation)
    return r.label if r is not None else _RELATION_LABELS.get(relation, relation)


def _relation_order(relations: Mapping[str, int]) -> list[str]:
    known = [r for r in RELATION_STYLES if r in relations]
    return known + sorted(r for r in relations if r not in RELATION_STYLES)


def _curve_parallel(edges: list[dict]) -> None:
    """Bend the second and later edges between the same two nodes (either direction) apart."""
    groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for e in edges:
        groups[(min(e["from"], e["to"]), max(e["from"], e["to"]))].append(e)
    for (a, _), group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (e["from"] != a, e["rel"]))
        for i, e in enumerate(group[1:], 1):
            clockwise = (i % 2 == 1) == (e["from"] == a)  # the same side whatever the edge's direction
            e["curve"] = {"type": "curvedCW" if clockwise else "curvedCCW", "roundness": round(0.2 * ((i + 1) // 2), 2)}


def _tail(iri: str) -> str:
    return str(iri).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
