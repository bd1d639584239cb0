"""Dermatology, wound and burn wording the default model misread (issue 15), found on the
fifteenth session's notes (branch derm15): a burn's depth in the burn unit's words
(partial / full thickness, "3rd degree") and the back of the hand as its dorsum; skin
conditions a dermatologist names in words the titles do not use (an irritated seborrheic
keratosis, flexural atopic dermatitis, a deep tissue pressure injury, poison ivy); an
incision and drainage the note calls complicated. Sentences written for these tests,
after those notes."""

from __future__ import annotations

import pytest

from code_index.records import System
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Full-thickness burn of chest wall.", "T21.31XA"),
        ("3rd degree burn of chest wall.", "T21.31XA"),
        ("Partial-thickness burn of right upper arm.", "T22.231A"),
        ("Deep partial-thickness burn of left forearm.", "T22.212A"),
        ("Second-degree burn of dorsum of right hand.", "T23.261A"),
    ],
)
def test_a_burns_depth_and_site_in_a_burn_notes_words(
    suggester: Suggester, text: str, code: str
) -> None:
    # partial thickness is second degree, full thickness third (the ABA's terms, not the
    # Index's); the burn's unspecified-degree sibling was read in their place
    result = outpatient_diagnoses(suggester, f"Assessment: {text}")
    assert ranked(result)[0] == code


def test_a_superficial_partial_thickness_burn_is_no_first_degree_one(
    suggester: Suggester,
) -> None:
    # "superficial" is no row of its own: a superficial partial-thickness burn is second degree
    result = outpatient_diagnoses(
        suggester, "Assessment: Superficial partial-thickness burn of right forearm."
    )
    assert ranked(result)[0] == "T22.211A"
    assert "T22.111A" not in anywhere(result)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Irritated seborrheic keratosis, R mid back - shave removal.", "L82.0"),
        ("Atopic dermatitis, flexural, moderate - start dupilumab.", "L20.82"),
        ("Deep tissue pressure injury of right heel - offload.", "L89.616"),
        ("Allergic contact dermatitis due to poison ivy - prednisone taper.", "L23.7"),
        ("Poison oak dermatitis of both forearms.", "L23.7"),
    ],
)
def test_a_skin_condition_in_a_dermatologists_words(
    suggester: Suggester, text: str, code: str
) -> None:
    result = outpatient_diagnoses(suggester, f"Assessment:\n1. {text}")
    assert ranked(result)[0] == code
    assert result.suggestions[0].score >= 0.5


@pytest.mark.parametrize(
    ("text", "code", "other"),
    [
        (
            "Procedure: Complicated incision and drainage of R buttock abscess; loculations"
            " broken down, packed with iodoform gauze.",
            "10061",
            "10060",
        ),
        (
            "Procedure: I&D of L axillary abscess, single linear incision, no loculations.",
            "10060",
            "10061",
        ),
    ],
)
def test_an_incision_and_drainage_is_simple_or_complicated_by_its_words(
    suggester: Suggester, text: str, code: str, other: str
) -> None:
    # CPT 10060 is a simple or single abscess, 10061 a complicated one or several
    result = suggester.suggest(text, setting="outpatient", systems=(System.CPT,))
    codes = anywhere(result)
    assert code in ranked(result)
    assert other not in codes


@pytest.mark.parametrize(
    ("extent", "code", "not_code"),
    [
        ("Burns 24% TBSA with 12% third degree.", "T31.21", "T31.20"),
        ("TBSA 24%, of which full thickness 12%.", "T31.21", "T31.20"),
        ("Burns 24% TBSA, partial thickness only.", "T31.20", "T31.21"),
    ],
)
def test_a_burns_extent_names_its_third_degree_share(
    suggester: Suggester, extent: str, code: str, not_code: str
) -> None:
    # guideline I.C.19.d.6: T31's fifth character is the third-degree share; the share was
    # never read, so every extent was "0% to 9% third degree"
    text = f"Impression:\n- Full-thickness burns of chest wall\n- {extent}"
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert code in codes
    assert not_code not in codes


@pytest.mark.parametrize(
    ("plan", "listed"),
    [
        ("Plan: TMP-SMX DS BID x 7 days (MRSA coverage pending culture).", False),
        ("Plan: start vancomycin to cover for MRSA; culture sent.", False),
        ("Culture grew MRSA. Plan: TMP-SMX DS BID x 7 days.", True),
    ],
)
def test_an_antibiotics_coverage_names_no_organism_found(
    suggester: Suggester, plan: str, listed: bool
) -> None:
    # the drug covers the organism in case it is there: B95.62 at 0.97 (a must-not) beside
    # an abscess whose culture was pending
    text = f"Assessment:\n1. Abscess of left axilla with surrounding cellulitis.\n{plan}"
    assert ("B95.62" in anywhere(outpatient_diagnoses(suggester, text))) is listed


def test_an_abscess_of_no_site_gives_way_to_the_sited_one(suggester: Suggester) -> None:
    # L02.91 was listed third (a must-not) beside the axilla's L02.412 it repeats
    text = (
        "Exam: L axilla: 2.5 cm fluctuant tender abscess with surrounding erythema.\n"
        "Assessment:\n1. Abscess of left axilla with surrounding cellulitis - I&D today."
    )
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert {"L02.412", "L03.112"} <= set(codes)
    assert "L02.91" not in codes
    assert "L03.90" not in codes


@pytest.mark.parametrize(
    ("text", "unspecified", "specified"),
    [
        (
            "A/P:\n1. Chronic hypertension complicating pregnancy, third trimester - well"
            " controlled on labetalol.",
            "O16.3",
            "O10.013",
        ),
        (
            "Impression:\n- Third-degree burns of chest wall\n- Burns 12% TBSA.",
            "T30.0",
            "T21.31XA",
        ),
    ],
)
def test_a_condition_of_unspecified_kind_or_site_gives_way_to_the_named_one(
    suggester: Suggester, text: str, unspecified: str, specified: str
) -> None:
    # the unspecified code of its category repeats the listed specific one
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert specified in codes
    assert unspecified not in codes


def test_burns_of_one_site_are_coded_to_the_highest_degree(suggester: Suggester) -> None:
    # guideline I.C.19.d.1: T22.211A was listed beside T22.311A (a must-not); the hand's
    # second-degree burn is another site and stays
    text = (
        "Exam: R forearm volar: 6 x 4 cm deep partial-thickness burn with a central 2 x 1.5"
        " cm full-thickness area. Dorsum R hand: superficial partial-thickness burn.\n"
        "A/P:\n1. Burn of R forearm, deep partial and full thickness (third degree).\n"
        "2. Second-degree burn of back of right hand."
    )
    result = outpatient_diagnoses(suggester, text)
    codes = anywhere(result)
    assert {"T22.311A", "T23.261A"} <= set(codes)
    assert "T22.211A" not in codes
