"""Adverse effects of a drug taken as prescribed, read from the sentence that names the
effect and says the drug caused it ("urticaria due to amoxicillin", "NSAID-induced
ulcer", "B12 deficiency due to metformin (adverse effect)"); and the same drug's
underdosing ("ran out of amlodipine", with the noncompliance code of its reason) and
poisoning ("accidental clonidine ingestion"), whose codes differ from the adverse
effect's by one character (guideline I.C.19.e.5.b and c).

ICD-10-CM codes the nature of the effect first and the drug's T36-T50 code with 5th or
6th character 5 after it (guideline I.C.19.e.5.a); the drug's class comes from the Table
of Drugs and Chemicals, which the default index does not hold, so the drugs notes name
most are listed with their code in ``rules/adverse_effects.json``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from spacy.tokens import Doc

from suggest.doc_words import lowered_texts
from suggest.rules import read_rules
from suggest.sentences import sentence_starts

CuesByFirst = dict[str, tuple[tuple[str, ...], ...]]  # phrases by their first word
_NEGATION_REACH = 3  # words before a cue that may deny it
# the noncompliance codes an underdosing takes for its intent (guideline I.C.19.e.5.c)
NONCOMPLIANCE = ("Z91.12", "Z91.13", "Z91.14")


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
    sequela: frozenset[str]  # words that say the effect is a residual one
    underdosing: UnderdosingRules
    poisoning: PoisoningRules


@dataclass(frozen=True)
class UnderdosingRules:
    """``underdosing`` of ``rules/adverse_effects.json``: cues that name the drug after
    or before them, and the noncompliance code of each reason, first that fits first."""

    after: tuple[tuple[str, ...], ...]
    before: tuple[tuple[str, ...], ...]
    window: int
    reasons: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True)
class PoisoningRules:
    """``poisoning`` of ``rules/adverse_effects.json``: cues that name the drug on either
    side, words before a cue that make it a past one and after it no poisoning, the
    intent character of each intent's phrases (first that fits first) and the one when
    none is documented."""

    cues: tuple[tuple[str, ...], ...]
    not_before: frozenset[str]
    not_after: frozenset[str]
    window: int
    intents: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    accidental: str


def _phrases(phrases: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(phrase.split()) for phrase in phrases)


@cache
def adverse_effect_rules() -> AdverseEffectRules:
    """The packaged rules."""
    rules = read_rules(None, "adverse_effects.json")
    cues = rules["cues"]
    under = rules["underdosing"]
    poisoning = rules["poisoning"]
    return AdverseEffectRules(
        after=_phrases(cues["after"]),
        before=_phrases(cues["before"]),
        sentence=_phrases(cues["sentence"]),
        window_after=int(rules["window"]["after"]),
        window_before=int(rules["window"]["before"]),
        negations=frozenset(rules["negations"]),
        drugs=dict(rules["drugs"]),
        sequela=frozenset(rules["sequela"]),
        underdosing=UnderdosingRules(
            after=_phrases(under["after"]),
            before=_phrases(under["before"]),
            window=int(under["window"]),
            reasons=tuple((code, _phrases(said)) for code, said in under["reasons"]),
        ),
        poisoning=PoisoningRules(
            cues=_phrases(poisoning["cues"]),
            not_before=frozenset(poisoning["not_before"]),
            not_after=frozenset(poisoning["not_after"]),
            window=int(poisoning["window"]),
            intents=tuple((digit, _phrases(said)) for digit, said in poisoning["intents"]),
            accidental=str(poisoning["accidental"]),
        ),
    )


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
        # a residual effect is the sequela of the adverse effect (guideline I.C.19.e.5.a
        # and I.B.10: the drug's code with 7th character S): "Chemotherapy-induced
        # peripheral neuropathy, grade 1, residual"
        sequela = not rules.sequela.isdisjoint(words)
        for at in _caused_by(words, rules):
            code = _named_member(rules.drugs[words[at]], named)
            found.append((first + at, code[:-1] + "S" if sequela else code))
    return found


@dataclass(frozen=True)
class DrugInducedRow:
    """A row of ``rules/drug_induced.json``: the codes a condition's name reads, its
    drug-induced code, and the drugs (words, or adverse-effect code prefixes) that alone
    lead there (None, (): any drug)."""

    codes: frozenset[str]
    becomes: str
    drugs: frozenset[str] | None
    drug_codes: tuple[str, ...]

    def fits(self, code: str, drugs: Collection[tuple[str, str]]) -> bool:
        """Whether the condition ``code`` caused by one of ``drugs`` ((word, adverse-effect
        code) pairs) is this row's."""
        return code in self.codes and any(
            (self.drugs is None or word in self.drugs)
            and (not self.drug_codes or drug_code.startswith(self.drug_codes))
            for word, drug_code in drugs
        )


@cache
def drug_induced_rows() -> tuple[DrugInducedRow, ...]:
    """The packaged ``rules/drug_induced.json``, narrowest rows first."""
    rules = read_rules(None, "drug_induced.json")
    return tuple(
        DrugInducedRow(
            frozenset(row["codes"]),
            row["becomes"],
            frozenset(rules[row["drugs"]]) if "drugs" in row else None,
            tuple(row.get("drug_codes", ())),
        )
        for row in rules["rows"]
    )


def drug_induced_code(code: str, drugs: Collection[tuple[str, str]]) -> str | None:
    """The drug-induced code of a condition read as ``code`` that one of ``drugs`` ((word,
    adverse-effect code) pairs said to cause it) caused: "hypothyroidism due to
    pembrolizumab" is E03.2, not E03.9 (the Index's "due to drugs" subterms)."""
    return next((row.becomes for row in drug_induced_rows() if row.fits(code, drugs)), None)


def is_drug_induced(code: str) -> bool:
    """Whether ``code`` is a condition's drug-induced code (``rules/drug_induced.json``):
    its cause is documented, so its unspecified sibling is no alternative to it."""
    return any(row.becomes == code for row in drug_induced_rows())


def drug_intent_readings(doc: Doc) -> list[tuple[int, int, str]]:
    """(first token, end token, code) of each drug a sentence says was underdosed (its
    T code with 6th character 6, and the noncompliance code of the reason the sentence
    gives, read from the reason's words) or taken in poisoning (its T code with the
    intent's character: accidental unless the sentence says otherwise)."""
    rules = adverse_effect_rules()
    lowered = lowered_texts(doc)
    if rules.drugs.keys().isdisjoint(lowered):
        return []
    starts = [*sentence_starts(doc), len(lowered)]
    found: list[tuple[int, int, str]] = []
    for first, end in pairwise(starts):
        words = lowered[first:end]
        drugs = [i for i, word in enumerate(words) if word in rules.drugs]
        if not drugs:
            continue
        underdosed = _underdosed(words, drugs, rules)
        for at in underdosed:
            found.append((first + at, first + at + 1, with_intent(rules.drugs[words[at]], "6")))
        if underdosed:
            reason = _first_said(words, rules.underdosing.reasons)
            if reason is not None:
                code, start, length = reason
                found.append((first + start, first + start + length, code))
        poisoned = _poisoned(words, drugs, rules)
        if poisoned:
            intent = _first_said(words, rules.poisoning.intents)
            digit = intent[0] if intent is not None else rules.poisoning.accidental
            found.extend(
                (first + at, first + at + 1, with_intent(rules.drugs[words[at]], digit))
                for at in poisoned
            )
    return found


def with_intent(code: str, character: str) -> str:
    """The drug's code with ``character`` where its adverse-effect code has the 5 that
    says "adverse effect": T46.1X5A -> T46.1X6A (underdosing), T36.95XA -> T36.91XA."""
    at = _intent_at(code)
    return code[:at] + character + code[at + 1 :]


def taken_as_prescribed_or_less(code: str) -> bool:
    """Whether ``code`` is a drug's adverse effect or underdosing (T36-T50 whose intent
    character is 5 or 6): neither an injury nor a poisoning, so no external cause (place,
    activity) goes with it."""
    return len(code) == 8 and "T36" <= code[:3] <= "T50" and code[_intent_at(code)] in "56"


def is_noncompliance(code: str) -> bool:
    """Whether ``code`` says why a drug was underdosed (Z91.12-, Z91.13-, Z91.14-)."""
    return code.startswith(NONCOMPLIANCE)


def _intent_at(code: str) -> int:
    """Where a T36-T50 code holds its intent: the 6th character (T46.1X5A), or the 5th
    where the 6th is a placeholder (T36.95XA)."""
    return 5 if code[6] == "X" else 6


def _underdosed(words: Sequence[str], drugs: list[int], rules: AdverseEffectRules) -> list[int]:
    """Which of the ``drugs`` (positions in a sentence's ``words``) are said to have been
    taken less than prescribed: after an ``after`` cue, in its phrase, or before a
    ``before`` cue ("furosemide 80 mg BID (not taking)")."""
    under = rules.underdosing
    taken: set[int] = set()
    for start, cue in _cues(words, under.after):
        if not _denied(words, start, rules):
            end = start + len(cue)
            taken.update(
                i
                for i in drugs
                if end <= i < end + under.window and not any(map(_breaks_list, words[end:i]))
            )
    for start, _cue in _cues(words, under.before):
        if not _denied(words, start, rules):
            taken.update(
                i
                for i in drugs
                if start - under.window <= i < start
                and not any(_breaks(w) and w not in "()" for w in words[i + 1 : start])
            )
    return sorted(taken)


def _poisoned(words: Sequence[str], drugs: list[int], rules: AdverseEffectRules) -> list[int]:
    """Which of the ``drugs`` (positions in a sentence's ``words``) are said to have been
    taken in poisoning: within the window on either side of a cue, in its clause."""
    poisoning = rules.poisoning
    taken: set[int] = set()
    for start, cue in _cues(words, poisoning.cues):
        end = start + len(cue)
        if (
            _denied(words, start, rules)
            or not poisoning.not_before.isdisjoint(words[max(0, start - _NEGATION_REACH) : start])
            or (end < len(words) and words[end] in poisoning.not_after)
        ):
            continue  # "no overdose", "history of overdose", "overdose prevention"
        after = range(end, end + poisoning.window)
        before = range(start - poisoning.window, start)
        taken.update(
            i
            for i in drugs
            if (i in after and not any(map(_breaks, words[end:i])))
            or (i in before and not any(map(_breaks, words[i + 1 : start])))
        )
    return sorted(taken)


def _denied(words: Sequence[str], start: int, rules: AdverseEffectRules) -> bool:
    """Whether a word of ``negations`` in the three words before a cue at ``start``
    denies it ("no missed doses") or makes it hypothetical ("risk of overdose")."""
    return not rules.negations.isdisjoint(words[max(0, start - _NEGATION_REACH) : start])


def _first_said(
    words: Sequence[str], said: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
) -> tuple[str, int, int] | None:
    """The value of the first entry of ``said`` whose phrase the sentence holds, with the
    phrase's position and length."""
    for value, phrases in said:
        for start, cue in _cues(words, phrases):
            return value, start, len(cue)
    return None


def _breaks_list(word: str) -> bool:
    """Whether ``word`` ends a list of drugs a cue names: punctuation but the commas,
    slashes and hyphens between its items ("ran out of amlodipine, lisinopril")."""
    return _breaks(word) and word not in (",", "/")


def _caused_by(words: Sequence[str], rules: AdverseEffectRules) -> list[int]:
    """Where in a sentence's ``words`` a drug is said to have caused an effect."""
    drugs = [i for i, word in enumerate(words) if word in rules.drugs]
    if not drugs:
        return []
    caused: set[int] = set()
    for start, cue in _cues(words, (*rules.after, *rules.before, *rules.sentence)):
        if _denied(words, start, rules):
            continue
        end = start + len(cue)
        if cue in rules.sentence:
            caused.update(drugs)
        elif cue in rules.after:
            # the drug the cue names is the first after it, in its own phrase: "due to
            # diet, on atorvastatin" blames the diet, "due to amiodarone - start
            # levothyroxine" the amiodarone
            named = next((i for i in drugs if i >= end), None)
            if (
                named is not None
                and named < end + rules.window_after
                and not any(_breaks(w) for w in words[end:named])
            ):
                caused.add(named)
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
def cues_by_first_word(cues: tuple[tuple[str, ...], ...]) -> CuesByFirst:
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
