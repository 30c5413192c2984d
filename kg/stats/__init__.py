"""Statistics kept in the store: a VoID / HCLS dataset description, updated as graphs change.

Counting a store of 10,000 briefings takes tens of seconds; reading what was
counted when it was written takes milliseconds. So every writer of graphs
(:func:`kg.build.build`, the code-set loads, the site links, ``kg audit``)
ends by calling the one hook, :func:`record_graphs`, with the graphs it
wrote or removed, and the named query ``stats`` reads graph :data:`VOID_GRAPH`.

What the graph holds (`VoID <https://www.w3.org/TR/void/>`_, as the HCLS
dataset description profile uses it)::

    <void> a void:Dataset ; void:triples N (quads in all other graphs) ;
        void:subset <G> ... ;                        one per named graph
        void:classPartition [ void:class C ; void:entities n ] ...     distinct nodes of the union
        void:propertyPartition [ void:property P ; void:triples n ] ... distinct edges of the union
        kg:sha256 "..." .                            what the figures were computed for
    <G> a void:Dataset ; void:triples n .            every named graph
    <G> void:classPartition [...] ; void:propertyPartition [...] ;
        dcterms:title "..." ; pav:version "..." .   graphs that are no briefing (code-set releases ...)
    <B> kg:sourceFile "..." ; dcterms:identifier "77013" ; dcterms:title "..." .   the catalog 'documents' reads
    <void/review/77013.txt#L41> prov:wasDerivedFrom <B> ; kg:listKey "77013.txt\t241" ; kg:line 41 ;
        kg:subjectCode <C1> ; kg:objectCode <C2> ; kg:rule "..." ; kg:phrase "..." ; kg:sourceText "..." .
    <C1> skos:notation "77013" .                     the rows 'needs-review' reads: one per kg:relatedTo statement

Writers that run together in one job describe what they wrote once, when the last is done
(:func:`deferred`: ``kg build --codeset`` would otherwise recount the union and every graph the
others had written meanwhile, once per code set), and a build hands over what its worker
processes read of each briefing graph as they made it (:func:`briefing_rows`), so the catalog
and the kept rows of 10,000 new graphs are not queried back.

The classes and relations counted are the registry's (:func:`kg.queries.registry_lists`).
The listings ``documents`` and ``needs-review`` read the catalog and the kept rows by whole
scans of this one graph, joined by hash: a fraction of a second at 10,000 briefings, where
listing them from the briefing graphs takes a lookup per row (``kg query ... --recount`` does,
and so does a store that keeps no current statistics; a test compares the two).
Only the changed graphs are recounted, so a rebuilt or removed briefing
costs its own graph, and a writer that counted what it wrote passes the counts
(``quads``) so nothing is counted twice. The distinct counts of the union (a
code typed in many briefings is one code) are recounted over the type and
relation triples alone, a few seconds on a 10,000-briefing store; a writer that
changed a few graphs and says what they held before (``before``, from
:func:`counted`) has them updated from the changed triples instead: each
triple that entered or left the graphs counts only if no other graph holds it. The digest
(``kg:sha256``) covers :data:`FORMAT` and the registry lists; with another
digest, or a graph the description does not list, the statistics are not
current (:func:`is_current`) and readers count instead (``kg query stats``
does, and so does :func:`record_graphs`, which then describes every graph).

Examples
--------
>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> g = ox.NamedNode("https://w3id.org/codekg/briefing/x.txt")
>>> store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), g))
>>> is_current(store)
False
>>> record_graphs(store, [g.value])
>>> is_current(store), kept_quads(store)
(True, {'https://w3id.org/codekg/briefing/x.txt': 1})
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping

import pyoxigraph as ox

from kg.queries import internal_query, internal_query_filled, registry_lists
from kg.stats.rows import _catalog_rows, _forget_rows, _orphans, _per_graph, _review_rows, briefing_rows
from kg.stats.terms import (_BULK, _CLASS, _CLASS_PART, _DATASET, _ENTITIES, _INTEGER, _LABEL, _PROP_PART,
                            _PROPERTY, _RDF_TYPE, _RELEASE, _SHA, _SOURCE_FILE, _SUBSET, _THREADED, _TITLE,
                            _TRIPLES, _V, _VERSION, _IDENTIFIER, FORMAT, REVIEW, VOID_GRAPH)
from kg.vocab import BRIEFING, KG

__all__ = ["DELTA_MAX", "FORMAT", "REVIEW", "VOID_GRAPH", "briefing_rows", "counted", "deferred", "digest",
           "is_current", "kept_quads", "kept_total", "record_graphs"]

_WRITING = threading.Lock()  # kg.pipeline loads code sets in a thread while the briefings build: one update at a time

DELTA_MAX = 200_000
"""Changed triples (before and after) up to which the union's distinct counts are updated, not recounted.

Only the triples the union's counts count (:func:`counted`) are changed triples here: a graph that holds none
(the audit's findings, say) can be rewritten whole with no recount."""

DELTA_GRAPHS = 20_000
"""Changed graphs up to which their counted triples are read to update the union's counts from them."""


def digest() -> str:
    """What kept statistics must carry to be current: a SHA-256 of :data:`FORMAT` and the registry lists.

    Examples
    --------
    >>> len(digest())
    64
    """
    return hashlib.sha256(json.dumps([FORMAT, registry_lists()], sort_keys=True).encode()).hexdigest()


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_INTEGER)


def kept_quads(store: ox.Store) -> dict[str, int]:
    """Graph IRI -> its quad count, for every graph the kept description lists (empty if none).

    Examples
    --------
    >>> kept_quads(ox.Store())
    {}
    """
    listed = {q.object for q in store.quads_for_pattern(_V, _SUBSET, None, _V)}
    return {q.subject.value: int(q.object.value) for q in store.quads_for_pattern(None, _TRIPLES, None, _V)
            if q.subject in listed}


def is_current(store: ox.Store) -> bool:
    """True when ``store`` keeps statistics of this kg's layout and registry, listing exactly its named graphs.

    Examples
    --------
    >>> store = ox.Store()
    >>> record_graphs(store, [])
    >>> is_current(store)
    True
    >>> store.add(ox.Quad(ox.NamedNode("http://s"), _SHA, ox.Literal("x"), ox.NamedNode("http://new-graph")))
    >>> is_current(store)
    False
    """
    if next(store.quads_for_pattern(_V, _SHA, ox.Literal(digest()), _V), None) is None:
        return False
    # counted in SPARQL rather than compared as sets of names: reading 10,000 graph names costs a tenth of a second
    counts = next(iter(store.query(internal_query("stats/listed-graphs"))))
    return int(counts["gone"].value) == 0 and counts["listed"].value == counts["graphs"].value


def _registry_terms() -> tuple[frozenset, frozenset]:
    lists = registry_lists()
    return (frozenset(ox.NamedNode(c) for c in lists["node-classes"]),
            frozenset(ox.NamedNode(p) for p in lists["stats-relations"]))


def counted(store: ox.Store, graph: str) -> list[ox.Triple]:
    """The triples of named graph ``graph`` that the union's counts count: its nodes' registry classes, its relations.

    What a writer hands :func:`record_graphs` as ``before`` for a graph it is about to replace or remove.

    Examples
    --------
    >>> store = ox.Store()
    >>> g, x = ox.NamedNode("https://w3id.org/codekg/briefing/x.txt"), ox.NamedNode("http://x")
    >>> store.add(ox.Quad(x, _RDF_TYPE, ox.NamedNode(str(KG.Briefing)), g))
    >>> store.add(ox.Quad(x, _LABEL, ox.Literal("not counted"), g))
    >>> [t.object.value for t in counted(store, g.value)]
    ['https://w3id.org/codekg/ontology#Briefing']
    """
    classes, props = _registry_terms()
    g = ox.NamedNode(graph)  # one index lookup per registry term: a graph of 300,000 quads that holds none costs nothing
    out = [q.triple for p in sorted(props, key=str) for q in store.quads_for_pattern(None, p, None, g)]
    return out + [q.triple for c in sorted(classes, key=str) for q in store.quads_for_pattern(None, _RDF_TYPE, c, g)]


def _kept_union(store: ox.Store) -> dict[tuple[str, str], int]:
    """The union's distinct counts the description keeps: ``(kind, IRI) -> n``."""
    out = {}
    for part_prop, item_prop, n_prop, kind in ((_CLASS_PART, _CLASS, _ENTITIES, "class"),
                                               (_PROP_PART, _PROPERTY, _TRIPLES, "property")):
        for q in store.quads_for_pattern(_V, part_prop, None, _V):
            item = next(store.quads_for_pattern(q.object, item_prop, None, _V), None)
            n = next(store.quads_for_pattern(q.object, n_prop, None, _V), None)
            if item is not None and n is not None:
                out[(kind, item.object.value)] = int(n.object.value)
    return out


def _union_delta(store: ox.Store, changed: set[str], before: dict[str, list[ox.Triple]],
                 after: dict[str, list[ox.Triple]]) -> list[tuple[str, str, int]]:
    """The union's distinct counts after ``changed`` graphs changed, from the kept ones and the changed triples.

    A triple that left the changed graphs leaves the union unless another graph holds it; one that entered
    them is new to the union unless another graph held it already (the others did not change).
    """
    classes, props = _registry_terms()
    graphs = {ox.NamedNode(g) for g in changed}
    old = {t for g in changed for t in before[g]}
    new = {t for triples in after.values() for t in triples}
    rows = _kept_union(store)
    for t in old ^ new:
        if any(q.graph_name not in graphs for q in store.quads_for_pattern(t.subject, t.predicate, t.object, None)):
            continue  # another graph holds it: the union has it before and after
        key = ("class", t.object.value) if t.predicate == _RDF_TYPE and t.object in classes else ("property", t.predicate.value)
        rows[key] = rows.get(key, 0) + (1 if t in new else -1)
    return [(kind, item, n) for (kind, item), n in rows.items() if n > 0]


def _forget(store: ox.Store, subject: ox.NamedNode) -> list[ox.Quad]:
    """The quads of :data:`VOID_GRAPH` describing ``subject``, with its partitions' own quads."""
    out = list(store.quads_for_pattern(subject, None, None, _V))
    for q in list(out):
        if q.predicate in (_CLASS_PART, _PROP_PART):
            out.extend(store.quads_for_pattern(q.object, None, None, _V))
    return out


def _partitions(subject: ox.NamedNode, rows: Iterable[tuple[str, str, int]]) -> list[ox.Quad]:
    """Class and property partitions of ``subject``: ``(kind, IRI, count)`` rows, kind ``class`` or ``property``.

    Each partition is named ``{subject}#void-{kind}-{local name}``, so the same store is described by the
    same quads however it was built.
    """
    out = []
    for kind, iri, n in rows:
        part = ox.NamedNode(f"{subject.value}#void-{kind}-{iri.rsplit('#', 1)[-1]}")
        if kind == "class":
            out += [ox.Quad(subject, _CLASS_PART, part, _V), ox.Quad(part, _CLASS, ox.NamedNode(iri), _V),
                    ox.Quad(part, _ENTITIES, _integer(n), _V)]
        else:
            out += [ox.Quad(subject, _PROP_PART, part, _V), ox.Quad(part, _PROPERTY, ox.NamedNode(iri), _V),
                    ox.Quad(part, _TRIPLES, _integer(n), _V)]
    return out


def _describe(store: ox.Store, iri: str, quads: int, rows: list[tuple[str, str, int]]) -> list[ox.Quad]:
    """The description of one graph: its size, its partitions (``rows``), and the release it holds, if any."""
    g = ox.NamedNode(iri)
    out = [ox.Quad(_V, _SUBSET, g, _V), ox.Quad(g, _RDF_TYPE, _DATASET, _V), ox.Quad(g, _TRIPLES, _integer(quads), _V)]
    out += _partitions(g, rows)
    if iri.startswith(BRIEFING):
        return out
    for prop, into in ((_LABEL, _TITLE), (_RELEASE, _VERSION)):
        for q in store.quads_for_pattern(g, prop, None, g):
            out.append(ox.Quad(g, into, q.object, _V))
    return out


def record_graphs(store: ox.Store, graphs: Iterable[str], *, quads: Mapping[str, int] | None = None,
                  before: Mapping[str, list[ox.Triple]] | None = None,
                  described: Mapping[str, tuple] | None = None) -> None:
    """Bring the kept statistics up to date after named graphs ``graphs`` (IRIs) were written or removed.

    The one hook every writer calls when it is done. The graphs named are
    recounted (or, gone, dropped from the description), and so is any graph
    the description misses or lists but the store no longer has; if the
    statistics were not current (:func:`is_current`), every graph is. Then
    the distinct counts of the union are recounted. Nothing is written when
    nothing changed. Threads that write the same store (:func:`kg.pipeline.build_all`) take turns.

    ``quads`` gives the quad counts of graphs the writer counted as it wrote them (they are not
    counted again). ``before`` gives, for each graph of ``graphs``, what :func:`counted` said of it
    before the change (``[]`` for a new graph): when it covers every changed graph, and the changed
    triples are at most :data:`DELTA_MAX`, the union's counts are updated from them, not recounted.
    ``described`` gives, for briefing graphs of ``graphs`` the writer made, what :func:`briefing_rows` read of
    each as it was written (their catalog and review rows are not queried).

    Examples
    --------
    >>> store = ox.Store()
    >>> g = ox.NamedNode("https://w3id.org/codekg/codeset/demo")
    >>> store.add(ox.Quad(g, _RELEASE, ox.Literal("2025"), g))
    >>> record_graphs(store, [g.value])
    >>> [q.object.value for q in store.quads_for_pattern(g, _VERSION, None, _V)]
    ['2025']
    >>> store.remove_graph(g); record_graphs(store, [g.value]); kept_quads(store)
    {}
    """
    with _WRITING:
        later = _DEFERRED.get(id(store))
        if later is not None and later.store is store:
            later.note(graphs, quads, before, described)
        else:
            _record(store, set(graphs), quads or {}, before, described)


class _Deferred:
    """What the writers within :func:`deferred` asked :func:`record_graphs` to record: one record of it all, later."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.graphs: set[str] = set()
        self.quads: dict[str, int] = {}
        self.before: dict[str, list[ox.Triple]] = {}
        self.described: dict[str, tuple] = {}
        self.asked = False

    def note(self, graphs: Iterable[str], quads: Mapping[str, int] | None, before: Mapping | None,
             described: Mapping[str, tuple] | None) -> None:
        graphs = set(graphs)
        self.asked = True
        for g in graphs:  # what was counted earlier is stale once a later writer changed the graph without counting it
            self.quads.pop(g, None)
            self.described.pop(g, None)
        self.quads.update((g, n) for g, n in (quads or {}).items() if g in graphs)
        self.described.update((g, rows) for g, rows in (described or {}).items() if g in graphs)
        for g, triples in (before or {}).items():  # what a graph held before the first change is its 'before'
            if g in graphs and g not in self.graphs:
                self.before[g] = triples
        self.graphs |= graphs


_DEFERRED: dict[int, _Deferred] = {}


@contextlib.contextmanager
def deferred(store: ox.Store) -> Iterator[None]:
    """Within this, :func:`record_graphs` on ``store`` only notes what changed; leaving it records it all at once.

    Several writers of one store in one job (:func:`kg.pipeline.build_all`: the briefings, each code set, the site
    links) then describe what they wrote in one pass, where each would otherwise recount the union and every graph
    the others had written meanwhile. The record is made however the block ends, an error included, so what was
    written is described. A graph whose ``before`` some writer did not give has the union recounted, as
    :func:`record_graphs` does. Nested, the outermost block records.

    Examples
    --------
    >>> store = ox.Store()
    >>> g = "https://w3id.org/codekg/codeset/demo"
    >>> with deferred(store):
    ...     store.add(ox.Quad(ox.NamedNode(g), _RELEASE, ox.Literal("2025"), ox.NamedNode(g)))
    ...     record_graphs(store, [g])
    ...     kept_quads(store)
    {}
    >>> kept_quads(store)
    {'https://w3id.org/codekg/codeset/demo': 1}
    """
    with _WRITING:
        outer = _DEFERRED.get(id(store))
        mine = outer is None or outer.store is not store
        if mine:
            _DEFERRED[id(store)] = _Deferred(store)
    if not mine:
        yield
        return
    try:
        yield
    finally:
        with _WRITING:
            later = _DEFERRED.pop(id(store))
            if later.asked:
                covered = later.graphs <= later.before.keys()
                _record(store, later.graphs, later.quads, later.before if covered else None, later.described)


def _kept_size(store: ox.Store, iri: str) -> int | None:
    """The quad count the kept description lists for graph ``iri``, or None if it does not list it (as :func:`kept_quads`)."""
    g = ox.NamedNode(iri)
    if next(store.quads_for_pattern(_V, _SUBSET, g, _V), None) is None:
        return None
    n = None
    for q in store.quads_for_pattern(g, _TRIPLES, None, _V):
        n = int(q.object.value)
    return n


def _changes(store: ox.Store, graphs: set[str], fresh: bool) -> tuple[set[str], dict[str, int], set[str], int]:
    """What :func:`_record` works from: the graphs to describe anew (``graphs``, and any graph the description and the store
    disagree on), the kept sizes of those the description lists, those the store has, and the kept total of the others.

    With current statistics, only the changed graphs are looked at one by one: whether the description and the store
    agree is counted in SPARQL (listed graphs, named graphs, listed graphs gone), and the others' total is the kept
    total less the changed graphs' kept sizes. Both rest on what :func:`_record` keeps true whenever the digest is in
    place: each listed graph has one size, and the store's is their sum. Reading the names and sizes of 10,000
    graphs into Python instead costs a second. Without current statistics, every graph is to be described.
    """
    if not fresh:
        existing = {g.value for g in store.named_graphs()} - {VOID_GRAPH}
        return graphs | existing, {}, existing, 0
    counts = next(iter(store.query(internal_query("stats/agreement"))))
    listed, held, gone = (int(counts[name].value) for name in ("listed", "graphs", "gone"))
    changed = set(graphs) - {VOID_GRAPH}
    kept = {iri: n for iri in changed if (n := _kept_size(store, iri)) is not None}
    existing = {iri for iri in changed if store.contains_named_graph(ox.NamedNode(iri))}
    # The writer's own new graphs (unlisted, held) and removed ones (listed, not held) are disagreements it
    # accounts for; when the counts say there are no others, they are not looked for (a second on 10,000 graphs).
    new, went = len(existing - kept.keys()), len(kept.keys() - existing)
    if gone != went or held != listed - gone + new:
        more = {s["g"].value for s in store.query(internal_query("stats/unlisted-graphs"))} - {VOID_GRAPH} - changed
        kept.update((iri, n) for iri in more if (n := _kept_size(store, iri)) is not None)
        existing |= {iri for iri in more if store.contains_named_graph(ox.NamedNode(iri))}
        changed |= more
    total = next(store.quads_for_pattern(_V, _TRIPLES, None, _V), None)
    return changed, kept, existing, (int(total.object.value) if total is not None else 0) - sum(kept.values())


def kept_total(store: ox.Store) -> int:
    """The quads of every graph the kept description lists, all together: ``sum(kept_quads(store).values())``.

    Current statistics carry that sum as the store's own ``void:triples`` (written with the digest, in one
    transaction, by :func:`_record`), so it is read from there; otherwise it is summed in SPARQL.

    Examples
    --------
    >>> store = ox.Store()
    >>> kept_total(store)
    0
    >>> store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g")))
    >>> record_graphs(store, ["http://g"]); kept_total(store) == sum(kept_quads(store).values()) == 1
    True
    """
    if next(store.quads_for_pattern(_V, _SHA, ox.Literal(digest()), _V), None) is not None:
        total = next(store.quads_for_pattern(_V, _TRIPLES, None, _V), None)
        if total is not None:
            return int(total.object.value)
    return int(next(iter(store.query(internal_query("stats/kept-total"))))["total"].value)


def _described_store(store: ox.Store) -> list[ox.Quad]:
    """:func:`_forget` of the store's own node, less its ``void:subset`` list (read in SPARQL: 10,000 quads long)."""
    return [ox.Quad(s["s"], s["p"], s["o"], _V) for s in store.query(internal_query("stats/store-description"))]


def _read_all(reads: Mapping[str, Callable[[], object]], *, threads: bool) -> dict[str, object]:
    """Each of ``reads`` called: in two threads when ``threads`` (many graphs to read), else one after another."""
    if not threads:
        return {name: read() for name, read in reads.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2, thread_name_prefix="kg-stats") as pool:
        futures = {name: pool.submit(read) for name, read in reads.items()}
    return {name: f.result() for name, f in futures.items()}


def _record(store: ox.Store, graphs: set[str], quads: Mapping[str, int], before: Mapping | None,
            described: Mapping[str, tuple] | None = None) -> None:
    described = described or {}
    fresh = next(store.quads_for_pattern(_V, _SHA, ox.Literal(digest()), _V), None) is not None
    changed, kept, existing, kept_others = _changes(store, graphs, fresh)
    if fresh and not changed:
        return
    old: list[ox.Quad] = []
    for iri in changed & set(kept):
        old += _forget(store, ox.NamedNode(iri))
        old.append(ox.Quad(_V, _SUBSET, ox.NamedNode(iri), _V))
    old_rows, old_codes = _forget_rows(store, sorted(changed & set(kept))) if fresh else ([], set())
    todo = sorted(changed & existing)
    briefings = [iri for iri in todo if iri.startswith(BRIEFING)]
    after = {g: counted(store, g) for g in changed & existing} \
        if fresh and before is not None and changed <= before.keys() and len(changed) <= DELTA_GRAPHS else None
    delta = after is not None and sum(len(before[g]) for g in changed) + sum(map(len, after.values())) <= DELTA_MAX
    reads = {  # independent of each other; the engine evaluates a query without holding the GIL
        "counts": lambda: [(s["g"].value, int(s["n"].value))
                           for s in _per_graph(store, "graph-quads", [g for g in todo if g not in quads])],
        "parts": lambda: [(s["g"].value, s["kind"].value, s["item"].value, int(s["n"].value))
                          for s in _per_graph(store, "graph-partitions", [iri for iri in todo if not iri.startswith(BRIEFING)])],
        "catalog": lambda: _catalog_rows(store, briefings, described),
        "review": lambda: _review_rows(store, briefings, described),
        "union": lambda: _union_delta(store, changed, dict(before), after) if delta else [
            (s["kind"].value, s["item"].value, int(s["n"].value))
            for s in store.query(internal_query_filled("stats/union-counts"), use_default_graph_as_union=True)],
    }
    got = _read_all(reads, threads=len(todo) >= _THREADED)
    counts = {iri: quads.get(iri, 0) for iri in todo}
    counts.update(got["counts"])
    parts: dict[str, list[tuple[str, str, int]]] = {}
    for g, kind, item, n in got["parts"]:
        parts.setdefault(g, []).append((kind, item, n))
    new: list[ox.Quad] = []
    catalog: set[ox.Quad] = set()  # what 'documents' lists, one row per whole briefing (and code, and title)
    for g, file, code, title, edges in got["catalog"]:
        catalog.update((ox.Quad(g, _SOURCE_FILE, file, _V), ox.Quad(g, _IDENTIFIER, code, _V), ox.Quad(g, _TITLE, title, _V)))
        if edges:
            parts[g.value] = [("class", str(KG.AssertedRelation), edges)]
    rows, notations = got["review"]
    old += old_rows
    old += _orphans(store, old_codes, {q.subject for q in old_rows}, rows)
    new += catalog | rows | notations
    for iri, n in counts.items():
        new += _describe(store, iri, n, parts.get(iri, []))
    total = kept_others + sum(counts.values())
    rows = got["union"]
    if fresh:
        old += _described_store(store)
    new += [ox.Quad(_V, _RDF_TYPE, _DATASET, _V), ox.Quad(_V, _TITLE, ox.Literal("kg store"), _V),
            ox.Quad(_V, _TRIPLES, _integer(total), _V), ox.Quad(_V, _SHA, ox.Literal(digest()), _V),
            *_partitions(_V, rows)]
    # The digest goes first and comes back last, with the rest in one transaction: an
    # interrupted update leaves statistics that are not current, never wrong ones.
    for q in store.quads_for_pattern(_V, _SHA, None, _V):
        store.remove(q)
    if not fresh and store.contains_named_graph(_V):
        store.remove_graph(_V)
    for q in old:
        store.remove(q)
    if not fresh and len(new) >= _BULK:
        # a description written whole (the first, or after a change of layout): bulk-loaded, several times faster
        # than a transaction of 100,000 quads, then the digest alone, last; cut short, it is not current
        sha = [q for q in new if q.subject == _V and q.predicate == _SHA]
        store.bulk_extend([q for q in new if not (q.subject == _V and q.predicate == _SHA)])
        store.extend(sha)
    else:
        store.extend(new)
