"""The hierarchy view of a subtree: a code's ancestors up to its code set's root, and its descendants, capped.

``kg view C22 --hierarchy`` (and ``kg view --hierarchy 2085R0202X``) draw the
``broader`` chain above the code and the codes below it, level by level, in
a layered layout. A view never refuses for size: a parent shows at most
``per_parent`` children and the view at most ``max_nodes`` codes; each
parent whose children are not all drawn gets one "+N more" node (node type
``more``) saying how many are left out, so ICD-10-CM's chapters draw as
readily as one category.

Reads the store through :func:`kg.network.local.ancestors` and the internal
queries ``kg/queries/internal/view/hierarchy-*.rq``; hands the graph to
:func:`kg.view.page.view_graph`.

Examples
--------
>>> import pyoxigraph as ox
>>> from kg.vocab import RDF_TYPE, RDFS_LABEL, code_iri
>>> store = ox.Store()
>>> g = ox.NamedNode("https://w3id.org/codekg/codeset/icd10cm")
>>> kg, skos = "https://w3id.org/codekg/ontology#", "http://www.w3.org/2004/02/skos/core#"
>>> def add(s, p, o): store.add(ox.Quad(s, ox.NamedNode(p), o, g))
>>> add(g, RDF_TYPE, ox.NamedNode(kg + "CodeSetRelease")); add(g, RDFS_LABEL, ox.Literal("ICD-10-CM 2025"))
>>> add(g, kg + "sourceFile", ox.Literal("icd10cm"))
>>> for child, parent in [("C22", "C15-C26"), *((f"C22.{i}", "C22") for i in range(9))]:
...     c = ox.NamedNode(code_iri("ICD10CM", child))
...     add(c, skos + "broader", ox.NamedNode(code_iri("ICD10CM", parent)))
...     add(c, skos + "notation", ox.Literal(child)); add(c, RDF_TYPE, ox.NamedNode(kg + "DiagnosisCode"))
>>> v = hierarchy_view(store, "C22", per_parent=5)
>>> v.title, v.node_count, v.layout
('C22: hierarchy in ICD-10-CM 2025', 8, 'layered')
>>> sorted(n["notation"] for n in v.data["nodes"])[-2:]
['C22.3', 'C22.4']
>>> [(n["notation"], n["more"]) for n in v.data["nodes"] if n["type"] == "more"]
[('+4 more', 4)]
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pyoxigraph as ox

from kg.audit import read_findings
from kg.network.local import ancestors, resolve
from kg.query import internal_query, run_sparql, with_values
from kg.view.page import View, view_graph

__all__ = ["MAX_HIERARCHY_NODES", "PER_PARENT", "hierarchy_view"]

PER_PARENT = 25
"""At most this many children of one parent are drawn; the rest are one "+N more" node."""

MAX_HIERARCHY_NODES = 400
"""At most this many codes in a hierarchy view; the parents left unexpanded get "+N more" nodes."""

_CHUNK = 200


def hierarchy_view(store, code: str, *, depth: int | None = None, per_parent: int = PER_PARENT,
                   max_nodes: int = MAX_HIERARCHY_NODES, physics: bool | None = None) -> View:
    """The code-set hierarchy around ``code``: every ancestor, and descendants down ``depth`` levels (all by default).

    Raises
    ------
    KGError
        If the store says nothing of ``code``.

    Examples
    --------
    >>> import tempfile
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> from kg.examples import examples_dir
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> v = hierarchy_view(store, "77013")  # no code set loaded: the code alone
    >>> v.title, v.node_count
    ('77013: hierarchy', 1)
    """
    centre = resolve(store, code)
    H = ancestors(store, [centre])
    if centre not in H:
        H.add_node(centre)
        H = _annotated(store, H, centre)
    sets = {label for *_, lab in H.edges(data="label") if lab for label in [lab.removeprefix("broader in ")]}
    base = dict(H.nodes[centre])
    drawn = H.number_of_nodes()
    frontier, level = [centre], 0
    while frontier and (depth is None or level < depth) and drawn < max_nodes:
        children = _children(store, frontier)
        nxt = []
        for parent in frontier:
            kids = sorted(children.get(parent, ()), key=lambda k: k[1])
            room = max(0, min(per_parent, max_nodes - drawn))
            for child, notation, label, set_label, file in kids[:room]:
                if child in H:
                    continue
                H.add_node(child, **{**base, "notation": notation, "label": label, "sources": [(file, 0)]})
                H.add_edge(child, parent, key="broader", relation="broader", layer="hierarchy",
                           label=f"broader in {set_label}", sources=[(file, 0)])
                sets.add(set_label)
                nxt.append(child)
                drawn += 1
            if len(kids) > room:
                _more(H, parent, len(kids) - room)
        frontier, level = nxt, level + 1
    if frontier:  # the last level drawn: its children are left out
        for parent, count in _counts(store, frontier).items():
            _more(H, parent, count)
    name = H.nodes[centre].get("notation") or code
    title = f"{name}: hierarchy" + (f" in {', '.join(sorted(sets))}" if sets else "")
    return view_graph(H, title=title, findings=read_findings(store, H.nodes), physics=physics, layout="layered",
                      focus=[centre])


def _more(H: nx.MultiDiGraph, parent: str, count: int) -> None:
    node = f"{parent}#more"
    name = H.nodes[parent].get("notation") or parent
    H.add_node(node, notation=f"+{count} more", label=f"{count} more narrower code{'s' if count != 1 else ''} of {name}",
               type="more", system=H.nodes[parent].get("system", ""), more=count, sources=[])
    H.add_edge(node, parent, key="broader", relation="broader", layer="hierarchy", sources=[])


def _rows(store, name: str, codes: list[str]):
    text = with_values(internal_query(f"view/{name}"), {ox.Variable("o"): [ox.NamedNode(c) for c in codes]})
    return run_sparql(store, text, source=f"kg/queries/internal/view/{name}.rq").rows


def _children(store, parents: list[str]) -> dict[str, list[tuple]]:
    out: dict[str, dict[str, tuple]] = defaultdict(dict)
    for i in range(0, len(parents), _CHUNK):
        for o, s, notation, label, set_label, file in _rows(store, "hierarchy-children", parents[i:i + _CHUNK]):
            tail = s.value.rstrip("/#").rsplit("/", 1)[-1]
            out[o.value].setdefault(s.value, (s.value, notation.value if notation else tail,
                                              label.value if label else "", set_label.value, file.value))
    return {p: list(kids.values()) for p, kids in out.items()}


def _counts(store, parents: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(parents), _CHUNK):
        for o, n in _rows(store, "hierarchy-counts", parents[i:i + _CHUNK]):
            out[o.value] = int(n.value)
    return out


def _annotated(store, H: nx.MultiDiGraph, centre: str) -> nx.MultiDiGraph:
    """``H`` with the centre's notation, label, type and system, for a code no hierarchy holds above it."""
    from kg.network.local import around

    A = around(store, centre, 1, layers=("hierarchy",), attributes=False)
    H.nodes[centre].update({k: v for k, v in A.nodes[centre].items() if k in ("notation", "label", "type", "system")})
    return H
