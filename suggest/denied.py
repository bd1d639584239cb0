"""Denied mentions as learned candidates.

A coder following the guidelines never reports a negated, family-only or hypothetical
finding, and the default model never ranks one. Some coders do all the same: CodiEsp's
code "no fever" as R50.9 in 21 of 21 training notes. A model trained on such a corpus
learns it: the codes of the mentions the note denies become candidates, flagged with
what denies them and the cue ("negated", "no"), and ranked by how often the corpus's
coders coded each code when the note denied it. Whether a model does this at all is
learned per setting from its training notes (``CodedWhenDenied.learn``): coders who do
not code denied findings teach it never to rank them. Where a model learns from corpora
whose coders disagree (CodiEsp's, and US coders who follow the guidelines), it also
learns which convention a note's wording belongs to: a ``NoteDecision`` on the note's
character n-gram vector (the label model's, ``NoteReading.vector``). A corpus's notes
differ in wording (a translated Spanish case report, a US office note) far more than in
anything a request says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from code_index.records import System
from suggest.candidates import EXCLUDED_FLAGS, Candidate, candidates_from_matches
from suggest.extensions import MENTIONS_KEY, span_values
from suggest.mentions import TermMatch
from suggest.terms import TermTable

CodeKey = tuple[System, str]

MIN_CODED_SHARE = 0.05
"""Share of denied candidates that must be gold codes in a setting's training notes for a
model to rank denied mentions in that setting: well above what chance overlap (a code
denied in one place, coded for other words) gives a corpus whose coders never code them."""

_DENIED_VALUES = (*EXCLUDED_FLAGS, "context_cues", "matches")


def denied_candidates(doc: Doc, table: TermTable, present: Iterable[CodeKey]) -> list[Candidate]:
    """Candidates from the mentions the note negates, places in the family or names as
    hypothetical, for codes no affirmed mention supports (those in ``present``); each
    carries the first of those flags and the cues that set it."""
    found: list[tuple[Span, TermMatch]] = []
    why: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
    for span in doc.spans.get(MENTIONS_KEY, ()):
        *flags, cues, matches = span_values(span, _DENIED_VALUES)
        flag = next((f for f, value in zip(EXCLUDED_FLAGS, flags, strict=True) if value), "")
        if not flag:
            continue
        why[(span.start, span.end)] = (flag, tuple(cues))
        found.extend((span, match) for match in matches)
    if not found:
        return []
    skip = set(present)
    candidates = [c for c in candidates_from_matches(found, table) if c.key not in skip]
    for candidate in candidates:
        first = min(candidate.spans, key=lambda s: s.start_char)
        candidate.denied, candidate.denied_cues = why[(first.start, first.end)]
    return candidates


@dataclass(frozen=True)
class CodedWhenDenied:
    """How often each code was a gold code of a training note that denied it, smoothed
    toward the overall share so a code seen denied once is not trusted blindly. A model
    holds one per setting whose coders code denied findings, and none otherwise."""

    hits: Mapping[CodeKey, tuple[int, int]]  # -> (coded, denied)
    overall: float
    strength: float = 2.0

    def of(self, key: CodeKey) -> float:
        """Smoothed share of the notes denying ``key`` that coded it."""
        coded, seen = self.hits.get(key, (0, 0))
        return (coded + self.strength * self.overall) / (seen + self.strength)

    @classmethod
    def count(cls, denied: Iterable[tuple[CodeKey, bool]]) -> CodedWhenDenied:
        """From (code, coded) pairs: one per denied candidate of a training note."""
        hits: dict[CodeKey, tuple[int, int]] = {}
        for key, coded in denied:
            right, seen = hits.get(key, (0, 0))
            hits[key] = (right + int(coded), seen + 1)
        total = sum(seen for _, seen in hits.values())
        overall = sum(right for right, _ in hits.values()) / max(total, 1)
        return cls(hits, overall)

    @property
    def coders_code_denied(self) -> bool:
        """Whether these notes' coders code denied findings (see ``MIN_CODED_SHARE``)."""
        return self.overall >= MIN_CODED_SHARE


def denied_warning_text(candidate: Candidate) -> str:
    """What the coder reads on a denied candidate: what denies it, and the cue."""
    cues = ", ".join(f"“{cue}”" for cue in candidate.denied_cues)
    said = f" ({cues})" if cues else ""
    return (
        f"The note documents this as {candidate.denied}{said}; report "
        f"{candidate.target.code} only where your coding convention codes such findings."
    )
