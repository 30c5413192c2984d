"""Writing the store out: RDF files, and rdflib objects.

Examples
--------
>>> import io, tempfile
>>> from kg.examples import examples_dir
>>> from kg.build import build
>>> from kg.store import open_store
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, examples_dir() / "77013.txt", progress=False)
>>> out = io.BytesIO()
>>> export(store, out, "ttl")
>>> b"cpt:77013" in out.getvalue()
True
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError
from kg.queries import internal_query
from kg.vocab import PREFIXES

__all__ = ["DIRECTORY_FORMATS", "EXPORT_FORMATS", "export", "export_directory", "to_rdflib", "to_rdflib_graph"]


EXPORT_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
"""``kg export --format`` choices -> pyoxigraph format (and ``void``: the dataset description, see :func:`export`)."""

_VOID_PREFIXES = {**PREFIXES, "void": "http://rdfs.org/ns/void#", "pav": "http://purl.org/pav/"}


def _fhir(store: ox.Store, directory: Path) -> list:
    from kg.fhir import write_fhir

    return write_fhir(store, directory)


def _parquet(store: ox.Store, directory: Path) -> list:
    from kg.parquet import write_parquet

    return write_parquet(store, directory)


DIRECTORY_FORMATS: dict[str, tuple[Callable[[ox.Store, Path], list], str]] = {
    "fhir": (_fhir, "FHIR R4 CodeSystems and ConceptMaps (NDJSON Bundles), for terminology servers"),
    "parquet": (_parquet, "nodes.parquet and edges.parquet, for DuckDB, Spark and pandas"),
}
"""``kg export --format`` choices that write a directory (``-o DIR``) -> (writer, what it writes).

A writer takes the store and the directory and returns what it wrote (objects with ``path`` and
``skipped``). A new format is one entry here."""


def export_directory(store: ox.Store, directory, fmt: str) -> list:
    """Write the store in directory format ``fmt`` (:data:`DIRECTORY_FORMATS`) into ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> [w.id for w in export_directory(ox.Store(), tempfile.mkdtemp(), "fhir")][:2]
    ['relation', 'specialty']
    >>> export_directory(ox.Store(), tempfile.mkdtemp(), "csv")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: unknown directory export format 'csv'; choose one of fhir, parquet
    """
    try:
        writer, _ = DIRECTORY_FORMATS[fmt]
    except KeyError:
        choices = ", ".join(DIRECTORY_FORMATS)
        raise KGError(f"unknown directory export format {fmt!r}; choose one of {choices}") from None
    return writer(store, Path(directory))


def export(store: ox.Store, output, fmt: str, *, graph: str | None = None) -> None:
    """Write the store, or one named graph, to ``output`` (a path or binary file).

    Triple formats (``ttl``, ``nt``) without ``graph`` get the union of all
    graphs, each triple once. Quad formats keep the named graphs. ``void``
    writes, in Turtle, the VoID / HCLS dataset description the store keeps
    (:mod:`kg.stats`): quads per graph, nodes per class and edges per
    relation, the code-set releases and the briefings.

    Examples
    --------
    >>> import io, tempfile
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> out = io.BytesIO()
    >>> export(store, out, "nt", graph="https://w3id.org/codekg/briefing/77013.txt")
    >>> b"<http://purl.bioontology.org/ontology/CPT/77013>" in out.getvalue()
    True
    >>> out = io.BytesIO()
    >>> export(store, out, "void")
    >>> b"void:classPartition" in out.getvalue()
    True
    """
    if fmt == "void":
        from kg.stats import VOID_GRAPH, is_current

        if graph is not None:
            raise KGError("--format void describes the whole store; it takes no --graph")
        if not is_current(store):
            raise KGError("the store keeps no current statistics (it was written by an older kg); "
                          "run 'kg build' on it once to describe it")
        store.dump(output, ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(VOID_GRAPH), prefixes=_VOID_PREFIXES)
        return
    try:
        rdf_format = EXPORT_FORMATS[fmt]
    except KeyError:
        raise KGError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    if graph is not None:
        g = ox.NamedNode(graph)
        if not store.contains_named_graph(g):
            raise KGError(f"no graph {graph} in the store; 'kg query documents' lists the briefing graphs")
        if rdf_format.supports_datasets:
            quads = store.quads_for_pattern(None, None, None, g)
            ox.serialize(quads, output, rdf_format, prefixes=PREFIXES)
        else:
            store.dump(output, rdf_format, from_graph=g, prefixes=PREFIXES)
        return
    if rdf_format.supports_datasets:
        store.dump(output, rdf_format, prefixes=PREFIXES)
        return
    triples = store.query(internal_query("store/union-triples"), use_default_graph_as_union=True)
    ox.serialize(triples, output, rdf_format, prefixes=PREFIXES)


def to_rdflib(store: ox.Store):
    """The whole store as an :class:`rdflib.Dataset`, named graphs kept.

    rdflib is slower than the store by orders of magnitude; this is for
    interoperability (rdflib plugins, pyshacl, small graphs), not for scale.

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> ds = to_rdflib(store)
    >>> any(str(g.identifier).endswith("/77013.txt") for g in ds.graphs())
    True
    """
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return ds


def to_rdflib_graph(store: ox.Store):
    """The union of all graphs as one :class:`rdflib.Graph`, each triple once.

    Examples
    --------
    >>> store = ox.Store()
    >>> s, p = ox.NamedNode("http://s"), ox.NamedNode("http://p")
    >>> store.extend([ox.Quad(s, p, ox.Literal("o"), ox.NamedNode(g)) for g in ("http://g1", "http://g2")])
    >>> len(to_rdflib_graph(store))
    1
    """
    from rdflib import Graph

    g = Graph()
    data = io.BytesIO()
    export(store, data, "nt")
    g.parse(data=data.getvalue(), format="nt")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g
