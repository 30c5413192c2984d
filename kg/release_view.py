"""Reading another release than the current one: ``--release NAME=LABEL`` on ``kg query``, ``kg show``, ``kg check``.

kg's queries pick the current release of a code set with the pattern
``?g a kg:CodeSetRelease`` in graph ``?g`` (:mod:`kg.codesets.catalog`). A
:class:`ReleaseView` wraps a query target and rewrites that pattern in every
query it runs into ``FILTER(?g IN (...)) ?g kg:codeSet []``: the graphs listed
are the current release of every code set, with the chosen release in place
of the current one of its set. Nothing is written, so a read-only store or a
remote endpoint works; the cost is a FILTER over a dozen IRIs.

Examples
--------
>>> print(pin("SELECT * { GRAPH ?g { ?g a kg:CodeSetRelease ; kg:release ?r } }", ["http://g/1"]))
SELECT * { GRAPH ?g { FILTER(?g IN (<http://g/1>)) ?g kg:codeSet [] ; kg:release ?r } }
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from kg.errors import CodeSetError
from kg.target import NativeResults, QueryTarget, as_target

__all__ = ["ReleaseView", "parse_releases", "pin"]

_MARKER = re.compile(r"(\?\w+)\s+a\s+kg:CodeSetRelease\b")
_CODESET = "https://w3id.org/codekg/codeset/"


def pin(sparql: str, graphs: Iterable[str]) -> str:
    """``sparql`` with each ``?x a kg:CodeSetRelease`` limited to ``graphs`` (of any state) instead.

    Examples
    --------
    >>> pin("ASK { GRAPH ?g { ?g a kg:CodeSetRelease . } }", [])
    'ASK { GRAPH ?g { FILTER(false) ?g kg:codeSet [] . } }'
    """
    listed = ", ".join(str(ox.NamedNode(g)) for g in graphs)
    test = "false" if not listed else None
    return _MARKER.sub(lambda m: f"FILTER({test or f'{m.group(1)} IN ({listed})'}) {m.group(1)} kg:codeSet []",
                       sparql)


def parse_releases(values: Iterable[str]) -> dict[str, str]:
    """``NAME=LABEL`` options as a dict.

    Examples
    --------
    >>> parse_releases(["mpfs=RVU24C"])
    {'mpfs': 'RVU24C'}
    >>> parse_releases(["RVU24C"])
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: --release 'RVU24C': expected CODESET=RELEASE (mpfs=RVU24C)
    """
    out = {}
    for v in values:
        name, sep, label = v.partition("=")
        if not sep or not name.strip() or not label.strip():
            raise CodeSetError(f"--release {v!r}: expected CODESET=RELEASE (mpfs=RVU24C)")
        out[name.strip()] = label.strip()
    return out


class ReleaseView:
    """A query target that reads the releases ``picks`` names (code set -> release label), the current ones otherwise.

    Raises
    ------
    CodeSetError
        If a release picked is not loaded (the message lists those that are).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from kg.codesets import CODESETS
    >>> from kg.query import run
    >>> folder, store = Path(tempfile.mkdtemp()), ox.Store()
    >>> for name, rvu in [("rvu24c", "3.99"), ("rvu25d", "4.10")]:
    ...     _ = (folder / f"pprrvu_{name}.csv").write_text("hcpcs,mod,status_code,work_rvu,pctc_ind,glob_days,"
    ...         "mult_proc,bilat_surg,asst_surg,co_surg,team_surg\\n77013,,A," + rvu + ",1,XXX,0,0,0,0,0\\n")
    ...     _ = CODESETS["mpfs"].load(store, folder / f"pprrvu_{name}.csv", progress=False)
    >>> [(r["workRVU"], r["release"]) for r in run(store, "fee-schedule", code="77013").records()]
    [('4.1', 'RVU25D')]
    >>> old = ReleaseView(store, {"mpfs": "RVU24C"})
    >>> [(r["workRVU"], r["release"]) for r in run(old, "fee-schedule", code="77013").records()]
    [('3.99', 'RVU24C')]
    >>> ReleaseView(store, {"mpfs": "RVU23A"})
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: code set 'mpfs' has no release 'RVU23A' loaded; it has RVU24C, RVU25D
    """

    def __init__(self, target, picks: Mapping[str, str]) -> None:
        from kg.query import run_sparql
        from kg.queries import internal_query

        self.target: QueryTarget = as_target(target)
        loaded = run_sparql(self.target, internal_query("release-graphs"), source="release-graphs.rq").records()
        chosen: dict[str, str] = {}
        for r in loaded:
            name = r["set"].removeprefix(_CODESET)
            if r["current"] in (True, "true") and name not in picks:
                chosen[name] = r["g"]
        for name, label in picks.items():
            found = [r["g"] for r in loaded if r["set"] == _CODESET + name and r["release"] == label]
            if not found:
                have = sorted(r["release"] for r in loaded if r["set"] == _CODESET + name)
                raise CodeSetError(f"code set {name!r} has no release {label!r} loaded; it has "
                                   f"{', '.join(have) or 'none'}")
            chosen[name] = found[0]
        self.graphs = dict(sorted(chosen.items()))

    def query(self, sparql: str) -> NativeResults:
        """Run ``sparql`` on the releases of this view.

        Examples
        --------
        >>> bool(ReleaseView(ox.Store(), {}).query("ASK { GRAPH ?g { ?g a kg:CodeSetRelease } }"))
        False
        """
        return self.target.query(pin(sparql, self.graphs.values()))

    def __repr__(self) -> str:
        return f"ReleaseView({self.target!r}, {self.graphs!r})"
