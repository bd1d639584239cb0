"""Validity checks a coder would otherwise do by hand in the tabular list: is a code
reportable, what detail is it missing, which codes exclude each other, which
sequencing instructions a code list still has to satisfy, and which CPT/HCPCS pairs a
loaded CMS NCCI procedure-to-procedure edit bundles.

Tabular instructions are stated at the level they apply to (often the category) and
inherited by every code below, so each check reads a code's own notes, those of its
ancestors, and those stated for its whole block or chapter ("Hypertensive diseases
(I10-I1A)" excludes neonatal hypertension for I10 and every other code in the block).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast
from weakref import WeakKeyDictionary

from code_index.index import CodeIndex
from code_index.records import CodeRecord, PtpEdit, System, normalize_code

# A code reference inside a tabular note: "E10.-", "O24.4-", "P70.2", "N18.1-N18.6", "E08-E13".
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
_DASH_END = r"(?:\.?-(?!\s*[A-Z][0-9]))?"  # "E10.-": any code under E10 (not a range's dash)
_REF = re.compile(rf"(?<![A-Za-z0-9])({_CODE}){_DASH_END}(?:\s*-\s*({_CODE}){_DASH_END})?")

_SHORTEST_REF = 3  # the characters of the shortest code ``_CODE`` finds (a category)
_PAST_PREFIX = "\uffff"  # after every character of a code: key + it follows key's extensions
Missing = Literal["7th character", "more characters"]
ReminderKind = Literal["code_first", "use_additional", "code_also"]


@dataclass(frozen=True, slots=True)
class CodeRef:
    """A code or code range named by a note; matches every code it is a prefix of."""

    low: str
    high: str

    def matches(self, key: str) -> bool:
        """True when the normalised ``key`` falls under this reference."""
        if self.low == self.high:
            return key.startswith(self.low)
        return self.low <= key[: len(self.low)] and key[: len(self.high)] <= self.high


@lru_cache(maxsize=32_768)  # every suggestion list re-reads the same few thousand notes
def code_refs(note: str) -> tuple[CodeRef, ...]:
    """The codes and ranges a tabular note refers to."""
    refs: list[CodeRef] = []
    for low, high in _REF.findall(note):
        low_key = normalize_code(low)
        refs.append(CodeRef(low_key, normalize_code(high) if high else low_key))
    return tuple(refs)


@lru_cache(maxsize=32_768)
def _split_refs(note: str) -> tuple[frozenset[str], tuple[CodeRef, ...]]:
    """A note's references as the codes it names one by one (each matches the keys it is
    a prefix of) and its ranges."""
    refs = code_refs(note)
    return (
        frozenset(ref.low for ref in refs if ref.low == ref.high),
        tuple(ref for ref in refs if ref.low != ref.high),
    )


class _ListedKeys:
    """A code list's keys, found by the codes a note names: a code named alone through
    its prefixes (one set look-up), a range ("N18.1-N18.6") by bisection of the sorted
    keys, as the keys under a range are consecutive in that order. A suggestion list's
    codes inherit tens of notes each, each naming several codes: checking every pair
    grew with the square of the list's length."""

    def __init__(self, keyed: list[tuple[CodeRecord, str]]) -> None:
        self.keyed = keyed
        self._at: dict[str, list[int]] = {}
        for i, (_record, key) in enumerate(keyed):
            # a note names a code by its category at least (``_CODE``: three characters),
            # so shorter prefixes are never looked up
            for end in range(_SHORTEST_REF, len(key) + 1):
                self._at.setdefault(key[:end], []).append(i)
        self._sorted = sorted((key, i) for i, (_record, key) in enumerate(keyed))

    def matched(self, note: str) -> list[int]:
        """Positions in the list (ascending) of the codes ``note`` refers to."""
        singles, ranges = _split_refs(note)
        at = self._at
        if not ranges and at.keys().isdisjoint(singles):
            return []  # most notes name no code of the list: one look-up in C, not a loop
        found = {i for low in singles for i in at.get(low, ())}
        for ref in ranges:
            found.update(i for _key, i in self._sorted[self._span(ref)])
        return sorted(found)

    def _span(self, ref: CodeRef) -> slice:
        """The sorted keys ``ref.matches``: from ``low`` up to the last key beginning with
        ``high`` or below it (a key's first ``len(low)`` characters are at least ``low``
        exactly when the key is; keys are letters and digits, below ``_PAST_PREFIX``)."""
        first = bisect_left(self._sorted, (ref.low,))
        last = bisect_left(self._sorted, (ref.high + _PAST_PREFIX,))
        return slice(first, max(first, last))


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """Whether a code may be reported as written, and if not, what it needs."""

    code: str
    system: System | None
    found: bool
    billable: bool
    active: bool
    missing: Missing | None = None
    options: tuple[tuple[str, str], ...] = ()  # (code or 7th char, meaning) to choose from
    message: str = ""


def seventh_characters(index: CodeIndex, record: CodeRecord) -> tuple[tuple[str, str], ...]:
    """The 7th-character definitions that govern a code (its own or an ancestor's)."""
    for candidate in (record, *index.ancestors(record)):
        if candidate.seventh_characters:
            return candidate.seventh_characters
    return ()


def check_code(index: CodeIndex, code: str, system: System | None = None) -> CodeCheck:
    """Is ``code`` valid and billable in this index's code-set version, and if it is a
    header, what must be added (7th character or more characters) and the choices."""
    record = index.get(code, system)
    if record is None:
        return CodeCheck(
            normalize_code(code),
            system,
            False,
            False,
            False,
            message=f"{code} is not a code in this code set version",
        )
    if not record.active:
        when = f" on {record.terminated_on}" if record.terminated_on else ""
        return CodeCheck(
            record.code,
            record.system,
            True,
            False,
            False,
            message=f"{record.code} was terminated{when}",
        )
    if record.billable:
        return CodeCheck(
            record.code,
            record.system,
            True,
            True,
            True,
            message=f"{record.code} is valid and billable",
        )
    sevenths = seventh_characters(index, record) if record.system is System.ICD10CM else ()
    children = index.children(record)
    if sevenths and all(len(child.key) == 7 for child in children):
        return CodeCheck(
            record.code,
            record.system,
            True,
            False,
            True,
            "7th character",
            sevenths,
            f"{record.code} needs a 7th character (e.g. {children[0].code})"
            if children
            else f"{record.code} needs a 7th character",
        )
    options = tuple((child.code, child.title) for child in children)
    return CodeCheck(
        record.code,
        record.system,
        True,
        False,
        True,
        "more characters",
        options,
        f"{record.code} is a header, not billable: choose a more specific code",
    )


@dataclass(frozen=True, slots=True)
class Excludes1Conflict:
    """Two codes that should not be reported together: ``code`` has an Excludes1 note
    (on itself or an ancestor) naming ``excluded``."""

    code: str
    excluded: str
    note: str


# Per index, what its codes inherit and which record a code is: constant for an index,
# and asked for every code of every suggestion list (33k lookups a CodiEsp dev pass)
_KNOWN: WeakKeyDictionary[CodeIndex, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()


def _known(index: CodeIndex) -> dict[tuple[Any, ...], Any]:
    known = _KNOWN.get(index)
    if known is None:
        known = _KNOWN[index] = {}
    return known


def _instruction_notes(
    index: CodeIndex, record: CodeRecord, attribute: str, chapter: bool = True
) -> tuple[str, ...]:
    """The notes that govern a code: its own, its ancestors', its block's and (``chapter``)
    its chapter's, each once (worked out once per index)."""
    known = _known(index)
    key = ("notes", record.system, record.key, attribute, chapter)
    if key not in known:
        notes: list[str] = []
        for level in (record, *index.ancestors(record)):
            notes.extend(getattr(level, attribute))
        notes.extend(index.group_instructions(record, attribute, chapter))
        known[key] = tuple(dict.fromkeys(notes))
    return cast(tuple[str, ...], known[key])


def excludes1_conflicts(index: CodeIndex, codes: Sequence[str]) -> list[Excludes1Conflict]:
    """Pairs of ICD-10-CM codes in a code list that conflict under Excludes1."""
    keyed = _icd10cm_records(index, codes)
    listed = _ListedKeys(keyed)
    conflicts: list[Excludes1Conflict] = []
    for record, key in keyed:
        for note in _instruction_notes(index, record, "excludes1"):
            for i in listed.matched(note):
                other, other_key = keyed[i]
                if not other_key.startswith(key):  # not itself, nor a code under it
                    conflicts.append(Excludes1Conflict(record.code, other.code, note))
    return conflicts


@dataclass(frozen=True, slots=True)
class Reminder:
    """A sequencing instruction for a code in the list: which other code to code first,
    add, or also code, and whether the list already has one."""

    code: str
    kind: ReminderKind
    note: str
    satisfied_by: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()  # the code ranges the note names


_REMINDER_KINDS: tuple[ReminderKind, ...] = ("code_first", "use_additional", "code_also")


def sequencing_reminders(index: CodeIndex, codes: Sequence[str]) -> list[Reminder]:
    """Code-first, use-additional and code-also instructions for each code in the list
    that name other codes, each marked with the listed codes that satisfy it."""
    keyed = _icd10cm_records(index, codes)
    listed = _ListedKeys(keyed)
    reminders: list[Reminder] = []
    for record, key in keyed:
        for kind in _REMINDER_KINDS:  # each kind is also the record attribute holding its notes
            # a chapter-wide "use additional code, where applicable" (tobacco exposure for
            # every respiratory code) is shown with the code's details, not as a reminder
            chapter_wide = kind != "use_additional"
            for note in _instruction_notes(index, record, kind, chapter_wide):
                refs = code_refs(note)
                if not refs:
                    continue
                satisfied = tuple(
                    keyed[i][0].code for i in listed.matched(note) if keyed[i][1] != key
                )
                reminders.append(
                    Reminder(
                        record.code,
                        kind,
                        note,
                        satisfied,
                        tuple(_ref_text(ref) for ref in refs),
                    )
                )
    return reminders


def _ref_text(ref: CodeRef) -> str:
    return ref.low if ref.low == ref.high else f"{ref.low}-{ref.high}"


def _icd10cm_records(index: CodeIndex, codes: Iterable[str]) -> list[tuple[CodeRecord, str]]:
    """The ICD-10-CM records of a code list with their lookup keys (computed once)."""
    known = _known(index)
    found: list[tuple[CodeRecord, str]] = []
    for code in dict.fromkeys(codes):
        if ("record", code) not in known:
            known["record", code] = index.get(code, System.ICD10CM)
        record: CodeRecord | None = known["record", code]
        if record is not None:
            found.append((record, record.key))
    return found


@dataclass(frozen=True, slots=True)
class NcciConflict:
    """Two codes of the list that an NCCI PTP edit bundles: ``column2`` is not paid with
    ``column1`` unless ``modifier_allowed`` and a modifier shows a distinct service."""

    column1: str
    column2: str
    modifier_allowed: bool
    rationale: str
    settings: tuple[str, ...]  # where the edit comes from: "practitioner", "hospital"


def ncci_conflicts(index: CodeIndex, codes: Sequence[str]) -> list[NcciConflict]:
    """Pairs of CPT/HCPCS codes in ``codes`` that form an NCCI PTP edit in force in this
    index (none unless NCCI files were loaded): one dict lookup per ordered pair. A pair
    whose practitioner and hospital edits differ gives one conflict for each."""
    if not index.ncci:
        return []
    keys = list(dict.fromkeys(normalize_code(code) for code in codes))
    conflicts: list[NcciConflict] = []
    for first in keys:
        for second in keys:
            edits = index.ncci.get(first, second) if first != second else ()
            if edits:
                conflicts.extend(_grouped_conflicts(edits))
    return conflicts


def _grouped_conflicts(edits: Sequence[PtpEdit]) -> list[NcciConflict]:
    grouped: dict[tuple[bool, str], list[str]] = {}
    for edit in edits:
        grouped.setdefault((edit.modifier_allowed, edit.rationale), []).append(edit.setting)
    first = edits[0]
    return [
        NcciConflict(first.column1, first.column2, allowed, rationale, tuple(settings))
        for (allowed, rationale), settings in grouped.items()
    ]
