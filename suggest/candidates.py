"""From mentions to candidate codes: one candidate per code the note's mentions lead to,
with the evidence and the features the ranker scores it on.

The rules a coder applies before weighing anything live here: a condition that is
negated, only in the family, or hypothetical is never a candidate; a term whose words
all sit inside a longer, more specific match of another code gives way to it
("chronic kidney disease" inside "chronic kidney disease, stage 3a").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc, Span

from code_index.records import System
from suggest.extensions import MENTIONS_KEY
from suggest.mentions import TermMatch
from suggest.terms import TargetCode, TermSource, TermTable

# Sections whose conditions a coder reports with most confidence, and the opposite.
ASSESSMENT_SECTIONS = frozenset(
    {"assessment", "assessment_and_plan", "impression", "diagnoses", "plan", "procedure"}
)
HISTORY_SECTIONS = frozenset({"past_medical_history", "past_surgical_history", "social_history"})
EXCLUDED_FLAGS = ("negated", "family", "hypothetical")

FEATURE_NAMES: tuple[str, ...] = (
    "coverage",  # best share of a term's words found
    "words",  # words in the best match
    "partial",  # the best match lacks one of its term's required words
    "rarity",  # how specific the matched words are across the code sets
    "rivals",  # log(1 + other codes read from the same words)
    "best_reading",  # it is the best reading of those words
    "single_word",
    "from_title",
    "from_term",
    "from_lexicon",
    "abbreviation",
    "via_header",  # the code is the default descendant of a matched header
    "depth",  # characters beyond the category
    "mentions",  # log(1 + number of places)
    "first_position",  # where in the note it is first mentioned (0..1)
    "in_assessment",
    "in_history_section",
    "uncertain",
    "historical",
    "system_icd10cm",
    "system_procedure",
    "system_hcpcs",
)


@dataclass
class Candidate:
    """One code the note may support, with every place that supports it."""

    target: TargetCode
    matches: list[TermMatch] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    rivals: int = 1_000  # fewest other codes read from the same words, over its matches
    best_reading: bool = False  # some match of it is the best reading of its words

    @property
    def key(self) -> tuple[System, str]:
        """Identity of the code across targets (a code reached directly and via a header)."""
        return (self.target.system, self.target.code)


def collect_candidates(doc: Doc, table: TermTable) -> list[Candidate]:
    """Candidates from the mentions that are not negated, family or hypothetical, after
    dropping matches covered by a more specific match of another code."""
    found: list[tuple[Span, TermMatch]] = []
    for span in doc.spans.get(MENTIONS_KEY, ()):
        if any(getattr(span._, flag) for flag in EXCLUDED_FLAGS):
            continue
        found.extend((span, match) for match in span._.matches)
    # complete matches by first token they cover: a match can only lie inside one that
    # covers its own first token
    covering: dict[int, list[tuple[frozenset[int], str]]] = {}
    for _, match in found:
        if match.complete:
            entry = (frozenset(match.positions), table.targets[match.target].code)
            for position in match.positions:
                covering.setdefault(position, []).append(entry)
    kept = [
        (span, match)
        for span, match in found
        if not any(
            frozenset(match.positions) < theirs and code != table.targets[match.target].code
            for theirs, code in covering.get(match.positions[0], ())
        )
    ]
    # the codes competing for the very same words, and the best quality among them
    rivals: dict[tuple[int, ...], set[str]] = {}
    best_quality: dict[tuple[int, ...], tuple[float, ...]] = {}
    for _, match in kept:
        rivals.setdefault(match.positions, set()).add(table.targets[match.target].code)
        quality = match_quality(match)
        if quality > best_quality.get(match.positions, ()):
            best_quality[match.positions] = quality
    candidates: dict[tuple[System, str], Candidate] = {}
    for span, match in kept:
        target = table.targets[match.target]
        candidate = candidates.setdefault((target.system, target.code), Candidate(target))
        if target.via is None and candidate.target.via is not None:
            candidate.target = target  # reached directly beats reached through a header
        candidate.matches.append(match)
        candidate.rivals = min(candidate.rivals, len(rivals[match.positions]) - 1)
        if match_quality(match) == best_quality[match.positions]:
            candidate.best_reading = True
        if span not in candidate.spans:
            candidate.spans.append(span)
    return list(candidates.values())


def match_quality(match: TermMatch) -> tuple[float, ...]:
    """How well a match reads its words: complete first, then coverage, length, rarity."""
    return (float(match.complete), match.coverage, float(match.words), match.rarity)


def candidate_features(candidate: Candidate, note_length: int) -> list[float]:
    """The ranker's view of a candidate, in ``FEATURE_NAMES`` order."""
    best = max(candidate.matches, key=match_quality)
    sources = {m.source for m in candidate.matches}
    sections = [span[0]._.section for span in candidate.spans]
    spans = candidate.spans
    system = candidate.target.system
    length = max(note_length, 1)
    return [
        best.coverage,
        float(best.words),
        float(not best.complete),
        best.rarity,
        float(np.log1p(candidate.rivals)),
        float(candidate.best_reading),
        float(best.words == 1),
        float(TermSource.TITLE in sources),
        float(TermSource.TERM in sources),
        float(TermSource.LEXICON in sources),
        float(all(m.abbreviation for m in candidate.matches)),
        float(candidate.target.via is not None),
        float(candidate.target.depth),
        float(np.log1p(len(spans))),
        min(span.start_char for span in spans) / length,
        float(any(s in ASSESSMENT_SECTIONS for s in sections)),
        float(all(s in HISTORY_SECTIONS for s in sections)),
        float(all(span._.uncertain for span in spans)),
        float(all(span._.historical for span in spans)),
        float(system is System.ICD10CM),
        float(system in (System.CPT, System.ICD10PCS)),
        float(system is System.HCPCS),
    ]


def feature_matrix(candidates: Sequence[Candidate], doc: Doc) -> np.ndarray:
    """Features of all candidates of a note as one array (rows in candidate order)."""
    if not candidates:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    note_length = len(doc.text)
    return np.asarray([candidate_features(c, note_length) for c in candidates], dtype=np.float32)
