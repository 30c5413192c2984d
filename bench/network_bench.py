"""Benchmark the networkx projection against a naive rdflib -> networkx conversion.

kg's :func:`kg.network.project` reads the store with a few SPARQL queries inside pyoxigraph. The
naive baseline, what one writes without kg: dump the same store as N-Quads, parse it into an
``rdflib.Dataset`` in memory, then walk the kg relation triples and the qualified edges with
rdflib's Python API to build the same MultiDiGraph. Both run in their own process, so peak RSS
is each one's own. Prints a table; the node and edge counts must agree.

    python bench/network_bench.py --store DIR
    python bench/network_bench.py --store DIR --around 77013 [--explain 77013 77012]

With ``--targets``, it reports every target of the views-and-analytics issue in one run: each command
through the CLI end to end (wall and CPU seconds; CLI start-up measured alone too), the same call
in-process, and the old path as the baseline: the whole-store projection by SPARQL (what every one of
these commands did before) plus the call on it.

    python bench/network_bench.py --store DIR --targets [--code 77013] [--explain 77013 77012] [--no-baseline]
        [--chromium /usr/bin/chromium]     # and the 10,000-node views in Chromium, in the same run

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


class _SparqlOnly:
    """The store as a target without a local store: the projection takes its SPARQL path (the old one)."""

    def __init__(self, store):
        self._store = store

    def query(self, sparql):
        from kg.target import PREFIXES

        return self._store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)


def _cli(args: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of ``kg ARGS`` in a child process."""
    import os

    kg = str(Path(sys.executable).with_name("kg"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    pid = subprocess.Popen([kg, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(pid.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"kg {' '.join(args)} failed: {pid.stderr.read().decode()[-2000:]}")
    del before
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def targets_table(store_dir: str, code: str, pairs: list[list[str]], *, baseline: bool = True,
                  chromium: str | None = None) -> None:
    """Every target of the issue, CLI end to end and in-process, with the whole-store projection as baseline
    (unless not ``baseline``), and with ``chromium`` the large-view figures of bench/view_bench.py too."""
    import os

    from kg.network import cached_project, explain, hubs, neighbours, project, similar
    from kg.network.ranking import cached_hubs
    from kg.store import open_store
    from kg.view import ego_view

    work = Path(tempfile.mkdtemp(prefix="network-bench-"))
    env = {**os.environ, "KG_CACHE_DIR": str(work / "cli-cache")}
    s = ["--store", store_dir]
    cli = [("kg --help (start-up)", None, ["--help"]),
           ("kg hubs (first: degrees in the engine + answer cache)", 8, ["hubs", *s]),
           ("kg hubs (cached answer)", 1, ["hubs", *s]),
           ("kg hubs --type diagnosis (first)", 8, ["hubs", "--type", "diagnosis", *s]),
           ("kg hubs --type site (first: fewer than --top, every node read)", 8, ["hubs", "--type", "site", *s]),
           ("kg hubs --measure pagerank (first: projection + cache)", None, ["hubs", "--measure", "pagerank", *s]),
           ("kg hubs --measure pagerank (cached answer)", 1, ["hubs", "--measure", "pagerank", *s]),
           (f"kg view {code} --depth 1", 1.5, ["view", code, "--depth", "1", "-o", str(work / "v1.html"), *s]),
           (f"kg view {code} --depth 2", 3, ["view", code, "--depth", "2", "-o", str(work / "v2.html"), *s]),
           *[(f"kg explain {' '.join(p)}", 2, ["explain", *p, *s]) for p in pairs],
           (f"kg neighbours {code}", 1, ["neighbours", code, *s]),
           (f"kg similar {code}", 3, ["similar", code, *s]),
           ("kg view --all (capped, cached projection)", None, ["view", "--all", "-o", str(work / "all.html"), *s])]
    measured = {}
    for name, target, args in cli:
        measured[name] = (target, *_cli(args, env))
        print(f"  {name}: {measured[name][1]:.2f} s wall, {measured[name][2]:.2f} s CPU, {measured[name][3]:.0f} MB "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    if not baseline:  # the CLI figures alone: no in-process repeat, no old path
        _print_targets(store_dir, measured, {}, {}, None)
        _chromium(chromium)
        return
    store = open_store(store_dir, read_only=True)
    inproc = {}

    def timed(name, fn):
        t, c = time.perf_counter(), time.process_time()
        fn()
        inproc[name] = (time.perf_counter() - t, time.process_time() - c)

    timed("kg hubs (first: degrees in the engine + answer cache)", lambda: cached_hubs(store_dir, work / "cache"))
    timed("kg hubs (cached answer)", lambda: cached_hubs(store_dir, work / "cache"))
    timed("kg hubs --type diagnosis (first)", lambda: hubs(store, node_type="diagnosis"))
    timed("kg hubs --type site (first: fewer than --top, every node read)", lambda: hubs(store, node_type="site"))
    timed("kg hubs --measure pagerank (first: projection + cache)",
          lambda: hubs(cached_project(store, work / "cache"), measure="pagerank"))
    timed(f"kg view {code} --depth 1", lambda: ego_view(store, code, 1))
    timed(f"kg view {code} --depth 2", lambda: ego_view(store, code, 2))
    for p in pairs:
        timed(f"kg explain {' '.join(p)}", lambda p=p: explain(store, p[0], p[1], hierarchies="--hierarchies" in p))
    timed(f"kg neighbours {code}", lambda: neighbours(store, code))
    timed(f"kg similar {code}", lambda: similar(store, code))
    base: dict[str, str] = {}
    t, c = time.perf_counter(), time.process_time()
    G = project(_SparqlOnly(store))
    base_project = (time.perf_counter() - t, time.process_time() - c)

    def on_graph(name, fn):
        t = time.perf_counter()
        try:
            fn()
        except Exception as err:  # noqa: BLE001 - the old path fails for a code only a code set holds
            base[name] = f"fails: {str(err)[:40]}"
            return
        base[name] = f"{base_project[0] + time.perf_counter() - t:.1f} s"

    on_graph("kg hubs (first: degrees in the engine + answer cache)", lambda: hubs(G))
    on_graph("kg hubs --type diagnosis (first)", lambda: hubs(G, node_type="diagnosis"))
    on_graph("kg hubs --type site (first: fewer than --top, every node read)", lambda: hubs(G, node_type="site"))
    on_graph(f"kg view {code} --depth 1", lambda: neighbours(G, code, 1))
    on_graph(f"kg view {code} --depth 2", lambda: neighbours(G, code, 2))
    for p in pairs:
        on_graph(f"kg explain {' '.join(p)}", lambda p=p: explain(G, p[0], p[1]))
    on_graph(f"kg neighbours {code}", lambda: neighbours(G, code))
    on_graph(f"kg similar {code}", lambda: similar(G, code))
    _print_targets(store_dir, measured, inproc, base, base_project)
    _chromium(chromium)


def _chromium(chromium: str | None) -> None:
    if chromium is None:
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from view_bench import measure, report

    report(measure([10_000], 30.0, chromium, baseline=False), 30.0)


def _print_targets(store_dir, measured, inproc, base, base_project) -> None:
    import os

    print(f"## views and analytics on {store_dir} (one run; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print("")
    print("| command | target | CLI wall | CLI CPU | CLI peak RSS | in-process wall | in-process CPU "
          "| baseline: whole-store SPARQL projection + call |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (target, wall, cpu, rss) in measured.items():
        w, c = inproc.get(name, (None, None))
        print(f"| {name} | {'' if target is None else f'≤ {target} s'} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB "
              f"| {'' if w is None else f'{w:.2f} s'} | {'' if c is None else f'{c:.2f} s'} | {base.get(name, '')} |")
    if base_project is not None:
        print(f"\nbaseline projection alone (SPARQL path): {base_project[0]:.1f} s wall, {base_project[1]:.1f} s CPU")
    print(f"in-process peak RSS {_rss_mb():.0f} MB; kg hubs first-time peak RSS target <= 600 MB (CLI column)")


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
    ap.add_argument("--explain", nargs="+", metavar="A B [--hierarchies]", action="append",
                    help="With --around or --targets: also explain A B (repeatable with --targets).")
    ap.add_argument("--targets", action="store_true", help="Report every target of the views issue, with baselines.")
    ap.add_argument("--code", default="77013", help="With --targets: the code to view, list and compare.")
    ap.add_argument("--no-baseline", action="store_true", help="With --targets: the CLI figures only (no in-process repeat, no old whole-store SPARQL path).")
    ap.add_argument("--chromium", metavar="PATH", help="With --targets: also the 10,000-node views in this Chromium.")
    args = ap.parse_args()
    if args.targets:
        targets_table(args.store, args.code, args.explain or [["77013", "77012"], ["C22.0", "76942", "--hierarchies"]],
                      baseline=not args.no_baseline, chromium=args.chromium)
        return
    if args.around:
        around_table(args.store, args.around, args.explain[0] if args.explain else None)
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
