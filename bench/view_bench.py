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
  ``redraw()`` (p50 and p95 of eleven), alone and with the painting Chromium
  does for it (a one-pixel ``getImageData`` forces it).

Each figure is printed next to the issue's target.

Needs Debian's chromium at /usr/bin/chromium (or --chromium PATH) and the
playwright package; it never downloads a browser. Not a test: it prints figures.

    python bench/view_bench.py [--sizes 500,2000,5000,10000] [--timeout 60] [--no-baseline]
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
  // performance.now() around vis-network's redraw after a pan or a zoom, at a given zoom level: the script's time
  // (what the issue measures) and, with a one-pixel getImageData that makes Chromium paint what it was told, the
  // script's time plus the painting's; 11 of each, the median and the worst but one (p95 of 11 is the 10th)
  const net = kgNetwork, js = [], painted = [], ctx = net.canvas.frame.canvas.getContext("2d");
  net.fit({ animation: false });
  const base = net.getScale(), at = net.getViewPosition();
  for (let i = 0; i < 11; i++) {
    const s = scale === "fit" ? base : scale;
    if (kind === "pan") net.moveTo({ position: { x: at.x + (i % 2 ? 120 : -120) / s, y: at.y }, scale: s, animation: false });
    else net.moveTo({ position: at, scale: s * (i % 2 ? 1.25 : 0.8), animation: false });
    await new Promise(r => requestAnimationFrame(r));
    const t = performance.now();
    net.redraw();
    const m = performance.now();
    ctx.getImageData(0, 0, 1, 1);
    js.push(m - t); painted.push(performance.now() - t);
  }
  js.sort((a, b) => a - b); painted.sort((a, b) => a - b);
  return [js[5], js[9], painted[5], painted[9]];
}"""


def redraws(browser, path: Path, timeout_s: float) -> dict[str, list[float]]:
    """Milliseconds of a redraw after a pan and after a zoom, zoomed out (fit) and zoomed in (scale 1):
    [script p50, script p95, painted p50, painted p95]."""
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


def measure(sizes: list[int], timeout_s: float, chromium: str, *, baseline: bool = True) -> list[tuple]:
    """Per size: nodes, edges, generation (wall, CPU), first frame, loaded, the old path's generation and first
    frame (None without ``baseline``), page bytes and the redraws."""
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for n in sizes:
            G = synthetic(n)
            t, c = time.perf_counter(), time.process_time()
            fixed = view_graph(G, title=f"synthetic {n}")
            gen_fixed = (time.perf_counter() - t, time.process_time() - c)
            path = fixed.save(Path(tmp) / f"fixed-{n}.html")
            ready, done = open_timed(browser, path, timeout_s)
            gen_free = ready_free = None
            if baseline:
                t = time.perf_counter()
                free = view_graph(G, title=f"synthetic {n}", layout=None, physics=True)
                gen_free = time.perf_counter() - t
                ready_free = open_timed(browser, free.save(Path(tmp) / f"physics-{n}.html"), timeout_s)[0]
            rows.append((n, G.number_of_edges(), gen_fixed, ready, done, gen_free, ready_free, len(fixed.html),
                         redraws(browser, path, timeout_s)))
            print(f"  {n} nodes done", flush=True)
        browser.close()
    return rows


def report(rows: list[tuple], timeout_s: float) -> None:
    """Print the figures of :func:`measure`, each next to the issue's target."""
    def secs(x):
        return "not run" if x is False else f">{timeout_s:.0f} s" if x is None else f"{x:.2f} s"

    print()
    print("Targets at 10,000 nodes (issue 16): generate <= 3 s, first frame <= 2 s, everything loaded <= 3 s, "
          "a pan or zoom redraw <= 100 ms. The old path is vis-network placing the nodes with physics, as pyvis does.")
    print()
    print("| nodes | edges | generate wall (target 3 s) | generate CPU | first frame (target 2 s) "
          "| all loaded (target 3 s) | old path: generate | old path: first frame | page size |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, m, (g1, c1), ready, done, g2, ready2, size, _ in rows:
        print(f"| {n:,} | {m:,} | {g1:.2f} s | {c1:.2f} s | {secs(ready)} | {secs(done)} "
              f"| {secs(g2 if g2 is not None else False)} | {secs(ready2) if g2 is not None else 'not run'} "
              f"| {size / 1e6:.1f} MB |")
    print()
    print("Redraw after a pan or a zoom, ms (target 100 ms): performance.now() around vis-network's redraw, "
          "p50 / p95 of 11; 'painted' adds the time Chromium takes to paint it (a 1-pixel getImageData after it).")
    print()
    kinds = ["pan fit", "zoom fit", "pan zoomed in", "zoom zoomed in"]
    print("| nodes | " + " | ".join(f"{k}: script | {k}: painted" for k in kinds) + " |")
    print("|---:|" + "---:|" * (2 * len(kinds)))
    for n, *_, redraw in rows:
        cells = []
        for k in kinds:
            r = redraw.get(k)
            cells += ["n/a", "n/a"] if r is None else [f"{r[0]:.0f} / {r[1]:.0f}", f"{r[2]:.0f} / {r[3]:.0f}"]
        print(f"| {n:,} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000,10000")
    parser.add_argument("--timeout", type=float, default=60.0, help="Give up on a page after this many seconds.")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--no-baseline", action="store_true", help="Skip the old path (physics, no layout).")
    args = parser.parse_args()
    rows = measure([int(s) for s in args.sizes.split(",")], args.timeout, args.chromium, baseline=not args.no_baseline)
    report(rows, args.timeout)


if __name__ == "__main__":
    main()
