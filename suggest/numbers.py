"""Numbers in a note: which of them are code detail, and the details read from a value.

A code's number (type 1 or 2 diabetes, CKD stage 5, BMI 34.0-34.9) must come from the
phrase that states it, never from a number that happens to sit in the same sentence:
the list marker of "1. Type 2 diabetes", the dose of "amlodipine 5 mg", the vital
sign of "HR 88" or the lab value of "A1c 7.2". The rules (``rules/numbers.json``) say
what such numbers look like; the mention matcher leaves them out, and takes a number
into a term only beside another word of that term ("stage 3b", "type 2").

Some details are values read by a pattern rather than words of a term: a BMI value
falls in one Z68 band, weeks of gestation in one Z3A code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from spacy.tokens import Doc, Span

from code_index.records import System
from suggest.doc_words import note_text
from suggest.rules import read_rules

T = TypeVar("T")
LIST_MARKER_ENDS = frozenset({".", ")"})
UPPER_BOUND_REACH = 12  # characters before a value's phrase its "less than" may stand in


@dataclass(frozen=True)
class ValueRule:
    """A detail read from a value: the pattern (the first of its groups that matched is
    the value, so one pattern may say it two ways) and the code of each band
    ``(low, high, code)`` it may fall in."""

    name: str
    pattern: re.Pattern[str]
    system: System
    code_prefix: str
    bands: tuple[tuple[float, float, str], ...]
    requires_codes: tuple[str, ...] = ()  # reported only beside a code of these prefixes
    not_within: tuple[str, ...] = ()  # words of its sentence that make it another measure
    not_in_notes_with: tuple[str, ...] = ()  # notes where the code is never reported
    share: re.Pattern[str] | None = None  # a part of the value its sentence also gives

    def code_for(self, value: float) -> str | None:
        """The code of the band ``value`` falls in, if any."""
        for low, high, code in self.bands:
            if low <= value <= high:
                return code
        return None

    def with_share(self, code: str, sentence: str) -> str:
        """``code`` with the tens digit of the part of the value its sentence gives as its
        last character, where the code has such a place: a burn's extent names its
        third-degree share ("24% TBSA with 12% third degree" is T31.21, guideline
        I.C.19.d.6), which is never more than the whole."""
        match = self.share.search(sentence) if self.share is not None else None
        if match is None or not code.endswith("0") or not code[-2].isdigit():
            return code
        part = float(next(value for value in match.groups() if value is not None))
        tens = int(part // 10)
        return f"{code[:-1]}{tens}" if tens <= int(code[-2]) else code

    def code_below(self, value: float) -> str | None:
        """The code of the band just under ``value``, for a value the note gives as an
        upper bound ("< 10% TBSA" lies below 10%, in the under-10% band)."""
        under = [(low, code) for low, _, code in self.bands if low < value]
        return max(under)[1] if under else None


@dataclass(frozen=True)
class NumberRules:
    """The rules of ``rules/numbers.json``, read once."""

    units: frozenset[str]
    measures: tuple[tuple[str, ...], ...]
    joiners: frozenset[str]
    values: tuple[ValueRule, ...]
    qualifiers: frozenset[str] = frozenset()  # "SpO2 93% RA": how the value was taken
    upper_bound: re.Pattern[str] | None = None  # "< 10%", "less than 10%": below the value

    @classmethod
    def load(cls, path: str | None = None) -> NumberRules:
        """The packaged rules (or those at ``path``)."""
        rules = read_rules(path, "numbers.json")
        return cls(
            units=frozenset(unit.lower() for unit in rules["units"]),
            measures=tuple(tuple(m.lower().split()) for m in rules["measures"]),
            joiners=frozenset(rules["value_joiners"]),
            values=tuple(
                ValueRule(
                    value["name"],
                    re.compile(value["pattern"], re.IGNORECASE),
                    System(value["system"]),
                    value["code_prefix"],
                    tuple((float(low), float(high), code) for low, high, code in value["bands"]),
                    tuple(value.get("requires_codes", ())),
                    tuple(word.lower() for word in value.get("not_within", ())),
                    tuple(word.lower() for word in value.get("not_in_notes_with", ())),
                    re.compile(value["share"], re.IGNORECASE) if value.get("share") else None,
                )
                for value in rules["values"]
            ),
            qualifiers=frozenset(word.lower() for word in rules.get("value_qualifiers", ())),
            upper_bound=re.compile(
                "(?:" + "|".join(map(re.escape, rules["upper_bounds"])) + r")\s*$", re.IGNORECASE
            )
            if rules.get("upper_bounds")
            else None,
        )


@cache
def number_rules() -> NumberRules:
    """The packaged number rules (read once per process)."""
    return NumberRules.load()


def least_met(rows: Sequence[tuple[float, T]], value: float) -> T | None:
    """The code of the last of ``rows`` (least value, code), rising, whose least value
    ``value`` meets: a time's E/M level, an age's preventive visit, a repair's length;
    None where it meets none."""
    found = None
    for least, code in rows:
        if value >= least:
            found = code
    return found


def is_number(text: str) -> bool:
    """Whether a token carries a number ("5", "3b", "2nd", "34.2")."""
    # most tokens are words, and a letter is never a digit: one C call answers them
    return not text.isalpha() and any(char.isdigit() for char in text)


def non_detail_numbers(texts: list[str], numbers: list[int], end: int) -> set[int]:
    """Of the ``numbers`` (positions of the tokens of a span of ``texts`` ending at
    ``end`` that carry a number, :func:`is_number`), those that are never code detail:
    list markers, doses and measurements, and the values of vital signs and lab tests;
    and the positions of the words that say how such a value was taken ("SpO2 93% on
    RA": room air, not rheumatoid arthritis), which name no condition either."""
    rules = number_rules()
    found: set[int] = set()
    for i in numbers:
        following = texts[i + 1].lower() if i + 1 < len(texts) else ""
        if (
            following in rules.units
            or _is_list_marker(texts, i, following)
            or _follows_measure(texts, i, rules)
        ):
            found.add(i)
            found.update(_qualifiers_after(texts, i + 1, end, rules))
    return found


def _qualifiers_after(texts: list[str], i: int, end: int, rules: NumberRules) -> list[int]:
    """Positions of the qualifiers right after a value, past its unit and an "on"."""
    while i < end and (texts[i].lower() in rules.units or texts[i].lower() == "on"):
        i += 1
    return [i] if i < end and texts[i].lower() in rules.qualifiers else []


def _is_list_marker(texts: list[str], i: int, following: str) -> bool:
    """ "1." or "2)" opening a line (or following a heading's colon)."""
    if not texts[i].isdigit() or following not in LIST_MARKER_ENDS:
        return False
    return i == 0 or texts[i - 1].isspace() or texts[i - 1] == ":"


def _follows_measure(texts: list[str], i: int, rules: NumberRules) -> bool:
    """Whether the number is the value of a vital sign or test ("HR 88", "A1c: 7.2"). A
    value begins with its digits: "DM2" after "A/P:" (whose "P" is also the pulse's
    letter) is an abbreviation, not the pulse."""
    if not texts[i][:1].isdigit():
        return False
    j = i - 1
    while j >= 0 and i - j <= 3 and texts[j].lower() in rules.joiners:
        j -= 1
    if j < 0:
        return False
    for words in _measures_by_last_word(rules.measures).get(texts[j].lower(), ()):
        first = j - len(words) + 1
        if first >= 0 and tuple(t.lower() for t in texts[first : j + 1]) == words:
            return True
    return False


@cache
def _measures_by_last_word(
    measures: tuple[tuple[str, ...], ...],
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The measures by their last word: only those ending in the word before a number
    can be its measure."""
    by_last: dict[str, list[tuple[str, ...]]] = {}
    for words in measures:
        by_last.setdefault(words[-1], []).append(words)
    return {word: tuple(found) for word, found in by_last.items()}


def read_values(doc: Doc, documented: Sequence[str]) -> list[tuple[Span, ValueRule, str]]:
    """The value details the note states ("BMI 34.2" -> Z68.34), each with its words; a
    rule that ``requires_codes`` is read only where one of the ``documented`` ICD-10-CM
    codes has such a prefix (its pattern searches the whole note: most notes have none)."""
    found = []
    text = note_text(doc)
    lowered = text.lower()
    rules = number_rules()
    for rule in rules.values:
        if rule.requires_codes and not any(c.startswith(rule.requires_codes) for c in documented):
            continue  # a BMI is reported with the weight diagnosis it qualifies
        if any(word in lowered for word in rule.not_in_notes_with):
            continue
        for match in rule.pattern.finditer(text):
            group = next(i for i, value in enumerate(match.groups(), 1) if value is not None)
            value = float(match.group(group))
            bounded = rules.upper_bound is not None and rules.upper_bound.search(
                text, max(0, match.start() - UPPER_BOUND_REACH), match.start(group)
            )
            code = rule.code_below(value) if bounded else rule.code_for(value)
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if code is None or span is None:
                continue
            if any(word in span.sent.text.lower() for word in rule.not_within):
                continue
            found.append((span, rule, rule.with_share(code, span.sent.text)))
    return found


def read_from_value(system: System, code: str) -> bool:
    """Whether ``code`` is a detail only a value gives (a BMI band, weeks of gestation)."""
    return code.startswith(_value_prefixes(system))


@cache
def _value_prefixes(system: System) -> tuple[str, ...]:
    """The code prefixes of the value rules of ``system``: asked of every candidate of a
    note, answered by one ``startswith`` instead of a generator over the rules."""
    return tuple(rule.code_prefix for rule in number_rules().values if rule.system is system)
