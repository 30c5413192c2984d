"""Which releases of each code set a store holds, which one is current, and removing one.

Every release of a code set lives in a named graph of its own,
``https://w3id.org/codekg/codeset/{name}/{release slug}/{first 12 hex digits of the file's SHA-256}``
(:func:`graph_iri`); the graph IRI is also the IRI of the release node that
describes it. A release graph is in exactly one of four states, told by two
triples of its release node:

========== ========================================= ===============================================
state      release node                              meaning
========== ========================================= ===============================================
current    ``a kg:CodeSetRelease`` + ``kg:sha256``   what every reader sees (one per code set)
superseded ``a kg:SupersededRelease`` + ``kg:sha256`` kept beside the current one (``--release``, diff)
pending    ``kg:release``, no type, no sha256        a load under way, or one that was killed
doomed     no type, no sha256                        replaced or dropped; its quads are being removed
========== ========================================= ===============================================

Readers select current releases with ``?g a kg:CodeSetRelease`` in graph
``?g`` (a lookup of a handful of quads), so a pending or doomed graph is
never read as a release. Pending and doomed graphs are leftovers:
:func:`clean` removes them, and every load of the code set calls it first.

Examples
--------
>>> graph_iri("mpfs", "RVU24C", "ab12" * 16)
'https://w3id.org/codekg/codeset/mpfs/RVU24C/ab12ab12ab12'
>>> codeset_name(graph_iri("ncci-ptp", "2024Q3", "0" * 64))
'ncci-ptp'
>>> valid_from("RVU25D"), valid_from("2024Q3"), valid_from("2025-10"), valid_from("25.1")
('2025-10-01', '2024-07-01', '2025-10-01', None)
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyoxigraph as ox

from kg.to_rdf import node
from kg.vocab import BASE, KG

__all__ = ["CODESET", "clean", "codeset_name", "current_graph", "current_graphs", "drop_release", "graph_iri", "keep_only", "other_graphs",
           "release_graphs", "releases", "releases_table", "valid_from"]

CODESET = BASE + "codeset/"
"""Namespace of code sets (``codeset/{name}``) and of their release graphs (``codeset/{name}/{slug}/{sha}``)."""

_TYPE = node("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CURRENT = node(str(KG.CodeSetRelease))
SUPERSEDED = node(str(KG.SupersededRelease))
_SHA = node(str(KG.sha256))
_RELEASE = node(str(KG.release))
_CODESET = node(str(KG.codeSet))


def graph_iri(name: str, release: str | None = None, sha256: str | None = None) -> str:
    """The IRI of code set ``name`` (no release), or of its release graph for ``release`` and the file's SHA-256.

    The slug keeps letters, digits, ``.``, ``_`` and ``-`` of the release label.

    Examples
    --------
    >>> graph_iri("nucc")
    'https://w3id.org/codekg/codeset/nucc'
    >>> graph_iri("nucc", "25.1 (Oct)", "f" * 64)
    'https://w3id.org/codekg/codeset/nucc/25.1-Oct/ffffffffffff'
    """
    if release is None:
        return CODESET + name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", release).strip("-") or "unversioned"
    return f"{CODESET}{name}/{slug}/{(sha256 or '')[:12]}"


def codeset_name(graph: str) -> str:
    """The code-set name of a release graph IRI (or of the code set's own IRI).

    Examples
    --------
    >>> codeset_name("https://w3id.org/codekg/codeset/pos/2025/abcdef012345"), codeset_name(graph_iri("pos"))
    ('pos', 'pos')
    """
    return graph.removeprefix(CODESET).split("/", 1)[0]


_QUARTER_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}


def valid_from(release: str) -> str | None:
    """The first day a release label says the release is in force (ISO date), or None.

    MPFS ``RVUyyA``..``D`` are the January, April, July and October files;
    ``yyyyQn`` starts its quarter; ``yyyy-mm[-dd]`` is that date. A bare year
    (a fiscal or a calendar one?) or a publisher's number gives nothing.

    Examples
    --------
    >>> valid_from("RVU24C"), valid_from("2026-04-01"), valid_from("2024")
    ('2024-07-01', '2026-04-01', None)
    """
    if m := re.match(r"RVU(\d\d)([A-D])(?![A-Za-z0-9])", release):
        return f"20{m.group(1)}-{_QUARTER_MONTH[m.group(2)]:02d}-01"
    if m := re.match(r"(\d{4})Q([1-4])(?!\d)", release):
        return f"{m.group(1)}-{3 * int(m.group(2)) - 2:02d}-01"
    if m := re.match(r"(\d{4})-(\d\d)(?:-(\d\d))?(?!\d)", release):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)).isoformat()
        except ValueError:
            return None
    return None


def release_graphs(store: ox.Store, name: str) -> list[dict[str, str]]:
    """Every release graph of code set ``name`` in ``store``, whatever its state.

    Dicts with ``graph``, ``release``, ``sha256`` (``""`` unless complete) and
    ``state`` (``current``, ``superseded``, ``pending`` or ``doomed``); found
    from the few ``kg:codeSet`` quads, never by scanning the store. A store
    loaded before releases went side by side has one graph ``codeset/{name}``
    per set: it is found too, and the next load of the set supersedes or replaces it.

    Examples
    --------
    >>> release_graphs(ox.Store(), "pos")
    []
    """
    out = []
    legacy = node(graph_iri(name))  # the one graph of a store loaded before releases went side by side
    found = [legacy] if next(store.quads_for_pattern(legacy, _RELEASE, None, legacy), None) else []
    found += [q.graph_name for q in store.quads_for_pattern(None, _CODESET, legacy, None)
              if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name]
    for g in found:
        types = {t.object for t in store.quads_for_pattern(g, _TYPE, None, g)}
        sha = next(store.quads_for_pattern(g, _SHA, None, g), None)
        label = next(store.quads_for_pattern(g, _RELEASE, None, g), None)
        state = ("current" if CURRENT in types else "superseded" if SUPERSEDED in types else
                 "pending" if label is not None else "doomed")
        out.append({"graph": g.value, "release": label.object.value if label else "",
                    "sha256": sha.object.value if sha and state in ("current", "superseded") else "",
                    "state": state})
    return sorted(out, key=lambda r: r["graph"])


def current_graphs(store: ox.Store) -> dict[str, str]:
    """Code-set name -> the graph IRI of its current release, for every code set loaded.

    Examples
    --------
    >>> import tempfile
    >>> from kg.codesets import CODESETS
    >>> path = Path(tempfile.mkdtemp()) / "pos_2025-01.csv"
    >>> _ = path.write_text("pos_code,pos_type,pos_name,pos_description\\n11,Non-Facility,Office,An office.\\n")
    >>> store = ox.Store()
    >>> _ = CODESETS["pos"].load(store, path, progress=False)
    >>> current_graphs(store)
    {'pos': 'https://w3id.org/codekg/codeset/pos/2025-01/...'}
    """
    out = {}
    for q in store.quads_for_pattern(None, _TYPE, CURRENT, None):
        if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name:
            out[codeset_name(q.graph_name.value)] = q.graph_name.value
    return dict(sorted(out.items()))


def current_graph(store: ox.Store, name: str) -> str | None:
    """The graph IRI of code set ``name``'s current release, or None when none is loaded.

    Examples
    --------
    >>> current_graph(ox.Store(), "pos") is None
    True
    """
    return current_graphs(store).get(name)


def other_graphs(store: ox.Store) -> set[ox.NamedNode]:
    """The release graphs readers must not see: superseded, pending and doomed ones, of every code set.

    For a reader that scans quad patterns over all graphs (:func:`kg.knowledge.add_on_codes`).

    Examples
    --------
    >>> other_graphs(ox.Store())
    set()
    """
    found = {q.graph_name for q in store.quads_for_pattern(None, _CODESET, None, None)
             if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name}
    return found - {node(g) for g in current_graphs(store).values()}


def _drop_graph(store: ox.Store, g: ox.NamedNode) -> None:
    """Remove graph ``g``, quad by quad from one snapshot: :meth:`~pyoxigraph.Store.remove_graph` is a
    single transaction whose time and memory grow faster than the graph (minutes and gigabytes for NCCI).

    The ``kg:codeSet`` quad goes last: until then a killed removal leaves a graph :func:`clean` finds."""
    marker = ox.Quad(g, _CODESET, ox.NamedNode(graph_iri(codeset_name(g.value))), g)
    for q in store.quads_for_pattern(None, None, None, g):
        if q != marker:
            store.remove(q)
    store.remove(marker)
    store.remove_graph(g)


def clean(store: ox.Store, name: str) -> int:
    """Remove the pending and doomed graphs of code set ``name`` (what a killed load or drop leaves).

    Returns the number of graphs removed.

    Examples
    --------
    >>> store = ox.Store()
    >>> g = ox.NamedNode(graph_iri("pos", "2025", "0" * 64))
    >>> store.add(ox.Quad(g, _CODESET, ox.NamedNode(graph_iri("pos")), g))
    >>> clean(store, "pos"), list(store)
    (1, [])
    """
    left = [r for r in release_graphs(store, name) if r["state"] in ("pending", "doomed")]
    for r in left:
        _drop_graph(store, node(r["graph"]))
    return len(left)


def drop_release(store: ox.Store, name: str, release: str) -> list[str]:
    """Remove every release of code set ``name`` labelled ``release``; returns the graphs removed.

    A superseded release just goes. The current one is first marked doomed
    (one small transaction: readers then see no release of the set, never
    half of one) and then removed; the newest superseded release (by
    :func:`valid_from`, then load order) becomes current in the same transaction.

    Raises
    ------
    KeyError
        If no complete release of that label is loaded.

    Examples
    --------
    >>> drop_release(ox.Store(), "pos", "2025")
    Traceback (most recent call last):
    ...
    KeyError: "code set 'pos' has no release '2025' loaded"
    """
    graphs = [r for r in release_graphs(store, name) if r["state"] in ("current", "superseded")]
    gone = [r for r in graphs if r["release"] == release]
    if not gone:
        raise KeyError(f"code set {name!r} has no release {release!r} loaded")
    kept = [r for r in graphs if r not in gone]
    promote = None
    if any(r["state"] == "current" for r in gone) and kept:
        loaded = {r["graph"]: r["loaded"] for r in releases(store, everything=True) if r["name"] == name}
        promote = max(kept, key=lambda r: (valid_from(r["release"]) or "", loaded.get(r["graph"], "")))
    swap(store, doomed=[r["graph"] for r in gone], current=promote["graph"] if promote else None)
    for r in gone:
        _drop_graph(store, node(r["graph"]))
    return [r["graph"] for r in gone]


def keep_only(store: ox.Store, name: str, graph: str) -> list[str]:
    """Make release graph ``graph`` the only release of code set ``name``: the others are removed.

    Returns the graphs removed.

    Examples
    --------
    >>> keep_only(ox.Store(), "pos", graph_iri("pos", "2025", "0" * 64))
    []
    """
    others = [r["graph"] for r in release_graphs(store, name) if r["graph"] != graph]
    if others:
        swap(store, doomed=others, current=graph, set_name=name)
        for g in others:
            _drop_graph(store, node(g))
    return others


def swap(store: ox.Store, *, doomed=(), current: str | None = None, superseded=(), complete: dict | None = None,
         set_name: str | None = None) -> None:
    """One SPARQL update (one transaction): the marker flip that makes a release current, or not.

    ``doomed`` graphs lose their type and SHA-256; ``superseded`` become
    ``kg:SupersededRelease``; ``current`` becomes ``kg:CodeSetRelease`` (the
    code set's current release, if another, is superseded); ``complete``
    (graph -> SHA-256) writes the SHA-256 that says a new graph is whole.

    Examples
    --------
    >>> store = ox.Store()
    >>> g = graph_iri("pos", "2025", "0" * 64)
    >>> store.add(ox.Quad(ox.NamedNode(g), _CODESET, ox.NamedNode(graph_iri("pos")), ox.NamedNode(g)))
    >>> swap(store, current=g, complete={g: "0" * 64})
    >>> list(current_graphs(store).values()) == [g]
    True
    """
    delete, insert = [], []
    name = set_name or (codeset_name(current) if current else None)
    old = current_graph(store, name) if name else None
    if current and old and old != current and old not in doomed:
        superseded = [*superseded, old]
    for g in doomed:
        delete += [f"{node(g)} {_TYPE} ?t", f"{node(g)} {_SHA} ?s", f"{node(g)} {_RELEASE} ?r"]
    for g in superseded:
        delete.append(f"{node(g)} {_TYPE} {CURRENT}")
        insert.append(f"GRAPH {node(g)} {{ {node(g)} {_TYPE} {SUPERSEDED} }}")
    for g, sha in (complete or {}).items():
        insert.append(f"GRAPH {node(g)} {{ {node(g)} {_SHA} {ox.Literal(sha)} }}")
    if current:
        delete.append(f"{node(current)} {_TYPE} {SUPERSEDED}")
        insert.append(f"GRAPH {node(current)} {{ {node(current)} {_TYPE} {CURRENT} }}")
    ops = []
    for pattern in delete:  # DELETE WHERE per triple: one that is absent matches nothing
        g = pattern.split(" ", 1)[0]
        ops.append(f"DELETE {{ GRAPH {g} {{ {pattern} }} }} WHERE {{ GRAPH {g} {{ {pattern} }} }}")
    if insert:
        ops.append("INSERT DATA { " + " . ".join(insert) + " }")
    if ops:
        store.update(" ;\n".join(ops))


def releases(store: ox.Store, *, everything: bool = False) -> list[dict[str, str]]:
    """The code-set releases loaded in ``store``: the current ones, or with ``everything`` the superseded too.

    Each is a dict with keys ``name``, ``release``, ``context`` (``""`` for
    a code set without contexts), ``file``, ``sha256``, ``triples``,
    ``loaded`` (an ISO date-time, UTC), ``state`` (``current`` or
    ``superseded``), ``graph``, ``valid_from`` and ``valid_to`` (ISO dates
    or ``""``; ``valid_to`` is the day before the next release of the set
    that has a ``valid_from``). Sorted by name, then by ``valid_from`` and load time.

    Examples
    --------
    >>> releases(ox.Store())
    []
    """
    query = (Path(__file__).with_name("releases.rq")).read_text(encoding="utf-8")
    keys = ("graph", "release", "context", "file", "sha256", "triples", "loaded", "state", "valid_from")
    rows = [{k: s[k].value if s[k] is not None else "" for k in keys} for s in store.query(query, prefixes={
        "kg": str(KG._NS), "prov": "http://www.w3.org/ns/prov#"})]
    for r in rows:
        r["name"] = codeset_name(r["graph"])
        r["state"] = "current" if r["state"] == str(CURRENT.value) else "superseded"
    # oldest first; load times are to the second, so within one second a superseded release is the older
    rows.sort(key=lambda r: (r["name"], r["valid_from"] or "9999", r["loaded"], r["state"] == "current"))
    for a, b in zip(rows, rows[1:]):
        a["valid_to"] = ""
        if a["name"] == b["name"] and b["valid_from"]:
            a["valid_to"] = (dt.date.fromisoformat(b["valid_from"]) - dt.timedelta(days=1)).isoformat()
    if rows:
        rows[-1]["valid_to"] = ""
    return [r for r in rows if everything or r["state"] == "current"]


def releases_table(loaded: list[dict[str, str]]) -> str:
    """:func:`releases` as an aligned text table (the SHA-256 cut to 12 digits), for ``kg codesets list``.

    Examples
    --------
    >>> print(releases_table([{"name": "pos", "release": "2025", "file": "pos.csv", "sha256": "ab" * 32,
    ...                        "triples": "1006", "loaded": "2026-01-02T03:04:05Z"}]))
    name  release  file     sha256        triples  loaded at
    pos   2025     pos.csv  abababababab  1006     2026-01-02T03:04:05Z
    >>> print(releases_table([{"name": "mpfs", "release": "RVU24C", "file": "f.csv", "sha256": "ab" * 32,
    ...                        "triples": "9", "loaded": "2026-01-02T03:04:05Z", "state": "superseded",
    ...                        "valid_from": "2024-07-01", "valid_to": "2025-09-30"}]))
    name  release  file   sha256        triples  loaded at             state       valid from  valid to
    mpfs  RVU24C   f.csv  abababababab  9        2026-01-02T03:04:05Z  superseded  2024-07-01  2025-09-30
    """
    head = ["name", "release", "file", "sha256", "triples", "loaded at"]
    extra = any(r.get("state") == "superseded" for r in loaded)
    if extra:
        head += ["state", "valid from", "valid to"]
    rows = [tuple(head)]
    for r in loaded:
        row = [r["name"], r["release"], r["file"], r["sha256"][:12], r["triples"], r["loaded"]]
        if extra:
            row += [r.get("state", ""), r.get("valid_from", ""), r.get("valid_to", "")]
        rows.append(tuple(row))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
