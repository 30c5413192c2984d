"""What the CMS indicators mean: one decoding table for the audit, ``kg check`` and the README.

Every value kg reads from a CMS file and acts on is one :class:`Rule` in
:data:`RULES`, decoded as CMS documents it:

* the MPFS indicators (status code, PC/TC, global days, multiple procedure,
  bilateral, assistant at surgery, co-surgeons, team surgery) as the RVU
  file's documentation (the ``RVUPUF`` readme shipped with each PPRRVU
  release) defines them;
* the NCCI procedure-to-procedure modifier indicator and deletion date as
  the NCCI Policy Manual (chapter I) and the PTP file's readme define them;
* the MUE adjudication indicator (MAI) as the CMS MUE page defines it;
* the NCCI add-on code edit types as the add-on code edit file's readme
  defines them.

A rule's ``kind`` and ``severity`` are what kg reports when a claim or a
briefing meets that value ("" when the value never gives a finding); its
``modifiers`` are the modifiers it is about, where it is about modifiers.
The README's rule table is :func:`markdown_table` (a test holds the two
equal).

Examples
--------
>>> r = decode("asst_surg", "0")
>>> r.severity, r.kind, r.modifiers
('warning', 'modifier-not-allowed', ('80', '81', '82', 'AS'))
>>> decode("asst_surg", "1").severity
'error'
>>> decode("pctc_ind", "6").modifiers  # 26 is allowed, TC is not
('TC',)
>>> decode("glob_days", "XXX").kind
'modifier-global-period'
>>> decode("bilat_surg", "7") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ANESTHESIA_MODIFIERS",
    "FIELDS",
    "MPFS_PROPERTIES",
    "NCCI_ANATOMIC_MODIFIERS",
    "NCCI_BYPASS_MODIFIERS",
    "RULES",
    "Rule",
    "decode",
    "is_anesthesia_code",
    "markdown_table",
    "modifier_rules",
]

RVU = "RVU file documentation (RVUPUF)"
NCCI_MANUAL = "NCCI Policy Manual, chapter I"
MUE_DOC = "CMS MUE documentation"
AOC_DOC = "NCCI add-on code edit file"
CPM12 = "Medicare Claims Processing Manual, chapter 12, section 50"


@dataclass(frozen=True)
class Rule:
    """One value of one CMS field, what CMS says it means and what kg reports for it.

    Examples
    --------
    >>> rule = decode("modifier_indicator", "0")
    >>> rule.title, rule.kind, rule.severity, rule.source
    ('NCCI PTP modifier indicator', 'ncci-ptp', 'error', 'NCCI Policy Manual, chapter I')
    """

    field: str  # the CMS column (PPRRVU, NCCI or MUE file), or a pseudo-field for lists
    title: str  # the indicator, in words
    value: str
    meaning: str  # the CMS meaning, in CMS's terms (shortened)
    kind: str = ""  # the finding kind ("" = no finding)
    severity: str = ""  # error / warning / info ("" = no finding)
    modifiers: tuple[str, ...] = ()  # the modifiers the finding is about, if any
    source: str = RVU


MPFS_PROPERTIES = {
    "statusCode": "status_code", "pctcIndicator": "pctc_ind", "globalDays": "glob_days",
    "multipleProcedureIndicator": "mult_proc", "bilateralSurgeryIndicator": "bilat_surg",
    "assistantSurgeonIndicator": "asst_surg", "coSurgeonIndicator": "co_surg", "teamSurgeonIndicator": "team_surg",
}
"""``kg:`` property of a fee schedule entry (:mod:`kg.codesets.mpfs`) -> the PPRRVU column it holds."""

_ASST = ("80", "81", "82", "AS")
_NA = "modifier-not-allowed"
_GP = "modifier-global-period"
_GLOBAL_MODS = ("58", "78", "79")

NCCI_ANATOMIC_MODIFIERS = ("E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
                           "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "LT", "RT", "LC", "LD", "RC",
                           "LM", "RI")
"""Anatomic modifiers the NCCI Policy Manual (chapter I, section E) lists as NCCI-associated."""

NCCI_BYPASS_MODIFIERS = NCCI_ANATOMIC_MODIFIERS + ("24", "25", "57", "58", "78", "79", "27", "59", "91",
                                                   "XE", "XS", "XP", "XU")
"""Every NCCI-associated modifier (NCCI Policy Manual, chapter I, section E): anatomic, global surgery, other.

With PTP modifier indicator 1 one of them, on either line and when the
clinical circumstances justify it, bypasses the edit.
"""

ANESTHESIA_MODIFIERS = ("AA", "AD", "G8", "G9", "QK", "QS", "QX", "QY", "QZ")
"""The anesthesia pricing modifiers of the Claims Processing Manual (chapter 12, section 50)."""

_T = {
    "status_code": "MPFS status code",
    "pctc_ind": "PC/TC indicator",
    "glob_days": "Global days",
    "mult_proc": "Multiple procedure (modifier 51)",
    "bilat_surg": "Bilateral surgery (modifier 50)",
    "asst_surg": "Assistant at surgery (80, 81, 82, AS)",
    "co_surg": "Co-surgeons (62)",
    "team_surg": "Team surgery (66)",
    "modifier_indicator": "NCCI PTP modifier indicator",
    "deletion_date": "NCCI PTP deletion date",
    "mue_mai": "MUE adjudication indicator",
    "aoc_edit_type": "Add-on code edit type",
    "anesthesia_modifier": "Anesthesia modifiers",
}


def _r(field: str, value: str, meaning: str, kind: str = "", severity: str = "", modifiers: tuple[str, ...] = (),
       source: str = RVU) -> Rule:
    return Rule(field, _T[field], value, meaning, kind, severity, modifiers, source)


RULES: tuple[Rule, ...] = (
    # MPFS status code: whether the code is paid under the physician fee schedule
    _r("status_code", "A", "Active code, paid separately under the physician fee schedule"),
    _r("status_code", "B", "Bundled code: payment is always bundled into payment for other services; no separate "
       "payment", "not-payable", "warning"),
    _r("status_code", "C", "Carriers price the code (RVUs set by the contractor)"),
    _r("status_code", "D", "Deleted code (still payable during a grace period)", "not-payable", "warning"),
    _r("status_code", "E", "Excluded from the physician fee schedule by regulation (may be paid under another "
       "schedule)", "not-payable", "info"),
    _r("status_code", "F", "Deleted code, no grace period", "not-payable", "error"),
    _r("status_code", "G", "Not valid for Medicare purposes: Medicare uses another code", "not-payable", "error"),
    _r("status_code", "H", "Deleted modifier: the code with this modifier is no longer valid", "not-payable",
       "error"),
    _r("status_code", "I", "Not valid for Medicare purposes: Medicare uses another code for reporting and payment",
       "not-payable", "error"),
    _r("status_code", "J", "Anesthesia service: no RVUs under the physician fee schedule (paid on the anesthesia "
       "fee schedule)", "not-payable", "info"),
    _r("status_code", "M", "Measurement code, for reporting only: no payment", "not-payable", "info"),
    _r("status_code", "N", "Non-covered service: no Medicare payment", "not-payable", "error"),
    _r("status_code", "P", "Bundled or excluded: no payment under the fee schedule (paid, if at all, under other "
       "provisions)", "not-payable", "warning"),
    _r("status_code", "R", "Restricted coverage: special coverage instructions apply; carrier priced if covered",
       "not-payable", "info"),
    _r("status_code", "T", "Paid only when no other physician fee schedule service is billed on the same date by "
       "the same provider", "not-payable", "info"),
    _r("status_code", "X", "Statutory exclusion: not a physician service for fee schedule purposes (e.g. "
       "clinical lab, ambulance)", "not-payable", "info"),
    _r("status_code", "(absent)", "Not in the loaded physician fee schedule: deleted, not payable, or paid under "
       "another schedule", "not-payable", "warning"),
    # PC/TC indicator: whether modifiers 26 and TC apply
    _r("pctc_ind", "0", "Physician service: no professional/technical split; 26 and TC cannot be used", _NA, "error",
       ("26", "TC")),
    _r("pctc_ind", "1", "Diagnostic test with professional and technical components: billed globally, with 26 or "
       "with TC"),
    _r("pctc_ind", "2", "Professional component only code: 26 and TC cannot be used", _NA, "error", ("26", "TC")),
    _r("pctc_ind", "3", "Technical component only code: 26 and TC cannot be used", _NA, "error", ("26", "TC")),
    _r("pctc_ind", "4", "Global test only code: separate codes describe the components; 26 and TC cannot be used",
       _NA, "error", ("26", "TC")),
    _r("pctc_ind", "5", "Incident-to code: 26 and TC cannot be used", _NA, "error", ("26", "TC")),
    _r("pctc_ind", "6", "Laboratory physician interpretation code: 26 may be paid, TC cannot be used", _NA, "error",
       ("TC",)),
    _r("pctc_ind", "7", "Physical therapy service: 26 and TC do not apply", _NA, "error", ("26", "TC")),
    _r("pctc_ind", "8", "Physician interpretation code: no TC billing is recognized", _NA, "error", ("TC",)),
    _r("pctc_ind", "9", "Not applicable: the PC/TC concept does not apply", _NA, "error", ("26", "TC")),
    # global days: whether the postoperative modifiers 58, 78, 79 apply
    _r("glob_days", "000", "Endoscopic or minor procedure: pre- and postoperative work on the day of the procedure"),
    _r("glob_days", "010", "Minor procedure: 10-day postoperative period"),
    _r("glob_days", "090", "Major surgery: 1-day preoperative and 90-day postoperative period"),
    _r("glob_days", "MMM", "Maternity code: the usual global period does not apply", _GP, "error", _GLOBAL_MODS),
    _r("glob_days", "XXX", "The global concept does not apply", _GP, "error", _GLOBAL_MODS),
    _r("glob_days", "YYY", "The contractor decides whether the global concept applies", _GP, "warning",
       _GLOBAL_MODS),
    _r("glob_days", "ZZZ", "Related to another service and always included in its global period", _GP, "warning",
       _GLOBAL_MODS),
    # multiple procedure: decoded for kg show; no claim check
    _r("mult_proc", "0", "No multiple procedure payment adjustment applies"),
    _r("mult_proc", "1", "Standard multiple procedure rules in effect before 1996"),
    _r("mult_proc", "2", "Standard multiple procedure rules apply (100%, then 50% for the others)"),
    _r("mult_proc", "3", "Special rules for multiple endoscopic procedures in the same family"),
    _r("mult_proc", "4", "Multiple procedure reduction of the technical component of diagnostic imaging"),
    _r("mult_proc", "5", "Multiple procedure reduction of the practice expense of therapy services"),
    _r("mult_proc", "6", "Multiple procedure reduction of the technical component of diagnostic cardiovascular "
       "services"),
    _r("mult_proc", "7", "Multiple procedure reduction of the technical component of diagnostic ophthalmology "
       "services"),
    _r("mult_proc", "9", "Concept does not apply"),
    # bilateral surgery
    _r("bilat_surg", "0", "150% bilateral adjustment does not apply: bilateral is inappropriate for anatomy or the "
       "descriptor (unilateral code, with a bilateral code)", _NA, "error", ("50",)),
    _r("bilat_surg", "1", "150% bilateral payment adjustment applies (modifier 50)"),
    _r("bilat_surg", "2", "Already bilateral: the RVUs are for both sides, modifier 50 does not apply", _NA, "error",
       ("50",)),
    _r("bilat_surg", "3", "The usual bilateral adjustment does not apply: each side is paid at 100% (50 or RT/LT)"),
    _r("bilat_surg", "9", "Concept does not apply", _NA, "error", ("50",)),
    # assistant at surgery
    _r("asst_surg", "0", "Payment restriction for assistants at surgery applies unless supporting documentation "
       "establishes medical necessity: paid only with documentation", _NA, "warning", _ASST),
    _r("asst_surg", "1", "Statutory payment restriction: assistants at surgery may not be paid", _NA, "error", _ASST),
    _r("asst_surg", "2", "No payment restriction: assistants at surgery may be paid"),
    _r("asst_surg", "9", "Concept does not apply", _NA, "error", _ASST),
    # co-surgeons
    _r("co_surg", "0", "Co-surgeons not permitted", _NA, "error", ("62",)),
    _r("co_surg", "1", "Co-surgeons could be paid, with supporting documentation of the medical necessity of two "
       "surgeons", _NA, "warning", ("62",)),
    _r("co_surg", "2", "Co-surgeons permitted; no documentation required if the two-specialty requirement is met"),
    _r("co_surg", "9", "Concept does not apply", _NA, "error", ("62",)),
    # team surgery
    _r("team_surg", "0", "Team surgeons not permitted", _NA, "error", ("66",)),
    _r("team_surg", "1", "Team surgeons could be paid, with supporting documentation of the medical necessity of a "
       "team; paid by report", _NA, "warning", ("66",)),
    _r("team_surg", "2", "Team surgeons permitted; paid by report"),
    _r("team_surg", "9", "Concept does not apply", _NA, "error", ("66",)),
    # anesthesia-only modifiers
    _r("anesthesia_modifier", "AA AD G8 G9 QK QS QX QY QZ", "Anesthesia pricing modifiers: reported only with "
       "anesthesia codes (00100-01999, MPFS status J)", _NA, "error", ANESTHESIA_MODIFIERS, CPM12),
    # NCCI procedure-to-procedure edits
    _r("modifier_indicator", "0", "Not allowed: no NCCI-associated modifier bypasses the edit; the column 2 code is "
       "never paid with the column 1 code (same patient, day and provider)", "ncci-ptp", "error",
       source=NCCI_MANUAL),
    _r("modifier_indicator", "1", "Allowed: an NCCI-associated modifier bypasses the edit when the clinical "
       "circumstances justify it (59, XE, XP, XS, XU, 91, 27, the anatomic and the global surgery "
       "modifiers); without one the column 2 code is denied", "ncci-ptp", "error", NCCI_BYPASS_MODIFIERS, NCCI_MANUAL),
    _r("modifier_indicator", "9", "Not applicable: the edit was deleted retroactively and does not apply", "", "",
       source=NCCI_MANUAL),
    _r("deletion_date", "YYYY-MM-DD", "The edit applies to dates of service before its deletion date, not on or "
       "after it", "", "", source=NCCI_MANUAL),
    # medically unlikely edits
    _r("mue_mai", "1", "Line edit: the units of service on each claim line are compared with the MUE", "mue", "error",
       source=MUE_DOC),
    _r("mue_mai", "2", "Date of service edit, policy: the units of all lines of the code on the same date are "
       "summed; an absolute limit", "mue", "error", source=MUE_DOC),
    _r("mue_mai", "3", "Date of service edit, clinical: the units of all lines of the code on the same date are "
       "summed; more may be paid on appeal with documentation", "mue", "error", source=MUE_DOC),
    # add-on code edits
    _r("aoc_edit_type", "1", "Only paid with one of the listed primary codes", "add-on-without-primary", "error",
       source=AOC_DOC),
    _r("aoc_edit_type", "2", "No primary codes are listed by CMS: the contractor defines them", "add-on-without-primary",
       "warning", source=AOC_DOC),
    _r("aoc_edit_type", "3", "Some primary codes are listed; the contractor may accept others",
       "add-on-without-primary", "warning", source=AOC_DOC),
)
"""The decoding table, one entry per CMS field and value."""

FIELDS = tuple(dict.fromkeys(r.field for r in RULES))
"""The CMS fields :data:`RULES` decodes, in table order."""

_BY_KEY = {(r.field, r.value): r for r in RULES}


def decode(field: str, value: str | None) -> Rule | None:
    """The rule for ``value`` of CMS ``field`` (``None`` when CMS defines no such value).

    Examples
    --------
    >>> decode("co_surg", "0").meaning
    'Co-surgeons not permitted'
    >>> decode("status_code", None).value
    '(absent)'
    """
    if field == "status_code" and not value:
        value = "(absent)"
    return _BY_KEY.get((field, value or ""))


_MODIFIER_FIELDS: dict[str, tuple[str, ...]] = {}
for _rule in RULES:
    if _rule.field in ("modifier_indicator", "anesthesia_modifier"):
        continue
    for _m in _rule.modifiers:
        _MODIFIER_FIELDS.setdefault(_m, ())
        if _rule.field not in _MODIFIER_FIELDS[_m]:
            _MODIFIER_FIELDS[_m] += (_rule.field,)


def modifier_rules(modifier: str, indicators: dict[str, str], priced: Iterable[str] = ()) -> list[Rule]:
    """The rules the MPFS ``indicators`` of a code (field -> value) give for ``modifier`` on that code.

    ``priced`` are the modifiers the MPFS has a row of their own for, for
    this code (``83020-26``): the PC/TC indicator of the global row does not
    rule those out.

    Examples
    --------
    >>> [r.severity for r in modifier_rules("80", {"asst_surg": "0"})]
    ['warning']
    >>> modifier_rules("26", {"pctc_ind": "1"})
    []
    >>> [r.value for r in modifier_rules("26", {"pctc_ind": "4"})]
    ['4']
    >>> modifier_rules("26", {"pctc_ind": "9"}, priced={"26"})
    []
    """
    out = []
    for field in _MODIFIER_FIELDS.get(modifier, ()):
        if field == "pctc_ind" and modifier in priced:
            continue
        rule = decode(field, indicators.get(field))
        if rule is not None and modifier in rule.modifiers:
            out.append(rule)
    return out


def is_anesthesia_code(code: str, status: str | None = None) -> bool:
    """True for a CPT anesthesia code (00100-01999) or a code with MPFS status J.

    Examples
    --------
    >>> is_anesthesia_code("00731"), is_anesthesia_code("77013"), is_anesthesia_code("G9999", "J")
    (True, False, True)
    """
    return status == "J" or (len(code) == 5 and code.isdigit() and "00100" <= code <= "01999")


def markdown_table() -> str:
    """:data:`RULES` as the README's Markdown table.

    Examples
    --------
    >>> markdown_table().splitlines()[0]
    '| Rule | Value | CMS meaning | Finding | Severity | Source |'
    """
    lines = ["| Rule | Value | CMS meaning | Finding | Severity | Source |", "|---|---|---|---|---|---|"]
    for r in RULES:
        finding = f"`{r.kind}`" if r.kind else "none"
        if r.kind and r.modifiers and r.field != "modifier_indicator":
            finding += " on " + ", ".join(r.modifiers)
        lines.append(f"| {r.title} | `{r.value}` | {r.meaning} | {finding} | {r.severity or '-'} | {r.source} |")
    return "\n".join(lines)
