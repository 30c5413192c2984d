"""kg.relations, in its one-edge-per-pair form: a table of relationship sentences and the typed, directed edge
each must give between the subject and the row's code.

Direction is relative to the briefing's subject S and the row's code X:
``out`` means ``S relation X``, ``in`` means ``X relation S``.

The table is the specification. Add a case whenever a rule is added: the
coverage test fails for a rule that no case decides.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from kg.relations import (
    DIAGNOSIS_RULES,
    GENERIC,
    IN,
    OUT,
    PROCEDURE_RULES,
    Classification,
    classify_diagnosis,
    classify_procedure,
)


class Case(NamedTuple):
    phrase: str
    subject: str
    other: str
    relation: str
    direction: str


P = "procedure"
D = "diagnosis"

# (phrase, subject S, other X, relation, direction) for classify_procedure
PROCEDURE_CASES = [
    # --- monitors: S monitors X (out) / X monitors S (in)
    Case("Ablation procedure that 77013 monitors", "77013", "49405", "monitors", OUT),
    Case("Ablation procedure codes that describe the therapeutic ablation of hepatic parenchymal tumors "
         "which 77013 specifically monitors via CT guidance.", "77013", "49405", "monitors", OUT),
    Case("Cryoablation that 77022 monitors.", "77022", "50593", "monitors", OUT),
    Case("Tumor ablation monitored in real time by this guidance code", "77013", "47382", "monitors", OUT),
    Case("Ablation zone monitored with 76940 in real time", "76940", "47382", "monitors", OUT),
    Case("This guidance code monitors the cryoablation of renal tumors", "76940", "50593", "monitors", OUT),
    Case("CT guidance code that monitors this ablation", "47382", "77013", "monitors", IN),
    Case("Ultrasound guidance code that monitors this ablation when ultrasound is used.", "47382", "76940",
         "monitors", IN),
    Case("MR guidance code used to monitor this cryoablation", "50593", "77022", "monitors", IN),
    Case("Reported with this ablation to monitor the ablation zone", "47382", "76940", "monitors", IN),
    Case("Guidance that monitors the ablation", "47382", "77022", "monitors", IN),
    Case("Guidance  code that monitors\u00a0this ablation", "47382", "77013", "monitors", IN),  # odd spaces
    # the code that monitors must be the subject: a third code says nothing about S and X
    Case("Ablation procedure that 77013 monitors", "76940", "49405", GENERIC, OUT),

    # --- includedIn: bundling wins over every guidance/monitoring/alternative cue
    Case("CT guidance and monitoring are bundled into this bone ablation and are not reported separately.",
         "20982", "77013", "includedIn", IN),
    Case("Fluoroscopic needle guidance is part of this code when used and should not be added.",
         "20982", "77002", "includedIn", IN),
    Case("included in this ablation", "77013", "47382", "includedIn", IN),
    Case("Monitoring is included in this ablation", "76940", "47382", "includedIn", IN),
    Case("Guidance that monitors the ablation is packaged with this procedure", "20982", "77013", "includedIn", IN),
    Case("This ablation code includes the CT guidance that monitors it", "47382", "77013", "includedIn", IN),
    Case("CT guidance that monitors this ablation is not billed separately", "47382", "77013", "includedIn", IN),
    Case("Guidance used to monitor this ablation; not reportable separately", "47382", "77013", "includedIn", IN),
    Case("Guidance that monitors the ablation is always bundled", "47382", "77013", "includedIn", IN),
    Case("Cannot be billed separately from the ablation", "47382", "77013", "includedIn", IN),
    Case("Guidance is bundled; do not report 77013 separately", "47382", "77013", "includedIn", IN),
    Case("Alternative to this guidance when CT monitoring is used; not separately reported", "76940", "77013",
         "includedIn", IN),
    Case("Imaging guidance is included when performed", "20982", "77013", "includedIn", IN),
    Case("NCCI-bundled pair: guidance that monitors this ablation", "47382", "77013", "includedIn", IN),
    Case("Part of the global surgical package", "47382", "99024", "includedIn", IN),
    Case("included in 10005", "76942", "10005", "includedIn", OUT),
    Case("included  in   10005", "76942", "10005", "includedIn", OUT),  # odd spaces
    Case("Ultrasound guidance is included in 10005 and is not separately reported with this code.",
         "76942", "10005", "includedIn", OUT),
    Case("Bundled: the joint injection code already includes ultrasound needle guidance, so 76942 is not added.",
         "76942", "20611", "includedIn", OUT),
    Case("77013 is bundled into the ablation code when performed by the same physician", "77013", "32998",
         "includedIn", OUT),
    Case("77013 is typically bundled with the ablation", "77013", "47382", "includedIn", OUT),
    Case("CT guidance that monitors the ablation; included in 20982", "77013", "20982", "includedIn", OUT),
    # "the ablation code" is told apart from the subject by the row's description (see test_description_decides)
    Case("Alternative guidance; bundled into this ablation code", "20982", "77013", "includedIn", IN),
    Case("Guidance that monitors the ablation, which is bundled into 47382", "77013", "47382", "includedIn", OUT),
    Case("which 20982 already includes", "77002", "20982", "includedIn", OUT),
    # negated bundling is not bundling
    Case("Not included in 77013; report separately", "47382", "77013", GENERIC, OUT),
    # denied bundling, then separate reporting: both are read (the denial is a negated statement)
    Case("CT guidance is not included in 47382 and is reported separately to monitor the ablation",
         "77013", "47382", "separatelyReportableWith", OUT),
    Case("Guidance is not bundled into this ablation; report 77013 separately", "47382", "77013", GENERIC, OUT),

    # --- precedes: X precedes S (in) / S precedes X (out)
    Case("Pre-procedure CT to plan the approach.", "47382", "74177", "precedes", IN),
    Case("Pre\u2011procedure CT to plan the approach", "47382", "74177", "precedes", IN),  # non-breaking hyphen
    Case("Pre-procedure CT\nto plan the approach", "47382", "74177", "precedes", IN),
    Case("Pre-procedure diagnostic CT to localize lesion and plan approach before CT-guided ablation.",
         "77013", "74350", "precedes", IN),
    Case("Treatment planning study", "77013", "77295", "precedes", IN),
    Case("Planning CT performed before the procedure", "32998", "71260", "precedes", IN),
    Case("Biopsy performed prior to ablation to confirm histology.", "47382", "47000", "precedes", IN),
    Case("Deep bone biopsy obtained before the ablation to confirm the diagnosis.", "20982", "20225", "precedes", IN),
    Case("Prior diagnostic ultrasound that identifies the target before the guided biopsy.", "76942", "76705",
         "precedes", IN),
    Case("Post-ablation follow-up imaging to assess the ablation zone.", "47382", "74183", "precedes", OUT),
    Case("Follow-up MRI after the ablation to confirm treatment", "20982", "73720", "precedes", OUT),
    Case("Imaging performed after the procedure to document the result", "32998", "71250", "precedes", OUT),
    Case("Surveillance CT at three months", "47382", "74160", "precedes", OUT),

    # --- alternativeTo (symmetric; written out)
    Case("Alternative ablation approach that freezes the tumor instead of heating it.", "47382", "47383",
         "alternativeTo", OUT),
    Case("Alternative imaging guidance code when ultrasound, not CT, is used to place ablation probes; "
         "contrasts with 77013 which is CT-specific.", "77013", "76942", "alternativeTo", OUT),
    Case("Alternatively, ultrasound guidance may be used", "77013", "76940", "alternativeTo", OUT),
    Case("Can be used instead of the percutaneous code when the liver tumor is ablated through an open incision.",
         "47382", "47380", "alternativeTo", OUT),
    Case("Reported in place of 77013 when MR guidance is used", "77013", "77022", "alternativeTo", OUT),
    Case("Interchangeable with the CT code for billing purposes", "77022", "77013", "alternativeTo", OUT),
    Case("Use 76940 instead when ultrasound guides and monitors a parenchymal tissue ablation rather than a "
         "needle placement.", "76942", "76940", "alternativeTo", OUT),

    # --- relatedTo: vague text, or cues that disagree
    Case("Related code sometimes reviewed together with this service.", "76942", "47000", GENERIC, OUT),
    Case("See payer policy", "77013", "76380", GENERIC, OUT),
    Case("", "77013", "76380", GENERIC, OUT),
    Case("Alternative guidance code used for follow-up imaging", "77013", "76940", GENERIC, OUT),
    Case("Pre-procedure imaging that also serves as post-ablation surveillance", "77013", "74160", GENERIC, OUT),
    Case("CT guidance code that monitors this ablation; alternatively ultrasound may be used", "47382", "77013",
         GENERIC, OUT),
    # the second clause relates the subject to itself and says nothing; the first names its container
    Case("Included in 10005 and also included in this procedure", "76942", "10005", "includedIn", OUT),
    # two weak cues in different clauses that disagree stay generic
    Case("Alternative biopsy code; tissue diagnosis may be obtained prior to ablation (imaging-guided biopsy codes "
         "used when guidance applied).", "77013", "10022", GENERIC, OUT),
]

# (phrase, -, -, relation, direction) for classify_diagnosis: the diagnosis X is the indication for or a
# comorbidity of the procedure S, so both relations point in.
DIAGNOSIS_CASES = [
    Case("Primary hepatic malignancy commonly treated with percutaneous ablation under CT guidance.", "", "",
         "indicationFor", IN),
    Case("Metastatic liver lesions frequently targeted for CT-guided ablation to achieve local control.", "", "",
         "indicationFor", IN),
    Case("When small pulmonary lesions require localized ablation under CT monitoring (pulmonary parenchymal "
         "ablation).", "", "", "indicationFor", IN),
    Case("Pulmonary tumors that may be treated with percutaneous CT-guided ablation.", "", "", "indicationFor", IN),
    Case("Primary indication for percutaneous ablation of early-stage hepatocellular carcinoma.", "", "",
         "indicationFor", IN),
    Case("Tumor-related pain that is the main reason for palliative bone ablation.", "", "", "indicationFor", IN),
    Case("Supports medical necessity for CT guidance", "", "", "indicationFor", IN),
    Case("Lesions sampled under ultrasound guidance", "", "", "indicationFor", IN),
    Case("Patients who are candidates for ablation", "", "", "indicationFor", IN),
    Case("Indicated when the tumor is\u00a0small", "", "", "indicationFor", IN),
    Case("Common comorbidity influencing procedural planning, risk stratification, and post-ablation monitoring.",
         "", "", "comorbidityOf", IN),
    Case("Underlying liver disease that complicates the procedure", "", "", "comorbidityOf", IN),
    Case("Risk factor for bleeding", "", "", "comorbidityOf", IN),
    Case("Age-related osteoporosis raises fracture risk", "", "", "comorbidityOf", IN),
    Case("Concurrent illness", "", "", "comorbidityOf", IN),
    Case("Co\u2011morbid condition", "", "", "comorbidityOf", IN),  # non-breaking hyphen
    # a comorbidity wins over indication cues in the same sentence
    Case("Coexisting condition that raises bleeding risk and may require platelet transfusion before ablation.",
         "", "", "comorbidityOf", IN),
    Case("Indication for ablation in patients with comorbid cirrhosis", "", "", "comorbidityOf", IN),
    # vague or negated
    Case("Mentioned in the payer policy", "", "", GENERIC, OUT),
    Case("Ablation is not indicated while the infection is active", "", "", GENERIC, OUT),
    Case("Not an indication for ablation", "", "", GENERIC, OUT),
    Case("", "", "", GENERIC, OUT),
]

TABLE = [(P, c) for c in PROCEDURE_CASES] + [(D, c) for c in DIAGNOSIS_CASES]


def classify(kind: str, case: Case) -> Classification:
    if kind == P:
        return classify_procedure(case.phrase, subject=case.subject, other=case.other)
    return classify_diagnosis(case.phrase)


def _id(item) -> str:
    kind, case = item
    return f"{kind[0]}:{case.phrase[:50]}|{case.subject}>{case.other}"


def test_table_size_and_shape():
    assert len(TABLE) >= 60
    relations = {c.relation for _, c in TABLE}
    assert relations == {"monitors", "includedIn", "precedes", "alternativeTo", "indicationFor", "comorbidityOf",
                         "separatelyReportableWith", GENERIC}
    # both directions wherever the relation has a direction
    for relation in ("monitors", "includedIn", "precedes"):
        assert {c.direction for c in PROCEDURE_CASES if c.relation == relation} == {IN, OUT}, relation


@pytest.mark.parametrize("item", TABLE, ids=[_id(t) for t in TABLE])
def test_classification(item):
    kind, case = item
    c = classify(kind, case)
    assert (c.relation, c.direction) == (case.relation, case.direction), c


@pytest.mark.parametrize("item", TABLE, ids=[_id(t) for t in TABLE])
def test_phrase_is_quoted_from_the_text(item):
    """The deciding phrase is a substring of the input, as written (odd spaces and hyphens included)."""
    kind, case = item
    c = classify(kind, case)
    if c.relation != GENERIC:
        assert c.phrase and c.phrase in case.phrase, c
        return
    if c.rule == "no-rule":
        assert c.phrase == ""
    elif c.rule == "conflict":  # a conflict keeps every cue, each one quoted from the text
        cues = c.phrase.split("; ")
        assert len(cues) >= 2 and all(cue and cue in case.phrase for cue in cues), c
    else:  # the text denies the statement, or relates other codes: the cues are kept
        assert c.rule in ("negated", "other-codes"), c
        assert all(cue and cue in case.phrase for cue in c.phrase.split("; ")), c


def test_rule_table_is_well_formed():
    from kg.model import DIAGNOSIS_RELATIONS, PROCEDURE_RELATIONS

    for rule in PROCEDURE_RULES:
        assert rule.relation in PROCEDURE_RELATIONS and rule.orient in ("LR", "RL", "XS", "SX"), rule
        assert rule.tier in (1, 2, 3)
    for rule in DIAGNOSIS_RULES:
        assert rule.relation in DIAGNOSIS_RELATIONS, rule
        assert "{C}" not in rule.pattern or rule.relation == "indicationFor", rule
    names = [r.name for r in PROCEDURE_RULES + DIAGNOSIS_RULES]
    assert len(names) == len(set(names)), "rule names are unique, so a statement's rule names one pattern"


def test_description_decides_which_code_a_phrase_means():
    """A phrase that names no code is resolved by the row's description and the subject's title."""
    from kg.relations import read_row

    st = read_row("Alternative guidance; bundled into the ablation code", table="procedure", subject="77013",
                  row="20982", subject_title="CT guidance for needle placement",
                  row_description="Ablation, bone tumor, radiofrequency")
    assert [(s.subject, s.relation, s.object) for s in st] == [("77013", "includedIn", "20982")]


BUNDLING_WORDS = ("included", "bundled", "packaged", "part of", "separately", "includes")


@pytest.mark.parametrize("case", [c for c in PROCEDURE_CASES if c.relation == "includedIn"],
                         ids=lambda c: c.phrase[:60])
def test_bundling_is_never_monitors_or_alternative(case):
    """Principle 1: text that bundles the codes is includedIn, whatever guidance words it also has."""
    assert any(w in case.phrase.lower() for w in BUNDLING_WORDS)
    c = classify_procedure(case.phrase, subject=case.subject, other=case.other)
    assert c.relation == "includedIn"
    # with the codes swapped, the direction may change but the relation may not
    swapped = classify_procedure(case.phrase, subject=case.other, other=case.subject)
    assert swapped.relation not in ("monitors", "alternativeTo"), swapped


def test_conflicts_and_vague_text_say_why():
    c = classify_procedure("Alternative guidance code used for follow-up imaging", "77013", "76940")
    assert c == Classification(GENERIC, OUT, "Alternative; follow-up", "conflict")
    c = classify_procedure("Related code sometimes reviewed together with this service.", "76942", "47000")
    assert c == Classification(GENERIC, OUT, "", "no-rule")
    assert classify_diagnosis("Mentioned in the payer policy") == Classification(GENERIC, OUT, "", "no-rule")


def test_strong_rule_decides_the_direction():
    """'included in 10005' names the container; the 'not separately' cue, whose participants are left to the
    defaults, points the other way and is outranked by the one that names its code."""
    c = classify_procedure("Ultrasound guidance is included in 10005 and is not separately reported with this code.",
                           subject="76942", other="10005")
    assert (c.relation, c.direction, c.phrase, c.rule) == ("includedIn", OUT, "is included in", "included-in")


def test_subject_code_is_matched_literally():
    """A code is a literal, not a pattern."""
    assert classify_procedure("Ablation procedure that 77013 monitors", subject="7701.").relation == GENERIC
    assert classify_procedure("Ablation procedure that 770131 monitors", subject="77013").relation == GENERIC


def test_classification_is_case_insensitive_and_deterministic():
    a = classify_procedure("ABLATION PROCEDURE THAT 77013 MONITORS", subject="77013", other="49405")
    b = classify_procedure("ablation procedure that 77013 monitors", subject="77013", other="49405")
    assert (a.relation, a.direction, a.rule) == (b.relation, b.direction, b.rule) == ("monitors", OUT, "monitors")
    assert a.phrase == "THAT 77013 MONITORS"
    assert classify_procedure("ABLATION PROCEDURE THAT 77013 MONITORS", "77013", "49405") == a
