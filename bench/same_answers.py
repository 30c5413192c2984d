"""Do two kg checkouts give the same answers? Build the same store with each, compare every answer.

A change to what the build writes (fewer quads, another way of writing them) must not change
what users get back. Each checkout, in its own process (``PYTHONPATH`` set to it), builds a
fresh store from the same input: the bundled examples and the labelled dev corpus
(``../shared/briefings/dev``), with the official code sets most named queries read (ICD-10-CM,
NUCC, HCPCS, the modifiers, POS, MPFS, the NCCI add-on, MUE and radiology PTP edits, CCSR, HCC),
then ``kg audit``. It then records:

* every named query (``kg queries``) with its own example parameters, and each query that takes
  one ``code`` parameter with every code a briefing is about;
* the network projection (:func:`kg.network.project`, briefing layer): every node's attributes and
  every edge with its sources;
* the ego view (:func:`kg.view.select.ego_view`) of each briefing's code: nodes and edges with
  their attributes.

Rows are compared as sorted lists of N-Triples terms. The figures that count quads
(``stats``: ``graph quads``) differ by design when the build writes fewer quads; they are
reported apart, with the difference, and every other answer must be equal.

    python bench/same_answers.py --before /work/main --after . [--workdir DIR] [--data ../shared/data]

Exit status 0 when every answer is the same, 1 otherwise (the differences are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[0].parent / "shared" / "data"
DEV = HERE.parents[0].parent / "shared" / "briefings" / "dev"

QUAD_COUNTS = {("graph", "quads")}
"""``stats`` rows (kind, item) that count quads: they change whenever the build writes fewer quads."""


def _sources(data: Path) -> dict:
    return {
        "icd10cm": None,
        "nucc": data / "nucc_taxonomy_251.csv",
        "hcpcs": data / "hcpcs_level2_2025oct.csv",
        "hcpcs-modifiers": data / "hcpcs_level2_modifiers_2025oct.csv",
        "cpt-modifiers": data / "modifiers_cpt_hcpcs_northstar_2024.csv",
        "pos": data / "place_of_service_codes_cms.csv",
        "mpfs": data / "mpfs_pprrvu_2024jul_rvu24c_no_descriptors.csv",
        "ncci-addon": data / "ncci_addon_code_edits_2024-06.csv",
        "ncci-mue": data / "ncci_mue_practitioner_2024q3.csv",
        "ncci-ptp": data / "ncci_ptp_practitioner_2024q3_active_radiology_subset.csv",
        "ccsr": data / "ccsr_dx_reference_v2023_1.xlsx",
        "hcc": data / "hcc_ra_dx_to_cc_2026.csv",
    }


def _term(t) -> str | None:
    return None if t is None else str(t)


def child(store_dir: Path, data: Path, out: Path, codesets: list[str] | None = None) -> None:
    """Build the store with the kg on ``sys.path`` and write every answer to ``out`` (JSON).

    ``codesets`` names the code sets to load (all of :func:`_sources` by default)."""
    from kg.audit import audit, write_findings
    from kg.examples import examples_dir
    from kg.network import project
    from kg.pipeline import build_all
    from kg.query import named_queries, run
    from kg.store import finish_writing, open_store
    from kg.view.select import ego_view

    built = store_dir / "BUILT"  # a rerun answers from the store already built
    store = open_store(store_dir)
    t = time.perf_counter()
    if not built.exists():
        sources = {k: v for k, v in _sources(data).items() if codesets is None or k in codesets}
        build_all(store, [examples_dir(), DEV], sources, progress=False)
        finish_writing(store)
        write_findings(store, audit(store))
        finish_writing(store)
        built.write_text("built\n", encoding="utf-8")
    seconds = time.perf_counter() - t
    listed = run(store, "documents")
    codes = sorted({r["code"] for r in listed.records()})
    answers: dict[str, list] = {}
    for q in named_queries().values():
        runs = [q.example()]
        if [p.name for p in q.params if not p.optional] == ["code"]:
            runs += [{"code": c} for c in codes]
        for params in runs:
            res = run(store, q.name, **params)
            rows = sorted(json.dumps([_term(t) for t in row]) for row in res.rows)
            answers[f"query {q.name} {json.dumps(params, sort_keys=True)}"] = rows
    G = project(store)
    answers["network nodes"] = sorted(json.dumps([n, a], sort_keys=True) for n, a in G.nodes(data=True))
    answers["network edges"] = sorted(json.dumps([u, v, k, d], sort_keys=True, default=str)
                                      for u, v, k, d in G.edges(keys=True, data=True))
    for code in codes:
        for part, rows in _view_rows(ego_view(store, code, 1).data).items():
            answers[f"ego view {code} {part}"] = rows
    out.write_text(json.dumps({"answers": answers, "quads": len(store), "documents": len(listed.rows),
                               "seconds": seconds}), encoding="utf-8")


def _view_rows(data: dict) -> dict[str, list[str]]:
    """What a view's page draws, its nodes and edges, with the page's list indices (node ids, relation and
    file numbers, which follow the order the store answered in) replaced by what they stand for."""
    iri = {n["id"]: n["iri"] for n in data.get("nodes", [])}
    rels = [r["relation"] for r in data.get("relations", [])]
    files = data.get("files", [])
    nodes = [{k: v for k, v in n.items() if k != "id"} for n in data.get("nodes", [])]
    edges = []
    for e in data.get("edges", []):
        e = {k: v for k, v in e.items() if k != "id"}
        e["from"], e["to"] = iri.get(e.get("from")), iri.get(e.get("to"))
        if isinstance(e.get("rel"), int):
            e["rel"] = rels[e["rel"]]
        if isinstance(e.get("sources"), list):
            e["sources"] = sorted([files[s[0]], *s[1:]] if isinstance(s, list) and s and isinstance(s[0], int)
                                  and s[0] < len(files) else s for s in _pairs(e["sources"], files))
        edges.append(e)
    return {"nodes": sorted(json.dumps(n, sort_keys=True, default=str) for n in nodes),
            "edges": sorted(json.dumps(e, sort_keys=True, default=str) for e in edges)}


def _pairs(sources: list, files: list) -> list:
    """An edge's sources as ``[file index, line]`` pairs, whether the page lists them flat or paired."""
    if sources and all(isinstance(x, int) for x in sources):
        return [list(sources[i:i + 2]) for i in range(0, len(sources), 2)]
    return list(sources)


def _stats_split(rows: list[str]) -> tuple[list[str], dict[str, int]]:
    """``stats`` rows without the quad counts, and the quad counts."""
    kept, counts = [], {}
    for r in rows:
        kind, item, count = json.loads(r)
        key = (kind.strip('"'), item.strip('"'))
        if key in QUAD_COUNTS:
            counts[" ".join(key)] = int(count.split('"')[1])
        else:
            kept.append(r)
    return kept, counts


def compare(before: dict, after: dict) -> list[str]:
    """The differences between two answer sets, one line each (empty when the same).

    Examples
    --------
    >>> a = {"answers": {"query x {}": ['["1"]']}, "quads": 3}
    >>> compare(a, a)
    []
    >>> compare(a, {"answers": {"query x {}": ['["2"]']}, "quads": 3})
    ['query x {}: 1 row(s) only before, e.g. ["1"]; 1 only after, e.g. ["2"]']
    """
    out = []
    a, b = before["answers"], after["answers"]
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            out.append(f"{key}: answered {'after' if key in b else 'before'} only")
            continue
        x, y = a[key], b[key]
        if key.startswith("query stats "):
            x, _ = _stats_split(x)
            y, _ = _stats_split(y)
        if x != y:
            only_x = sorted(set(x) - set(y))
            only_y = sorted(set(y) - set(x))
            out.append(f"{key}: {len(only_x)} row(s) only before, e.g. {only_x[:1][0] if only_x else '-'}; "
                       f"{len(only_y)} only after, e.g. {only_y[:1][0] if only_y else '-'}")
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5].split(",") if len(sys.argv) > 5 else None)
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True, help="a kg checkout (the one without the change)")
    ap.add_argument("--after", type=Path, required=True, help="a kg checkout (the one with the change)")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--codesets", help="load only these code sets, comma-separated (a quicker check)")
    ap.add_argument("--reuse", action="store_true", help="reuse the answers already in --workdir (before.json, after.json)")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-same-"))
    results = {}
    for side, checkout in (("before", args.before), ("after", args.after)):
        out = work / f"{side}.json"
        env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
        if not (args.reuse and out.exists()):
            done = subprocess.run([sys.executable, __file__, "--child", str(work / f"{side}-store"), str(args.data),
                                   str(out), *([args.codesets] if args.codesets else [])],
                                  env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{side} ({checkout}) failed:\n{done.stderr[-3000:]}")
        results[side] = json.loads(out.read_text(encoding="utf-8"))
        r = results[side]
        print(f"{side:6s} {checkout}: {r['documents']} briefings, {r['quads']:,} quads, built and audited in "
              f"{r['seconds']:.1f} s, {len(r['answers'])} answers")
    a, b = results["before"], results["after"]
    stats_a = next(_stats_split(v)[1] for k, v in a["answers"].items() if k.startswith("query stats "))
    stats_b = next(_stats_split(v)[1] for k, v in b["answers"].items() if k.startswith("query stats "))
    print(f"quads in the store: {a['quads']:,} before, {b['quads']:,} after ({b['quads'] - a['quads']:+,}); "
          f"'stats' quad counts {stats_a} before, {stats_b} after")
    rows = sum(len(v) for v in a["answers"].values())
    diffs = compare(a, b)
    for line in diffs:
        print("DIFFERENT", line)
    print(f"{len(a['answers'])} answers ({rows:,} rows): "
          + ("all the same" if not diffs else f"{len(diffs)} different"))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
