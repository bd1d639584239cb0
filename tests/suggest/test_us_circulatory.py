"""Circulatory conditions on US notes the default model misread (issue 15), found on the
fourteenth session's notes (branch cardio14): an old MI written with its year or after an
"s/p", a hypertrophic cardiomyopathy's type, PAD of both legs, a vein's "reflux", "CKD stage
IV", an acute stroke beside an old one without residuals, a resolved deficit, an ablated
flutter, tests the plan only sets. Sentences written for these tests, after those notes."""

from __future__ import annotations

import pytest

from code_index.records import System
from suggest.suggester import Suggester
from tests.suggest.listed_codes import DIAGNOSES, anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    "text",
    [
        "Dx: 1. CAD s/p CABG, old MI - stable",
        "HPI: 63 y/o M w/ CAD s/p CABG x3 (2018), remote MI (2009), HTN.",
    ],
)
def test_an_old_mi_after_a_past_cue_is_coded(suggester: Suggester, text: str) -> None:
    # the "s/p" of the bypass reached the MI, and an ended condition is not coded
    # outpatient; an old MI is itself the past (I25.2, guideline I.C.9.e.4)
    assert "I25.2" in ranked(outpatient_diagnoses(suggester, text))


def test_an_mi_given_a_year_is_no_acute_infarction(suggester: Suggester) -> None:
    text = "PMH: CAD - inferior MI 2015, cath showed 70% RCA, medical therapy.\nAssessment: CAD."
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not [c for c in codes if c[:3] in ("I21", "I22")]
    acute = ranked(outpatient_diagnoses(suggester, "Assessment: Acute inferior STEMI 2026."))
    assert "I21.19" in acute


@pytest.mark.parametrize(
    ("text", "code", "wrong"),
    [
        ("Assessment: Hypertrophic cardiomyopathy, EF 70%.", "I42.2", {"I42.9", "I42.1"}),
        ("Assessment: Non-obstructive hypertrophic cardiomyopathy.", "I42.2", {"I42.1"}),
        ("Assessment: HOCM with LVOT gradient 50 mmHg.", "I42.1", {"I42.2", "I42.9"}),
    ],
)
def test_a_hypertrophic_cardiomyopathy_by_its_obstruction(
    suggester: Suggester, text: str, code: str, wrong: set[str]
) -> None:
    # the Index: "Cardiomyopathy, hypertrophic (nonobstructive) I42.2; obstructive I42.1"
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert codes[0] == code
    assert wrong.isdisjoint(codes)


def test_pvcs_and_nonsustained_vt(suggester: Suggester) -> None:
    codes = ranked(
        outpatient_diagnoses(suggester, "Assessment: 1. Frequent PVCs, burden 14%, with NSVT.")
    )
    assert {"I49.3", "I47.29"} <= set(codes)
    sustained = ranked(outpatient_diagnoses(suggester, "Assessment: Sustained monomorphic VT."))
    assert "I47.29" not in sustained


def test_pad_of_both_lower_extremities_is_bilateral(suggester: Suggester) -> None:
    text = (
        "Assessment: Atherosclerotic PAD of native arteries of bilateral lower extremities "
        "with intermittent claudication, R>L."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "I70.213" in codes
    assert "I70.219" not in codes
    one = ranked(outpatient_diagnoses(suggester, "Assessment: PAD w/ claudication of R leg."))
    assert "I70.211" in one


def test_a_venous_ulcer_with_varicose_veins_by_side_and_site(suggester: Suggester) -> None:
    text = "Assessment: 1. Venous ulcer L calf w/ varicose veins, fat layer exposed - improving."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert {"I83.022", "L97.222"} <= set(codes)


@pytest.mark.parametrize(
    "text",
    [
        "IMPRESSION: Chronic venous insufficiency bilaterally with great saphenous vein reflux.",
        "Plan: Venous duplex w/ reflux study. GSV reflux 2.1 s at the SFJ.",
    ],
)
def test_a_veins_reflux_is_no_gerd(suggester: Suggester, text: str) -> None:
    assert "K21.9" not in anywhere(outpatient_diagnoses(suggester, text))


def test_acid_reflux_is_still_gerd(suggester: Suggester) -> None:
    text = "A/P: Acid reflux - start omeprazole."
    assert "K21.9" in ranked(outpatient_diagnoses(suggester, text))


@pytest.mark.parametrize(
    "text", ["A/P: 1. Stage IV CKD. 2. HTN.", "A/P: 1. CKD stage IV - stable. 2. HTN."]
)
def test_stage_iv_in_capitals_is_stage_4(suggester: Suggester, text: str) -> None:
    # "IV" is the intravenous abbreviation only elsewhere: "Stage IV CKD" read N18.6 and I12.0
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert {"N18.4", "I12.9"} <= set(codes)
    assert {"N18.6", "I12.0"}.isdisjoint(codes)


def test_an_acute_stroke_beside_an_old_one_without_residuals(suggester: Suggester) -> None:
    text = (
        "Principal Dx: Acute ischemic stroke, L MCA territory, cardioembolic\n"
        "Secondary Dx: New-onset atrial fibrillation; right hemiparesis; expressive aphasia; "
        "HTN; hx of prior stroke (2019) w/o residual deficits\n"
        "Hospital course:\n# Prior stroke 2019 (R cerebellar) - no residual deficits per pt."
    )
    result = suggester.suggest(text, setting="inpatient", systems=DIAGNOSES)
    codes = anywhere(result)
    assert not [c for c in codes if c.startswith("I69")]
    assert {"G81.91", "R47.01", "Z86.73"} <= set(ranked(result))


def test_a_resolved_deficit_is_no_sequela(suggester: Suggester) -> None:
    text = (
        "HPI: R MCA ischemic stroke 02/2024 w/ residual L hemiparesis. Dysphagia after the "
        "stroke resolved by 2024 - eating regular diet."
    )
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert "I69.391" not in codes
    kept = "Assessment: Old stroke with residual dysphagia and L hemiparesis."
    assert "I69.391" in ranked(outpatient_diagnoses(suggester, kept))


def test_an_ablated_flutter_without_recurrence_is_not_coded(suggester: Suggester) -> None:
    text = (
        "Assessment: 3. Hx of typical atrial flutter s/p CTI ablation - no recurrence. "
        "4. HTN - controlled."
    )
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert "I48.3" not in codes
    assert "I10" in codes
    # the cue reaches the few words before it, not the sentence's other conditions
    hpi = (
        "HPI: 59F w/ HTN, paroxysmal AF, s/p cavotricuspid isthmus ablation for typical atrial "
        "flutter 2021 (no recurrence), referred for palpitations."
    )
    assert {"I48.0", "I10"} <= set(ranked(outpatient_diagnoses(suggester, hpi)))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Plan: Will schedule exercise stress test.", "93015"),
        ("Plan: Venous duplex of R leg w/ reflux study ordered.", "93970"),
        ("Plan: Obstructive HCM. TTE to be scheduled before mavacamten.", "93306"),
    ],
)
def test_a_test_the_plan_only_sets_is_no_service(
    suggester: Suggester, text: str, code: str
) -> None:
    result = suggester.suggest(text, setting="outpatient", systems=(System.CPT,))
    assert code not in anywhere(result)


def test_a_stress_test_is_no_psychosocial_stress(suggester: Suggester) -> None:
    text = "Plan: Will schedule exercise stress test."
    assert "Z73.3" not in anywhere(outpatient_diagnoses(suggester, text))


def test_tests_done_today_stay(suggester: Suggester) -> None:
    text = (
        "ABI (performed in clinic today, bilateral, resting and post-exercise): R 0.58, L 0.79.\n"
        "Procedure: screening colonoscopy as scheduled. Cecum reached. Polyp removed with snare."
    )
    result = suggester.suggest(text, setting="outpatient", systems=(System.CPT,))
    assert {"93922", "45385"} <= set(anywhere(result))
