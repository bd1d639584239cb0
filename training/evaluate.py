"""Score a suggester on a labeled corpus the way CodiEsp is scored, so that models can
be compared (``codesuggest evaluate``, ``codesuggest models promote``) and a report can
show where one goes wrong.

Codes are scored in two groups, each ranked and scored on its own as CodiEsp does:

- ``diagnoses``: ICD-10-CM, in every setting;
- ``procedures``: ICD-10-PCS for inpatient notes (facility claims of hospital stays) and
  CPT for outpatient ones (professional claims), the systems a US coder reports them in.

HCPCS Level II (supplies, drugs, transport) is in neither group: gold codes in it, or in
a procedure system the note's setting does not use, are counted as ``unscored_gold``.

Every metric comes from ``training.metrics``: a predicted code matches a gold code it
equals or extends (``S09.93XA`` matches the CodiEsp gold ``S09.93X``), each gold code at
most once. Means are over the notes that have a gold code or a suggestion in the group,
so a note without procedure gold codes that is given procedure suggestions scores 0 (as
the official CodiEsp script counts it).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np

from code_index.index import CodeIndex
from code_index.records import System, format_icd10cm, normalize_code
from code_index.revenue.encounter import Encounter
from suggest.candidates import EXCLUDED_FLAGS
from suggest.results import SuggestionResult
from suggest.setting import (
    ProcedureReporting,
    Setting,
    parse_procedure_reporting,
    parse_setting,
)
from suggest.suggester import Suggester
from training.corpora import CorpusRead, LabeledNote
from training.metrics import (
    OFFICIAL_DEPTH,
    average_precision,
    confident_wrong,
    expected_calibration_error,
    macro_f1,
    mean_average_precision,
    mean_precision_at_k,
    mean_recall_at_k,
    micro_f1,
    must_not_hits,
    ranked_matches,
)

DIAGNOSES = "diagnoses"
PROCEDURES = "procedures"
GROUP_SYSTEMS: dict[str, dict[Setting, System]] = {
    DIAGNOSES: {Setting.INPATIENT: System.ICD10CM, Setting.OUTPATIENT: System.ICD10CM},
    PROCEDURES: {Setting.INPATIENT: System.ICD10PCS, Setting.OUTPATIENT: System.CPT},
}
"""The system each group is scored in, by the note's setting."""

DEFAULT_THRESHOLD = 0.5
"""Decision threshold when the model card names none: a suggestion scoring at least
this is a prediction for F1."""

CUTOFFS = (1, 5, 10, 20)
CONFIDENT = 0.5
"""A suggestion scoring at least this claims to be right more often than not: when it is
wrong, it is a confident error (whatever the model's own decision threshold)."""
MUST_NOT_AT = 10
"""A must-not code within this many suggestions of its note counts as a hit: a coder
reads that far."""
BAND_RECALL_AT = 20
FREQUENCY_BANDS: tuple[tuple[str, int, float], ...] = (
    ("0 (unseen)", 0, 0),
    ("1", 1, 1),
    ("2-4", 2, 4),
    ("5-19", 5, 19),
    ("20+", 20, math.inf),
)
"""(label, fewest, most) notes of the frequency reference that carry a gold code."""

CALIBRATION_BINS = 10
MISSING_EXAMPLES = 10
MATCHING_RULE = (
    "a predicted code matches a gold code it equals or extends (S09.93XA matches S09.93X, "
    "CT13ZZZ matches CT13), compared without case or dots; each gold code is matched at most "
    "once, by the best-ranked suggestion that can take it"
)


@dataclass(frozen=True, slots=True)
class RankedNote:
    """One note's suggestions in one group, best first, with the gold code each took."""

    note_id: str
    system: System
    codes: tuple[str, ...]  # normalised (``E1122``), distinct
    scores: tuple[float, ...]
    matched: tuple[str | None, ...]  # normalised gold code matched by each, or None
    gold: frozenset[str]  # normalised gold codes
    must_not: frozenset[str] = frozenset()  # normalised codes a coder said must not be reported
    denied: frozenset[str] = frozenset()  # normalised codes read from denied mentions only

    @classmethod
    def build(
        cls,
        note_id: str,
        system: System,
        ranked: Sequence[tuple[str, float]],
        gold: Collection[str],
        must_not: Collection[str] = (),
        denied: Collection[str] = (),
    ) -> RankedNote:
        """From (code, score) pairs, best first, the note's gold and must-not codes in
        ``system``, and which of the suggested codes came from denied mentions."""
        best: dict[str, float] = {}
        for code, score in ranked:
            best.setdefault(normalize_code(code), score)
        matches = ranked_matches(list(best), gold)
        return cls(
            note_id,
            system,
            tuple(code for code, _ in matches),
            tuple(best[code] for code, _ in matches),
            tuple(match for _, match in matches),
            frozenset(key for key in map(normalize_code, gold) if key),
            frozenset(key for key in map(normalize_code, must_not) if key),
            frozenset(map(normalize_code, denied)),
        )

    @property
    def must_not_hits(self) -> list[str]:
        """Must-not codes (or codes under them) within the first ``MUST_NOT_AT``."""
        return must_not_hits(self.codes, self.must_not, MUST_NOT_AT)

    @property
    def denied_hits(self) -> int:
        """Codes of denied mentions within the first ``MUST_NOT_AT``: none where the
        corpus's coders never code denied findings."""
        return sum(code in self.denied for code in self.codes[:MUST_NOT_AT])


@dataclass(frozen=True, slots=True)
class Coverage:
    """Gold codes the index cannot suggest: neither the code nor one extending it is in
    the code set (CodiEsp's 2018 codes include a few since deleted)."""

    gold_codes: int
    distinct: int
    missing: int
    missing_distinct: int
    missing_examples: tuple[str, ...]

    @classmethod
    def of(cls, gold: Iterable[tuple[System, str]], index: CodeIndex) -> Coverage:
        """Coverage of gold (system, code) occurrences by ``index``."""
        occurrences = Counter(gold)
        missing = sorted(
            (key for key in occurrences if not index.with_prefix(key[1], key[0])),
            key=lambda key: (key[0].value, key[1]),
        )
        return cls(
            gold_codes=sum(occurrences.values()),
            distinct=len(occurrences),
            missing=sum(occurrences[key] for key in missing),
            missing_distinct=len(missing),
            missing_examples=tuple(code for _, code in missing[:MISSING_EXAMPLES]),
        )


@dataclass(frozen=True, slots=True)
class BandScore:
    """How well the gold codes of one frequency band are found.

    ``map``: mean over notes with a gold code in the band of the note's average
    precision against those codes only, after removing the suggestions that matched
    gold codes of other bands (they are neither right nor wrong for this band).
    ``recall``: share of the band's gold codes matched within the first
    ``BAND_RECALL_AT`` suggestions of their note."""

    band: str
    gold_codes: int
    distinct: int
    notes: int
    map: float
    recall: float


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Suggestions whose score falls in [low, high): how many, and how many were right."""

    low: float
    high: float
    candidates: int
    mean_score: float
    fraction_correct: float


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    """Pooled precision and recall when every suggestion scoring at least each threshold
    is a prediction; recall is over all gold codes, suggested or not."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray


@dataclass(frozen=True, slots=True)
class MapLoss:
    """Where MAP is lost, over the notes MAP counts (first ``OFFICIAL_DEPTH`` codes):
    ``1 = map + loss_order + loss_never_suggested + loss_no_gold``.

    ``candidate_recall``: share of gold codes matched anywhere in the lists (pooled);
    ``ordered_map``: the MAP if every list put its right codes first; ``loss_order``:
    what the wrong codes ranked above right ones cost (``ordered_map - map``);
    ``loss_never_suggested``: what the gold codes no list holds cost; ``loss_no_gold``:
    what the notes without a gold code in the group, given suggestions, cost."""

    map: float
    candidate_recall: float
    ordered_map: float
    loss_order: float
    loss_never_suggested: float
    loss_no_gold: float

    @classmethod
    def of(cls, notes: Sequence[RankedNote], depth: int = OFFICIAL_DEPTH) -> MapLoss:
        """From one group's ranked notes."""
        precisions: list[float] = []
        ordered: list[float] = []
        no_gold = 0
        found = total = 0
        for note in notes:
            if not note.gold:
                no_gold += bool(note.codes)
                precisions += [0.0] * bool(note.codes)
                ordered += [0.0] * bool(note.codes)
                continue
            hits = 0
            summed = 0.0
            for rank, match in enumerate(note.matched[:depth], start=1):
                if match is not None:
                    hits += 1
                    summed += hits / rank
            precisions.append(summed / len(note.gold))
            ordered.append(hits / len(note.gold))
            found += hits
            total += len(note.gold)
        count = max(len(precisions), 1)
        mean_ap, mean_ordered = sum(precisions) / count, sum(ordered) / count
        return cls(
            map=mean_ap,
            candidate_recall=found / max(total, 1),
            ordered_map=mean_ordered,
            loss_order=mean_ordered - mean_ap,
            loss_never_suggested=(len(precisions) - no_gold) / count - mean_ordered,
            loss_no_gold=no_gold / count,
        )

    def to_json(self) -> dict[str, float]:
        return {f.name: round(getattr(self, f.name), 4) for f in fields(self)}


@dataclass(frozen=True)
class GroupEvaluation:
    """The rankings of one group over a corpus and the scores computed from them."""

    name: str
    notes: tuple[RankedNote, ...]
    threshold: float
    coverage: Coverage
    reference_counts: Mapping[tuple[System, str], int]  # notes of the reference with a code

    @cached_property
    def metrics(self) -> dict[str, float]:
        """MAP, P@k, R@k and F1 at the threshold, from ``training.metrics``."""
        rankings = {n.note_id: n.codes for n in self.notes}
        gold = {n.note_id: n.gold for n in self.notes}
        predicted = {
            n.note_id: [c for c, s in zip(n.codes, n.scores, strict=True) if s >= self.threshold]
            for n in self.notes
        }
        micro = micro_f1(predicted, gold)
        scores = {"map": mean_average_precision(rankings, gold)}
        scores.update({f"p@{k}": mean_precision_at_k(rankings, gold, k) for k in CUTOFFS})
        scores.update({f"r@{k}": mean_recall_at_k(rankings, gold, k) for k in CUTOFFS})
        wrong, confident = self.confident_wrong
        scores.update(
            micro_precision=micro.precision,
            micro_recall=micro.recall,
            micro_f1=micro.f1,
            macro_f1=macro_f1(predicted, gold).f1,
            confident_wrong_share=wrong / confident if confident else 0.0,
            ece=expected_calibration_error(
                self.scores.tolist(), self.correct.tolist(), bins=CALIBRATION_BINS
            ),
        )
        return scores

    @cached_property
    def confident_wrong(self) -> tuple[int, int]:
        """(wrong, all) suggestions scoring at least ``CONFIDENT``, pooled over notes."""
        return confident_wrong(self.scores.tolist(), self.correct.tolist(), threshold=CONFIDENT)

    @cached_property
    def must_not_hits(self) -> list[tuple[str, str, int]]:
        """(note id, code as displayed, rank) of every must-not code within the first
        ``MUST_NOT_AT`` suggestions of its note."""
        return [
            (note.note_id, _display(key, note.system), note.codes.index(key) + 1)
            for note in self.notes
            for key in note.must_not_hits
        ]

    @property
    def systems(self) -> list[str]:
        """The systems scored (procedures: one per setting present)."""
        return sorted({n.system.value for n in self.notes})

    @property
    def notes_scored(self) -> int:
        """Notes the means count: those with a gold code or a suggestion in the group."""
        return sum(bool(n.gold or n.codes) for n in self.notes)

    @property
    def notes_with_gold(self) -> int:
        return sum(bool(n.gold) for n in self.notes)

    @property
    def gold_codes(self) -> int:
        return sum(len(n.gold) for n in self.notes)

    @cached_property
    def scores(self) -> np.ndarray:
        """Score of every suggestion of every note, pooled (pairs with ``correct``)."""
        return np.asarray([s for n in self.notes for s in n.scores], dtype=float)

    @cached_property
    def correct(self) -> np.ndarray:
        """Whether each suggestion in ``scores`` matched a gold code."""
        return np.asarray([m is not None for n in self.notes for m in n.matched], dtype=bool)

    def precision_recall(self) -> PrecisionRecall:
        """One point per distinct score, highest first (tied suggestions enter together)."""
        order = np.argsort(-self.scores, kind="stable")
        ranked, hits = self.scores[order], np.cumsum(self.correct[order])
        last_of_tie = np.append(ranked[1:] != ranked[:-1], True) if ranked.size else ranked
        counts = np.arange(1, ranked.size + 1)[last_of_tie]
        return PrecisionRecall(
            thresholds=ranked[last_of_tie],
            precision=hits[last_of_tie] / counts,
            recall=hits[last_of_tie] / max(self.gold_codes, 1),
        )

    def calibration(self) -> list[CalibrationBin]:
        """Reliability of the scores in equal-width bins (1.0 falls in the last one)."""
        bins = np.minimum((self.scores * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
        result = []
        for b in range(CALIBRATION_BINS):
            inside = bins == b
            count = int(inside.sum())
            result.append(
                CalibrationBin(
                    low=b / CALIBRATION_BINS,
                    high=(b + 1) / CALIBRATION_BINS,
                    candidates=count,
                    mean_score=float(self.scores[inside].mean()) if count else 0.0,
                    fraction_correct=float(self.correct[inside].mean()) if count else 0.0,
                )
            )
        return result

    def map_loss(self) -> MapLoss:
        """Where this group's MAP is lost (see ``MapLoss``)."""
        return MapLoss.of(self.notes)

    def by_frequency(self) -> list[BandScore]:
        """Scores of gold codes grouped by how many reference notes carry them; bands
        without gold codes are left out."""
        bands = []
        for label, fewest, most in FREQUENCY_BANDS:
            precisions: list[float] = []
            found = total = 0
            distinct: set[tuple[System, str]] = set()
            for note in self.notes:
                in_band = {
                    code
                    for code in note.gold
                    if fewest <= self.reference_counts.get((note.system, code), 0) <= most
                }
                if not in_band:
                    continue
                kept = [
                    code
                    for code, match in zip(note.codes, note.matched, strict=True)
                    if match is None or match in in_band
                ]
                precisions.append(average_precision(kept, in_band))
                found += sum(match in in_band for match in note.matched[:BAND_RECALL_AT])
                total += len(in_band)
                distinct.update((note.system, code) for code in in_band)
            if total:
                bands.append(
                    BandScore(
                        label,
                        total,
                        len(distinct),
                        len(precisions),
                        sum(precisions) / len(precisions),
                        found / total,
                    )
                )
        return bands

    def to_json(self) -> dict[str, Any]:
        """The group's entry in ``Evaluation.to_json``."""
        return {
            "systems": self.systems,
            "notes": self.notes_scored,
            "notes_with_gold": self.notes_with_gold,
            "gold_codes": self.gold_codes,
            "suggestions": int(self.scores.size),
            **{name: round(value, 4) for name, value in self.metrics.items()},
            "confident_wrong": self.confident_wrong[0],
            "confident": self.confident_wrong[1],
            "must_not_codes": sum(len(n.must_not) for n in self.notes),
            "must_not_hits": len(self.must_not_hits),
            "denied_hits": sum(note.denied_hits for note in self.notes),
            "must_not_hit_list": [
                {"note": note_id, "code": code, "rank": rank}
                for note_id, code, rank in self.must_not_hits
            ],
            "coverage": {
                "gold_codes": self.coverage.gold_codes,
                "distinct": self.coverage.distinct,
                "missing": self.coverage.missing,
                "missing_distinct": self.coverage.missing_distinct,
                "missing_examples": list(self.coverage.missing_examples),
            },
            "map_loss": self.map_loss().to_json(),
            "by_frequency": [
                {
                    "band": b.band,
                    "gold_codes": b.gold_codes,
                    "distinct": b.distinct,
                    "notes": b.notes,
                    "map": round(b.map, 4),
                    f"r@{BAND_RECALL_AT}": round(b.recall, 4),
                }
                for b in self.by_frequency()
            ],
            "calibration": [
                {
                    "low": b.low,
                    "high": b.high,
                    "candidates": b.candidates,
                    "mean_score": round(b.mean_score, 4),
                    "fraction_correct": round(b.fraction_correct, 4),
                }
                for b in self.calibration()
            ],
        }


@dataclass(frozen=True)
class Evaluation:
    """A model's scores on a corpus, per group, and where they came from."""

    model_name: str
    model_version: str
    threshold: float
    corpus: str
    index_version: str
    evaluated_at: str
    seconds: float
    settings: dict[str, int]  # notes per setting used
    frequency_reference: str  # corpus whose code counts define the frequency bands
    reading_problems: tuple[str, ...]
    unscored_gold: dict[str, int]  # gold codes per system that no group scores
    diagnoses: GroupEvaluation
    procedures: GroupEvaluation

    @property
    def groups(self) -> tuple[GroupEvaluation, GroupEvaluation]:
        return (self.diagnoses, self.procedures)

    def to_json(self) -> dict[str, Any]:
        """One JSON object: provenance, the matching rule, and each group's scores."""
        return {
            "model": {
                "name": self.model_name,
                "version": self.model_version,
                "threshold": self.threshold,
            },
            "corpus": self.corpus,
            "index_version": self.index_version,
            "evaluated_at": self.evaluated_at,
            "seconds": round(self.seconds, 1),
            "settings": self.settings,
            "matching": "prefix",
            "matching_rule": MATCHING_RULE,
            "frequency_reference": self.frequency_reference,
            "reading_problems": list(self.reading_problems),
            "unscored_gold": self.unscored_gold,
            **{group.name: group.to_json() for group in self.groups},
        }


def evaluate(
    suggester: Suggester,
    corpus: CorpusRead,
    setting: Setting | str | None = None,
    *,
    procedures: ProcedureReporting | str | None = None,
    reference: CorpusRead | None = None,
    batch_size: int = 32,
    progress: Callable[[], object] | None = None,
) -> Evaluation:
    """Run ``suggester`` over every note of ``corpus`` and score its rankings.

    ``setting`` overrides every note's own, as ``procedures`` does the procedures its
    coders reported. Frequency bands count gold codes in ``reference`` (e.g. the training
    split) when given, else in ``corpus``. Raises ``ValueError`` for an unknown setting or
    procedures option, or a note the suggester cannot take.
    ``progress`` is called once for each note as it goes in (a progress bar).
    """
    started = time.perf_counter()
    override = parse_setting(setting) if setting is not None else None
    settings = {note.id: override or note.setting for note in corpus.notes}
    reporting = parse_procedure_reporting(procedures) if procedures is not None else None
    # notes of one setting, procedures option and patient go through the pipeline
    # together, each given its patient as an API request gives it (the review moves a
    # code the patient's age or sex rules out after the others), as batch coding groups them
    batches: dict[tuple[Setting, ProcedureReporting, Encounter | None], list[LabeledNote]] = {}
    for note in corpus.notes:
        encounter = note.patient.encounter() if note.patient is not None else None
        key = (settings[note.id], reporting or note.procedures, encounter)
        batches.setdefault(key, []).append(note)
    results: dict[str, SuggestionResult] = {}
    for (chosen, reported, encounter), notes in batches.items():
        systems = list(dict.fromkeys(GROUP_SYSTEMS[group][chosen] for group in GROUP_SYSTEMS))
        ranked = suggester.suggest_many(
            _counted((note.text for note in notes), progress),
            setting=chosen,
            systems=systems,
            top_k=OFFICIAL_DEPTH * len(systems),  # each group keeps the official depth
            batch_size=batch_size,
            encounter=encounter,
            procedures=reported,
        )
        results.update((note.id, result) for note, result in zip(notes, ranked, strict=True))

    counted = reference or corpus
    reference_counts = Counter(
        (gold.system, normalize_code(gold.code)) for note in counted.notes for gold in note.codes
    )
    threshold = float(suggester.model.card.get("threshold", DEFAULT_THRESHOLD))
    groups = {}
    for group, by_setting in GROUP_SYSTEMS.items():
        rankings = []
        gold: list[tuple[System, str]] = []
        for note in corpus.notes:
            system = by_setting[settings[note.id]]
            ranking = [s for s in results[note.id].ranking() if s.system == system]
            rankings.append(
                RankedNote.build(
                    note.id,
                    system,
                    [(s.code, s.score) for s in ranking],
                    note.codes_for(system),
                    note.rejected_for(system),
                    [s.code for s in ranking if any(w.kind in EXCLUDED_FLAGS for w in s.warnings)],
                )
            )
            gold.extend((system, code) for code in note.codes_for(system))
        groups[group] = GroupEvaluation(
            group,
            tuple(rankings),
            threshold,
            Coverage.of(gold, suggester.index),
            reference_counts,
        )

    scored = {chosen: {by[chosen] for by in GROUP_SYSTEMS.values()} for chosen in Setting}
    unscored = Counter(
        gold.system.value
        for note in corpus.notes
        for gold in note.codes
        if gold.system not in scored[settings[note.id]]
    )
    return Evaluation(
        model_name=suggester.model.name,
        model_version=suggester.model.version,
        threshold=threshold,
        corpus=corpus.source,
        index_version=suggester.index.version,
        evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
        settings=dict(Counter(settings.values())),
        frequency_reference=counted.source,
        reading_problems=tuple(corpus.problems),
        unscored_gold=dict(unscored),
        diagnoses=groups[DIAGNOSES],
        procedures=groups[PROCEDURES],
    )


def _display(key: str, system: System) -> str:
    """A normalised code as a coder writes it (``E109`` → ``E10.9``)."""
    return format_icd10cm(key) if system is System.ICD10CM else key


def _counted(texts: Iterator[str], progress: Callable[[], object] | None) -> Iterator[str]:
    for text in texts:
        yield text
        if progress is not None:
            progress()
