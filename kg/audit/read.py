"""What the audit reads from the briefing graphs: every code a briefing mentions (:func:`mentions`).

:mod:`kg.audit` re-exports :func:`mentions`; :func:`kg.audit.audit` reads the same four queries side by side
with the code sets' facts and hands the rows to :func:`_mentions`.

Examples
--------
A row whose code is malformed is a mention too, in its table's first code system:

>>> import pyoxigraph as ox
>>> from kg.parse import parse_text
>>> from kg.to_rdf import briefing_quads
>>> store = ox.Store()
>>> store.extend(briefing_quads(parse_text("CPT 77013: CT guidance\\n| ICD-10 Code | Description | Clinical "
...     "Relevance |\\n|---|---|---|\\n| C2#.0 | Liver cell carcinoma | Primary indication. |\\n", "77013.txt")))
>>> [(m.relation, m.written, m.system, m.table, m.line) for m in mentions(store)]
[('subject', '77013', 'CPT', '', 1), ('malformed', 'C2#.0', 'ICD10CM', 'diagnosis', 4)]
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.codes import BRIEFING_SYSTEMS, normalize_code
from kg.official import run_internal as _run
from kg.vocab import briefing_iri

__all__ = ["mentions"]


@dataclass(frozen=True)
class _Mention:
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


def mentions(store) -> list[_Mention]:
    """Every code row of every briefing, as the briefing wrote it, plus each briefing's subject and each row
    kept as written because its code is malformed (relation ``malformed``, a ``kg:MalformedMention``).

    Relations a briefing negates (``kg:negated true``) are not mentions of a relation.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> [(m.relation, m.code, m.line) for m in mentions(store) if m.code in ("77013", "C22.0")]
    [('subject', '77013', 2), ('indicationFor', 'C22.0', 41)]
    """
    return _mentions(_run(store, "audit-code-nodes"), _run(store, "audit-mentions"), _run(store, "audit-subjects"),
                     _run(store, "audit-malformed"))


def _pick(row: dict) -> tuple[str, ...]:
    """Which of several rows stating one relation a mention is made of: the least by its written form,
    description and text, so a full read and an incremental one (rows in another order) agree."""
    return tuple(row.get(k) or "" for k in ("written", "description", "text", "subjectCode"))


def _mentions(node_rows: list[dict], mention_rows: list[dict], subject_rows: list[dict],
              malformed_rows: list[dict] = ()) -> list[_Mention]:
    """:func:`mentions` from the rows of its four queries (:func:`audit` reads them side by side).

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
    out: list[_Mention] = []
    for (file, _, rel, s, o), (r, s_scheme, o_scheme, mods) in rows.items():
        subject = r["subjectCode"]
        # the row's code is the end that is not the briefing's subject
        if s == subject and o != subject:
            code, scheme, other = o, o_scheme, s
        else:
            code, scheme, other = s, s_scheme, o
        out.append(_Mention(
            code=code, written=r["written"] or code, system=scheme.rsplit("#", 1)[-1],
            description=r["description"] or "", relation=rel.rsplit("#", 1)[-1],
            subject=subject, other=other, document=documents.get(file) or briefing_iri(file), file=file,
            line=int(r["line"]), text=r["text"] or "", ends=(s, o), with_modifiers=tuple(sorted(mods)),
        ))
    for r in subject_rows:
        for code, scheme in nodes.get((r["file"], r["c"]), ()):
            out.append(_Mention(
                code=code, written=code, system=scheme.rsplit("#", 1)[-1], description="",
                relation="subject", subject=code, other="", document=r["doc"], file=r["file"], line=int(r["line"]),
            ))
    for r in malformed_rows:
        table = r["table"]
        out.append(_Mention(
            code=normalize_code(r["written"]), written=r["written"], system=BRIEFING_SYSTEMS[table][0],
            description=r["description"] or "", relation="malformed", subject=r["subjectCode"], other="",
            document=r["doc"], file=r["file"], line=int(r["line"]), text=r["text"] or "", table=table,
        ))
    # ties broken by the rest of the row, so the same store always gives the same order
    out.sort(key=lambda m: (m.file, m.line, m.relation, m.code, m.other, m.ends, m.description, m.text))
    return out
