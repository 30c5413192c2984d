"""Score relation extraction against an answer key: recall, precision, wrong, reversed and denied edges.

The answer key is the format of ``shared/briefings/dev/expected.json``: for
each briefing file, the ``edges`` a certified coder reads in the text
(``[subject, relation, object, line]``, required), the statements it
``negated`` (must never be asserted), ``acceptable`` alternatives (neither
required nor penalised) and ``relatedTo_ok`` rows (no typed relation fits).
Symmetric relations match in either order.

A typed edge kg asserts is *correct* if it is required or acceptable at that
line, *reversed* if the opposite direction is required, *denied* if the key
says the text negates it, and *wrong* otherwise (reversed and denied edges are
wrong too). ``relatedTo`` is never counted: it is kg saying "not sure".

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "22551.txt").write_text('''CPT 22551: ACDF
... | CPT Code | Description | Relationship to This Procedure |
... |---|---|---|
... 22552 | Each additional interspace | +22552 for each additional interspace; never alone. |
... 63075 | Discectomy | Not an alternative to 22551. |
... ''')
>>> key = {"docs": {"22551.txt": {"edges": [["22552", "addOnTo", "22551", 4]],
...                               "negated": [["63075", "alternativeTo", "22551", 5]]}}}
>>> e = evaluate(key, [d])
>>> e.recall, e.precision, e.wrong, e.negation_recall
(1.0, 1.0, 0, 1.0)
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KGError
from kg.model import GENERIC, RELATIONS
from kg.parse import parse_file
from kg.relations import AddOnKnowledge, read_row
from kg.sources import briefing_files

__all__ = ["Evaluation", "RelationScore", "evaluate", "load_key"]

NEW_RELATIONS = ("addOnTo", "separatelyReportableWith", "mutuallyExclusiveWith", "complicationOf")
"""The relations added for billing statements; the targets name their recall on its own."""

NONE = "(none)"


@dataclass
class RelationScore:
    """The figures of one relation.

    Examples
    --------
    >>> score = RelationScore("addOnTo", required=4, found=3, predicted=4, correct=3, wrong=1)
    >>> score.recall, score.precision
    (0.75, 0.75)
    """

    relation: str
    required: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    wrong: int = 0
    reversed: int = 0
    denied: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


@dataclass
class Evaluation:
    """What :func:`evaluate` measured. ``errors`` lists edges kg got wrong and required edges it missed.

    Examples
    --------
    >>> e = Evaluation(documents=1, relations={
    ...     "addOnTo": RelationScore("addOnTo", required=2, found=2, predicted=2, correct=2),
    ...     "monitors": RelationScore("monitors", required=2, found=1, predicted=2, correct=1, wrong=1)})
    >>> e.recall, e.precision, e.wrong
    (0.75, 0.75, 1)
    """

    documents: int = 0
    relations: dict[str, RelationScore] = field(default_factory=dict)
    confusion: Counter = field(default_factory=Counter)
    negated_expected: int = 0
    negated_recorded: int = 0
    generic_rows: int = 0
    unreadable: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)

    def _sum(self, attr: str, relations: Iterable[str] | None = None) -> int:
        names = set(relations) if relations is not None else set(self.relations)
        return sum(getattr(s, attr) for r, s in self.relations.items() if r in names)

    @property
    def recall(self) -> float:
        required = self._sum("required")
        return self._sum("found") / required if required else 1.0

    @property
    def precision(self) -> float:
        predicted = self._sum("predicted")
        return self._sum("correct") / predicted if predicted else 1.0

    @property
    def wrong(self) -> int:
        return self._sum("wrong")

    @property
    def reversed(self) -> int:
        return self._sum("reversed")

    @property
    def denied(self) -> int:
        return self._sum("denied")

    @property
    def negation_recall(self) -> float:
        """How many of the key's denied statements kg recorded as negated."""
        return self.negated_recorded / self.negated_expected if self.negated_expected else 1.0

    def recall_of(self, relations: Iterable[str]) -> float:
        """Recall over some relations only.

        Examples
        --------
        >>> e = Evaluation(relations={"addOnTo": RelationScore("addOnTo", required=4, found=3)})
        >>> e.recall_of(["addOnTo"])
        0.75
        """
        relations = list(relations)
        required = self._sum("required", relations)
        return self._sum("found", relations) / required if required else 1.0

    def to_dict(self) -> dict[str, object]:
        """The figures as plain data (what ``kg evaluate --format json`` prints)."""
        return {
            "documents": self.documents,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "wrong": self.wrong,
            "reversed": self.reversed,
            "denied_asserted": self.denied,
            "new_relations_recall": round(self.recall_of(NEW_RELATIONS), 4),
            "negation_recall": round(self.negation_recall, 4),
            "generic_rows": self.generic_rows,
            "relations": {r: {"required": s.required, "found": s.found, "recall": round(s.recall, 4),
                              "predicted": s.predicted, "correct": s.correct, "wrong": s.wrong,
                              "reversed": s.reversed, "denied": s.denied, "precision": round(s.precision, 4)}
                          for r, s in sorted(self.relations.items())},
            "confusion": [{"expected": e, "predicted": p, "count": n}
                          for (e, p), n in sorted(self.confusion.items())],
            "errors": self.errors,
            "unreadable": self.unreadable,
            "missing": self.missing,
        }

    def table(self) -> str:
        """The figures as a text table: one line per relation, the totals, then the confusion matrix."""
        head = f"{'relation':<26} {'required':>8} {'found':>6} {'recall':>7} {'asserted':>8} {'wrong':>6} " \
               f"{'reversed':>8} {'denied':>6} {'precision':>9}"
        lines = [head, "-" * len(head)]
        for r, s in sorted(self.relations.items()):
            lines.append(f"{r:<26} {s.required:>8} {s.found:>6} {s.recall:>7.1%} {s.predicted:>8} {s.wrong:>6} "
                         f"{s.reversed:>8} {s.denied:>6} {s.precision:>9.1%}")
        lines.append("-" * len(head))
        lines.append(f"{'all typed edges':<26} {self._sum('required'):>8} {self._sum('found'):>6} {self.recall:>7.1%} "
                     f"{self._sum('predicted'):>8} {self.wrong:>6} {self.reversed:>8} {self.denied:>6} "
                     f"{self.precision:>9.1%}")
        lines.append("")
        lines.append(f"documents {self.documents}; recall of {', '.join(NEW_RELATIONS)}: "
                     f"{self.recall_of(NEW_RELATIONS):.1%}; denied statements recorded as negated: "
                     f"{self.negated_recorded} of {self.negated_expected}; rows left relatedTo: {self.generic_rows}")
        if self.unreadable:
            lines.append(f"unreadable: {', '.join(self.unreadable)}")
        if self.missing:
            lines.append(f"in the key but not given: {', '.join(self.missing)}")
        rows = sorted({e for e, _ in self.confusion})
        cols = sorted({p for _, p in self.confusion})
        if rows:
            lines.append("")
            lines.append("confusion (rows: the key's relation; columns: what kg asserted for that pair and line)")
            width = max(len(c) for c in cols + rows) + 1
            lines.append(" " * width + " ".join(f"{c[:12]:>12}" for c in cols))
            for e in rows:
                lines.append(f"{e:<{width}}" + " ".join(f"{self.confusion.get((e, c), 0) or '.':>12}" for c in cols))
        return "\n".join(lines)


def load_key(path: str | os.PathLike) -> dict[str, object]:
    """Read an answer key, with a clear error for a file that is not one.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "key.json"
    >>> _ = p.write_text('{"docs": {}}')
    >>> load_key(p)
    {'docs': {}}
    """
    try:
        key = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise KGError(f"{path}: cannot read the answer key: {err}") from err
    if not isinstance(key, dict) or not isinstance(key.get("docs"), dict):
        raise KGError(f"{path}: an answer key is a JSON object with a 'docs' object (file name -> edges)")
    return key


def _norm(s: str, relation: str, o: str) -> tuple[str, str, str]:
    if relation in RELATIONS and RELATIONS[relation].symmetric and o < s:
        s, o = o, s
    return s, relation, o


def evaluate(key: Mapping[str, object] | str | os.PathLike, briefings: Iterable[str | os.PathLike], *,
             addons: AddOnKnowledge | None = None) -> Evaluation:
    """Read ``briefings`` as kg does and score the typed edges against ``key``.

    Parameters
    ----------
    key : mapping or path
        The answer key (see the module docstring), or its file.
    briefings : iterable of path-like
        Briefing files and folders; those the key has no entry for are skipped.
    addons : callable, optional
        What the code sets say of add-on codes, as the build would use (:func:`kg.knowledge.add_on_codes`).

    Examples
    --------
    A key for two rows of the bundled 77013 briefing (lines 51 and 52):

    >>> from kg.examples import examples_dir
    >>> key = {"docs": {"77013.txt": {"edges": [["77013", "monitors", "49405", 51],
    ...                                         ["76942", "alternativeTo", "77013", 52]]}}}
    >>> e = evaluate(key, [examples_dir()])
    >>> e.documents, e.relations["monitors"].found, e.relations["alternativeTo"].found, e.missing
    (1, 1, 1, [])
    """
    if not isinstance(key, Mapping):
        key = load_key(key)
    docs: Mapping[str, Mapping[str, list]] = key["docs"]  # type: ignore[assignment]
    ev = Evaluation()
    for relation in RELATIONS:
        if RELATIONS[relation].family in ("procedure", "diagnosis"):
            ev.relations[relation] = RelationScore(relation)
    seen = set()
    for path in briefing_files(briefings):
        entry = docs.get(path.name)
        if entry is None:
            continue
        seen.add(path.name)
        try:
            b = parse_file(path)
        except KGError as err:
            ev.unreadable.append(str(err))
            continue
        ev.documents += 1
        _score(ev, path.name, b, entry, addons)
    ev.missing = sorted(set(docs) - seen)
    return ev


def _score(ev: Evaluation, name: str, b, entry: Mapping[str, list], addons) -> None:
    required = {(_norm(*e[:3]), int(e[3])) for e in entry.get("edges", [])}
    acceptable = {(_norm(*e[:3]), int(e[3])) for e in entry.get("acceptable", [])}
    denied = {(_norm(*e[:3]), int(e[3])) for e in entry.get("negated", [])}
    expected_by_pair = defaultdict(set)
    for (s, r, o), line in required:
        expected_by_pair[(frozenset((s, o)), line)].add(r)
    asserted, negated = set(), set()
    for table, rows in (("diagnosis", b.diagnoses), ("procedure", b.procedures)):
        for row in rows:
            statements = read_row(row.note, table=table, subject=b.code, row=row.code, subject_title=b.title,
                                  row_description=row.description, addons=addons)
            typed = [st for st in statements if not st.negated and st.relation != GENERIC]
            if not any(row.code in (st.subject, st.object) for st in typed):
                ev.generic_rows += 1
            for st in statements:
                (negated if st.negated else asserted).add((_norm(st.subject, st.relation, st.object), row.line))
    for (s, r, o), line in sorted(required):
        score = ev.relations.setdefault(r, RelationScore(r))
        score.required += 1
        got = sorted(p[1] for p, ln in asserted if ln == line and {p[0], p[2]} == {s, o}) or [NONE]
        if ((s, r, o), line) in asserted:
            score.found += 1
            ev.confusion[(r, r)] += 1
        else:
            for p in got:
                ev.confusion[(r, p)] += 1
            ev.errors.append({"file": name, "line": line, "kind": "missed", "edge": [s, r, o], "asserted": got})
    for (s, r, o), line in sorted(asserted):
        if r == GENERIC or r not in ev.relations:
            continue
        score = ev.relations[r]
        score.predicted += 1
        if ((s, r, o), line) in required or ((s, r, o), line) in acceptable:
            score.correct += 1
            continue
        score.wrong += 1
        kind = "wrong"
        if not RELATIONS[r].symmetric and ((o, r, s), line) in required:
            score.reversed += 1
            kind = "reversed"
        if ((s, r, o), line) in denied:
            score.denied += 1
            kind = "denied"
        expected = sorted(expected_by_pair.get((frozenset((s, o)), line), ())) or [NONE]
        for e in expected:
            if e not in (r,):
                ev.confusion[(e, r)] += 0 if e == NONE else 1
        ev.errors.append({"file": name, "line": line, "kind": kind, "edge": [s, r, o], "expected": expected})
    ev.negated_expected += len(denied)
    ev.negated_recorded += len(denied & negated)
