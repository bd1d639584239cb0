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
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import NamedTuple, cast

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from thinc.types import Ints2d

from suggest.doc_words import lowered_texts, token_texts

_LIST_MARKER = re.compile(r"^(?:[0-9]{1,2}|[A-Za-z])[.)]?$")
_HEADING_JOINERS = frozenset({"/", "&", "-", "and", "of", "or"})
# SENT_START values as Doc.from_array takes them: 1 opens a sentence, -1 (as uint64) does not
_SENT_START = numpy.uint64(1)
_NOT_SENT_START = numpy.uint64(2**64 - 1)
_STARTS_KEY = "codesuggest.sentence_starts"  # in doc.user_data: the starts the component set
FLAGS_KEPT = 200_000  # token texts whose flags the component keeps (CodiEsp dev: ~12k)


class _Flags(NamedTuple):
    """What the rules read of a token text: its lexeme's flags."""

    is_space: bool
    is_alpha: bool
    is_upper: bool
    is_title: bool
    is_right_punct: bool
    is_quote: bool


class _Tokens:
    """What the rules read of each token, by position: the texts from the Doc's arrays,
    the flags of a text from its lexeme, read once per text (``known``, kept by the
    component) and only for the tokens the rules visit (inside a sentence they skip to
    the next line break or stop): ``doc[i]`` makes a Token object per read, and reading
    every flag of every token from the arrays cost more than the rules."""

    def __init__(self, doc: Doc, known: dict[str, _Flags]) -> None:
        self.doc = doc
        self.text = token_texts(doc)
        self.lower = lowered_texts(doc)
        self.known = known

    def flags(self, i: int) -> _Flags:
        """The flags of the token at ``i``."""
        text = self.text[i]
        found = self.known.get(text)
        if found is None:
            lexeme = self.doc.vocab[text]
            found = self.known[text] = _Flags(
                lexeme.is_space,
                lexeme.is_alpha,
                lexeme.is_upper,
                lexeme.is_title,
                lexeme.is_right_punct,
                lexeme.is_quote,
            )
        return found

    def whitespace(self, i: int) -> bool:
        """Whether a space follows the token at ``i``."""
        return bool(self.doc[i].whitespace_)


def doubts_what_follows(spaced_before: bool, touches_next: bool, word_before: bool) -> bool:
    """Whether a "?" after the first token of its sentence doubts what follows it rather
    than what comes before (one that opens its sentence, "A/P: ? pneumonia", always does):
    set apart from the word before (``spaced_before``), it touches the next word ("Cough
    ?pneumonia") or follows no word but a clause mark ("Cough with fever - ? pneumonia");
    "CHF?" asks about the word before it. The sentence component ends no sentence there,
    and ConText reads its doubt on that side."""
    return spaced_before and (touches_next or not word_before)


def _doubts_next(tokens: _Tokens, i: int, opens: bool) -> bool:
    """Whether the "?" at ``i`` doubts the word after it rather than ending a question
    (``doubts_what_follows``); ConText reads it as uncertain (rules/context.json)."""
    if i + 1 >= len(tokens.text) or not tokens.flags(i + 1).is_alpha:
        return False
    return opens or doubts_what_follows(
        tokens.whitespace(i - 1), not tokens.whitespace(i), tokens.flags(i - 1).is_alpha
    )


# marks that end a clause within a sentence
CLAUSE_ENDS = frozenset({",", ";", ":"})


def clause_of(
    words: Sequence[str], start: int, end: int, first: int = 0, last: int | None = None
) -> Sequence[str]:
    """The words of the clause around ``words[start:end]`` within ``words[first:last]``
    (its sentence): between the commas, semicolons and colons on either side ("Start
    enoxaparin 1 mg/kg SC q12h, transition to apixaban": "transition to apixaban")."""
    last = len(words) if last is None else last
    while start > first and words[start - 1] not in CLAUSE_ENDS:
        start -= 1
    while end < last and words[end] not in CLAUSE_ENDS:
        end += 1
    return words[start:end]


def sentence_starts(doc: Doc) -> list[int]:
    """The first token of each sentence, as ``[s.start for s in doc.sents]`` gives them,
    read from the array: ``doc.sents`` makes a Token object per token and a Span per
    sentence, which costs more than the matching on a note of many short sentences. The
    sentence component keeps what it set (five components of a note ask); a Doc whose
    boundaries came from elsewhere is read each time."""
    kept: list[int] | None = doc.user_data.get(_STARTS_KEY)
    if kept is not None:
        return kept
    if not len(doc):
        return []
    flags = doc.to_array(SENT_START)
    return [0, *(numpy.flatnonzero(flags[1:] == 1) + 1).tolist()]


def sentence_of(starts: list[int], length: int, start: int) -> tuple[int, int]:
    """The token range of the sentence holding token ``start``, as ``span.sent`` gives it
    for a span beginning there (the first sentence of one that crosses a boundary), found
    by bisection of the note's ``sentence_starts`` (``length`` is the note's token count):
    ``span.sent`` walks the tokens to each boundary and makes a Span per call."""
    at = bisect_right(starts, start)
    return starts[at - 1], starts[at] if at < len(starts) else length


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
        self._known: dict[str, _Flags] = {}  # token text -> its flags (``_Tokens``)

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
        if len(self._known) > FLAGS_KEPT:
            self._known.clear()
        tokens = _Tokens(doc, self._known)
        texts = tokens.text
        # inside a sentence's content only a line break or a stop changes anything: the
        # loop jumps from one of them to the next (or to the cut of a run-on sentence)
        # rather than visiting each word in Python
        events = self._events(tokens)
        event = 0  # the first of ``events`` not behind ``i``
        while i < n:
            if content and not pending and not after_end_punct:
                event = bisect_left(events, i, event)
                cut = last_start + self.max_sentence_tokens
                if cut > i:
                    following = events[event] if event < len(events) else n
                    if min(following, cut) > i:
                        i = min(following, cut)
                        continue
            text = texts[i]
            flags = tokens.flags(i)
            if flags.is_space:
                if "\n" in text:
                    pending = True
                    after_end_punct = False
                i += 1
                continue
            if after_end_punct and (
                flags.is_right_punct or flags.is_quote or text in self.sentence_end
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
                marker = self._list_marker_length(tokens, i)
                if marker:
                    i += marker
                    continue
                heading = self._heading_length(tokens, i)
                if heading:
                    content = pending = True
                    i += heading
                    continue
            opens = not content
            content = True
            if text in self.sentence_end and not (text == "?" and _doubts_next(tokens, i, opens)):
                pending = after_end_punct = True
            i += 1
        if not content:
            starts[last_start] = _NOT_SENT_START  # a trailing lone marker joins the sentence before
        if n:
            starts[0] = _SENT_START
        # one array write: the token.is_sent_start setter rescans the doc on every call
        doc.from_array([SENT_START], cast(Ints2d, starts))
        doc.user_data[_STARTS_KEY] = [0, *(numpy.flatnonzero(starts[1:, 0] == 1) + 1).tolist()]
        return doc

    def _events(self, tokens: _Tokens) -> list[int]:
        """Positions of the tokens that may change a sentence's state: spaces holding a
        line break and sentence stops (every other token inside a sentence's content
        leaves it as it was)."""
        ends = self.sentence_end
        return [
            i
            for i, text in enumerate(tokens.text)
            if text in ends or ("\n" in text and tokens.flags(i).is_space)
        ]

    def _list_marker_length(self, tokens: _Tokens, i: int) -> int:
        """Tokens of a list marker (``1 .``, ``2 )``, ``a.``, ``-``) opening a sentence at ``i``."""
        text = tokens.text[i]
        if text in self.bullets:
            return 1
        if not _LIST_MARKER.match(text):
            return 0
        if text[-1] in ".)":
            return 1
        if (
            i + 1 < len(tokens.text)
            and tokens.text[i + 1] in {".", ")"}
            and not tokens.whitespace(i)
        ):
            return 2
        return 0

    def _heading_length(self, tokens: _Tokens, i: int) -> int:
        """Tokens of a heading at ``i`` through its colon (``Past medical history:``), else 0."""
        flags = tokens.flags(i)
        if not flags.is_alpha or not (flags.is_upper or flags.is_title):
            return 0
        end = min(len(tokens.text), i + self.max_heading_tokens + 1)
        for j in range(i + 1, end):
            if tokens.text[j] == ":":
                return j - i + 1
            if not (tokens.flags(j).is_alpha or tokens.lower[j] in _HEADING_JOINERS):
                return 0
        return 0
