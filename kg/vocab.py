"""Every IRI kg writes, defined once.

``KG`` is a closed namespace (rdflib's :class:`~rdflib.namespace.DefinedNamespace`
with ``_fail = True``): a typo such as ``KG.monitor`` raises instead of minting a
new IRI. ``tests/test_vocab.py`` checks that every term here is declared in
``ontology/kg.ttl`` and that the ontology declares nothing that is missing here.

Code IRIs follow BioPortal where BioPortal has the code system (CPT, HCPCS,
ICD-10-CM); the others live under ``https://w3id.org/codekg/``.

Examples
--------
>>> str(KG.monitors)
'https://w3id.org/codekg/ontology#monitors'
>>> code_iri("ICD10CM", "C22.0")
'http://purl.bioontology.org/ontology/ICD10CM/C22.0'
>>> KG.monitor
Traceback (most recent call last):
...
AttributeError: term 'monitor' not in namespace 'https://w3id.org/codekg/ontology#'
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kg.model.codes import BASE, CODE_SYSTEMS, NODE_TYPES


class KG(DefinedNamespace):
    """The kg ontology (``ontology/kg.ttl``).

    Only declared terms exist: a misspelt one fails at once.

    Examples
    --------
    >>> str(KG.complicationOf), str(KG["AuditFinding"])
    ('https://w3id.org/codekg/ontology#complicationOf', 'https://w3id.org/codekg/ontology#AuditFinding')
    >>> KG.complicatonOf
    Traceback (most recent call last):
    ...
    AttributeError: term 'complicatonOf' not in namespace 'https://w3id.org/codekg/ontology#'
    """

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Code: URIRef
    ProcedureCode: URIRef
    DiagnosisCode: URIRef
    Modifier: URIRef
    ProviderTaxonomy: URIRef
    Payer: URIRef
    SiteOfService: URIRef
    Briefing: URIRef
    AssertedRelation: URIRef
    MalformedMention: URIRef
    CodeSetRelease: URIRef
    SupersededRelease: URIRef
    NCCIEdit: URIRef
    NCCIEditRule: URIRef
    AuditFinding: URIRef

    # code <-> code relations (sub-properties of relatedTo)
    relatedTo: URIRef
    monitors: URIRef
    monitoredBy: URIRef
    alternativeTo: URIRef
    precedes: URIRef
    includedIn: URIRef
    indicationFor: URIRef
    comorbidityOf: URIRef
    complicationOf: URIRef
    separatelyReportableWith: URIRef
    mutuallyExclusiveWith: URIRef

    # procedure facts
    hasModifier: URIRef
    performedBy: URIRef
    coveredByPayer: URIRef
    siteOfService: URIRef
    serviceType: URIRef
    siteOfServiceText: URIRef

    # documents and provenance
    aboutCode: URIRef
    mentionedIn: URIRef
    sourceFile: URIRef
    sourcePath: URIRef
    sha256: URIRef
    summary: URIRef
    overview: URIRef
    clinicalContext: URIRef
    line: URIRef

    # qualified (asserted) relations
    subjectCode: URIRef
    relation: URIRef
    objectCode: URIRef
    phrase: URIRef
    sourceText: URIRef
    description: URIRef
    usageNote: URIRef
    annotation: URIRef
    writtenAs: URIRef
    rule: URIRef
    negated: URIRef
    cue: URIRef
    scope: URIRef
    condition: URIRef
    table: URIRef

    # code systems (skos:ConceptScheme individuals)
    CPT: URIRef
    HCPCS: URIRef
    ICD10CM: URIRef
    NUCC: URIRef
    MOD: URIRef
    POS: URIRef

    # code-set facts (filled by kg.codesets)
    billable: URIRef
    codeSystem: URIRef

    # code-set releases (kg.codesets)
    release: URIRef
    context: URIRef
    tripleCount: URIRef
    codeSet: URIRef
    validFrom: URIRef
    NCCI: URIRef
    MPFS: URIRef

    # NUCC provider taxonomy
    grouping: URIRef
    classification: URIRef
    specialization: URIRef
    taxonomySection: URIRef

    # CMS place of service
    facilityType: URIRef
    posCode: URIRef

    # Medicare physician fee schedule (PPRRVU)
    FeeScheduleEntry: URIRef
    feeSchedule: URIRef
    withModifier: URIRef
    statusCode: URIRef
    pctcIndicator: URIRef
    globalDays: URIRef
    multipleProcedureIndicator: URIRef
    bilateralSurgeryIndicator: URIRef
    assistantSurgeonIndicator: URIRef
    coSurgeonIndicator: URIRef
    teamSurgeonIndicator: URIRef
    workRVU: URIRef

    # NCCI procedure-to-procedure, MUE and add-on code edits
    column1: URIRef
    column2: URIRef
    modifierIndicator: URIRef
    deletionDate: URIRef
    rationale: URIRef
    MedicallyUnlikelyEdit: URIRef
    mue: URIRef
    mueUnits: URIRef
    mueAdjudicationIndicator: URIRef
    mueRationale: URIRef
    mueService: URIRef
    addOnTo: URIRef
    addOnCode: URIRef
    addOnEditType: URIRef

    # ICD-10-CM instructional notes (kg.codesets.icd10cm_notes)
    excludes1: URIRef
    excludes2: URIRef
    codeFirst: URIRef
    useAdditionalCode: URIRef
    codeAlso: URIRef
    InstructionalNote: URIRef
    noteOn: URIRef
    noteRelation: URIRef
    noteText: URIRef
    noteTarget: URIRef
    unresolvedReference: URIRef

    # AHRQ CCSR for ICD-10-CM diagnoses (kg.codesets.ccsr)
    CCSR: URIRef
    CCSRCategory: URIRef
    bodySystem: URIRef
    ccsrCategory: URIRef
    ccsrInpatientDefault: URIRef
    ccsrOutpatientDefault: URIRef

    # CMS-HCC risk adjustment (kg.codesets.hcc)
    CMSHCC: URIRef
    HCCCategory: URIRef
    hcc: URIRef
    hccTrumps: URIRef
    hccModel: URIRef
    chronic: URIRef

    # audit findings (kg.audit)
    findingKind: URIRef
    severity: URIRef
    message: URIRef
    briefingSays: URIRef
    officialSays: URIRef
    suggestion: URIRef
    procedureCode: URIRef


ONTOLOGY = URIRef(BASE + "ontology")
"""The ontology itself, and the named graph it is loaded into."""

SCHEMES = {name: system.namespace for name, system in CODE_SYSTEMS.items()}
"""Code system -> the namespace its codes are minted in (from :data:`kg.model.CODE_SYSTEMS`)."""

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
"""The standard IRIs kg writes, defined here once."""


def relation_iri(name: str) -> str:
    """The IRI of a relation of :data:`kg.model.RELATIONS`.

    Examples
    --------
    >>> relation_iri("addOnTo")
    'https://w3id.org/codekg/ontology#addOnTo'
    """
    return str(KG[name])


def class_iri(node_type: str) -> str:
    """The IRI of the OWL class of a node type of :data:`kg.model.NODE_TYPES`.

    Examples
    --------
    >>> class_iri("diagnosis")
    'https://w3id.org/codekg/ontology#DiagnosisCode'
    """
    return str(KG[NODE_TYPES[node_type].owl_class])


_NODE_TYPE_OF_CLASS = {class_iri(name): name for name in NODE_TYPES}


def node_type_of(iri: str) -> str | None:
    """The node type of :data:`kg.model.NODE_TYPES` whose OWL class is ``iri`` (the inverse of :func:`class_iri`).

    Examples
    --------
    >>> node_type_of("https://w3id.org/codekg/ontology#DiagnosisCode")
    'diagnosis'
    >>> node_type_of("https://w3id.org/codekg/ontology#Briefing") is None
    True
    """
    return _NODE_TYPE_OF_CLASS.get(iri)


BRIEFING = BASE + "briefing/"
"""Namespace of briefing documents; each document's IRI is also its named graph."""

PREFIXES = {
    "kg": str(KG._NS),
    "cpt": SCHEMES["CPT"],
    "hcpcs": SCHEMES["HCPCS"],
    "icd10cm": SCHEMES["ICD10CM"],
    "nucc": SCHEMES["NUCC"],
    "mod": SCHEMES["MOD"],
    "payer": SCHEMES["PAYER"],
    "site": SCHEMES["SITE"],
    "pos": SCHEMES["POS"],
    "briefing": BRIEFING,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}
"""Prefixes declared in every named query and every export."""


def code_iri(system: str, code: str) -> str:
    """Return the IRI of ``code`` in code ``system`` (a key of :data:`SCHEMES`).

    Examples
    --------
    >>> code_iri("CPT", "77013")
    'http://purl.bioontology.org/ontology/CPT/77013'
    >>> code_iri("MOD", "26")
    'https://w3id.org/codekg/modifier/26'
    """
    return SCHEMES[system] + quote(code, safe=".-_")


def scheme_iri(system: str) -> str:
    """Return the IRI of the ``skos:ConceptScheme`` for a code system.

    Examples
    --------
    >>> scheme_iri("ICD10CM")
    'https://w3id.org/codekg/ontology#ICD10CM'
    """
    return str(KG[system])


def briefing_iri(name: str) -> str:
    """Return the IRI (and named graph) of the briefing stored as file ``name``.

    Examples
    --------
    >>> briefing_iri("77013.txt")
    'https://w3id.org/codekg/briefing/77013.txt'
    """
    return BRIEFING + quote(name, safe=".-_")
