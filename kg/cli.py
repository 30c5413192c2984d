"""The ``kg`` command line. It parses arguments, calls the API, prints, and
maps errors to exit codes; it holds no logic of its own.

Exit codes: 0 success; 1 some documents failed to build (the rest were
built) or another kg error; 2 usage error.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from kg.errors import KGError

store_option = click.option(
    "--store",
    "store_dir",
    envvar="KG_STORE",
    default="kg-store",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Store directory (or set KG_STORE).",
)


endpoint_option = click.option(
    "--endpoint",
    envvar="KG_ENDPOINT",
    help="Query this SPARQL 1.1 endpoint instead of the local store (or set KG_ENDPOINT). "
    "Credentials come from KG_ENDPOINT_TOKEN, KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or KG_ENDPOINT_HEADERS.",
)


def _target(endpoint: str | None, store_dir: Path):
    """The remote endpoint if one is given, else the local store opened read-only."""
    if endpoint:
        from kg.remote import Endpoint

        return Endpoint(endpoint)
    from kg.store import open_store

    return open_store(store_dir, read_only=True)


def _fail(err: Exception, code: int = 1) -> None:
    click.echo(f"kg: error: {err}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns kg errors into one-line messages instead of tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as err:
            _fail(err)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="codekg", prog_name="kg")
def main() -> None:
    """kg: a knowledge graph of US medical billing code relationships.

    Build code briefings into an RDF store, query it with named SPARQL
    queries, and export it.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--examples", is_flag=True, help="Build the example briefings bundled with kg.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@store_option
def build(paths: tuple[Path, ...], examples: bool, progress: bool | None, store_dir: Path) -> None:
    """Build briefings (files or folders) into the store.

    Incremental: unchanged documents are skipped, changed ones replaced. A
    document that fails to parse is reported with file:line and skipped; the
    others are built and the exit code is 1.
    """
    from kg.examples import examples_dir
    from kg.store import build as build_store
    from kg.store import open_store, triple_count

    if examples:
        paths = paths + (examples_dir(),)
    if not paths:
        raise click.UsageError("give briefing files or folders, or --examples")
    store = open_store(store_dir)
    report = build_store(store, paths, progress=progress)
    for err in report.errors:
        click.echo(f"kg: error: {err}", err=True)
    click.echo(
        f"built {len(report.added)} new, {len(report.updated)} changed, {len(report.unchanged)} unchanged, "
        f"{len(report.errors)} failed; {report.quads_written} quads written in {report.seconds:.2f}s; "
        f"{triple_count(store)} triples in {store_dir}"
    )
    if report.errors:
        sys.exit(1)


@main.command()
def queries() -> None:
    """List the named queries and what each answers."""
    from kg.query import named_queries

    for q in named_queries().values():
        params = " ".join(f"--param {p.name}=…" + ("?" if p.optional else "") for p in q.params)
        click.echo(f"{q.name}  {params}".rstrip())
        click.echo(f"    {q.answers}")


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a query parameter.")
@click.option("--sparql", type=click.File("r", encoding="utf-8"), help="Run SPARQL from a file, or - for stdin.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@endpoint_option
@store_option
def query(name: str | None, params: tuple[str, ...], sparql, fmt: str, endpoint: str | None, store_dir: Path) -> None:
    """Run a named query (see 'kg queries') or your own SPARQL.

    \b
    kg query monitors --param code=77013
    kg query --sparql my.rq --format json
    kg query alternatives -p code=76942 --endpoint http://localhost:7878/query
    """
    from kg.query import FORMATS, get, run, run_sparql
    from kg.store import open_store

    if (name is None) == (sparql is None):
        raise click.UsageError("give a query NAME or --sparql FILE (not both)")
    values: dict[str, str] = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param {p!r}: expected NAME=VALUE")
        values[key.strip()] = value
    store = _target(endpoint, store_dir)
    if name is not None:
        get(name)  # a clear error for an unknown name before anything else
        results = run(store, name, **values)
    else:
        if values:
            raise click.UsageError("--param works with named queries only")
        results = run_sparql(store, sparql.read(), source=getattr(sparql, "name", "<stdin>"))
    if results.triples is not None:
        import pyoxigraph as ox

        from kg.vocab import PREFIXES

        sys.stdout.buffer.write(ox.serialize(results.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b"")
        return
    click.echo(FORMATS[fmt](results).rstrip("\n"))


@main.command()
@click.option("--format", "fmt", default="trig", show_default=True,
              type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "graphml", "gexf", "nodelink-json"]),
              help="RDF formats, or a networkx projection for Gephi (gexf), Cytoscape (graphml) or D3 (nodelink-json).")
@click.option("--graph", help="Export only this named graph (a briefing or code-set IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@store_option
def export(fmt: str, graph: str | None, output: Path | None, store_dir: Path) -> None:
    """Export the store (all graphs, or one) as RDF, or its network projection."""
    from kg.network import NETWORK_FORMATS
    from kg.store import export as export_store
    from kg.store import open_store

    store = open_store(store_dir, read_only=True)
    if fmt in NETWORK_FORMATS:
        from kg.network import project, write

        if output is None or graph is not None:
            raise click.UsageError(f"--format {fmt} needs -o FILE and takes no --graph")
        write(project(store), str(output), fmt)
        click.echo(f"wrote {output}", err=True)
        return
    if output is None:
        export_store(store, sys.stdout.buffer, fmt, graph=graph)
        sys.stdout.buffer.flush()
    else:
        export_store(store, str(output), fmt, graph=graph)
        click.echo(f"wrote {output}", err=True)


def _graph(store_dir: Path, **options):
    from kg.network import project
    from kg.store import open_store

    return project(open_store(store_dir, read_only=True), **options)


def _name(G, n: str) -> str:
    d = G.nodes[n]
    return f"{d.get('notation', n)}  {d.get('label', '')}".rstrip()


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--max-paths", default=10, show_default=True, help="At most this many paths.")
@click.option("--hierarchies", is_flag=True, help="Also walk the code-set hierarchies (ICD-10-CM, NUCC).")
@store_option
def explain(a: str, b: str, max_paths: int, hierarchies: bool, store_dir: Path) -> None:
    """How are codes A and B connected? The shortest typed paths, with the document and line of each step."""
    from kg.network import explain as explain_paths

    G = _graph(store_dir, hierarchies=hierarchies)
    paths = explain_paths(G, a, b, max_paths=max_paths)
    if not paths:
        click.echo(f"no path between {a} and {b}")
        sys.exit(1)
    for i, path in enumerate(paths, 1):
        click.echo(f"path {i}:")
        for step in path.steps:
            click.echo(f"  {step.describe(G)}")


@main.command()
@click.argument("code")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 6))
@click.option("--relation", "relations", multiple=True, help="Only these relations (repeatable).")
@store_option
def neighbours(code: str, depth: int, relations: tuple[str, ...], store_dir: Path) -> None:
    """The codes within DEPTH hops of CODE, and the edges between them."""
    from kg.network import neighbours as around

    G = _graph(store_dir)
    H = around(G, code, depth=depth, relations=relations or None)
    for u, v, k in sorted(H.edges(keys=True), key=lambda e: (e[2], H.nodes[e[0]]["notation"], H.nodes[e[1]]["notation"])):
        click.echo(f"{H.nodes[u]['notation']}\t{k}\t{H.nodes[v]['notation']}")
    click.echo(f"({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)")


@main.command()
@click.option("--type", "node_type", type=click.Choice(["procedure", "diagnosis", "modifier", "specialty", "payer", "site"]))
@click.option("--measure", type=click.Choice(["degree", "pagerank"]), default="degree", show_default=True)
@click.option("--top", default=10, show_default=True)
@store_option
def hubs(node_type: str | None, measure: str, top: int, store_dir: Path) -> None:
    """The most connected codes (degree or PageRank), optionally of one type."""
    from kg.network import hubs as rank

    G = _graph(store_dir)
    for n, score in rank(G, node_type=node_type, measure=measure, top=top):
        click.echo(f"{score:10.4f}  {_name(G, n)}")


@main.command()
@click.argument("code")
@click.option("--top", default=10, show_default=True)
@store_option
def similar(code: str, top: int, store_dir: Path) -> None:
    """Procedures most like CODE: shared diagnoses, modifiers and specialties (Jaccard)."""
    from kg.network import similar as rank

    G = _graph(store_dir)
    for n, score in rank(G, code, top=top):
        click.echo(f"{score:6.3f}  {_name(G, n)}")


@main.command()
@click.option("--bind", default="127.0.0.1:7878", show_default=True, help="HOST:PORT to listen on (loopback by default).")
@click.option("--read-write", is_flag=True, help="Allow SPARQL UPDATE and Graph Store writes (default: read-only).")
@click.option("--timeout-s", type=int, help="Per-query timeout in seconds.")
@store_option
def serve(bind: str, read_write: bool, timeout_s: int | None, store_dir: Path) -> None:
    """Serve the store over HTTP with the Oxigraph server (SPARQL 1.1 Protocol, Graph Store, query UI).

    Put a reverse proxy in front of it for access control (see the README).
    """
    from kg.serve import query_links, start

    server = start(store_dir, bind=bind, read_write=read_write, timeout_s=timeout_s)
    click.echo(f"query UI:     {server.base}/")
    click.echo(f"endpoint:     {server.query_url}  (SPARQL 1.1 Protocol; the default graph is the union of all graphs)")
    click.echo(f"graph store:  {server.store_url}" + ("" if read_write else "  (read-only)"))
    if read_write:
        click.echo(f"update:       {server.update_url}")
    click.echo("named queries (open, or paste into the UI):")
    for name, url in query_links(server.base):
        click.echo(f"  {name}: {url}")
    click.echo("Ctrl-C stops the server.")
    # SIGTERM (kill, systemd, a test harness) must stop the server too, not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@main.command()
@click.option("--endpoint", required=True, envvar="KG_ENDPOINT", help="The remote SPARQL query endpoint.")
@click.option("--graph-store", help="The Graph Store Protocol URL (default for Oxigraph: <endpoint base>/store).")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds per request.")
@click.option("--retries", default=3, show_default=True, help="Retries with backoff on transient failures.")
@store_option
def push(endpoint: str, graph_store: str | None, timeout: float, retries: int, store_dir: Path) -> None:
    """Upload every named graph to a remote store (one PUT per graph, so pushing again is idempotent)."""
    from kg.remote import Endpoint
    from kg.remote import push as push_graphs
    from kg.store import open_store

    target = Endpoint(endpoint, graph_store=graph_store, timeout=timeout, retries=retries)
    pushed = push_graphs(open_store(store_dir, read_only=True), target)
    click.echo(f"pushed {len(pushed)} graphs, {sum(n for _, n in pushed)} triples to {target.graph_store}")


@main.command()
@store_option
def validate(store_dir: Path) -> None:
    """Check the store against the SHACL shapes in ontology/shapes.ttl."""
    from kg.shapes import validate as validate_store
    from kg.store import open_store

    report = validate_store(open_store(store_dir, read_only=True))
    click.echo(report.text.rstrip())
    if not report.conforms:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
