"""One code's facts in one answer: ``kg show CODE``.

:func:`show` gathers, for one code, what the loaded code sets and the
briefings say about it:

* the official label and parents (ICD-10-CM ancestors; NUCC classification
  and grouping), and the billable flag;
* the Medicare fee schedule indicators in words, the work RVU and global days;
* the MUE units, add-on status with its primaries (or the add-ons that name it
  as their primary);
* how many NCCI PTP edits in force name it, the strongest (modifier
  indicator 0, no modifier bypasses them) listed first;
* what each briefing says about it, with document:line, and its audit findings;
* its official edges of the layers ``excludes`` (the ICD-10-CM notes:
  Excludes1/2, code first, use additional code, code also), ``ccsr`` and
  ``hcc`` (its HCCs and the ``hccTrumps`` edges among them), in words
  (:func:`kg.network.local.around`, read around the code only).

Each part is one targeted SPARQL query with the code bound (the internal
queries ``kg/queries/internal/show-*.rq`` and the public ``fee-schedule``,
``mue``, ``add-on-status`` and ``code-findings``), so the answer is quick on a
store with the full NCCI edits: nothing projects the whole store. A part
whose code set is not loaded is left out (``None``), never guessed.

Examples
--------
>>> import tempfile
>>> from kg.build import build
>>> from kg.store import open_store
>>> from kg.examples import examples_dir
>>> store = open_store(tempfile.mkdtemp())
>>> _ = build(store, [examples_dir()], progress=False)
>>> facts = show(store, "77013")
>>> facts["code"], facts["system"], facts["fee_schedule"] is None
('77013', 'CPT', True)
>>> ("77013.txt", "subject") in [(b["file"], b["relation"]) for b in facts["briefings"]]
True
"""

from __future__ import annotations

import json

from kg.cms import decode
from kg.codesets.catalog import codeset_name
from kg.errors import QueryError
from kg.model import LAYERS
from kg.model.codes import code_candidates
from kg.query import internal, run, run_sparql
from kg.vocab import code_iri

__all__ = ["FORMATS", "describe_indicator", "show", "to_json", "to_text"]

STRONGEST = 10
"""How many NCCI edits :func:`show` lists (modifier indicator 0 first); the rest are counted."""

_SYSTEM_NAMES = {"CPT": "CPT", "HCPCS": "HCPCS", "ICD10CM": "ICD-10-CM", "NUCC": "NUCC", "MOD": "modifier"}


# The MPFS indicators as the RVU file's documentation (CMS, PPRRVU "RVU file layout") defines them.
_CMS_FIELD = {"status": "status_code", "PC/TC": "pctc_ind", "global days": "glob_days",
              "multiple procedure": "mult_proc", "bilateral": "bilat_surg", "assistant at surgery": "asst_surg",
              "co-surgeons": "co_surg", "team surgery": "team_surg"}
"""Each indicator's name here -> its PPRRVU field in the one decoding table, :data:`kg.cms.RULES`."""

INDICATORS = {
    "status": "status", "PC/TC": "pctc", "global days": "globalDays", "multiple procedure": "multipleProcedure",
    "bilateral": "bilateral", "assistant at surgery": "assistant", "co-surgeons": "coSurgeon", "team surgery": "team",
}
"""Each MPFS indicator :func:`describe_indicator` knows -> its column in the ``fee-schedule`` named query."""


def describe_indicator(name: str, value: str) -> str:
    """What an MPFS indicator value means, in words (``""`` for a value CMS does not define).

    Examples
    --------
    The words are :mod:`kg.cms`'s, the one decoding table the audit and ``kg check`` use too.

    >>> describe_indicator("assistant at surgery", "1")
    'Statutory payment restriction: assistants at surgery may not be paid'
    >>> describe_indicator("PC/TC", "4")
    'Global test only code: separate codes describe the components; 26 and TC cannot be used'
    >>> describe_indicator("global days", "QQQ")
    ''
    """
    rule = decode(_CMS_FIELD.get(name, ""), value)
    return rule.meaning if rule is not None else ""


def _values(results) -> list[dict[str, str | None]]:
    return [{v: (None if t is None else t.value) for v, t in zip(results.variables, row)} for row in results.rows]


def _internal(store, name: str, iri: str) -> list[dict[str, str | None]]:
    import pyoxigraph as ox

    q = internal(name)
    return _values(run_sparql(store, q.text, substitutions={ox.Variable("code"): [ox.NamedNode(iri)]},
                              source=str(q.path)))


def _loaded(store) -> set[str]:
    q = internal("loaded-code-sets")
    return {r["set"] for r in _values(run_sparql(store, q.text, source=str(q.path)))}


def _candidates(code: str) -> list[tuple[str, str]]:
    found = code_candidates(code, ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD"))
    if not found:
        raise QueryError(f"{code!r} is not shaped like a CPT, HCPCS, ICD-10-CM, NUCC or modifier code")
    return found


def show(store, code: str, system: str | None = None) -> dict:
    """Everything kg knows about ``code``, as a dict (see the module docstring for the parts).

    Parameters
    ----------
    store : pyoxigraph.Store or kg.remote.Endpoint
        The store to read.
    code : str
        The code as a user types it (``77013``, ``c22.0``, ``2085R0202X``, ``26``).
    system : str, optional
        The code system (``CPT``, ``HCPCS``, ``ICD10CM``, ``NUCC``, ``MOD``) when
        the code's shape fits several (``G0439`` is HCPCS, ``G04.39`` ICD-10-CM);
        by default the first that the store knows.

    Raises
    ------
    QueryError
        If ``code`` is shaped like no code system (or not like ``system``).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> show(ox.Store(), "77013")["known"]
    False
    >>> show(ox.Store(), "26", system="MOD")["system"]
    'MOD'
    """
    candidates = _candidates(code)
    if system is not None:
        candidates = [c for c in candidates if c[0] == system]
        if not candidates:
            raise QueryError(f"{code!r} is not shaped like a {_SYSTEM_NAMES.get(system, system)} code")
    loaded = _loaded(store)
    facts = None
    for sys_, c in candidates:
        facts = _facts(store, sys_, c, loaded)
        if facts["known"]:
            break
    facts["also"] = [f"{_SYSTEM_NAMES[s]} {c}" for s, c in candidates if (s, c) != (facts["system"], facts["code"])]
    return facts


def _facts(store, system: str, code: str, loaded: set[str]) -> dict:
    iri = code_iri(system, code)
    official = _internal(store, "show-code", iri)
    briefings = _briefings(store, iri)
    facts: dict = {
        "code": code, "system": system, "known": bool(official or briefings),
        "official": _official(official), "parents": _parents(store, iri),
        "fee_schedule": None, "mue": None, "add_on": None, "ncci": None,
        "briefings": briefings, "findings": None, "official_edges": None,
    }
    layers = [x for x, sets in _EDGE_LAYERS.items() if any(c in loaded for c in sets)]
    if layers and facts["known"]:
        facts["official_edges"] = _official_edges(store, iri, layers)
    if system in ("CPT", "HCPCS"):
        if "mpfs" in loaded:
            facts["fee_schedule"] = _fee_schedule(store, code)
        if "ncci-mue" in loaded:
            facts["mue"] = [{k: r[k] for k in ("service", "units", "adjudicationIndicator", "meaning", "rationale")}
                            for r in run(store, "mue", code=code).records()]
        if any(s.startswith("ncci-addon") for s in loaded):
            facts["add_on"] = _add_on(store, code)
        if any(s.startswith("ncci-ptp") for s in loaded):
            facts["ncci"] = _ncci(store, iri)
    if "audit" in loaded:
        facts["findings"] = [
            {k: r[k] for k in ("where", "severity", "kind", "written", "file", "line", "message", "suggestion")}
            for r in run(store, "code-findings", code=code).records() if r["written"] is not None
        ]
    return facts


_EDGE_LAYERS = {name: LAYERS[name].codesets for name in ("excludes", "ccsr", "hcc")}
"""The layers of :data:`kg.model.LAYERS` that ``kg show`` lists as edges, -> the code sets that hold them."""


def _official_edges(store, iri: str, layers: list[str]) -> list[dict]:
    from kg.network.local import around

    H = around(store, iri, 1, layers=layers, attributes=False, attribute_edges=False)
    out = []
    for u, v, k, d in H.edges(keys=True, data=True):
        out.append({"layer": d["layer"], "relation": k, "from": H.nodes[u]["notation"], "to": H.nodes[v]["notation"],
                    "to_label": H.nodes[v]["label"], "words": d.get("label", "")})
    out.sort(key=lambda e: (list(LAYERS).index(e["layer"]), e["relation"], e["from"], e["to"]))
    return out


def _official(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    out: dict = {"label": None, "sets": sorted({f"{r['set']} {r['release']}" for r in rows}), "billable": None}
    for r in rows:
        prop, value = r["property"], r["value"]
        if prop == "prefLabel":
            out["label"] = out["label"] or value
        elif prop in ("grouping", "classification", "specialization"):
            out[prop] = value
        elif prop == "billable":
            out["billable"] = value == "true"
    return out


def _parents(store, iri: str) -> list[dict]:
    """The chain of parents from the nearest up (NUCC: classification, then grouping)."""
    up: dict[str, str] = {}
    about: dict[str, dict[str, str]] = {}
    for r in _internal(store, "show-parents", iri):
        up.setdefault(r["child"], r["parent"])
        about.setdefault(r["parent"], {}).setdefault(r["property"], r["value"])
    chain, node, seen = [], iri, set()
    while node in up and node not in seen:
        seen.add(node)
        node = up[node]
        chain.append({"code": about[node].get("notation", ""), "label": about[node].get("prefLabel", "")})
    return chain


def _fee_schedule(store, code: str) -> dict | None:
    rows = run(store, "fee-schedule", code=code).records()
    if not rows:
        return {"in_schedule": False}
    rows.sort(key=lambda r: r["modifier"])
    main = rows[0]
    return {
        "in_schedule": True,
        "release": main["release"],
        "indicators": [
            {"name": name, "value": main[column], "meaning": describe_indicator(name, main[column])}
            for name, column in INDICATORS.items() if main[column]
        ],
        "work_rvu": {r["modifier"] or "global": r["workRVU"] for r in rows if r["workRVU"] is not None},
        "global_days": main["globalDays"],
    }


def _add_on(store, code: str) -> dict:
    rows = run(store, "add-on-status", code=code).records()
    add_on = [r for r in rows if r["status"] == "add-on code"]
    primary_of = [r for r in rows if r["status"] == "primary code"]
    return {
        "is_add_on": bool(add_on),
        "edit_type": add_on[0]["editType"] if add_on else None,
        "meaning": add_on[0]["meaning"] if add_on else None,
        "primaries": sorted({r["primary"] for r in add_on}),
        "add_ons": sorted({r["addOn"] for r in primary_of}),
    }


def _ncci(store, iri: str) -> dict:
    edits = []
    for r in _internal(store, "show-ncci", iri):
        column1, column2 = r["c1"].rsplit("/", 1)[-1], r["c2"].rsplit("/", 1)[-1]
        edits.append({"column1": column1, "column2": column2, "modifier_indicator": r["modifierIndicator"],
                      "rationale": r["rationale"] or "", "release": r["release"],
                      "edits": codeset_name(r["g"])})
    edits.sort(key=lambda e: ({"0": 0, "1": 1}.get(e["modifier_indicator"], 2), e["column1"], e["column2"]))
    me = iri.rsplit("/", 1)[-1]
    return {
        "count": len(edits),
        "as_column1": sum(e["column1"] == me for e in edits),
        "as_column2": sum(e["column2"] == me for e in edits),
        "indicator_0": sum(e["modifier_indicator"] == "0" for e in edits),
        "strongest": edits[:STRONGEST],
    }


def _briefings(store, iri: str) -> list[dict]:
    rows: dict[tuple[str, str | None], dict[str, str]] = {}
    for r in _internal(store, "show-briefings", iri):
        rows.setdefault((r["file"], r["edge"]), {}).setdefault(r["property"], r["value"])
    out = []
    for (file, edge), p in rows.items():
        if edge is None:
            out.append({"file": file, "line": int(p.get("line", 0)), "relation": "subject", "subject": "",
                        "object": "", "negated": False, "description": p.get("title", ""), "note": ""})
            continue
        out.append({"file": file, "line": int(p.get("line", 0)), "relation": p["relation"].rsplit("#", 1)[-1],
                    "subject": _notation(p["subjectCode"]), "object": _notation(p["objectCode"]),
                    "negated": p.get("negated") == "true", "description": p.get("description", ""),
                    "note": p.get("sourceText") or p.get("usageNote", "")})
    out.sort(key=lambda b: (b["relation"] != "subject", b["file"], b["line"]))
    return out


def _notation(iri: str) -> str:
    from urllib.parse import unquote

    return unquote(iri.rsplit("/", 1)[-1])


# --------------------------------------------------------------------------
# rendering


def to_json(facts: dict) -> str:
    """The facts as JSON.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> from kg.examples import examples_dir
    >>> from kg.build import build
    >>> store = ox.Store()
    >>> _ = build(store, examples_dir() / "77013.txt", progress=False)
    >>> facts = json.loads(to_json(show(store, "C22.0")))
    >>> facts["system"], facts["official"], [(b["file"], b["line"]) for b in facts["briefings"]]
    ('ICD10CM', None, [('77013.txt', 41)])
    """
    return json.dumps(facts, ensure_ascii=False, indent=1)


def _clip(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_text(facts: dict) -> str:
    """The facts as text for the terminal, one part a paragraph.

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> print(to_text(show(ox.Store(), "99999")))
    99999 (CPT): not in the store: no loaded code set and no briefing names it
    """
    name = f"{facts['code']} ({_SYSTEM_NAMES[facts['system']]})"
    if not facts["known"]:
        return f"{name}: not in the store: no loaded code set and no briefing names it"
    lines = [name]
    o = facts["official"]
    if o:
        lines.append(f"  official label: {o['label'] or '(none in the loaded code sets)'}   [{', '.join(o['sets'])}]")
        for key in ("grouping", "classification", "specialization"):
            if o.get(key):
                lines.append(f"  {key}: {o[key]}")
        if o["billable"] is not None:
            lines.append(f"  billable: {'yes' if o['billable'] else 'no (a category or header: report a subcode)'}")
    elif facts["system"] == "CPT":
        lines.append("  official label: kg ships no CPT descriptors (AMA text)")
    if facts["parents"]:
        lines.append("  parents: " + " < ".join(f"{p['code']} {p['label']}".strip() for p in facts["parents"]))
    fs = facts["fee_schedule"]
    if fs is not None:
        if not fs["in_schedule"]:
            lines.append("  fee schedule: not in the loaded Medicare physician fee schedule")
        else:
            lines.append(f"  fee schedule (MPFS {fs['release']}):")
            lines += [f"    {i['name']} {i['value']}: {i['meaning']}" for i in fs["indicators"]]
            if fs["work_rvu"]:
                lines.append("    work RVU: " + ", ".join(f"{k} {v}" for k, v in fs["work_rvu"].items()))
    if facts["mue"] is not None:
        if not facts["mue"]:
            lines.append("  MUE: none listed")
        for m in facts["mue"]:
            lines.append(f"  MUE ({m['service']}): {m['units']} unit(s); MAI {m['adjudicationIndicator']}: {m['meaning']}")
    a = facts["add_on"]
    if a is not None:
        if a["is_add_on"]:
            lines.append(f"  add-on code, edit type {a['edit_type']} ({a['meaning']}); primaries: "
                         + _clip(", ".join(a["primaries"]) or "any (CMS lists none)"))
        else:
            lines.append("  not an add-on code")
        if a["add_ons"]:
            lines.append(f"  primary of {len(a['add_ons'])} add-on code(s): " + _clip(", ".join(a["add_ons"])))
    n = facts["ncci"]
    if n is not None:
        lines.append(f"  NCCI PTP edits in force: {n['count']} ({n['as_column1']} as column 1, {n['as_column2']} as "
                     f"column 2); {n['indicator_0']} with modifier indicator 0 (no modifier bypasses them)")
        for e in n["strongest"]:
            lines.append(f"    column 1 {e['column1']}, column 2 {e['column2']}: modifier indicator "
                         f"{e['modifier_indicator']}; {_clip(e['rationale'], 70)}")
        if n["count"] > len(n["strongest"]):
            lines.append(f"    … and {n['count'] - len(n['strongest'])} more ('kg query ncci-edits -p code=...')")
    if facts["briefings"]:
        lines.append("  in the briefings:")
        for b in facts["briefings"]:
            where = f"{b['file']}:{b['line']}"
            if b["relation"] == "subject":
                lines.append(f"    {where}  the briefing's subject: {b['description']}")
            else:
                rel = ("not " if b["negated"] else "") + b["relation"]
                text = "; ".join(t for t in (b["description"], b["note"]) if t)
                lines.append(f"    {where}  {b['subject']} {rel} {b['object']}  {_clip(text, 90)}")
    if facts.get("official_edges"):
        lines.append("  official edges (ICD-10-CM notes, CCSR, CMS-HCC):")
        for e in facts["official_edges"]:
            lines.append(f"    {e['from']} -{e['relation']}-> {e['to']} {_clip(e['to_label'], 60)}  ({e['words']})")
    if facts["findings"] is not None:
        lines.append(f"  audit findings: {len(facts['findings']) or 'none'}")
        for f in facts["findings"]:
            lines.append(f"    {f['severity']} {f['kind']} {f['written']} at {f['file']}:{f['line']}: "
                         + _clip(f["message"], 100))
    if facts.get("also"):
        lines.append("  the same characters may also be: " + ", ".join(facts["also"]))
    return "\n".join(lines)


FORMATS = {"text": to_text, "json": to_json}
"""``kg show --format`` choices -> renderer."""
