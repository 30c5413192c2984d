"""Every IRI kg writes, defined once.

``KG`` is a closed namespace (like rdflib's :class:`~rdflib.namespace.DefinedNamespace`
with ``_fail = True``): a typo such as ``KG.monitor`` raises instead of minting a
new IRI. Its terms are plain IRI strings, so that importing kg loads no rdflib (the
CLI starts in a fraction of the time); wrap one in ``rdflib.URIRef`` to use it with rdflib.
``tests/test_vocab.py`` checks that every term here is declared in
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

from kg.model.codes import BASE, CODE_SYSTEMS, NODE_TYPES


class _ClosedNamespace(type):
    """The metaclass of a closed namespace: its annotated names are its terms, each the namespace IRI + name."""

    def __getitem__(cls, name: str) -> str:
        if name not in cls.__annotations__:
            raise AttributeError(f"term '{name}' not in namespace '{cls._NS}'")
        return cls._NS + name

    def __getattr__(cls, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return cls[name]

    def __contains__(cls, item: str) -> bool:
        item = str(item)
        return (item[len(cls._NS):] if item.startswith(cls._NS) else item) in cls.__annotations__

    def __iter__(cls):
        return iter(cls._NS + name for name in cls.__annotations__)

    def __str__(cls) -> str:
        return cls._NS


class KG(metaclass=_ClosedNamespace):
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

    _NS = BASE + "ontology#"

    # classes
    Code: str
    ProcedureCode: str
    DiagnosisCode: str
    Modifier: str
    ProviderTaxonomy: str
    Payer: str
    SiteOfService: str
    Briefing: str
    AssertedRelation: str
    MalformedMention: str
    CodeSetRelease: str
    SupersededRelease: str
    NCCIEdit: str
    NCCIEditRule: str
    AuditFinding: str

    # code <-> code relations (sub-properties of relatedTo)
    relatedTo: str
    monitors: str
    monitoredBy: str
    alternativeTo: str
    precedes: str
    includedIn: str
    indicationFor: str
    comorbidityOf: str
    complicationOf: str
    separatelyReportableWith: str
    mutuallyExclusiveWith: str

    # procedure facts
    hasModifier: str
    performedBy: str
    coveredByPayer: str
    siteOfService: str
    serviceType: str
    siteOfServiceText: str

    # documents and provenance
    aboutCode: str
    mentionedIn: str
    sourceFile: str
    sourcePath: str
    listKey: str
    sha256: str
    contentSha256: str
    summary: str
    overview: str
    clinicalContext: str
    line: str

    # qualified (asserted) relations
    subjectCode: str
    relation: str
    objectCode: str
    phrase: str
    sourceText: str
    description: str
    usageNote: str
    annotation: str
    writtenAs: str
    rule: str
    negated: str
    cue: str
    scope: str
    condition: str
    table: str

    # code systems (skos:ConceptScheme individuals)
    CPT: str
    HCPCS: str
    ICD10CM: str
    NUCC: str
    MOD: str
    POS: str

    # code-set facts (filled by kg.codesets)
    billable: str
    codeSystem: str

    # code-set releases (kg.codesets)
    release: str
    context: str
    tripleCount: str
    codeSet: str
    validFrom: str
    NCCI: str
    MPFS: str

    # NUCC provider taxonomy
    grouping: str
    classification: str
    specialization: str
    taxonomySection: str

    # CMS place of service
    facilityType: str
    posCode: str

    # Medicare physician fee schedule (PPRRVU)
    FeeScheduleEntry: str
    feeSchedule: str
    withModifier: str
    statusCode: str
    pctcIndicator: str
    globalDays: str
    multipleProcedureIndicator: str
    bilateralSurgeryIndicator: str
    assistantSurgeonIndicator: str
    coSurgeonIndicator: str
    teamSurgeonIndicator: str
    workRVU: str

    # NCCI procedure-to-procedure, MUE and add-on code edits
    column1: str
    column2: str
    modifierIndicator: str
    deletionDate: str
    rationale: str
    MedicallyUnlikelyEdit: str
    mue: str
    mueUnits: str
    mueAdjudicationIndicator: str
    mueRationale: str
    mueService: str
    addOnTo: str
    addOnCode: str
    addOnEditType: str

    # ICD-10-CM instructional notes (kg.codesets.icd10cm_notes)
    excludes1: str
    excludes2: str
    codeFirst: str
    useAdditionalCode: str
    codeAlso: str
    InstructionalNote: str
    noteOn: str
    noteRelation: str
    noteText: str
    noteTarget: str
    unresolvedReference: str

    # AHRQ CCSR for ICD-10-CM diagnoses (kg.codesets.ccsr)
    CCSR: str
    CCSRCategory: str
    bodySystem: str
    ccsrCategory: str
    ccsrInpatientDefault: str
    ccsrOutpatientDefault: str

    # CMS-HCC risk adjustment (kg.codesets.hcc)
    CMSHCC: str
    HCCCategory: str
    hcc: str
    hccTrumps: str
    hccModel: str
    chronic: str

    # audit findings (kg.audit)
    findingKind: str
    severity: str
    message: str
    briefingSays: str
    officialSays: str
    suggestion: str
    procedureCode: str


ONTOLOGY = BASE + "ontology"
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
    "kg": KG._NS,
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
