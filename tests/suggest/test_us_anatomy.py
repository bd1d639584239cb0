"""Codes that depend on anatomy in US notes (issue 15): the site, several sites, the side,
and what a radiology or pathology report names. Each test is a class of wording the
default model misread on the US-note benchmark's tuning part, in sentences written for
these tests."""

from __future__ import annotations

from code_index.records import System
from suggest.results import SuggestionResult
from suggest.suggester import Suggester

DIAGNOSES = (System.ICD10CM,)


def anywhere(result: SuggestionResult) -> list[str]:
    """Every code the result ranks, possible ones included (what ranking metrics read)."""
    return [s.code for s in result.ranking()]


def ranked(result: SuggestionResult) -> list[str]:
    """The codes of the ranked list (above the floor), best first."""
    return [s.code for s in result.suggestions]


# ----------------------------------------------------------- deep veins, by vein
def test_a_deep_vein_thrombosis_is_coded_by_its_vein_and_side(suggester: Suggester) -> None:
    # "DVT" lends "deep vein thrombosis" whole; the tabular's "Acute embolism and
    # thrombosis of popliteal vein" never met it (Index: Thrombosis, vein, deep, by vein)
    result = suggester.suggest(
        "A/P: Acute DVT of the left popliteal vein, start apixaban.", systems=DIAGNOSES
    )
    assert ranked(result)[0] == "I82.432"
    both = suggester.suggest("Impression: Bilateral DVT of the popliteal veins.", systems=DIAGNOSES)
    assert ranked(both)[0] == "I82.433"  # the tabular's bilateral code, not two sides


def test_two_veins_of_one_thrombosis_are_two_codes(suggester: Suggester) -> None:
    # no code holds both veins: each vein's code, the side of the sentence for both
    result = suggester.suggest(
        "A/P:\n1. Acute DVT L femoral and popliteal veins.", systems=DIAGNOSES
    )
    assert {"I82.412", "I82.432"} <= set(ranked(result))
    assert not {"I82.411", "I82.431", "I82.409"} & set(ranked(result))


def test_a_dvt_without_its_vein_reads_no_vein(suggester: Suggester) -> None:
    # the rows by vein are read whole: "DVT" alone is I82.40-, the side from its sentence
    result = suggester.suggest("A/P: LLE DVT, on apixaban.", systems=DIAGNOSES)
    assert [code for code in anywhere(result) if code.startswith("I82.")] == ["I82.402"]
