"""The US-note benchmark (``bench/us_notes``) is well formed: both parts read without a
problem, every gold and must-not code is a reportable code of the real index, no code is
both gold and must-not, ids are unique, the parts do not overlap, and a note's gold
ICD-10-CM codes obey the tabular's Excludes1 and "code first" notes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from code_index.index import CodeIndex
from code_index.records import CodeRecord, System, normalize_code
from training.corpora import CorpusRead, GoldCode, LabeledNote, read_jsonl

US_NOTES = Path(__file__).resolve().parents[2] / "bench" / "us_notes"
PARTS = ("tuning.jsonl", "held_aside.jsonl")
LEAST_NOTES = 150


@pytest.fixture(scope="module")
def parts() -> dict[str, CorpusRead]:
    return {name: read_jsonl(US_NOTES / name, strict=True) for name in PARTS}


@pytest.fixture(scope="module")
def notes(parts: dict[str, CorpusRead]) -> list[LabeledNote]:
    return [note for read in parts.values() for note in read.notes]


def test_both_parts_are_large_enough_and_span_the_same_kinds(
    parts: dict[str, CorpusRead], notes: list[LabeledNote]
) -> None:
    assert len(notes) >= LEAST_NOTES
    tuning, held = (parts[name].notes for name in PARTS)
    # a quarter of the least benchmark: later notes went to tuning alone (README, Contents)
    assert len(held) >= LEAST_NOTES // 4
    assert {n.kind for n in held} == {n.kind for n in tuning}
    assert all(n.kind and n.setting and n.patient and n.patient.sex for n in notes)
    assert all(n.codes for n in notes)


def test_every_third_note_is_held_aside(parts: dict[str, CorpusRead]) -> None:
    # the number ending an id is the order the note was written in (README: the split rule)
    for name, read in parts.items():
        numbers = [int(note.id.rsplit("-", 1)[1]) for note in read.notes]
        assert all((n % 3 == 0) == (name == "held_aside.jsonl") for n in numbers), name


def test_ids_and_texts_are_unique_across_the_parts(notes: list[LabeledNote]) -> None:
    assert len({n.id for n in notes}) == len(notes)
    assert len({n.text for n in notes}) == len(notes)  # no note copied into the other part


def test_every_code_has_a_reason_and_none_is_both_gold_and_must_not(
    notes: list[LabeledNote],
) -> None:
    for note in notes:
        assert all(code.reason for code in (*note.codes, *note.rejected)), note.id
        assert not set(note.codes) & set(note.rejected), note.id


def _unreportable(code: GoldCode, index: CodeIndex) -> str | None:
    """Why ``code`` cannot be reported, or None. CPT and HCPCS must be in the starter
    sets the index ships (a code missing there is left out of gold, not invented)."""
    record = index.get(code.code, code.system)
    if record is None:
        return "not in the index"
    if code.system in (System.ICD10CM, System.ICD10PCS) and not record.billable:
        return "a header, not billable"
    return None


def test_every_code_is_a_reportable_code_of_the_index(
    notes: list[LabeledNote], default_index: CodeIndex
) -> None:
    problems = [
        f"{note.id} {code.system.value} {code.code}: {why}"
        for note in notes
        for code in (*note.codes, *note.rejected)
        if (why := _unreportable(code, default_index))
    ]
    assert problems == []


_CODE_RANGE = re.compile(r"([A-Z][0-9][0-9A-Z]{0,5})(?:-([A-Z][0-9][0-9A-Z]{0,5}))?")


def _cited(notes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(first, last) normalised codes cited in parentheses by tabular notes:
    ``"urticaria (L50.-)"`` gives ("L50", "L50"), ``"(C00-D49)"`` gives ("C00", "D49")."""
    for note in notes:
        for group in re.findall(r"\(([^()]*)\)", note):
            for part in group.split(","):
                match = _CODE_RANGE.fullmatch(part.strip().replace(".-", "").replace(".", ""))
                if match:
                    yield match.group(1), match.group(2) or match.group(1)


def _within(key: str, first: str, last: str) -> bool:
    return first <= key[: len(first)] and key[: len(last)] <= last


def _lineage(code: str, index: CodeIndex) -> list[CodeRecord]:
    """The code's record and its ancestors': their notes apply to it."""
    records = []
    record = index.get(code, System.ICD10CM)
    while record is not None:
        records.append(record)
        record = index.get(record.parent, System.ICD10CM) if record.parent else None
    return records


def test_gold_codes_obey_excludes1_and_code_first(
    notes: list[LabeledNote], default_index: CodeIndex
) -> None:
    problems = []
    for note in notes:
        codes = note.codes_for(System.ICD10CM)
        for position, code in enumerate(codes):
            lineage = _lineage(code, default_index)
            excluded = [cited for record in lineage for cited in _cited(record.excludes1)]
            first = [cited for record in lineage for cited in _cited(record.code_first)]
            for later, other in enumerate(codes):
                key = normalize_code(other)
                if other != code and any(_within(key, *cited) for cited in excluded):
                    problems.append(f"{note.id}: {code} excludes {other} (Excludes1)")
                if later > position and any(_within(key, *cited) for cited in first):
                    problems.append(f"{note.id}: {other} must come before {code} (code first)")
    assert problems == []
