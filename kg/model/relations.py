"""Every relation kg writes between two nodes, declared once.

A :class:`Relation` says what the relation joins (its family and the node
types at each end), whether it is symmetric, its inverse, whether it means
the two codes are *reported together* on one claim (which the audit checks
against the NCCI edits), its look in the views, and its label and
definition, which ``ontology/kg.ttl`` must repeat (a test checks).

Adding a relation is one entry here plus its block in ``ontology/kg.ttl``.
The vocabulary, the SHACL shapes' lists, ``stats``, the network projection,
the views, the audit and the CLI all read it from here.

Families:

``procedure``
    procedure <-> procedure, asserted by a briefing's Related CPT Codes table.
``diagnosis``
    diagnosis -> procedure, asserted by its Related Diagnoses table.
``generic``
    ``relatedTo``: a briefing relates two codes without saying how.
``attribute``
    procedure -> modifier, specialty, payer or site of service.
``official``
    diagnosis -> diagnosis, from ICD-10-CM's own instructional notes
    (:mod:`kg.codesets.icd10cm_notes`), never from a briefing.

Examples
--------
>>> RELATIONS["separatelyReportableWith"].reported_together
True
>>> [r.name for r in RELATIONS.values() if r.family == "diagnosis"]
['indicationFor', 'comorbidityOf', 'complicationOf']
>>> RELATIONS["monitors"].inverse
'monitoredBy'
>>> OFFICIAL_RELATIONS
('excludes1', 'excludes2', 'codeFirst', 'useAdditionalCode', 'codeAlso')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTRIBUTE_RELATIONS",
    "BRIEFING_RELATIONS",
    "CODE_RELATIONS",
    "DIAGNOSIS_RELATIONS",
    "GENERIC",
    "OFFICIAL_RELATIONS",
    "PROCEDURE_RELATIONS",
    "RELATIONS",
    "Relation",
]

GENERIC = "relatedTo"
"""The relation of a row kg could not type: it shows in ``needs-review``."""


@dataclass(frozen=True)
class Relation:
    """One relation: a property of the ``kg:`` ontology.

    ``domain`` and ``range`` are node types (:data:`kg.model.codes.NODE_TYPES`),
    ``None`` for any code. ``reported_together`` is True when the relation
    says both codes go on one claim (so an NCCI edit between them matters),
    False when it says they don't, and None when it says nothing about it.
    ``color``, ``width`` and ``dashes`` are its vis-network edge style.

    Examples
    --------
    >>> r = RELATIONS["complicationOf"]
    >>> r.label, r.domain, r.range, r.directed
    ('complication of', 'diagnosis', 'procedure', True)
    >>> RELATIONS["mutuallyExclusiveWith"].symmetric, RELATIONS["mutuallyExclusiveWith"].reported_together
    (True, False)
    """

    name: str
    family: str
    label: str
    definition: str
    domain: str | None = "procedure"
    range: str | None = "procedure"
    symmetric: bool = False
    inverse: str | None = None
    reported_together: bool | None = None
    color: str = "#94a3b8"
    width: float = 1
    dashes: object = False

    @property
    def directed(self) -> bool:
        return not self.symmetric

    @property
    def style(self) -> dict[str, object]:
        """The vis-network edge style.

        Examples
        --------
        >>> RELATIONS["addOnTo"].style
        {'color': '#d97706', 'width': 2, 'dashes': False}
        """
        return {"color": self.color, "width": self.width, "dashes": self.dashes}


_ALL = (
    Relation("relatedTo", "generic", "related to",
             "A briefing relates the two codes, without saying how. The super-property of every code-to-code "
             "relation.", domain=None, range=None, color="#6b7280", width=1, dashes=[2, 4]),
    Relation("monitors", "procedure", "monitors",
             "The subject (an imaging guidance code) guides or monitors the procedure that the object "
             "describes.", inverse="monitoredBy", reported_together=None, color="#2563eb", width=2),
    Relation("alternativeTo", "procedure", "alternative to",
             "The two procedures serve the same purpose and one is reported instead of the other.",
             symmetric=True, reported_together=False, color="#9333ea", width=2, dashes=[8, 4]),
    Relation("precedes", "procedure", "precedes",
             "The subject is performed before the object, as planning, pre-procedure imaging or tissue diagnosis "
             "(or the object is follow-up of the subject).", reported_together=None, color="#0891b2", width=2),
    Relation("includedIn", "procedure", "included in",
             "The subject is bundled into the object: not separately reported when both are performed (a "
             "briefing's statement, or an NCCI procedure-to-procedure edit).", reported_together=False,
             color="#be185d", width=2, dashes=[2, 3]),
    Relation("addOnTo", "procedure", "add-on to",
             "The subject is an add-on code reported only in addition to the object, its primary procedure (a "
             "briefing's statement, or the NCCI add-on code edits).", reported_together=True,
             color="#d97706", width=2),
    Relation("separatelyReportableWith", "procedure", "separately reportable with",
             "Both procedures may be reported for the same encounter, often only with a modifier (recorded on the "
             "asserted relation as kg:withModifier) or under a condition.", symmetric=True,
             reported_together=True, color="#0d9488", width=1.5, dashes=[1, 3]),
    Relation("mutuallyExclusiveWith", "procedure", "mutually exclusive with",
             "The two procedures are not reported together, and neither is said to include the other.",
             symmetric=True, reported_together=False, color="#e11d48", width=1.5, dashes=[6, 2, 1, 2]),
    Relation("indicationFor", "diagnosis", "indication for",
             "The diagnosis is a reason to perform the procedure (supports medical necessity).",
             domain="diagnosis", color="#059669", width=1.5),
    Relation("comorbidityOf", "diagnosis", "comorbidity of",
             "The diagnosis is a coexisting condition that affects planning, risk or monitoring of the procedure, "
             "not its indication.", domain="diagnosis", color="#65a30d", width=1.5, dashes=[5, 4]),
    Relation("complicationOf", "diagnosis", "complication of",
             "The diagnosis is a complication that may follow the procedure.", domain="diagnosis",
             color="#b91c1c", width=1.5, dashes=[3, 2]),
    Relation("hasModifier", "attribute", "has modifier", "The modifier may be appended to the procedure code.",
             range="modifier", color="#a1a1aa", width=1),
    Relation("performedBy", "attribute", "performed by",
             "Providers of this taxonomy (specialty) perform or bill the procedure.", range="specialty",
             color="#16a34a", width=1),
    Relation("coveredByPayer", "attribute", "covered by payer",
             "The briefing discusses this payer's coverage of the procedure.", range="payer", color="#7c3aed",
             width=1),
    Relation("siteOfService", "attribute", "site of service", "A typical site where the procedure is performed.",
             range="site", color="#ea580c", width=1),
    Relation("excludes1", "official", "excludes1",
             "ICD-10-CM Excludes1 note: the subject (and every code below it) and the object (and every code below "
             "it) are not coded together; the two conditions cannot occur together.", domain="diagnosis",
             range="diagnosis", color="#dc2626", width=1.5, dashes=[4, 2]),
    Relation("excludes2", "official", "excludes2",
             "ICD-10-CM Excludes2 note: the object's condition is not part of the subject's; a patient may have "
             "both, and both codes may be reported together.", domain="diagnosis", range="diagnosis",
             color="#f97316", width=1, dashes=[4, 2]),
    Relation("codeFirst", "official", "code first",
             "ICD-10-CM 'code first' note: the object (an underlying condition) is sequenced before the subject.",
             domain="diagnosis", range="diagnosis", color="#4f46e5", width=1),
    Relation("useAdditionalCode", "official", "use additional code",
             "ICD-10-CM 'use additional code' note: the object is reported in addition to the subject, to give a "
             "fuller picture.", domain="diagnosis", range="diagnosis", color="#0284c7", width=1),
    Relation("codeAlso", "official", "code also",
             "ICD-10-CM 'code also' note: the object may be reported as well as the subject, in either order.",
             domain="diagnosis", range="diagnosis", color="#0f766e", width=1),
)

RELATIONS: dict[str, Relation] = {r.name: r for r in _ALL}
"""Every relation, by local name, in the order views and ``stats`` list them."""

PROCEDURE_RELATIONS = tuple(r.name for r in _ALL if r.family == "procedure")
"""Relations a Related CPT Codes row may assert (besides the generic one)."""

DIAGNOSIS_RELATIONS = tuple(r.name for r in _ALL if r.family == "diagnosis")
"""Relations a Related Diagnoses row may assert (besides the generic one)."""

CODE_RELATIONS = PROCEDURE_RELATIONS + DIAGNOSIS_RELATIONS + (GENERIC,)
"""Relations between two codes that briefings assert."""

ATTRIBUTE_RELATIONS = tuple(r.name for r in _ALL if r.family == "attribute")
"""Relations from a procedure to its modifiers, specialties, payers and sites."""

BRIEFING_RELATIONS = CODE_RELATIONS + ATTRIBUTE_RELATIONS
"""Everything a briefing asserts."""

OFFICIAL_RELATIONS = tuple(r.name for r in _ALL if r.family == "official")
"""Relations only official code sets write: ICD-10-CM's instructional notes."""
