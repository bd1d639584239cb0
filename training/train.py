"""Fitting a suggestion model from labeled notes (coded charts, coder corrections).

On top of what the code sets give the default model, labeled notes teach:
- which codes notes like this one carry (``suggest.note_model.NoteNeighbors``), with the
  words that set each code's notes apart (evidence for codes no term matched);
- which words and short phrases reliably mark a code (``TermAssociations``): the corpus's
  own wording and coding conventions, cross-fitted so the ranker sees honest values;
- how common each code is (a prior);
- how to weigh all candidate features, from real right and wrong candidates: the ranker
  is refitted on the candidates the pipeline produces for the training notes, with
  neighbour scores computed leave-one-out so that no note votes for itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from code_index.index import CodeIndex
from code_index.records import SUPPLEMENT_SOURCES, System, normalize_code
from suggest.abstention import gate_features
from suggest.candidates import (
    FEATURE_NAMES,
    Candidate,
    LearnedSignals,
    MatchPrecision,
    category_codes,
    feature_matrix,
)
from suggest.code_categories import CATEGORY_LENGTH, SUBCATEGORY_LENGTH
from suggest.denied import CodedWhenDenied
from suggest.label_model import LabelModel
from suggest.model import SuggestModel, library_versions
from suggest.note_candidates import (
    LABEL_MODEL_CANDIDATES,
    NOTE_MODEL_CANDIDATES,
    SIBLING_CANDIDATES,
    CandidateStep,
)
from suggest.note_decision import NoteDecision
from suggest.note_model import CodeKey, NoteNeighbors, TermAssociations
from suggest.served_learners import NoteReading, ThresholdedLogistic
from suggest.setting import Setting
from suggest.splines import UniformCubicSplines
from suggest.suggester import NotePipeline
from suggest.terms import default_descendant
from training.calibration import calibration_card, fit_calibrators
from training.corpora import LabeledNote
from training.stacking import (
    corpora_coding_denied,
    cross_fit_coded_when_denied,
    cross_fit_label_scores,
    fit_denied_convention,
    fit_procedure_gate,
    learned_denied_settings,
    procedure_gold,
)

Progress = Callable[[str, int, int], None]
RANKERS = ("boosting", "logistic")  # the stacked tree reranker first: the default
FOLDS = 5  # cross-fitting folds of every learned feature
HARD_NEGATIVE_WEIGHT = 3.0  # a code a coder rejected is stronger evidence than an unlabeled one


def reportable_codes(index: CodeIndex, notes: Sequence[LabeledNote]) -> list[list[CodeKey]]:
    """Each note's gold codes as codes a coder can report: a header or a code cut short
    (CodiEsp truncates some) becomes its most common full form in the corpus, else its
    default (unspecified) descendant; codes absent from the code set are left out."""
    full_forms: Counter[CodeKey] = Counter()
    for note in notes:
        for gold in note.codes:
            record = index.get(gold.code, gold.system)
            if record is not None and record.billable:
                full_forms[(record.system, record.code)] += 1
    result: list[list[CodeKey]] = []
    for note in notes:
        keys: list[CodeKey] = []
        for gold in note.codes:
            key = _reportable(index, gold.system, gold.code, full_forms)
            if key is not None and key not in keys:
                keys.append(key)
        result.append(keys)
    return result


def _reportable(
    index: CodeIndex, system: System, code: str, full_forms: Counter[CodeKey]
) -> CodeKey | None:
    record = index.get(code, system)
    if record is not None and record.billable:
        return (record.system, record.code)
    prefix = normalize_code(code)
    seen = [k for k in full_forms if k[0] is system and normalize_code(k[1]).startswith(prefix)]
    if seen:
        return max(seen, key=lambda k: (full_forms[k], k[1]))
    if record is not None:
        default = default_descendant(index, record)
        return (default.system, default.code) if default else None
    extended = [r for r in index.with_prefix(code, system) if r.billable]
    return (extended[0].system, extended[0].code) if extended else None


def is_correct(code: str, gold: Sequence[str]) -> bool:
    """The evaluation's matching rule: a code is right when it is, or extends, a gold code."""
    key = normalize_code(code)
    return any(key.startswith(normalize_code(g)) for g in gold)


@dataclass
class NoteCandidates:
    """One training note's candidates: features, codes, whether a term matched, labels."""

    features: np.ndarray
    keys: list[CodeKey]
    matched: np.ndarray
    labels: np.ndarray
    weights: np.ndarray  # hard negatives (codes a coder rejected) count more
    denied: np.ndarray  # read only from negated, family or hypothetical mentions
    setting: Setting
    corpus: str  # the corpus it was read from: its coders' conventions
    gate_row: np.ndarray  # the note's procedure-gate features (suggest.abstention)
    # the features of the candidates less the denied ones: counts such as the note's
    # candidates are what serving sees where denied mentions are not ranked
    affirmed_features: np.ndarray
    # the candidates serving ranks where it reads the note as coded by the guidelines
    # (suggest.note_candidates): read only where the training corpora may disagree
    by_guidelines: NoteCandidates | None = None

    def without_denied(self) -> NoteCandidates:
        """The note's candidates less the denied ones (for coders who never code them)."""
        keep = ~self.denied
        return NoteCandidates(
            self.affirmed_features,
            [key for key, kept in zip(self.keys, keep, strict=True) if kept],
            self.matched[keep],
            self.labels[keep],
            self.weights[keep],
            self.denied[keep],
            self.setting,
            self.corpus,
            self.gate_row,
            self.affirmed_features,
        )

    def as_coded_by_guidelines(self) -> NoteCandidates:
        """The note's candidates as serving ranks a note read as coded by the guidelines:
        only those its words name, read as the default model reads them (where the
        corpora disagree, for the notes of those whose coders follow the guidelines)."""
        if self.by_guidelines is None:
            raise ValueError("the note was read for one corpus: no reading by the guidelines")
        return self.by_guidelines


def _training_candidates(
    candidates: Sequence[Candidate],
    note: LabeledNote,
    label_scores: dict[CodeKey, float],
    by_guidelines: NoteCandidates | None = None,
) -> NoteCandidates:
    """One note's candidates as the ranker learns from them, labeled by its gold codes."""
    gold = {system: note.codes_for(system) for system in note.setting.systems}
    rejected = {(r.system, r.code) for r in note.rejected}
    return NoteCandidates(
        feature_matrix(candidates, len(note.text)),
        [c.key for c in candidates],
        np.asarray([bool(c.matches) for c in candidates], dtype=bool),
        np.asarray(
            [is_correct(c.target.code, gold[c.target.system]) for c in candidates],
            dtype=np.int8,
        ),
        np.asarray(
            [HARD_NEGATIVE_WEIGHT if c.key in rejected else 1.0 for c in candidates],
            dtype=np.float32,
        ),
        np.asarray([bool(c.denied) for c in candidates], dtype=bool),
        note.setting,
        note.corpus,
        gate_features(candidates, label_scores),
        feature_matrix([c for c in candidates if not c.denied], len(note.text)),
        by_guidelines,
    )


def candidate_training_set(
    pipeline: NotePipeline,
    notes: Sequence[LabeledNote],
    neighbor_scores: Sequence[dict[CodeKey, float]],
    priors: Sequence[Mapping[CodeKey, float]],
    association_scores: Sequence[dict[CodeKey, tuple[float, str]]],
    label_scores: Sequence[dict[CodeKey, float]],
    category_priors: Sequence[tuple[Mapping[CodeKey, float], Mapping[CodeKey, float]]],
    progress: Progress | None = None,
    both_readings: bool | None = None,
) -> list[NoteCandidates]:
    """The candidates serving would rank for each note (the shared candidate step, with
    leave-one-out neighbour scores and priors (of codes, categories and subcategories:
    ``category_priors``), cross-fitted association and label
    scores), labeled right or wrong; the denied mentions' among them in every setting,
    kept or dropped once the corpus shows whether its coders code them. ``both_readings``
    (default: where the notes come from more than one corpus, whose conventions may
    disagree): each note's candidates as serving reads a note coded by the guidelines too."""
    per_note: list[NoteCandidates] = []
    every_setting = {setting: CodedWhenDenied.count([]) for setting in Setting}
    step = CandidateStep(
        pipeline.table, pipeline.index, True, every_setting, sibling_candidates=SIBLING_CANDIDATES
    )
    if both_readings is None:
        both_readings = len({note.corpus for note in notes}) > 1
    # the notes of a fold share their priors: each fold's categories' codes worked out once
    siblings: dict[int, Mapping[CodeKey, tuple[CodeKey, ...]]] = {}
    for prior in priors:
        if id(prior) not in siblings:
            siblings[id(prior)] = category_codes(prior)
    docs = pipeline.nlp.pipe((note.text for note in notes), batch_size=32)
    for i, (note, doc) in enumerate(zip(notes, docs, strict=True)):
        learned = LearnedSignals(
            neighbor_scores[i],
            association_scores[i],
            priors[i],
            None,
            NoteReading(note.text, None, label_scores[i]),
            *category_priors[i],
            siblings[id(priors[i])],
        )
        by_guidelines = (
            _training_candidates(
                step(
                    doc,
                    note.setting,
                    learned=learned,
                    as_taught=False,
                    procedures=note.procedures,
                ).candidates,
                note,
                label_scores[i],
            )
            if both_readings
            else None
        )
        candidates = step(
            doc, note.setting, learned=learned, as_taught=True, procedures=note.procedures
        ).candidates
        per_note.append(_training_candidates(candidates, note, label_scores[i], by_guidelines))
        if progress:
            progress("candidates", i + 1, len(notes))
    return per_note


def match_precision(notes: Sequence[NoteCandidates]) -> MatchPrecision:
    """Per code, how often it was right in these notes, with and without a term match
    (denied candidates have ``coded_when_denied`` instead)."""
    hits: dict[tuple[CodeKey, bool], tuple[int, int]] = {}
    for note in notes:
        for key, matched, label, denied in zip(
            note.keys, note.matched, note.labels, note.denied, strict=True
        ):
            if denied:
                continue
            right, seen = hits.get((key, bool(matched)), (0, 0))
            hits[(key, bool(matched))] = (right + int(label), seen + 1)
    overall = {}
    for matched in (True, False):
        counts = [v for (_, m), v in hits.items() if m is matched]
        overall[matched] = sum(r for r, _ in counts) / max(sum(s for _, s in counts), 1)
    return MatchPrecision(hits, overall)


def note_weighted(notes: Sequence[NoteCandidates]) -> list[np.ndarray]:
    """Each note's candidate weights, scaled so that every note weighs the same: MAP
    averages notes, each gold code counting 1/(its note's gold codes), so a note's
    candidates weigh inversely to its right ones (times the mean count, to keep the
    scale). Train 400 -> 100 notes: MAP-D 0.5813 -> 0.5867, MAP-P 0.5488 -> 0.5553."""
    mean_right = float(np.mean([n.labels.sum() for n in notes]))
    return [n.weights * (mean_right / max(float(n.labels.sum()), 1.0)) for n in notes]


def fold_assignment(count: int, folds: int, seed: int) -> np.ndarray:
    """The cross-fitting fold of each of ``count`` notes: the same for a seed, so every
    cross-fitted feature of a note comes from the same other notes."""
    return np.random.default_rng(seed).integers(0, folds, size=count)


def cross_fit_match_precision(notes: list[NoteCandidates], folds: int, seed: int) -> None:
    """Fill each note's match-precision feature from the other folds only, so the ranker
    learns how far to trust the feature on notes it did not come from."""
    column = FEATURE_NAMES.index("match_precision")
    fold_of = fold_assignment(len(notes), folds, seed)
    for fold in range(folds):
        precision = match_precision([n for n, f in zip(notes, fold_of, strict=True) if f != fold])
        for note, f in zip(notes, fold_of, strict=True):
            if f == fold:
                note.features[:, column] = [
                    precision.of(key, bool(matched))
                    for key, matched in zip(note.keys, note.matched, strict=True)
                ]


def cross_fit_associations(
    texts: Sequence[str], labels: Sequence[Sequence[CodeKey]], folds: int, seed: int
) -> list[dict[CodeKey, tuple[float, str]]]:
    """Each note's term-association scores from associations learned on the other folds:
    a note's own codes must not mark its own terms, or the ranker learns to trust the
    feature far more than it deserves on new notes."""
    fold_of = fold_assignment(len(texts), folds, seed)
    scores: list[dict[CodeKey, tuple[float, str]]] = [{} for _ in texts]
    for fold in range(folds):
        inside = [i for i, f in enumerate(fold_of) if f != fold]
        associations = TermAssociations().fit(
            [texts[i] for i in inside], [labels[i] for i in inside]
        )
        for i, f in enumerate(fold_of):
            if f == fold:
                scores[i] = associations.scores(texts[i])
    return scores


def as_served(
    note: NoteCandidates,
    coding: set[str],
    denied_settings: Mapping[Setting, CodedWhenDenied],
    denied_convention: NoteDecision | ThresholdedLogistic | None,
) -> NoteCandidates:
    """A training note's candidates as serving ranks such a note: with its denied mentions
    where its corpus's coders code them (``coding``) in its setting; where the corpora
    disagree (a ``denied_convention``), a note of a corpus that follows the guidelines
    with the codes its words name alone (``NoteCandidates.as_coded_by_guidelines``),
    as serving reads such notes: trained on the lists as CodiEsp's coders' are read,
    covered and learned codes among them, the ranker learned these notes' codes from
    lists they never have, and its scores of them came out of scale."""
    if note.corpus in coding:
        return note if note.setting in denied_settings else note.without_denied()
    return note.as_coded_by_guidelines() if denied_convention is not None else note.without_denied()


def make_ranker(kind: str, seed: int) -> Pipeline:
    """The candidate ranker: a calibrated probability per candidate."""
    if kind == "logistic":
        # each feature through a cubic spline basis (see suggest.splines):
        # CodiEsp dev MAP-D 0.4958 -> 0.5006 over the features as they are
        return Pipeline(
            [
                ("spline", UniformCubicSplines(n_knots=5)),
                ("scale", StandardScaler()),
                ("classify", LogisticRegression(C=3.0, max_iter=5000, random_state=seed)),
            ]
        )
    if kind == "boosting":
        # imported for this ranker only: what imports this module without training one
        # (the CLI, and so `codesuggest serve`) would otherwise import every ensemble
        from sklearn.ensemble import HistGradientBoostingClassifier

        return Pipeline(
            [
                (
                    "classify",
                    HistGradientBoostingClassifier(
                        max_iter=300,
                        learning_rate=0.05,
                        max_leaf_nodes=31,
                        l2_regularization=1.0,
                        random_state=seed,
                    ),
                ),
            ]
        )
    raise ValueError(f"ranker must be one of {', '.join(RANKERS)}, not {kind!r}")


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The score above which candidates are predicted, chosen for the best F1."""
    order = np.argsort(-scores)
    hits = np.cumsum(labels[order])
    precision = hits / np.arange(1, len(order) + 1)
    recall = hits / max(labels.sum(), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-9)
    return float(scores[order][int(np.argmax(f1))])


def train_model(
    pipeline: NotePipeline,
    notes: Sequence[LabeledNote],
    name: str,
    seed: int = 13,
    ranker: str = "boosting",
    sources: dict[str, Any] | None = None,
    progress: Progress | None = None,
    label_max_df: float = 1.0,
) -> SuggestModel:
    """Fit the note model and the ranker on labeled notes; deterministic for a seed.
    ``label_max_df``: the label model's ``max_df`` (below 1.0 a smaller, faster model)."""
    if not notes:
        raise ValueError("there are no labeled notes to train on")
    labels = reportable_codes(pipeline.index, notes)
    texts = [n.text for n in notes]
    note_model = NoteNeighbors().fit(texts, labels)
    associations = TermAssociations().fit(texts, labels)
    label_model = LabelModel(max_df=label_max_df).fit(texts, labels)
    fold_of = fold_assignment(len(notes), FOLDS, seed)
    per_note = candidate_training_set(
        pipeline,
        notes,
        note_model.leave_one_out_scores(),
        note_model.cross_fit_priors(fold_of),
        cross_fit_associations(texts, labels, folds=FOLDS, seed=seed),
        cross_fit_label_scores(label_model, labels, fold_of),
        list(
            zip(
                note_model.cross_fit_priors(fold_of, CATEGORY_LENGTH),
                note_model.cross_fit_priors(fold_of, SUBCATEGORY_LENGTH),
                strict=True,
            )
        ),
        progress,
    )
    coding = corpora_coding_denied(per_note)
    denied_settings = learned_denied_settings([n for n in per_note if n.corpus in coding])
    denied_convention = fit_denied_convention(
        label_model.matrix_, [n.corpus in coding for n in per_note]
    )
    # the notes serving reads as coded by the guidelines: their rows get a calibrator of
    # their own
    by_guidelines = [denied_convention is not None and n.corpus not in coding for n in per_note]
    per_note = [as_served(n, coding, denied_settings, denied_convention) for n in per_note]
    cross_fit_match_precision(per_note, folds=FOLDS, seed=seed)
    cross_fit_coded_when_denied(per_note, fold_of)
    procedure_gate = fit_procedure_gate(
        np.vstack([n.gate_row for n in per_note]),
        np.asarray([procedure_gold(codes) for codes in labels]),
    )
    X = np.vstack([n.features for n in per_note])
    y = np.concatenate([n.labels for n in per_note])
    weights = np.concatenate(note_weighted(per_note))
    groups = np.concatenate([np.full(len(n.labels), i) for i, n in enumerate(per_note)])
    model_ranker = make_ranker(ranker, seed)
    calibrator, guideline_calibrator = fit_calibrators(
        model_ranker,
        X,
        y,
        groups,
        np.concatenate(
            [np.full(len(n.labels), g) for n, g in zip(per_note, by_guidelines, strict=True)]
        ),
        fit_params={"classify__sample_weight": weights},
    )
    model_ranker.fit(X, y, classify__sample_weight=weights)
    threshold = best_threshold(model_ranker.predict_proba(X)[:, 1], y)
    card: dict[str, Any] = {
        "name": name,
        "kind": (
            f"candidate ranker ({ranker}) + TF-IDF nearest-neighbour note model"
            " + learned term-code associations + character n-gram label model"
        ),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            **(sources or {}),
            "notes": len(notes),
            "gold_codes": sum(len(n.codes) for n in notes),
            "distinct_codes_learned": len(note_model.classes_),
            "term_code_associations": sum(len(v) for v in associations.associations_.values()),
            "candidates": len(y),
            "positive_candidates": int(y.sum()),
            "coded_when_denied": {
                setting: round(shares.overall, 4) for setting, shares in denied_settings.items()
            },
        },
        "code_sets": {
            "index_version": pipeline.index.version,
            **{
                v.system.value: v.version
                for v in pipeline.index.manifest.versions
                if v.source not in SUPPLEMENT_SOURCES
            },
        },
        "threshold": round(threshold, 4),
        "features": list(FEATURE_NAMES),
        "parameters": {
            "seed": seed,
            "ranker": ranker,
            "ranker_steps": [name for name, _ in model_ranker.steps],
            "n_neighbors": note_model.n_neighbors,
            "neighbor_power": note_model.power,
            "note_model_candidates": NOTE_MODEL_CANDIDATES,
            "label_model": label_model.get_params(),
            "label_model_candidates": LABEL_MODEL_CANDIDATES,
            "sibling_candidates": SIBLING_CANDIDATES,
            "ranks_denied_in": sorted(denied_settings),
            "corpora_coding_denied": sorted(coding),
            "denied_convention": denied_convention is not None,
            "procedure_gate": procedure_gate is not None,
        },
        "calibration": calibration_card(calibrator),
        **(
            {"calibration_by_guidelines": calibration_card(guideline_calibrator)}
            if denied_convention is not None
            else {}
        ),
        "library_versions": library_versions(),
    }
    return SuggestModel(
        name,
        model_ranker,
        FEATURE_NAMES,
        card,
        note_model,
        match_precision(per_note),
        associations,
        keeps_covered=True,
        index_version=pipeline.index.version,
        calibrator=calibrator,
        guideline_calibrator=guideline_calibrator,
        label_model=label_model,
        coded_when_denied=denied_settings,
        procedure_gate=procedure_gate,
        denied_convention=denied_convention,
        sibling_candidates=SIBLING_CANDIDATES,
    )
