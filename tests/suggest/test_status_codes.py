"""Status, history and long-term drug therapy codes on US notes (issue 15), by the
ICD-10-CM Official Guidelines: I.C.21.c.3 (status codes, long-term drug therapy Z79.-),
I.C.21.c.4 (history Z86-Z87), I.C.14 (kidney failure), I.C.15 (pregnancy). Each test is
a class of phrasing a coder meets every day, on sentences written for it."""

from __future__ import annotations

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


def test_long_term_drugs_are_read_by_their_class(suggester: Suggester) -> None:
    # guideline I.C.21.c.3: a drug the patient takes for a chronic condition is coded by
    # its Z79 class, which the tabular's FY2025-26 Z79.6- splits by mechanism
    result = outpatient_diagnoses(
        suggester,
        "TRANSPLANT CLINIC\nKidney transplant 2021, stable graft function.\nMeds: tacrolimus "
        "3 mg BID, mycophenolate mofetil 500 mg BID, prednisone 5 mg daily, alendronate 70 "
        "mg weekly.\nA/P:\n1. Kidney transplant status - continue current immunosuppression.",
    )
    for code in ("Z79.621", "Z79.624", "Z79.52", "Z79.83"):
        assert code in ranked(result), code
    result = outpatient_diagnoses(
        suggester,
        "RHEUMATOLOGY F/U\nSLE on hydroxychloroquine 200 mg BID and methotrexate 15 mg "
        "weekly since 2023; MS on ocrelizumab, last infusion 11/2025.\nA/P:\n1. Systemic "
        "lupus erythematosus - continue hydroxychloroquine, eye exam yearly.",
    )
    for code in ("Z79.899", "Z79.631", "Z79.620"):
        assert code in ranked(result), code


def test_a_course_a_burst_or_a_taper_is_no_long_term_use(suggester: Suggester) -> None:
    # I.C.21.c.3: not for a medication given for a brief period; a case report's treatment
    # course does not say the patient is on the drug
    for text, code in (
        (
            "A 45-year-old man was admitted with a rash. Treatment with cyclosporine and "
            "mycophenolate was given with resolution of the lesions.",
            "Z79.621",
        ),
        ("A/P: COPD exacerbation - prednisone 40 mg x 5 d, azithromycin.", "Z79.52"),
        ("A/P: Asthma exacerbation - prednisone burst 40 mg, then reassess.", "Z79.52"),
        (
            "Course: methylprednisolone 40 mg IV q8h -> prednisone 40 mg daily taper.",
            "Z79.52",
        ),
        (
            "A/P: Psoriasis - add adalimumab 40 mg q2wk pending TB screening.",
            "Z79.620",
        ),
    ):
        assert code not in anywhere(outpatient_diagnoses(suggester, text)), text


def test_long_term_steroid_use_is_systemic_unless_inhaled(suggester: Suggester) -> None:
    # Z79.51 is the inhaled steroid's code; "long-term steroid use" beside oral prednisone
    # is Z79.52
    result = outpatient_diagnoses(
        suggester,
        "Meds: prednisone 10 mg daily (since 10/2025).\nA/P:\n1. Polymyalgia rheumatica - "
        "well controlled. Long-term steroid use.",
    )
    assert "Z79.52" in ranked(result)
    assert "Z79.51" not in anywhere(result)


def test_a_long_term_drug_is_never_listed_first(suggester: Suggester) -> None:
    # guideline IV.A: the first-listed code is the reason for the encounter; a Z79 code
    # says what treats a condition
    result = outpatient_diagnoses(
        suggester,
        "Meds: insulin glargine 20 units qHS, metformin 1000 mg BID.\nA/P:\n1. Type 2 "
        "diabetes mellitus with hyperglycemia - A1c 9.1%, increase glargine.",
    )
    codes = ranked(result)
    assert "Z79.4" in codes
    assert not codes[0].startswith("Z79"), codes


def test_aki_is_acute_kidney_failure_not_unspecified_kidney_failure(
    suggester: Suggester,
) -> None:
    # the Index: "Injury, kidney, acute (nontraumatic) N17.9"; N19 excludes N17.-
    for text in (
        "A/P:\n1. AKI on CKD stage 3a - prerenal from GI losses, resolving.",
        "A/P:\n2. AKI (prerenal) - IV fluids, recheck BMP.",
    ):
        result = outpatient_diagnoses(suggester, text)
        assert "N17.9" in ranked(result), text
        assert "N19" not in anywhere(result), text


def test_a_past_joint_replacement_is_its_status_with_the_side(suggester: Suggester) -> None:
    # the Index: "Presence, joint implant (prosthetic), knee Z96.65-, hip Z96.64-"; the
    # side, or both sides, from the sentence (I.B.13)
    for text, code in (
        ("PMH: HTN. Status post left total knee arthroplasty 2021.", "Z96.652"),
        ("PMH: OA, s/p R TKA 2019.", "Z96.651"),
        ("PMH: s/p bilateral TKA 2018.", "Z96.653"),
        ("PSH: s/p right total hip replacement.", "Z96.641"),
    ):
        assert code in ranked(outpatient_diagnoses(suggester, text)), text
    # the operation a note reports, or one it plans, is no status
    for text in (
        "Procedure: Right total knee arthroplasty. Preoperative diagnosis: primary "
        "osteoarthritis of the right knee.",
        "A/P: 1. Post-traumatic osteoarthritis R knee - injected today; discussed eventual TKA.",
    ):
        assert not any(
            code.startswith("Z96.6") for code in anywhere(outpatient_diagnoses(suggester, text))
        )


def test_implants_and_postprocedural_states_are_read_as_notes_name_them(
    suggester: Suggester,
) -> None:
    # the Index's "Presence, vascular implant NEC" Z95.828 (a venous access port),
    # "Presence, coronary angioplasty implant" Z95.5, "Status, bariatric surgery" Z98.84,
    # "Status, sterilization, tubal ligation" Z98.51, "Pseudophakia" Z96.1
    for text, code in (
        ("A/P: 3. Port in place - functioning, flushed.", "Z95.828"),
        ("A/P: 2. CAD native vessel, no angina; hx PCI with stent.", "Z95.5"),
        ("PMH: obesity s/p gastric bypass 2015.", "Z98.84"),
        ("PMH: s/p bilateral tubal ligation.", "Z98.51"),
        ("Other: L eye pseudophakic (phaco/IOL 2024).", "Z96.1"),
    ):
        assert code in ranked(outpatient_diagnoses(suggester, text)), text
    # Z98.61 excludes the angioplasty with its stent (Z95.5)
    result = outpatient_diagnoses(
        suggester,
        "PMH: CAD s/p PCI 2019.\nA/P: 2. CAD native vessel, no angina; hx PCI with stent.",
    )
    assert "Z95.5" in ranked(result)
    assert "Z98.61" not in anywhere(result)


def test_a_history_of_adenomatous_polyps_is_its_own_history_code(suggester: Suggester) -> None:
    # FY2026 Z86.0101 "Personal history of adenomatous and serrated colon polyps", not
    # Z86.0100 (unspecified); today's pathology is no history
    result = outpatient_diagnoses(
        suggester,
        "Indication: surveillance colonoscopy - personal history of adenomatous colon polyps.",
    )
    assert "Z86.0101" in ranked(result)
    assert "Z86.0100" not in ranked(result)
    result = outpatient_diagnoses(
        suggester, "Pathology (03/10): transverse - tubular adenoma; sigmoid - tubular adenomas x2."
    )
    assert "Z86.0101" not in anywhere(result)


def test_an_endocrine_disease_in_pregnancy_is_o99_28_with_the_condition(
    suggester: Suggester,
) -> None:
    # guideline I.C.15.a.1 and O99.2's "use additional code to identify condition": the
    # trimester from the sentence or from the weeks (Z3A), and the condition's own code
    result = outpatient_diagnoses(
        suggester,
        "A/P: 2. Hypothyroidism complicating pregnancy, first trimester - continue levothyroxine.",
    )
    assert {"O99.281", "E03.9"} <= set(ranked(result))
    result = outpatient_diagnoses(
        suggester,
        "G2P1 at 22w3d.\nA/P: 1. Hypothyroidism in pregnancy - TSH 3.1, increase "
        "levothyroxine to 100 mcg.",
    )
    assert {"O99.282", "E03.9"} <= set(ranked(result))


def test_a_survivors_surveillance_visit_is_z08_first_then_the_history(
    suggester: Suggester,
) -> None:
    # guideline I.C.21.c.8: the follow-up code explains surveillance after completed
    # treatment and is sequenced first, the history code (Z85) after it
    text = (
        "SURVIVORSHIP FOLLOW-UP\n66 yo F with history of adenocarcinoma of the ascending "
        "colon s/p right hemicolectomy and adjuvant CAPOX (completed 07/2021). Here for "
        "5-year surveillance.\nA/P:\n1. Personal history of colon cancer, s/p hemicolectomy "
        "and chemotherapy, NED - surveillance complete."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert codes[0] == "Z08", codes
    assert "Z85.038" in codes
    # a plan's surveillance at a visit for another problem is no follow-up encounter
    text = (
        "COLORECTAL SURGERY CLINIC\nNow c/o bulge around the stoma.\nA/P:\n1. Parastomal "
        "hernia, reducible - hernia belt.\n2. Personal history of sigmoid colon cancer, s/p "
        "resection and chemo, NED - continue surveillance per oncology."
    )
    assert "Z08" not in anywhere(outpatient_diagnoses(suggester, text))


def test_a_residual_adverse_effect_takes_the_sequela_character(suggester: Suggester) -> None:
    # guideline I.C.19.e.5.a with I.B.10: the nature of the effect, then the drug's code
    # with 5th/6th character 5 and, for a residual effect, 7th character S
    result = outpatient_diagnoses(
        suggester,
        "A/P:\n2. Chemotherapy-induced peripheral neuropathy, grade 1, residual - stable, no "
        "treatment needed.",
    )
    codes = anywhere(result)
    assert "T45.1X5S" in codes
    assert "T45.1X5A" not in codes
    result = outpatient_diagnoses(
        suggester, "A/P:\n1. Chemotherapy-induced peripheral neuropathy - reduce oxaliplatin."
    )
    assert "T45.1X5A" in anywhere(result)


def test_a_past_tia_or_thrombosis_is_its_history_code(suggester: Suggester) -> None:
    # the Index's "History, personal, transient ischemic attack" Z86.73, "..., venous
    # thrombosis" Z86.718, "..., pulmonary embolism" Z86.711 (I.C.21.c.4); a current
    # thrombosis is no history
    for text, code, condition in (
        (
            "CLINICAL INDICATION: Hx TIA 2024 (resolved, no residual), carotid bruit.",
            "Z86.73",
            "G45.9",
        ),
        ("PMH: h/o DVT 2019, completed anticoagulation.", "Z86.718", "I82.409"),
        ("PMH: h/o PE 2020, off anticoagulation.", "Z86.711", "I26.99"),
    ):
        result = outpatient_diagnoses(suggester, text)
        assert code in ranked(result), text
        assert condition not in ranked(result), text
    result = outpatient_diagnoses(
        suggester, "A/P: 1. Acute DVT of the left femoral vein - start apixaban."
    )
    assert "Z86.718" not in anywhere(result)


def test_hd_is_hemodialysis_but_not_a_hospital_day(suggester: Suggester) -> None:
    # "HD" in a renal sense is dependence on dialysis (Z99.2, the "use additional code" of
    # N18.6), which a manifestation of it never precedes; "HD 3" is the third hospital day
    result = outpatient_diagnoses(suggester, "A/P:\n1. ESRD on HD MWF - adequate clearance.")
    assert ranked(result)[:2] == ["N18.6", "Z99.2"], ranked(result)
    for text in (
        "A/P:\n1. Pneumonia - afebrile by HD 3, switch to PO.",
        "A/P:\n1. Pneumonia - improving on HD #2.",
    ):
        assert "Z99.2" not in anywhere(outpatient_diagnoses(suggester, text)), text


def test_a_past_surgical_history_says_its_procedures_are_past(suggester: Suggester) -> None:
    # guideline I.C.21.c.3: the status of a past operation is read from the past surgical
    # history's line though no word of it says "s/p"; the operation is no service of this
    # visit
    result = suggester.suggest(
        "PSH: L THA 2020, lap chole.\nA/P:\n1. Essential hypertension - continue lisinopril.",
        setting="outpatient",
    )
    assert "Z96.642" in ranked(result)
    assert "47562" not in anywhere(result)


def test_a_drug_the_note_stops_is_no_long_term_use(suggester: Suggester) -> None:
    # I.C.21.c.3 codes a drug the patient takes now: a drug the note says is stopped, or
    # was, is not taken, though a medication list still names it; a drug held only for a
    # while (before a procedure) still is
    for text, code in (
        (
            "Meds: aspirin 81 mg daily, atorvastatin 40 mg daily.\nA/P:\n1. Primary "
            "prevention aspirin - stop, no CAD or stroke history.\n2. HLD - continue statin.",
            "Z79.82",
        ),
        (
            "HPI: CAD s/p CABG 2015, clopidogrel stopped 2023. No angina.\nMeds: clopidogrel "
            "75 mg daily (per pharmacy list), atorvastatin 80 mg.\nA/P: CAD - continue statin.",
            "Z79.02",
        ),
    ):
        assert code not in ranked(outpatient_diagnoses(suggester, text)), text
    held = outpatient_diagnoses(
        suggester,
        "Meds: warfarin 5 mg daily, metoprolol 25 mg BID.\nA/P:\n1. Paroxysmal AF on "
        "long-term warfarin - stop warfarin 5 days before colonoscopy, resume the next day.",
    )
    assert "Z79.01" in ranked(held)
    # the word that stops one drug says nothing of the drug named after it
    switched = outpatient_diagnoses(
        suggester,
        "HPI: permanent AF. Aspirin was stopped 2024 when apixaban started.\nMeds: apixaban "
        "5 mg BID.\nA/P:\n1. Permanent atrial fibrillation - continue apixaban long-term.",
    )
    assert "Z79.01" in ranked(switched)
    assert "Z79.82" not in ranked(switched)


def test_a_dose_given_here_or_a_daily_course_is_no_long_term_use(suggester: Suggester) -> None:
    # a course written with a daily dose ("40 mg daily x 5 days") is still a course, and a
    # dose given in the department is given once (I.C.21.c.3: not for a brief period)
    result = outpatient_diagnoses(
        suggester,
        "ED course: prednisone 40 mg PO given here.\nDx: Acute gout flare, left knee.\n"
        "Plan: prednisone 40 mg daily x 5 days, PCP 1 wk.",
    )
    assert "Z79.52" not in anywhere(result)
    # a hospital or ED course names what was given there, not what the patient is on,
    # unless it says so ("DM2 on metformin", "discharged on insulin")
    course = outpatient_diagnoses(
        suggester,
        "ED course: ASA 324 mg, NTG SL x1 with relief.\nDx: Chest pain, musculoskeletal.",
    )
    assert "Z79.82" not in anywhere(course)
    started = outpatient_diagnoses(
        suggester, "Antiplatelet aggregation was started with 200 mg of ASA after the stroke."
    )
    assert "Z79.82" not in anywhere(started)


def test_an_earlier_joint_replacement_is_its_status_beside_todays_operation(
    suggester: Suggester,
) -> None:
    # the operation this note reports is no status (Z96.6- is for later encounters), but
    # the other knee replaced before it is, with its own side (I.C.21.c.3, I.B.13)
    result = outpatient_diagnoses(
        suggester,
        "OPERATIVE REPORT\nProcedure: Right total knee arthroplasty (cemented).\n"
        "Indications: 70F with end-stage R knee OA. Hx L TKA 2020, doing well.",
    )
    assert "Z96.652" in ranked(result)
    assert not {"Z96.651", "Z96.653"} & set(anywhere(result))


def test_an_organ_removed_is_its_acquired_absence(suggester: Suggester) -> None:
    # the Index's "Absence, organ, acquired": spleen Z90.81, kidney Z90.5, breast Z90.1-
    # with its side, uterus and cervix Z90.710, ovaries Z90.72-, part of the digestive tract
    # Z90.49, lung Z90.2 (I.C.21.c.3 status), where the note says the operation is past
    for text, code in (
        ("HPI: 67F s/p splenectomy 1991 (MVC), p/w LLE cellulitis.", "Z90.81"),
        ("Indication: RCC surveillance, s/p L radical nephrectomy 05/2021.", "Z90.5"),
        ("HPI: R breast IDC, s/p R modified radical mastectomy 04/2023.", "Z90.11"),
        ("HPI: s/p total abdominal hysterectomy with BSO 2012 for fibroids.", "Z90.710"),
        ("HPI: s/p bilateral salpingo-oophorectomy 2012 for fibroids.", "Z90.722"),
        ("Indication: hx cecal cancer s/p R hemicolectomy 11/2019.", "Z90.49"),
        ("Hx RUL adenocarcinoma s/p R upper lobectomy 03/2023.", "Z90.2"),
    ):
        assert code in anywhere(outpatient_diagnoses(suggester, text)), (text, code)
    # an asplenia the note says the splenectomy made is acquired, not congenital (Q89.01)
    result = outpatient_diagnoses(
        suggester, "Secondary Dx: asplenia (s/p splenectomy); HTN.\nHPI: trauma splenectomy 1991."
    )
    assert "Q89.01" not in anywhere(result)
    # the operation a note reports, or a past surgical history's line alone, is no status
    for text in (
        "Procedure: Laparoscopic splenectomy.\nIndication: ITP refractory to steroids.",
        "PSH: lap chole 2015.\nA/P: 1. HTN - continue lisinopril.",
    ):
        assert not any(
            code.startswith("Z90") for code in anywhere(outpatient_diagnoses(suggester, text))
        ), text


def test_aspirin_written_asa_is_long_term_aspirin_but_not_an_allergy_or_a_class(
    suggester: Suggester,
) -> None:
    # "cont ASA" in the statement is the provider's word that the patient stays on
    # aspirin (Z79.82, guideline I.C.21.c.3 names aspirin therapy); "ASA III" is the
    # anesthesiologist's physical status class, and an allergy to a drug is no use of it
    result = outpatient_diagnoses(
        suggester,
        "Meds: ASA 81, metoprolol succinate 50 mg.\nA/P:\n1. CAD s/p PCI with stent - no "
        "angina; cont ASA, statin.",
    )
    assert "Z79.82" in ranked(result)
    for text in (
        "Sedation: MAC, propofol (anesthesia). ASA III.\nImpression: normal colon to cecum.",
        "Allergies: aspirin (angioedema).\nA/P:\n1. Essential hypertension - continue lisinopril.",
    ):
        assert "Z79.82" not in anywhere(outpatient_diagnoses(suggester, text)), text
