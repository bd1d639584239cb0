"""Scoring the ConText component on annotated sentences: precision, recall and F1 per
flag, the measures published for medspaCy's ConText on annotated negation sets.

Each sentence names one target phrase and the flags a reader gives it (negated,
historical, hypothetical, family). The target is made a mention where the mention
matcher would put it, just before ConText, so the score is the context rules' alone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from suggest.extensions import MENTIONS_KEY

SCORED_FLAGS = ("negated", "historical", "hypothetical", "family")
CONTEXT_PIPE = "codesuggest_context"


@dataclass(frozen=True)
class AnnotatedSentence:
    """A sentence, the phrase it is about (its first occurrence) and that phrase's flags."""

    text: str
    target: str
    flags: frozenset[str]


@dataclass(frozen=True)
class FlagScore:
    """Precision, recall and F1 of one flag over a set of sentences."""

    flag: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 1.0

    @property
    def f1(self) -> float:
        both = self.precision + self.recall
        return 2 * self.precision * self.recall / both if both else 0.0


def read_annotated_sentences(path: Path) -> list[AnnotatedSentence]:
    """Rows ``text<TAB>target<TAB>flags`` ('#' lines are comments; flags comma-separated)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        for number, row in enumerate(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            text, target, flags = [*row, ""][:3]
            if target not in text:
                raise ValueError(f"row {number}: the target {target!r} is not in its sentence")
            found = frozenset(f for f in flags.split(",") if f)
            if found - set(SCORED_FLAGS):
                raise ValueError(f"row {number}: unknown flags {sorted(found - set(SCORED_FLAGS))}")
            rows.append(AnnotatedSentence(text, target, found))
    return rows


def predicted_flags(nlp: Language, sentence: AnnotatedSentence) -> frozenset[str]:
    """The flags the pipeline's ConText gives the sentence's target."""
    doc = nlp.make_doc(sentence.text)
    for name, component in nlp.pipeline:
        if name == CONTEXT_PIPE:
            start = sentence.text.index(sentence.target)
            span = doc.char_span(start, start + len(sentence.target), alignment_mode="expand")
            doc.spans[MENTIONS_KEY] = [span] if span is not None else []
        doc = component(doc)
    spans = doc.spans.get(MENTIONS_KEY, [])
    if not spans:
        return frozenset()
    return frozenset(flag for flag in SCORED_FLAGS if getattr(spans[0]._, flag))


def score_context(
    nlp: Language, sentences: Iterable[AnnotatedSentence], flags: Sequence[str] = SCORED_FLAGS
) -> dict[str, FlagScore]:
    """Precision, recall and F1 of each flag over ``sentences``."""
    counts = {flag: [0, 0, 0] for flag in flags}
    for sentence in sentences:
        predicted = predicted_flags(nlp, sentence)
        for flag in flags:
            said, gold = flag in predicted, flag in sentence.flags
            if said or gold:
                counts[flag][0 if said and gold else 1 if said else 2] += 1
    return {flag: FlagScore(flag, *counts[flag]) for flag in flags}
