"""The clinical tokenizer on the things notes write: headings, lists, vitals, doses, shorthand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from spacy.attrs import IDX, LOWER, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer

from code_index.search import load_abbreviations
from suggest.tokenizer import TOKENIZER, ClinicalTokenizer
from training.corpora import read_codiesp


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("HPI: fever", ["HPI", ":", "fever"]),
        ("ASSESSMENT/PLAN:", ["ASSESSMENT", "/", "PLAN", ":"]),
        ("1. CAP", ["1", ".", "CAP"]),
        ("2) HTN", ["2", ")", "HTN"]),
        ("- fever", ["-", "fever"]),
        ("-fever", ["-", "fever"]),
        ("•cough", ["•", "cough"]),
        ("BP 130/80", ["BP", "130/80"]),
        ("HR 88", ["HR", "88"]),
        ("T 38.2C", ["T", "38.2", "C"]),
        ("SpO2 94%", ["SpO2", "94", "%"]),
        ("5mg daily", ["5", "mg", "daily"]),
        ("10 mg/kg", ["10", "mg", "/", "kg"]),
        ("10mg/kg", ["10", "mg", "/", "kg"]),
        ("500mcg", ["500", "mcg"]),
        ("metformin 500 mg b.i.d.", ["metformin", "500", "mg", "b.i.d."]),
        ("q.d. and p.r.n.", ["q.d.", "and", "p.r.n."]),
        ("(b.i.d.),", ["(", "b.i.d.", ")", ","]),
        ("e.g. asthma", ["e.g.", "asthma"]),
        ("Dr. Smith", ["Dr.", "Smith"]),
        ("approx. 3 cm", ["approx.", "3", "cm"]),
        ("flu vs. COVID-19", ["flu", "vs.", "COVID-19"]),
        ("s/p CABG", ["s/p", "CABG"]),
        ("S/P CABG", ["S/P", "CABG"]),
        ("w/ fever", ["w/", "fever"]),
        ("w/o fever", ["w/o", "fever"]),
        ("h/o MI", ["h/o", "MI"]),
        ("r/o MI", ["r/o", "MI"]),
        ("45 y/o", ["45", "y/o"]),
        ("HTN/DM", ["HTN", "/", "DM"]),
        ("HTN/DM/CKD", ["HTN", "/", "DM", "/", "CKD"]),
        ("ER+/PR-/HER2-", ["ER+", "/", "PR-", "/", "HER2-"]),
        ("non-small-cell", ["non", "-", "small", "-", "cell"]),
        ("CKD 3a", ["CKD", "3a"]),
        ("CKD3a, GERD", ["CKD", "3a", ",", "GERD"]),
        ("ckd4", ["ckd", "4"]),
        ("CKDs", ["CKDs"]),
        ("prior C-section.", ["prior", "C-section", "."]),  # an abbreviation row
        ("c-sections", ["c-sections"]),
        ("stage IIIa", ["stage", "IIIa"]),
        ("T2DM, HbA1c 7.2%", ["T2DM", ",", "HbA1c", "7.2", "%"]),
        ("grade 3C", ["grade", "3C"]),
        ("cannot", ["can", "not"]),
        ("line one\nline two", ["line", "one", "\n", "line", "two"]),
    ],
)
def test_tokens(nlp: Language, text: str, tokens: list[str]) -> None:
    assert [t.text for t in nlp(text)] == tokens


@pytest.mark.parametrize(
    "short",
    sorted(a.short for a in load_abbreviations() if re.search(r"[A-Za-z]-[A-Za-z]", a.short)),
)
def test_a_hyphenated_abbreviation_stays_one_token(nlp: Language, short: str) -> None:
    # a hyphen between letters splits, and a split abbreviation's row is never read:
    # "Persistent A-fib" read no atrial fibrillation while "AFib" did (tokenizer.json)
    for written in (short, short.lower(), short.upper()):
        assert [t.text for t in nlp(f"has {written} today")] == ["has", written, "today"]


def test_text_is_preserved(nlp: Language) -> None:
    text = "PMH: HTN/DM, s/p CABG.\n1. Metformin 500mg b.i.d.\n  - BP 130/80, T 38.2C"
    assert nlp(text).text == text


def test_hyphenated_phrase_matches_like_the_note(nlp: Language) -> None:
    """A pattern made with nlp.make_doc tokenizes exactly as the note does."""
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("NSCLC", [nlp.make_doc("non-small-cell lung cancer")])
    doc = nlp("Biopsy: Non-Small-Cell lung cancer, stage IIIa.")
    assert [doc[s:e].text for _, s, e in matcher(doc)] == ["Non-Small-Cell lung cancer"]


def test_cached_words_tokenize_as_spacy_does(nlp: Language, shared_data: Path) -> None:
    """The words the tokenizer caches ahead of a note (``_cache_words``) give the tokens
    spaCy's own tokenizer with the same rules gives, on real notes read twice (the second
    time from the cache), words after a special case ("Dr.", "e.g.") included."""
    ours = nlp.tokenizer
    assert isinstance(ours, ClinicalTokenizer)
    plain = Tokenizer(
        nlp.vocab,
        rules=ours.rules,
        prefix_search=ours.prefix_search,
        suffix_search=ours.suffix_search,
        infix_finditer=ours.infix_finditer,
        token_match=ours.token_match,
        url_match=ours.url_match,
    )
    notes = [note.text for note in read_codiesp(shared_data / "codiesp" / "dev").notes[:60]]
    notes.append("Dr. Smith: pneumonia, e.g. RLL; s/p CABG 5mg b.i.d. (HTN/DM) x3")
    attrs = [ORTH, IDX, SPACY, NORM, LOWER]
    for _ in range(2):
        for text in notes:
            assert ours(text).to_array(attrs).tolist() == plain(text).to_array(attrs).tolist()
