"""The codes of a suggestion result as the US-note tests read them: the ranked list a
coder sees first, or every code ranked, the ``possible`` ones below the floor included."""

from __future__ import annotations

from suggest.results import SuggestionResult


def ranked(result: SuggestionResult) -> list[str]:
    """The codes of the ranked list (above the floor), best first."""
    return [s.code for s in result.suggestions]


def anywhere(result: SuggestionResult) -> list[str]:
    """Every code the result ranks, possible ones included."""
    return [s.code for s in result.ranking()]
