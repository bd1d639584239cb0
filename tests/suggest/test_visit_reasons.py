"""The visit's reason stated only in the note's title line or chief complaint (issue 15):
a preventive visit named "WELL CHILD CHECK" or "CC: Annual physical" is the encounter's
reason (guideline IV.A), its Z00.- code first-listed (guideline I.C.21.c.16), not a
finding of the title. Notes written for these tests (branch fix11c)."""

from __future__ import annotations

from suggest.suggester import Suggester
from tests.suggest.listed_codes import ranked


def test_a_preventive_visit_named_only_in_the_title_is_coded_first(
    suggester: Suggester,
) -> None:
    # the title line was read as findings (only_findings): Z00.129 at 0.09, possible only
    text = (
        "WELL CHILD CHECK - 3 YEAR\n"
        "Established pt. Dad reports no concerns. Eats well, sleeps 11 hrs.\n"
        "Exam: Well-appearing. TMs clear. Heart RRR no murmur. Lungs clear. Abd soft.\n"
        "Vision screening passed. Hearing passed.\n"
        "A/P: Healthy 3 y/o. Anticipatory guidance: car seat, water safety. RTC 1 yr."
    )
    codes = ranked(suggester.suggest(text, "outpatient"))
    assert codes[:1] == ["Z00.129"]


def test_an_annual_physical_named_in_the_chief_complaint_is_coded_first(
    suggester: Suggester,
) -> None:
    # "annual physical" without "exam" read Z00.00 partly, far under the floor
    text = (
        "CC: Annual physical\n"
        "HPI: 50 yo M, no complaints. Exercises 3x/week, nonsmoker.\n"
        "Exam: BP 122/76. Heart RRR. Lungs clear. Abd soft.\n"
        "Assessment: Healthy adult. Colonoscopy up to date. RTC 1 yr."
    )
    codes = ranked(suggester.suggest(text, "outpatient"))
    assert codes[:1] == ["Z00.00"]


def test_a_condition_named_in_the_title_is_still_no_diagnosis(suggester: Suggester) -> None:
    # the title of an exam ordered names what is looked for, not what was found (III.B)
    text = (
        "CT ABDOMEN PELVIS - APPENDICITIS PROTOCOL\n"
        "Findings: Normal appendix. No free fluid. No lymphadenopathy.\n"
        "Impression: Normal appendix. Small hiatal hernia."
    )
    assert not any(code.startswith("K35") for code in ranked(suggester.suggest(text)))
