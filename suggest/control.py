"""How well a condition is controlled, read as the code the Index gives it
(``rules/control.json``): "Type 2 diabetes mellitus, uncontrolled - A1c 9.4%" is diabetes
with hyperglycemia, and "poorly controlled DM2" too. The phrase is read only where it is
said of the condition, next to its words in its sentence: "DM2, well controlled.
Hypertension, uncontrolled." says nothing of the diabetes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Span

from suggest.doc_words import lowered_texts
from suggest.rules import read_rules
from suggest.sentences import sentence_of, sentence_starts


@dataclass(frozen=True)
class ControlRules:
    """``rules/control.json``: the conditions it speaks of, how near a phrase must be,
    each phrase (as lower-case words) with the code it reads, and its other meanings."""

    of: tuple[str, ...]
    window: int
    between: frozenset[str]
    phrases: tuple[tuple[tuple[str, ...], str], ...]
    unless: dict[tuple[str, ...], frozenset[str]]


@cache
def control_rules() -> ControlRules:
    rules = read_rules(None, "control.json")
    return ControlRules(
        of=tuple(rules["of"]),
        window=int(rules["window"]),
        between=frozenset(rules["between"]),
        phrases=tuple((tuple(p.split()), code) for p, code in rules["phrases"].items()),
        unless={tuple(p.split()): frozenset(words) for p, words in rules["unless"].items()},
    )


def control_readings(doc: Doc, code: str, spans: Iterable[Span]) -> list[tuple[Span, str]]:
    """The control phrases said of a condition coded ``code`` read from ``spans``, each
    as its words and the code it reads; none for a code the rules do not speak of."""
    rules = control_rules()
    if not code.startswith(rules.of):
        return []
    lowered = lowered_texts(doc)
    starts = sentence_starts(doc)
    found = []
    for span in spans:
        first, end = sentence_of(starts, len(doc), span.start)
        sentence = lowered[first:end]
        for words, read in rules.phrases:
            at = _said_of(lowered, words, span, first, end, rules)
            if at is not None and rules.unless.get(words, frozenset()).isdisjoint(sentence):
                found.append((doc[at : at + len(words)], read))
    return found


def _said_of(
    lowered: Sequence[str],
    words: tuple[str, ...],
    span: Span,
    first: int,
    end: int,
    rules: ControlRules,
) -> int | None:
    """Where ``words`` begin within ``rules.window`` tokens after ``span`` or end within
    them before, inside the sentence ``first``..``end``, with only punctuation and
    ``rules.between`` words between; None where they do not."""
    size = len(words)
    after = range(span.end, min(span.end + rules.window, end - size + 1))
    before = range(span.start - size, max(first, span.start - rules.window - size + 1) - 1, -1)
    for at, gap in (
        *((at, lowered[span.end : at]) for at in after),
        *((at, lowered[at + size : span.start]) for at in before),
    ):
        if tuple(lowered[at : at + size]) == words and all(
            not word.isalnum() or word in rules.between for word in gap
        ):
            return at
    return None
