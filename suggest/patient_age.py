"""The patient's age as the note states it ("58 yo F", "15-month-old", "WELL CHILD CHECK -
4 YEAR"), for the services whose code depends on it: a preventive visit's age band
(99381-99397) and the vaccine administration of a patient through age 18 (90460).

A coder takes the age from the record; a note's own words are what this reads. The
title line of a visit for a child names the age the visit is for ("WCC 24 MONTHS"),
and wins over the body, where another person's age may come first ("Mother: 27 yo
G1"); otherwise the first age the body states is the patient's (the HPI's opening line).
A title's number names an age only where the title names such a visit: "6 MONTH F/U"
is an interval, not an age.
"""

from __future__ import annotations

import re

# the body's explicit ages: "58 yo", "58 y/o", "58-year-old", "15-month-old", "3 wk old"
_BODY_AGE = re.compile(
    r"\b(\d{1,3})(?:[- ]?(?:yo|y/o|y\.o\.)|[- ](year|yr|month|mo|week|wk|day)s?[- ]old)\b"
)
# a title's age: "4 YEAR", "13 YR", "24 MONTHS", "15 MONTH VACCINES", "4-yr"
_TITLE_AGE = re.compile(r"\b(\d{1,3})[- ]?(years?|yrs?|yo|y/o|months?|mos?|weeks?|wks?)\b")
# titles that name a visit for a patient of an age: well visits, newborns, vaccines
_AGED_VISIT = re.compile(
    r"\b(?:well|wcc|wcv|newborn|neonatal|vaccines?|immunizations?|boosters?|physical)\b"
)
_NEWBORN = re.compile(r"\b(?:newborn|neonat\w*)\b")
_YEARS = {"y": 1.0, "m": 1 / 12, "w": 7 / 365, "d": 1 / 365}


def _years(number: str, unit: str | None) -> float:
    """``number`` of ``unit`` (year, month, week, day; none: years) in years."""
    return int(number) * _YEARS[(unit or "y")[0]]


def title_line(text: str) -> tuple[int, str]:
    """(start, text) of the first line of ``text`` that is not blank: the note's title,
    which names the visit ("WELL CHILD CHECK - 4 YEAR", "ED PROVIDER NOTE"); (0, "")
    where every line is blank."""
    start = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            return start, line.splitlines()[0]
        start += len(line)
    return 0, ""


def stated_age(text: str) -> float | None:
    """The patient's age in years as ``text`` states it, or None where it states none."""
    lowered = text.lower()
    _, title = title_line(lowered)
    if _AGED_VISIT.search(title):
        found = _TITLE_AGE.search(title)
        if found:
            return _years(found.group(1), found.group(2))
        if _NEWBORN.search(title):
            return 0.0
    body = _BODY_AGE.search(lowered)
    if body:
        return _years(body.group(1), body.group(2))
    return None
