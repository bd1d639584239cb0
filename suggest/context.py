"""ConText: is a mention negated, uncertain, hypothetical, historical or about a relative?

An implementation of the ConText algorithm (Harkema et al. 2009, J Biomed Inform
42:839), which extends NegEx (Chapman et al. 2001): trigger phrases from
``rules/context.json`` each have a category and a direction, and modify the
mentions inside their scope. A scope

- runs forward from the trigger, backward to it, or both;
- stays inside the trigger's sentence (the whole doc when no sentence boundaries
  were set) and within ``max_scope`` tokens of the trigger (a rule may set a
  shorter reach of its own: "negative" in "HIV negative" reaches 3 tokens back);
- ends at a termination term ("but", "however", "which", "presents", ";"), so in
  "no fever but has cough" only fever is negated.

Each mention is compared only with the triggers whose scope can reach it (found by
bisection), so "no no no … pneumonia" costs what its length does, not its square.

Pseudo-triggers ("no increase", "gram negative") are matched like triggers and,
as the longest match wins where matches overlap, hide the trigger inside them.
A trigger inside a mention does not modify it: "history of falls" is a concept of
its own, not a historical fall. Mentions in a family-history section are family; in a
past surgical history, historical ("PSH: L THA 2020, lap chole" was done before).
Results go on the mention spans in ``doc.spans[spans_key]``: one boolean per flag
of :data:`suggest.extensions.CONTEXT_FLAGS` and ``Span._.context_cues``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from suggest.budget import check_deadline
from suggest.doc_words import lowered_texts, note_text
from suggest.extensions import (
    CONTEXT_FLAGS,
    MENTIONS_KEY,
    register_extensions,
    section_at,
    set_span_values,
    span_values,
)
from suggest.plausibility import holds_phrase
from suggest.rules import RuleFileComponent, read_rules
from suggest.sentences import CLAUSE_ENDS, doubts_what_follows, sentence_starts

register_extensions()

CATEGORY_FLAGS = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HYPOTHETICAL": "hypothetical",
    "HISTORICAL": "historical",
    "FAMILY": "family",
}
"""ConText category -> the ``Span._`` flag it sets."""

PSEUDO = "PSEUDO"
TERMINATE = "TERMINATE"
DIRECTIONS = ("forward", "backward", "bidirectional")


class RuleSpec(NamedTuple):
    """How a rule's phrases act: its category, direction (for TERMINATE: whether it ends
    scopes before or after itself), reach, and whether a following word cancels it."""

    category: str
    direction: str
    max_scope: int | None
    # a short backward trigger followed by a word is that word's adjective, not a cue:
    # "negative nitrites", "absent pulses" say nothing of what comes before them
    not_before_word: bool
    # the mention kinds it modifies (empty: all): a normal finding negates a diagnosis,
    # while "colonoscopy unremarkable" was still done
    kinds: frozenset[str] = frozenset()
    # phrases whose sentence the trigger says nothing in: "no evidence of disease" says a
    # cancer was eradicated, not where the sentence says it is treated ("on adjuvant")
    not_with: tuple[tuple[str, ...], ...] = ()
    # a scope that stays in its clause: "Dizziness - BPPV vs vestibular neuritis" doubts
    # the two diagnoses "vs" weighs, not the symptom the clause mark sets apart
    clause: bool = False
    # a bidirectional mark whose scope lies on the side it is written against: "CHF?"
    # doubts what comes before, "?pneumonia" or a sentence's opening "? pneumonia" what
    # follows ("Cough ?pneumonia" doubts the pneumonia, not the cough)
    attached: bool = False
    # words the trigger describes when written before them: "disease-free margins" say
    # nothing of the cancer before them
    not_before: frozenset[str] = frozenset()
    # the mentions it modifies, by their words (empty: all): a decision rule's verdict
    # ("PERC negative", "HEART score 2") rules out the condition it is made for, not the
    # symptom it was weighed on ("Dyspnea - Wells 0, PERC negative")
    only_of: tuple[tuple[str, ...], ...] = ()


# dashes, which end a clause for a scope that stays in it (beside ``CLAUSE_ENDS``) only
# where spaces set them apart: "COVID-19 vs influenza" is one clause
DASHES = frozenset({"-", "\u2013", "\u2014"})


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger found in a doc: the flag it sets, its tokens, and the tokens it modifies."""

    flag: str
    start: int
    end: int
    scope_start: int
    scope_end: int
    text: str
    kinds: frozenset[str] = frozenset()
    only_of: tuple[tuple[str, ...], ...] = ()


# the cues a code-set title's own residual clause begins with ("... without macular
# edema, bilateral"), which term_words leaves out of the term
TITLE_ABSENCE_CUES = frozenset({"without", "w/o"})


@Language.factory(
    "codesuggest_context",
    default_config={
        "rules_path": None,
        "spans_key": MENTIONS_KEY,
        "max_scope": 15,
        "family_sections": ["family_history"],
        "historical_sections": ["past_surgical_history"],
    },
)
class ConTextComponent(RuleFileComponent):
    """Sets the context flags and cues of every mention in ``doc.spans[spans_key]``."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        rules_path: str | None,
        spans_key: str,
        max_scope: int | None,
        family_sections: list[str],
        historical_sections: list[str],
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.max_scope = max_scope
        self.family_sections = frozenset(family_sections)
        self.historical_sections = frozenset(historical_sections)
        self.rules = read_rules(rules_path, "context.json")
        self._build()

    def _build(self) -> None:
        """Check the rules and compile every phrase into one matcher."""
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._rule_of: dict[int, RuleSpec] = {}
        seen: dict[tuple[bool | str, ...], str] = {}
        for rule in self.rules["rules"]:
            category = rule["category"]
            # a termination term ends scopes before itself, or with "ends": "after", after
            # itself ("no known drug allergies" negates the allergies and nothing further)
            direction = (
                rule.get("ends", "before") if category == TERMINATE else rule.get("direction", "")
            )
            if category not in CATEGORY_FLAGS and category not in (PSEUDO, TERMINATE):
                raise ValueError(f"unknown ConText category {category!r}")
            if category in CATEGORY_FLAGS and direction not in DIRECTIONS:
                raise ValueError(f"{category} rule needs a direction in {DIRECTIONS}")
            spec = RuleSpec(
                category,
                direction,
                rule.get("max_scope", self.max_scope),
                bool(rule.get("not_before_word", False)),
                frozenset(rule.get("kinds", ())),
                tuple(
                    tuple(t.lower_ for t in self.nlp.make_doc(phrase))
                    for phrase in rule.get("not_with", ())
                ),
                bool(rule.get("clause", False)),
                bool(rule.get("attached", False)),
                frozenset(rule.get("not_before", ())),
                tuple(
                    tuple(t.lower_ for t in self.nlp.make_doc(phrase))
                    for phrase in rule.get("only_of", ())
                ),
            )
            label = "/".join(map(str, spec))
            patterns = [
                self.nlp.make_doc(phrase)
                for written in rule["phrases"]
                for phrase in _numbered(written, self.rules.get("numbers", ()))
            ]
            for pattern in patterns:
                # a phrase may end scopes and be a cue too ("consistent with" ends a
                # negation before it and doubts a malignancy after it): a termination term
                # never hides a trigger
                words = (category == TERMINATE, *(token.lower_ for token in pattern))
                if words in seen:
                    raise ValueError(f"phrase {pattern.text!r} is in {seen[words]} and {label}")
                seen[words] = label
            self.matcher.add(label, patterns)
            self._rule_of[self.nlp.vocab.strings[label]] = spec

    def __call__(self, doc: Doc) -> Doc:
        if self.spans_key not in doc.spans or not doc.spans[self.spans_key]:
            return doc
        triggers = self.find_triggers(doc)
        starts = [trigger.start for trigger in triggers]
        # the farthest any scope lies from its trigger's first token
        reach = max(
            (max(t.start - t.scope_start, t.scope_end - t.start) for t in triggers), default=0
        )
        sections = doc._.sections
        deadline = doc._.deadline
        for mention in doc.spans[self.spans_key]:
            check_deadline(deadline, "ConText")
            found: set[str] = set()
            cues: list[str] = []
            first = bisect_left(starts, mention.start - reach)
            last = bisect_right(starts, mention.end + reach)
            if first < last:  # most mentions have no trigger within reach: nothing to read
                matches, kind = span_values(mention, ("matches", "kind"))
                for trigger in triggers[first:last]:
                    if not (
                        mention.start < trigger.scope_end and mention.end > trigger.scope_start
                    ):
                        continue  # out of scope
                    if trigger.kinds and kind is not None and kind not in trigger.kinds:
                        continue
                    if trigger.only_of and not holds_phrase(
                        lowered_texts(doc)[mention.start : mention.end], trigger.only_of
                    ):
                        continue
                    # a term's own wording ("Personal history of …") is no cue about it; a
                    # cue between its words is ("kidney showed no lesion") where it reaches
                    # one of them in its clause, not where it reaches only words the term
                    # leaves out ("retinopathy without macular edema, bilateral": the
                    # title's own "without" clause); one that begins before them is ("No
                    # family history of" a "family history of …")
                    inside_mention = mention.start <= trigger.start < mention.end
                    if inside_mention and matches:
                        inside_mention = _own_wording(doc, trigger, matches)
                    if not inside_mention:
                        found.add(trigger.flag)
                        if trigger.text not in cues:
                            cues.append(trigger.text)
            if sections:
                section = section_at(sections, mention.start_char)
                if section is not None and section.key in self.family_sections:
                    found.add("family")
                    cues.append(section.heading)
                elif section is not None and section.key in self.historical_sections:
                    # a past surgical history lists what was done before: "PSH: L THA 2020"
                    found.add("historical")
                    cues.append(section.heading)
            if cues:
                # False and () are the defaults: only what is found is written
                values: dict[str, Any] = {flag: True for flag in CONTEXT_FLAGS if flag in found}
                values["context_cues"] = tuple(cues)
                set_span_values(mention, values)
        return doc

    def find_triggers(self, doc: Doc) -> list[Trigger]:
        """Every modifying trigger in ``doc`` with its scope, in text order."""
        kept = self._longest_matches(doc)
        term_cuts = sorted(
            end if spec.direction == "after" else start
            for start, end, spec in kept
            if spec.category == TERMINATE
        )
        term_ends = [end for _, end, spec in kept if spec.category == TERMINATE]
        sent_starts = sentence_starts(doc)  # [0] when no sentences were set
        note = note_text(doc)
        triggers = []
        for start, end, spec in kept:
            (
                category,
                direction,
                max_scope,
                not_before_word,
                kinds,
                not_with,
                clause,
                attached,
                not_before,
                only_of,
            ) = spec
            if category not in CATEGORY_FLAGS:
                continue
            if not_before_word and end < len(doc) and doc[end].is_alpha and not doc[end].is_stop:
                continue
            if not_before and end < len(doc) and lowered_texts(doc)[end] in not_before:
                continue
            sentence = bisect_right(sent_starts, start) - 1
            sent_start = sent_starts[sentence]
            sent_end = sent_starts[sentence + 1] if sentence + 1 < len(sent_starts) else len(doc)
            if not_with and holds_phrase(lowered_texts(doc)[sent_start:sent_end], not_with):
                continue
            if attached:
                direction = _written_against(doc, start, end, sent_start)
            # a forward scope starts after the trigger, a backward one ends before it
            scope_start, scope_end = end, start
            if direction in ("forward", "bidirectional"):
                scope_end = sent_end
                if max_scope is not None:
                    scope_end = min(scope_end, end + max_scope)
                after = bisect_left(term_cuts, end)
                if after < len(term_cuts):
                    scope_end = min(scope_end, term_cuts[after])
            if direction in ("backward", "bidirectional"):
                scope_start = sent_start
                if max_scope is not None:
                    scope_start = max(scope_start, start - max_scope)
                    # a slash list is one phrase: "COVID/influenza/RSV PCR negative" denies
                    # each of its names, however many words it takes (not past a comma:
                    # "COPD/asthma, sputum negative" denies the sputum only)
                    if not any(t.is_punct and t.text != "/" for t in doc[scope_start:start]):
                        while scope_start > sent_start and "/" in (
                            doc[scope_start].text,
                            doc[scope_start - 1].text,
                        ):
                            scope_start -= 1
                before = bisect_right(term_ends, start) - 1
                if before >= 0:
                    scope_start = max(scope_start, term_ends[before])
            if clause:
                scope_start, scope_end = _within_clause(doc, scope_start, start, end, scope_end)
            flag = CATEGORY_FLAGS[category]
            span = doc[start:end]  # its text sliced from the note's: no Token per token
            text = note[span.start_char : span.end_char]
            triggers.append(Trigger(flag, start, end, scope_start, scope_end, text, kinds, only_of))
        return triggers

    def _longest_matches(self, doc: Doc) -> list[tuple[int, int, RuleSpec]]:
        """Matches as (start, end, rule); the longest wins overlaps
        among triggers. A termination term never hides a trigger: "with a history of" ends a
        negation's scope and is still historical."""
        matches = sorted(self.matcher(doc), key=lambda m: (m[1] - m[2], m[1]))
        taken = bytearray(len(doc))
        kept = []
        for match_id, start, end in matches:
            spec = self._rule_of[match_id]
            if spec.category == TERMINATE:
                kept.append((start, end, spec))
                continue
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, spec))
        kept.sort(key=lambda match: (match[0], match[1]))
        return kept


def _numbered(phrase: str, numbers: Sequence[str]) -> list[str]:
    """``phrase`` with its ``#`` (a number of a plan's interval: "in # wks") written as
    each of ``numbers``: the matcher matches words, and "in 6 wks" is a plan whatever the
    number."""
    if "#" not in phrase:
        return [phrase]
    return [phrase.replace("#", number) for number in numbers]


def _own_wording(doc: Doc, trigger: Trigger, matches: Any) -> bool:
    """Whether a trigger inside a mention is the term's own wording, no cue about it:
    one of the term's matched words ("Personal history of …"), or a "without" whose
    scope, cut at its clause (``_within_clause``), reaches none of the term's words: a
    title's own "without" clause, which its term leaves out (suggest.terms.term_words:
    "retinopathy without macular edema, bilateral" is E11.3293). Other cues between a
    term's words stay cues ("ultrasound showed no abnormalities, especially ...")."""
    positions = {p for match in matches for p in match.positions}
    if any(trigger.start <= p < trigger.end for p in positions):
        return True
    if trigger.text.lower() not in TITLE_ABSENCE_CUES:
        return False
    start, end = _within_clause(
        doc, trigger.scope_start, trigger.start, trigger.end, trigger.scope_end
    )
    return not any(start <= p < end for p in positions)


def _within_clause(
    doc: Doc, scope_start: int, start: int, end: int, scope_end: int
) -> tuple[int, int]:
    """The scope from ``scope_start`` to ``scope_end`` around a trigger at ``start:end``,
    cut at the nearest clause mark on either side (``CLAUSE_ENDS``, a spaced dash)."""

    def marks(i: int) -> bool:
        token = doc[i]
        if token.text in CLAUSE_ENDS:
            return True
        return token.text in DASHES and i > 0 and bool(doc[i - 1].whitespace_)

    for i in range(start - 1, scope_start - 1, -1):
        if marks(i):
            scope_start = i + 1
            break
    for i in range(end, scope_end):
        if marks(i):
            scope_end = i
            break
    return scope_start, scope_end


def _written_against(doc: Doc, start: int, end: int, sent_start: int) -> str:
    """The side a mark at ``start:end`` is written against (``doubts_what_follows``):
    "forward" ("? pneumonia", "?pneumonia", "fever - ? pneumonia") or "backward" ("CHF?")."""
    if start == sent_start:
        return "forward"
    before = doc[start - 1]
    touches_next = end < len(doc) and not doc[end - 1].whitespace_
    forward = doubts_what_follows(bool(before.whitespace_), touches_next, before.is_alpha)
    return "forward" if forward else "backward"
