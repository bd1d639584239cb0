"""Sentence boundaries for clinical notes, where lines matter more than punctuation.

spaCy's punctuation-based sentencizer runs lines together (notes often have no
full stop at the end of a line) and splits after list numbers. ConText limits
a trigger's scope to its sentence, so these boundaries decide how far a
negation reaches. The rules:

- a newline ends a sentence;
- ``.``, ``!`` or ``?`` standing as their own token end a sentence (a closing
  bracket or quote right after them stays in it, and so do more stops: ``!!!``).
  Abbreviations never do: the clinical tokenizer keeps ``Dr.``, ``e.g.``, ``vs.``,
  ``approx.`` whole;
- a list marker opening a line or sentence (``1.``, ``2)``, ``a.``, ``-``, ``•``)
  ends nothing, and a line holding only a marker joins the line after it (the
  last line: the one before), so no sentence is empty;
- a heading (``PAST MEDICAL HISTORY:``: a few capitalised words and a colon at the
  start of a line or sentence) is a sentence of its own, so a heading's words
  ("history of present illness") never become ConText triggers for its content;
- a sentence is cut after ``max_sentence_tokens`` tokens (CodiEsp's longest has 95):
  matching and ConText work within a sentence, so this bounds their work on text that
  never ends a sentence (noise, a word repeated thousands of times).
"""

from __future__ import annotations

import re
from typing import cast

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from thinc.types import Ints2d

_LIST_MARKER = re.compile(r"^(?:[0-9]{1,2}|[A-Za-z])[.)]?$")
_HEADING_JOINERS = frozenset({"/", "&", "-", "and", "of", "or"})
# SENT_START values as Doc.from_array takes them: 1 opens a sentence, -1 (as uint64) does not
_SENT_START = numpy.uint64(1)
_NOT_SENT_START = numpy.uint64(2**64 - 1)


def sentence_starts(doc: Doc) -> list[int]:
    """The first token of each sentence, as ``[s.start for s in doc.sents]`` gives them,
    read from the array: ``doc.sents`` makes a Token object per token and a Span per
    sentence, which costs more than the matching on a note of many short sentences."""
    if not len(doc):
        return []
    flags = doc.to_array(SENT_START)
    return [0, *(numpy.flatnonzero(flags[1:] == 1) + 1).tolist()]


@Language.factory(
    "codesuggest_sentences",
    default_config={
        "sentence_end": [".", "!", "?", "..."],
        "bullets": ["-", "*", "•", "·", "▪", "◦", "‣"],
        "max_heading_tokens": 6,
        "max_sentence_tokens": 200,
    },
)
class ClinicalSentencizer:
    """Sets ``token.is_sent_start`` on every token of a note."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        sentence_end: list[str],
        bullets: list[str],
        max_heading_tokens: int,
        max_sentence_tokens: int,
    ) -> None:
        self.name = name
        self.sentence_end = frozenset(sentence_end)
        self.bullets = frozenset(bullets)
        self.max_heading_tokens = max_heading_tokens
        self.max_sentence_tokens = max_sentence_tokens

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        starts = numpy.full((n, 1), _NOT_SENT_START, dtype=numpy.uint64)
        content = False  # the current sentence holds something besides markers and spaces
        pending = False  # a boundary was seen; the next non-space token opens a sentence
        after_end_punct = False
        last_start = 0
        i = 0
        while i < n:
            token = doc[i]
            if token.is_space:
                if "\n" in token.text:
                    pending = True
                    after_end_punct = False
                i += 1
                continue
            if after_end_punct and (
                token.is_right_punct or token.is_quote or token.text in self.sentence_end
            ):
                i += 1  # a bracket, quote or further stop closing the sentence belongs to it
                continue
            after_end_punct = False
            if pending and content:
                starts[i] = _SENT_START
                last_start = i
                content = False
            elif content and i - last_start >= self.max_sentence_tokens:
                starts[i] = _SENT_START  # a run-on "sentence" is cut
                last_start = i
            pending = False
            if not content:
                marker = self._list_marker_length(doc, i)
                if marker:
                    i += marker
                    continue
                heading = self._heading_length(doc, i)
                if heading:
                    content = pending = True
                    i += heading
                    continue
            content = True
            if token.text in self.sentence_end:
                pending = after_end_punct = True
            i += 1
        if not content:
            starts[last_start] = _NOT_SENT_START  # a trailing lone marker joins the sentence before
        if n:
            starts[0] = _SENT_START
        # one array write: the token.is_sent_start setter rescans the doc on every call
        doc.from_array([SENT_START], cast(Ints2d, starts))
        return doc

    def _list_marker_length(self, doc: Doc, i: int) -> int:
        """Tokens of a list marker (``1 .``, ``2 )``, ``a.``, ``-``) opening a sentence at ``i``."""
        text = doc[i].text
        if text in self.bullets:
            return 1
        if not _LIST_MARKER.match(text):
            return 0
        if text[-1] in ".)":
            return 1
        if i + 1 < len(doc) and doc[i + 1].text in {".", ")"} and not doc[i].whitespace_:
            return 2
        return 0

    def _heading_length(self, doc: Doc, i: int) -> int:
        """Tokens of a heading at ``i`` through its colon (``Past medical history:``), else 0."""
        first = doc[i]
        if not first.is_alpha or not (first.is_upper or first.is_title):
            return 0
        end = min(len(doc), i + self.max_heading_tokens + 1)
        for j in range(i + 1, end):
            token = doc[j]
            if token.text == ":":
                return j - i + 1
            if not (token.is_alpha or token.lower_ in _HEADING_JOINERS):
                return 0
        return 0
