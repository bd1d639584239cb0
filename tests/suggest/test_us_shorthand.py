"""Ordinary US shorthand the default model misread or missed (issue 15), found on the
eleventh session's notes: a pressure injury's stage beside its side and site, "UC,
left-sided", a cause in parentheses ("allergic rhinitis (tree/grass pollen)"), a
pathology's surgical "margins", a prior cesarean written "LTCS" or "C-section", a
prenatal "GBS carrier". Sentences written for these tests, after those notes (branch
shorthand12)."""

from __future__ import annotations

import pytest

from suggest.specificity import stage_words
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    ("text", "code", "unstaged"),
    [
        ("Assessment: L heel pressure injury stage 2.", "L89.622", "L89.629"),
        ("Assessment: Stage 2 pressure injury, R hip.", "L89.212", "L89.219"),
        ("Wound #2: R hip - stage III pressure injury, 3 x 2 cm.", "L89.213", "L89.219"),
    ],
)
def test_a_pressure_injury_keeps_its_stage_beside_its_side(
    suggester: Suggester, text: str, code: str, unstaged: str
) -> None:
    # the side names the sibling ("left heel"), and the stage its own: L89.62- stage 2
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert code in codes
    assert unstaged not in codes


def test_each_pressure_injury_of_a_sentence_has_its_own_stage(suggester: Suggester) -> None:
    text = "Assessment: Pressure injury sacrum stage 3; pressure injury L heel stage 2."
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert {"L89.153", "L89.622"} <= set(codes)
    assert "L89.623" not in codes and "L89.152" not in codes


def test_a_number_outside_the_stage_phrase_names_no_stage() -> None:
    assert stage_words("pressure injury l heel stage 2") == {"stage 2"}
    assert stage_words("Stage II pressure injury") == {"stage 2"}
    assert stage_words("pressure injury l heel , asa 81 mg , 2 wounds") == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "1) UC, left-sided - in clinical remission on mesalamine 4.8 g.",
        "A/P: Left-sided UC in remission.",
    ],
)
def test_left_sided_uc_is_left_sided_colitis(suggester: Suggester, text: str) -> None:
    # K51.5- titles drop the category's "ulcerative"; "UC" lends both its words or none
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "K51.50" in codes
    assert "K51.90" not in codes and "R41.4" not in codes  # nor left-sided neglect


def test_a_cause_in_parentheses_is_the_due_to_code(suggester: Suggester) -> None:
    # Index: Rhinitis, allergic, due to, pollen J30.1; J30.9 is for an allergen unnamed
    text = "Allergy f/u: seasonal allergic rhinitis (tree/grass pollen, skin test +) - stable."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "J30.1" in codes
    assert "J30.9" not in codes


def test_plain_allergic_rhinitis_stays_unspecified(suggester: Suggester) -> None:
    codes = ranked(outpatient_diagnoses(suggester, "A/P: Allergic rhinitis - cetirizine."))
    assert "J30.9" in codes and "J30.1" not in codes


def test_surgical_margins_are_no_anal_margin(suggester: Suggester) -> None:
    text = (
        "Path: R dorsal hand: invasive squamous cell carcinoma, deep margins involved.\n"
        "A/P: SCC R dorsal hand - excision with 4 mm margins."
    )
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not any(code.startswith("C44.5") for code in codes)  # skin of trunk, anal skin
    assert "C44.622" in codes


def test_anal_margin_is_still_read(suggester: Suggester) -> None:
    text = "Dx: squamous cell carcinoma of the anal margin."
    assert "C44.520" in ranked(outpatient_diagnoses(suggester, text))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("A: IUP 32w; Hx LTCS x1, desires repeat.", "O34.211"),
        ("A: IUP 28w2d; prior C-section, desires TOLAC.", "O34.219"),
        ("A: IUP 36w1d; GBS carrier - intrapartum PCN.", "O99.820"),
    ],
)
def test_prenatal_shorthand_reads_its_maternal_care_code(
    suggester: Suggester, text: str, code: str
) -> None:
    assert code in ranked(outpatient_diagnoses(suggester, text))


def test_a_past_cesarean_outside_pregnancy_is_no_maternal_care(suggester: Suggester) -> None:
    result = outpatient_diagnoses(suggester, "PSH: C-section 2012, appendectomy 2001.")
    assert not any(code.startswith("O34") for code in ranked(result))


@pytest.mark.parametrize(
    "text",
    [
        "MEDICARE ANNUAL WELLNESS VISIT (subsequent)\n67 yo F for AWV. PHQ-2 = 0.",
        "MEDICARE AWV\n70 yo F for AWV. No new complaints.",
    ],
)
def test_an_awv_that_says_not_first_is_no_initial_one(suggester: Suggester, text: str) -> None:
    # G0438 is the first AWV of a life (CMS pays it once); the note must say so
    codes = ranked(suggester.suggest(text, "outpatient"))
    assert "G0439" in codes
    assert "G0438" not in codes


def test_an_initial_awv_is_still_read(suggester: Suggester) -> None:
    codes = ranked(suggester.suggest("Initial AWV. 66 yo M, Medicare Part B 2025.", "outpatient"))
    assert "G0438" in codes and "G0439" not in codes


@pytest.mark.parametrize(
    ("text", "code", "unsided"),
    [
        ("PSH: R AVF creation 2023, L THA 2020.", "Z96.642", "Z96.649"),
        ("PSH: L THA 2020, R TKA 2018.", "Z96.651", "Z96.659"),
    ],
)
def test_a_list_items_side_is_its_own(
    suggester: Suggester, text: str, code: str, unsided: str
) -> None:
    # both sides in the sentence, one in the item: the item's (guideline I.B.13)
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert code in codes
    assert unsided not in codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Dx: squamous cell carcinoma of L forearm.", "C44.629"),
        ("A/P: 1. SCC, R dorsal hand - referred for excision, 4 mm margins.", "C44.622"),
    ],
)
def test_a_carcinoma_of_a_limb_part_is_of_its_skin(
    suggester: Suggester, text: str, code: str
) -> None:
    # Neoplasm table: skin, forearm / hand C44.6- (by side); read whole, not in part
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert codes[:1] == [code]
    assert "C44.92" not in codes and "C80.1" not in codes
