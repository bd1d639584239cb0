"""Encounters for antineoplastic radiation, chemotherapy and immunotherapy (Z51.0,
Z51.11, Z51.12), read where a sentence says the therapy is given at this encounter
("on adjuvant mFOLFOX6, here for cycle 5 day 1"; "pembrolizumab 200 mg IV today"); and
the personal history of such a therapy (Z92.21, Z92.3) where a sentence says it is past
("s/p resection and chemo, NED"), and the follow-up examination after the completed
treatment (Z08) where the note says the visit is its surveillance.

No code-set term says so: the tabular's "Encounter for antineoplastic chemotherapy" is
never how a note puts it, and the drug's name alone may be a past course ("s/p 6 cycles
of FOLFOX") or a plan. Guideline I.C.2.e.2 lists the encounter's code first, the
malignancy after it (``first_listed`` in ``rules/plausibility.json``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from spacy.tokens import Doc

from suggest.adverse_effects import cues_by_first_word
from suggest.doc_words import lowered_texts
from suggest.extensions import section_key
from suggest.plausibility import holds_phrase
from suggest.rules import read_rules
from suggest.sentences import clause_of, sentence_starts


@dataclass(frozen=True)
class TreatmentEncounterRules:
    """``rules/treatment_encounters.json``, read once."""

    therapies: dict[tuple[str, ...], str]  # a therapy's words: its encounter code
    now: re.Pattern[str]
    not_now: tuple[tuple[str, ...], ...]
    past_therapies: dict[tuple[str, ...], str]  # a therapy's words: its history code
    past: tuple[tuple[str, ...], ...]
    not_past: tuple[tuple[str, ...], ...]
    follow_up: str  # the encounter for follow-up after completed cancer treatment
    follow_up_cues: frozenset[str]
    follow_up_sections: frozenset[str]  # where a cue names the visit's reason
    follow_up_visit: tuple[tuple[str, ...], ...]  # or beside these words in its sentence


@cache
def treatment_encounter_rules() -> TreatmentEncounterRules:
    """The packaged rules."""
    rules = read_rules(None, "treatment_encounters.json")
    history = rules["history"]
    return TreatmentEncounterRules(
        therapies=_by_words(rules["therapies"]),
        now=re.compile("|".join(rules["now"])),
        not_now=_phrases(rules["not_now"]),
        past_therapies=_by_words(history["therapies"]),
        past=_phrases(history["past"]),
        not_past=_phrases(history["not_past"]),
        follow_up=rules["follow_up"]["code"],
        follow_up_cues=frozenset(rules["follow_up"]["cues"]),
        follow_up_sections=frozenset(rules["follow_up"]["sections"]),
        follow_up_visit=_phrases(rules["follow_up"]["visit"]),
    )


def _by_words(rows: list[list[Any]]) -> dict[tuple[str, ...], str]:
    return {tuple(words.split()): code for code, phrases in rows for words in phrases}


def _phrases(phrases: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(phrase.split()) for phrase in phrases)


def treatment_encounter_readings(doc: Doc) -> list[tuple[int, int, str]]:
    """(first token, end token, encounter code) of each therapy a sentence says is given
    at this encounter: the sentence says so ("today", "C5D1", "fraction 12 of 25") and
    the therapy's own clause does not say it is past, planned, discussed or held."""
    rules = treatment_encounter_rules()
    return _readings(
        doc,
        rules.therapies,
        lambda words: rules.now.search(" ".join(words)) is not None,
        rules.not_now,
    )


def past_treatment_readings(doc: Doc) -> list[tuple[int, int, str]]:
    """(first token, end token, history code) of each chemotherapy or radiation a
    sentence says is past ("s/p resection and chemo", "followed by RAI ablation"): the
    sentence says so and says nothing of it given now, and the therapy's own clause does
    not deny, plan or continue it ("no chemotherapy", "on adjuvant chemotherapy")."""
    rules = treatment_encounter_rules()
    return _readings(
        doc,
        rules.past_therapies,
        lambda words: holds_phrase(words, rules.past) and rules.now.search(" ".join(words)) is None,
        rules.not_past,
    )


def follow_up_readings(doc: Doc) -> list[tuple[int, int, str]]:
    """(first token, end token, Z08) of the first word that says the visit is the
    surveillance after a completed cancer treatment: in the title line or the chief
    complaint, or in a sentence that gives the visit's reason ("Here for 5-year
    surveillance"), not a plan's ("continue surveillance per oncology"); for a note that
    codes the cancer as past and gives no therapy now (guideline I.C.21.c.8)."""
    rules = treatment_encounter_rules()
    lowered = lowered_texts(doc)
    for first, end in pairwise([*sentence_starts(doc), len(lowered)]):
        words = lowered[first:end]
        for at, word in enumerate(words, first):
            if word in rules.follow_up_cues and (
                section_key(doc._.sections, doc[at].idx) in rules.follow_up_sections
                or holds_phrase(words, rules.follow_up_visit)
            ):
                return [(at, at + 1, rules.follow_up)]
    return []


def _readings(
    doc: Doc,
    therapies: dict[tuple[str, ...], str],
    sentence_says: Callable[[list[str]], bool],
    not_in_clause: tuple[tuple[str, ...], ...],
) -> list[tuple[int, int, str]]:
    """(first token, end token, code) of each of ``therapies`` named in a sentence that
    ``sentence_says`` holds, where its clause holds none of ``not_in_clause``."""
    lowered = lowered_texts(doc)
    by_first = cues_by_first_word(tuple(therapies))
    if by_first.keys().isdisjoint(lowered):
        return []
    found: list[tuple[int, int, str]] = []
    for first, end in pairwise([*sentence_starts(doc), len(lowered)]):
        words = lowered[first:end]
        named = [
            (i, therapy)
            for i, word in enumerate(words)
            for therapy in by_first.get(word, ())
            if tuple(words[i : i + len(therapy)]) == therapy
        ]
        if not named or not sentence_says(words):
            continue
        for at, therapy in named:
            if not holds_phrase(clause_of(words, at, at + len(therapy)), not_in_clause):
                found.append((first + at, first + at + len(therapy), therapies[therapy]))
    return found
