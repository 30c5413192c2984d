"""Check that the whole-store projection is the same graph as a reference: same nodes, edges and attributes.

    python bench/projection_check.py --store DIR [--reference old.pickle] [--save new.pickle] [--layers L ...]

Without ``--reference`` the reference is the projection keyed by graph (:func:`kg.network.projection
._briefing_by_graph`, the path before the rows were keyed by file). Prints the times of both and exits non-zero
on the first difference.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import sys
import time


def differences(G, H) -> list[str]:
    """What differs between graphs ``G`` and ``H`` (nodes with data, keyed edges with data, graph data)."""
    out = []
    if dict(G.nodes(data=True)) != dict(H.nodes(data=True)):
        a, b = dict(G.nodes(data=True)), dict(H.nodes(data=True))
        out += [f"node {n}: {a.get(n)} != {b.get(n)}" for n in sorted(set(a) | set(b)) if a.get(n) != b.get(n)][:10]
    a = {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}
    b = {(u, v, k): d for u, v, k, d in H.edges(keys=True, data=True)}
    if a != b:
        out += [f"edge {e}: {a.get(e)} != {b.get(e)}" for e in sorted(set(a) | set(b)) if a.get(e) != b.get(e)][:10]
    if G.graph != H.graph:
        out.append(f"graph data {G.graph} != {H.graph}")
    return out


def main() -> None:
    import networkx as nx

    import kg.network.projection as projection
    from kg.store import open_store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--reference", help="A pickled projection made by the old code (default: project by graph now).")
    ap.add_argument("--save", help="Pickle the new projection here.")
    ap.add_argument("--layers", nargs="*", default=None)
    args = ap.parse_args()
    store = open_store(args.store, read_only=True)
    t, c = time.perf_counter(), time.process_time()
    G = projection.project(store, layers=args.layers)
    print(f"new projection: {time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s CPU, "
          f"{G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    if args.save:
        with open(args.save, "wb") as fh:
            pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
    if args.reference:
        with open(args.reference, "rb") as fh:
            H = pickle.load(fh)
        H.graph.pop("cached", None)
    else:
        fast = projection._briefing_local
        projection._briefing_local = projection._briefing_by_graph
        try:
            t, c = time.perf_counter(), time.process_time()
            H = projection.project(store, layers=args.layers)
            print(f"by graph:       {time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s CPU")
        finally:
            projection._briefing_local = fast
    diff = differences(G, H)
    same = not diff and nx.utils.graphs_equal(G, H)
    print("identical" if same else "DIFFERENT:\n  " + "\n  ".join(diff or ["graphs_equal says no"]))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
