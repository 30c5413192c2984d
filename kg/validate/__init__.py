"""``kg validate`` at any scale: every graph of the store checked against the kg shapes on its own.

Each named graph is validated with its own data graph (the graph plus the
ontology graph, :func:`kg.validate.sparql.data_graphs`), so a violation names
its graph and its node. Two engines (:data:`ENGINES`) check the briefing graphs:

- ``sparql`` (the default): the shapes translated into SPARQL
  (:mod:`kg.validate.sparql`); worker processes load batches of briefing
  graphs into memory stores and check a batch in one pass, one query per
  constraint over all its graphs (:mod:`kg.validate.briefings`);
- ``pyshacl``: pySHACL, graph by graph, in the same workers, the reference
  the translation is tested against (tests/test_validate.py).

Every other graph (the code-set releases, the ontology, the statistics, the
audit findings) always goes through the SPARQL translation: a release of
millions of triples is never copied into rdflib.

Given the store's directory (``path``: the store was opened read-only from it,
as ``kg validate`` does), the workers open the store themselves
(:func:`kg.validate.briefings.validate_store`): they dump their own briefing
batches and check the other graphs too, in parallel with the briefings; else
the parent checks the other graphs and dumps the briefing batches for them.

The shapes are :func:`kg.shapes.shapes_graph`; the old whole-store path,
:func:`kg.shapes.validate`, copies the union into rdflib and suits only small
stores.

Examples
--------
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> store = ox.Store()
>>> _ = build(store, examples_dir() / "77013.txt", progress=False)
>>> report = validate(store)
>>> report.conforms, report.graphs["briefing"]
(True, 1)
>>> print(report.text().splitlines()[1])
Conforms: True
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.store import documents
from kg.validate.briefings import validate_graphs, validate_store
from kg.validate.sparql import SH, Violation, check_graphs, compile_checks

__all__ = ["ENGINES", "FORMATS", "ValidationReport", "Violation", "graph_kind", "validate"]

ENGINES = ("sparql", "pyshacl")
"""How the briefing graphs are validated: the SPARQL translation, in one pass over every graph (the default), or
pySHACL, graph by graph in worker processes (the reference the translation is tested against)."""


@dataclass
class ValidationReport:
    """What :func:`validate` found: the violations, and how many graphs of each kind it checked.

    ``conforms`` is true when no result has severity ``sh:Violation``
    (warnings and infos are reported but do not fail).

    Examples
    --------
    >>> r = ValidationReport([Violation("http://g", "<http://x>", "bad", SH + "MinCountConstraintComponent")],
    ...                      Counter(codeset=1))
    >>> r.conforms, r.text().splitlines()[2]
    (False, 'Graphs checked: 1 (1 codeset)')
    """

    violations: list[Violation] = field(default_factory=list)
    graphs: Counter = field(default_factory=Counter)

    @property
    def conforms(self) -> bool:
        return not any(v.severity == SH + "Violation" for v in self.violations)

    def text(self) -> str:
        """The report as text, in pySHACL's layout, each result with its graph."""
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.graphs.items()))
        lines = ["Validation Report", f"Conforms: {self.conforms}",
                 f"Graphs checked: {sum(self.graphs.values())} ({kinds})"]
        if self.violations:
            lines.append(f"Results ({len(self.violations)}):")
        for v in self.violations:
            component = v.component.rsplit("#", 1)[-1]
            lines += [f"Constraint Violation in {component} ({v.component}):",
                      f"\tSeverity: sh:{v.severity.rsplit('#', 1)[-1]}",
                      f"\tGraph: <{v.graph}>" if v.graph else "\tGraph: the default graph",
                      *([f"\tSource Shape: <{v.shape}>"] if v.shape else []),
                      f"\tFocus Node: {v.focus}",
                      *([f"\tValue Node: {v.value}"] if v.value is not None else []),
                      *([f"\tResult Path: <{v.path}>"] if v.path else []),
                      f"\tMessage: {v.message}"]
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        """The report as JSON: ``conforms``, ``graphs`` (by kind) and ``results`` (one object per violation)."""
        results = [{"graph": v.graph, "focusNode": v.focus, "resultPath": v.path, "value": v.value,
                    "sourceConstraintComponent": v.component, "resultSeverity": v.severity,
                    "sourceShape": v.shape or None, "resultMessage": v.message} for v in self.violations]
        return json.dumps({"conforms": self.conforms, "graphs": dict(sorted(self.graphs.items())),
                           "results": results}, indent=2) + "\n"


FORMATS = {"text": ValidationReport.text, "json": ValidationReport.json}
"""Output formats of ``kg validate --format``."""


def graph_kind(graph: str) -> str:
    """What kind of graph an IRI names, for the summary: ``briefing``, ``codeset``, ``ontology`` or ``other``.

    Examples
    --------
    >>> graph_kind("https://w3id.org/codekg/codeset/ncci-ptp/2024Q3/0123456789ab"), graph_kind("")
    ('codeset', 'default')
    """
    from kg.codesets.catalog import CODESET
    from kg.vocab import BRIEFING, ONTOLOGY

    if not graph:
        return "default"
    if graph.startswith(BRIEFING):
        return "briefing"
    if graph.startswith(CODESET):
        return "codeset"
    return "ontology" if graph == str(ONTOLOGY) else "other"


def validate(store: ox.Store, *, engine: str = "sparql", workers: int | None = None,
             progress: bool | None = False, shapes=None, graphs: Iterable[str] | None = None,
             path: str | os.PathLike | None = None) -> ValidationReport:
    """Validate every graph of ``store`` against the kg shapes, each graph on its own (see the module docstring).

    Parameters
    ----------
    store : pyoxigraph.Store
        Read only.
    engine : {"sparql", "pyshacl"}
        How the briefing graphs are validated (:data:`ENGINES`); the other
        graphs always go through the SPARQL translation.
    workers : int, optional
        Worker processes; default: one per core when there are more than a
        few hundred briefings, else none (everything in this process).
    progress : bool or None
        A progress bar on stderr (``None``: when it is a terminal).
    shapes : rdflib.Graph, optional
        The shapes; default :func:`kg.shapes.shapes_graph`.
    graphs : iterable of str, optional
        Validate only these graphs (IRIs; ``""`` is the default graph).
    path : path-like, optional
        The directory ``store`` was opened from, read-only; with more than
        one worker, the workers open it themselves and check every graph
        (nothing may write the store meanwhile).

    Raises
    ------
    kg.errors.ShapesError
        If the shapes use a constraint the SPARQL translation does not support.

    Examples
    --------
    A code node planted in a code-set release without its notation:

    >>> store = ox.Store()
    >>> release = ox.NamedNode("https://w3id.org/codekg/codeset/nucc/25.1/0123456789ab")
    >>> code = ox.NamedNode("https://w3id.org/codekg/nucc/207L00000X")
    >>> store.add(ox.Quad(code, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    ...                   ox.NamedNode("https://w3id.org/codekg/ontology#ProviderTaxonomy"), release))
    >>> report = validate(store)
    >>> report.conforms, sorted({(v.graph == release.value, v.focus, v.path.rsplit("#")[1]) for v in report.violations})
    (False, [(True, '<https://w3id.org/codekg/nucc/207L00000X>', 'inScheme'), (True, '<https://w3id.org/codekg/nucc/207L00000X>', 'notation')])
    """
    from kg.shapes import shapes_graph

    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: one of {', '.join(ENGINES)}")
    shapes = shapes if shapes is not None else shapes_graph()
    checks = compile_checks(shapes)  # refuses what it cannot translate before anything runs
    briefings = documents(store)
    named = {g.value for g in store.named_graphs()}
    others = sorted(named - set(briefings))
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        others.insert(0, "")
    if graphs is not None:
        wanted = set(graphs)
        briefings, others = [g for g in briefings if g in wanted], [g for g in others if g in wanted]
    report = ValidationReport()
    if workers is None:
        workers = (os.cpu_count() or 1) if len(briefings) >= 200 else 1
    from tqdm import tqdm

    disable = None if progress is None else not progress
    if path is not None and workers > 1:
        with tqdm(total=len(briefings) + len(others), desc=f"kg validate ({engine})", unit="graph",
                  disable=disable, leave=False) as bar:
            for graph, found in validate_store(path, briefings, others, workers=workers, shapes=shapes,
                                               engine=engine):
                report.violations += found
                bar.update()
    else:
        report.violations += check_graphs(store, others, checks, progress=progress)  # in the store, one by one
        if briefings:
            with tqdm(total=len(briefings), desc=f"kg validate ({engine})", unit="graph", disable=disable,
                      leave=False) as bar:
                for found in validate_graphs(store, briefings, workers=workers, shapes=shapes, engine=engine):
                    report.violations += found
                    bar.update()
    report.graphs.update(graph_kind(g) for g in others)
    if briefings:
        report.graphs["briefing"] += len(briefings)
    report.violations.sort(key=lambda v: (v.graph, v.focus, v.component, v.path or "", v.value or ""))
    return report
