"""Behavioral-health and substance-use wording the default model misread (issue 15), found
on the fifteenth session's notes (branch psych15): a drinker the note says drinks socially
read as alcohol abuse, a severe alcohol use disorder with withdrawal turned into abuse by
a drinker read elsewhere, a tobacco use disorder in remission read as current, and the
psychotic features and mania of a bipolar or schizoaffective disorder read as disorders
of their own.
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


def test_a_severe_use_disorder_with_withdrawal_stays_dependence(suggester: Suggester) -> None:
    # "Daily drinker" read F10.10 (abuse), and the combination of abuse with withdrawal
    # turned the stated severe disorder's F10.230 into F10.130
    text = (
        "HPI: Daily drinker x 20 yr (1/5th vodka/day); last drink 14 h ago.\n"
        "Impression: Alcohol use disorder, severe, with withdrawal, uncomplicated."
    )
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == "F10.230"
    assert "F10.130" not in anywhere(result)


def test_a_mild_use_disorder_with_withdrawal_stays_abuse(suggester: Suggester) -> None:
    text = "A/P: Alcohol use disorder, mild. Alcohol withdrawal, CIWA 9 - chlordiazepoxide taper."
    result = outpatient_diagnoses(suggester, text)
    assert [code for code in ranked(result) if code.startswith("F10.13")]
    assert not [code for code in anywhere(result) if code.startswith("F10.23")]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Assessment: Tobacco use disorder, cigarettes, in early remission.", "F17.211"),
        ("A/P: Tobacco use disorder, in sustained remission - no relapse.", "F17.201"),
    ],
)
def test_a_tobacco_use_disorder_in_remission_is_read(
    suggester: Suggester, text: str, code: str
) -> None:
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == code
    assert "F17.210" not in anywhere(result) and "F17.200" not in anywhere(result)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "HPI: Hx bipolar I disorder, off lithium x 2 mo. Not sleeping x 1 wk, pressured"
            " speech, grandiose.\nED course: olanzapine 10 mg IM for agitation. Psychiatry:"
            " primary mania with psychotic features.\nImpression: 1. Bipolar I disorder,"
            " current episode manic, severe, with psychotic features",
            "F31.2",
        ),
        (
            "A/P: Schizoaffective disorder, bipolar type - stable on paliperidone."
            " Hospitalized 06/2026 for mania with psychosis.",
            "F25.0",
        ),
    ],
)
def test_psychotic_features_and_mania_are_the_disorder_s_own(
    suggester: Suggester, text: str, code: str
) -> None:
    # the mood disorder's psychotic features read F23 (brief psychotic disorder) and F29,
    # its mania F30.9, and F30.9 set the bipolar F31.2 apart by F30's Excludes1
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == code
    assert not [c for c in anywhere(result) if c.startswith(("F23", "F29", "F30"))]
