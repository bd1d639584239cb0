"""Evidence for a code no term matched, suggested from what labeled notes taught: where
the note says the term associated with it in training notes, then the words that set
its training notes apart. Such a code is never shown without words of the note."""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc

from suggest.candidates import Candidate
from suggest.extensions import doc_sections, section_key
from suggest.results import Evidence
from suggest.served_learners import NeighborScorer

PROFILE_EVIDENCE = 3  # evidence words shown for a code suggested by the note model alone
_BETWEEN_TERM_WORDS = r"(?:[^a-z]|\b[a-z]\b)+"


def learned_evidence(
    doc: Doc, text: str, lowered: str, candidate: Candidate, note_model: NeighborScorer
) -> tuple[Evidence, ...]:
    """Up to ``PROFILE_EVIDENCE`` places in the note, in text order (``lowered`` is
    ``text.lower()``, computed once per note)."""
    phrases = [candidate.association_term] if candidate.association_term else []
    phrases += note_model.profiles_.get(candidate.key, ())
    found: list[Evidence] = []
    sections = doc_sections(doc)
    for phrase in dict.fromkeys(phrases):
        match = _first_match(_phrase_pattern(phrase), lowered, phrase.split(maxsplit=1)[0])
        if match is None:
            continue
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        # the section of the span's first token (``Token._.section``, without an accessor)
        section = section_key(sections, span.start_char) if span is not None and len(span) else None
        found.append(
            Evidence(match.start(), match.end(), text[match.start() : match.end()], section)
        )
        if len(found) >= PROFILE_EVIDENCE:
            break
    return tuple(sorted(found, key=lambda e: e.start))


def _first_match(pattern: re.Pattern[str], lowered: str, first: str) -> re.Match[str] | None:
    r"""``pattern.search(lowered)``: a match opens with the phrase's ``first`` word, so
    the pattern is tried only where ``str.find`` puts that word (``\b`` still reads the
    character before each place). A search that found no match tried every place of the
    note after the word's first one, and four in ten of a trained model's phrases find
    none (~1.9k a CodiEsp dev pass)."""
    at = lowered.find(first)
    while at >= 0:
        match = pattern.match(lowered, at)
        if match is not None:
            return match
        at = lowered.find(first, at + 1)
    return None


@lru_cache(maxsize=65_536)  # a trained model's phrases: more than re's own cache holds
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A learned phrase as a note may write it: analyzer terms are letter runs of two or
    more, so anything else may lie between its words."""
    return re.compile(r"\b" + _BETWEEN_TERM_WORDS.join(map(re.escape, phrase.split())) + r"\b")
