"""What several ``kg`` commands share: the ``--store`` and ``--endpoint`` options,
the query target they select, and ``--param NAME=VALUE`` parsing."""

from __future__ import annotations

from pathlib import Path

import click

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


def query_target(endpoint: str | None, store_dir: Path):
    """The remote endpoint if one is given, else the local store opened read-only (a :mod:`kg.target`).

    Examples
    --------
    >>> query_target("http://127.0.0.1:1/query", Path("unused")).url
    'http://127.0.0.1:1/query'
    """
    if endpoint:
        from kg.remote import Endpoint

        return Endpoint(endpoint)
    from kg.store import open_store

    return open_store(store_dir, read_only=True)


release_option = click.option(
    "--release", "releases", multiple=True, metavar="CODESET=RELEASE",
    help="Read this release of a code set instead of its current one (see 'kg codesets list --all'); repeatable.")


def with_releases(target, releases: tuple[str, ...]):
    """``target`` as it is, or a :class:`kg.release_view.ReleaseView` of the ``--release`` picks.

    Examples
    --------
    >>> with_releases("unchanged", ())
    'unchanged'
    """
    if not releases:
        return target
    from kg.release_view import ReleaseView, parse_releases

    return ReleaseView(target, parse_releases(releases))


def param_values(params: tuple[str, ...]) -> dict[str, str]:
    """``--param NAME=VALUE`` options as a dict.

    Examples
    --------
    >>> param_values(("code=77013", "other = 47382"))
    {'code': '77013', 'other': ' 47382'}
    >>> param_values(("code",))
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: --param 'code': expected NAME=VALUE
    """
    values: dict[str, str] = {}
    for p in params:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param {p!r}: expected NAME=VALUE")
        values[key.strip()] = value
    return values


class LazyChoice(click.Choice):
    """A :class:`click.Choice` whose choices come from a registry, read when first needed.

    Building the ``kg`` command tree then imports no registry (code sets, export formats), so
    ``kg --help`` and a one-hop ``kg query`` start fast.

    Examples
    --------
    >>> calls = []
    >>> choice = LazyChoice(lambda: calls.append(1) or ["ttl", "nt"])
    >>> len(calls)
    0
    >>> choice.choices, choice.choices, len(calls)
    (('ttl', 'nt'), ('ttl', 'nt'), 1)
    """

    def __init__(self, load, case_sensitive: bool = True) -> None:
        self._load = load
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, value) -> None:
        self._choices = tuple(value)


class RegistryCommand(click.Command):
    """A command with options generated from a registry (``params_from``), made when the command is first
    parsed or its help shown, never when ``kg`` starts. They go before the command's declared options.

    Examples
    --------
    >>> cmd = RegistryCommand("load", params_from=lambda: [click.Option(["--nucc"])], callback=lambda **kw: kw)
    >>> [p.name for p in cmd.params], cmd.main(["--nucc", "x.csv"], standalone_mode=False)
    ([], {'nucc': 'x.csv'})
    """

    def __init__(self, *args, params_from=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._params_from = params_from

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if self._params_from is not None:
            self.params[:0] = self._params_from()
            self._params_from = None
        return super().get_params(ctx)
