"""The briefing graphs validated in worker processes: with the shapes' SPARQL translation, or with pySHACL.

The parent reads each briefing graph out of the store as N-Triples (pyoxigraph
writes them, no Python object per triple) and hands batches to a pool of
workers, which load them into an in-memory pyoxigraph store (a lookup there
costs a tenth of one in the on-disk store). Each worker parses the shapes once;
then, by engine (:data:`BATCH`):

- ``sparql``: a batch's graphs go in one memory store with the ontology graph,
  and :func:`kg.validate.sparql.check_graphs` checks them all in one pass (one
  query per constraint), each graph in its own data graph;
- ``pyshacl``: every graph on its own in a memory store holding it and the
  ontology graph (pySHACL reads it through its oxigraph data graph).

Either way a graph's data graph is the one :func:`kg.validate.sparql.data_graphs`
names. At most a few batches are in flight, so memory stays bounded whatever
the number of briefings.

When the store is on disk and opened read-only, :func:`validate_store` hands the
workers graph IRIs only: each worker opens the store read-only itself and dumps
its own batches, so the parent serialises nothing, and the other graphs (the
code-set releases, the ontology, the statistics) are checked there too, in the
store, each split by constraint into one task per worker (``check_graph`` on
every n-th check), alongside the briefing batches.

Examples
--------
>>> from kg.build import build
>>> from kg.examples import examples_dir
>>> store = ox.Store()
>>> _ = build(store, examples_dir() / "77013.txt", progress=False)
>>> list(validate_graphs(store, ["https://w3id.org/codekg/briefing/77013.txt"], workers=1))
[[]]
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
from collections.abc import Iterator

import pyoxigraph as ox

from kg.validate.sparql import SH, Violation, check_graph, check_graphs, compile_checks, data_graphs
from kg.vocab import ONTOLOGY

__all__ = ["BATCH", "validate_graphs", "validate_store"]

BATCH = {"sparql": 256, "pyshacl": 64}
"""Briefing graphs per task handed to a worker, by engine."""

_NT = ox.RdfFormat.N_TRIPLES
_worker: dict = {}


def _start(shapes_nt: bytes, engine: str = "pyshacl", path: str | None = None) -> None:
    """Worker set-up: parse the shapes once; keep their SPARQL checks, and one pySHACL validator for every graph
    (engine ``pyshacl``); open the store at ``path`` read-only, if given (:func:`validate_store`)."""
    import logging

    import rdflib

    shapes = rdflib.Graph().parse(data=shapes_nt.decode("utf-8"), format="nt")
    _worker["engine"] = engine
    _worker["checks"] = compile_checks(shapes)
    _worker["ontology"] = None
    if path is not None:
        from kg.store import open_store

        _worker["store"] = open_store(path, read_only=True)
    if engine == "sparql":
        return
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    logging.getLogger("pyshacl").setLevel(logging.ERROR)
    options = {"inference": "none", "advanced": False, "allow_warnings": True, "inplace": True}
    _worker["validator"] = Validator(DataGraph.from_rdflib(rdflib.Graph()), shacl_graph=shapes, options=options)
    _worker["DataGraph"] = DataGraph


def _validate(batch: list[tuple[str, bytes, bytes]]) -> list[list[Violation]]:
    """The violations of each ``(graph IRI, its N-Triples, the ontology's N-Triples)`` of ``batch``."""
    if _worker["engine"] == "sparql":
        return _by_sparql(batch)
    validator, data_graph = _worker["validator"], _worker["DataGraph"]
    out = []
    for graph, data, ontology in batch:
        memory = ox.Store()
        memory.load(data, format=_NT)
        if ontology:
            memory.load(ontology, format=_NT)
        # One Validator for every graph: its parsed shapes are the costly part, and run() reads the data graph
        # from these two attributes (pySHACL 0.40).
        validator.data_graph = data_graph.from_oxigraph_store(memory)
        validator._target_graph = None
        _, report, _ = validator.run()
        out.append(_violations(graph, report))
    return out


def _task(task: tuple) -> tuple[str, list]:
    """One task of :func:`validate_store` on the worker's own store: ``("graph", iri, part, parts)``, every
    ``parts``-th check of one non-briefing graph (its violations), or ``("briefings", iris)``, a batch of
    briefing graphs dumped here (one list of violations per graph)."""
    store = _worker["store"]
    if task[0] == "graph":
        _, graph, part, parts = task
        return graph, check_graph(store, graph, _worker["checks"][part::parts])
    graphs = task[1]
    if _worker["ontology"] is None:
        onto = data_graphs(store, graphs[0])[1:]
        _worker["ontology"] = store.dump(format=_NT, from_graph=onto[0]) if onto else b""
    return "", _validate([(g, store.dump(format=_NT, from_graph=ox.NamedNode(g)), _worker["ontology"])
                          for g in graphs])


def _by_sparql(batch: list[tuple[str, bytes, bytes]]) -> list[list[Violation]]:
    """The violations of each graph of ``batch``: all of them in one memory store, checked in one pass."""
    memory = ox.Store()
    for graph, data, ontology in batch:
        memory.load(data, format=_NT, to_graph=ox.NamedNode(graph))
    if batch and batch[0][2]:
        memory.load(batch[0][2], format=_NT, to_graph=ox.NamedNode(str(ONTOLOGY)))
    by_graph: dict[str, list[Violation]] = {graph: [] for graph, _, _ in batch}
    for v in check_graphs(memory, list(by_graph), _worker["checks"], few=0):  # the store holds the batch only
        by_graph[v.graph].append(v)
    return list(by_graph.values())


def _violations(graph: str, report) -> list[Violation]:
    """The results of a pySHACL report graph as :class:`Violation` objects of ``graph``."""
    from rdflib import BNode, URIRef

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    out = []
    for result in report.objects(None, sh("result")):
        def one(name):
            term = report.value(result, sh(name))
            return None if term is None else term

        focus, value, path = one("focusNode"), one("value"), one("resultPath")
        shape = one("sourceShape")
        out.append(Violation(graph, _nt(focus), str(one("resultMessage") or ""), str(one("sourceConstraintComponent")),
                             None if path is None else str(path), None if value is None else _nt(value),
                             str(one("resultSeverity")), "" if shape is None or isinstance(shape, BNode) else str(shape)))
    return out


def _nt(term) -> str:
    """An rdflib term in N-Triples syntax, as pyoxigraph writes it (so both validators' keys compare)."""
    from rdflib import Literal

    if isinstance(term, Literal):
        dt = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return str(ox.Literal(str(term), language=term.language or None, datatype=None if term.language else dt))
    return term.n3()


def validate_graphs(store: ox.Store, graphs: list[str], *, workers: int = 1, shapes=None,
                    engine: str = "pyshacl") -> Iterator[list[Violation]]:
    """The violations of each of ``graphs`` (briefing graph IRIs), in order, one list per graph.

    ``workers`` > 1 runs a process pool of that size; 1 validates here.
    ``shapes`` is an rdflib shapes graph (default :func:`kg.shapes.shapes_graph`);
    ``engine`` is ``"sparql"`` or ``"pyshacl"`` (see the module docstring).

    Examples
    --------
    >>> list(validate_graphs(ox.Store(), []))
    []
    """
    from kg.shapes import shapes_graph

    shapes_nt = (shapes if shapes is not None else shapes_graph()).serialize(format="nt", encoding="utf-8")
    ontology = b""
    if graphs:
        onto = data_graphs(store, graphs[0])[1:]
        ontology = store.dump(format=_NT, from_graph=onto[0]) if onto else b""
    batches = ([(g, store.dump(format=_NT, from_graph=ox.NamedNode(g)), ontology) for g in chunk]
               for chunk in _chunks(graphs, BATCH[engine]))
    if workers <= 1:
        _start(shapes_nt, engine)
        for batch in batches:
            yield from _validate(batch)
        return
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(shapes_nt, engine)) as pool:
        pending: list[cf.Future] = []
        for batch in batches:
            pending.append(pool.submit(_validate, batch))
            if len(pending) >= 2 * workers:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()


def validate_store(path: str, briefings: list[str], others: list[str], *, workers: int = 2, shapes=None,
                   engine: str = "sparql") -> Iterator[tuple[str, list[Violation]]]:
    """``(graph, its violations)`` for each of ``briefings`` and ``others`` (IRIs, ``""`` the default graph), as
    each is done, in no set order: ``workers`` processes open the store at ``path`` read-only themselves.

    The store must not change meanwhile (a read-only open while another process writes is undefined). Each of
    ``others`` is checked in the store (:func:`kg.validate.sparql.check_graph`) in ``workers`` tasks, each task
    every ``workers``-th constraint, so one big code-set release keeps every worker busy; ``briefings`` go in
    batches of :data:`BATCH` as in :func:`validate_graphs`. The other graphs' tasks are handed out first (the
    longest), and at most ``2 * workers`` briefing batches are in flight.

    Examples
    --------
    >>> from kg.build import build
    >>> from kg.examples import examples_dir
    >>> from kg.store import open_store
    >>> import tempfile
    >>> path = tempfile.mkdtemp()
    >>> _ = build(open_store(path), examples_dir() / "77013.txt", progress=False)
    >>> sorted(validate_store(path, ["https://w3id.org/codekg/briefing/77013.txt"], ["https://w3id.org/codekg/ontology"]))
    [('https://w3id.org/codekg/briefing/77013.txt', []), ('https://w3id.org/codekg/ontology', [])]
    """
    from kg.shapes import shapes_graph

    shapes_nt = (shapes if shapes is not None else shapes_graph()).serialize(format="nt", encoding="utf-8")
    tasks = itertools.chain(((("graph", g, part, workers)) for g in others for part in range(workers)),
                            (("briefings", chunk) for chunk in _chunks(briefings, BATCH[engine])))
    parts = {g: workers for g in others}
    found: dict[str, list[Violation]] = {g: [] for g in others}
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_start,
                                initargs=(shapes_nt, engine, str(path))) as pool:
        pending: dict[cf.Future, tuple] = {}
        while True:
            for task in itertools.islice(tasks, max(0, 2 * workers - len(pending))):
                pending[pool.submit(_task, task)] = task
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                graph, result = future.result()
                if task[0] == "briefings":
                    yield from zip(task[1], result)
                    continue
                found[graph] += result
                parts[graph] -= 1
                if not parts[graph]:
                    yield graph, found.pop(graph)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
