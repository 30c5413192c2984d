"""Code systems and node types: one entry each, and the code-shape logic derived from them.

A :class:`CodeSystem` holds everything kg needs to know about one system of
codes: the shape of its notation, the namespace its codes are minted in, the
OWL class and node type of its codes, its label and its view style. A
:class:`NodeType` is what the network projection, the views and the CLI's
``--type`` call a kind of node.

Adding a code system is one entry in :data:`CODE_SYSTEMS` (plus, if its
codes are a new kind of node, one in :data:`NODE_TYPES`), the matching
``skos:ConceptScheme`` block in ``ontology/kg.ttl``, and its loader.

Examples
--------
>>> CODE_SYSTEMS["CPT"].matches("77013"), CODE_SYSTEMS["CPT"].matches("C22.0")
(True, False)
>>> [s.name for s in CODE_SYSTEMS.values() if s.node_type == "procedure"]
['CPT', 'HCPCS']
>>> NODE_TYPES["diagnosis"].owl_class
'DiagnosisCode'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["CODE_SYSTEMS", "NODE_TYPES", "CodeSystem", "NodeType", "code_candidates", "normalize_code"]

BASE = "https://w3id.org/codekg/"


@dataclass(frozen=True)
class NodeType:
    """A kind of node in the graph and its look in the views.

    ``owl_class`` is the local name of its class in the ``kg:`` ontology.

    Examples
    --------
    >>> t = NODE_TYPES["diagnosis"]
    >>> t.owl_class, t.label, t.shape
    ('DiagnosisCode', 'diagnosis code', 'diamond')
    """

    name: str
    owl_class: str
    label: str
    color: str
    shape: str


NODE_TYPES: dict[str, NodeType] = {t.name: t for t in (
    NodeType("procedure", "ProcedureCode", "procedure code", "#3b82f6", "dot"),
    NodeType("diagnosis", "DiagnosisCode", "diagnosis code", "#14b8a6", "diamond"),
    NodeType("modifier", "Modifier", "modifier", "#9ca3af", "triangle"),
    NodeType("specialty", "ProviderTaxonomy", "provider taxonomy", "#22c55e", "square"),
    NodeType("payer", "Payer", "payer", "#8b5cf6", "star"),
    NodeType("site", "SiteOfService", "site of service", "#f97316", "triangleDown"),
)}
"""Every node type, in the order the views' legends list them."""


@dataclass(frozen=True)
class CodeSystem:
    """One code system: its notation shape, where its IRIs live, and what kind of node its codes are.

    ``shape`` is the regular expression a notation of the system fully
    matches (ASCII only). ``namespace`` is the IRI prefix of its codes.
    ``scheme`` is the local name of its ``skos:ConceptScheme`` in ``kg:``
    (``None`` for systems that are not code sets, such as payers). ``fhir``
    is its FHIR ``system`` URI: the standard one (HL7 terminology) where
    there is one, else kg's own namespace for it.

    Examples
    --------
    >>> icd = CODE_SYSTEMS["ICD10CM"]
    >>> icd.label, icd.node_type, icd.namespace + "C22.0"
    ('ICD-10-CM', 'diagnosis', 'http://purl.bioontology.org/ontology/ICD10CM/C22.0')
    >>> icd.matches("C22.0"), icd.matches("77013")
    (True, False)
    """

    name: str
    label: str
    namespace: str
    node_type: str
    shape: str
    scheme: str | None = None
    examples: tuple[str, ...] = field(default=())
    groupings: str = ""
    fhir: str = ""

    @property
    def notation_shape(self) -> str:
        """What a notation of this system's nodes matches: a code, or (``groupings``) a chapter or block.

        The SHACL shapes are checked against this.

        Examples
        --------
        >>> CODE_SYSTEMS["ICD10CM"].notation_matches("C00-C96"), CODE_SYSTEMS["ICD10CM"].matches("C00-C96")
        (True, False)
        """
        return f"{self.shape}|{self.groupings}" if self.groupings else self.shape

    def notation_matches(self, notation: str) -> bool:
        return _compiled(self.notation_shape).fullmatch(notation) is not None

    @property
    def xsd_pattern(self) -> str:
        """:attr:`notation_shape` as an anchored XML Schema regular expression, for ``sh:pattern``.

        Examples
        --------
        >>> CODE_SYSTEMS["CPT"].xsd_pattern
        '^([0-9]{4}[0-9A-Z])$'
        """
        return "^(" + self.notation_shape.replace("(?:", "(").replace("\\d", "[0-9]") + ")$"

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.shape)

    def matches(self, code: str) -> bool:
        """Whether ``code`` (already normalised) has this system's shape.

        Examples
        --------
        >>> CODE_SYSTEMS["ICD10CM"].matches("QA0.0101"), CODE_SYSTEMS["ICD10CM"].matches("U07.1")
        (True, True)
        >>> CODE_SYSTEMS["NUCC"].matches("207L00000X")
        True
        """
        return self.pattern.fullmatch(code) is not None

    @property
    def owl_class(self) -> str:
        return NODE_TYPES[self.node_type].owl_class


_patterns: dict[str, re.Pattern[str]] = {}


def _compiled(shape: str) -> re.Pattern[str]:
    p = _patterns.get(shape)
    if p is None:
        p = _patterns[shape] = re.compile(shape, re.ASCII)  # \d must not match other scripts' digits
    return p


CODE_SYSTEMS: dict[str, CodeSystem] = {s.name: s for s in (
    CodeSystem("CPT", "CPT", "http://purl.bioontology.org/ontology/CPT/", "procedure",
               r"\d{4}[0-9A-Z]", "CPT", ("77013", "0042T", "99091"), fhir="http://www.ama-assn.org/go/cpt"),
    CodeSystem("HCPCS", "HCPCS Level II", "http://purl.bioontology.org/ontology/HCPCS/", "procedure",
               r"[A-V]\d{4}", "HCPCS", ("G0288", "J3420", "E0601"),
               fhir="https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"),
    # ICD-10-CM: a letter, two more characters (FY2026 has QA0.0101 and U07.1), then up to four after the dot.
    # Chapter and block notations of the tabular list ("2", "C00-C96") are ICD-10-CM nodes, not codes.
    CodeSystem("ICD10CM", "ICD-10-CM", "http://purl.bioontology.org/ontology/ICD10CM/", "diagnosis",
               r"[A-Z](?:\d[0-9A-Z]|[A-Z]\d)(?:\.[0-9A-Z]{1,4})?", "ICD10CM",
               ("C22.0", "E11.A", "QA0.0101", "U07.1"), groupings=r"[A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2}|\d{1,2}",
               fhir="http://hl7.org/fhir/sid/icd-10-cm"),
    CodeSystem("NUCC", "NUCC Health Care Provider Taxonomy", BASE + "nucc/", "specialty",
               r"\d{3}[0-9A-Z]{6}X", "NUCC", ("207L00000X",), fhir="http://nucc.org/provider-taxonomy"),
    CodeSystem("MOD", "CPT and HCPCS modifiers", BASE + "modifier/", "modifier", r"[0-9A-Z]{2}", "MOD",
               ("26", "TC", "XS"), fhir=BASE + "modifier"),
    CodeSystem("POS", "CMS Place of Service", BASE + "pos/", "site", r"\d{2}", "POS", ("11", "22"),
               fhir="https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"),
    CodeSystem("PAYER", "payers", BASE + "payer/", "payer", r"[a-z0-9]+(?:-[a-z0-9]+)*", None, ("medicare",),
               fhir=BASE + "payer"),
    CodeSystem("SITE", "sites of service", BASE + "site/", "site", r"[a-z0-9]+(?:-[a-z0-9]+)*", None,
               ("physician-office",), fhir=BASE + "site"),
)}
"""Every code system kg mints IRIs in. ``scheme`` is ``None`` for the named entities (payers, sites)."""

BRIEFING_SYSTEMS = {
    "procedure": ("CPT", "HCPCS"),
    "diagnosis": ("ICD10CM",),
    "modifier": ("MOD",),
    "taxonomy": ("NUCC",),
}
"""Which systems a briefing table's first column may hold, by table kind (in the order tried)."""

# Typed by a user, the dotless form of an ICD-10-CM code is common ("C220" for C22.0).
_DOTLESS_ICD = re.compile(r"([A-Z][0-9A-Z]{2})([0-9A-Z]{1,4})", re.ASCII)


def normalize_code(text: str) -> str:
    """Return a code cell as a code: stripped, upper case, inner spaces removed.

    Examples
    --------
    >>> normalize_code(" c22.0 ")
    'C22.0'
    >>> normalize_code("77013-26")
    '77013-26'
    """
    return re.sub(r"\s+", "", text).upper()


def code_candidates(text: str, systems: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Every ``(system, code)`` that a code as a user typed it may be.

    Shapes overlap only a little (a dotless ``C2201`` may be HCPCS or
    ICD-10-CM ``C22.01``), so a query looks for all of them. Only the
    systems with a ``skos:ConceptScheme`` are tried unless ``systems`` says
    otherwise; modifiers and places of service (two characters) only when
    asked for.

    Examples
    --------
    >>> code_candidates("77013")
    [('CPT', '77013')]
    >>> code_candidates("c2201")
    [('HCPCS', 'C2201'), ('ICD10CM', 'C22.01')]
    >>> code_candidates("u07.1")
    [('ICD10CM', 'U07.1')]
    """
    code = normalize_code(text)
    wanted = systems or ("CPT", "HCPCS", "ICD10CM", "NUCC", "MOD")
    out = [(name, code) for name in wanted if CODE_SYSTEMS[name].matches(code)]
    if "ICD10CM" in wanted and "." not in code:
        m = _DOTLESS_ICD.fullmatch(code)
        if m and CODE_SYSTEMS["ICD10CM"].matches(f"{m[1]}.{m[2]}"):
            out.append(("ICD10CM", f"{m[1]}.{m[2]}"))
    return out
