"""Primary-care and hospital wording the default model misread (issue 15), found on the
fourteenth session's notes (branch gen14): C. difficile by its short names and a first
episode read as recurrent, a negative antigen test naming its organisms before the
specimen, a depression's "partial response" read as partial remission, and "major
depression" by episode and severity. Sentences written for these tests, after those notes."""

from __future__ import annotations

import pytest

from code_index.index import CodeIndex
from code_index.records import System
from suggest.suggester import Suggester
from suggest.terms import default_descendant
from tests.suggest.listed_codes import anywhere, outpatient_diagnoses, ranked


@pytest.mark.parametrize(
    ("header", "default"),
    [("A04.7", "A04.72"), ("C22", "C22.9")],
)
def test_a_child_not_specified_as_its_siblings_is_the_header_default(
    default_index: CodeIndex, header: str, default: str
) -> None:
    # A04.71 "..., recurrent" was the header's default: the Index gives the plain term
    # A04.72 "... not specified as recurrent" (and "liver, malignant" C22.9)
    record = default_index.get(header, System.ICD10CM)
    assert record is not None
    found = default_descendant(default_index, record)
    assert found is not None and found.code == default


@pytest.mark.parametrize(
    "text",
    [
        "Impression:\n1. Clostridioides difficile colitis, initial episode",
        "Impression:\n1. C. diff colitis",
        "A/P: Clostridium difficile colitis - start PO vancomycin.",
    ],
)
def test_c_diff_colitis_is_a04_72(suggester: Suggester, text: str) -> None:
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == "A04.72"
    assert "A04.71" not in anywhere(result) and "K52.9" not in ranked(result)


def test_recurrent_c_diff_is_a04_71(suggester: Suggester) -> None:
    text = "A/P: Recurrent C. diff colitis - second episode, start fidaxomicin."
    assert ranked(outpatient_diagnoses(suggester, text))[0] == "A04.71"


@pytest.mark.parametrize(
    "text",
    [
        "Micro: Legionella and pneumococcal urine Ag neg.",
        "Legionella urine antigen negative, MRSA nares PCR negative.",
    ],
)
def test_a_negative_antigen_test_names_no_infection(suggester: Suggester, text: str) -> None:
    codes = anywhere(outpatient_diagnoses(suggester, text))
    assert not [code for code in codes if code.startswith(("A48.1", "J15.21", "B95.62"))]


def test_a_negative_test_keeps_the_diagnosis_before_its_clause(suggester: Suggester) -> None:
    text = "Assessment: CAP, Legionella urine Ag neg, on ceftriaxone."
    assert "J18.9" in ranked(outpatient_diagnoses(suggester, text))


def test_partial_response_is_no_partial_remission(suggester: Suggester) -> None:
    text = "Assessment:\n1. MDD recurrent moderate - partial response to sertraline."
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == "F33.1"
    assert "F33.41" not in anywhere(result)


def test_partial_remission_said_is_read(suggester: Suggester) -> None:
    text = "Assessment: Major depressive disorder, recurrent, in partial remission."
    assert ranked(outpatient_diagnoses(suggester, text))[0] == "F33.41"


def test_major_depression_keeps_its_episode_and_severity(suggester: Suggester) -> None:
    result = outpatient_diagnoses(suggester, "Assessment: Major depression, recurrent, moderate")
    assert ranked(result)[0] == "F33.1"
    assert "F33.9" not in ranked(result)


def test_a_substance_use_gives_way_to_its_use_disorder(suggester: Suggester) -> None:
    # guideline I.C.5.b.2: use, abuse and dependence of one substance, the highest alone
    text = (
        "HPI: Uses cannabis (smoked) most evenings to sleep.\n"
        "A/P:\n1. Cannabis use disorder, mild - motivational interviewing."
    )
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == "F12.10"
    assert not [c for c in ranked(result) if c.startswith("F12.9")]
    kinds = {w.kind for s in result.not_coded if s.code == "F12.90" for w in s.warnings}
    assert "hierarchy" in kinds


def test_another_substance_keeps_its_own_level(suggester: Suggester) -> None:
    text = "A/P:\n1. Alcohol use disorder, severe, in early remission.\n2. Cannabis use, daily."
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert "F10.21" in codes


def test_a_recurrence_documented_sets_the_not_specified_sibling_apart(
    suggester: Suggester,
) -> None:
    text = (
        "HPI: 3rd episode C. difficile infection in 6 mo. Stool C diff PCR +.\n"
        "Impression:\n1. Recurrent Clostridioides difficile colitis (3rd episode)."
    )
    result = outpatient_diagnoses(suggester, text)
    assert ranked(result)[0] == "A04.71"
    assert "A04.72" not in ranked(result)


def test_a_dependence_gives_way_to_its_remission(suggester: Suggester) -> None:
    # guideline I.C.5.b.1: the remission documented is the encounter's
    text = (
        "HPI: Alcohol use disorder, severe - last drink 7/2026 after residential tx.\n"
        "A/P:\n1. Alcohol use disorder, severe, in early remission - continue naltrexone."
    )
    codes = ranked(outpatient_diagnoses(suggester, text))
    assert codes[0] == "F10.21"
    assert "F10.20" not in codes
