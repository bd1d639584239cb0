"""Chapters 19 and 20 on US wording (issue 15): the external cause status of an injury
(guideline I.C.20.k: Y99.0 only where the note says the event happened at paid work,
Y99.8 for an activity not done for pay, none where the note does not say), the places and
activities of the External Cause Index as ED notes write them, and the adverse effect of
a drug taken as prescribed read after the effect it caused (I.C.19.e.5.a), with the
drugs and effects US notes name. Sentences written for these tests."""

from __future__ import annotations

import pytest

from suggest.plausibility import leisure_activity
from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, ranked


# ------------------------------------------------------ external cause status
@pytest.mark.parametrize(
    "text",
    [
        # an occupation in the social history names no injury at work
        "HPI: rolled her R ankle stepping off a curb outside the mall.\n"
        "Social: Works as a teacher.\n"
        "Dx: Sprain of right ankle, initial encounter.",
        # a denied work relation is no status of work
        "HPI: twisted his R knee playing in a weekend soccer league; not work-related.\n"
        "Dx: Sprain of right knee, initial encounter.",
        "HPI: cut his L index finger on a kitchen knife.\n"
        "Dx: Laceration of left index finger, initial encounter.\nPlan: Work note given.",
    ],
)
def test_work_words_that_name_no_injury_at_work_read_no_paid_status(
    suggester: Suggester, text: str
) -> None:
    # "at work" is read from "work" alone ("at" is a stop word of every term)
    assert "Y99.0" not in anywhere(suggester.suggest(text))


def test_an_injury_the_sentence_places_at_work_keeps_its_paid_status(
    suggester: Suggester,
) -> None:
    text = (
        "HPI: 41M warehouse worker, a box fell on his L foot at work this morning.\n"
        "Dx: Contusion of left foot, initial encounter."
    )
    assert "Y99.0" in ranked(suggester.suggest(text))


@pytest.mark.parametrize(
    ("text", "activity"),
    [
        (
            "HPI: 19M playing pickup basketball at the park, landed on another player's "
            "foot and rolled his R ankle.\nDx: Sprain of right ankle, initial encounter.",
            "Y93.67",
        ),
        (
            "HPI: grabbed the hot stove burner grate while baking cookies in the kitchen of "
            "her house.\nDx: Second-degree burn of left palm, initial encounter.",
            "Y93.G3",
        ),
    ],
)
def test_an_activity_not_done_for_pay_takes_the_other_status(
    suggester: Suggester, text: str, activity: str
) -> None:
    # Y99.8: leisure, recreation or sport not for income; after the injury (I.C.20.k)
    codes = ranked(suggester.suggest(text))
    assert {activity, "Y99.8"} <= set(codes)
    assert codes.index("Y99.8") > 0


def test_no_other_status_where_the_note_speaks_of_work_or_has_no_initial_injury(
    suggester: Suggester,
) -> None:
    # a status of work is never guessed, nor its absence: a note that names a job reads
    # neither status; a follow-up (D) reports no place, activity or status (I.C.20.k)
    job = (
        "HPI: 27M twisted his R knee playing soccer. Works as an accountant.\n"
        "Dx: Sprain of right knee, initial encounter."
    )
    assert "Y99.8" not in anywhere(suggester.suggest(job))
    later = (
        "HPI: f/u R ankle sprain from playing basketball 3 wks ago, improving.\n"
        "Dx: Sprain of right ankle, subsequent encounter."
    )
    assert "Y99.8" not in anywhere(suggester.suggest(later))


def test_a_status_already_read_is_not_joined_by_the_other_one() -> None:
    assert leisure_activity(["S93.401A", "Y93.67"], ["basketball"])
    assert not leisure_activity(["S93.401A", "Y93.67", "Y99.0"], ["basketball"])
    assert not leisure_activity(["S93.401A", "Y93.67"], ["employed", "basketball"])
    assert not leisure_activity(["S93.401A", "Y92.010"], ["kitchen"])


# ------------------------------------------------ places and activities (Index)
@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (
            "HPI: collided with an opposing player on the soccer field.\n"
            "Dx: Sprain of right knee, initial encounter.",
            "Y92.322",
        ),
        (
            "HPI: cut her L forearm on a broken glass while washing dishes.\n"
            "Dx: Laceration of left forearm, initial encounter.",
            "Y93.G1",
        ),
        (
            "HPI: fell from a ladder while framing a house under construction.\n"
            "Dx: Fracture of left calcaneus, initial encounter.",
            "Y92.61",
        ),
    ],
)
def test_places_and_activities_as_ed_notes_write_them(
    suggester: Suggester, text: str, cause: str
) -> None:
    codes = ranked(suggester.suggest(text))
    assert cause in codes
    assert not codes[0].startswith(("V", "W", "X", "Y"))


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (
            "HPI: cut his R forearm on a kitchen knife while slicing bread at home.\n"
            "Dx: Laceration of right forearm, initial encounter.",
            "W26.0XXA",
        ),
        (
            "HPI: cut her L forearm on a broken drinking glass while washing dishes.\n"
            "Dx: Laceration of left forearm, initial encounter.",
            "W25.XXXA",
        ),
        (
            "HPI: grabbed the hot stove burner grate while baking cookies.\n"
            "Dx: Second-degree burn of left palm, initial encounter.",
            "X15.0XXA",
        ),
    ],
)
def test_how_a_household_injury_happened(suggester: Suggester, text: str, cause: str) -> None:
    # "Contact (with), knife" W26.0; "..., glass (sharp) (broken)" W25; "..., hot, stove
    # (kitchen)" X15.0: after the injury (I.C.20)
    codes = ranked(suggester.suggest(text))
    assert cause in codes
    assert not codes[0].startswith(("V", "W", "X", "Y"))


def test_a_knife_used_in_an_assault_is_no_accidental_contact(suggester: Suggester) -> None:
    text = (
        "HPI: stabbed in the L thigh with a kitchen knife during a fight.\n"
        "Dx: Puncture wound of left thigh, initial encounter."
    )
    assert "W26.0XXA" not in anywhere(suggester.suggest(text))


# ------------------------------------------------------------ adverse effects
@pytest.mark.parametrize(
    ("text", "effect", "drug"),
    [
        (
            "Assessment: Opioid-induced constipation - add polyethylene glycol.\n"
            "Meds: oxycodone 5 mg q6h prn.",
            "K59.03",
            "T40.2X5A",
        ),
        (
            "Assessment: ACE inhibitor-induced angioedema due to lisinopril - stop lisinopril.",
            "T78.3XXA",
            "T46.4X5A",
        ),
        (
            "Assessment: Generalized maculopapular drug eruption due to amoxicillin.",
            "L27.0",
            "T36.0X5A",
        ),
        (
            "Assessment: Arthralgia due to letrozole (aromatase inhibitor) - walking program.",
            "M25.50",
            "T38.6X5A",
        ),
    ],
)
def test_an_adverse_effect_of_a_drug_us_notes_name_follows_its_effect(
    suggester: Suggester, text: str, effect: str, drug: str
) -> None:
    codes = anywhere(suggester.suggest(text))
    assert {effect, drug} <= set(codes)
    assert codes.index(effect) < codes.index(drug)  # the nature of the effect first
    assert drug[:6] + "1" + drug[7:] not in codes  # taken as prescribed: no poisoning


def test_a_short_course_stated_once_is_no_long_term_use(suggester: Suggester) -> None:
    # "Taking the prednisone as prescribed" says it is taken, not for how long: the
    # course ("day 3 of 5") says it is brief (guideline I.C.21.c.3)
    burst = (
        "HPI: AECOPD last week, started prednisone 40 mg daily x 5 d. Taking the prednisone "
        "as prescribed, no missed doses.\nMeds: prednisone 40 mg daily (day 3 of 5), "
        "tiotropium 18 mcg daily.\nA/P: Steroid-induced hyperglycemia, no diabetes."
    )
    codes = anywhere(suggester.suggest(burst))
    assert {"R73.9", "T38.0X5A"} <= set(codes)
    assert "Z79.52" not in codes
    lasting = (
        "Meds: prednisone 5 mg daily since 2019 (unable to taper), burst 40 mg x 5 d last "
        "month.\nA/P: RA on long-term prednisone, stable."
    )
    assert "Z79.52" in anywhere(suggester.suggest(lasting))
