"""Behavioral-health and substance-use wording the default model misread (issue 15), found
on the fifteenth session's notes (branch psych15): a drinker the note says drinks socially
read as alcohol abuse.
Sentences written for these tests, after those notes."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    "text",
    [
        "Social hx: social drinker, 2 beers on weekends. No drug use.",
        "Substance: occasional drinker (wine with dinner). Never smoker.",
        "SH: light drinker, denies binge drinking.",
    ],
)
def test_a_social_drinker_has_no_alcohol_abuse(suggester: Suggester, text: str) -> None:
    # guideline I.C.5.b.3: substance use is coded only with a disorder or a condition it
    # causes that the provider documents; "social drinker" read F10.10 at 0.96
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not [code for code in codes if code.startswith("F10")]


def test_a_social_drinker_keeps_a_use_disorder_the_note_states(suggester: Suggester) -> None:
    text = "SH: social drinker per pt. A/P: Alcohol use disorder, mild - counseled."
    assert "F10.10" in ranked(outpatient_diagnoses(suggester, text))
