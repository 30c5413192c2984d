"""FHIR R4 ConceptMaps: one per relation family and source, streamed into NDJSON Bundles (see :mod:`kg.fhir`).

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> from kg.examples import examples_dir
>>> from kg.build import build
>>> from kg.store import open_store
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir() / "77013.txt"], progress=False)
>>> out = Path(tempfile.mkdtemp())
>>> [write_map(store, MAPS[m], out).resources for m in ("briefing-diagnosis", "briefing-procedure")]
[1, 1]
>>> line = json.loads((out / "ConceptMap-briefing-diagnosis.ndjson").read_text().splitlines()[0])
>>> cm = line["entry"][0]["resource"]
>>> cm["group"][0]["source"], cm["group"][0]["target"]
('http://hl7.org/fhir/sid/icd-10-cm', 'http://www.ama-assn.org/go/cpt')
>>> t = cm["group"][0]["element"][0]["target"][0]
>>> t["equivalence"], t["comment"].startswith("indicationFor: 77013.txt:")
('relatedto', True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

import kg.cms as cms
from kg.interop import Written, code_of, codeset_graph, release_of as _release, solutions as _solutions
from kg.model import CODE_SYSTEMS, DIAGNOSIS_RELATIONS, GENERIC, PROCEDURE_RELATIONS
from kg.model.codes import BASE
from kg.vocab import KG

__all__ = ["EQUIVALENCES", "MAPS", "MAP_BASE", "PART_TARGETS", "ConceptMapSpec", "Mapping", "write_map"]

PART_TARGETS = 10_000
"""Targets per ConceptMap part (one NDJSON line): bounds memory and the size of one upload."""

EQUIVALENCES = ("relatedto", "equivalent", "equal", "wider", "subsumes", "narrower", "specializes", "inexact",
                "unmatched", "disjoint")
"""R4 ``ConceptMapEquivalence`` codes (http://hl7.org/fhir/R4/valueset-concept-map-equivalence.html)."""

MAP_BASE = BASE + "fhir/ConceptMap/"
"""Canonical URL namespace of kg's ConceptMaps (``{MAP_BASE}{id}-{part}``)."""


class Mapping(NamedTuple):
    """One target of one source code: systems are FHIR system URIs.

    Examples
    --------
    >>> Mapping("http://hl7.org/fhir/sid/icd-10-cm", "C22.0", "http://www.ama-assn.org/go/cpt", "47382",
    ...         "indicationFor", "relatedto", "47382.txt:40").equivalence
    'relatedto'
    """

    source_system: str
    source_code: str
    target_system: str
    target_code: str
    relation: str
    equivalence: str
    provenance: str
    display: str | None = None
    products: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ConceptMapSpec:
    """One ConceptMap kg writes: its id, title, the code set it reads (``None``: the briefings), and its rows.

    ``rows(store, graph)`` yields the :class:`Mapping` s, ``graph`` being the code set's graph IRI.

    Examples
    --------
    >>> MAPS["ncci-ptp-hospital"].codeset, MAPS["ncci-ptp-hospital"].name
    ('ncci-ptp-hospital', 'KgNcciPtpHospital')
    """

    id: str
    title: str
    description: str
    rows: Callable[[ox.Store, str | None], Iterator[Mapping]]
    codeset: str | None = None

    @property
    def name(self) -> str:
        return "Kg" + "".join(w.capitalize() for w in self.id.split("-"))


def _code(term: ox.NamedNode) -> tuple[str, str] | None:
    found = code_of(term.value)
    return None if found is None else (found[1], found[2])


def _briefing_rows(relations: tuple[str, ...], subject_type: str):
    def rows(store: ox.Store, graph: str | None) -> Iterator[Mapping]:
        for rel in relations:
            for s in _solutions(store, "fhir/briefing-edges", rel=ox.NamedNode(str(KG[rel]))):
                a, b = code_of(s["s"].value), code_of(s["o"].value)
                if a is None or b is None or CODE_SYSTEMS[a[0]].node_type != subject_type:
                    continue
                a, b = a[1:], b[1:]
                negated = s["negated"] is not None and s["negated"].value == "true"
                yield Mapping(*a, *b, rel, "disjoint" if negated else "relatedto",
                              f"{s['file'].value}:{s['line'].value}" + (" (negated)" if negated else ""))
    return rows


def _ncci_ptp(store: ox.Store, graph: str) -> Iterator[Mapping]:
    r = _release(store, graph)
    where = f"NCCI PTP {r.get('context', '')} {r.get('release', '')}"
    meanings: dict[str, str] = {}
    for s in _solutions(store, "fhir/ncci-ptp", g=ox.NamedNode(graph)):
        a, b = _code(s["s"]), _code(s["o"])
        if a is None or b is None:
            continue
        mi = s["indicator"].value
        meaning = meanings.get(mi) or meanings.setdefault(mi, _meaning("modifier_indicator", mi))
        why = f"; {s['rationale'].value}" if s["rationale"] is not None else ""
        yield Mapping(*a, *b, "includedIn", "relatedto",
                      f"{where}: modifier indicator {mi} ({meaning}){why}",
                      products=((str(KG.modifierIndicator), mi),))


def _meaning(field_name: str, value: str) -> str:
    rule = cms.decode(field_name, value)
    return rule.meaning.split(":")[0] if rule is not None else "undocumented value"


def _ncci_addon(store: ox.Store, graph: str) -> Iterator[Mapping]:
    r = _release(store, graph)
    where = f"NCCI add-on code edits {r.get('release', '')}"
    for s in _solutions(store, "fhir/ncci-addon", g=ox.NamedNode(graph)):
        a, b = _code(s["s"]), _code(s["o"])
        if a is None or b is None:
            continue
        kind = s["type"].value if s["type"] is not None else ""
        note = f"; edit type {kind} ({_meaning('aoc_edit_type', kind)})" if kind else ""
        yield Mapping(*a, *b, "addOnTo", "relatedto", where + note,
                      products=((str(KG.addOnEditType), kind),) if kind else ())


def _excludes1(store: ox.Store, graph: str) -> Iterator[Mapping]:
    r = _release(store, graph)
    where = f"ICD-10-CM {r.get('release', '')}"
    for s in _solutions(store, "fhir/excludes1", g=ox.NamedNode(graph)):
        a, b = _code(s["s"]), _code(s["o"])
        if a is None or b is None:
            continue
        text = f": {s['text'].value}" if s["text"] is not None else ""
        yield Mapping(*a, *b, "excludes1", "disjoint", f"{where}, Excludes1 note on {a[1]}{text}")


def _hcc(model: str):
    system = f"{BASE}hcc/{model}"

    def rows(store: ox.Store, graph: str) -> Iterator[Mapping]:
        r = _release(store, graph)
        where = f"{model} mappings {r.get('release', '')}"
        for s in _solutions(store, "fhir/hcc", g=ox.NamedNode(graph), model=ox.Literal(model)):
            a = _code(s["s"])
            if a is None:
                continue
            label = s["label"].value if s["label"] is not None else None
            yield Mapping(*a, system, s["hcc"].value, "hcc", "wider", where, display=label)
    return rows


def _ccsr(store: ox.Store, graph: str) -> Iterator[Mapping]:
    r = _release(store, graph)
    where = f"AHRQ CCSR {r.get('release', '')}"
    for s in _solutions(store, "fhir/ccsr", g=ox.NamedNode(graph)):
        a = _code(s["s"])
        if a is None:
            continue
        defaults = [kind for kind in ("inpatient", "outpatient") if s[kind].value == "true"]
        note = f"; default {' and '.join(defaults)} category" if defaults else ""
        label = s["label"].value if s["label"] is not None else None
        yield Mapping(*a, f"{BASE}ccsr", s["category"].value, "ccsrCategory", "wider", where + note, display=label)


MAPS: dict[str, ConceptMapSpec] = {m.id: m for m in (
    ConceptMapSpec("briefing-diagnosis", "Briefing diagnoses: ICD-10-CM to CPT and HCPCS",
                   "The diagnoses a briefing's Related Diagnoses table relates to a procedure: indications, "
                   "comorbidities and complications (and rows kg could not type, relatedTo).",
                   _briefing_rows(DIAGNOSIS_RELATIONS + (GENERIC,), "diagnosis")),
    ConceptMapSpec("briefing-procedure", "Briefing procedure relations: CPT and HCPCS to CPT and HCPCS",
                   "The procedure-to-procedure relations of the briefings' Related CPT Codes tables (and rows kg "
                   "could not type, relatedTo).", _briefing_rows(PROCEDURE_RELATIONS + (GENERIC,), "procedure")),
    ConceptMapSpec("ncci-ptp-practitioner", "NCCI procedure-to-procedure edits, practitioner",
                   "CMS NCCI PTP edits in force for practitioner claims: the column 2 code (source) is included in "
                   "the column 1 code (target).", _ncci_ptp, "ncci-ptp"),
    ConceptMapSpec("ncci-ptp-hospital", "NCCI procedure-to-procedure edits, outpatient hospital",
                   "CMS NCCI PTP edits in force for outpatient hospital claims: the column 2 code (source) is "
                   "included in the column 1 code (target).", _ncci_ptp, "ncci-ptp-hospital"),
    ConceptMapSpec("ncci-addon", "NCCI add-on code edits",
                   "CMS NCCI add-on code edits: the add-on code (source) is reported only with a primary (target).",
                   _ncci_addon, "ncci-addon"),
    ConceptMapSpec("icd10cm-excludes1", "ICD-10-CM Excludes1 notes",
                   "ICD-10-CM Excludes1 notes: the source (the code, block or chapter carrying the note, and every "
                   "code below it) is not coded with the target.", _excludes1, "icd10cm"),
    ConceptMapSpec("cms-hcc-v28", "ICD-10-CM to CMS-HCC V28",
                   "CMS risk adjustment: the CMS-HCC V28 category each ICD-10-CM code maps to.",
                   _hcc("CMS-HCC-V28"), "hcc"),
    ConceptMapSpec("ccsr", "ICD-10-CM to AHRQ CCSR",
                   "AHRQ Clinical Classifications Software Refined: the CCSR categories of each ICD-10-CM code.",
                   _ccsr, "ccsr"),
)}
"""Every ConceptMap :func:`write_fhir` writes, by id (its file is ``ConceptMap-{id}.ndjson``)."""

@dataclass
class _Part:
    groups: dict[tuple[str, str], dict[str, dict[tuple, dict]]] = field(default_factory=dict)
    targets: int = 0


class _MapWriter:
    """Collects mappings into parts of :data:`PART_TARGETS` targets and writes each as one NDJSON line."""

    def __init__(self, spec: ConceptMapSpec, out, release: dict[str, str]):
        self.spec, self.out, self.release = spec, out, release
        self.part, self.parts, self.elements, self.targets = _Part(), 0, 0, 0

    def add(self, m: Mapping) -> None:
        element = self.part.groups.setdefault((m.source_system, m.target_system), {}).setdefault(m.source_code, {})
        key = (m.target_code, m.relation, m.equivalence, m.products)
        target = element.get(key)
        if target is not None:
            target["_provenance"].append(m.provenance)
            return
        element[key] = {"code": m.target_code, "display": m.display, "equivalence": m.equivalence,
                        "relation": m.relation, "products": m.products, "_provenance": [m.provenance]}
        self.part.targets += 1
        if self.part.targets >= PART_TARGETS:
            self.flush()

    def flush(self) -> None:
        if not self.part.targets:
            return
        self.parts += 1
        self.out.write(json.dumps(self._bundle(), ensure_ascii=False, separators=(",", ":")))
        self.out.write("\n")
        self.out.flush()  # a part is on disk once written: nothing of it stays in memory
        self.targets += self.part.targets
        self.part = _Part()

    def _description(self) -> str:
        r = self.release
        if not r:
            return self.spec.description
        return f"{self.spec.description} From {r.get('label', self.spec.codeset)} (file {r.get('file', '?')})."

    def _bundle(self) -> dict:
        spec, n = self.spec, self.parts
        cm_id = f"{spec.id}-{n}"
        groups = []
        for (source, target), elements in self.part.groups.items():
            out = []
            for code, targets in elements.items():
                out.append({"code": code, "target": [_target(t) for t in targets.values()]})
            self.elements += len(out)
            groups.append({"source": source, "target": target, "element": out})
        cm = {"resourceType": "ConceptMap", "id": cm_id, "url": MAP_BASE + cm_id,
              "identifier": {"system": MAP_BASE.rstrip("/"), "value": spec.id},
              "name": f"{spec.name}Part{n}", "title": f"{spec.title} (part {n})", "status": "active",
              "experimental": False, "publisher": "kg (codekg)", "description": self._description()}
        if self.release.get("release"):
            cm["version"] = self.release["release"]
        cm["group"] = groups
        return {"resourceType": "Bundle", "type": "transaction",
                "entry": [{"resource": cm, "request": {"method": "PUT", "url": f"ConceptMap/{cm_id}"}}]}


def _target(t: dict) -> dict:
    out = {"code": t["code"]}
    if t["display"]:
        out["display"] = t["display"]
    out["equivalence"] = t["equivalence"]
    out["comment"] = f"{t['relation']}: " + "; ".join(t["_provenance"])
    products = [{"property": str(KG.relation), "value": t["relation"]}]
    products += [{"property": prop, "value": value} for prop, value in t["products"]]
    out["product"] = products
    return out


def write_map(store: ox.Store, spec: ConceptMapSpec, directory: Path) -> Written:
    """Write one ConceptMap as ``ConceptMap-{id}.ndjson`` in ``directory``, streaming (see the module).

    A map whose code set is not loaded, or that has no row, is skipped (``Written.skipped`` says why).

    Examples
    --------
    >>> import tempfile
    >>> write_map(ox.Store(), MAPS["ccsr"], Path(tempfile.mkdtemp())).skipped
    "code set 'ccsr' is not loaded"
    """
    graph = None
    if spec.codeset is not None:
        graph = codeset_graph(store, spec.codeset)
        if graph is None:
            return Written("ConceptMap", spec.id, None, skipped=f"code set {spec.codeset!r} is not loaded")
    path = directory / f"ConceptMap-{spec.id}.ndjson"
    tmp = path.with_suffix(".ndjson.part")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            writer = _MapWriter(spec, out, _release(store, graph) if graph else {})
            for m in spec.rows(store, graph):
                writer.add(m)
            writer.flush()
    except BaseException:
        tmp.unlink(missing_ok=True)  # a map cut short is no map: the one written before stays
        raise
    if not writer.parts:
        tmp.unlink()
        path.unlink(missing_ok=True)
        return Written("ConceptMap", spec.id, None, skipped="no mapping in the store")
    tmp.replace(path)
    return Written("ConceptMap", spec.id, path, writer.parts, writer.elements, writer.targets)
