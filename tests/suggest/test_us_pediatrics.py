"""Pediatric notes the default model misread (issue 15), found on the fifteenth session's
notes (branch peds15): a well-child visit whose diagnostic statement names a condition.
Sentences written for these tests, after those notes."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    "text",
    [
        "9 YEAR WELL CHILD CHECK\nA/P:\n1. Well child 9 yo.\n2. Acne vulgaris - start BPO wash.",
        "WELL CHILD VISIT\nAssessment: Well child check, 2 yo. Iron deficiency anemia - start "
        "ferrous sulfate.",
    ],
)
def test_a_well_child_visit_with_a_stated_condition_has_abnormal_findings(
    suggester: Suggester, text: str
) -> None:
    # Z00.121 "with abnormal findings" ("use additional code to identify abnormal
    # findings"): the condition the statement names at the exam is one
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert "Z00.121" in codes and "Z00.129" not in codes


def test_a_well_child_visit_with_normal_findings_has_none(suggester: Suggester) -> None:
    text = (
        "4 YEAR WELL CHILD CHECK\nExam: no rash, no murmur, no caries.\n"
        "A/P: Well child 4 yo, normal growth and development. Anticipatory guidance: "
        "water safety, car seat."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert codes[0] == "Z00.129" and "Z00.121" not in codes


@pytest.mark.parametrize(
    "text",
    [
        "PEDS ED\nHPI: 5 wk old M, born at 38w6d by NSVD, no NICU stay, now with fever.",
        "NEWBORN DISCHARGE SUMMARY\nBorn at 39w4d by spontaneous vaginal delivery, Apgars 8/9."
        "\nDischarge diagnoses: Term male newborn.",
    ],
)
def test_a_babys_birth_history_names_no_delivery_or_weeks(suggester: Suggester, text: str) -> None:
    # the weeks (Z3A), the delivery (59409, 10E0XZZ) are the mother's record's: the
    # maternity age edit (9-64) and guideline I.C.15.a.1
    result = suggester.suggest(text, setting="inpatient")
    codes = [s.code for s in result.ranking()]
    assert not [c for c in codes if c.startswith(("Z3A", "O", "59", "10E"))], codes


def test_a_mothers_delivery_keeps_its_codes(suggester: Suggester) -> None:
    text = (
        "DELIVERY NOTE\n28 yo G2P1 at 39w2d, spontaneous vaginal delivery of a liveborn "
        "male, Apgars 8/9."
    )
    codes = [s.code for s in suggester.suggest(text, setting="inpatient").ranking()]
    assert "Z3A.39" in codes and "Z37.0" in codes


def test_a_childs_vaccines_discussed_by_the_physician_are_counseled(suggester: Suggester) -> None:
    # CPT 90460: administration through 18 years with counseling by a physician or other
    # qualified professional, which a discussion of the vaccines with the parent is
    text = (
        "15 MONTH WELL CHILD CHECK\nImmunizations today: DTaP #4 (IM), MMR #1 (SC). VIS "
        "provided; vaccines and side effects discussed with father by MD, questions answered."
    )
    codes = [s.code for s in suggester.suggest(text, setting="outpatient").ranking()]
    assert "90460" in codes and "90471" not in codes and "90472" not in codes
