"""Units of a procedure or supply, read from the note where it states them: a CMS
Medically Unlikely Edit counts units, so a service reported three times must say three.
A count is read only beside the service's own phrase (its evidence), never from a number
elsewhere in the sentence (a dose, a vital sign, a date, a list marker); a code whose
title fixes its units ("single or multiple", "per 1 mg") reads none. The patterns are
data (``rules/units.json``). A service the note states no count for is one unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from suggest.results import Evidence
from suggest.rules import read_rules

_WINDOW = 40  # characters either side of the evidence a count may sit in
_DIGITS = re.compile(r"\d+")
# a count is a word of its own: not part of a date (04/13), a decimal, a name (COVID-19)
# or a time (10:30)
_OWN_WORD = r"(?<![\w/.:-])"


@dataclass(frozen=True)
class UnitRules:
    """The rules of ``rules/units.json``, compiled once."""

    number_words: dict[str, int]
    max_units: int
    fixed_count_titles: re.Pattern[str]
    after: tuple[re.Pattern[str], ...]  # matched from the end of the phrase
    before: tuple[re.Pattern[str], ...]  # matched up to the start of the phrase
    across: tuple[re.Pattern[str], ...]  # from a count before the phrase into it
    within: tuple[re.Pattern[str], ...]  # inside the phrase

    @classmethod
    def load(cls, path: str | None = None) -> UnitRules:
        rules = read_rules(path, "units.json")
        words: dict[str, int] = rules["number_words"]
        fill = {
            "{number}": _OWN_WORD
            + "(\\d{1,3}|"
            + "|".join(sorted(words, key=len, reverse=True))
            + ")",
            "{counted}": "(?:" + "|".join(rules["counted"]) + ")",
            "{duration}": rules["duration"],
        }

        def compiled(key: str) -> tuple[re.Pattern[str], ...]:
            patterns = []
            for pattern in rules[key]:
                for name, value in fill.items():
                    pattern = pattern.replace(name, value)
                patterns.append(re.compile(pattern, re.IGNORECASE))
            return tuple(patterns)

        return cls(
            words,
            int(rules["max_units"]),
            re.compile("|".join(rules["fixed_count_titles"]), re.IGNORECASE),
            compiled("after"),
            compiled("before"),
            compiled("across"),
            compiled("within"),
        )

    def value(self, words: str) -> int:
        """The count matched words state (digits, "x3", or a number word)."""
        digits = _DIGITS.search(words)
        return int(digits.group()) if digits else self.number_words[words.lower()]


@cache
def unit_rules() -> UnitRules:
    """The packaged rules, read once per process."""
    return UnitRules.load()


def stated_units(
    text: str, evidence: Sequence[Evidence], title: str
) -> tuple[int, Evidence] | None:
    """The units the note states for a service titled ``title`` with ``evidence`` (its
    phrases in ``text``), and the words that state them; the largest count when its
    phrases state several; None when the note states none, or the title fixes the count."""
    rules = unit_rules()
    if rules.fixed_count_titles.search(title):
        return None
    found: list[tuple[int, Evidence]] = []
    for piece in evidence:
        line_start = text.rfind("\n", 0, piece.start) + 1
        line_end = text.find("\n", piece.end)
        line_end = len(text) if line_end < 0 else line_end
        after_start = piece.end
        after = text[after_start : min(line_end, piece.end + _WINDOW)]
        before_start = max(line_start, piece.start - _WINDOW)
        before = text[before_start : piece.start]
        leading = text[before_start : piece.end]
        places = [
            *((pattern.search(after), after_start) for pattern in rules.after),
            *((pattern.search(before), before_start) for pattern in rules.before),
            *((pattern.search(piece.text), piece.start) for pattern in rules.within),
        ]
        for pattern in rules.across:  # the count before the phrase, what it counts in it
            places += [
                (match, before_start)
                for match in pattern.finditer(leading)
                if match.start(1) < len(before) < match.end()
            ]
        for match, offset in places:
            if match is None:
                continue
            count = rules.value(match.group(1))
            if 1 <= count <= rules.max_units:
                matched = match.group(0)
                start = offset + match.start(1)
                end = offset + match.end() - (len(matched) - len(matched.rstrip()))
                found.append((count, Evidence(start, end, text[start:end], piece.section)))
    return max(found, key=lambda item: item[0], default=None)
