"""What each briefing graph mentions, as the audit reads it (:class:`Mention`), and the log ``kg build`` keeps of
it beside the store (:class:`KeptMentions`).

The audit (:mod:`kg.audit`) checks every code a briefing mentions: its subject, each modifier, taxonomy,
diagnosis and related procedure row, and each row kept as written because its code is malformed. It reads them
from the store with four queries (:func:`kg.audit.read.mentions`), or takes them from this log: reading every
mention from a store of 10,000 briefings takes 13 s (the queries over every briefing graph, then Python), while
``kg build`` has each briefing's triples in hand as it writes them. So each build worker reads the mentions of
the graph it makes (:func:`graph_mentions`: the queries matched in Python) and the build appends them here; the
audit reads them back for every briefing whose findings it must check again, and queries the store only for the
graphs kept nowhere (and keeps those for the next audit).

A record is keyed by the **content digest** of the graph: the SHA-256 of its N-Quads as the build wrote them,
which the build also writes into the graph's marker (``<g> kg:contentSha256 "..."``). The mentions are a function
of the graph's content and of kg's code alone, so a record found under a graph's digest is that graph's, however
the graph was made and whatever was loaded since; the file is named by :func:`kg.cache.code_digest`, so another kg
never reads it. A graph whose marker has no content digest (built by an older kg) is read from the store, and so
is one whose digest no record has.

The file is a log: each build appends the graphs it wrote (an incremental build of one briefing appends one
record, a few kilobytes), each record framed with its length and CRC-32. A read stops at the first record cut
short or damaged (a build killed while appending); what follows it is read from the store, and the next
:meth:`KeptMentions.compact` rewrites the file with the good records. The audit compacts it when most records
are of graphs no longer in the store.

Examples
--------
>>> import tempfile
>>> from kg.to_rdf import briefing_triples
>>> from kg.parse import parse_text
>>> doc, triples = briefing_triples(parse_text("CPT 77013: CT guidance\\n", "77013.txt"))
>>> kept = KeptMentions(tempfile.mkdtemp())
>>> kept.add("ab" * 32, pack(graph_mentions(doc, triples)))
>>> kept.save()
>>> [(m.relation, m.code) for m in unpack(kept.read()["ab" * 32])]
[('subject', '77013')]
"""

from __future__ import annotations

import itertools
import os
import pickle
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.cache import code_digest
from kg.model.codes import BRIEFING_SYSTEMS, normalize_code
from kg.vocab import KG, briefing_iri

__all__ = ["FORMAT", "KeptMentions", "Mention", "graph_mentions", "mentions_of_rows", "pack", "unpack"]


@dataclass(frozen=True)
class Mention:
    """One code a briefing mentions, as the audit checks it."""

    code: str
    written: str
    system: str
    description: str
    relation: str
    subject: str  # the briefing's own code
    other: str  # for code<->code rows, the code at the other end
    document: str
    file: str
    line: int
    text: str = ""  # the row's free text
    ends: tuple[str, str] = ("", "")  # the relation's subject and object codes
    with_modifiers: tuple[str, ...] = ()  # modifiers the asserted relation names (kg:withModifier)
    table: str = ""  # for a malformed mention (relation "malformed"), the table its row is in


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_NOTATION, _IN_SCHEME = _SKOS + "notation", _SKOS + "inScheme"
_K = {name: str(KG[name]) for name in (
    "Briefing", "sourceFile", "aboutCode", "line", "subjectCode", "relation", "objectCode", "negated", "writtenAs",
    "description", "sourceText", "usageNote", "withModifier", "MalformedMention", "table")}
_TRUE = ("true", "http://www.w3.org/2001/XMLSchema#boolean")
_READ = frozenset([_RDF_TYPE, _NOTATION, _IN_SCHEME, *_K.values()])
"""The predicates the four queries match (the others, labels, phrases, rules, provenance, are not read)."""


def graph_mentions(doc: str, triples) -> list[Mention]:
    """:func:`kg.audit.read.mentions` of one briefing graph ``doc`` made of ``triples`` (:func:`kg.to_rdf.briefing_triples`'s, with
    its ``<doc> a kg:Briefing``), read in Python: what the four queries of :func:`kg.audit.read.mentions` find in that graph once
    it is in a store, without the store. ``kg build`` keeps them (:class:`KeptMentions`) for the audit.

    Each ``GRAPH ?doc`` pattern is matched here as the engine matches it, every combination of the values a node
    has (``tests/test_audit_kept.py`` compares the two on every development briefing).

    Examples
    --------
    >>> from kg.parse import parse_text
    >>> from kg.to_rdf import briefing_triples
    >>> doc, triples = briefing_triples(parse_text("CPT 77013: CT guidance\\n| ICD-10 Code | Description | "
    ...     "Clinical Relevance |\\n|---|---|---|\\n| C22.0 | Liver cell carcinoma | Primary indication. |\\n",
    ...     "77013.txt"))
    >>> [(m.relation, m.code, m.line) for m in graph_mentions(doc, triples)]
    [('subject', '77013', 1), ('indicationFor', 'C22.0', 4)]
    """
    K = _K
    props: dict[str, dict[str, list]] = {}  # subject -> predicate -> objects (a literal as its text), each triple once
    negated: set[str] = set()  # the nodes that are kg:negated true (the boolean; sameTerm in the query)
    wanted = _READ
    for s, p, o in dict.fromkeys(t for t in triples if t[1] in wanted):  # what the queries match, each triple once
        if p == K["negated"] and o == _TRUE:
            negated.add(s)
        props.setdefault(s, {}).setdefault(p, []).append(o[0] if isinstance(o, tuple) else o)

    def values(node: str, p: str) -> list:
        return props.get(node, {}).get(p, [])

    if K["Briefing"] not in values(doc, _RDF_TYPE):
        return []
    files = values(doc, K["sourceFile"])
    subjects = values(doc, K["aboutCode"])
    heads = [(f, code) for f in files for subject in subjects for code in values(subject, _NOTATION)]
    node_rows = [{"file": f, "c": c, "notation": n, "system": scheme}
                 for c, ps in props.items() if _NOTATION in ps and _IN_SCHEME in ps
                 for f in files for n in ps[_NOTATION] for scheme in ps[_IN_SCHEME]]
    subject_rows = [{"doc": doc, "file": f, "c": c, "line": line}
                    for f in files for c in subjects for line in values(doc, K["line"])]
    mention_rows: list[dict] = []
    malformed_rows: list[dict] = []
    for node, ps in props.items():
        texts = (ps.get(K["sourceText"], []) + ps.get(K["usageNote"], [])) or [None]
        if K["subjectCode"] in ps:
            neg = "true" if node in negated else None
            mods = [n for m in ps.get(K["withModifier"], ()) for n in values(m, _NOTATION)] or [None]
            for (f, code), s, rel, o, line, written, description, text, mod in itertools.product(
                    heads, ps[K["subjectCode"]], ps.get(K["relation"], ()), ps.get(K["objectCode"], ()),
                    ps.get(K["line"], ()), ps.get(K["writtenAs"]) or [None], ps.get(K["description"]) or [None],
                    texts, mods):
                mention_rows.append({"file": f, "subjectCode": code, "line": line, "relation": rel, "s": s, "o": o,
                                     "written": written, "description": description, "text": text,
                                     "withModifier": mod, "neg": neg})
        if K["MalformedMention"] in ps.get(_RDF_TYPE, ()):
            for (f, code), table, line, written, description, text in itertools.product(
                    heads, ps.get(K["table"], ()), ps.get(K["line"], ()), ps.get(K["writtenAs"], ()),
                    ps.get(K["description"]) or [None], texts):
                malformed_rows.append({"doc": doc, "file": f, "subjectCode": code, "row": node, "table": table,
                                       "line": line, "written": written, "description": description, "text": text})
    return mentions_of_rows(node_rows, mention_rows, subject_rows, malformed_rows)


def _pick(row: dict) -> tuple[str, ...]:
    """Which of several rows stating one relation a mention is made of: the least by its written form,
    description and text, so a full read and an incremental one (rows in another order) agree."""
    return tuple(row.get(k) or "" for k in ("written", "description", "text", "subjectCode"))


def mentions_of_rows(node_rows: list[dict], mention_rows: list[dict], subject_rows: list[dict],
                     malformed_rows: list[dict] = ()) -> list[Mention]:
    """:func:`kg.audit.read.mentions` from the rows of its four queries (:func:`kg.audit.audit` reads them side by side;
    :func:`graph_mentions` makes them of one graph's triples).

    The code nodes and the relations name their briefing by its file (one file, one briefing graph); a
    relation is told apart by its line, relation and ends (a row never states one relation twice).
    """
    documents = {r["file"]: r["doc"] for r in subject_rows}  # file -> the briefing's graph
    nodes: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (file, code IRI) -> [(notation, system)]
    for r in node_rows:
        nodes.setdefault((r["file"], r["c"]), []).append((r["notation"], r["system"]))
    rows: dict[tuple, tuple] = {}
    for r in mention_rows:
        if r["neg"] is not None:
            continue
        file, mod = r["file"], r["withModifier"]
        for s_notation, s_scheme in nodes.get((file, r["s"]), ()):
            for o_notation, o_scheme in nodes.get((file, r["o"]), ()):
                key = (file, r["line"], r["relation"], s_notation, o_notation)
                got = rows.get(key)
                if got is None:
                    got = rows[key] = (r, s_scheme, o_scheme, set())
                elif _pick(r) < _pick(got[0]):  # the same row whatever order the engine returns them in
                    got = rows[key] = (r, s_scheme, o_scheme, got[3])
                if mod:
                    got[3].add(mod)
    out: list[Mention] = []
    for (file, _, rel, s, o), (r, s_scheme, o_scheme, mods) in rows.items():
        subject = r["subjectCode"]
        # the row's code is the end that is not the briefing's subject
        if s == subject and o != subject:
            code, scheme, other = o, o_scheme, s
        else:
            code, scheme, other = s, s_scheme, o
        out.append(Mention(
            code=code, written=r["written"] or code, system=scheme.rsplit("#", 1)[-1],
            description=r["description"] or "", relation=rel.rsplit("#", 1)[-1],
            subject=subject, other=other, document=documents.get(file) or briefing_iri(file), file=file,
            line=int(r["line"]), text=r["text"] or "", ends=(s, o), with_modifiers=tuple(sorted(mods)),
        ))
    for r in subject_rows:
        for code, scheme in nodes.get((r["file"], r["c"]), ()):
            out.append(Mention(
                code=code, written=code, system=scheme.rsplit("#", 1)[-1], description="",
                relation="subject", subject=code, other="", document=r["doc"], file=r["file"], line=int(r["line"]),
            ))
    for r in malformed_rows:
        table = r["table"]
        out.append(Mention(
            code=normalize_code(r["written"]), written=r["written"], system=BRIEFING_SYSTEMS[table][0],
            description=r["description"] or "", relation="malformed", subject=r["subjectCode"], other="",
            document=r["doc"], file=r["file"], line=int(r["line"]), text=r["text"] or "", table=table,
        ))
    # ties broken by the rest of the row, so the same store always gives the same order
    out.sort(key=lambda m: (m.file, m.line, m.relation, m.code, m.other, m.ends, m.description, m.text))
    return out


FORMAT = 1
"""The log's format: part of its name."""

_MAGIC = b"KGM1"
_HEAD = struct.Struct(">4s32sII")  # magic, content digest (raw), payload length, payload CRC-32


def pack(mentions: Iterable[Mention]) -> bytes:
    """One graph's mentions as bytes (a pickle of their fields), for :meth:`KeptMentions.add`.

    >>> unpack(pack([])) == []
    True
    """
    return pickle.dumps(tuple(tuple(getattr(m, f) for f in _FIELDS) for m in mentions), protocol=5)


def unpack(blob: bytes) -> list[Mention]:
    """The mentions :func:`pack` made ``blob`` of.

    >>> m = Mention("C22.0", "C22.0", "ICD10CM", "Liver cell carcinoma", "indicationFor", "77013", "77013",
    ...              "https://w3id.org/codekg/briefing/77013.txt", "77013.txt", 41)
    >>> unpack(pack([m])) == [m]
    True
    """
    return [Mention(*fields) for fields in pickle.loads(blob)]


class KeptMentions:
    """The mentions ``kg build`` kept in the store's cache directory ``cache_dir`` (:func:`kg.store.cache_dir_for`).

    :meth:`add` what a build wrote, then :meth:`save` (appends); :meth:`read` every good record;
    :meth:`compact` to the graphs still in the store.
    """

    def __init__(self, cache_dir: str | os.PathLike) -> None:
        self.path = Path(cache_dir) / f"audit-mentions-{FORMAT}-{code_digest()}.log"
        self.added: dict[str, bytes] = {}
        self.good = True
        """False when the last :meth:`read` stopped at a damaged record."""

    def add(self, digest: str, blob: bytes) -> None:
        """Keep ``blob`` (:func:`pack`) as the mentions of the graph whose content digest is ``digest``."""
        self.added[digest] = blob

    def save(self) -> None:
        """Append what was added since the last save; a place that cannot be written is no error (the audit then
        reads those graphs from the store). Logs of another kg are removed."""
        if not self.added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for old in self.path.parent.glob("audit-mentions-*.log"):
                if old != self.path:
                    old.unlink()
            with open(self.path, "ab") as fh:
                fh.write(b"".join(_record(d, b) for d, b in self.added.items()))
        except OSError:
            pass
        self.added = {}

    def read(self) -> dict[str, bytes]:
        """Content digest -> the :func:`pack` of that graph's mentions, for every record up to the first bad one (the
        last of one digest wins: they are the same).

        >>> import tempfile
        >>> KeptMentions(tempfile.mkdtemp()).read()
        {}
        """
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        out: dict[str, bytes] = {}
        at, size = 0, len(data)
        while at + _HEAD.size <= size:
            magic, digest, length, crc = _HEAD.unpack_from(data, at)
            body = data[at + _HEAD.size:at + _HEAD.size + length]
            if magic != _MAGIC or len(body) != length or zlib.crc32(body) != crc:
                break  # cut short or damaged: the rest is read from the store
            out[digest.hex()] = body
            at += _HEAD.size + length
        self.good = at == size
        return out

    def compact(self, records: dict[str, bytes]) -> None:
        """Rewrite the log with ``records`` alone (written aside, then moved in); what was added is dropped."""
        self.added = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(b"".join(_record(d, b) for d, b in records.items()))
            os.replace(tmp, self.path)
        except OSError:
            pass


def _record(digest: str, blob: bytes) -> bytes:
    return _HEAD.pack(_MAGIC, bytes.fromhex(digest), len(blob), zlib.crc32(blob)) + blob


_FIELDS = tuple(Mention.__dataclass_fields__)
