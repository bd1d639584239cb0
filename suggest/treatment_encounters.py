"""Encounters for antineoplastic radiation, chemotherapy and immunotherapy (Z51.0,
Z51.11, Z51.12), read where a sentence says the therapy is given at this encounter
("on adjuvant mFOLFOX6, here for cycle 5 day 1"; "pembrolizumab 200 mg IV today"); and
the personal history of such a therapy (Z92.21, Z92.3) where a sentence says it is past
("s/p resection and chemo, NED"), and the follow-up examination after the completed
treatment (Z08) where the note says the visit is its surveillance. And which named
malignancies the note says were eradicated ("Papillary thyroid ca, thyroidectomy + RAI
2019. Tx completed."), whose code is their personal history (Z85.-, guideline I.C.2.d).

No code-set term says so: the tabular's "Encounter for antineoplastic chemotherapy" is
never how a note puts it, and the drug's name alone may be a past course ("s/p 6 cycles
of FOLFOX") or a plan. Guideline I.C.2.e.2 lists the encounter's code first, the
malignancy after it (``first_listed`` in ``rules/plausibility.json``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from spacy.tokens import Doc, Span

from suggest.adverse_effects import CuesByFirst, cues_by_first_word
from suggest.doc_words import lowered_texts, note_text
from suggest.extensions import MENTIONS_KEY, section_key, span_values
from suggest.plausibility import holds_phrase
from suggest.rules import read_rules
from suggest.sentences import clause_of, sentence_starts


@dataclass(frozen=True)
class TreatmentEncounterRules:
    """``rules/treatment_encounters.json``, read once."""

    therapies: dict[tuple[str, ...], str]  # a therapy's words: its encounter code
    therapies_by_first: CuesByFirst
    now: re.Pattern[str]
    not_now: tuple[tuple[str, ...], ...]
    past_therapies: dict[tuple[str, ...], str]  # a therapy's words: its history code
    past_therapies_by_first: CuesByFirst
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
    therapies = _by_words(rules["therapies"])
    past_therapies = _by_words(history["therapies"])
    return TreatmentEncounterRules(
        therapies=therapies,
        therapies_by_first=cues_by_first_word(tuple(therapies)),
        now=re.compile("|".join(rules["now"])),
        not_now=_phrases(rules["not_now"]),
        past_therapies=past_therapies,
        past_therapies_by_first=cues_by_first_word(tuple(past_therapies)),
        past=_phrases(history["past"]),
        not_past=_phrases(history["not_past"]),
        follow_up=rules["follow_up"]["code"],
        follow_up_cues=frozenset(rules["follow_up"]["cues"]),
        follow_up_sections=frozenset(rules["follow_up"]["sections"]),
        follow_up_visit=_phrases(rules["follow_up"]["visit"]),
    )


@dataclass(frozen=True)
class EradicationRules:
    """The words that say a malignancy was eradicated: the ConText rule marked
    ``eradicated`` in ``rules/context.json`` and ``rules/personal_history.json``'s
    ``eradicated``, read once."""

    cues: dict[tuple[str, ...], bool]  # a cue's words: whether remission codes say it instead
    cues_by_first: CuesByFirst
    not_before: frozenset[str]  # words a cue before describes ("disease-free margins")
    not_before_remission: frozenset[str]
    remission_coded: tuple[str, ...]  # categories with codes of their own for a remission
    reaches_back: int  # sentences
    still_treated: tuple[tuple[str, ...], ...]
    visit_sections: frozenset[str]  # where a name says what the visit is about


@cache
def eradication_rules() -> EradicationRules:
    """The packaged rules."""
    context = next(
        rule for rule in read_rules(None, "context.json")["rules"] if rule.get("eradicated")
    )
    rules = read_rules(None, "personal_history.json")["eradicated"]
    cues = {
        **{words: False for words in _phrases([*context["phrases"], *rules["cues"]])},
        # a lymphoma watched ("CLL surveillance") is current or in remission: its codes say
        **{words: True for words in _phrases(rules["remission_cues"] + rules["watched_cues"])},
    }
    return EradicationRules(
        cues=cues,
        cues_by_first=cues_by_first_word(tuple(cues)),
        not_before=frozenset(context["not_before"]),
        not_before_remission=frozenset(rules["not_before_remission"]),
        remission_coded=tuple(rules["remission_coded"]),
        reaches_back=rules["reaches_back"],
        still_treated=_phrases(context["not_with"]),
        visit_sections=frozenset(rules["visit_sections"]),
    )


_NOT_PRESENT = ("negated", "family", "hypothetical", "uncertain")
# words after a cue that name what it speaks of ("completed treatment of thyroid cancer")
_OF = frozenset({"of", "for"})


def eradicated_mentions(
    doc: Doc, malignancies: Callable[[Span], tuple[str, ...]]
) -> list[tuple[Span, str]]:
    """(mention, cue) of each mention of a primary malignancy (its codes: ``malignancies``)
    that the note says was eradicated: a cue ("NED", "no evidence of disease", "Tx
    completed", "in remission") after it in its sentence, or before it with "of" or "for"
    ("completed treatment of thyroid cancer"), or in a later sentence of its section that
    names no malignancy before the cue, where the mention's sentence is the nearest one
    before that names one ("Papillary thyroid ca, thyroidectomy + RAI 2019. Tx
    completed."); not where either sentence says it is still treated ("on adjuvant
    anastrozole"), and a remission only of a malignancy with no code of its own for one
    ("CLL in remission" is C91.11). Where the note says one was eradicated, the title
    line's or chief complaint's mentions of it too: they name what the visit is about."""
    rules = eradication_rules()
    lowered = lowered_texts(doc)
    by_first = rules.cues_by_first
    if by_first.keys().isdisjoint(lowered):
        return []
    starts = sentence_starts(doc)
    bounds = list(pairwise([*starts, len(lowered)]))
    # the words a cue opens with, by sentence: a sentence is read only there ("no",
    # "in", "disease" stand in most notes, in few of their sentences)
    opening: dict[int, list[int]] = {}
    for at in [at for at, word in enumerate(lowered) if word in by_first]:
        opening.setdefault(bisect_right(starts, at) - 1, []).append(at)
    cued = [
        (sentence, first, end, words, found_cues)
        for sentence, positions in opening.items()
        for first, end in (bounds[sentence],)
        for words in (lowered[first:end],)
        if (found_cues := _cues(words, [at - first for at in positions], rules))
    ]
    if not cued:  # the mentions are read only where a cue is
        return []
    named = _malignancies_by_sentence(doc, bounds, malignancies)
    found: list[tuple[Span, str]] = []
    for sentence, first, end, words, found_cues in cued:
        for at, cue in found_cues:
            here = named.get(sentence, [])
            after = at + len(cue)
            spoken_of = [item for item in here if item[0].end <= first + at]
            if not spoken_of and after < len(words) and words[after] in _OF:
                spoken_of = [item for item in here if item[0].start >= first + after][:1]
            said_in = words
            if not spoken_of:
                # a cue that opens its sentence speaks of the lines before it too ("Breast
                # cancer, left.\nNo evidence of disease."); one after other words, of its
                # own line ("..., total thyroidectomy + RAI 2019. Tx completed.")
                alone = not any(word.isalpha() for word in words[:at])
                earlier = _nearest_naming(doc, bounds, named, sentence, rules.reaches_back, alone)
                if earlier is None:
                    continue
                spoken_of = named[earlier]
                said_in = lowered[bounds[earlier][0] : end]
            if holds_phrase(said_in, rules.still_treated):
                continue
            cue_text = doc[first + at : first + at + len(cue)].text
            found.extend(
                (span, cue_text)
                for span, codes in spoken_of
                if not (rules.cues[cue] and all(c.startswith(rules.remission_coded) for c in codes))
            )
    if found:
        # the title line or chief complaint names what the visit is about ("CC: annual
        # f/u, breast cancer"), the cancer the note says was eradicated
        eradicated = {code[:3] for span, _ in found for code in malignancies(span)}
        cue_text = found[0][1]
        sections = doc._.sections
        found.extend(
            (span, cue_text)
            for spans in named.values()
            for span, codes in spans
            if section_key(sections, span.start_char) in rules.visit_sections
            and {code[:3] for code in codes} <= eradicated
        )
    return found


def _cues(
    words: list[str], opening: list[int], rules: EradicationRules
) -> list[tuple[int, tuple[str, ...]]]:
    """(position, cue) of each eradication cue in a sentence's ``words`` (``opening``: the
    positions, rising, of the words a cue opens with): the longest at a position, none
    that describes the word after it ("disease-free margins"), no remission after "not"
    ("not yet in remission")."""
    by_first = rules.cues_by_first
    found = []
    free = 0  # the first word no cue found holds
    for at in opening:
        fits = [cue for cue in by_first[words[at]] if tuple(words[at : at + len(cue)]) == cue]
        if not fits or at < free:
            continue
        cue = max(fits, key=len)
        free = at + len(cue)
        if free < len(words) and words[free] in rules.not_before:
            continue
        if rules.cues[cue] and rules.not_before_remission.intersection(words[max(0, at - 2) : at]):
            continue
        found.append((at, cue))
    return found


def _malignancies_by_sentence(
    doc: Doc, bounds: list[tuple[int, int]], malignancies: Callable[[Span], tuple[str, ...]]
) -> dict[int, list[tuple[Span, tuple[str, ...]]]]:
    """The mentions of a malignancy the note names as present (not negated, doubted, a
    relative's or hypothetical) with their codes, by sentence (index into ``bounds``)."""
    named: dict[int, list[tuple[Span, tuple[str, ...]]]] = {}
    sentence = 0
    for span in sorted(doc.spans.get(MENTIONS_KEY, ()), key=lambda s: s.start):
        if any(span_values(span, _NOT_PRESENT)):
            continue
        codes = malignancies(span)
        if codes:
            while bounds[sentence][1] <= span.start:
                sentence += 1
            named.setdefault(sentence, []).append((span, codes))
    return named


def _nearest_naming(
    doc: Doc,
    bounds: list[tuple[int, int]],
    named: dict[int, list[tuple[Span, tuple[str, ...]]]],
    sentence: int,
    reaches_back: int,
    other_lines: bool,
) -> int | None:
    """The nearest sentence before ``sentence`` that names a malignancy (``named``), at
    most ``reaches_back`` sentences back, in the same section and, unless ``other_lines``,
    on the same line; None where there is none."""
    sections = doc._.sections
    text = note_text(doc)
    section = section_key(sections, doc[bounds[sentence][0]].idx)
    for earlier in range(sentence - 1, max(-1, sentence - reaches_back - 1), -1):
        start, after = doc[bounds[earlier][0]].idx, doc[bounds[earlier + 1][0]].idx
        if section_key(sections, start) != section or (
            not other_lines and "\n" in text[start:after]
        ):
            return None
        if earlier in named:
            return earlier
    return None


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
        rules.therapies_by_first,
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
        rules.past_therapies_by_first,
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
    by_first: CuesByFirst,
    sentence_says: Callable[[list[str]], bool],
    not_in_clause: tuple[tuple[str, ...], ...],
) -> list[tuple[int, int, str]]:
    """(first token, end token, code) of each of ``therapies`` (``by_first``: by their
    first word) named in a sentence that ``sentence_says`` holds, where its clause holds
    none of ``not_in_clause``."""
    lowered = lowered_texts(doc)
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
