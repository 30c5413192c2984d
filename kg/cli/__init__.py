"""The ``kg`` command line. It parses arguments, calls the API, prints, and
maps errors to exit codes; it holds no logic of its own.

The commands are grouped by what users do: :mod:`kg.cli.build` (build, codesets),
:mod:`kg.cli.query` (queries, query, export, serve, push), :mod:`kg.cli.network`
(explain, neighbours, hubs, similar, view) and :mod:`kg.cli.audit` (audit, check,
show, validate, evaluate); :mod:`kg.cli.options` holds the options they share.

Exit codes: 0 success; 1 some documents failed to build (the rest were
built) or another kg error; 2 usage error.
"""

from __future__ import annotations

import sys

import click

from kg.cli import audit, build, network, query, releases
from kg.errors import KGError

__all__ = ["main"]


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


for _module in (build, query, network, audit, releases):
    for _command in _module.COMMANDS:
        main.add_command(_command)
