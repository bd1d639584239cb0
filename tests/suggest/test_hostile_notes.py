"""Hostile and garbled notes: every stage does work linear in a note's length, and a
note that still runs past its time budget ends in a clear error.

Work is counted, not timed: the Python lines the suggester executes (``sys.settrace``)
for a note and for one twice as long, the characters spaCy's affix searches scan in the
tokenizer, and how often the note's text is rebuilt from its tokens. A quadratic step
makes the count four times larger, not twice.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from spacy.tokens import Doc

from suggest import mentions
from suggest.errors import NoteError, NoteTooCostly
from suggest.suggester import Suggester
from suggest.text_pipeline import build_text_pipeline
from suggest.tokenizer import MAX_RUN, ClinicalTokenizer

REPO = Path(__file__).resolve().parents[2]
COUNTED = (str(REPO / "suggest"), str(REPO / "code_index"))

HOSTILE: dict[str, Callable[[int], str]] = {
    "a word repeated in one long sentence": lambda n: ("pain " * n)[:n],
    "a diagnosis repeated": lambda n: ("diabetes " * n)[:n],
    "a long term repeated": lambda n: ("diabetes mellitus type 2 " * n)[:n],
    "stacked negations": lambda n: ("no " * n)[: n - 10] + " pneumonia",
    "negated mentions repeated": lambda n: ("no pneumonia " * n)[:n],
    "a list on one line": lambda n: ("hypertension, diabetes, COPD, CKD stage 3, " * n)[:n],
    "exclamation marks": lambda n: "!" * n,
    "noncharacters between words": lambda n: ("pain\uffff \uffff\uffffcough " * n)[:n],
    "zero-width characters": lambda n: ("pneumonia\u200bfever\u200b " * n)[:n],
    "one-line section headings": lambda n: ("Family history: asthma.\n" * n)[:n],
    "values in every sentence": lambda n: ("BMI 34.2. Family history: none. " * n)[:n],
    "eye and ear abbreviations repeated": lambda n: ("IOP ok. AS, SLE, VF noted. " * n)[:n],
}


def executed_lines(suggester: Suggester, text: str) -> int:
    """Lines of suggest/ and code_index/ run to suggest ``text`` (caches already warm)."""
    suggester.suggest(text, setting="inpatient")
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(COUNTED) else None

    sys.settrace(calls)
    try:
        suggester.suggest(text, setting="inpatient")
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_work_grows_linearly_with_a_hostile_note(
    suggester: Suggester, make: Callable[[int], str]
) -> None:
    short, long = executed_lines(suggester, make(3000)), executed_lines(suggester, make(6000))
    assert long <= 2.5 * short, (short, long)


class _TextReadsCounted(Doc):
    """A Doc that counts the reads of its text: spaCy rebuilds ``Doc.text`` from every
    token on each read, work linear in the note that the line count does not see (it
    runs in Cython)."""

    reads = 0

    @property
    def text(self) -> str:  # type: ignore[override]
        _TextReadsCounted.reads += 1
        return str(super().text)


def text_reads(suggester: Suggester, text: str) -> int:
    """How often suggesting ``text`` reads the whole text of its Doc."""
    tokenizer = suggester.nlp.tokenizer

    def counted(note: str) -> Doc:
        doc = tokenizer(note)
        words = [token.text for token in doc]
        return _TextReadsCounted(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])

    suggester.nlp.tokenizer = counted
    _TextReadsCounted.reads = 0
    try:
        suggester.suggest(text, setting="inpatient")
    finally:
        suggester.nlp.tokenizer = tokenizer
    return _TextReadsCounted.reads


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_text_is_rebuilt_as_often_for_a_long_note(
    suggester: Suggester, make: Callable[[int], str]
) -> None:
    """Reading Doc.text once per heading made a note of 4,000 one-line "Family history:"
    sections take 75 s, before any stage that checks the time budget."""
    assert text_reads(suggester, make(20_000)) == text_reads(suggester, make(2_000)) > 0


def test_a_run_of_punctuation_is_tokenized_in_linear_work() -> None:
    nlp = build_text_pipeline()
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, ClinicalTokenizer)
    scanned = 0
    search = tokenizer.suffix_search

    def counted(text: str) -> Any:
        nonlocal scanned
        scanned += len(text)
        return search(text)

    tokenizer.suffix_search = counted
    text = "(" * 20_000
    doc = nlp.make_doc(text)
    assert doc.text == text and len(doc) == len(text)
    # each affix stripped searches the rest of its piece: at most MAX_RUN characters
    assert scanned <= MAX_RUN * len(text)


def test_a_long_run_keeps_the_text_and_the_words_around_it() -> None:
    nlp = build_text_pipeline()
    text = "Fever (" + "(" * 3 * MAX_RUN + " and cough.\n" + "x" * (MAX_RUN + 1) + " pain"
    doc = nlp.make_doc(text)
    assert doc.text == text
    words = [token.text for token in doc if not token.is_space]
    assert words[:2] == ["Fever", "("] and "cough" in words
    assert words[-3:] == ["x" * MAX_RUN, "x", "pain"]


def test_a_note_past_its_budget_is_stopped_with_a_clear_error(suggester: Suggester) -> None:
    budget = suggester.nlp.get_pipe("codesuggest_budget")
    seconds = budget.seconds  # type: ignore[attr-defined]
    budget.seconds = -1.0  # type: ignore[attr-defined]
    note = "Patient with secret-marker-4711 pneumonia and fever."
    try:
        with pytest.raises(NoteTooCostly) as raised:
            suggester.suggest(note)
        with pytest.raises(NoteTooCostly):
            list(suggester.suggest_many([note]))
    finally:
        budget.seconds = seconds  # type: ignore[attr-defined]
    assert isinstance(raised.value, NoteError)  # the API answers 422, a batch fails once
    assert "secret-marker-4711" not in str(raised.value)
    assert suggester.suggest(note).suggestions  # the budget is per note


class _ScansCounted(list[str]):
    """A note's word list that counts the scans of it as a whole (a slice is a plain
    list): a scan per word is work quadratic in the note that runs in C, unseen by the
    line count."""

    scans = 0

    def __iter__(self) -> Iterator[str]:
        _ScansCounted.scans += 1
        return super().__iter__()


def word_list_scans(suggester: Suggester, text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How often the mention matcher scans the whole word list of ``text``'s note."""
    read = mentions.lowered_texts
    monkeypatch.setattr(mentions, "lowered_texts", lambda doc: _ScansCounted(read(doc)))
    _ScansCounted.scans = 0
    try:
        suggester.suggest(text, setting="outpatient")
    finally:
        monkeypatch.setattr(mentions, "lowered_texts", read)
    return _ScansCounted.scans


def test_the_note_is_scanned_as_often_for_a_long_note(
    suggester: Suggester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An eye or ear exam's abbreviation ("AS", "SLE", "VF") asked, each time it was met,
    whether the note held an exam's word by scanning the whole note: a 95,000-character
    note of them ran 28 s past its 10 s budget before the matcher looked at the clock."""
    make = HOSTILE["eye and ear abbreviations repeated"]
    short = word_list_scans(suggester, make(2_000), monkeypatch)
    assert word_list_scans(suggester, make(20_000), monkeypatch) == short
