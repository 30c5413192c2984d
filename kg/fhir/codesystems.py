"""FHIR R4 CodeSystems for the vocabularies kg itself defines: relations, specialties, payers, sites of service.

Each is one small resource, ``CodeSystem-{id}.json``:

``relation``
    every relation of :data:`kg.model.RELATIONS` (code = its local name in the ``kg:`` ontology), with its
    family, symmetry, inverse and whether it means *reported together*; no store needed.
``specialty``
    the NUCC provider taxonomies briefings say perform a procedure, under NUCC's own system URI
    ``http://nucc.org/provider-taxonomy`` as a ``fragment`` (NUCC's labels and release when NUCC is loaded).
``payer`` and ``site``
    the payers and sites of service briefings name (code = the slug of kg's IRI), each site with the CMS
    Place of Service codes kg links it to.

Examples
--------
>>> cs = relation_code_system()
>>> cs["url"], cs["count"] == len(cs["concept"])
('https://w3id.org/codekg/fhir/CodeSystem/relation', True)
>>> [c for c in cs["concept"] if c["code"] == "monitors"][0]["display"]
'monitors'
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from kg.interop import Written, code_of, codeset_graph, release_of, solutions
from kg.model import CODE_SYSTEMS, RELATIONS
from kg.model.codes import BASE
from kg.vocab import BRIEFING, KG

__all__ = ["CODE_SYSTEM_IDS", "CS_BASE", "code_system", "relation_code_system", "write_code_systems"]

CS_BASE = BASE + "fhir/CodeSystem/"
"""Canonical URL namespace of kg's own CodeSystems."""

CODE_SYSTEM_IDS = ("relation", "specialty", "payer", "site")
"""The CodeSystems :func:`write_code_systems` writes, in order (file ``CodeSystem-{id}.json``)."""


def _resource(cs_id: str, url: str, title: str, description: str, concepts: list[dict], *, content: str = "complete",
              version: str | None = None, properties: list[dict] | None = None) -> dict:
    cs = {"resourceType": "CodeSystem", "id": cs_id, "url": url}
    if version:
        cs["version"] = version
    cs.update({"name": "Kg" + cs_id.capitalize(), "title": title, "status": "active", "experimental": False,
               "publisher": "kg (codekg)", "description": description, "caseSensitive": True, "content": content,
               "count": len(concepts)})
    if properties:
        cs["property"] = properties
    cs["concept"] = concepts
    return cs


def relation_code_system() -> dict:
    """The ``relation`` CodeSystem: every relation of the registry, with its properties.

    Examples
    --------
    >>> c = {c["code"]: c for c in relation_code_system()["concept"]}["monitors"]
    >>> [(p["code"], p.get("valueCode", p.get("valueBoolean"))) for p in c["property"]][:3]
    [('family', 'procedure'), ('symmetric', False), ('inverse', 'monitoredBy')]
    """
    concepts = []
    for r in RELATIONS.values():
        props = [{"code": "family", "valueCode": r.family}, {"code": "symmetric", "valueBoolean": r.symmetric}]
        if r.inverse:
            props.append({"code": "inverse", "valueCode": r.inverse})
        if r.reported_together is not None:
            props.append({"code": "reportedTogether", "valueBoolean": r.reported_together})
        props.append({"code": "iri", "valueString": str(KG[r.name])})
        concepts.append({"code": r.name, "display": r.label, "definition": r.definition, "property": props})
    properties = [
        {"code": "family", "description": "procedure, diagnosis, generic, attribute or official", "type": "code"},
        {"code": "symmetric", "description": "The relation holds both ways", "type": "boolean"},
        {"code": "inverse", "description": "The inverse relation's name (not a kg relation itself)", "type": "code"},
        {"code": "reportedTogether", "description": "True: both codes go on one claim; false: they don't",
         "type": "boolean"},
        {"code": "iri", "description": "The property's IRI in the kg ontology", "type": "string"},
    ]
    return _resource("relation", CS_BASE + "relation", "kg relations",
                     "The relations kg writes between codes (the kg: ontology's object properties).", concepts,
                     properties=properties)


def _specialties(store: ox.Store) -> dict:
    nucc = codeset_graph(store, "nucc")
    rows = solutions(store, "fhir/specialties", prefix=ox.Literal(BRIEFING),
                     nucc=ox.NamedNode(nucc or BASE + "codeset/nucc"))
    found: dict[str, dict] = {}
    for s in rows:
        code = code_of(s["taxonomy"].value)
        if code is None:
            continue
        concept = found.setdefault(code[2], {"code": code[2]})
        label = s["official"] or s["label"]
        if label is not None and (s["official"] is not None or "display" not in concept):
            concept["display"] = label.value
    release = release_of(store, nucc).get("release") if nucc else None
    return _resource("specialty", CODE_SYSTEMS["NUCC"].fhir, "NUCC provider taxonomies that briefings name",
                     "The NUCC Health Care Provider Taxonomy codes kg's briefings say perform or bill a procedure "
                     "(a fragment of NUCC's code system).", [found[k] for k in sorted(found)], content="fragment",
                     version=release)


def _named(store: ox.Store, cs_id: str) -> dict:
    system = CODE_SYSTEMS[cs_id.upper()]
    if cs_id == "payer":
        rows = solutions(store, "fhir/payers")
    else:
        rows = solutions(store, "fhir/sites", prefix=ox.Literal(system.namespace))
    found: dict[str, dict] = {}
    for s in rows:
        code = code_of(s[cs_id].value)
        if code is None:
            continue
        concept = found.setdefault(code[2], {"code": code[2]})
        if s["label"] is not None and "display" not in concept:
            concept["display"] = s["label"].value
        pos = s["pos"] if cs_id == "site" else None
        if pos is not None and code_of(pos.value) is not None:
            concept.setdefault("property", []).append({"code": "pos", "valueCode": code_of(pos.value)[2]})
    properties = None
    if cs_id == "site":
        properties = [{"code": "pos", "uri": CODE_SYSTEMS["POS"].fhir, "type": "code",
                       "description": "A CMS Place of Service code kg links the site to"}]
    what = "payers" if cs_id == "payer" else "sites of service"
    return _resource(cs_id, system.fhir, f"kg {what}",
                     f"The {what} kg's briefings name; a code is the last segment of kg's IRI for it.",
                     [found[k] for k in sorted(found)], properties=properties)


def code_system(store: ox.Store, cs_id: str) -> dict:
    """CodeSystem ``cs_id`` (one of :data:`CODE_SYSTEM_IDS`) as a FHIR R4 JSON object.

    Examples
    --------
    >>> cs = code_system(ox.Store(), "payer")
    >>> cs["url"], cs["content"], cs["count"]
    ('https://w3id.org/codekg/payer', 'complete', 0)
    """
    if cs_id == "relation":
        return relation_code_system()
    if cs_id == "specialty":
        return _specialties(store)
    return _named(store, cs_id)


def write_code_systems(store: ox.Store, directory: Path) -> list[Written]:
    """Write every CodeSystem of :data:`CODE_SYSTEM_IDS` as ``CodeSystem-{id}.json`` in ``directory``.

    Examples
    --------
    >>> import tempfile
    >>> [(w.id, w.path.name) for w in write_code_systems(ox.Store(), Path(tempfile.mkdtemp()))][:1]
    [('relation', 'CodeSystem-relation.json')]
    """
    out = []
    for cs_id in CODE_SYSTEM_IDS:
        cs = code_system(store, cs_id)
        path = directory / f"CodeSystem-{cs_id}.json"
        path.write_text(json.dumps(cs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        out.append(Written("CodeSystem", cs_id, path, 1, len(cs["concept"])))
    return out
