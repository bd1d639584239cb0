"""The level of an office or emergency department E/M visit (99202-99215, 99282-99285,
office consultations 99243-99245), read where the note states what the level rests on:
the medical decision making's level ("Moderate MDM") or the total time ("Total time 32
minutes"), and the kind of visit (an ED note by its title; a new or an established office
patient; a consultation by its title); the preventive medicine visit (99381-99397) a
title or chief complaint names, by the patient's stated age and the kind of visit; and
critical care (99291) by the critical care time stated.

No word names an E/M code (``never_from_words`` in ``rules/plausibility.json``): "office
visit" is no level. The CPT E/M guidelines (2021 office, 2023 emergency department) give
the level from MDM or time within the visit's kind; ``rules/em_levels.json`` holds that
table. A note that states neither, or whose kind it does not say, gets no level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from code_index.records import System
from suggest.numbers import least_met
from suggest.patient_age import stated_age, title_line
from suggest.rules import read_rules


@dataclass(frozen=True)
class EmKind:
    """A kind of visit: read from the title line, or (``anywhere``) from any line."""

    name: str
    title: re.Pattern[str]
    anywhere: re.Pattern[str] | None


@dataclass(frozen=True)
class EmRules:
    """``rules/em_levels.json``, read once."""

    mdm: re.Pattern[str]
    total_time: re.Pattern[str]
    kinds: tuple[EmKind, ...]
    levels: dict[str, dict[str, str]]  # kind: MDM level: code
    minutes: dict[str, tuple[tuple[int, str], ...]]  # kind: (least minutes, code), rising
    preventive: re.Pattern[str]  # a preventive visit named by the title or the CC
    not_preventive: re.Pattern[str]  # Medicare's own preventive visits
    ages: dict[str, tuple[tuple[int, str], ...]]  # kind: (least age in years, code), rising
    # topic, the codes' system, (least minutes, code) rising
    counseling: tuple[tuple[re.Pattern[str], System, tuple[tuple[int, str], ...]], ...]
    critical_care: re.Pattern[str]  # the critical care time stated
    critical_care_minutes: tuple[tuple[int, str], ...]  # (least minutes, code), rising


@cache
def em_rules() -> EmRules:
    """The packaged rules."""
    rules = read_rules(None, "em_levels.json")
    return EmRules(
        mdm=re.compile(rules["mdm"]),
        total_time=re.compile(rules["total_time"]),
        kinds=tuple(
            EmKind(
                row["kind"],
                re.compile(row["title"]),
                re.compile(row["anywhere"]) if row["anywhere"] else None,
            )
            for row in rules["kinds"]
        ),
        levels=rules["levels"],
        minutes={
            kind: tuple((int(least), code) for least, code in rows)
            for kind, rows in rules["time"].items()
        },
        preventive=re.compile(rules["preventive"]["visit"]),
        not_preventive=re.compile(rules["preventive"]["not_when"]),
        ages={
            kind: tuple((int(least), code) for least, code in rules["preventive"][kind])
            for kind in ("new", "established")
        },
        counseling=tuple(
            (
                re.compile(row["topic"]),
                System(row.get("system", "cpt")),
                tuple((int(least), code) for least, code in row["minutes"]),
            )
            for row in rules["counseling"]
        ),
        critical_care=re.compile(rules["critical_care"]["time"]),
        critical_care_minutes=tuple(
            (int(least), code) for least, code in rules["critical_care"]["minutes"]
        ),
    )


def visit_kind(text: str) -> str | None:
    """The kind of visit the note states (``text`` lower case): the first kind its title
    line names, else the one kind some line names; None where it names none or two."""
    rules = em_rules()
    _, title = title_line(text)
    for kind in rules.kinds:
        if kind.title.search(title):
            return kind.name
    named = [k.name for k in rules.kinds if k.anywhere is not None and k.anywhere.search(text)]
    return named[0] if len(named) == 1 else None


def em_level(text: str) -> tuple[str, int, int] | None:
    """The E/M code the note's stated MDM level or total time gives within its kind of
    visit, with the characters (start, end) of the statement it rests on; the higher
    where MDM and time both give one (either supports it). None where the note states no
    basis or no kind."""
    lowered = text.lower()
    rules = em_rules()
    mdm = list(rules.mdm.finditer(lowered))
    times = list(rules.total_time.finditer(lowered))
    # most notes state no basis: their kind of visit is not looked for
    kind = visit_kind(lowered) if mdm or times else None
    if kind is None:
        return None
    found: list[tuple[str, int, int]] = []
    for match in mdm:
        level = _stated(match)
        if level in rules.levels[kind]:  # a consultation has no straightforward code here
            found.append((rules.levels[kind][level], match.start(), match.end()))
    for match in times:
        minutes = _stated(match)
        code = least_met(rules.minutes.get(kind, ()), int(minutes))
        if code is not None:
            found.append((code, match.start(), match.end()))
    return max(found, key=lambda f: (f[0], -f[1])) if found else None


def preventive_visit(text: str) -> tuple[str, int, int] | None:
    """The preventive medicine visit code (99381-99397) of a note whose title line or
    chief complaint names a preventive visit, by the patient's age band and the visit's
    kind (new or established), with the characters (start, end) of the line naming it.
    None where the note names no such visit, a Medicare one, or states no age or kind."""
    rules = em_rules()
    lowered = text.lower()
    if not rules.preventive.search(lowered):
        return None  # most notes name none: no kind or age looked for
    kind = visit_kind(lowered)
    age = stated_age(text)
    if kind not in rules.ages or age is None or rules.not_preventive.search(lowered):
        return None
    code = least_met(rules.ages[kind], age)
    if code is None:
        return None
    title_at, title = title_line(lowered)
    if rules.preventive.search(title):
        return code, title_at, title_at + len(title.rstrip())
    offset = 0
    for line in lowered.splitlines(keepends=True):
        if line.strip().startswith(_CHIEF_COMPLAINT) and rules.preventive.search(line):
            return code, offset, offset + len(line.rstrip())
        offset += len(line)
    return None


_CHIEF_COMPLAINT = ("cc", "chief complaint", "reason for")  # how its line opens


def _stated(match: re.Match[str]) -> str:
    """What a rule's pattern read: the one of its alternatives' groups that matched."""
    return next(group for group in match.groups() if group)


def critical_care(text: str) -> tuple[str, int, int] | None:
    """Critical care (99291) where the note states at least 30 minutes of critical care
    time, with the characters (start, end) of the statement (the most it states); under
    30 minutes the visit's own E/M code reports it (CPT critical care services)."""
    rules = em_rules()
    stated = [
        (int(_stated(match)), match.start(), match.end())
        for match in rules.critical_care.finditer(text.lower())
    ]
    if not stated:
        return None
    minutes, start, end = max(stated)
    code = least_met(rules.critical_care_minutes, minutes)
    return (code, start, end) if code is not None else None


_COUNSELED = re.compile(r"\bcounsel\w*")
# minutes of a rate are no time spent: "150 min/week walking", "30 minutes a day"
_MINUTES = re.compile(
    r"\b(\d{1,3}) ?(?:min|mins|minutes)\b(?! ?(?:/ ?|per |a |each |every )?(?:d|day|wk|week)\b)"
    r"(?! ?(?:daily|weekly))"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])|\n")


def counseling_services(text: str) -> list[tuple[System, str, int, int]]:
    """The counseling services billed by time (``counseling``: smoking cessation, obesity)
    of the sentences of ``text`` that name the topic, say it was counseled and state the
    minutes, each with its system and the characters (start, end) of its sentence; the
    most minutes a sentence states."""
    rules = em_rules()
    found: list[tuple[System, str, int, int]] = []
    if not _COUNSELED.search(text.lower()):
        return found  # no sentence says it was counseled
    start = 0
    for end in [m.start() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        sentence = text[start:end].lower()
        minutes = [int(m.group(1)) for m in _MINUTES.finditer(sentence)]
        if minutes and _COUNSELED.search(sentence):
            for topic, system, codes in rules.counseling:
                code = least_met(codes, max(minutes))
                if code is not None and topic.search(sentence):
                    found.append((system, code, start, end))
        start = end
    return found
