"""What changed between two releases of a code set: ``kg diff CODESET [OLD] [NEW]``.

Both releases are graphs of the store (:mod:`kg.codesets.catalog`): load the
older file and then the newer one, and both are kept. The diff compares them
subject by subject (a code, an MPFS fee schedule row such as ``77013-26``, an
MUE...):

* a subject only in NEW is ``added``, only in OLD ``removed`` (one row each);
* a subject in both gets one ``changed`` row per property whose values differ,
  with the old and the new values (IRIs shown by their last segment, several
  values joined by ``" | "``).

The release node itself is not compared. The named query ``release-diff``
gives the same rows for one code and the subjects it links to (its fee
schedule rows). By default NEW is the current release and OLD the release
before it (by valid-from date, then load time).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from kg.codesets import CODESETS
>>> from kg.codesets.mpfs import COLUMNS
>>> folder, store = Path(tempfile.mkdtemp()), ox.Store()
>>> for name, row in [("rvu24c", "77013,26,A,3.99,1,XXX,0,0,0,0,0"), ("rvu25d", "77013,26,A,4.10,1,XXX,0,0,0,0,0")]:
...     _ = (folder / f"pprrvu_{name}.csv").write_text(",".join(COLUMNS) + "\\n" + row + "\\n")
...     _ = CODESETS["mpfs"].load(store, folder / f"pprrvu_{name}.csv", progress=False)
>>> [(c.key, c.change, c.field, c.old, c.new) for c in diff(store, "mpfs")]
[('77013-26', 'changed', 'workRVU', '3.99', '4.1')]
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from urllib.parse import unquote

import pyoxigraph as ox

from kg.codesets.catalog import releases
from kg.errors import CodeSetError
from kg.results import csv_cell

__all__ = ["Change", "FORMATS", "counts", "diff", "render"]


@dataclass(frozen=True)
class Change:
    """One difference between two releases: a subject added or removed, or one property of it changed.

    Examples
    --------
    >>> Change("77013", "added", "", "", "", "ProcedureCode").key
    '77013'
    """

    key: str  # the subject's last IRI segment: a code, or an MPFS row "77013-26"
    change: str  # added | removed | changed
    field: str  # the property's local name ("" for added and removed)
    old: str
    new: str
    kind: str = ""  # the subject's kg class ("FeeScheduleEntry"), for counts


def _tail(term) -> str:
    if isinstance(term, ox.NamedNode):
        return unquote(term.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])
    return term.value


_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_KG = "https://w3id.org/codekg/ontology#"


def _facts(store: ox.Store, graph: str) -> dict[ox.NamedNode, dict[str, set[str]]]:
    g = ox.NamedNode(graph)
    out: dict = {}
    names: dict = {}  # predicates and values repeat: each is shortened once
    for q in store.quads_for_pattern(None, None, None, g):
        if q.subject == g:
            continue
        p, o = q.predicate, q.object
        pn = names.get(p) or names.setdefault(p, _tail(p))
        on = names.get(o) or names.setdefault(o, _tail(o))
        out.setdefault(q.subject, {}).setdefault(pn, set()).add(on)
    return out


def _pick(store: ox.Store, name: str, old: str | None, new: str | None) -> tuple[dict, dict]:
    loaded = [r for r in releases(store, everything=True) if r["name"] == name]
    if not loaded:
        raise CodeSetError(f"code set {name!r} has no release loaded; load two with 'kg codesets load --{name} FILE'")

    def by_label(label: str) -> dict:
        for r in loaded:
            if r["release"] == label:
                return r
        raise CodeSetError(f"code set {name!r} has no release {label!r} loaded; it has "
                           f"{', '.join(r['release'] for r in loaded)}")

    n = by_label(new) if new else next(r for r in loaded if r["state"] == "current")
    if old:
        o = by_label(old)
    else:
        before = loaded[:loaded.index(n)]  # releases() sorts by valid-from, then load time
        if not before:
            raise CodeSetError(f"code set {name!r}: no release before {n['release']} is loaded to compare with; "
                               f"loaded: {', '.join(r['release'] for r in loaded)}")
        o = before[-1]
    return o, n


def diff(store: ox.Store, name: str, old: str | None = None, new: str | None = None) -> list[Change]:
    """The changes from release ``old`` to release ``new`` of code set ``name``, sorted by key.

    Raises
    ------
    CodeSetError
        If a release named is not loaded, or (by default) there is no release before NEW.

    Examples
    --------
    >>> diff(ox.Store(), "mpfs")
    Traceback (most recent call last):
    ...
    kg.errors.CodeSetError: code set 'mpfs' has no release loaded; load two with 'kg codesets load --mpfs FILE'
    """
    o, n = _pick(store, name, old, new)
    before, after = _facts(store, o["graph"]), _facts(store, n["graph"])
    out = []

    def kind(props: dict[str, set[str]]) -> str:
        return min((t for t in props.get("type", ()) if t != "Concept"), default="")

    for s in before.keys() | after.keys():
        key = _tail(s)
        if s not in before:
            out.append(Change(key, "added", "", "", "", kind(after[s])))
        elif s not in after:
            out.append(Change(key, "removed", "", "", "", kind(before[s])))
        else:
            for p in sorted(before[s].keys() | after[s].keys()):
                a, b = before[s].get(p, set()), after[s].get(p, set())
                if a != b:
                    out.append(Change(key, "changed", p, " | ".join(sorted(a)), " | ".join(sorted(b)),
                                      kind(after[s])))
    return sorted(out, key=lambda c: (c.key, c.kind, c.change, c.field))


def counts(changes: list[Change]) -> dict[str, dict[str, int]]:
    """Subjects added, removed and changed, and property changes, by kind of subject.

    Examples
    --------
    >>> counts([Change("1", "added", "", "", "", "X"), Change("2", "changed", "a", "0", "1", "X"),
    ...         Change("2", "changed", "b", "0", "1", "X")])
    {'X': {'added': 1, 'removed': 0, 'changed': 1, 'field changes': 2}}
    """
    out: dict[str, dict[str, int]] = {}
    changed: dict[str, set[str]] = {}
    for c in changes:
        bucket = out.setdefault(c.kind, {"added": 0, "removed": 0, "changed": 0, "field changes": 0})
        if c.change == "changed":
            bucket["field changes"] += 1
            changed.setdefault(c.kind, set()).add(c.key)
        else:
            bucket[c.change] += 1
    for k, keys in changed.items():
        out[k]["changed"] = len(keys)
    return dict(sorted(out.items()))


_HEAD = ("key", "kind", "change", "field", "old", "new")


def _table(changes: list[Change]) -> str:
    rows = [_HEAD] + [(c.key, c.kind, c.change, c.field, c.old, c.new) for c in changes]
    widths = [min(40, max(len(r[i]) for r in rows)) for i in range(len(_HEAD))]
    return "\n".join("  ".join(cell[:40].ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def _csv(changes: list[Change]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_HEAD)
    for c in changes:
        w.writerow([csv_cell(v) for v in (c.key, c.kind, c.change, c.field, c.old, c.new)])
    return buf.getvalue()


def _json(changes: list[Change]) -> str:
    return json.dumps({"counts": counts(changes), "changes": [asdict(c) for c in changes]}, indent=1) + "\n"


FORMATS = {"table": _table, "csv": _csv, "json": _json}
"""``kg diff --format`` -> renderer of a list of :class:`Change`."""


def render(changes: list[Change], fmt: str = "table") -> str:
    """``changes`` as a text table, CSV (formula-safe: :func:`kg.results.csv_cell`) or JSON (with the counts).

    Examples
    --------
    >>> print(render([Change("0001F", "changed", "statusCode", "I", "=X", "ProcedureCode")], "csv"), end="")
    key,kind,change,field,old,new
    0001F,ProcedureCode,changed,statusCode,I,'=X
    >>> print(render([Change("0001F", "removed", "", "", "", "FeeScheduleEntry")]))
    key    kind              change   field  old  new
    0001F  FeeScheduleEntry  removed
    """
    return FORMATS[fmt](changes)
