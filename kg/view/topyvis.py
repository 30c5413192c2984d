"""A :class:`kg.view.View` as a :class:`pyvis.network.Network`: for users who customise a view with pyvis.

:func:`to_pyvis` rebuilds what the page draws from the view's data: the same
node ids, labels, tooltips, positions, colours and shapes (attribute nodes
hidden until shown, as on the page), the same edges and the same
vis-network options (:func:`kg.view.page.vis_options`: physics, groups,
interaction). pyvis's own writer fetches vis-network from a CDN, which is
why kg's page writer (:meth:`kg.view.View.save`) stays the default.

Examples
--------
>>> import networkx as nx
>>> from kg.view import view_graph
>>> G = nx.MultiDiGraph()
>>> G.add_node("a", notation="77013", type="procedure"); G.add_node("m", notation="26", type="modifier")
>>> _ = G.add_edge("a", "m", key="hasModifier")
>>> net = to_pyvis(view_graph(G, title="t"))
>>> [(n["label"], n["hidden"]) for n in net.nodes], net.options["physics"]["enabled"]
([('77013', False), ('26', True)], True)
"""

from __future__ import annotations

import copy

__all__ = ["to_pyvis"]


def to_pyvis(view):
    """The :class:`pyvis.network.Network` of ``view`` (a :class:`kg.view.View`).

    Examples
    --------
    >>> import networkx as nx
    >>> from kg.view import view_graph
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="monitors")
    'monitors'
    >>> net = to_pyvis(view_graph(G, title="t", physics=False))
    >>> net.edges[0]["color"]["color"], net.options["physics"], net.directed
    ('#2563eb', {'enabled': False}, True)
    """
    from pyvis.network import Network

    data = view.data
    styles = {t["type"]: t for t in data["nodeTypes"]}
    net = Network(height="640px", width="100%", directed=True, heading=view.title, cdn_resources="remote")
    for n in data["nodes"]:
        style = styles[n["type"]]
        options = {"group": n["type"], "title": _node_title(n), "hidden": not style["shown"]}
        if "x" in n:
            options["x"], options["y"] = n["x"], n["y"]
        if n.get("findings"):
            options["borderWidth"] = 4
            options["color"] = {"background": style["color"], "border": data["findingColor"],
                                "highlight": {"background": style["color"], "border": data["findingColor"]}}
        if n.get("focus"):
            options["size"] = 18
            options["font"] = {"size": 16, "bold": True}
        label = ("\u26a0 " if n.get("findings") else "") + n["notation"]
        net.add_node(n["id"], label=label, shape=style["shape"], **{"color": style["color"], **options})
    nodes = data["nodes"]
    for e in data["edges"]:
        r = data["relations"][e["rel"]]
        options = {"relation": r["relation"], "color": {"color": r["color"], "highlight": r["color"],
                                                        "hover": r["color"], "opacity": 0.9},
                   "width": r["width"], "dashes": r["dashes"], "hidden": not (styles[nodes[e["from"]]["type"]]["shown"]
                                                                            and styles[nodes[e["to"]]["type"]]["shown"]),
                   "title": f"{nodes[e['from']]['notation']} \u2014{r['label']}\u2192 {nodes[e['to']]['notation']}"
                   + (f"\n{e['text']}" if e.get("text") else "")}
        if data["edgeLabels"]:
            options["label"] = r["label"]
        if e.get("curve"):
            options["smooth"] = {"enabled": True, **e["curve"]}
        net.add_edge(e["from"], e["to"], **options)
    # pyvis's set_options() strips every space from the JSON (font names too); a dict is written as it is
    net.options = copy.deepcopy(data["options"])
    return net


def _node_title(n: dict) -> str:
    lines = [n["notation"] + (f" \u2014 {n['label']}" if n["label"] else ""),
             n["type"] + (f" \u00b7 {n['system']}" if n["system"] else "")]
    if n.get("findings"):
        count = len(n["findings"])
        lines.append(f"\u26a0 {count} audit finding{'s' if count != 1 else ''}")
    return "\n".join(lines)
