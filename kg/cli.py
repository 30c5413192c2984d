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

from kg.codesets import CODESETS
from kg.errors import KGError
from kg.model import BRIEFING_RELATIONS, NODE_TYPES

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
    """The remote endpoint if one is given, else the local store opened read-only (a :mod:`kg.target`)."""
    if endpoint:
        from kg.remote import Endpoint

        return Endpoint(endpoint)
    from kg.store import open_store

    return open_store(store_dir, read_only=True)


def _param_values(params: tuple[str, ...]) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dict."""
    values: dict[str, str] = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param {p!r}: expected NAME=VALUE")
        values[key.strip()] = value
    return values


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


def _echo_load(report) -> None:
    """One line per code-set load, for 'kg build --codeset' and 'kg codesets load'."""
    outcome = "unchanged, skipped" if report.skipped else f"{report.triples} triples in {report.seconds:.1f}s"
    click.echo(f"{report.name} {report.release} ({report.source_file}): {outcome}")


def _codeset_pair(ctx, param, values: tuple[str, ...]) -> dict[str, Path | None]:
    out: dict[str, Path | None] = {}
    for value in values:
        name, sep, file = value.partition("=")
        if name not in CODESETS:
            raise click.BadParameter(f"unknown code set {name!r}; choose from {', '.join(CODESETS)}", ctx, param)
        if not sep and CODESETS[name].default_file is None:
            raise click.BadParameter(f"{name} needs a file: --codeset {name}=FILE", ctx, param)
        if sep and not Path(file).is_file():
            raise click.BadParameter(f"{file}: no such file", ctx, param)
        out[name] = Path(file) if sep else None
    return out


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--examples", is_flag=True, help="Build the example briefings bundled with kg.")
@click.option("--codeset", "codesets", multiple=True, callback=_codeset_pair, metavar="NAME=FILE",
              help="Also load this code set, at the same time (repeatable; one of "
                   f"{', '.join(CODESETS)}; 'icd10cm' alone means the packaged XML).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@store_option
def build(paths: tuple[Path, ...], examples: bool, codesets: dict[str, Path | None], progress: bool | None,
          store_dir: Path) -> None:
    """Build briefings (files or folders) into the store.

    Incremental: unchanged documents are skipped, changed ones replaced. A
    document that fails to parse is reported with file:line and skipped; the
    others are built and the exit code is 1.

    With --codeset, the official code sets load while the briefings build,
    which on a fresh store is faster than 'kg build' then 'kg codesets load':

    \b
    kg build briefings/ --codeset icd10cm --codeset ncci-ptp=ncci_ptp_practitioner_2024q3.csv.gz
    """
    from kg.examples import examples_dir
    from kg.pipeline import build_all
    from kg.store import open_store, triple_count

    if examples:
        paths = paths + (examples_dir(),)
    if not paths:
        raise click.UsageError("give briefing files or folders, or --examples")
    store = open_store(store_dir)
    report, loaded = build_all(store, paths, codesets, progress=progress)
    for err in report.errors:
        click.echo(f"kg: error: {err}", err=True)
    for r in loaded:
        _echo_load(r)
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
@click.option("--list", "list_", is_flag=True, help="List the named queries (as 'kg queries' does).")
@endpoint_option
@store_option
@click.pass_context
def query(ctx, name: str | None, params: tuple[str, ...], sparql, fmt: str, list_: bool, endpoint: str | None,
          store_dir: Path) -> None:
    """Run a named query (see 'kg queries') or your own SPARQL.

    \b
    kg query monitors --param code=77013
    kg query --sparql my.rq --format json
    kg query alternatives -p code=76942 --endpoint http://localhost:7878/query
    """
    from kg.query import FORMATS, get, run, run_sparql

    if list_:
        ctx.invoke(queries)
        return
    if (name is None) == (sparql is None):
        raise click.UsageError("give a query NAME or --sparql FILE (not both)")
    values = _param_values(params)
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
    from kg.export import export as export_store
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


def _graph(endpoint: str | None, store_dir: Path, **options):
    from kg.network import project

    return project(_target(endpoint, store_dir), **options)


def _name(G, n: str) -> str:
    d = G.nodes[n]
    return f"{d.get('notation', n)}  {d.get('label', '')}".rstrip()


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--max-paths", default=10, show_default=True, help="At most this many paths.")
@click.option("--hierarchies", is_flag=True, help="Also walk the code-set hierarchies (ICD-10-CM, NUCC).")
@endpoint_option
@store_option
def explain(a: str, b: str, max_paths: int, hierarchies: bool, endpoint: str | None, store_dir: Path) -> None:
    """How are codes A and B connected? The shortest typed paths, with the document and line of each step."""
    from kg.network import explain as explain_paths

    G = _graph(endpoint, store_dir, hierarchies=hierarchies)
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
@click.option("--relation", "relations", multiple=True, type=click.Choice(list(BRIEFING_RELATIONS)),
              help="Only these relations (repeatable).")
@endpoint_option
@store_option
def neighbours(code: str, depth: int, relations: tuple[str, ...], endpoint: str | None, store_dir: Path) -> None:
    """The codes within DEPTH hops of CODE, and the edges between them."""
    from kg.network import neighbours as around

    G = _graph(endpoint, store_dir)
    H = around(G, code, depth=depth, relations=relations or None)
    for u, v, k in sorted(H.edges(keys=True), key=lambda e: (e[2], H.nodes[e[0]]["notation"], H.nodes[e[1]]["notation"])):
        click.echo(f"{H.nodes[u]['notation']}\t{k}\t{H.nodes[v]['notation']}")
    click.echo(f"({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)")


@main.command()
@click.option("--type", "node_type", type=click.Choice(list(NODE_TYPES)))
@click.option("--measure", type=click.Choice(["degree", "pagerank"]), default="degree", show_default=True)
@click.option("--top", default=10, show_default=True)
@endpoint_option
@store_option
def hubs(node_type: str | None, measure: str, top: int, endpoint: str | None, store_dir: Path) -> None:
    """The most connected codes (degree or PageRank), optionally of one type."""
    from kg.network import hubs as rank

    G = _graph(endpoint, store_dir)
    for n, score in rank(G, node_type=node_type, measure=measure, top=top):
        click.echo(f"{score:10.4f}  {_name(G, n)}")


@main.command()
@click.argument("code")
@click.option("--top", default=10, show_default=True)
@endpoint_option
@store_option
def similar(code: str, top: int, endpoint: str | None, store_dir: Path) -> None:
    """Procedures most like CODE: shared diagnoses, modifiers and specialties (Jaccard)."""
    from kg.network import similar as rank

    G = _graph(endpoint, store_dir)
    for n, score in rank(G, code, top=top):
        click.echo(f"{score:6.3f}  {_name(G, n)}")


@main.command()
@click.argument("code")
@click.option("--system", type=click.Choice(["CPT", "HCPCS", "ICD10CM", "NUCC", "MOD"]),
              help="The code system, when CODE's shape fits several (G0439 is HCPCS; G04.39 ICD-10-CM).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@endpoint_option
@store_option
def show(code: str, system: str | None, fmt: str, endpoint: str | None, store_dir: Path) -> None:
    """One code's facts: official label and parents, fee schedule, MUE, add-on, NCCI, briefings, findings.

    \b
    kg show 77013
    kg show C22.0 --format json
    """
    from kg.show import FORMATS
    from kg.show import show as facts

    click.echo(FORMATS[fmt](facts(_target(endpoint, store_dir), code, system=system)))


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
        click.echo("named queries (open, or paste into the UI):")
        for name, url in query_links(server.base):
            click.echo(f"  {name}: {url}")
        click.echo("Ctrl-C stops the server.")
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
@click.argument("code", required=False)
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 6), help="Hops around CODE.")
@click.option("--all", "whole", is_flag=True, help="The whole briefing graph.")
@click.option("--hierarchies", is_flag=True, help="With --all: also the code-set hierarchies (ICD-10-CM, NUCC).")
@click.option("--query", "query_name", metavar="NAME", help="The subgraph a named query returns (see 'kg queries').")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind a --query parameter.")
@click.option("--sparql", type=click.File("r", encoding="utf-8"), help="The subgraph your CONSTRUCT or SELECT returns.")
@click.option("--audit", is_flag=True, help="The audit findings on the graph.")
@click.option("--physics/--no-physics", default=None, help="vis-network physics (default: on up to 300 nodes).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default="kg-view.html",
              show_default=True, help="The HTML file to write.")
@endpoint_option
@store_option
def view(code, depth, whole, hierarchies, query_name, params, sparql, audit, physics, output, endpoint, store_dir) -> None:
    """Write an interactive, self-contained HTML view of the graph.

    \b
    kg view 77013 --depth 2 -o 77013.html     # the codes around a code
    kg view --all -o all.html                 # every briefing
    kg view --query monitors -p code=77013    # what a named query returns
    kg view --sparql my.rq                    # what your CONSTRUCT or SELECT returns
    kg view --audit -o audit.html             # the audit findings on the graph
    """
    from kg.view import view as make_view

    modes = [code is not None, whole, query_name is not None, sparql is not None, audit]
    if sum(modes) != 1:
        raise click.UsageError("give one of CODE, --all, --query NAME, --sparql FILE or --audit")
    values = _param_values(params)
    store = _target(endpoint, store_dir)
    page = make_view(
        store, code, depth=depth, all=whole, hierarchies=hierarchies, query=query_name,
        sparql=sparql.read() if sparql is not None else None, audit=audit, params=values, physics=physics,
        source=getattr(sparql, "name", "<stdin>"),
    )
    page.save(output)
    click.echo(f"wrote {output}: {page.node_count} nodes, {page.edge_count} edges"
               + ("" if page.physics else " (fixed layout, physics off)"), err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a finding of this severity or worse is found.")
@click.option("--write/--no-write", default=True, show_default=True,
              help="Record the findings in the store's audit graph (for 'kg query audit-findings' and views).")
@click.option("--context", type=click.Choice(["practitioner", "hospital"]), default="practitioner", show_default=True,
              help="The NCCI PTP edits to check against.")
@endpoint_option
@store_option
def audit(fmt: str, fail_on: str, write: bool, context: str, endpoint: str | None, store_dir: Path) -> None:
    """Check every code the briefings mention against the loaded official code sets.

    Load the code sets first ('kg codesets load'); a check whose code set is
    not loaded is skipped.
    """
    from kg.audit import FORMATS, SEVERITY_RANK, worst, write_findings
    from kg.audit import audit as run_audit

    target = _target(endpoint, store_dir)
    findings = run_audit(target, context)
    if write and not endpoint:
        from kg.store import open_store

        del target  # the read-only handle; writing needs the store itself
        write_findings(open_store(store_dir), findings)
    click.echo(FORMATS[fmt](findings).rstrip("\n"))
    if fail_on != "never" and worst(findings) >= SEVERITY_RANK[fail_on]:
        sys.exit(1)


@main.command()
@click.argument("expected", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("briefings", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Read the add-on codes from this store's code sets, as 'kg build' would (none by default).")
def evaluate(expected: Path, briefings: tuple[Path, ...], fmt: str, store_dir: Path | None) -> None:
    """Score kg's typed edges on labelled briefings: EXPECTED.json is the answer key (see the README)."""
    import json

    from kg.evaluate import evaluate as score

    addons = None
    if store_dir is not None:
        from kg.knowledge import add_on_codes
        from kg.store import open_store

        addons = add_on_codes(open_store(store_dir, read_only=True))
    result = score(expected, briefings, addons=addons)
    click.echo(json.dumps(result.to_dict(), indent=2) if fmt == "json" else result.table())


@main.command()
@click.argument("codes", nargs=-1)
@click.option("--claims", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of claim lines: claim_id, line, code, modifiers, units, dx, pos (and optionally dos).")
@click.option("--dx", multiple=True, help="With CODES: a diagnosis of the claim (repeatable).")
@click.option("--units", type=int, default=1, show_default=True, help="With CODES: units on each line.")
@click.option("--pos", default="", help="With CODES: place of service.")
@click.option("--dos", default="", help="With CODES: date of service (YYYY-MM-DD).")
@click.option("--context", type=click.Choice(["practitioner", "hospital"]), default="practitioner", show_default=True,
              help="The NCCI PTP edits to check against.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit 1 when a finding of this severity or worse is found.")
@store_option
def check(codes, claims, dx, units, pos, dos, context, fmt, fail_on, store_dir: Path) -> None:
    """Check claim lines against the loaded rules (NCCI, MUE, add-on, MPFS, ICD-10-CM).

    \b
    kg check --claims claims.csv --format json
    kg check 93306 93320-26 --dx I50.9 --units 1
    """
    from kg.check import SEVERITY_RANK, check_claims, worst
    from kg.claims import FORMATS, from_args, read_claims
    from kg.store import open_store

    if bool(codes) == bool(claims):
        raise click.UsageError("give either CODES or --claims FILE")
    lines, errors = read_claims(claims) if claims else (from_args(codes, dx=dx, units=units, pos=pos, dos=dos), [])
    skipped: list[str] = []
    findings = check_claims(open_store(store_dir, read_only=True), lines, context=context, skipped=skipped)
    for note in skipped:
        click.echo(f"kg: not checked: {note} (kg codesets load)", err=True)
    for err in errors:
        click.echo(f"kg: error: {err}", err=True)
    click.echo(FORMATS[fmt](findings).rstrip("\n"))
    if errors or (fail_on != "never" and worst(findings) >= SEVERITY_RANK[fail_on]):
        sys.exit(1)


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


_codeset_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@main.group()
def codesets() -> None:
    """Load the official code sets (ICD-10-CM, NUCC, HCPCS, POS, MPFS, NCCI) into the store."""


def _codeset_options(command):
    """``--NAME FILE`` per code set of kg.codesets.CODESETS; ``--NAME [FILE]`` and ``--no-NAME`` for one with a default."""
    for name, cs in reversed(CODESETS.items()):
        text = f"{cs.file[:1].upper()}{cs.file[1:]}."
        if cs.default_file is not None:
            command = click.option(f"--{name}", is_flag=False, flag_value="", default=None, metavar="[FILE]", help=text)(
                click.option(f"--no-{name}", is_flag=True, help=f"Do not load {cs.label} (it loads by default).")(command))
        else:
            command = click.option(f"--{name}", type=_codeset_file, help=text)(command)
    return command


_WITH_DELETED = " or ".join(f"--{n}" for n, cs in CODESETS.items() if "include_deleted" in cs.options)


@codesets.command("load")
@_codeset_options
@click.option("--ncci-include-deleted", is_flag=True, help=f"With {_WITH_DELETED}: also load deleted edits.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
@store_option
def codesets_load(ncci_include_deleted: bool, progress: bool | None, store_dir: Path, **files: Path | str | None) -> None:
    """Load code-set files, each into its own graph.

    A file already loaded (same SHA-256) is skipped; a different file
    replaces the release loaded before. NCCI PTP edits have two contexts,
    each its own release: --ncci-ptp (practitioner) and --ncci-ptp-hospital.

    \b
    kg codesets load --nucc nucc_taxonomy_251.csv --pos place_of_service_codes_cms.csv
    kg codesets load --no-icd10cm --ncci-ptp ncci_ptp_practitioner_2024q3.csv.gz
    kg codesets load --no-icd10cm --cpt my_licensed_cpt.txt
    """
    from kg.pipeline import load_codesets
    from kg.store import open_store

    sources: dict[str, Path | None] = {}
    for name, cs in CODESETS.items():
        value, skip = files[name.replace("-", "_")], files.get(f"no_{name.replace('-', '_')}", False)
        if value is not None and skip:
            raise click.UsageError(f"give --{name} or --no-{name}, not both")
        if value is not None or (cs.default_file is not None and not skip):
            sources[name] = Path(value) if value else None
    if not sources:
        raise click.UsageError("nothing to load: give a code-set file, or drop --no-icd10cm")
    for report in load_codesets(open_store(store_dir), sources, progress=progress,
                                include_deleted=ncci_include_deleted):
        _echo_load(report)


@codesets.command("list")
@store_option
def codesets_list(store_dir: Path) -> None:
    """List the code-set releases loaded in the store."""
    from kg.codesets import releases
    from kg.store import open_store

    rows = [("name", "release", "file", "sha256", "triples", "loaded at")]
    rows += [(r["name"], r["release"], r["file"], r["sha256"][:12], r["triples"], r["loaded"])
             for r in releases(open_store(store_dir, read_only=True))]
    if len(rows) == 1:
        click.echo("no code sets loaded; run 'kg codesets load'")
        return
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


if __name__ == "__main__":  # pragma: no cover
    main()
