"""Finding diagnosis, procedure and supply mentions: every code-set term whose content
words all occur close together in one sentence of the note, in any order.

Order-free matching within a short window is what lets "kidney chronic disease" or
"diabetes mellitus type 2" meet the code-set wording, while abbreviations ("CKD 3a")
and synonyms ("renal" / "kidney") are expanded to the code sets' words first. A term
whose words are all in the sentence (a long term's all but one) but spread wider than
the window ("a complex mass in the upper pole of the right kidney") still matches,
flagged ``loose``: a weaker reading the ranker weighs as such, which covers no other
match; so does a term whose words two neighbouring sentences share, flagged
``across_sentences``.

Three limits keep order-free matching honest:

- a note word that stands for several code-set words ("COPD" for "chronic obstructive
  lung disease", "HCV" for "hepatitis C") lends them as a whole: a diagnosis term that
  borrows only part of them ("Pulmonary hypertension" from "COPD, hypertension") does
  not match (a procedure term needs half: "tomography" of "CT");
- a term may not join words on both sides of "without" ("nausea without vomiting" is not
  "Nausea with vomiting"): code-set terms drop their "without …" clauses, so any of their
  words found after "without" in the note is one the note says is absent; so is a word
  after "not", unless the term has the "not" too ("Migraine, not intractable");
- a term spread wider than the window (``loose``) does not join words across a
  semicolon, which ends a clause or a list item ("renal colic; CT showed a ureteral
  stone" names no renal stone).

Work stays linear in the note's length: sentences are at most a few hundred tokens (the
sentence component cuts longer ones), a term's words are placed by bisection, and a
term is matched in at most ``max_term_places`` places of one note (CodiEsp notes have
at most 14), so a word repeated thousands of times is read as often as it matters.
"""

from __future__ import annotations

import pickle
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import cache
from itertools import compress, count
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from code_index.records import System
from code_index.search import STOPWORDS, Abbreviation, fold_accents, stem
from suggest.budget import check_deadline
from suggest.doc_words import lowered_texts, lowered_words, token_texts
from suggest.extensions import MENTIONS_KEY, register_extensions, set_span_values
from suggest.numbers import is_number, non_detail_numbers
from suggest.rules import read_rules
from suggest.sentences import sentence_starts
from suggest.terms import (
    COURSE_WORDS,
    DROPPED_WORDS,
    LETTER_A,
    PARTIAL_MIN_WORDS,
    Synonyms,
    TermSource,
    TermTable,
    plain_words,
)

READ_WORDS_KEPT = 200_000  # token texts whose reading is kept (a pass over CodiEsp dev: ~9k)
FUZZY_MIN_LENGTH = 7  # shorter words are too often other real words one letter apart
FUZZY_CUTOFF = 88  # rapidfuzz ratio: one transposition in a 9-letter word passes
# the units of an age ("72-year-old"): its "old" is no word of a term
AGE_UNITS = frozenset(
    {"year", "years", "yr", "yrs", "month", "months", "week", "weeks", "day", "days"}
)
# prefixes a letter or two apart that mean other things, by meaning: a spelling fix never
# trades one for another ("hemithorax", half the chest, is no "hemothorax", blood in it)
MEANING_PREFIXES = {
    "hemi": "half",
    "hemo": "blood",
    "hema": "blood",
    "hypo": "under",
    "hyper": "over",
    "inter": "between",
    "intra": "within",
    "ante": "before",
    "anti": "against",
}
# "nausea without vomiting", "migraine, not intractable", "non-ischemic": what follows is
# absent, so no term may join it to what precedes, unless the term says so itself ("not
# intractable", "Non-ischemic myocardial injury")
ABSENCE_WORDS = frozenset({"without", "w/o", "not", "non"})
ABSENCE_SCOPE = 6  # tokens after "without" it can reach, up to a punctuation mark
# "with" starts another qualifier; "of" the site of a title-worded term ("laceration
# without foreign body of forehead": the forehead is not absent)
ABSENCE_STOPS = frozenset({"but", "with", "w/", "of"})
# the severity an index term names ("Opioid use disorder, mild" is F11.10, abuse;
# "..., severe" F11.20, dependence): read from the note, never assumed where the term is
# found in part
SEVERITY_WORDS = ("mild", "moderate", "severe")
# a semicolon ends a clause or a list item: a term spread wider than the window never
# joins words across one ("renal colic; CT showed a ureteral stone" is no renal stone)
CLAUSE_BREAKS = frozenset({";"})
KIND_OF_SYSTEM = {
    System.ICD10CM: "diagnosis",
    System.ICD10PCS: "procedure",
    System.CPT: "procedure",
    System.HCPCS: "supply",
}
KIND_ORDER = ("diagnosis", "procedure", "supply")  # a span's kind when its matches differ
_KIND_RANK = {system: KIND_ORDER.index(kind) for system, kind in KIND_OF_SYSTEM.items()}


class Group(NamedTuple):
    """The words an abbreviation or synonym added for one note word ("COPD": chronic,
    obstructive, lung, disease), and those of them a borrowing term must all have."""

    added: frozenset[int]
    required: frozenset[int]  # the added words less the soft ones ("chronic")


# what a token text stands for (``MentionMatcher._word_ids``): vocabulary ids, whether
# it was an abbreviation, the words its expansion added that a term takes together
_WordIds = tuple[tuple[int, ...], bool, Group | None]


class _Reading(NamedTuple):
    """A token text as the matcher reads it (``MentionMatcher._reading``), kept per text."""

    ids: tuple[int, ...]
    abbreviation: bool
    together: Group | None
    read: bool  # whether a sentence's reading visits the token at all
    number: bool  # whether it carries a number (``is_number``)
    # whether its words never depend on its neighbours: not "old" (of an age), no word
    # of ``other_senses``, no "A" or capital initial a neighbour may turn into a word
    plain: bool


_READ = attrgetter("read")
_NUMBER = attrgetter("number")


class SentenceWords(NamedTuple):
    """One sentence as the matcher reads it: token positions of each vocabulary word,
    positions whose word came from an abbreviation, the words one note word stands for
    together, the positions a "without" makes absent, those of numbers that may be
    code detail (see suggest/numbers.py), and those of the clause breaks a spread-out
    term may not cross (``CLAUSE_BREAKS``)."""

    start: int
    end: int
    positions: dict[int, list[int]]
    from_abbreviation: set[int]
    grouped: dict[int, Group]
    absent: dict[int, int]
    numbers: set[int]
    breaks: tuple[int, ...] = ()


class TermMatch(NamedTuple):
    """One term found in a note: which target code it leads to, how completely its words
    were found, and at which token positions. A named tuple, as immutable and hashable
    as a frozen dataclass and built several times faster (~30k a CodiEsp dev pass)."""

    target: int  # index into TermTable.targets
    term: int
    coverage: float  # share of the term's words (soft ones included) found
    words: int  # how many of its words were found
    rarity: float  # mean rarity of the found words across the code sets (0..1)
    positions: tuple[int, ...]  # token indices (doc-level)
    complete: bool  # every required word was found
    source: TermSource
    abbreviation: bool  # a found word came from expanding an abbreviation
    loose: bool = False  # its words are spread wider in the sentence than the window allows
    across_sentences: bool = False  # its words lie in two neighbouring sentences


class MentionMatcher:
    """``codesuggest_mentions``: fills ``doc.spans["mentions"]`` with a span per place a
    term matched, each carrying its ``TermMatch``es in ``span._.matches``."""

    def __init__(self, nlp: Language, name: str, max_gap: int, max_term_places: int) -> None:
        register_extensions()
        self.name = name
        self.max_gap = max_gap
        self.max_term_places = max_term_places
        self.table = TermTable()
        self.synonyms = Synonyms(())
        self._abbreviations: dict[str, tuple[str, ...]] = {}
        self._abbreviations_folded: dict[str, tuple[str, ...]] = {}
        self._spellings: dict[tuple[str, int], list[str]] = {}
        self._candidates = AnchoredTerms(self.table)
        self._number_words: frozenset[int] = frozenset()
        self._severity_words: frozenset[int] = frozenset()
        self._facts = TermFacts(self.table)
        self._kind_ranks = _kind_ranks(self.table)
        self._read_words: dict[str, _Reading] = {}

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        table: TermTable | None = None,
        synonyms: Synonyms | None = None,
        abbreviations: Iterable[Abbreviation] = (),
    ) -> None:
        """Give the matcher its data, as spaCy components receive theirs (see
        ``spacy/pipeline/span_ruler.py``): the term table built from the code index and
        the word equivalences. Done once at load; ``to_disk`` saves them with the pipeline.
        ``get_examples`` and ``nlp`` are spaCy's; the matcher learns nothing from examples."""
        if table is None or synonyms is None:
            raise ValueError(
                "the mention matcher needs a term table and synonyms (suggest.terms): "
                "initialize(table=..., synonyms=..., abbreviations=...)"
            )
        self.table = table
        self.synonyms = synonyms
        self._abbreviations = {}
        self._abbreviations_folded = {}
        for entry in abbreviations:
            words = tuple(
                w for part in plain_words(entry.expansion) for w in synonyms.canonical(part)
            )
            if entry.match_case:
                self._abbreviations[entry.short] = words
            else:
                self._abbreviations_folded[entry.short.lower()] = words
        self._derive_from_table()

    def _derive_from_table(self) -> None:
        """What the matcher reads from its term table at every note, worked out once the
        table is given (``initialize``) or loaded (``from_disk``)."""
        table = self.table
        self._spellings = _spellings_by_shape(table.vocabulary)
        self._candidates = AnchoredTerms(table)
        self._number_words = _number_words(table.vocabulary)
        self._severity_words = _severity_words(table.vocabulary)
        self._facts = TermFacts(table)
        self._kind_ranks = _kind_ranks(table)
        self._read_words = {}

    # ------------------------------------------------------------- matching
    def _word_ids(self, text: str) -> _WordIds:
        """Vocabulary ids a token stands for, whether it was an abbreviation, and the
        words its expansion added beyond the token's own ("adenocarcinoma" adds
        "malignant neoplasm"), which a term takes all together or not at all. Read
        once per token text (``_sentence_words`` keeps what it read)."""
        lower = fold_accents(text).lower()
        expansion = self._abbreviations.get(text) or self._abbreviations_folded.get(lower)
        abbreviation = expansion is not None
        if expansion is None:
            if lower in STOPWORDS or lower in DROPPED_WORDS or not lower.isalnum():
                return (), False, None
            expansion = self.synonyms.canonical(lower)
            if len(expansion) == 1 and expansion[0] not in self.table.vocabulary:
                expansion = self._nearest_word(expansion[0])
        vocabulary = self.table.vocabulary
        ids = tuple(vocabulary[w] for w in expansion if w in vocabulary)
        added = frozenset(vocabulary[w] for w in expansion if w in vocabulary and w != stem(lower))
        required = added - self.table.soft_words
        group = Group(added, required) if len(required) > 1 else None
        return ids, abbreviation, group

    def _nearest_word(self, word: str) -> tuple[str, ...]:
        """The term vocabulary's spelling of a misspelt long word ("pnuemonia"), if one is
        close enough; only words of similar length and the same first letter are compared,
        and none that opens with a prefix of another meaning (``MEANING_PREFIXES``)."""
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha():
            return ()
        options = self._spellings.get((word[0], len(word)), [])
        own = _prefix_meaning(word)
        if own is not None:  # most words open with no such prefix: nothing to leave out
            options = [o for o in options if _prefix_meaning(o) in (None, own)]
        best = process.extractOne(word, options, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return (best[0],) if best else ()

    def __call__(self, doc: Doc) -> Doc:
        texts = token_texts(doc)  # token texts without a Token object per token
        lowered = lowered_texts(doc)
        starts = sentence_starts(doc)
        ends = [*starts[1:], len(doc)] if starts else []
        # each token's reading, and the positions worth a visit and those of numbers,
        # read over the whole note at once (in C); the sentences take their share
        readings = self._readings(texts)
        visited = list(compress(count(), map(_READ, readings)))
        numbers = list(compress(count(), map(_NUMBER, readings)))
        sentences = [
            self._sentence_words(
                doc,
                texts,
                lowered,
                start,
                end,
                readings,
                visited[bisect_left(visited, start) : bisect_left(visited, end)],
                numbers[bisect_left(numbers, start) : bisect_left(numbers, end)],
            )
            for start, end in zip(starts, ends, strict=True)
        ]
        matches: list[TermMatch] = []
        deadline = doc._.deadline
        places: dict[int, int] = {}  # per term, the places it matched so far
        for i, sentence in enumerate(sentences):
            check_deadline(deadline, "the mention matcher")
            if not sentence.positions:
                continue  # no word of a term: nothing is anchored here
            around = Neighbours(sentence, sentences[max(i - 1, 0) : i] + sentences[i + 1 : i + 2])
            matches.extend(self._match_sentence(sentence, around, places))
        # two sentences' words only for what one sentence does not already say
        within = {match.target for match in matches if not match.across_sentences}
        matches = [m for m in matches if not m.across_sentences or m.target not in within]
        # one span per place: spaCy keys a span's extension values by its offsets, so
        # a diagnosis and a supply span over the same words would share one ``matches``
        by_span: dict[tuple[int, int], list[TermMatch]] = {}
        for match in matches:  # a match's positions are in ascending order
            by_span.setdefault((match.positions[0], match.positions[-1] + 1), []).append(match)
        spans = []
        # a heading's words name the section, not a condition ("PE:" is the examination)
        headings = [(s.start_char, s.start_char + len(s.heading)) for s in doc._.sections]
        ranks = self._kind_ranks
        for (start, end), found in sorted(by_span.items()):
            if headings and _in_heading(doc[start].idx, headings):
                continue
            if len(found) == 1:
                kind = KIND_ORDER[ranks[found[0].target]]
            else:
                kind = KIND_ORDER[min([ranks[m.target] for m in found])]
            span = Span(doc, start, end, label=kind)
            # written where ``span._.kind = ...`` writes, without an accessor per span
            set_span_values(span, {"kind": kind, "matches": tuple(found)})
            spans.append(span)
        doc.spans[MENTIONS_KEY] = spans
        return doc

    def _readings(self, texts: list[str]) -> list[_Reading]:
        """Each token text's reading, by position; a plain dict, not ``lru_cache`` on the
        method, whose key of (self, text) is built and hashed per token, and looked up
        for the whole note in one ``map`` (a pass over CodiEsp dev meets ~9k texts)."""
        read_words = self._read_words
        try:
            return list(map(read_words.__getitem__, texts))
        except KeyError:
            new = set(texts) - read_words.keys()
            if len(read_words) + len(new) > READ_WORDS_KEPT:
                read_words.clear()
                new = set(texts)
            read_words.update((text, self._reading(text)) for text in new)
            return list(map(read_words.__getitem__, texts))

    def _reading(self, text: str) -> _Reading:
        """What ``text`` stands for (``_word_ids``), and whether a sentence's reading
        visits it: a token with words, or one a neighbour may turn into a word ("B." of
        "hepatitis B.", "A" of "hepatitis A")."""
        ids, abbreviation, together = self._word_ids(text)
        special = text == "A" or (len(text) == 2 and text[0].isupper() and text[1] == ".")
        lower = text.lower()  # the token's ``lower_``, as spaCy's English vocabulary sets it
        return _Reading(
            ids,
            abbreviation,
            together,
            bool(ids) or abbreviation or special,
            is_number(text),
            not special and lower != "old" and lower not in other_senses(),
        )

    def _sentence_words(
        self,
        doc: Doc,
        texts: list[str],
        lowered: list[str],
        start: int,
        end: int,
        readings: list[_Reading],
        visited: list[int],
        numbers: list[int],
    ) -> SentenceWords:
        """Where each vocabulary word occurs in one sentence, and what limits matching
        there: ``readings`` are the note's tokens' (``_readings``), ``visited`` and
        ``numbers`` the sentence's positions that have words and numbers."""
        not_detail = non_detail_numbers(texts, numbers, end)
        said = lowered[start:end]
        # most sentences hold no "without" and no clause break: one C scan tells
        words = SentenceWords(
            start,
            end,
            {},
            set(),
            {},
            {} if ABSENCE_WORDS.isdisjoint(said) else _absence_scopes(doc, lowered, start, end),
            {i for i in numbers if i not in not_detail},
            ()
            if CLAUSE_BREAKS.isdisjoint(said)
            else tuple(i for i in range(start, end) if lowered[i] in CLAUSE_BREAKS),
        )
        senses = other_senses()
        for i in visited:
            if i in not_detail:
                continue  # "1." of a list, "5 mg", "HR 88": no code's type or stage
            read = readings[i]
            if not read.plain:  # what its neighbours may change it to
                if lowered[i] == "old" and _of_age(lowered, start, i):
                    continue  # "72-year-old": the patient's age, not "old age" (R54)
                sense = senses.get(lowered[i])
                if sense is not None and sense.says(doc, lowered, start, end, i):
                    continue  # "weaned to RA": room air, "MR enterography": no term's word
                text = texts[i]
                if sense is not None and sense.plain_here(lowered, start, i):
                    text = lowered[i]  # "CKD stage IV": the roman 4, not intravenous
                if (
                    len(text) == 2
                    and text[0].isupper()
                    and text[1] == "."
                    and (i == end - 1 or texts[i + 1][:1].islower())
                ):
                    text = text[0]  # "hepatitis B." ends a sentence; "E. coli": a genus initial
                if text == "A" and i > start and texts[i - 1].isalpha():
                    text = LETTER_A  # "hepatitis A", not the article
                if text != texts[i]:
                    read = self._readings([text])[0]
            ids = read.ids
            if ids and i in words.numbers and self._number_words.isdisjoint(ids):
                words.numbers.discard(i)  # "L4" is the word "lumbar", no code detail
            for word in ids:
                words.positions.setdefault(word, []).append(i)
            if read.abbreviation:
                words.from_abbreviation.add(i)
            if read.together:
                words.grouped[i] = read.together
        return words

    def _match_sentence(
        self, sentence: SentenceWords, around: Neighbours, places: dict[int, int]
    ) -> list[TermMatch]:
        """The terms anchored in ``sentence``: close together, spread over it (``loose``),
        or sharing their words with a neighbouring sentence (``across_sentences``);
        none of the terms that already matched in ``max_term_places`` places (counted
        in ``places``)."""
        positions = sentence.positions
        found: list[TermMatch] = []
        facts = self._facts
        plans = facts.plans
        number_words = self._number_words
        severity = self._severity_words
        most = self.max_term_places
        max_gap = self.max_gap
        candidates = self._candidates
        grouped = sentence.grouped
        from_abbreviation = sentence.from_abbreviation
        nearby = positions.keys() | around.words  # the words of the sentence and its neighbours
        for anchor, anchored_at, terms in candidates.anchored(positions, nearby):
            for term in terms:
                if places.get(term, 0) >= most:
                    continue
                plan = plans.get(term) or facts.plan(term)
                words = plan.words
                if len(words) == 1:
                    # its one word is the anchor: found wherever the anchor is, complete
                    for at in anchored_at:
                        alone = (at,)
                        if at in grouped and _splits_a_group(alone, words, grouped, plan.strict):
                            continue
                        places[term] = places.get(term, 0) + 1
                        found.append(
                            TermMatch(
                                plan.target,
                                term,
                                plan.coverage,
                                1,
                                plan.rarity,
                                alone,
                                True,
                                plan.source,
                                at in from_abbreviation,
                            )
                        )
                    continue
                required = plan.required  # rarest first: required[0] is the anchor
                needed = plan.required_set
                # most terms checked have every required word here: one C check tells
                missing = (
                    []
                    if positions.keys() >= needed
                    else [word for word in required if word not in positions]
                )
                if missing:
                    if plan.strict and not number_words.isdisjoint(missing):
                        continue  # a diagnosis's type or stage is read from the note, never assumed
                    if not severity.isdisjoint(missing) and (
                        plan.source is TermSource.TERM or not severity.isdisjoint(positions)
                    ):
                        # as is the severity an index term names ("..., mild"), and a
                        # title's where the sentence names another ("moderate NPDR" is
                        # no "mild nonproliferative diabetic retinopathy")
                        continue
                    # at most one required word may stay missing: one of the first two
                    # missing must be in a neighbour (most terms fail this look-up)
                    first, second = missing[0], missing[min(1, len(missing) - 1)]
                    if first in around.words or second in around.words:
                        for neighbour in around.sentences:
                            if first in neighbour.positions or second in neighbour.positions:
                                across = self._match_across(
                                    term, plan, anchor, missing, around, neighbour
                                )
                                places[term] = places.get(term, 0) + len(across)
                                found.extend(across)
                    # a long term may lack one required word, never its rarest (the anchor),
                    # and must keep a word of its code's condition ("late onset": no asthma)
                    if _lacks_too_much(len(missing), len(required)) or facts.lacks_condition(
                        term, required, missing
                    ):
                        continue
                if len(anchored_at) == 1:  # most anchors occur once in a sentence
                    placements = [_place(words, positions, anchored_at[0], needed, max_gap)]
                else:
                    placements = [
                        _place(words, positions, at, needed, max_gap) for at in anchored_at
                    ]
                loose = False
                if len(required) > 1 and placements.count(None) == len(placements):
                    # its words (a long term's but one) are in the sentence, only spread
                    # wider than the window ("a complex mass in the upper pole of the
                    # right kidney")
                    loose = True
                    width = sentence.end - sentence.start
                    placements = [_place(words, positions, anchored_at[0], needed, width)]
                # a term is anchored on one word, so it is met once a sentence: its own
                # placements are all that can repeat
                for placed in placements if len(placements) == 1 else dict.fromkeys(placements):
                    if placed is None:
                        continue
                    match = self._term_match(
                        term, plan, placed, sentence, not missing, loose, False
                    )
                    if match is not None:
                        places[term] = places.get(term, 0) + 1
                        found.append(match)
        return found

    def _match_across(
        self,
        term: int,
        plan: TermPlan,
        anchor: int,
        missing: list[int],
        around: Neighbours,
        neighbour: SentenceWords,
    ) -> list[TermMatch]:
        """A term anchored in ``around.sentence`` whose missing words the neighbouring
        sentence has ("A mass was found. It lies in the right kidney."): the weakest reading."""
        still = [word for word in missing if word not in neighbour.positions]
        required = plan.required
        if len(still) == len(missing) or (
            still
            and (
                _lacks_too_much(len(still), len(required))
                or self._facts.lacks_condition(term, required, still)
            )
        ):
            return []
        both = around.joined(neighbour)
        anchor_at = around.sentence.positions[anchor][0]
        placed = _place(
            plan.words, both.positions, anchor_at, plan.required_set, both.end - both.start
        )
        if placed is None:
            return []
        match = self._term_match(term, plan, placed, both, not still, True, True)
        return [match] if match is not None else []

    def _term_match(
        self,
        term: int,
        plan: TermPlan,
        placed: tuple[int, ...],
        sentence: SentenceWords,
        complete: bool,
        loose: bool,
        across_sentences: bool,
    ) -> TermMatch | None:
        """The match of ``term`` at ``placed``, or None where it borrows part of what one
        note word stands for, joins words across a "without", or, spread wider than the
        window (``loose``), across a clause break."""
        words = plan.words
        grouped, absent, numbers = sentence.grouped, sentence.absent, sentence.numbers
        # most matches take no word of a group, none a "without" reaches and no number:
        # one check in C tells, and the checks are skipped
        if (
            (
                grouped
                and not grouped.keys().isdisjoint(placed)
                and _splits_a_group(placed, words, grouped, plan.strict)
            )
            or (
                absent and not absent.keys().isdisjoint(placed) and _crosses_absence(placed, absent)
            )
            or (
                numbers
                and not numbers.isdisjoint(placed)
                and _number_stands_apart(placed, sentence)
            )
            or (loose and any(placed[0] < at < placed[-1] for at in sentence.breaks))
        ):
            return None
        if complete and plan.all_required:
            coverage, rarity = plan.coverage, plan.rarity  # every word of it was found
        else:
            positions = sentence.positions
            hits = tuple([w for w in words if w in positions])
            read = plan.partial.get(hits)
            if read is None:
                word_rarity = self._facts.word_rarity
                soft = self.table.soft_words
                read = plan.partial[hits] = (
                    (len(hits) - 0.5 * sum(1 for w in hits if w in soft)) / plan.total,
                    sum(word_rarity[w] for w in hits) / len(hits),
                )
            coverage, rarity = read
        return TermMatch(
            plan.target,
            term,
            coverage,
            len(placed),
            rarity,
            placed,
            complete,
            plan.source,
            not sentence.from_abbreviation.isdisjoint(placed),
            loose,
            across_sentences,
        )

    # ---------------------------------------------------------- persistence
    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the term table and word lists with the pipeline."""
        path.mkdir(parents=True, exist_ok=True)
        with (path / "matcher.pkl").open("wb") as handle:
            pickle.dump(
                (self.table, self.synonyms, self._abbreviations, self._abbreviations_folded),
                handle,
                protocol=5,
            )

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> MentionMatcher:
        """Load what :meth:`to_disk` wrote."""
        with (path / "matcher.pkl").open("rb") as handle:
            state: Any = pickle.load(handle)
        self.table, self.synonyms, self._abbreviations, self._abbreviations_folded = state
        self._derive_from_table()
        return self


class _AnchorIndex(NamedTuple):
    """One anchor's terms, indexed by the words that decide whether each can match."""

    always: list[int]  # its one-word terms
    # a word -> the short terms it is the second or third rarest word of, and the long
    # terms it is the first of a pair of (second, third and fourth rarest) words in, by
    # the pair's other word
    by_word: dict[int, tuple[list[int], dict[int, list[int]]]]
    words: frozenset[int]  # the words of ``by_word``'s pairs too


class AnchoredTerms:
    """The terms anchored on a word that can match where a given set of words is
    present, without checking every term in Python. A term may lack at most one of its
    required words (a term of fewer than ``PARTIAL_MIN_WORDS`` none), in the sentence
    or across to a neighbour, so a term of up to three required words needs its second
    or third rarest word nearby, and a longer one two of its second, third and fourth
    rarest: terms are indexed by those words (a long term by each pair of them), and the
    index is intersected with the sentence's words (set operations, in C). Most terms
    fail there: ~70k checked a CodiEsp dev pass with one word per term, ~33k with pairs.
    The terms come in ``table.anchors`` order, so matching finds exactly what checking
    every term finds. An anchor's index is built the first time a sentence holds the
    anchor: notes meet a small share of the anchors, and building all of them at load
    was a twentieth of a cold start."""

    def __init__(self, table: TermTable) -> None:
        self.table = table
        # anchor -> its index; None: no terms
        self._indexed: dict[int, _AnchorIndex | None] = {}

    def anchored(
        self, positions: dict[int, list[int]], nearby: set[int]
    ) -> list[tuple[int, list[int], list[int]]]:
        """Each anchor among a sentence's words (``positions``, in their order) with its
        positions and the terms anchored on it worth checking where the ``nearby`` words
        are; anchors with none are left out. One call a sentence: most of its words
        anchor no term, or none that can match there (a C ``isdisjoint`` tells)."""
        indexed = self._indexed
        found: list[tuple[int, list[int], list[int]]] = []
        for anchor, anchored_at in positions.items():
            try:
                index = indexed[anchor]
            except KeyError:
                index = indexed[anchor] = self._index(anchor)
            if index is None:
                continue
            always, by_word, words = index
            if words.isdisjoint(nearby):  # most anchors stop here
                if always:
                    found.append((anchor, anchored_at, always))
                continue
            hits = nearby & words
            chosen = []
            for word in hits:
                short, seconds = by_word.get(word, _NO_TERMS)
                if short:
                    chosen.append(short)
                if seconds:
                    chosen.extend(seconds[then] for then in seconds.keys() & hits)
            if chosen:
                found.append((anchor, anchored_at, sorted(set(always).union(*chosen))))
            elif always:
                found.append((anchor, anchored_at, always))
        return found

    def _index(self, anchor: int) -> _AnchorIndex | None:
        terms = self.table.anchors.get(anchor)
        if terms is None:
            return None
        # an anchor's terms are listed in ascending term order (``TermTable``), so
        # sorting the chosen terms keeps that order
        always: list[int] = []
        by_word: dict[int, tuple[list[int], dict[int, list[int]]]] = {}
        words: set[int] = set()
        term_required = self.table.term_required
        for term in terms:
            required = term_required[term]
            if len(required) == 1:
                always.append(term)
            elif len(required) > 3 and len(set(required[1:4])) == 3:
                # at most one of r1, r2, r3 missing: both words of one pair are there
                second, third, fourth = required[1:4]
                for first, then in ((second, third), (second, fourth), (third, fourth)):
                    pairs = by_word.setdefault(first, ([], {}))[1]
                    pairs.setdefault(then, []).append(term)
                    words.update((first, then))
            else:
                for word in dict.fromkeys(required[1:3]):
                    by_word.setdefault(word, ([], {}))[0].append(term)
                    words.add(word)
        return _AnchorIndex(always, by_word, frozenset(words))


_NO_TERMS: tuple[list[int], dict[int, list[int]]] = ([], {})


def _in_heading(char: int, headings: list[tuple[int, int]]) -> bool:
    """Whether offset ``char`` lies in one of the ``headings`` (start, end), in order."""
    at = bisect_left(headings, (char + 1,)) - 1
    return at >= 0 and headings[at][0] <= char < headings[at][1]


def _place(
    words: tuple[int, ...],
    positions: dict[int, list[int]],
    anchor_at: int,
    required: frozenset[int],
    gap: int,
) -> tuple[int, ...] | None:
    """Token positions for a term's words nearest the anchor, or None when the
    ``required`` words do not fit in a window of the term's length plus ``gap``."""
    placed: set[int] = set()
    reach = len(words) + gap
    low, high = anchor_at - reach, anchor_at + reach
    for word in words:
        options = positions.get(word)
        if options is None:  # a word's list of positions is never empty
            continue
        # most words occur once in a sentence: no bisection for them
        nearest = options[0] if len(options) == 1 else _nearest(options, anchor_at)
        if low <= nearest <= high:
            placed.add(nearest)
        elif word in required:
            return None
    unique = tuple(sorted(placed))  # never empty: the anchor is placed
    if unique[-1] - unique[0] + 1 > reach:
        return None
    return unique


def _nearest(options: list[int], at: int) -> int:
    """The position in ascending ``options`` nearest ``at`` (the earlier one on a tie), by
    bisection: a word repeated through a long sentence costs a logarithm, not a scan."""
    after = bisect_left(options, at)
    if after == 0:
        return options[0]
    if after == len(options) or at - options[after - 1] <= options[after] - at:
        return options[after - 1]
    return options[after]


def _lacks_too_much(missing: int, required: int) -> bool:
    """Whether a term lacking ``missing`` of its ``required`` words cannot match: a long
    term may lack one (never its anchor), a short one none."""
    return missing > 1 or required < PARTIAL_MIN_WORDS


class Neighbours:
    """The sentences around one sentence: the words they hold, and each read together
    with it, joined only when a term needs both."""

    def __init__(self, sentence: SentenceWords, sentences: list[SentenceWords]) -> None:
        self.sentence = sentence
        self.sentences = sentences
        self.words: set[int] = set().union(*(s.positions for s in sentences))
        self._joined: dict[int, SentenceWords] = {}

    def joined(self, neighbour: SentenceWords) -> SentenceWords:
        """The sentence and ``neighbour`` read as one."""
        if neighbour.start not in self._joined:
            self._joined[neighbour.start] = _joined(self.sentence, neighbour)
        return self._joined[neighbour.start]


def _joined(first: SentenceWords, second: SentenceWords) -> SentenceWords:
    """Two neighbouring sentences read as one (in text order)."""
    if second.start < first.start:
        first, second = second, first
    # the first sentence's lists are shared, not copied (no one changes a sentence's
    # lists once read): a word both hold gets a new list, so each sentence keeps its own
    positions = dict(first.positions)
    for word, at in second.positions.items():
        mine = positions.get(word)
        positions[word] = at if mine is None else mine + at
    return SentenceWords(
        first.start,
        second.end,
        positions,
        first.from_abbreviation | second.from_abbreviation,
        {**first.grouped, **second.grouped},
        {**first.absent, **second.absent},
        first.numbers | second.numbers,
        first.breaks + second.breaks,
    )


def _absence_scopes(doc: Doc, lowered: list[str], start: int, end: int) -> dict[int, int]:
    """Positions that follow a "without" in the sentence, each with the position of its
    "without": up to ``ABSENCE_SCOPE`` tokens, stopping at punctuation or "but"/"with";
    after a "non-" only the word it is written against ("non-ischemic cardiomyopathy" is
    no ischemic one). ``lowered`` holds the note's lower-case words."""
    scopes: dict[int, int] = {}
    for i in range(start, end):
        if lowered[i] not in ABSENCE_WORDS:
            continue
        if lowered[i] == "non":  # "non-ischemic": the one word it is written against
            if i + 2 < end and lowered[i + 1] == "-" and doc[i].whitespace_ == "":
                scopes[i + 2] = i
            continue
        for j in range(i + 1, min(i + 1 + ABSENCE_SCOPE, end)):
            if doc[j].is_punct or lowered[j] in ABSENCE_STOPS or lowered[j] in ABSENCE_WORDS:
                break
            scopes[j] = i
    return scopes


def _crosses_absence(placed: tuple[int, ...], absent: dict[int, int]) -> bool:
    """Whether a match joins words the note says are absent ("without vomiting") to words
    outside that "without" (a match wholly inside it is left to negation). A term that
    takes the "not" itself reads the absence as its own qualifier ("Migraine, not
    intractable"), where "Migraine, intractable" may not take the "intractable"."""
    if not absent:
        return False
    scopes = {absent.get(p) for p in placed}
    return len(scopes) > 1 and any(cue is not None and cue not in placed for cue in scopes)


def _number_stands_apart(placed: tuple[int, ...], sentence: SentenceWords) -> bool:
    """Whether a match takes a number that stands apart from the rest of its words: a
    number is a term's detail only beside another of its words ("stage 3b", "type 2"),
    never "1" of "1. Type 2 diabetes" read as type 1 (an abbreviation that carries its
    number, "T2DM", stands beside itself)."""
    numbers = sentence.numbers
    if not numbers or len(placed) < 2:
        return False
    taken = set(placed)
    return any(
        p in numbers
        and p not in sentence.from_abbreviation
        and p - 1 not in taken
        and p + 1 not in taken
        for p in placed
    )


def _kind_ranks(table: TermTable) -> bytes:
    """Each target's kind as its place in ``KIND_ORDER``, by target: a span's kind is its
    matches' first, read without a look-up per match (in C: ~3 ms for 100k targets)."""
    return bytes(map(_KIND_RANK.__getitem__, map(attrgetter("system"), table.targets)))


def _number_words(vocabulary: dict[str, int]) -> frozenset[int]:
    """Vocabulary ids of words that carry a number: a term's type, stage or grade."""
    return frozenset(i for word, i in vocabulary.items() if is_number(word))


def _severity_words(vocabulary: dict[str, int]) -> frozenset[int]:
    """Vocabulary ids of ``SEVERITY_WORDS``: an index term that names one ("Opioid use
    disorder, mild") is never found without it. A title may imply its severity by its
    other words ("Severe sepsis with septic shock" of "septic shock")."""
    return frozenset(vocabulary[word] for word in SEVERITY_WORDS if word in vocabulary)


def _splits_a_group(
    placed: tuple[int, ...],
    words: tuple[int, ...],
    grouped: dict[int, Group],
    strict: bool,
) -> bool:
    """Whether a match borrows only part of the words one note word stands for: "lung"
    alone from "COPD" (chronic obstructive lung disease) makes "Pulmonary hypertension"
    of "COPD, hypertension", "hepatitis" alone from "HCV" any hepatitis. A diagnosis
    term must take all of them (``strict``); a procedure term half, as a modality's
    words vary ("tomography" of "CT" in "cranial CT"). A soft word ("chronic") counts
    as borrowed, not as needed."""
    if not grouped:
        return False
    term = frozenset(words)
    for p in placed:
        group = grouped.get(p)
        if group is None or not term & group.added:
            continue
        taken = len(term & group.required)
        if taken < len(group.required) if strict else 2 * taken < len(group.required):
            return True
    return False


class OtherSense(NamedTuple):
    """Words beside a note word that give it another sense than any term's
    (``rules/other_senses.json``)."""

    after: frozenset[str]  # a next word, or words ("acute upper GI bleed": the bleed's)
    before: frozenset[str]
    # a number right after it gives it (a lab's value: "Ca 9.3" is calcium, "CA 19-9" a
    # tumour marker, not cancer)
    number_after: bool = False
    # words later in the sentence that take the other sense back ("metastatic breast
    # cancer to bone": the bone's is the secondary neoplasm)
    unless_later: frozenset[str] = frozenset()
    # words anywhere in the note that give it: the abbreviations of an eye or an ear
    # examination ("SLE" a slit-lamp exam, "VF" a visual field, "AS" the left ear) where
    # the note speaks of the eyes ("IOP", "OU") or the ears ("AD", "cerumen")
    in_notes_with: frozenset[str] = frozenset()
    # the words right before it that keep its sense as a term's word, which it has only
    # there ("ischemic CM" is a cardiomyopathy; "3.2 CM" a size, "CM following" case
    # management)
    only_after: frozenset[str] = frozenset()
    # the lengths of the phrases of ``after`` longer than a word
    phrase_lengths: tuple[int, ...] = ()
    # the words right before a capitals abbreviation that make it the plain word it
    # spells ("stage IV" is the roman 4, not IV for intravenous)
    plain_after: frozenset[str] = frozenset()

    def plain_here(self, lowered: list[str], start: int, i: int) -> bool:
        """Whether the word at ``i`` is read as its lower-case spelling, not as the
        abbreviation its capitals are (``plain_after``)."""
        return i > start and lowered[i - 1] in self.plain_after

    def says(self, doc: Doc, lowered: list[str], start: int, end: int, i: int) -> bool:
        """Whether the word at ``i`` (of a sentence from ``start`` to ``end`` of ``doc``;
        ``lowered`` holds the whole note's words) has the other sense: the next word (past
        an opening parenthesis) or the one before gives it, or a word of the note does
        (looked up in the note's set of words: a scan of the note for each "as" made a
        long note quadratic), or it does not follow a word that keeps its term sense."""
        if self.in_notes_with and not self.in_notes_with.isdisjoint(lowered_words(doc)):
            return True
        if self.only_after and not (i > start and lowered[i - 1] in self.only_after):
            return True
        after = i + 1
        if after < end and lowered[after] == "(":
            after += 1
        said = (
            after < end
            and (
                lowered[after] in self.after
                or (self.number_after and lowered[after].replace(".", "", 1).isdigit())
                or any(
                    " ".join(lowered[after : min(after + words, end)]) in self.after
                    for words in self.phrase_lengths
                )
            )
        ) or (i > start and lowered[i - 1] in self.before)
        return said and self.unless_later.isdisjoint(lowered[i + 1 : end])


@cache
def other_senses() -> dict[str, OtherSense]:
    """The packaged ``rules/other_senses.json``, read once."""
    words = read_rules(None, "other_senses.json")["words"]
    return {
        word: OtherSense(
            frozenset(said.get("after", ())),
            frozenset(said.get("before", ())),
            bool(said.get("number_after", False)),
            frozenset(said.get("unless_later", ())),
            frozenset(said.get("in_notes_with", ())),
            frozenset(said.get("only_after", ())),
            tuple(sorted({len(p.split()) for p in said.get("after", ()) if " " in p})),
            frozenset(said.get("plain_after", ())),
        )
        for word, said in words.items()
    }


def _of_age(lowered: list[str], start: int, i: int) -> bool:
    """Whether the word "old" at ``i`` ends an age ("72-year-old", "6 months old")."""
    before = i - 1
    if before > start and lowered[before] == "-":
        before -= 1
    return before >= start and lowered[before] in AGE_UNITS


def _prefix_meaning(word: str) -> str | None:
    """The meaning of the prefix ``word`` opens with, if one of ``MEANING_PREFIXES``."""
    return next((m for p, m in MEANING_PREFIXES.items() if word.startswith(p)), None)


def _spellings_by_shape(vocabulary: Iterable[str]) -> dict[tuple[str, int], list[str]]:
    """Long vocabulary words by (first letter, length ± 1): the few a misspelling is
    compared with."""
    shapes: dict[tuple[str, int], list[str]] = {}
    for word in vocabulary:
        if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
            for length in (len(word) - 1, len(word), len(word) + 1):
                shapes.setdefault((word[0], length), []).append(word)
    return shapes


class TermPlan(NamedTuple):
    """What matching reads of one term, gathered on its first candidacy
    (``TermFacts.plan``) rather than looked up in several lists at each of the ~33k a
    CodiEsp dev pass checks."""

    required: tuple[int, ...]  # rarest first: required[0] is the anchor
    required_set: frozenset[int]
    words: tuple[int, ...]
    target: int  # index into TermTable.targets
    source: TermSource
    strict: bool  # a diagnosis: see ``TermFacts.strict``
    all_required: bool  # every word is required: a term lacking none has all its words
    total: float  # its words, soft ones counting half: what its coverage divides
    coverage: float  # its coverage where all its words are found
    rarity: float  # the mean rarity of all its words
    # coverage and rarity by the words found where some are not, as first worked out
    partial: dict[tuple[int, ...], tuple[float, float]]


class TermFacts:
    """What a match reads of its term that stays the same from note to note, worked out
    once rather than at each of the ~30k matches a CodiEsp dev pass makes: whether a
    target is a diagnosis (``strict``), each word's rarity across the code sets, each
    term's plan (``plan``: its weight for its coverage, the share of its words found,
    soft words ("acute", "mellitus") counting half); the words most titles of a
    diagnosis category hold come with the table (``TermTable.category_words``)."""

    def __init__(self, table: TermTable) -> None:
        self.table = table
        self.strict = [target.system is System.ICD10CM for target in table.targets]
        self.word_rarity = [1.0 / (1.0 + count) ** 0.5 for count in table.word_frequency]
        self.plans: dict[int, TermPlan] = {}  # by term, as first met
        self.course_words = frozenset(
            table.vocabulary[word] for word in COURSE_WORDS if word in table.vocabulary
        )

    def plan(self, term: int) -> TermPlan:
        """The term's plan, worked out and kept on its first candidacy (notes meet a small
        share of the terms)."""
        table = self.table
        words = table.term_words[term]
        required = table.term_required[term]
        target = table.term_target[term]
        soft = table.soft_words
        # the sums a match over all the words makes, in the same order (the same floats)
        total = len(words) - 0.5 * sum(1 for w in words if w in soft)
        found = self.plans[term] = TermPlan(
            required,
            frozenset(required),
            words,
            target,
            table.term_source[term],
            self.strict[target],
            len(required) == len(words),
            total,
            (len(words) - 0.5 * sum(1 for w in words if w in soft)) / total,
            sum(self.word_rarity[w] for w in words) / len(words),
            {},
        )
        return found

    def lacks_condition(self, term: int, required: tuple[int, ...], missing: list[int]) -> bool:
        """Whether an index term found in part keeps none of the words most code titles
        of its ICD-10-CM category hold ("asthma" of J45, "thrombosis" or "embolism" of
        I82): "late onset" alone is no "Asthma, late onset"; or whether a diagnosis term
        lacks a word of its condition's course (``terms.COURSE_WORDS``): "partial"
        alone is no "in partial remission"."""
        target = self.table.term_target[term]
        if not self.strict[target]:
            return False
        if not self.course_words.isdisjoint(missing):
            return True
        if self.table.term_source[term] is not TermSource.TERM:
            return False
        category = self.table.targets[target].code[:3]
        condition = self.table.category_words.get(category, frozenset())
        return bool(condition) and all(w in missing or w not in condition for w in required)


@Language.factory("codesuggest_mentions", default_config={"max_gap": 3, "max_term_places": 64})
def make_mention_matcher(
    nlp: Language, name: str, max_gap: int, max_term_places: int
) -> MentionMatcher:
    """Registered factory; the matcher's term table arrives through ``initialize``."""
    return MentionMatcher(nlp, name, max_gap, max_term_places)
