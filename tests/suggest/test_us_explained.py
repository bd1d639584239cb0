"""What a US note explains away (issue 15): a condition a decision rule's verdict rules
out, a symptom its documented diagnosis explains (guideline I.B.5), the reason for a
diagnostic test whose report confirms a diagnosis (IV.K). On sentences written for these
tests in the style of the benchmark's tuning notes."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import DIAGNOSES, anywhere, outpatient_diagnoses, ranked


# ------------------------------------------------------ a decision rule's verdict
@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("MDM: HEART score 2, low risk for ACS. Wells low for PE.", ("I26.99", "I24.9")),
        ("MDM: PE - Wells 0, PERC negative; no imaging.", ("I26.99",)),
        ("MDM: Chest pain - HEART score 3 for ACS, Wells 0 for DVT.", ("I24.9", "I82.40")),
    ],
)
def test_a_decision_rules_low_verdict_rules_its_condition_out(
    suggester: Suggester, text: str, never: tuple[str, ...]
) -> None:
    """Wells, PERC, HEART and TIMI are weighed to rule a condition out: one whose verdict
    is low was considered and judged unlikely (guideline IV.H codes the symptom)."""
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not [code for code in codes if code.startswith(never)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # the symptom the rule was weighed on is coded
        ("MDM: Dyspnea - Wells 0, PERC negative, no CTA.", "R06.00"),
        # a risk group of a diagnosed disease grades it
        ("Dx: Prostate cancer, low risk. Active surveillance.", "C61"),
        # a rule's verdict beside a condition found and treated
        ("A/P: Acute pulmonary embolism on apixaban, Wells 1 on arrival.", "I26.99"),
    ],
)
def test_a_risk_statement_keeps_what_it_does_not_rule_out(
    suggester: Suggester, text: str, code: str
) -> None:
    assert code in ranked(outpatient_diagnoses(suggester, text))


# ------------------------------------------ a symptom the note says its diagnosis causes
@pytest.mark.parametrize(
    ("text", "diagnosis", "symptoms"),
    [
        (
            "A/P:\n# DKA, T1DM, w/o coma. Insulin gtt per protocol.\n"
            "# Abd pain/N/V - attributable to DKA, lipase nl, monitor.",
            "E10.10",
            ("R10", "R11", "R52"),
        ),
        ("A/P: Chest pain due to GERD - start omeprazole 20 mg daily.", "K21.9", ("R07",)),
        (
            "A/P: Nausea and vomiting, 2/2 viral gastroenteritis. Zofran prn.",
            "A08.4",
            ("R11",),
        ),
    ],
)
def test_a_symptom_said_due_to_a_documented_diagnosis_is_not_coded(
    suggester: Suggester, text: str, diagnosis: str, symptoms: tuple[str, ...]
) -> None:
    """Guidelines I.B.4-5: the note says the diagnosis accounts for the symptom."""
    result = outpatient_diagnoses(suggester, text)
    assert diagnosis in ranked(result)
    assert not [code for code in ranked(result) if code.startswith(symptoms)]


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        # an uncertain cause is not coded outpatient, its symptoms are (IV.H)
        ("A/P: Nausea and vomiting, likely 2/2 viral gastroenteritis. Zofran prn.", "R11.2"),
        # a drug's adverse effect is coded with the drug (I.C.19.e)
        ("A/P: Hyperglycemia due to prednisone. Steroid taper.", "R73.9"),
        # a noun between: the cue speaks of the dose, not of the dizziness
        (
            "A/P: Dizziness with dexamethasone dose reduction due to facial palsy.",
            "R42",
        ),
    ],
)
def test_a_symptom_is_kept_where_no_diagnosis_is_said_to_cause_it(
    suggester: Suggester, text: str, symptom: str
) -> None:
    assert symptom in anywhere(outpatient_diagnoses(suggester, text))


# ------------------------------------------- a diagnostic test's reason and its result
CT_APPENDIX = (
    "CT ABDOMEN AND PELVIS WITH IV CONTRAST\n"
    "Indication: RLQ pain, fever, leukocytosis. Eval appendicitis.\n"
    "Findings: Dilated appendix 12 mm with periappendiceal fat stranding. No abscess.\n"
    "IMPRESSION:\n1. Acute appendicitis without perforation or abscess."
)


def test_a_reports_indication_gives_way_to_the_diagnosis_it_confirms(
    suggester: Suggester,
) -> None:
    """Guideline IV.K: code the confirmed diagnosis of the interpretation, not the signs
    and symptoms the test was ordered for: the indication's leukocytosis (D72.829, a sign
    coded outside chapter 18) as its pain and fever."""
    result = outpatient_diagnoses(suggester, CT_APPENDIX)
    assert ranked(result)[0].startswith("K35.8")
    assert not [code for code in ranked(result) if code.startswith(("D72.82", "R10", "R50"))]
    # what the impression says there is none of is no diagnosis either
    assert not [code for code in anywhere(result) if code.startswith("L02")]


def test_a_sign_the_statement_lists_is_coded(suggester: Suggester) -> None:
    result = outpatient_diagnoses(
        suggester, "A/P: 1. Leukocytosis, unclear cause - repeat CBC in 1 wk. 2. HTN."
    )
    assert "D72.829" in ranked(result)


# ----------------------------------------------- a discharge summary's statement
DISCHARGE = (
    "DISCHARGE SUMMARY\n"
    "Principal Dx: Community-acquired pneumonia, RLL.\n"
    "Secondary Dx: COPD, stable; HTN.\n"
    "HPI: 71 yo M with COPD presented with 3 d of fever, productive cough and dyspnea.\n"
    "Hospital course: ceftriaxone and azithromycin; afebrile by day 2.\n"
    "Discharge meds: cefpodoxime 200 mg BID x 3 more days, amlodipine 5 mg daily."
)


def test_a_principal_and_secondary_dx_line_is_the_statement(suggester: Suggester) -> None:
    """ "Principal Dx:" and "Secondary Dx:" head the provider's diagnostic statement: the
    symptoms of the history give way to the pneumonia it documents (I.B.5, IV.D)."""
    result = suggester.suggest(DISCHARGE, setting="inpatient", systems=DIAGNOSES)
    assert "J18.9" in ranked(result)
    assert not [code for code in anywhere(result) if code.startswith(("R50", "R05", "R06"))]
