"""Sentence boundaries on note-shaped text and on real (machine-translated) case reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from suggest.sentences import sentence_of, sentence_starts
from suggest.tokenizer import TOKENIZER

_LONE_MARKER = re.compile(r"^\s*(?:[0-9]{1,2}|[A-Za-z])[.)]\s*$")


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("codesuggest_sentences")
    return nlp


def sentences(nlp: Language, text: str) -> list[str]:
    return [sent.text.strip() for sent in nlp(text).sents]


def test_newline_ends_a_sentence_without_punctuation(nlp: Language) -> None:
    assert sentences(nlp, "Chest pain since yesterday\nNo fever") == [
        "Chest pain since yesterday",
        "No fever",
    ]


def test_punctuation_ends_sentences(nlp: Language) -> None:
    assert sentences(nlp, "Seen today. Stable! Any pain? None.") == [
        "Seen today.",
        "Stable!",
        "Any pain?",
        "None.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Seen by Dr. Smith for follow-up.",
        "Risk factors, e.g. smoking and obesity, were discussed.",
        "Pneumonia vs. bronchitis on admission.",
        "A mass of approx. 3 cm was found.",
        "Metformin 500 mg b.i.d. with meals.",
        "The dose, i.e. 5 mg, was kept.",
    ],
)
def test_abbreviations_do_not_end_sentences(nlp: Language, text: str) -> None:
    assert sentences(nlp, text) == [text]


def test_closing_bracket_stays_with_its_sentence(nlp: Language) -> None:
    assert sentences(nlp, "Labs were normal (see above.) Discharged home.") == [
        "Labs were normal (see above.)",
        "Discharged home.",
    ]


def test_repeated_stops_end_one_sentence(nlp: Language) -> None:
    assert sentences(nlp, "Pain!!! Worse at night?! Seen.") == [
        "Pain!!!",
        "Worse at night?!",
        "Seen.",
    ]


def test_a_run_on_sentence_is_cut(nlp: Language) -> None:
    limit = nlp.get_pipe("codesuggest_sentences").max_sentence_tokens  # type: ignore[attr-defined]
    lengths = [len(sent) for sent in nlp("pain " * (2 * limit + 10)).sents]
    assert lengths == [limit, limit, 10]


def test_list_numbers_do_not_split(nlp: Language) -> None:
    text = "Problems:\n1. Pneumonia.\n2) Diabetes, on insulin.\na. Asthma"
    assert sentences(nlp, text) == [
        "Problems:",
        "1. Pneumonia.",
        "2) Diabetes, on insulin.",
        "a. Asthma",
    ]


def test_lone_list_marker_joins_the_next_line(nlp: Language) -> None:
    text = "Renal scintigraphy was performed.\n1.\nRight pyeloplasty was performed."
    assert sentences(nlp, text) == [
        "Renal scintigraphy was performed.",
        "1.\nRight pyeloplasty was performed.",
    ]


def test_trailing_lone_marker_makes_no_sentence_of_its_own(nlp: Language) -> None:
    assert sentences(nlp, "Discharged home.\n2.\n") == ["Discharged home.\n2."]


def test_heading_is_its_own_sentence(nlp: Language) -> None:
    text = "PAST MEDICAL HISTORY: HTN, DM\nHistory of present illness: 3 days of fever"
    assert sentences(nlp, text) == [
        "PAST MEDICAL HISTORY:",
        "HTN, DM",
        "History of present illness:",
        "3 days of fever",
    ]


def test_heading_after_a_full_stop(nlp: Language) -> None:
    assert sentences(nlp, "Afebrile. PLAN: discharge") == ["Afebrile.", "PLAN:", "discharge"]


def test_leading_blank_lines_make_no_empty_sentence(nlp: Language) -> None:
    assert sentences(nlp, "\n\n  HPI: cough") == ["HPI:", "cough"]


def test_codiesp_notes(nlp: Language, shared_data: Path) -> None:
    """Real notes are one sentence a line with stray "1." lines: each line starts a sentence
    (except one after a lone marker, which it joins), no sentence spans two text lines but for
    such markers, and
    none is empty or a bare list marker."""
    files = sorted((shared_data / "codiesp" / "dev" / "text_files_en").glob("*.txt"))
    assert len(files) == 250
    joined = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc = nlp(text)
        starts = {sent.start_char for sent in doc.sents}
        offset, after_marker = 0, False
        for line in text.split("\n"):
            if line.strip():
                first = offset + len(line) - len(line.lstrip())
                if after_marker:
                    assert first not in starts, (path.name, line)
                    joined += 1
                else:
                    assert first in starts, (path.name, line)
                after_marker = bool(_LONE_MARKER.match(line))
            offset += len(line) + 1
        for sent in doc.sents:
            body = sent.text.strip()
            assert body and not _LONE_MARKER.match(body), (path.name, sent.text)
            *marker_lines, _ = body.split("\n")
            assert all(_LONE_MARKER.match(line) for line in marker_lines), body
    assert joined > 100  # the stray "1." lines of the translations are really exercised


def test_empty_doc_has_no_sentences() -> None:
    from suggest.text_pipeline import build_text_pipeline

    assert list(build_text_pipeline()("").sents) == []


def test_sentence_of_is_what_span_sent_gives(nlp: Language, shared_data: Path) -> None:
    """The bisection the candidates use finds, for a span starting at any token, the
    sentence ``span.sent`` walks to, also for spans that cross into the next sentence."""
    files = sorted((shared_data / "codiesp" / "dev" / "text_files_en").glob("*.txt"))[:20]
    for path in files:
        doc = nlp(path.read_text(encoding="utf-8"))
        starts = sentence_starts(doc)
        for start in range(len(doc)):
            for end in (start + 1, min(start + 8, len(doc))):
                sent = doc[start:end].sent
                assert sentence_of(starts, len(doc), start) == (sent.start, sent.end)


def test_the_starts_kept_by_the_component_are_the_docs(nlp: Language, shared_data: Path) -> None:
    """What the sentence component keeps for the other components is what ``doc.sents``
    gives, on real notes and on a note ending in a lone list marker (a start undone)."""
    files = sorted((shared_data / "codiesp" / "dev" / "text_files_en").glob("*.txt"))[:40]
    texts = [path.read_text(encoding="utf-8") for path in files] + ["Fever.\n2."]
    for text in texts:
        doc = nlp(text)
        kept = doc.user_data["codesuggest.sentence_starts"]
        assert kept == [sent.start for sent in doc.sents]
        assert sentence_starts(doc) is kept
