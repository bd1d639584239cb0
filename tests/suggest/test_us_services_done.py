"""Services a US note documents as done at this encounter, not only ordered, resulted
before or declined (CPT: code the services performed). Notes written for these tests
(branch proc13); each class failed on main before its fix."""

from __future__ import annotations

from code_index.records import System
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere

PROCEDURES = (System.CPT, System.HCPCS)

_OFFICE_LABS = (
    "FAMILY MEDICINE - OFFICE VISIT\n"
    "Last labs (09/12/2026, Quest): Cr 1.0, eGFR 68, UACR 18 mg/g, ferritin 45.\n"
    "In-office testing today:\n"
    "- POC A1c: 7.4% (prior 7.9%)\n"
    "- UA dipstick (CLIA-waived, no micro): LE 2+, nitrite positive\n"
    "Labs ordered for next visit (to be drawn at Quest): CMP, lipid panel, urine "
    "microalbumin/creatinine ratio.\n"
)
_ED_TROPONIN = (
    "ED NOTE\nCC: chest pain\n"
    "ECG: NSR, no ST elevation. hs-Troponin 0h 6 ng/L, 2h 7 ng/L (negative).\n"
    "MDM: moderate.\n"
)


def services(suggester: Suggester, text: str) -> list[str]:
    """Every CPT/HCPCS code ranked for an outpatient ``text``, possible ones included."""
    return anywhere(suggester.suggest(text, "outpatient", systems=PROCEDURES))


def test_labs_done_in_the_office_are_coded(suggester: Suggester) -> None:
    # neither was read: "A1c" is no term of its own, "UA dip" lacked the urine
    codes = services(suggester, _OFFICE_LABS)
    assert "83036" in codes and "81002" in codes


def test_labs_only_ordered_or_resulted_before_are_not(suggester: Suggester) -> None:
    # 82043, 82728, 80053 and 80061 came at 0.7-0.9: the results of an earlier outside
    # draw and an order for the next visit are no service of this one
    codes = services(suggester, _OFFICE_LABS)
    assert not {"82043", "82728", "80053", "80061"} & set(codes)


def test_an_emergency_physician_s_troponin_reading_is_no_lab_service(
    suggester: Suggester,
) -> None:
    # 84484 came at 0.71: the hospital laboratory runs the troponin
    assert "84484" not in services(suggester, _ED_TROPONIN)


def test_a_study_the_note_says_was_not_obtained_is_not_coded(suggester: Suggester) -> None:
    # 71045 and 71046 came: "not obtained" after the study's name denies it
    text = (
        "ED NOTE\nCC: wheezing\n"
        "DuoNeb x 3 given by RT. CXR not obtained (no focal findings, afebrile).\n"
        "MDM: moderate.\n"
    )
    codes = services(suggester, text)
    assert "94640" in codes
    assert not {"71045", "71046"} & set(codes)


def test_a_layered_closure_is_no_simple_repair_beside_it(suggester: Suggester) -> None:
    # 12001 and 12002 came at 0.54 beside 12032: the intermediate repair includes the
    # simple one of the same wound
    text = (
        "ED PROVIDER NOTE\n"
        "Exam: R volar forearm: 3.4 cm linear laceration through dermis into fat.\n"
        "Procedure - laceration repair: irrigated, explored, no foreign body. Layered "
        "closure: deep 4-0 Vicryl, skin 5-0 nylon. Length 3.4 cm.\n"
    )
    codes = services(suggester, text)
    assert "12032" in codes
    assert not {"12001", "12002"} & set(codes)


def test_a_drug_injected_now_is_its_administration(suggester: Suggester) -> None:
    # 96372 was never suggested: "IM" with a dose given now is the injection's service
    text = (
        "ED NOTE\nCC: wheezing\nED course:\n- DuoNeb (ipratropium-albuterol) neb x 3\n"
        "- Dexamethasone 16 mg IM x1 (L deltoid)\nMDM: moderate.\n"
    )
    assert "96372" in services(suggester, text)


def test_an_injection_before_arrival_or_on_a_schedule_is_not_this_visit_s(
    suggester: Suggester,
) -> None:
    text = (
        "ED NOTE\nSchool nurse gave epinephrine 0.3 mg IM (EpiPen) 20 min PTA.\n"
        "Meds: paliperidone palmitate 156 mg IM monthly.\n"
        "Tdap 0.5 mL IM given L deltoid by RN.\n"
    )
    codes = services(suggester, text)
    assert "96372" not in codes and "90471" in codes


def test_an_interval_history_says_the_patient_is_established(suggester: Suggester) -> None:
    # no E/M level came: the note states its MDM but not "established patient"; only a
    # patient seen before has an interval history or a 3-month follow-up
    text = (
        "CARDIOLOGY OFFICE VISIT\n"
        "78 yo F w/ persistent AF, HTN, here for 3 mo f/u.\n"
        "Interval: NYHA II, stable, no syncope.\n"
        "A/P: AF, rate controlled - continue diltiazem. Moderate MDM.\n"
    )
    assert "99214" in services(suggester, text)


def test_a_study_dated_before_the_visit_is_not_coded(suggester: Suggester) -> None:
    # 93306 came at 0.88 from an earlier echo; 85610 was not read from "INR"
    text = (
        "CARDIOLOGY OFFICE VISIT\n"
        "HFpEF (EF 60% on echo 1/2026, grade II diastolic dysfunction).\n"
        "Echo 01/2026: severe calcific AS, AVA 0.8 cm2.\n"
        "POC INR today: 2.4.\n"
    )
    codes = services(suggester, text)
    assert "93306" not in codes and "85610" in codes


def test_an_exercise_stress_test_is_no_fetal_non_stress_test(suggester: Suggester) -> None:
    # 59025 came from "stress test" in an ED chest-pain plan
    text = "ED NOTE\nCC: chest pain\nDispo: observation for serial ECGs and stress test.\n"
    assert "59025" not in services(suggester, text)


def test_an_injection_today_before_a_schedule_is_given_now(suggester: Suggester) -> None:
    # the clause "... - cyanocobalamin 1000 mcg IM today" gives the B12 shot now
    text = (
        "A/P: Vitamin B12 deficiency without anemia, due to long-term metformin - "
        "cyanocobalamin 1000 mcg IM today, then weekly x 4, then monthly.\n"
    )
    assert "96372" in services(suggester, text)


def test_no_category_ii_code_is_read_from_words(suggester: Suggester) -> None:
    # 1036F came at 0.72 from "never smoker", 3046F from an A1c: quality measures a
    # practice chooses to report, not services the note documents
    text = (
        "OFFICE VISIT\nSocial: never smoker.\n"
        "A/P: T2DM, uncontrolled - A1c 9.4%. Moderate MDM. Est pt.\n"
    )
    codes = services(suggester, text)
    assert not {"1036F", "3046F"} & set(codes)
    assert "99214" in codes


def test_a_heading_that_says_today_speaks_of_its_labs(suggester: Suggester) -> None:
    # "Labs today:" is split off at its colon: its labs were dropped as not done here
    text = "ENDOCRINE F/U\nLabs today: TSH 1.9 (was 7.4), free T4 1.2.\n"
    codes = services(suggester, text)
    assert "84443" in codes and "84439" in codes


def test_a_report_titled_xr_is_read_as_an_x_ray(suggester: Suggester) -> None:
    # "XR CHEST 2 VIEWS" read nothing; the dated comparison no longer stands in for it
    text = (
        "XR CHEST 2 VIEWS (PA AND LATERAL)\nComparison: CXR 03/12/2025.\n"
        "Findings: clear lungs.\nImpression: no acute process.\n"
    )
    codes = services(suggester, text)
    assert "71046" in codes and "71045" not in codes
