"""``kg queries``, ``kg query``, ``kg export``, ``kg serve`` and ``kg push``: the store read, written out and served."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from kg.cli.options import (
    LazyChoice,
    endpoint_option,
    param_values,
    query_target,
    release_option,
    store_option,
    with_releases,
)


@click.command()
@click.option("--links", is_flag=True, help="Print each query's full SPARQL Protocol URL (example parameters bound).")
@click.option("--base", default="http://127.0.0.1:7878", show_default=True, help="With --links: the server's address.")
def queries(links: bool = False, base: str = "http://127.0.0.1:7878") -> None:
    """List the named queries and what each answers."""
    from kg.query import named_queries

    if links:
        from kg.serve import query_links

        for name, url in query_links(base.rstrip("/")):
            click.echo(f"{name}\t{url}")
        return
    for q in named_queries().values():
        params = " ".join(f"--param {p.name}=…" + ("?" if p.optional else "") for p in q.params)
        click.echo(f"{q.name}  {params}".rstrip())
        click.echo(f"    {q.answers}")


@click.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a query parameter.")
@click.option("--sparql", type=click.File("r", encoding="utf-8"), help="Run SPARQL from a file, or - for stdin.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--list", "list_", is_flag=True, help="List the named queries (as 'kg queries' does).")
@click.option("--recount", is_flag=True,
              help="For a query that reads the statistics the store keeps (stats): count the whole store instead.")
@click.option("--limit", type=click.IntRange(min=1), metavar="ROWS",
              help="At most this many rows (a listing such as documents shows a page of 100 by default).")
@click.option("--offset", type=click.IntRange(min=0), default=0, metavar="ROWS", help="Skip this many rows first.")
@click.option("--all", "all_rows", is_flag=True, help="Every row of a listing, not one page.")
@release_option
@endpoint_option
@store_option
@click.pass_context
def query(ctx, name: str | None, params: tuple[str, ...], sparql, fmt: str, list_: bool, recount: bool,
          limit: int | None, offset: int, all_rows: bool, releases: tuple[str, ...],
          endpoint: str | None, store_dir: Path) -> None:
    """Run a named query (see 'kg queries') or your own SPARQL.

    A listing (documents, needs-review, audit-findings) shows one page of
    rows and says how many there are; --offset pages on, --all shows every row.

    \b
    kg query monitors --param code=77013
    kg query documents --offset 100
    kg query --sparql my.rq --format json
    kg query alternatives -p code=76942 --endpoint http://localhost:7878/query
    kg query fee-schedule -p code=25310 --release mpfs=RVU24C
    """
    from kg.query import FORMATS, get, run, run_sparql

    if list_:
        ctx.invoke(queries)
        return
    if (name is None) == (sparql is None):
        raise click.UsageError("give a query NAME or --sparql FILE (not both)")
    values = param_values(params)
    store = with_releases(query_target(endpoint, store_dir), releases)
    if all_rows and limit is not None:
        raise click.UsageError("give --limit ROWS or --all, not both")
    if name is not None:
        q = get(name)  # a clear error for an unknown name before anything else
        if limit is None and not all_rows and q.page:
            limit = q.page
        results = run(store, name, recount=recount, limit=limit, offset=offset, **values)
    else:
        if values or limit is not None or offset:
            raise click.UsageError("--param, --limit and --offset work with named queries only")
        results = run_sparql(store, sparql.read(), source=getattr(sparql, "name", "<stdin>"))
    if results.triples is not None:
        sys.stdout.buffer.write(results.to_turtle())
        return
    click.echo(FORMATS[fmt](results).rstrip("\n"))
    from kg.paging import page_note

    note = page_note(len(results.rows), results.offset, results.total)
    if note:
        click.echo(f"kg: {note}", err=True)


def _export_formats() -> list[str]:
    from kg.export import DIRECTORY_FORMATS, EXPORT_FORMATS
    from kg.network import NETWORK_FORMATS

    return [*EXPORT_FORMATS, "void", *NETWORK_FORMATS, *DIRECTORY_FORMATS, RULES_PARQUET]


RULES_PARQUET = "rules-parquet"
"""``kg export --format rules-parquet -o DIR``: kg check's rule tables (:func:`kg.engines.spark.write_rules`); a use
of the store, above kg.export's layer, so the command line adds it."""


@click.command()
@click.option("--format", "fmt", default="trig", show_default=True, type=LazyChoice(_export_formats),
              help="RDF formats; a networkx projection for Gephi (gexf), Cytoscape (graphml) or D3 (nodelink-json); "
                   "the VoID / HCLS description of the store (void); or a directory (-o DIR): fhir (R4 CodeSystems and ConceptMaps), parquet (nodes and edges) or rules-parquet (kg check's rule tables, for --engine spark).")
@click.option("--graph", help="Export only this named graph (a briefing or code-set IRI).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="File to write (default: stdout); the directory, for fhir, parquet and rules-parquet.")
@store_option
def export(fmt: str, graph: str | None, output: Path | None, store_dir: Path) -> None:
    """Export the store (all graphs, or one) as RDF, its dataset description (void), its network projection, FHIR resources or Parquet tables.

    \b
    kg export --format ttl -o kg.ttl
    kg export --format fhir -o fhir/
    kg export --format parquet -o tables/
    kg export --format rules-parquet -o rules/
    """
    from kg.export import DIRECTORY_FORMATS, export_directory
    from kg.export import export as export_store
    from kg.network import NETWORK_FORMATS
    from kg.store import open_store

    if fmt in DIRECTORY_FORMATS or fmt == RULES_PARQUET:
        if output is None or graph is not None:
            raise click.UsageError(f"--format {fmt} needs -o DIR and takes no --graph")
        if output.exists() and not output.is_dir():
            raise click.UsageError(f"--format {fmt} writes a directory; {output} is a file")
        if fmt == RULES_PARQUET:
            from kg.engines.rules import write_rules

            written = write_rules(open_store(store_dir, read_only=True), output)
        else:
            written = export_directory(open_store(store_dir, read_only=True), output, fmt)
        for w in written:
            click.echo(f"skipped {w.id}: {w.skipped}" if w.skipped else f"wrote {w.path}", err=True)
        return
    if output is not None and output.is_dir():
        raise click.UsageError(f"--format {fmt} writes a file; {output} is a directory")
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


@click.command()
@click.option("--bind", default="127.0.0.1:7878", show_default=True, help="HOST:PORT to listen on (loopback by default).")
@click.option("--read-write", is_flag=True, help="Allow SPARQL UPDATE and Graph Store writes (default: read-only).")
@click.option("--timeout-s", type=int,
              help="Per-query time limit in seconds (default 30; a query past it is stopped and answered HTTP 504).")
@store_option
def serve(bind: str, read_write: bool, timeout_s: int | None, store_dir: Path) -> None:
    """Serve the store over HTTP with the Oxigraph server (SPARQL 1.1 Protocol, Graph Store, query UI).

    Put a reverse proxy in front of it for access control (see the README).
    """
    from kg.serve import start
    from kg.serve.links import short_links

    # SIGTERM (kill, systemd, a test harness) must stop the server too, not orphan it; so the
    # handler is in place before anything can be waiting for what this prints.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = start(store_dir, bind=bind, read_write=read_write, timeout_s=timeout_s)
    try:
        click.echo(f"query UI:     {server.base}/")
        click.echo(f"endpoint:     {server.query_url}  (SPARQL 1.1 Protocol; the default graph is the union of all graphs)")
        click.echo(f"graph store:  {server.store_url}" + ("" if read_write else "  (read-only)"))
        if read_write:
            click.echo(f"update:       {server.update_url}")
        click.echo("named queries (open in a browser; 'kg queries --links' prints their SPARQL Protocol URLs):")
        for name, url in short_links(server.base):
            click.echo(f"  {name:<20} {url}")
        click.echo("Ctrl-C stops the server.")
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@click.command()
@click.option("--endpoint", required=True, envvar="KG_ENDPOINT", help="The remote SPARQL query endpoint.")
@click.option("--graph-store", help="The Graph Store Protocol URL (default for Oxigraph: <endpoint base>/store; "
              "Virtuoso: http://HOST:8890/sparql-graph-crud-auth).")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds per request (retries included).")
@click.option("--retries", default=3, show_default=True, help="Retries with backoff on transient failures.")
@click.option("--workers", default=4, show_default=True, help="Requests in flight at once.")
@click.option("--chunk-triples", default=50_000, show_default=True, help="Triples per request (a graph with blank "
              "nodes goes whole).")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path),
              help="The resume journal (default: one per store and graph store under ~/.cache/kg/push).")
@store_option
def push(endpoint: str, graph_store: str | None, timeout: float, retries: int, workers: int, chunk_triples: int,
         journal: Path | None, store_dir: Path) -> None:
    """Upload every named graph to a remote store: chunked, in parallel, resumable.

    Each graph is replaced (PUT, then POST for its further chunks), so pushing
    again never duplicates. Run again after an interruption, it skips the
    graphs already whole there and pushes the others again.
    """
    import hashlib

    from kg.remote import Endpoint
    from kg.remote import push as push_graphs
    from kg.store import open_store

    target = Endpoint(endpoint, graph_store=graph_store, timeout=timeout, retries=retries)
    if journal is None:
        key = hashlib.sha256(f"{store_dir.resolve()}\n{target.graph_store}".encode()).hexdigest()[:24]
        journal = Path.home() / ".cache" / "kg" / "push" / f"{key}.journal"
    store = open_store(store_dir, read_only=True)
    pushed = push_graphs(store, target, journal=journal, workers=workers, chunk_triples=chunk_triples)
    whole = sum(1 for _ in store.named_graphs()) - len(pushed)
    click.echo(f"pushed {len(pushed)} graphs, {sum(n for _, n in pushed)} triples to {target.graph_store}"
               + (f"; {whole} graphs were whole there already" if whole else ""))


COMMANDS = (queries, query, export, serve, push)
"""The commands this module adds to ``kg``."""
