"""Encounters for antineoplastic radiation, chemotherapy and immunotherapy (Z51.0,
Z51.11, Z51.12), read where a sentence says the therapy is given at this encounter
("on adjuvant mFOLFOX6, here for cycle 5 day 1"; "pembrolizumab 200 mg IV today").

No code-set term says so: the tabular's "Encounter for antineoplastic chemotherapy" is
never how a note puts it, and the drug's name alone may be a past course ("s/p 6 cycles
of FOLFOX") or a plan. Guideline I.C.2.e.2 lists the encounter's code first, the
malignancy after it (``first_listed`` in ``rules/plausibility.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from spacy.tokens import Doc

from suggest.adverse_effects import cues_by_first_word
from suggest.doc_words import lowered_texts
from suggest.rules import read_rules
from suggest.sentences import sentence_starts

_CLAUSE_ENDS = frozenset({",", ";", ":"})


@dataclass(frozen=True)
class TreatmentEncounterRules:
    """``rules/treatment_encounters.json``, read once."""

    therapies: dict[tuple[str, ...], str]  # a therapy's words: its encounter code
    now: re.Pattern[str]
    not_now: tuple[tuple[str, ...], ...]


@cache
def treatment_encounter_rules() -> TreatmentEncounterRules:
    """The packaged rules."""
    rules = read_rules(None, "treatment_encounters.json")
    return TreatmentEncounterRules(
        therapies={
            tuple(words.split()): code for code, phrases in rules["therapies"] for words in phrases
        },
        now=re.compile("|".join(rules["now"])),
        not_now=tuple(tuple(phrase.split()) for phrase in rules["not_now"]),
    )


def treatment_encounter_readings(doc: Doc) -> list[tuple[int, int, str]]:
    """(first token, end token, encounter code) of each therapy a sentence says is given
    at this encounter: the sentence says so ("today", "C5D1", "fraction 12 of 25") and
    the therapy's own clause does not say it is past, planned, discussed or held."""
    rules = treatment_encounter_rules()
    lowered = lowered_texts(doc)
    by_first = cues_by_first_word(tuple(rules.therapies))
    if by_first.keys().isdisjoint(lowered):
        return []
    not_now = cues_by_first_word(rules.not_now)
    found: list[tuple[int, int, str]] = []
    for first, end in pairwise([*sentence_starts(doc), len(lowered)]):
        words = lowered[first:end]
        named = [
            (i, therapy)
            for i, word in enumerate(words)
            for therapy in by_first.get(word, ())
            if tuple(words[i : i + len(therapy)]) == therapy
        ]
        if not named or not rules.now.search(" ".join(words)):
            continue
        for at, therapy in named:
            clause = _clause(words, at, at + len(therapy))
            if not any(
                tuple(clause[i : i + len(phrase)]) == phrase
                for i, word in enumerate(clause)
                for phrase in not_now.get(word, ())
            ):
                found.append((first + at, first + at + len(therapy), rules.therapies[therapy]))
    return found


def _clause(words: list[str], start: int, end: int) -> list[str]:
    """The words of the clause around ``words[start:end]``: between the commas,
    semicolons and colons on either side."""
    while start > 0 and words[start - 1] not in _CLAUSE_ENDS:
        start -= 1
    while end < len(words) and words[end] not in _CLAUSE_ENDS:
        end += 1
    return words[start:end]
