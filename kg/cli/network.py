"""``kg explain``, ``kg neighbours``, ``kg hubs``, ``kg similar`` and ``kg view``: the graph as a network."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import endpoint_option, param_values, query_target, store_option
from kg.model import BRIEFING_RELATIONS, LAYERS, NODE_TYPES

_EDGE_KEYS = list(dict.fromkeys(BRIEFING_RELATIONS + tuple(k for x in LAYERS.values() for k in x.edges)))


def _split_layers(ctx, param, values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--layers ncci,briefing --layers hcc`` -> ('ncci', 'briefing', 'hcc'), each checked against kg.model.LAYERS."""
    names = [x.strip() for v in values for x in v.split(",") if x.strip()]
    for name in names:
        if name not in LAYERS:
            raise click.BadParameter(f"{name!r} is no layer; choose from {', '.join(LAYERS)}", ctx, param)
    return tuple(dict.fromkeys(names)) or None


layers_option = click.option(
    "--layers", "layers", multiple=True, callback=_split_layers, metavar="LAYER[,LAYER...]",
    help=f"Draw or walk only these layers (repeatable or comma-separated): {', '.join(LAYERS)}. Default: all loaded.")


def _graph(endpoint: str | None, store_dir: Path, **options):
    from kg.network.projection import cache_dir_for, cached_project

    if endpoint:
        return cached_project(query_target(endpoint, store_dir), None, **options)
    # keyed by the store directory's files: a cached graph is read without opening the store
    return cached_project(store_dir, cache_dir_for(store_dir), **options)


def _name(G, n: str) -> str:
    d = G.nodes[n]
    return f"{d.get('notation', n)}  {d.get('label', '')}".rstrip()


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--max-paths", default=10, show_default=True, help="At most this many paths.")
@click.option("--hierarchies", is_flag=True, help="Also walk the code-set hierarchies (ICD-10-CM, NUCC).")
@layers_option
@endpoint_option
@store_option
def explain(a: str, b: str, max_paths: int, hierarchies: bool, layers, endpoint: str | None, store_dir: Path) -> None:
    """How are codes A and B connected? The shortest typed paths, with the document and line of each step."""
    from kg.network import explain as explain_paths

    # read from the store around the two codes, never the whole store (kg.network.local)
    paths = explain_paths(query_target(endpoint, store_dir), a, b, max_paths=max_paths, hierarchies=hierarchies,
                          layers=layers)
    if not paths:
        click.echo(f"no path between {a} and {b}")
        sys.exit(1)
    for i, path in enumerate(paths, 1):
        click.echo(f"path {i}:")
        for step in path.steps:
            click.echo(f"  {step.describe()}")


@click.command()
@click.argument("code")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 6))
@click.option("--relation", "relations", multiple=True, type=click.Choice(_EDGE_KEYS),
              help="Only these relations (repeatable).")
@layers_option
@endpoint_option
@store_option
def neighbours(code: str, depth: int, relations: tuple[str, ...], layers, endpoint: str | None, store_dir: Path) -> None:
    """The codes within DEPTH hops of CODE, and the edges between them (an official edge with its words)."""
    from kg.network import neighbours as around

    H = around(query_target(endpoint, store_dir), code, depth=depth, relations=relations or None, layers=layers)
    for u, v, k, d in sorted(H.edges(keys=True, data=True),
                             key=lambda e: (e[2], H.nodes[e[0]]["notation"], H.nodes[e[1]]["notation"])):
        words = f"\t{d['label']}" if d.get("label") else ""
        click.echo(f"{H.nodes[u]['notation']}\t{k}\t{H.nodes[v]['notation']}{words}")
    click.echo(f"({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)")


@click.command()
@click.option("--type", "node_type", type=click.Choice(list(NODE_TYPES)))
@click.option("--measure", type=click.Choice(["degree", "pagerank"]), default="degree", show_default=True)
@click.option("--top", default=10, show_default=True)
@layers_option
@endpoint_option
@store_option
def hubs(node_type: str | None, measure: str, top: int, layers, endpoint: str | None, store_dir: Path) -> None:
    """The most connected codes (degree or PageRank), optionally of one type.

    By degree, the engine counts each code's edges; PageRank or official layers rank the whole-store projection.
    The answer (and the projection) is cached beside the store ($KG_CACHE_DIR to put it elsewhere), keyed by the
    store's build state, so a second call reads it back."""
    if endpoint:
        from kg.network import hubs as rank

        G = _graph(endpoint, store_dir, layers=list(layers) if layers else None)
        found = [(n, score, G.nodes[n].get("notation", n), G.nodes[n].get("label", ""))
                 for n, score in rank(G, node_type=node_type, measure=measure, top=top)]
    else:
        from kg.network.ranking import cached_hubs
        from kg.store import cache_dir_for

        # degree: counted in the engine; the answer is kept beside the store, keyed by its build state
        found = cached_hubs(store_dir, cache_dir_for(store_dir), node_type=node_type, measure=measure, top=top,
                            layers=layers)
    for _, score, notation, label in found:
        click.echo(f"{score:10.4f}  {notation}  {label}".rstrip())


@click.command()
@click.argument("code")
@click.option("--top", default=10, show_default=True)
@endpoint_option
@store_option
def similar(code: str, top: int, endpoint: str | None, store_dir: Path) -> None:
    """Procedures most like CODE: shared diagnoses, modifiers and specialties (Jaccard)."""
    from kg.network import similar as rank
    from kg.network.local import node_info

    # read around CODE in the store, never the whole store (kg.network.similar.similar_in_store)
    target = query_target(endpoint, store_dir)
    found = rank(target, code, top=top)
    info = node_info(target, [n for n, _ in found])
    for n, score in found:
        click.echo(f"{score:6.3f}  {info[n]['notation']}  {info[n]['label']}".rstrip())


@click.command()
@click.argument("code", required=False)
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 6), help="Hops around CODE.")
@click.option("--all", "whole", is_flag=True, help="The whole briefing graph.")
@click.option("--hierarchies", is_flag=True, help="With --all: also the code-set hierarchies (ICD-10-CM, NUCC).")
@click.option("--max-nodes", type=click.IntRange(1, None), default=None, metavar="N",
              help="With --all: draw at most N codes, the best connected; with --audit: at most N nodes, the codes with "
                   "the most findings first (default 5,000; at most 20,000).")
@click.option("--hierarchy", is_flag=True, help="With CODE: its code-set hierarchy, ancestors and descendants (capped).")
@click.option("--query", "query_name", metavar="NAME", help="The subgraph a named query returns (see 'kg queries').")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a --query parameter.")
@click.option("--sparql", type=click.File("r", encoding="utf-8"), help="The subgraph your CONSTRUCT or SELECT returns.")
@click.option("--audit", is_flag=True, help="The audit findings on the graph.")
@layers_option
@click.option("--physics/--no-physics", default=None, help="vis-network physics (default: on up to 300 nodes).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="kg-view.html",
              show_default=True, help="The HTML file to write.")
@endpoint_option
@store_option
def view(code, depth, whole, hierarchies, max_nodes, hierarchy, query_name, params, sparql, audit, layers, physics,
         output, endpoint, store_dir) -> None:
    """Write an interactive, self-contained HTML view of the graph.

    \b
    kg view 77013 --depth 2 -o 77013.html     # the codes around a code
    kg view 77013 --layers briefing,ncci      # only briefing rows and NCCI edits
    kg view --all -o all.html                 # every briefing (the best-connected 5,000 codes)
    kg view --query monitors -p code=77013    # what a named query returns
    kg view --sparql my.rq                    # what your CONSTRUCT or SELECT returns
    kg view --audit -o audit.html             # the audit findings on the graph
    kg view C22 --hierarchy -o c22.html       # a code's code-set hierarchy
    """
    from kg.network.projection import cache_dir_for
    from kg.view import view as make_view

    modes = [code is not None, whole, query_name is not None, sparql is not None, audit]
    if sum(modes) != 1:
        raise click.UsageError("give one of CODE, --all, --query NAME, --sparql FILE or --audit")
    values = param_values(params)
    store = query_target(endpoint, store_dir)
    page = make_view(
        store, code, depth=depth, all=whole, hierarchies=hierarchies, query=query_name,
        sparql=sparql.read() if sparql is not None else None, audit=audit, params=values, physics=physics,
        source=getattr(sparql, "name", "<stdin>"), hierarchy=hierarchy, layers=layers, max_nodes=max_nodes,
        cache_dir=None if endpoint or not (whole or audit) else cache_dir_for(store_dir),
    )
    page.save(output)
    click.echo(f"wrote {output}: {page.node_count} nodes, {page.edge_count} edges"
               + ("" if page.physics else " (fixed layout, physics off)"), err=True)
    if "(raise with --max-nodes)" in page.title:
        click.echo(page.title.split(": ", 1)[1] if whole else page.title.split(": ", 2)[2], err=True)


COMMANDS = (explain, neighbours, hubs, similar, view)
"""The commands this module adds to ``kg``."""
