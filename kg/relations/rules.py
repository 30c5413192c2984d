"""The rule tables of :mod:`kg.relations`: which phrases name which relation, as data.

A :class:`Rule` is a regular expression over a clause of a relationship cell
in which every code mention has been overwritten by marker characters, so
``{C}`` stands for "a code". Patterns may name the participants with the
groups ``(?P<L>...)`` and ``(?P<R>...)``; otherwise the engine takes the left
participant from before the cue and the right one from after it.

``orient`` says how (left, right) become the edge:

``LR``
    relation(left, right): "69990 is included in 63030", "X instead of Y".
``RL``
    relation(right, left): "X follows Y" is ``Y precedes X``; "Y includes X".
``XS`` / ``SX``
    always (row code, subject) / (subject, row code): "+X", "follow-up".

``keywords`` are lower-case substrings one of which every match contains: a
clause holding none of them is not searched (a prefilter; ``tests/test_extraction.py`` checks that it
changes no reading). ``tier`` ranks cues inside one clause: bundling (3) beats an explicit billing
statement (2), which beats a weak or functional cue (1). Different relations
on the same tier in one clause are a conflict, and the row stays
``relatedTo``. ``negatable`` says whether a negation trigger in front of the
cue turns it into a *negated* statement ("not an alternative to") or simply
voids it ("no modifier 25 is needed"). A rule with ``consumes`` holds its own
negation ("not separately reportable"), so that negation negates nothing else.

Examples
--------
>>> [r.name for r in PROCEDURE_RULES if r.relation == "mutuallyExclusiveWith"][:2]
['not-together', 'mutually-exclusive']
>>> sorted({r.relation for r in DIAGNOSIS_RULES})
['comorbidityOf', 'complicationOf', 'indicationFor']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Rule", "PROCEDURE_RULES", "DIAGNOSIS_RULES", "ADD_ON_CUES", "PRIMARY_CUES", "COVERAGE_VETO"]


@dataclass(frozen=True)
class Rule:
    """One pattern of a rule table (see the module docstring).

    Examples
    --------
    >>> rule = next(r for r in PROCEDURE_RULES if r.name == "ncci-bundles")
    >>> rule.relation, rule.tier, rule.orient
    ('includedIn', 3, 'LR')
    """

    name: str
    relation: str
    pattern: str
    tier: int = 2
    orient: str = "LR"
    negatable: bool = True
    consumes: bool = False
    in_conditions: bool = False
    first: bool = False
    last_np: bool = False
    label: bool = False
    keywords: tuple[str, ...] = ()


C = "{C}"
_SEP = r"(?:\s*(?:,|/|\bor\b|\band\b|\bor with\b|\band with\b)\s*)"

PROCEDURE_RULES: tuple[Rule, ...] = (
    # --- 1. bundling (tier 3): "bundling wins"
    Rule("not-separately", "includedIn",
         r"\b(?:can)?not (?:be )?separately (?:reported|reportable|billed|billable|payable|coded)\b"
         r"|\b(?:can)?not (?:be )?(?:reported|reportable|billed|billable|payable|paid|coded) separately\b"
         r"|\bnot (?:report|bill|code) (?:[\w-]+ ){0,2}separately\b|\b(?:should )?not (?:be )?(?:added|coded)\b",
         tier=3, negatable=False, consumes=True,
         keywords=('separately', 'added', 'coded')),
    Rule("ncci-bundles", "includedIn", r"\bbundles (?P<L>{C}) (?:into|with) (?P<R>{C})", tier=3,
         keywords=('bundles',)),
    Rule("included-in", "includedIn",
         r"\b(?:is|are) (?:(?:always|typically|usually|generally|already) )?(?:included|bundled|packaged|incorporated)\b"
         r"(?: (?:in|into|with)\b)?|\b(?:included|bundled|packaged|incorporated) (?:in|into|with)\b"
         r"|\bincluded when performed\b"
         r"|\b(?:a |the )?(?:technical |professional )?component of\b|\b(?:is |are )?(?:measured as )?part of\b",
         tier=3,
         keywords=('includ', 'bundl', 'packag', 'incorporat', 'component', 'part of')),
    Rule("bundled-label", "includedIn", r"^(?:included|bundled|packaged)\b(?= *$)", tier=3, label=True,
         keywords=('includ', 'bundl', 'packag')),
    Rule("includes", "includedIn", r"\b(?:already )?(?:includes|bundles|encompasses)\b", tier=3, orient="RL",
         keywords=('includes', 'bundles', 'encompasses')),
    Rule("ncci-bundled", "includedIn", r"\bncci[- ]bundled\b", tier=3,
         keywords=('bundled',)),
    # --- 2. explicit billing statements (tier 2)
    Rule("not-together", "mutuallyExclusiveWith",
         r"\b(?:not|never) (?:be )?(?:billed|reported|coded|used|paid) (?:(?:[\w-]+ ){0,4}together\b"
         r"|on the same (?:date|day|claim|night)(?: of service)?(?: as)?\b|with\b)"
         r"|\bdo not (?:bill|report) " + C + r" with\b",
         consumes=True, negatable=False,
         keywords=('not', 'never')),
    Rule("mutually-exclusive", "mutuallyExclusiveWith",
         r"\bmutually exclusive\b|\b(?:report|choose|bill|use) (?:only )?one or the other\b",
         keywords=('mutually', 'one or the other')),
    Rule("add-on-to", "addOnTo", r"\badd-on (?:code )?(?:to|for)\b",
         keywords=('add-on',)),
    Rule("instead-of", "alternativeTo",
         r"\b(?:instead of|in place of|in lieu of|rather than|as a substitute for|substitutes? for)\b"
         r"|\b(?:report|reported|use|used|bill|billed|chosen|coded)\s+(?:" + C + r"\s+)?instead\b"
         r"|\breplaces\b|\bis replaced by\b|\binterchangeabl[ey]\b",
         negatable=True,
         keywords=('instead', 'in place of', 'in lieu of', 'rather than', 'substitute', 'replace', 'interchangeab')),
    Rule("an-alternative", "alternativeTo", r"\b(?:an?|the) (?:[\w-]+ ){0,3}alternative\b|\balternative (?:to|for)\b",
         keywords=('alternative',)),
    Rule("converted-to-open", "alternativeTo", r"\bconver(?:ted|sion|ts) to (?:an? )?open\b", in_conditions=True,
         keywords=('conver',)),
    Rule("only-one-reported", "alternativeTo",
         r"\bonly (?:the )?(?:[\w-]+ ){0,2}(?:code |procedure )?is (?:reported|billed)\b|\breport " + C + r" alone\b",
         tier=1,
         keywords=('only', 'alone')),
    Rule("separately-reportable", "separatelyReportableWith",
         r"\bseparately (?:reportable|reported|billable|billed|identifiable|payable)\b"
         r"|\b(?:reported|billed|coded) separately\b|\balongside\b"
         r"|\b(?:may|can) (?:also )?be (?:reported|billed|coded)(?! instead)\b"
         r"|\bboth (?:codes |services |procedures )?(?:may |can |should )?(?:be |are )?(?:reported|billed|coded)\b"
         r"|\b(?:reported|billed) separately on the same (?:claim|date|day)\b",
         negatable=False,
         keywords=('separately', 'alongside', 'may ', 'can ', 'both')),
    Rule("with-modifier", "separatelyReportableWith",
         r"\b(?:append|appended|requires|with|add) (?:the )?modifiers? (?:25|59|X[EPSU]|GG|33)\b"
         r"|\bmodifiers? (?:25|59) (?:is|are) (?:appended|added|required)\b",
         tier=1, negatable=False,
         keywords=('modifier',)),
    Rule("same-session", "separatelyReportableWith",
         r"\b(?:billed|reported|performed) (?:in|at|during) the same (?:session|visit|encounter)\b", tier=1,
         negatable=False,
         keywords=('the same',)),
    # --- 3. function and sequence (tier 1)
    Rule("monitors", "monitors",
         r"\bmonitors?\b(?! (?:for|the patient))|\bguides? (?:and monitors? )?(?:the )?"
         r"(?:needle|catheter|valve|probe|wire|placement|entry|positioning)\b|\bguides and monitors\b",
         tier=1, negatable=False,
         keywords=('monitor', 'guide')),
    Rule("monitored-by", "monitors", r"\b(?:monitored|guided) (?:\w+ ){0,3}(?:by|with|under|via|using)\b",
         tier=1, orient="RL", negatable=False,
         keywords=('monitored', 'guided')),
    Rule("prior-to", "precedes",
         r"\b(?:prior to|before|ahead of|in advance of|precedes|preceding)\b|\btried first\b|\bfirst-line\b",
         tier=1, negatable=False,
         keywords=('prior to', 'before', 'ahead of', 'in advance of', 'preced', 'tried first', 'first-line')),
    Rule("after", "precedes",
         r"\b(?:after|follows|following|may follow|can follow|the day after)\b|\bthat began with\b",
         tier=1, orient="RL", negatable=False,
         keywords=('after', 'follow', 'began with')),
    Rule("afterward", "precedes", r"\b(?:performed |obtained |done )?afterwards?\b|\blater\b(?= *$)", tier=1,
         orient="RL", negatable=False, last_np=True,
         keywords=('afterward', 'later')),
    Rule("pre-procedure", "precedes",
         r"\bpre-?(?:procedur|procedure|ablation|operative|treatment|interventional)\w*\b|\bplanning\b"
         r"|\bplan (?:the|an?|its) (?:approach|trajectory|procedure|ablation|treatment|needle|probe)",
         tier=1, orient="XS", negatable=False, in_conditions=True,
         keywords=('pre', 'planning', 'plan ')),
    Rule("follow-up", "precedes",
         r"\bpost-?(?:procedur|procedure|ablation|operative|treatment)\w*|\bfollow-?up\b|\bsurveillance\b",
         tier=1, orient="SX", negatable=False,
         keywords=('post', 'follow', 'surveillance')),
    Rule("alternatively", "alternativeTo", r"^alternatives?\b|\balternatively\b", tier=1, negatable=False, label=True,
         keywords=('alternative',)),
)
"""Rules for the "Related CPT Codes" table (procedure <-> procedure)."""

ADD_ON_CUES = (
    r"^(?:(?:an?|the|medicare|cms|hcpcs) )?(?:[\w-]+ )?add-?on(?: code)?\b(?!\s*(?:code\s+)?\u3400)",
    r"\b(?:is|are) (?:an?|the) (?:[\w-]+ ){0,2}add-?on\b(?!\s*(?:code\s+)?\u3400)",
    r"\b(?:for )?each additional\b",
)
"""Phrases that say the row's own code is an add-on code (besides ``+CODE`` and the loaded code sets)."""

PRIMARY_CUES = (
    r"\b(?:in addition to)\b",
    r"\b(?:use|used|reported|billed|report) (?:only )?with\b",
    r"\bonly with\b",
)
"""Phrases after which an add-on code's primary procedure is named."""

DIAGNOSIS_RULES: tuple[Rule, ...] = (
    Rule("comorbidity", "comorbidityOf",
         r"\bco-?morbid\w*|\bco-?exist\w*|\bconcurrent (?:condition|disease|illness)\b|\bunderlying (?:condition|disease)\b"
         r"|\brisk factor\b|\b(?:raises|raising|increases|increasing|elevates|adds to) (?:[\w-]+ ){0,4}?risks?\b"
         r"(?: of (?:[\w-]+ ){0,3}?complications?\b)?"
         r"|\b(?:bleeding|fall|wound|surgical|perioperative|anesthetic|aspiration) risk\b|\bpretest probability\b"
         r"|\bcomplicates (?:the )?(?:dosing|interpretation|procedure|planning|anesthesia|management|\w+ interpretation)\b"
         r"|\b(?:affects|influences|shapes|steers) (?:[\w-]+ ){0,2}(?:planning|outcomes|decisions|strategy|selection"
         r"|dosing|plan|management)\b|\bmust be managed before\b",
         tier=3,
         keywords=('morbid', 'exist', 'concurrent', 'underlying', 'risk', 'pretest', 'complicates', 'affects', 'influences', 'shapes', 'steers', 'must be managed', 'adds to')),
    Rule("complication", "complicationOf",
         r"\bcomplications? (?:of|after|following)\b|\b(?:a|an|is|are) (?:[\w-]+ ){0,3}complications?\b"
         r"|\b(?:may|can|might) (?:follow|develop after|present after|complicate|occur after)\b",
         tier=2,
         keywords=('complication', 'follow', 'develop after', 'present after', 'complicate', 'occur after')),
    Rule("post-procedural", "complicationOf", r"^(?:post-?operative|post-?procedural|post-dural)\b", tier=2, first=True,
         keywords=('post',)),
    Rule("indication", "indicationFor",
         r"\bindicat(?:ion|ed)\b|\bsupport(?:s|ing)?\b|\btreated for\b|\bpalliat\w*|\bmedical necessity\b|\b(?:primary|principal) (?:\w+ )?"
         r"(?:diagnosis|reason|indication)\b|\bfirst-listed\b|\breason for\b|\btreated (?:with|by)\b"
         r"|\brequir(?:es|ing)\b|\bestablish(?:es)? the diagnosis\b|\bevaluation\b|\bevaluated for\b|\bworkup\b"
         r"|\bmonitoring (?:of|for)\b|\b(?:disease|rhythm|rate|hemodynamic|periodic) monitoring\b|^monitoring\b"
         r"|\bdiagnosis and\b|\bsurveillance\b|^(?:pre-?operative|pre-?procedur\w*)\b|\btherapy for\b"
         r"|\btarget(?:ed|s)? (?:for|by|with)\b|\bcandidates? for\b|\b(?:sampled|biopsied|ablated) (?:by|under|with|using|via)\b"
         r"|\brequire (?:[\w-]+ ){0,3}(?:ablation|biopsy|guidance|sampling|treatment|intervention|surgery|imaging)\b"
         r"|\breported for\b|\b(?:is|are) (?:generally |usually )?covered\b|\bis preferred\b|\bmeets? (?:\w+ )?criteria\b"
         r"|(?<=\u3400)\)? (?:is|are) (?:ordered|reported|used|billed) instead\b|\breported with (?=\u3400)",
         tier=1,
         keywords=('indicat', 'support', 'treated', 'palliat', 'medical necessity', 'diagnosis', 'reason', 'indication', 'first-listed', 'requir', 'establish', 'evaluat', 'workup', 'monitoring', 'surveillance', 'pre', 'therapy for', 'target', 'candidate', 'sampled', 'biopsied', 'ablated', 'reported for', 'covered', 'preferred', 'criteria', 'instead', 'reported with')),
)
"""Rules for the "Related Diagnoses" table (diagnosis -> procedure)."""

COVERAGE_VETO = r"\bnot covered\b|\bnon-?covered\b|\bexcludes routine\b"
"""A diagnosis clause about coverage ("not covered when ...") says nothing about support: no edge from it."""
