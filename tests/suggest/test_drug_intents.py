"""A drug's other codes than its adverse effect (issue 15, guideline I.C.19.e.5): the
underdosing of a drug the patient ran out of, forgot or stopped, with the noncompliance
code of the reason the note gives; the poisoning of a drug taken in overdose or by
mistake, with its intent; and adverse effects of the drugs US notes name (antipsychotics,
digoxin, checkpoint inhibitors). Sentences written for these tests, after the US-note
benchmark's tuning notes."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, ranked


# ------------------------------------------------------------------ underdosing
def test_drugs_run_out_of_for_cost_are_underdosing_after_the_condition(
    suggester: Suggester,
) -> None:
    result = suggester.suggest(
        "HPI: BP 198/112 at pharmacy. Ran out of amlodipine and lisinopril 3 wks ago; "
        "couldn't afford refills.\n"
        "A/P:\n1. Hypertensive urgency - restart both today.\n2. Essential hypertension."
    )
    codes = ranked(result)
    # I.C.19.e.5.c: the condition first, the underdosing codes and the intent after it
    assert {"T46.1X6A", "T46.4X6A", "Z91.120"} <= set(codes)
    assert codes.index("I16.0") < min(codes.index(c) for c in ("T46.1X6A", "Z91.120"))
    # an underdosing is no injury: "Ran" is no external cause beside it
    assert not any(code.startswith(("W", "Y9")) for code in anywhere(result))


def test_forgotten_doses_are_unintentional_underdosing(suggester: Suggester) -> None:
    result = suggester.suggest(
        "HPI: known focal epilepsy. Pt forgot to take her levetiracetam for the last 3 "
        "days while traveling.\nDx: Breakthrough seizure in known epilepsy."
    )
    assert {"T42.6X6A", "Z91.138"} <= set(ranked(result))
    assert "Z91.128" not in anywhere(result)


def test_doses_not_missed_are_no_underdosing(suggester: Suggester) -> None:
    result = suggester.suggest(
        "HIV on ART, adherent, no missed doses of Biktarvy. Epilepsy on levetiracetam, "
        "denies missed doses.\nA/P: epilepsy, stable."
    )
    assert not any(code[6:7] == "6" or code.startswith("Z91.1") for code in anywhere(result))


# -------------------------------------------------------------------- poisoning
@pytest.mark.parametrize(
    ("text", "poisoning", "not_this"),
    [
        (
            "Dx: Accidental clonidine ingestion (poisoning), initial encounter - somnolence.",
            "T46.5X1A",
            "T46.5X5A",
        ),
        # the intent the sentence documents; accidental only when none is (I.C.19.e.5.b)
        (
            "Dx: Intentional acetaminophen overdose (suicide attempt).",
            "T39.1X2A",
            "T39.1X1A",
        ),
    ],
)
def test_a_drug_taken_in_poisoning_is_its_poisoning_code(
    suggester: Suggester, text: str, poisoning: str, not_this: str
) -> None:
    result = suggester.suggest(text)
    assert poisoning in ranked(result)
    assert not_this not in anywhere(result)


def test_overdose_prevention_is_no_poisoning(suggester: Suggester) -> None:
    result = suggester.suggest(
        "OUD in remission on buprenorphine. Naloxone kit given for fentanyl overdose "
        "prevention; no overdose of fentanyl ever."
    )
    assert not any(code.startswith("T40.41") for code in anywhere(result))


# --------------------------------------------------------------- adverse effects
@pytest.mark.parametrize(
    ("text", "drug"),
    [
        (
            "A/P: Tardive dyskinesia due to paliperidone (long-term antipsychotic) - new.",
            "T43.595A",
        ),
        ("Dx: Digoxin toxicity (adverse effect, taken as prescribed) with nausea.", "T46.0X5A"),
        # immune checkpoint inhibitors have their own class, T45.A-, not T45.1-
        (
            "TSH 18.4 - hypothyroidism due to pembrolizumab, grade 2; start levothyroxine.",
            "T45.AX5A",
        ),
    ],
)
def test_adverse_effects_of_the_drugs_us_notes_name(
    suggester: Suggester, text: str, drug: str
) -> None:
    codes = anywhere(suggester.suggest(text))
    assert drug in codes
    assert "T45.1X5A" not in codes  # the checkpoint inhibitor is not a chemotherapy drug
