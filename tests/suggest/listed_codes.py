"""The codes of a suggestion result as the US-note tests read them: the ranked list a
coder sees first, or every code ranked, the ``possible`` ones below the floor included;
and an outpatient note's diagnoses, as most of those tests ask for them."""

from __future__ import annotations

from code_index.records import System
from suggest.results import SuggestionResult
from suggest.suggester import Suggester

DIAGNOSES = (System.ICD10CM,)


def ranked(result: SuggestionResult) -> list[str]:
    """The codes of the ranked list (above the floor), best first."""
    return [s.code for s in result.suggestions]


def anywhere(result: SuggestionResult) -> list[str]:
    """Every code the result ranks, possible ones included."""
    return [s.code for s in result.ranking()]


def outpatient_diagnoses(suggester: Suggester, text: str) -> SuggestionResult:
    """``text`` coded as an outpatient note, diagnoses (ICD-10-CM) only."""
    return suggester.suggest(text, setting="outpatient", systems=DIAGNOSES)
