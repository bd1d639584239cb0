"""Adverse effects of a drug taken as prescribed, read from the sentence that names the
effect and says the drug caused it ("urticaria due to amoxicillin", "NSAID-induced
ulcer", "B12 deficiency due to metformin (adverse effect)"); and the same drug's poisoning
("intentional acetaminophen overdose") or underdosing ("ran out of furosemide").

ICD-10-CM codes the nature of the effect first and the drug's T36-T50 code with 5th or
6th character 5 after it (guideline I.C.19.e.5.a); the drug's class comes from the Table
of Drugs and Chemicals, which the default index does not hold, so the drugs notes name
most are listed with their code in ``rules/adverse_effects.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from spacy.tokens import Doc

from suggest.doc_words import lowered_texts
from suggest.rules import read_rules
from suggest.sentences import sentence_starts

_NEGATION_REACH = 3  # words before a cue that may deny it


@dataclass(frozen=True)
class AdverseEffectRules:
    """``rules/adverse_effects.json``, read once."""

    after: tuple[tuple[str, ...], ...]
    before: tuple[tuple[str, ...], ...]
    sentence: tuple[tuple[str, ...], ...]
    window_after: int
    window_before: int
    negations: frozenset[str]
    drugs: dict[str, str]
    poisoning: tuple[tuple[str, ...], ...]
    poisoning_before: int
    poisoning_after: int
    intents: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    accidental: str
    not_now: frozenset[str]
    underdosing: tuple[tuple[str, ...], ...]
    underdosing_after: int
    underdosing_character: str


@cache
def adverse_effect_rules() -> AdverseEffectRules:
    """The packaged rules."""
    rules = read_rules(None, "adverse_effects.json")
    cues = rules["cues"]
    poisoning, underdosing = rules["poisoning"], rules["underdosing"]
    return AdverseEffectRules(
        after=tuple(tuple(cue.split()) for cue in cues["after"]),
        before=tuple(tuple(cue.split()) for cue in cues["before"]),
        sentence=tuple(tuple(cue.split()) for cue in cues["sentence"]),
        window_after=int(rules["window"]["after"]),
        window_before=int(rules["window"]["before"]),
        negations=frozenset(rules["negations"]),
        drugs=dict(rules["drugs"]),
        poisoning=tuple(tuple(cue.split()) for cue in poisoning["cues"]),
        poisoning_before=int(poisoning["window"]["before"]),
        poisoning_after=int(poisoning["window"]["after"]),
        intents=tuple(
            (character, tuple(tuple(words.split()) for words in phrases))
            for character, phrases in poisoning["intents"]
        ),
        accidental=str(poisoning["accidental"]),
        not_now=frozenset(poisoning["not_now"]),
        underdosing=tuple(tuple(cue.split()) for cue in underdosing["cues"]),
        underdosing_after=int(underdosing["window"]),
        underdosing_character=str(underdosing["character"]),
    )


def is_adverse_effect(code: str) -> bool:
    """Whether ``code`` is a drug's adverse effect (T36-T50 with 5th or 6th character 5:
    T36.0X5A, T39.315A), not its poisoning or underdosing."""
    return len(code) == 8 and "T36" <= code[:3] <= "T50" and code[6] == "5"


def adverse_effect_readings(doc: Doc) -> list[tuple[int, str]]:
    """(token position of the drug, its adverse-effect code) for each drug a sentence
    says caused an effect; a class name ("NSAID") gives way to a drug of its subcategory
    that the note names ("ibuprofen")."""
    rules = adverse_effect_rules()
    lowered = lowered_texts(doc)
    named = {rules.drugs[word] for word in lowered if word in rules.drugs}
    if not named:
        return []
    starts = [*sentence_starts(doc), len(lowered)]
    found: list[tuple[int, str]] = []
    for first, end in pairwise(starts):
        words = lowered[first:end]
        for at in _caused_by(words, rules):
            code = rules.drugs[words[at]]
            found.append((first + at, _named_member(code, named)))
    return found


def poisoning_readings(doc: Doc) -> list[tuple[int, str]]:
    """(token position of the drug, its code) for each drug a sentence names with an
    overdose ("intentional acetaminophen overdose" T39.1X2A, "accidental fentanyl
    overdose" T40.411A; the intent from the sentence's words, else accidental, guideline
    I.C.19.e.5.b) or says was taken less than prescribed ("ran out of furosemide"
    T50.1X6A, I.C.19.e.5.c): the drug's adverse-effect code with its intent character
    changed (the Table of Drugs and Chemicals' columns differ only there)."""
    rules = adverse_effect_rules()
    lowered = lowered_texts(doc)
    if not any(word in rules.drugs for word in lowered):
        return []
    starts = [*sentence_starts(doc), len(lowered)]
    found: dict[int, str] = {}
    for first, end in pairwise(starts):
        words = lowered[first:end]
        drugs = [i for i, word in enumerate(words) if word in rules.drugs]
        if not drugs:
            continue
        intent = next(
            (character for character, phrases in rules.intents if _cues(words, phrases)),
            rules.accidental,
        )
        for start, cue in _cues(words, (*rules.poisoning, *rules.underdosing)):
            before = words[max(0, start - _NEGATION_REACH) : start]
            if rules.negations.intersection(before) or rules.not_now.intersection(before):
                continue
            end_at = start + len(cue)
            overdose = cue in rules.poisoning
            reach = rules.poisoning_after if overdose else rules.underdosing_after
            named = [
                i
                for i in drugs
                if end_at <= i < end_at + reach and not any(_breaks(w) for w in words[end_at:i])
            ]
            if overdose:
                named += [i for i in drugs if start - rules.poisoning_before <= i < start]
            character = intent if overdose else rules.underdosing_character
            for i in named:
                found.setdefault(first + i, _with_intent(rules.drugs[words[i]], character))
    return sorted(found.items())


def _with_intent(code: str, character: str) -> str:
    """A drug's adverse-effect code (T39.1X5A, T36.95XA) with its intent character, the
    last digit before the 7th character, made ``character`` (T39.1X2A)."""
    at = 6 if code[6].isdigit() else 5
    return code[:at] + character + code[at + 1 :]


def _caused_by(words: Sequence[str], rules: AdverseEffectRules) -> list[int]:
    """Where in a sentence's ``words`` a drug is said to have caused an effect."""
    drugs = [i for i, word in enumerate(words) if word in rules.drugs]
    if not drugs:
        return []
    caused: set[int] = set()
    for start, cue in _cues(words, (*rules.after, *rules.before, *rules.sentence)):
        if rules.negations.intersection(words[max(0, start - _NEGATION_REACH) : start]):
            continue
        end = start + len(cue)
        if cue in rules.sentence:
            caused.update(drugs)
        elif cue in rules.after:
            caused.update(i for i in drugs if end <= i < end + rules.window_after)
            # the drug the cue names is in its own phrase: "due to diet, on atorvastatin"
            # blames the diet
            caused.difference_update(
                i for i in drugs if i >= end and any(_breaks(w) for w in words[end:i])
            )
        else:
            caused.update(i for i in drugs if start - rules.window_before <= i < start)
    return sorted(caused)


def _breaks(word: str) -> bool:
    """Whether ``word`` ends the phrase a cue names: punctuation, but not a hyphen."""
    return not word.isalnum() and word != "-"


def _cues(
    words: Sequence[str], cues: tuple[tuple[str, ...], ...]
) -> list[tuple[int, tuple[str, ...]]]:
    """(position, cue) for each cue phrase found in ``words``: at each word only the cues
    that open with it are compared (a sentence that names a drug was compared with every
    cue at every word)."""
    by_first = cues_by_first_word(cues)
    return [
        (i, cue)
        for i, word in enumerate(words)
        for cue in by_first.get(word, ())
        if tuple(words[i : i + len(cue)]) == cue
    ]


@cache
def cues_by_first_word(
    cues: tuple[tuple[str, ...], ...],
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The cues by their first word, each word's in the rules' order (the first that
    fits is the one read)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for cue in cues:
        by_first.setdefault(cue[0], []).append(cue)
    return {word: tuple(found) for word, found in by_first.items()}


def _named_member(code: str, named: set[str]) -> str:
    """A class's "other" code (T39.39-) as the code of a drug of its subcategory the note
    names (T39.31- for ibuprofen), where there is exactly one."""
    members = {other for other in named if other != code and other[:5] == code[:5]}
    if code[5] == "9" and len(members) == 1:
        return members.pop()
    return code
