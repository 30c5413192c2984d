"""Parquet tables of the graph, for DuckDB, Spark and pandas: ``nodes.parquet`` and ``edges.parquet``.

``kg export --format parquet -o DIR`` (:func:`write_parquet`) writes

``nodes.parquet`` (:data:`NODE_SCHEMA`)
    one row per node: its IRI, notation, label, type (a node type of :data:`kg.model.NODE_TYPES`, or
    ``hcc-category`` / ``ccsr-category``) and code system. A code set's label wins over a briefing's;
    licensed CPT descriptors (``kg codesets load --cpt``) are never written, as a Parquet file is
    easily shared.
``edges.parquet`` (:data:`EDGE_SCHEMA`)
    one row per edge: source and target IRIs, the relation (a kg relation's local name, or
    ``broader``), its layer (:data:`LAYERS`), the document it comes from (a briefing's graph IRI, or a
    code set's), the briefing line, the code set's release, and the qualifiers: negated, phrase, rule,
    condition, modifiers, NCCI context, modifier indicator and rationale, add-on edit type, HCC model.
    A briefing edge is one row per briefing row that asserts it (so provenance is kept).

Edges stream from the store's queries into the file in batches of :data:`BATCH` rows, so memory stays
bounded whatever the size of the store (the 1.67 million NCCI edits included).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import pyarrow.parquet as pq
>>> from kg.examples import examples_dir
>>> from kg.build import build
>>> from kg.store import open_store
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
>>> out = Path(tempfile.mkdtemp())
>>> counts = write_parquet(store, out)
>>> edges = pq.read_table(out / "edges.parquet")
>>> edges.num_rows == counts[1].rows, edges.column_names[:4]
(True, ['source', 'relation', 'target', 'layer'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError
from kg.interop import code_of, codeset_graph, release_of, solutions
from kg.model import ATTRIBUTE_RELATIONS, NODE_TYPES, OFFICIAL_RELATIONS
from kg.vocab import BRIEFING, KG, SKOS_NS, class_iri

__all__ = ["BATCH", "EDGE_COLUMNS", "LAYERS", "NODE_COLUMNS", "Table", "edge_rows", "node_rows", "write_parquet"]

BATCH = 50_000
"""Rows per Parquet record batch: bounds the memory a write needs."""

NODE_COLUMNS = ("iri", "notation", "label", "type", "code_system")
"""The columns of ``nodes.parquet`` (all strings)."""

EDGE_COLUMNS = {
    "source": "string", "relation": "string", "target": "string", "layer": "string", "document": "string",
    "line": "int64", "release": "string", "context": "string", "negated": "bool_", "phrase": "string",
    "rule": "string", "condition": "string", "modifiers": "string", "modifier_indicator": "string",
    "rationale": "string", "edit_type": "string", "model": "string",
}
"""The columns of ``edges.parquet`` and their Arrow types (``modifiers``: space-separated modifier codes)."""

LAYERS = ("briefing", "ncci", "addon", "hierarchy", "official", "hcc", "ccsr", "link")
"""Edge layers: briefing rows; NCCI PTP edits; add-on edits; code-set hierarchies; ICD-10-CM notes;
CMS-HCC and CCSR categories; the site-of-service -> Place of Service links kg derives."""

_CLASSES = {class_iri(name): name for name in NODE_TYPES}
_CLASSES.update({str(KG.HCCCategory): "hcc-category", str(KG.CCSRCategory): "ccsr-category"})
_CATEGORY_SYSTEMS = {"hcc-category": "CMSHCC", "ccsr-category": "CCSR"}
_BROADER = SKOS_NS + "broader"
_NOTATION, _PREF, _LABEL = SKOS_NS + "notation", SKOS_NS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label"


@dataclass(frozen=True)
class Table:
    """One Parquet file :func:`write_parquet` wrote, and its row count.

    Examples
    --------
    >>> Table(Path("nodes.parquet"), 3).rows
    3
    """

    path: Path
    rows: int
    skipped: str = ""

    @property
    def id(self) -> str:
        return self.path.stem


def _value(term) -> str | None:
    return None if term is None else term.value


def node_rows(store: ox.Store) -> Iterator[dict]:
    """Each node once, as a dict of :data:`NODE_COLUMNS` (sorted by IRI).

    Nodes are collected before they are written, one entry each (their number is bounded by the code sets'
    size, not by the number of briefings' rows).

    Examples
    --------
    >>> import tempfile
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> from kg.store import open_store
    >>> store = open_store(tempfile.mkdtemp())
    >>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
    >>> [r for r in node_rows(store) if r["notation"] == "C22.0"][0]["code_system"]
    'ICD10CM'
    """
    cpt = codeset_graph(store, "cpt")
    found: dict[str, list] = {}
    for cls, kind in _CLASSES.items():
        for s in solutions(store, "parquet/nodes", **{"class": ox.NamedNode(cls)}):
            iri = s["n"].value
            if iri not in found:
                code = code_of(iri)
                found[iri] = [iri, None, None, kind, code[0] if code is not None else _CATEGORY_SYSTEMS.get(kind), 0]
    for s in solutions(store, "parquet/values", p=ox.NamedNode(_NOTATION)):
        row = found.get(s["n"].value)
        if row is not None and row[1] is None:
            row[1] = s["value"].value
    # a code set's skos:prefLabel, then its rdfs:label, then a briefing's label; never licensed CPT descriptors
    for prop, rank in ((_PREF, 2), (_LABEL, 1)):
        for s in solutions(store, "parquet/values", p=ox.NamedNode(prop)):
            row = found.get(s["n"].value)
            g = s["g"].value
            if row is None or g == cpt:
                continue
            r = rank if not g.startswith(BRIEFING) else 0.5
            if r > row[5]:
                row[2], row[5] = s["value"].value, r
    for iri in sorted(found):
        yield dict(zip(NODE_COLUMNS, found[iri][:5]))


def _edge(source, relation, target, layer, document, **qualifiers) -> dict:
    return {"source": source, "relation": relation, "target": target, "layer": layer, "document": document,
            **qualifiers}


def _asserted(store: ox.Store) -> Iterator[dict]:
    last, row = None, None
    for s in solutions(store, "parquet/asserted"):
        e = s["e"]
        if e == last:  # the same row again, with another modifier
            if s["modifier"] is not None:
                row["modifiers"] += " " + code_of(s["modifier"].value)[2]
            continue
        if row is not None:
            yield row
        last = e
        mod = s["modifier"]
        row = _edge(s["s"].value, s["rel"].value.rsplit("#", 1)[-1], s["o"].value, "briefing", s["g"].value,
                    line=int(s["line"].value), negated=s["negated"] is not None and s["negated"].value == "true",
                    phrase=_value(s["phrase"]), rule=_value(s["rule"]), condition=_value(s["condition"]),
                    modifiers=code_of(mod.value)[2] if mod is not None else None)
    if row is not None:
        yield row


def _facts(store: ox.Store) -> Iterator[dict]:
    for rel in ATTRIBUTE_RELATIONS:
        for s in solutions(store, "parquet/facts", rel=ox.NamedNode(str(KG[rel]))):
            yield _edge(s["s"].value, rel, s["o"].value, "briefing", s["g"].value, line=int(s["line"].value),
                        negated=False)


def _triples(store: ox.Store, layer: str, g: str | None, relation: str, predicate: str) -> Iterator[dict]:
    if g is None or not store.contains_named_graph(ox.NamedNode(g)):
        return
    release = release_of(store, g).get("release")
    for s in solutions(store, "parquet/triples", g=ox.NamedNode(g), p=ox.NamedNode(predicate)):
        yield _edge(s["s"].value, relation, s["o"].value, layer, g, release=release)


def _ncci(store: ox.Store) -> Iterator[dict]:
    for codeset in ("ncci-ptp", "ncci-ptp-hospital"):
        g = codeset_graph(store, codeset)
        if g is None:
            continue
        r = release_of(store, g)
        release, context = r.get("release"), r.get("context")
        for s in solutions(store, "parquet/ncci-ptp", g=ox.NamedNode(g)):
            yield _edge(s["s"].value, "includedIn", s["o"].value, "ncci", g, release=release, context=context,
                        modifier_indicator=s["indicator"].value, rationale=_value(s["rationale"]))


def _addon(store: ox.Store) -> Iterator[dict]:
    g = codeset_graph(store, "ncci-addon")
    if g is None:
        return
    release = release_of(store, g).get("release")
    for s in solutions(store, "parquet/addon", g=ox.NamedNode(g)):
        yield _edge(s["s"].value, "addOnTo", s["o"].value, "addon", g, release=release, edit_type=_value(s["type"]))


def _hcc(store: ox.Store) -> Iterator[dict]:
    g = codeset_graph(store, "hcc")
    if g is None:
        return
    release = release_of(store, g).get("release")
    for s in solutions(store, "parquet/hcc", g=ox.NamedNode(g)):
        yield _edge(s["s"].value, "hcc", s["o"].value, "hcc", g, release=release, model=s["model"].value)


def edge_rows(store: ox.Store) -> Iterator[dict]:
    """Every edge of every layer (:data:`LAYERS`), as dicts of :data:`EDGE_COLUMNS` (missing ones are null).

    Examples
    --------
    >>> store = ox.Store()
    >>> a, b = ox.NamedNode("http://purl.bioontology.org/ontology/ICD10CM/E11"), ox.NamedNode(
    ...     "http://purl.bioontology.org/ontology/ICD10CM/E08")
    >>> g = ox.NamedNode("https://w3id.org/codekg/codeset/icd10cm/2026/0123456789ab")  # a current release graph
    >>> rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    >>> store.add(ox.Quad(g, rdf_type, ox.NamedNode(str(KG.CodeSetRelease)), g))
    >>> store.add(ox.Quad(a, ox.NamedNode(str(KG.excludes1)), b, g))
    >>> [(e["relation"], e["layer"], e["target"][-3:]) for e in edge_rows(store)]
    [('excludes1', 'official', 'E08')]
    """
    from kg.pipeline import SITE_LINKS

    yield from _asserted(store)
    yield from _facts(store)
    yield from _ncci(store)
    yield from _addon(store)
    for codeset in ("icd10cm", "nucc"):
        yield from _triples(store, "hierarchy", codeset_graph(store, codeset), "broader", _BROADER)
    for rel in OFFICIAL_RELATIONS:
        yield from _triples(store, "official", codeset_graph(store, "icd10cm"), rel, str(KG[rel]))
    yield from _hcc(store)
    yield from _triples(store, "ccsr", codeset_graph(store, "ccsr"), "ccsrCategory", str(KG.ccsrCategory))
    yield from _triples(store, "link", SITE_LINKS, "posCode", str(KG.posCode))


def _write(path: Path, schema, rows: Iterator[dict]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = schema.names
    count = 0
    tmp = path.with_suffix(".parquet.part")
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            batch: dict[str, list] = {n: [] for n in names}
            for row in rows:
                for n in names:
                    batch[n].append(row.get(n))
                count += 1
                if count % BATCH == 0:
                    writer.write_batch(pa.RecordBatch.from_pydict(batch, schema=schema))
                    batch = {n: [] for n in names}
            if batch[names[0]] or count == 0:
                writer.write_batch(pa.RecordBatch.from_pydict(batch, schema=schema))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return count


def write_parquet(store: ox.Store, directory) -> list[Table]:
    """Write ``nodes.parquet`` and ``edges.parquet`` into ``directory`` (created if missing).

    Raises
    ------
    KGError
        If the directory cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> [(t.path.name, t.rows) for t in write_parquet(ox.Store(), tempfile.mkdtemp())]
    [('nodes.parquet', 0), ('edges.parquet', 0)]
    """
    import pyarrow as pa

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise KGError(f"{directory}: cannot create the output directory: {err.strerror}") from err
    node_schema = pa.schema([(n, pa.string()) for n in NODE_COLUMNS])
    edge_schema = pa.schema([(n, getattr(pa, t)()) for n, t in EDGE_COLUMNS.items()])
    nodes = _write(directory / "nodes.parquet", node_schema, node_rows(store))
    edges = _write(directory / "edges.parquet", edge_schema, edge_rows(store))
    return [Table(directory / "nodes.parquet", nodes), Table(directory / "edges.parquet", edges)]
