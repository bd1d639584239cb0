"""The text and words read once from a Doc are its own, on real case reports."""

from __future__ import annotations

from pathlib import Path

import spacy

from suggest.doc_words import lowered_texts, note_text, token_texts
from suggest.tokenizer import TOKENIZER

_TEXT = "codesuggest.doc_words.text"


def test_words_are_the_tokens_texts_on_codiesp_notes(shared_data: Path) -> None:
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    notes = sorted((shared_data / "codiesp" / "dev" / "text_files_en").glob("*.txt"))[:20]
    long_run = "Pain " + "(" * 250 + " noted."  # tokenized in pieces (suggest.tokenizer)
    for text in [*(path.read_text(encoding="utf-8") for path in notes), long_run]:
        doc = nlp(text)
        assert doc.user_data[_TEXT] == text  # the tokenizer kept it: not rebuilt from tokens
        assert token_texts(doc) == [token.text for token in doc]
        assert lowered_texts(doc) == [token.lower_ for token in doc]
        assert note_text(doc) == doc.text
        assert lowered_texts(doc) is lowered_texts(doc)  # read once per note


def test_a_doc_without_tokens_has_no_words() -> None:
    doc = spacy.blank("en")("")
    assert token_texts(doc) == [] and lowered_texts(doc) == []
