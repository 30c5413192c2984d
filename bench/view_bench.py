"""Benchmark of `kg view` pages: generation time and time to interactive in headless Chromium.

For synthetic typed graphs of 500, 2,000, 5,000 and 10,000 nodes (preferential
attachment, about two edges per node, the six node types and the briefing
relations), it times:

* generation: :func:`kg.view.view_graph` (layout computed in Python, page rendered);
* with the fixed layout (physics off): from navigation to the first frame
  vis-network draws, when the page answers input (a large view starts with its
  best-connected nodes), and to the moment vis-network holds every node and edge;
* without it (no positions, vis-network's physics with its default 1,000
  stabilisation iterations, as pyvis does: the old path): from navigation to
  the first frame, which comes after stabilisation; given up after
  ``--timeout`` seconds;
* a redraw after a pan and after a zoom, zoomed out (the whole view, as it
  opens) and zoomed in (scale 1): ``performance.now()`` around vis-network's
  ``redraw()``, the median of seven.

Each figure is printed next to the issue's target.

Needs Debian's chromium at /usr/bin/chromium (or --chromium PATH) and the
playwright package; it never downloads a browser. Not a test: it prints figures.

    python bench/view_bench.py [--sizes 500,2000,5000,10000] [--timeout 60]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import networkx as nx

from kg.view import view_graph

TYPES = [("procedure", 0.30), ("diagnosis", 0.40), ("modifier", 0.10), ("specialty", 0.12), ("payer", 0.04), ("site", 0.04)]
RELATIONS = {
    ("procedure", "procedure"): ["monitors", "alternativeTo", "precedes", "includedIn", "relatedTo"],
    ("diagnosis", "procedure"): ["indicationFor", "comorbidityOf"],
    ("procedure", "modifier"): ["hasModifier"],
    ("procedure", "specialty"): ["performedBy"],
    ("procedure", "payer"): ["coveredByPayer"],
    ("procedure", "site"): ["siteOfService"],
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def synthetic(n: int, *, seed: int = 0) -> nx.MultiDiGraph:
    """A typed MultiDiGraph shaped like a briefing projection, with about 2n edges."""
    rng = random.Random(seed)
    base = nx.barabasi_albert_graph(n, 2, seed=seed)
    kinds, weights = zip(*TYPES)
    G = nx.MultiDiGraph()
    for v in base.nodes:
        kind = rng.choices(kinds, weights)[0]
        G.add_node(f"urn:x:{v}", notation=f"{kind[:3].upper()}{v:05d}", label=f"synthetic {kind} {v}",
                   type=kind, system="SYN")
    for u, v in base.edges:
        a, b = f"urn:x:{u}", f"urn:x:{v}"
        ta, tb = G.nodes[a]["type"], G.nodes[b]["type"]
        if (ta, tb) not in RELATIONS and (tb, ta) in RELATIONS:
            a, b, ta, tb = b, a, tb, ta
        relation = rng.choice(RELATIONS.get((ta, tb), ["relatedTo"]))
        G.add_edge(a, b, key=relation, sources=[(f"doc{u % 97}.txt", 10 + v % 40)])
    return G


def open_timed(browser, path: Path, timeout_s: float) -> tuple[float | None, float | None]:
    """Seconds from navigation to the first frame (the page answers input) and to every item loaded; None on timeout."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(path.as_uri(), wait_until="commit")
        try:
            page.wait_for_function("() => window.kgReady === true", timeout=timeout_s * 1000)
        except Exception:  # playwright's TimeoutError: report it as "> timeout"
            return None, None
        ready = page.evaluate("() => kgTimings.firstDraw") / 1000
        try:
            page.wait_for_function("() => window.kgComplete === true", timeout=timeout_s * 1000)
        except Exception:
            return ready, None
        return ready, page.evaluate("() => kgTimings.complete") / 1000
    finally:
        page.close()


REDRAW = """async ([kind, scale]) => {
  // performance.now() around vis-network's own redraw after a pan or a zoom, at a given zoom level
  const net = kgNetwork, times = [];
  net.fit({ animation: false });
  const base = net.getScale(), at = net.getViewPosition();
  for (let i = 0; i < 7; i++) {
    const s = scale === "fit" ? base : scale;
    if (kind === "pan") net.moveTo({ position: { x: at.x + (i % 2 ? 120 : -120) / s, y: at.y }, scale: s, animation: false });
    else net.moveTo({ position: at, scale: s * (i % 2 ? 1.25 : 0.8), animation: false });
    await new Promise(r => requestAnimationFrame(r));
    const t = performance.now();
    net.redraw();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}"""


def redraws(browser, path: Path, timeout_s: float) -> dict[str, float | None]:
    """Median milliseconds of one redraw after a pan and after a zoom, zoomed out (fit) and zoomed in (scale 1)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(path.as_uri(), wait_until="commit")
        try:
            page.wait_for_function("() => window.kgComplete === true", timeout=timeout_s * 1000)
        except Exception:
            return {}
        return {f"{kind} {where}": page.evaluate(REDRAW, [kind, scale])
                for kind in ("pan", "zoom") for where, scale in (("fit", "fit"), ("zoomed in", 1))}
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000,10000")
    parser.add_argument("--timeout", type=float, default=60.0, help="Give up on a page after this many seconds.")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for n in sizes:
            G = synthetic(n)
            t = time.perf_counter()
            fixed = view_graph(G, title=f"synthetic {n}")
            gen_fixed = time.perf_counter() - t
            t = time.perf_counter()
            free = view_graph(G, title=f"synthetic {n}", layout=None, physics=True)
            gen_free = time.perf_counter() - t
            timed = []
            for name, v in (("fixed", fixed), ("physics", free)):
                path = v.save(Path(tmp) / f"{name}-{n}.html")
                timed.append(open_timed(browser, path, args.timeout))
            rows.append((n, G.number_of_edges(), gen_fixed, *timed[0], gen_free, timed[1][0], len(fixed.html),
                         redraws(browser, Path(tmp) / f"fixed-{n}.html", args.timeout)))
            print(f"  {n} nodes done", flush=True)
        browser.close()

    def secs(x):
        return f">{args.timeout:.0f} s" if x is None else f"{x:.2f} s"

    print()
    print("Targets at 10,000 nodes (issue 16): generate <= 3 s, first frame <= 2 s, everything loaded <= 3 s, "
          "a pan or zoom redraw <= 100 ms. The old path is vis-network placing the nodes with physics, as pyvis does.")
    print()
    print("| nodes | edges | generate (target 3 s) | first frame (target 2 s) | all loaded (target 3 s) "
          "| old path: generate | old path: first frame | page size |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, m, g1, ready, done, g2, ready2, size, _ in rows:
        print(f"| {n:,} | {m:,} | {g1:.2f} s | {secs(ready)} | {secs(done)} | {g2:.2f} s | {secs(ready2)} | {size / 1e6:.1f} MB |")
    print()
    print("Redraw after a pan or a zoom (performance.now() around vis-network's redraw, median of 7; target 100 ms):")
    print()
    kinds = ["pan fit", "zoom fit", "pan zoomed in", "zoom zoomed in"]
    print("| nodes | " + " | ".join(kinds) + " |")
    print("|---:|" + "---:|" * len(kinds))
    for n, *_, redraw in rows:
        print(f"| {n:,} | " + " | ".join("n/a" if redraw.get(k) is None else f"{redraw[k]:.0f} ms" for k in kinds) + " |")

if __name__ == "__main__":
    main()
