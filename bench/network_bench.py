"""Benchmark the networkx projection against a naive rdflib -> networkx conversion.

kg's :func:`kg.network.project` reads the store with a few SPARQL queries inside pyoxigraph. The
naive baseline, what one writes without kg: dump the same store as N-Quads, parse it into an
``rdflib.Dataset`` in memory, then walk the kg relation triples and the qualified edges with
rdflib's Python API to build the same MultiDiGraph. Both run in their own process, so peak RSS
is each one's own. Prints a table; the node and edge counts must agree.

    python bench/network_bench.py --store DIR
    python bench/network_bench.py --store DIR --around 77013 [--explain 77013 77012]

With ``--around CODE``, it times instead, in one run on the same store, the neighbourhood of CODE
read straight from the store (:func:`kg.network.local.around`, what ``kg view CODE`` and
``kg neighbours CODE`` read) against the whole-store projection and :func:`kg.network.neighbours`
on it (what they did before), at depth 1 and 2, and the same for ``explain A B``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_kg(store_dir: str, ncci: bool) -> dict:
    from kg.network import project
    from kg.store import open_store

    t = time.perf_counter()
    G = project(open_store(store_dir, read_only=True), ncci=ncci)
    return {"seconds": time.perf_counter() - t, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "rss_mb": _rss_mb()}


def child_rdflib(nquads: str) -> dict:
    import networkx as nx
    from rdflib import RDF, Dataset, URIRef

    from kg.network import CODE_RELATIONS, FACT_RELATIONS
    from kg.vocab import KG

    t = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(nquads, format="nquads")
    G = nx.MultiDiGraph()
    wanted = {URIRef(str(KG[r])) for r in CODE_RELATIONS + FACT_RELATIONS}
    for edge in ds.subjects(RDF.type, URIRef(str(KG.AssertedRelation))):
        s = ds.value(edge, URIRef(str(KG.subjectCode)))
        p = ds.value(edge, URIRef(str(KG.relation)))
        o = ds.value(edge, URIRef(str(KG.objectCode)))
        if ds.value(edge, URIRef(str(KG.negated))) is not None:
            continue  # a statement the briefing denies is no edge
        if p in wanted:
            G.add_edge(str(s), str(o), key=str(p).rsplit("#", 1)[1])
    for p in (URIRef(str(KG.coveredByPayer)), URIRef(str(KG.siteOfService))):
        for s, o in ds.subject_objects(p):
            G.add_edge(str(s), str(o), key=str(p).rsplit("#", 1)[1])
    for n in list(G.nodes):
        G.nodes[n]["notation"] = str(ds.value(URIRef(n), URIRef("http://www.w3.org/2004/02/skos/core#notation")) or "")
    return {"seconds": time.perf_counter() - t, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "rss_mb": _rss_mb()}


def around_table(store_dir: str, code: str, explain_pair: list[str] | None) -> None:
    """Print the store-neighbourhood against the whole-store projection, timed in this one run."""
    from kg.network import explain, neighbours, project
    from kg.network.local import around
    from kg.store import open_store
    from kg.view import ego_view

    store = open_store(store_dir, read_only=True)
    rows = []
    for depth in (1, 2):
        t = time.perf_counter()
        H = around(store, code, depth, official_depth=1)
        rows.append((f"around {code} --depth {depth} (store walk, all layers)", time.perf_counter() - t, H))
        t = time.perf_counter()
        H = around(store, code, depth, layers=["briefing"])
        rows.append((f"around {code} --depth {depth} (store walk, briefing layer)", time.perf_counter() - t, H))
        t = time.perf_counter()
        v = ego_view(store, code, depth)
        rows.append((f"ego_view {code} --depth {depth} (store walk + page)", time.perf_counter() - t, v))
    if explain_pair:
        a, b = explain_pair
        t = time.perf_counter()
        paths = explain(store, a, b)
        rows.append((f"explain {a} {b} (store walk, all layers)", time.perf_counter() - t, paths))
    t = time.perf_counter()
    G = project(store, ncci=True)
    t_project = time.perf_counter() - t
    rows.append(("project (whole store, with NCCI)", t_project, G))
    for depth in (1, 2):
        t = time.perf_counter()
        H = neighbours(G, code, depth=depth)
        rows.append((f"project + neighbours {code} --depth {depth}", t_project + time.perf_counter() - t, H))
    if explain_pair:
        from kg.errors import KGError

        t = time.perf_counter()
        try:
            paths = explain(G, a, b)
        except KGError:  # a code only a code set holds is no node of the projection
            paths = []
        rows.append((f"project + explain {a} {b}", t_project + time.perf_counter() - t, paths))
    print(f"## neighbourhood of {code}: read from the store vs the whole-store projection (one run)")
    print("")
    print("| method | time | nodes | edges / paths |")
    print("|---|---|---|---|")
    for name, secs, out in rows:
        if isinstance(out, list):
            size = ("", f"{len(out)} paths")
        else:
            n = out.node_count if hasattr(out, "node_count") else out.number_of_nodes()
            m = out.edge_count if hasattr(out, "edge_count") else out.number_of_edges()
            size = (f"{n:,}", f"{m:,}")
        print(f"| {name} | {secs:.2f} s | {size[0]} | {size[1]} |")
    print(f"\npeak RSS {_rss_mb():.0f} MB")


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, rest = sys.argv[2], sys.argv[3:]
        print(json.dumps(child_kg(rest[0], rest[1] == "1") if kind == "kg" else child_rdflib(rest[0])))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--around", metavar="CODE", help="Time the store neighbourhood of CODE against the projection.")
    ap.add_argument("--explain", nargs=2, metavar=("A", "B"), help="With --around: also explain A B both ways.")
    args = ap.parse_args()
    if args.around:
        around_table(args.store, args.around, args.explain)
        return

    import pyoxigraph as ox

    from kg.store import open_store

    nq = Path(tempfile.mkdtemp()) / "briefings.nq"
    store = open_store(args.store, read_only=True)
    # the baseline gets only the briefing graphs: what the projection reads without NCCI or hierarchies
    with open(nq, "wb") as fh:
        for g in store.named_graphs():
            if "/codeset/" not in g.value and not g.value.endswith("/audit"):
                ox.serialize(store.quads_for_pattern(None, None, None, g), fh, ox.RdfFormat.N_QUADS)
    del store
    kg = _child(["--child", "kg", args.store, "0"])
    naive = _child(["--child", "rdflib", str(nq)])
    print("## networkx projection (briefing relations)")
    print("")
    print("| method | time | peak RSS | nodes | edges |")
    print("|---|---|---|---|---|")
    print(f"| kg.network.project (pyoxigraph SPARQL) | {kg['seconds']:.2f} s | {kg['rss_mb']:.0f} MB "
          f"| {kg['nodes']:,} | {kg['edges']:,} |")
    print(f"| naive: rdflib Dataset in memory -> networkx | {naive['seconds']:.2f} s | {naive['rss_mb']:.0f} MB "
          f"| {naive['nodes']:,} | {naive['edges']:,} |")
    print(f"\nkg is {naive['seconds'] / kg['seconds']:.1f}x faster")
    if (kg["nodes"], kg["edges"]) != (naive["nodes"], naive["edges"]):
        raise SystemExit("the two projections disagree")


if __name__ == "__main__":
    main()
