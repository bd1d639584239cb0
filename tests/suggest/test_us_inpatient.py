"""Inpatient hospital-medicine wording the default model misread (issue 15), found on the
fifteenth session's notes (branch hosp15): a septic shock or severe sepsis whose systemic
infection was never coded nor sequenced first (guideline I.C.1.d), and "BPH with LUTS" read
as BPH without lower urinary tract symptoms. Sentences written for these tests, after
those notes."""

from __future__ import annotations

import pytest

from suggest.results import SuggestionResult
from suggest.suggester import Suggester
from tests.suggest.listed_codes import DIAGNOSES, anywhere, ranked


def inpatient_diagnoses(suggester: Suggester, text: str) -> SuggestionResult:
    """``text`` coded as an inpatient note, diagnoses (ICD-10-CM) only."""
    return suggester.suggest(text, setting="inpatient", systems=DIAGNOSES)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        (
            "Assessment/Plan:\n1. Septic shock due to left lower lobe pneumonia, on "
            "norepinephrine. Cultures pending.\n2. Hypertension - hold amlodipine.",
            "J18.9",
        ),
        (
            "Assessment/Plan:\n1. Severe sepsis with acute kidney injury from cellulitis of "
            "the right lower leg. No septic shock.\n2. Hypertension.",
            "L03.115",
        ),
    ],
)
def test_a_septic_shock_or_severe_sepsis_codes_its_sepsis_first(
    suggester: Suggester, text: str, local: str
) -> None:
    # R65.2-: "Code first underlying infection"; I.C.1.d.1.a.ii: A41.9 where the organism
    # is not given; I.C.1.d.4: the systemic infection before the localized one
    codes = ranked(inpatient_diagnoses(suggester, text))
    assert codes[0] == "A41.9"
    assert local in codes


def test_sepsis_is_sequenced_before_its_localized_infection(suggester: Suggester) -> None:
    text = (
        "Assessment/Plan:\n1. Sepsis due to urinary tract infection, with acute metabolic "
        "encephalopathy and AKI (severe sepsis). Not in septic shock.\n"
        "2. Hypertension - hold lisinopril.\n3. Type 2 diabetes - sliding scale."
    )
    codes = ranked(inpatient_diagnoses(suggester, text))
    assert codes[0] == "A41.9"
    assert "R65.21" not in anywhere(inpatient_diagnoses(suggester, text))


def test_a_named_organism_keeps_its_own_sepsis_code(suggester: Suggester) -> None:
    text = (
        "Principal diagnosis: Sepsis due to E. coli.\nSecondary diagnoses: Acute "
        "pyelonephritis; severe sepsis with acute kidney injury, no septic shock."
    )
    codes = anywhere(inpatient_diagnoses(suggester, text))
    assert codes[0] == "A41.51"
    assert "A41.9" not in codes


def test_a_pregnancy_code_stays_before_its_sepsis(suggester: Suggester) -> None:
    # I.C.15 / I.C.1.d.7: a condition of the pregnancy is sequenced first (the rule's
    # "unless": O, P and the T80-T88 complications of care)
    text = (
        "Assessment: 1. Sepsis due to acute pyelonephritis at 24 weeks of pregnancy. "
        "2. Pyelonephritis of pregnancy, second trimester."
    )
    codes = ranked(inpatient_diagnoses(suggester, text))
    assert "A41.9" in codes and "O23.02" in codes
    assert codes[0] != "A41.9"


def test_bph_with_luts_is_n40_1(suggester: Suggester) -> None:
    text = "PMH: BPH with LUTS on tamsulosin 0.4 mg qHS."
    codes = anywhere(inpatient_diagnoses(suggester, text))
    assert "N40.1" in codes
    assert "N40.0" not in codes


@pytest.mark.parametrize(
    ("text", "sepsis"),
    [
        ("Principal diagnosis: Sepsis due to Streptococcus pneumoniae with septic shock.", "A40.3"),
        ("Assessment: Meningococcemia with septic shock, on norepinephrine.", "A39.4"),
    ],
)
def test_a_septic_shock_of_a_named_organism_is_no_unspecified_sepsis(
    suggester: Suggester, text: str, sepsis: str
) -> None:
    # the septic shock's words read A41.9 too; the organism's sepsis code is the sepsis
    result = inpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == sepsis
    assert "R65.21" in ranked(result)
    assert "A41.9" not in anywhere(result)
