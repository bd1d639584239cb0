"""The suggester: a note in, ranked and evidenced code suggestions out.

Loaded once (index, term table, spaCy pipeline, model) and reused for every note;
``suggest_many`` batches through ``nlp.pipe``. This module only orchestrates: the
candidate step (``suggest.note_candidates``), the model, the coding rules
(``suggest.alternatives``, ``suggest.reportable``) and the warnings
(``suggest.coder_warnings``) each live in their own module.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from code_index.build import Step, load_index
from code_index.data_dir import resolve_data_dir
from code_index.index import CodeIndex, paused_gc
from code_index.records import SUPPLEMENT_SOURCES, System
from code_index.revenue.encounter import Encounter
from code_index.search import load_abbreviations
from suggest.alternatives import Ranked, UnspecifiedAlternatives
from suggest.budget import check_deadline
from suggest.candidates import FEATURE_NAMES, Candidate, excluded_codes, feature_matrix
from suggest.coder_warnings import CoderWarnings
from suggest.doc_words import lowered_texts
from suggest.errors import NoteError
from suggest.extensions import (
    CONTEXT_FLAGS,
    MENTIONS_KEY,
    doc_sections,
    section_key,
    span_values,
)
from suggest.layer_features import held_by_rules, layer_matrix
from suggest.learned_evidence import PROFILE_EVIDENCE, learned_evidence
from suggest.mentions import MentionMatcher
from suggest.model import DEFAULT_MODEL, SuggestModel, load_model
from suggest.note_candidates import CandidateStep, NoteCandidates
from suggest.plausibility import (
    Apart,
    Ordered,
    prune_and_order,
    reporting_order,
    said_caused_by,
)
from suggest.results import Evidence, Mention, Suggestion, SuggestionResult
from suggest.revenue import with_revenue
from suggest.sections import title_key
from suggest.served_learners import NoteReading
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
    parse_procedure_reporting,
    parse_setting,
)
from suggest.terms import Synonyms, TermProgress, TermTable
from suggest.text_pipeline import MENTIONS_PIPE, build_pipeline
from suggest.units import stated_units

DEFAULT_MAX_CHARS = 200_000
# Below this calibrated probability a code is listed apart as ``possible``, not ranked:
# few such codes are right, and a coder should not read them as suggestions. 0.221 was
# set just above where the floor of 0.1 on the default model's uncalibrated scores fell
# under its first calibrator (0.2207); the calibrator refitted after the diagnostic-
# statement rules maps 0.1 to 0.254, so the floor now lists codes from about 0.07. On CodiEsp
# train and the US tuning notes floors from 0.2207 to 0.25 score alike (train MAP-D
# 0.3753-0.3754, US P@1 0.474); lower ones put the codes set apart as integral below more
# codes (at 0.1: 0.3738, 0.466). Where a model has a final layer (suggest.final_layer),
# the floor reads the layer's probability, which is calibrated too, but never drops a
# code the coding rules keep that the calibrated ranker lists (held_by_rules).
POSSIBLE_FLOOR = 0.221
# A diagnosis the ranker scores at least this sure (its own score, before calibration)
# sets apart the symptoms it includes (I.B.5).
INTEGRAL_CONFIDENCE = 0.5
# what a mention in the result reads of its span, in one pass (suggest.extensions)
_MENTION_VALUES = ("matches", "kind", "context_cues", *CONTEXT_FLAGS)


@dataclass(frozen=True, slots=True)
class FirstUseProgress:
    """Where the builds a first use may run report how far they are (the CLI's progress
    bars): the index build names each stage, the term-table build counts records."""

    index_step: Step | None = None
    term_table: TermProgress | None = None


@dataclass(frozen=True, slots=True)
class LayerRow:
    """A ranked code of a note, as the final layer is fitted on it."""

    key: tuple[System, str]
    ranker_score: float  # the ranker's own score
    features: np.ndarray  # ``suggest.layer_features.LAYER_FEATURES``, in that order


@dataclass(frozen=True, slots=True)
class _Scored:
    """A note's candidates scored and ordered (``Suggester._ordered``)."""

    ordered: Ordered[Ranked]
    ranker_scores: np.ndarray  # by candidate
    rows: np.ndarray | None  # the final layer's feature rows, by candidate


@dataclass(frozen=True)
class NotePipeline:
    """The model-independent part: the spaCy pipeline with its term table and the index."""

    nlp: Language
    index: CodeIndex
    table: TermTable

    @classmethod
    def load(
        cls,
        data_dir: Path | str | None = None,
        index: CodeIndex | None = None,
        progress: FirstUseProgress | None = None,
    ) -> NotePipeline:
        """Index and term table from the data directory (built and cached there on first
        use, telling ``progress`` how far each build is), and the spaCy pipeline with the
        mention matcher configured."""
        progress = progress or FirstUseProgress()
        folder = resolve_data_dir(data_dir)
        index = index or load_index(folder, step=progress.index_step)
        synonyms = Synonyms.load()
        table = TermTable.for_index(index, folder / "cache", synonyms, progress.term_table)
        nlp = build_pipeline()
        matcher = cast(MentionMatcher, nlp.get_pipe(MENTIONS_PIPE))
        matcher.initialize(
            nlp=nlp, table=table, synonyms=synonyms, abbreviations=load_abbreviations()
        )
        return cls(nlp, index, table)


class Suggester:
    """Turns notes into suggestions with one note pipeline and one model."""

    def __init__(
        self,
        pipeline: NotePipeline,
        model: SuggestModel,
        max_chars: int = DEFAULT_MAX_CHARS,
        floor: float = POSSIBLE_FLOOR,
    ) -> None:
        self.pipeline = pipeline
        self.floor = floor
        self.nlp = pipeline.nlp
        self.index = pipeline.index
        self.table = pipeline.table
        self.model = model
        self.max_chars = max_chars
        model.check_index(self.index.version)
        self.candidate_step = CandidateStep(
            self.table,
            self.index,
            model.keeps_covered,
            model.coded_when_denied,
            model.gate,
            model.convention,
            model.sibling_candidates,
        )
        self._alternatives = UnspecifiedAlternatives(self.index)
        self._warnings = CoderWarnings(self.index)
        # a model whose corpora disagreed codes the notes it reads as the guideline-
        # following coders' by the guidelines' rules, whose thresholds were set on the
        # default model's reading: those rules read such a note as the default model does
        self._rules_reader = load_model(DEFAULT_MODEL) if model.convention is not None else None

    @classmethod
    def load(
        cls,
        data_dir: Path | str | None = None,
        model: str | None = None,
        index: CodeIndex | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        progress: FirstUseProgress | None = None,
    ) -> Suggester:
        """A suggester with the named model (default: the one in use) from the data directory."""
        # what is loaded lives as long as the process: the collector is held off while
        # it is read (its collections would walk the ~1M new objects again and again)
        # and then never sees it (``gc.freeze``), as it would walk it on every full
        # collection while notes are read. A load leaves no cyclic garbage to keep for
        # good (tests/suggest/test_suggester_load.py), so none is collected first: that
        # walk alone cost a tenth of a cold start.
        with paused_gc():
            pipeline = NotePipeline.load(data_dir, index, progress)
            suggester = cls(pipeline, load_model(model, data_dir, served=True), max_chars)
            gc.freeze()
        return suggester

    # ---------------------------------------------------------------- public
    def suggest(
        self,
        text: str,
        setting: Setting | str = DEFAULT_SETTING,
        systems: Sequence[System] | None = None,
        top_k: int = 20,
        encounter: Encounter | None = None,
        procedures: ProcedureReporting | str = DEFAULT_PROCEDURE_REPORTING,
    ) -> SuggestionResult:
        """Ranked suggestions for one note; ``encounter`` (patient, date of service,
        principal) is what the revenue review reads (suggest.revenue); ``procedures``:
        which ICD-10-PCS procedures the facility reports (the others are listed in
        ``not_coded``)."""
        chosen, reporting = self._checked(setting, procedures)
        self._check(text)
        return self._result(self.nlp(text), text, chosen, systems, top_k, encounter, reporting)

    def suggest_many(
        self,
        texts: Iterable[str],
        setting: Setting | str = DEFAULT_SETTING,
        systems: Sequence[System] | None = None,
        top_k: int = 20,
        batch_size: int = 32,
        encounter: Encounter | None = None,
        procedures: ProcedureReporting | str = DEFAULT_PROCEDURE_REPORTING,
    ) -> Iterator[SuggestionResult]:
        """Suggestions for many notes, batched through the spaCy pipeline."""
        chosen, reporting = self._checked(setting, procedures)
        for doc, text in self._docs(texts, batch_size):
            yield self._result(doc, text, chosen, systems, top_k, encounter, reporting)

    # -------------------------------------------------------------- internals
    @staticmethod
    def _checked(
        setting: Setting | str, procedures: ProcedureReporting | str
    ) -> tuple[Setting, ProcedureReporting]:
        """A request's setting and procedures option, or a ``NoteError`` that says why not."""
        try:
            return parse_setting(setting), parse_procedure_reporting(procedures)
        except ValueError as exc:
            raise NoteError(str(exc)) from None

    def _docs(self, texts: Iterable[str], batch_size: int) -> Iterator[tuple[Doc, str]]:
        """Each note, checked as it is reached, through the spaCy pipeline in batches, with
        its text (``doc.text`` is rebuilt per call)."""

        def checked() -> Iterator[tuple[str, str]]:
            for text in texts:
                self._check(text)
                yield text, text

        return self.nlp.pipe(checked(), batch_size=batch_size, as_tuples=True)

    def _check(self, text: str) -> None:
        if not isinstance(text, str):
            raise NoteError("the note must be text")
        if len(text) > self.max_chars:
            raise NoteError(
                f"the note has {len(text):,} characters; the limit is {self.max_chars:,}"
            )

    def _result(
        self,
        doc: Doc,
        text: str,
        setting: Setting,
        systems: Sequence[System] | None,
        top_k: int,
        encounter: Encounter | None,
        procedures: ProcedureReporting,
    ) -> SuggestionResult:
        """Rank one processed note (``text`` is ``doc.text``, which spaCy rebuilds per call)."""
        deadline = doc._.deadline
        check_deadline(deadline, "the candidates")
        learned = self.model.learned_signals(text)
        step = self.candidate_step(doc, setting, systems, learned, procedures=procedures)
        check_deadline(deadline, "the ranking")
        ordered = self._ordered(doc, text, step, setting).ordered
        # the ranked list (shown), then the codes under the floor (possible); the codes set
        # apart are not coded at all: listed apart with why, never ranked
        shown = [item for item in ordered.ranked if item.score >= self.floor]
        below = [item for item in ordered.ranked if item.score < self.floor]
        ranked = [*shown, *below][: max(top_k, 0)]
        room = max(top_k, 0) - len(ranked)  # alternatives only ever fill what is left
        if room > 0:
            denied = step.denied if step.denied is not None else excluded_codes(doc, self.table)
            # no alternative for a code set apart (nor the code itself again)
            apart_keys = {item.candidate.key for item, _ in ordered.set_apart}
            ranked += self._alternatives(ranked, denied | apart_keys, room)
        check_deadline(deadline, "the results")
        label = learned.label if learned is not None else None
        set_apart = sorted(ordered.set_apart, key=lambda pair: -pair[0].score)
        suggestions = self._suggestions(doc, text, ranked, {}, label)
        not_coded = self._suggestions(
            doc,
            text,
            [item for item, _ in set_apart],
            {id(item): apart for item, apart in set_apart},
            label,
        )
        if step.unreported:
            # the procedures the facility does not report: scored among themselves (the
            # ranked codes were scored, as training scores them, without them) and, where
            # they would have been listed, listed apart with why after the codes the rules
            # set apart (those under the floor are no more than possible codes never coded)
            alone = NoteCandidates(step.unreported, step.denied, step.coded_as_taught)
            unreported = self._ordered(doc, text, alone, setting).ordered
            items = [item for item in unreported.ranked if item.score >= self.floor]
            not_coded += self._suggestions(
                doc, text, sorted(items, key=lambda r: -r.score), {}, label, unreported=True
            )
        listed = [item.score >= self.floor for item in ranked]
        result = SuggestionResult(
            suggestions=[s for s, shown in zip(suggestions, listed, strict=True) if shown],
            possible=[s for s, shown in zip(suggestions, listed, strict=True) if not shown],
            not_coded=not_coded,
            mentions=self._mentions(doc, text),
            setting=setting,
            model_version=self.model.version,
            index_version=self.index.version,
            code_set_versions={
                v.system.value: v.version
                for v in self.index.manifest.versions
                if v.source not in SUPPLEMENT_SOURCES
            },
        )
        return with_revenue(result, self.index, text, encounter or Encounter())

    def layer_rows(
        self,
        texts: Iterable[str],
        setting: Setting | str = DEFAULT_SETTING,
        systems: Sequence[System] | None = None,
        batch_size: int = 32,
        procedures: ProcedureReporting | str = DEFAULT_PROCEDURE_REPORTING,
    ) -> Iterator[list[LayerRow]]:
        """For each note, its ranked codes in order (suggested and possible; not those set
        apart, nor unspecified alternatives, nor the procedures the facility does not
        report), each with the ranker's own score and its final-layer feature row: what
        ``suggest.final_layer.FinalLayer`` is fitted on."""
        chosen, reporting = self._checked(setting, procedures)
        for doc, text in self._docs(texts, batch_size):
            step = self.candidate_step(
                doc, chosen, systems, self.model.learned_signals(text), procedures=reporting
            )
            scored = self._ordered(doc, text, step, chosen, with_rows=True)
            row_of = {id(c): k for k, c in enumerate(step.candidates)}
            assert scored.rows is not None  # asked for
            yield [
                LayerRow(
                    item.candidate.key,
                    float(scored.ranker_scores[row_of[id(item.candidate)]]),
                    scored.rows[row_of[id(item.candidate)]],
                )
                for item in scored.ordered.ranked
            ]

    def _ordered(
        self,
        doc: Doc,
        text: str,
        step: NoteCandidates,
        setting: Setting,
        with_rows: bool = False,
    ) -> _Scored:
        """Score the note's candidates (the final layer where the model has one, else its
        calibrated ranker scores) and put them in reporting order, setting apart the codes
        not coded; ``setting``: the note's (what the layer reads of it); ``with_rows``:
        keep the final layer's feature rows too."""
        candidates = step.candidates
        model = self.model
        # a note coded by the guidelines where the model's corpora disagreed: the rules
        # read it as the default model does (below)
        reader = self._rules_reader if not step.coded_as_taught else None
        # with a final layer, every candidate feature at once: the ranker reads its own
        # columns and the layer its own, each candidate's features worked out once
        names = (
            FEATURE_NAMES
            if model.layer is not None or with_rows or reader is not None
            else model.feature_names
        )
        features = feature_matrix(candidates, len(text), names)
        ranker_scores = _ranker_scores(model, features, names)
        doc_sections = doc._.sections

        def sections_of(candidate: Candidate) -> frozenset[str | None]:
            return frozenset(section_key(doc_sections, s.start_char) for s in candidate.spans)

        def scored(
            by: SuggestModel, by_ranker: np.ndarray, rows_wanted: bool
        ) -> tuple[np.ndarray, np.ndarray | None]:
            """``by``'s scores of the candidates (its final layer where it has one, else
            its calibrated ranker scores), and the layer's rows where asked for."""
            layer = by.layer
            rows = (
                layer_matrix(
                    candidates,
                    by_ranker,
                    len(text),
                    sections_of,
                    frozenset(section.key for section in doc_sections),
                    features=features,
                    setting=setting,
                )
                if layer is not None or rows_wanted
                else None
            )
            scores = np.array(
                by.calibrated(by_ranker, by_guidelines=not step.coded_as_taught),
                dtype=np.float64,
            )
            if layer is not None and rows is not None:
                mine = [k for k, c in enumerate(candidates) if layer.scores_system(c.target.system)]
                scores[mine] = held_by_rules(
                    layer.probabilities(layer.columns(rows[mine])),
                    rows[mine],
                    scores[mine],
                    self.floor,
                )
            return scores, rows

        scores, rows = scored(model, ranker_scores, with_rows)
        items = [Ranked(c, float(s)) for c, s in zip(candidates, scores, strict=True)]
        # the rules' thresholds read the ranker's own score, on which they were set, so a
        # model's calibration never changes which codes they set apart
        reading = ranker_scores if reader is None else _ranker_scores(reader, features, names)
        ranker_score = {
            id(item.candidate): float(s) for item, s in zip(items, reading, strict=True)
        }

        def read_in(item: Ranked) -> frozenset[str | None]:
            return sections_of(item.candidate)

        # a model that learned coders report covered codes too (keeps_covered: corpora
        # such as CodiEsp code every sign) keeps integral symptoms and findings in its
        # ranking, except for a note it reads as coded by the guidelines (the US notes of a
        # model trained on CodiEsp and US notes: see CandidateStep)
        coded_as_taught = model.keeps_covered and step.coded_as_taught
        # the causes a sentence gives each symptom ("dyspnea 2/2 CHF exacerbation")
        causes = (
            {}
            if coded_as_taught
            else dict(
                zip(
                    map(id, candidates),
                    said_caused_by(
                        doc,
                        [
                            (c.target.code if c.target.system is System.ICD10CM else "", c.spans)
                            for c in candidates
                        ],
                    ),
                    strict=True,
                )
            )
        )

        def rules_order(ranked: list[Ranked]) -> Ordered[Ranked]:
            return prune_and_order(
                sorted(ranked, key=lambda r: (-r.score, r.candidate.target.code)),
                key=lambda r: r.candidate.key,
                listed=lambda r: r.score >= self.floor,
                confident=lambda r: (
                    not coded_as_taught and ranker_score[id(r.candidate)] >= INTEGRAL_CONFIDENCE
                ),
                index=self.index,
                sections=None if coded_as_taught else read_in,
                title=None if coded_as_taught else (lambda r: r.candidate.target.title),
                read_at=None
                if coded_as_taught
                else (lambda r: [(s.start_char, s.end_char) for s in r.candidate.spans]),
                reading=lambda r: ranker_score[id(r.candidate)],
                said=None if coded_as_taught else partial(_said_with, doc),
                loose=None if coded_as_taught else _read_loosely,
                caused_by=None if coded_as_taught else (lambda r: causes[id(r.candidate)]),
                both_sides=lambda r: r.candidate.both_sides,
            )

        if reader is None:
            return _Scored(rules_order(items), ranker_scores, rows)
        # the codes the rules set apart are the default model's: they compare a code with
        # the one that says more of it (listed, ranked above it, surely documented) on
        # the scores their thresholds were set on. On the trained model's order, CodiEsp's
        # common unspecified codes ranked above the specific ones the note names (N17.9
        # above N17.0, D50.9 above D50.0) and stayed, as did a wound beside a bite the
        # trained model did not list (cross-fitted on the US tuning notes: every must-not
        # hit the default model did not have). The trained model orders and scores the rest.
        by_default, _ = scored(reader, reading, False)
        apart = {
            id(item.candidate): why
            for item, why in rules_order(
                [Ranked(c, float(s)) for c, s in zip(candidates, by_default, strict=True)]
            ).set_apart
        }
        kept = sorted(
            (item for item in items if id(item.candidate) not in apart),
            key=lambda r: (-r.score, r.candidate.target.code),
        )
        ordered = Ordered(
            reporting_order(
                kept, lambda r: r.candidate.key, lambda r: r.score >= self.floor, self.index
            ),
            [(item, apart[id(item.candidate)]) for item in items if id(item.candidate) in apart],
        )
        return _Scored(ordered, ranker_scores, rows)

    def _suggestions(
        self,
        doc: Doc,
        text: str,
        ranked: list[Ranked],
        apart: dict[int, Apart],
        reading: NoteReading | None,
        unreported: bool = False,
    ) -> list[Suggestion]:
        """Suggestions of the ranked candidates; ``apart``: by ``id`` of a ranked item,
        why it is not coded (see plausibility.prune_and_order);
        ``reading``: the label model's reading of the note (evidence of its codes);
        ``unreported``: they are procedures the facility does not report (each says why)."""
        codes = [
            r.candidate.target.code for r in ranked if r.candidate.target.system is System.ICD10CM
        ]
        procedures = [
            r.candidate.target.code
            for r in ranked
            if r.candidate.target.system in (System.CPT, System.HCPCS)
        ]
        shared = self._warnings.of_list(codes, procedures)
        lowered = text.lower()
        sections = doc._.sections
        note_model = self.model.neighbors
        found: list[tuple[Evidence, ...]] = []
        for item in ranked:
            evidence = tuple(
                Evidence(
                    s.start_char,
                    s.end_char,
                    text[s.start_char : s.end_char],  # s.text, without a Token per token
                    section_key(sections, s.start_char),
                )
                for s in sorted(item.candidate.spans, key=lambda s: s.start_char)
            )
            if not evidence and note_model is not None:
                evidence = learned_evidence(doc, text, lowered, item.candidate, note_model)
            found.append(evidence)
        # the label model's words only for the codes still without evidence: its product
        # costs in proportion to the codes asked for
        unsupported = [item.candidate.key for item, e in zip(ranked, found, strict=True) if not e]
        label_evidence = self._label_evidence(doc, unsupported, reading) if reading else {}
        # each place's context flags, read once: candidates share places
        flags: dict[tuple[int, int], tuple[bool, ...]] = {}
        suggestions = []
        for item, evidence in zip(ranked, found, strict=True):
            target = item.candidate.target
            spans = item.candidate.spans
            for span in spans:
                if (span.start, span.end) not in flags:
                    flags[span.start, span.end] = tuple(span_values(span, CONTEXT_FLAGS))
            places = [flags[span.start, span.end] for span in spans]
            # each flag set at any place: the places' flags read column by column
            context = (
                dict(zip(CONTEXT_FLAGS, map(any, zip(*places, strict=True)), strict=True))
                if places
                else dict.fromkeys(CONTEXT_FLAGS, False)
            )
            evidence = evidence or label_evidence.get(item.candidate.key, ())
            units, units_evidence = None, None
            if target.system in (System.CPT, System.HCPCS):
                units, units_evidence = stated_units(text, evidence, target.title) or (1, None)
            suggestions.append(
                Suggestion(
                    system=target.system.value,
                    code=target.code,
                    title=target.title,
                    score=round(item.score, 4),
                    evidence=evidence,
                    context=context,
                    warnings=(
                        *self._warnings.of_candidate(item.candidate),
                        *self._warnings.set_apart(target.code, apart.get(id(item))),
                        *(self._warnings.not_reported(target.code) if unreported else ()),
                        *shared.get(target.code, []),
                    ),
                    units=units,
                    units_evidence=units_evidence,
                )
            )
        return suggestions

    def _label_evidence(
        self, doc: Doc, unsupported: list[tuple[System, str]], reading: NoteReading
    ) -> dict[tuple[System, str], tuple[Evidence, ...]]:
        """For the codes with no other evidence (no term matched, no learned words found):
        the note words that weigh most for them in the label model, so that no learned
        code is shown without evidence."""
        label_model = self.model.label_reader
        if label_model is None:
            return {}
        keys = [key for key in unsupported if key in label_model.column_]
        sections = doc._.sections
        # no thread pool to pin: the evidence's product is scipy's sparse one, not BLAS
        found = label_model.evidence(reading, keys, PROFILE_EVIDENCE)
        return {
            key: tuple(
                Evidence(start, end, reading.text[start:end], section_key(sections, start))
                for start, end in sorted(places)
            )
            for key, places in found.items()
        }

    def _mentions(self, doc: Doc, text: str) -> list[Mention]:
        """The note's mentions (``text`` is ``doc.text``)."""
        mentions = []
        sections = doc._.sections
        for span in doc.spans.get(MENTIONS_KEY, ()):
            matches, kind, cues, *flags = span_values(span, _MENTION_VALUES)
            codes = tuple(dict.fromkeys(self.table.targets[m.target].code for m in matches))
            negated, uncertain, hypothetical, historical, family = flags
            mentions.append(
                Mention(
                    start=span.start_char,
                    end=span.end_char,
                    text=text[span.start_char : span.end_char],  # span.text, read faster
                    kind=kind,
                    section=section_key(sections, span.start_char),
                    negated=negated,
                    uncertain=uncertain,
                    hypothetical=hypothetical,
                    historical=historical,
                    family=family,
                    codes=codes,
                    cues=tuple(cues),
                )
            )
        return mentions


def _ranker_scores(model: SuggestModel, features: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``model``'s ranker scores of the candidates whose ``features`` (columns ``names``)
    hold every column it reads: in row order in memory, as the ranker's own matrix was
    (a product's sums follow the layout, and a column-ordered copy moved scores by an ulp)."""
    return model.ranker_scores(
        np.ascontiguousarray(features[:, [names.index(n) for n in model.feature_names]])
    )


def _read_loosely(item: Ranked) -> bool:
    """Whether every match ``item`` was read from spreads its words wider than the
    matcher's window (or over two sentences): the weakest reading of a note's words."""
    matches = item.candidate.matches
    return bool(matches) and all(match.loose for match in matches)


def _said_with(doc: Doc, item: Ranked) -> list[frozenset[str]]:
    """The words (lower-case, opening with a letter: "covid-19" is one) of each place
    ``item`` was read from, the note's title line aside: what the note says of it."""
    lowered = lowered_texts(doc)
    sections = doc_sections(doc)
    title = title_key()
    return [
        frozenset(word for word in lowered[span.start : span.end] if word[:1].isalpha())
        for span in item.candidate.spans
        if section_key(sections, span.start_char) != title
    ]
