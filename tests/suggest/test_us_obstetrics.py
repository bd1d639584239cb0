"""Obstetric and gynecologic notes as a US coder codes them by chapter 15 of the ICD-10-CM
guidelines (issue 15): the stage of the pregnancy the encounter is at (a delivery's
"GBS positive" is O99.824, a prenatal visit's O99.820, as the weeks give the trimester),
"IUP" that rules an ectopic pregnancy out, labor's "arrest of dilation", iron deficiency
anemia from menorrhagia, gestational diabetes on insulin, one weeks-of-gestation code.
Sentences written for these tests, after the thirteenth session's notes (branch ob13)."""

from __future__ import annotations

import pytest

from code_index.records import System
from suggest.results import SuggestionResult
from suggest.suggester import Suggester
from tests.suggest.listed_codes import DIAGNOSES, anywhere, outpatient_diagnoses, ranked

LABOR_ADMISSION = (
    "L&D ADMISSION H&P\n"
    "31 yo G2P1001 @ 39w5d presents with regular painful ctx q3 min since 0200.\n"
    "Prenatal course: uncomplicated. GBS positive (36w).\n"
    "Assessment: IUP at 39w5d in active labor. GBS positive.\n"
    "Plan: admit to L&D. PCN G 5 MU IV then 3 MU q4h until delivery."
)
DELIVERY_SUMMARY = (
    "OB DISCHARGE SUMMARY\n"
    "Discharge dx:\n"
    "1. Preeclampsia with severe features, delivered\n"
    "2. SVD of a liveborn female at 37w3d\n"
    "3. GBS positive, adequately treated\n"
    "Course: IOL with oxytocin. SVD 6/18, 2,960 g female, Apgars 8/9."
)
PRENATAL_VISIT = (
    "HIGH-RISK OB RETURN VISIT\n"
    "Pt: 34 yo G2P1001 @ 36w2d.\n"
    "- GDM A2 on insulin (NPH 14 u qAM, lispro 4 u with meals). Well controlled.\n"
    "- Chronic HTN (pre-pregnancy), on labetalol 200 mg BID.\n"
    "- GBS swab at 35w6d: POSITIVE.\n"
    "Assessment:\n"
    "1. Gestational diabetes, insulin controlled\n"
    "2. Pre-existing essential hypertension complicating pregnancy, 3rd trimester\n"
    "3. GBS positive - PCN in labor\n"
    "4. 36 weeks gestation\n"
    "Plan: twice-weekly NST, IOL 39w0d."
)


def inpatient_diagnoses(suggester: Suggester, text: str) -> SuggestionResult:
    return suggester.suggest(text, setting="inpatient", systems=DIAGNOSES)


@pytest.mark.parametrize("text", [LABOR_ADMISSION, DELIVERY_SUMMARY])
def test_a_carrier_state_at_a_delivery_complicates_childbirth(
    suggester: Suggester, text: str
) -> None:
    # guideline I.C.15: the admission is the delivery's, so the "in childbirth" code
    codes = anywhere(inpatient_diagnoses(suggester, text))
    assert "O99.824" in ranked(inpatient_diagnoses(suggester, text))
    assert "O99.820" not in codes


def test_a_carrier_state_before_labor_complicates_the_pregnancy(suggester: Suggester) -> None:
    # "PCN in labor" is the plan: the visit is at 36 weeks, before the delivery
    codes = anywhere(outpatient_diagnoses(suggester, PRENATAL_VISIT))
    assert "O99.820" in ranked(outpatient_diagnoses(suggester, PRENATAL_VISIT))
    assert "O99.824" not in codes


def test_severe_preeclampsia_of_a_delivery_is_coded_in_childbirth(suggester: Suggester) -> None:
    result = inpatient_diagnoses(suggester, DELIVERY_SUMMARY)
    assert {"O14.14", "Z37.0"} <= set(ranked(result))  # "liveborn female": single live birth
    assert not {"O14.13", "O14.10", "O14.90"} & set(anywhere(result))


def test_preeclampsia_without_severe_features_is_mild_to_moderate(suggester: Suggester) -> None:
    text = "A/P: Preeclampsia without severe features, 34 weeks gestation - twice-weekly NST."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "O14.03" in codes
    assert "O14.93" not in codes and "O14.13" not in codes


def test_gestational_diabetes_before_delivery_is_the_pregnancy_s_alone(
    suggester: Suggester,
) -> None:
    # guideline I.C.15.g: no Z79.4 with O24.4-; no "in childbirth" or "in the puerperium"
    # code at a prenatal visit, whose weeks say the pregnancy
    codes = anywhere(outpatient_diagnoses(suggester, PRENATAL_VISIT))
    assert "O24.414" in codes
    assert not {"Z79.4", "O24.424", "O24.434"} & set(codes)


def test_pre_existing_hypertension_in_pregnancy_includes_i10(suggester: Suggester) -> None:
    codes = ranked(outpatient_diagnoses(suggester, PRENATAL_VISIT))
    assert "O10.013" in codes and "I10" not in codes


def test_the_weeks_of_a_test_or_a_plan_are_not_the_encounter_s(suggester: Suggester) -> None:
    codes = ranked(outpatient_diagnoses(suggester, PRENATAL_VISIT))
    assert "Z3A.36" in codes
    assert not {"Z3A.35", "Z3A.39"} & set(codes)


@pytest.mark.parametrize(
    "text",
    [
        "TVUS: single IUP, +FHT 172 bpm, CRL c/w 9w1d.\nA/P: IUP at 9w1d - cfDNA today.",
        "MDM: IUP confirmed on US, so ectopic ruled out.\nDx: IUP with cardiac activity.",
    ],
)
def test_an_intrauterine_pregnancy_is_no_ectopic_one(suggester: Suggester, text: str) -> None:
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not any(code.startswith("O00") for code in codes)


def test_an_ectopic_pregnancy_is_still_read(suggester: Suggester) -> None:
    codes = ranked(outpatient_diagnoses(suggester, "A/P: Right tubal ectopic pregnancy."))
    assert any(code.startswith("O00.1") for code in codes)


def test_arrest_of_dilation_is_labor_s_not_a_legal_arrest(suggester: Suggester) -> None:
    text = "Preoperative diagnosis: IUP at 39w4d, arrest of dilation at 6 cm.\nLiveborn male."
    codes = anywhere(inpatient_diagnoses(suggester, text))
    assert "O62.1" in ranked(inpatient_diagnoses(suggester, text))  # arrested active phase
    assert "Z65.3" not in codes


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        (
            "G2P1 at 39w1d, scheduled repeat low transverse cesarean delivery; prior LTCS "
            "2023 for arrest of dilation; declines TOLAC.",
            "inpatient",
        ),
        ("Prenatal visit 36w1d. G3P2002.\nHx LTCS x1 (2021, arrest of dilation).", "outpatient"),
    ],
)
def test_a_past_delivery_s_arrest_of_dilation_is_not_coded(
    suggester: Suggester, text: str, setting: str
) -> None:
    # the indication of the previous cesarean, whose scar is O34.21-
    result = suggester.suggest(text, setting=setting, systems=DIAGNOSES)
    assert "O34.211" in ranked(result)
    assert not {"O62.1", "Z65.3"} & set(anywhere(result))


def test_a_legal_arrest_is_still_read(suggester: Suggester) -> None:
    text = "A/P: Stress after arrest for DUI last week - court date pending."
    assert "Z65.3" in anywhere(outpatient_diagnoses(suggester, text))


@pytest.mark.parametrize(
    "text",
    [
        "A/P: 1. Iron deficiency anemia secondary to menorrhagia - IV iron x2.",
        "A/P: Iron deficiency anemia due to heavy menstrual bleeding - ferrous sulfate.",
    ],
)
def test_iron_deficiency_anemia_from_menorrhagia_is_from_chronic_blood_loss(
    suggester: Suggester, text: str
) -> None:
    # Index: Anemia, iron deficiency, secondary to blood loss (chronic) D50.0; the
    # bleeding's own code stays beside it
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert {"D50.0", "N92.0"} <= set(codes)
    assert "D50.9" not in codes


def test_iron_deficiency_anemia_beside_menorrhagia_keeps_its_unspecified_cause(
    suggester: Suggester,
) -> None:
    # two conditions the note does not link: no cause is documented for the anemia
    text = "A/P: 1. Iron deficiency anemia - ferrous sulfate. 2. Menorrhagia - OCPs."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "D50.9" in codes and "D50.0" not in codes


def test_a_threatened_miscarriage_is_no_spontaneous_abortion(suggester: Suggester) -> None:
    text = "Dx:\n1. Threatened miscarriage, 6 weeks\n2. IUP with cardiac activity"
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert "O20.0" in ranked(outpatient_diagnoses(suggester, text))
    assert "O03.9" not in codes


def test_a_normal_exam_denies_no_encounter(suggester: Suggester) -> None:
    # "normal" before a word is that word's ("normal exam"), no cue about the follow-up
    text = "A/P:\n1. Routine postpartum follow-up, normal exam, healed laceration."
    assert "Z39.2" in ranked(outpatient_diagnoses(suggester, text))


def test_a_normal_finding_still_denies_what_it_follows(suggester: Suggester) -> None:
    result = suggester.suggest("Exam: thyroid normal.", systems=(System.ICD10CM,))
    assert not any(code.startswith("E0") for code in ranked(result))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A/P: IUP at 9w1d, primigravida of advanced maternal age - cfDNA today.", "O09.511"),
        ("A/P: G3P2002 @ 30w1d, multigravida of advanced maternal age.", "O09.523"),
        ("A/P: 1. Pregnancy with hx of preterm delivery (2019 at 33 wks), 24w3d.", "O09.212"),
    ],
)
def test_a_high_risk_supervision_takes_the_trimester_of_the_weeks(
    suggester: Suggester, text: str, code: str
) -> None:
    # Index: Pregnancy, supervision of, elderly mother / history of pre-term labor
    assert code in ranked(outpatient_diagnoses(suggester, text))


def test_a_d_and_c_is_included_in_a_hysteroscopic_polypectomy(suggester: Suggester) -> None:
    text = (
        "Procedure: Hysteroscopy, hysteroscopic polypectomy, D&C.\n"
        "Findings: 1.5 cm endometrial polyp. Polyp resected at its base. Sharp curettage "
        "of all walls."
    )
    codes = ranked(suggester.suggest(text, setting="outpatient", systems=(System.CPT,)))
    assert "58558" in codes and "58120" not in codes


POSTPARTUM_VISIT = (
    "POSTPARTUM VISIT\n"
    "CC: 6 wk PP check\n"
    "27 yo G2P2002 s/p NSVD 9/14/26 at 40w1d, 2nd degree laceration repaired.\n"
    "Pregnancy c/b GBS positive and gestational diabetes, diet controlled.\n"
    "Lochia resolved. Bottle feeding. EPDS 2.\n"
    "A/P: Routine postpartum exam, normal. Laceration healed."
)


def test_a_visit_after_the_delivery_reports_neither_its_weeks_nor_the_pregnancy(
    suggester: Suggester,
) -> None:
    # the weeks of gestation are for pregnancy encounters; the laceration, the carrier
    # state and the GDM were the delivery's and the pregnancy's (guideline I.C.15)
    codes = set(ranked(outpatient_diagnoses(suggester, POSTPARTUM_VISIT)))
    assert not {c for c in codes if c.startswith(("Z3A", "Z33", "O70", "O99.82", "O24"))}


def test_a_prenatal_plan_after_the_delivery_keeps_the_weeks(suggester: Suggester) -> None:
    # "postpartum" in a prenatal plan says nothing of today's encounter (guard)
    text = (
        "OB RETURN VISIT\n28 yo G1P0 at 32w3d. +FM, no ctx.\n"
        "A/P: IUP at 32w3d. Desires postpartum IUD; postpartum visit at 6 wks after delivery.\n"
        "GDM A1: 2-hr GTT at 6 wks postpartum."
    )
    assert "Z3A.32" in ranked(outpatient_diagnoses(suggester, text))


def test_a_delivery_names_its_laceration_by_degree_and_atony_with_hemorrhage_once(
    suggester: Suggester,
) -> None:
    text = (
        "OB DISCHARGE SUMMARY\nAdmit dx: IUP at 39w6d in spontaneous labor.\n"
        "Discharge dx:\n1. SVD of a liveborn female\n2. Second degree perineal laceration\n"
        "3. Postpartum hemorrhage due to uterine atony\n"
        "Course: Apgars 9/9. Uterine atony, responded to oxytocin and fundal massage."
    )
    codes = ranked(inpatient_diagnoses(suggester, text))
    assert {"O70.1", "O72.1"} <= set(codes)
    assert "O62.2" not in codes  # its Excludes1: atony with hemorrhage is O72.1


def test_a_kidney_stone_with_a_ureteral_stone_is_one_combination_code(
    suggester: Suggester,
) -> None:
    both = (
        "Impression: 4 mm L UVJ stone without hydronephrosis. Nonobstructing 2 mm R renal calculus."
    )
    codes = ranked(outpatient_diagnoses(suggester, both))
    assert "N20.2" in codes
    assert not {"N20.0", "N20.1"} & set(codes)
    alone = "Impression: 4 mm L UVJ stone without hydronephrosis."
    assert "N20.1" in ranked(outpatient_diagnoses(suggester, alone))


def test_a_pap_at_a_well_woman_exam_is_the_exam(suggester: Suggester) -> None:
    # Z12.4's Excludes1: screening that is part of a general gynecological exam (Z01.4-)
    text = (
        "WELL WOMAN EXAM\n44 yo G1P1 for annual exam. No complaints.\n"
        "PE: breasts nl, cervix nl, uterus nl.\n"
        "A/P: 1. Well woman exam, normal. 2. Cervical cancer screening - Pap with HPV sent."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "Z01.419" in codes
    assert "Z12.4" not in codes


def test_chronic_hypertension_in_pregnancy_is_pre_existing(suggester: Suggester) -> None:
    text = (
        "A/P: 1. Chronic hypertension complicating pregnancy - on labetalol 200 mg BID.\n"
        "2. IUP at 30w2d."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "O10.013" in codes
    assert "I10" not in codes


def test_a_vasectomy_done_is_an_encounter_for_sterilization(suggester: Suggester) -> None:
    text = "PROCEDURE: No-scalpel vasectomy, bilateral. Local anesthesia. Tolerated well."
    assert "Z30.2" in ranked(outpatient_diagnoses(suggester, text))


def test_a_failed_glucose_challenge_is_abnormal_glucose_not_gdm(suggester: Suggester) -> None:
    text = (
        "OB VISIT\n30 yo G2P1001 at 27w5d.\n"
        "A/P: Failed glucose challenge (1-hr 148) - 3-hr GTT next week. IUP 27w5d."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "O99.810" in codes
    assert not [c for c in codes if c.startswith("O24.4")]


def test_cervical_cytology_as_the_bethesda_system_reports_it(suggester: Suggester) -> None:
    text = "Pap 10/2/26: ASCUS. Reflex HPV: positive high-risk HPV. Colposcopy scheduled."
    assert {"R87.610", "R87.810"} <= set(ranked(outpatient_diagnoses(suggester, text)))


def test_menopause_with_its_symptoms_is_not_the_asymptomatic_state(
    suggester: Suggester,
) -> None:
    text = "A/P: Menopausal vasomotor symptoms - start estradiol 0.05 mg patch."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "N95.1" in codes
    assert "Z78.0" not in codes


def test_a_routine_postpartum_exam_is_the_postpartum_follow_up(suggester: Suggester) -> None:
    text = "POSTPARTUM VISIT\n6 wks s/p SVD at 39w2d.\nA/P: Routine postpartum exam."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "Z39.2" in codes
    assert not [c for c in codes if c.startswith("Z3A")]


def test_a_burns_degree_is_no_perineal_laceration(suggester: Suggester) -> None:
    # guard: O70.- needs the laceration's or the perineum's word, not a degree alone
    text = "Dx: Partial-thickness (second-degree) burn of R forearm, 2nd degree ~1% TBSA."
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not [c for c in codes if c.startswith("O70")]


def test_a_stone_with_hydronephrosis_is_the_hydronephrosis_code_alone(
    suggester: Suggester,
) -> None:
    # guard: N20's Excludes1 sends a stone with hydronephrosis to N13.2
    text = "H/o kidney stone. CT: 4 mm L UVJ stone with mild L hydronephrosis."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "N13.2" in codes
    assert not [c for c in codes if c.startswith("N20")]
