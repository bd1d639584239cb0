"""Fitting the calibrator of a ranker on cross-fitted scores: each note's candidates
scored by a ranker fitted without that note (folds by note), so the calibrator learns
how often scores are right on notes the ranker has not seen, not on its training rows.

``calibrate_model`` does the same for a fitted model on labelled notes it never saw
(``codesuggest calibrate``): the default model, fitted on synthetic code-set notes, is
over-confident on real ones, and only real notes can say by how much."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import product
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from code_index.records import normalize_code
from suggest.calibration import PlattCalibrator
from suggest.final_layer import FinalLayer
from suggest.layer_features import LAYER_FEATURES, held_by_rules
from suggest.model import SuggestModel
from suggest.setting import ProcedureReporting, Setting
from suggest.suggester import POSSIBLE_FLOOR, NotePipeline, Suggester
from training.corpora import CorpusRead
from training.evaluate import CONFIDENT, GROUP_SYSTEMS, RankedNote, evaluate
from training.metrics import average_precision, confident_wrong, expected_calibration_error

CALIBRATION_FOLDS = 5
# the US-note benchmark's part no fit may read (bench/us_notes/README.md)
HELD_ASIDE = "held_aside.jsonl"
# the final layer's regularization strengths tried by cross-fitting (``choose_layer``)
LAYER_C_GRID = (0.01, 0.1, 1.0, 10.0)


def cross_fitted_scores(
    ranker: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    folds: int = CALIBRATION_FOLDS,
    fit_params: dict[str, Any] | None = None,
) -> np.ndarray:
    """P(right) of each row from a clone of ``ranker`` fitted on the other notes' folds
    (``fit_params`` such as per-row sample weights are split with the rows)."""
    splits = GroupKFold(n_splits=min(folds, len(np.unique(groups))))
    predicted = cross_val_predict(
        clone(ranker),
        X,
        y,
        groups=groups,
        cv=splits,
        method="predict_proba",
        params=fit_params,
    )
    return np.asarray(predicted[:, 1])


def fit_calibrator(
    ranker: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    folds: int = CALIBRATION_FOLDS,
    fit_params: dict[str, Any] | None = None,
) -> PlattCalibrator | None:
    """A Platt calibrator for ``ranker`` (its parameters; it need not be fitted yet), or
    None where the notes are too few to cross-fit one (under two notes, a fold with one
    class, scores that rank nothing): the model then gives its ranker's scores."""
    return fit_calibrators(ranker, X, y, groups, np.zeros(len(y), dtype=bool), folds, fit_params)[0]


def fit_calibrators(
    ranker: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    by_guidelines: np.ndarray,
    folds: int = CALIBRATION_FOLDS,
    fit_params: dict[str, Any] | None = None,
) -> tuple[PlattCalibrator | None, PlattCalibrator | None]:
    """Platt calibrators for ``ranker`` from one set of cross-fitted scores: of the rows
    of notes coded as their corpora teach, and of the rows ``by_guidelines`` (a mask: the
    notes a mixed model reads as coded by the guidelines), each fitted on its own rows
    (None where there are none, or too few to fit). One map for both fitted a mixed
    model's US notes on rows that were mostly CodiEsp's: cross-fitted on the US tuning
    notes, its scores there were under-confident (ECE 0.055 against the default's 0.025)."""
    if len(np.unique(groups)) < 2:
        return None, None
    try:
        scores = cross_fitted_scores(ranker, X, y, groups, folds, fit_params)
    except ValueError:
        return None, None
    return _platt(scores[~by_guidelines], y[~by_guidelines]), _platt(
        scores[by_guidelines], y[by_guidelines]
    )


def _platt(scores: np.ndarray, labels: np.ndarray) -> PlattCalibrator | None:
    """A Platt map of these cross-fitted scores, or None where they cannot give one (no
    rows, one class, scores that rank nothing)."""
    if len(np.unique(labels)) < 2:
        return None
    try:
        return PlattCalibrator().fit(scores, labels)
    except ValueError:
        return None


def calibration_card(calibrator: PlattCalibrator | None) -> dict[str, Any]:
    """What a model card says of its calibration."""
    if calibrator is None:
        return {"method": "none: too few notes to cross-fit a calibrator"}
    return {
        "method": "Platt scaling on scores cross-fitted over 5 folds of notes",
        "slope": round(calibrator.slope_, 4),
        "intercept": round(calibrator.intercept_, 4),
    }


# ---------------------------------------------------------------- on labelled notes
# A model whose ranker never saw a corpus (the default model, fitted on synthetic notes;
# a trained model on another corpus) already gives that corpus out-of-sample scores: its
# calibrator can be fitted on them directly, and cross-fitting (folds by note) then
# measures how well a map fitted without a note calibrates that note.


@dataclass(frozen=True)
class LabelledScores:
    """Every code a model ranked for labelled notes (suggested or possible; not those set
    apart, nor unspecified alternatives), with the ranker's own score, the final layer's
    features and whether it was right."""

    scores: np.ndarray  # the ranker's score, before any calibrator
    correct: np.ndarray  # matched a gold code (``training.evaluate``'s matching rule)
    notes: np.ndarray  # note number over all corpora: the folds are by note
    corpora: np.ndarray  # index into ``sources``
    groups: np.ndarray  # "diagnoses" or "procedures"
    sources: tuple[str, ...]
    # ``suggest.layer_features.LAYER_FEATURES`` of each row
    features: np.ndarray = field(default_factory=lambda: np.zeros((0, len(LAYER_FEATURES))))

    @classmethod
    def of(
        cls,
        scores: list[float],
        correct: list[bool],
        notes: list[int],
        corpora: list[int],
        groups: list[str],
        reads: Sequence[CorpusRead],
        features: list[np.ndarray] | None = None,
    ) -> LabelledScores:
        """From the lists the rows were collected in."""
        return cls(
            np.asarray(scores, dtype=np.float64),
            np.asarray(correct, dtype=bool),
            np.asarray(notes, dtype=np.int64),
            np.asarray(corpora, dtype=np.int64),
            np.asarray(groups),
            tuple(read.source for read in reads),
            np.vstack(features) if features else np.zeros((0, len(LAYER_FEATURES))),
        )

    def subset(self, rows: np.ndarray) -> LabelledScores:
        """Only the rows where ``rows`` (a mask) is true."""
        return replace(
            self,
            scores=self.scores[rows],
            correct=self.correct[rows],
            notes=self.notes[rows],
            corpora=self.corpora[rows],
            groups=self.groups[rows],
            features=self.features[rows],
        )

    @property
    def scored(self) -> np.ndarray:
        """Rows a calibrator maps: an unspecified alternative has no probability of its
        own (score 0, suggest.alternatives) and keeps 0 whatever the calibrator."""
        return self.scores > 0

    def weights(self) -> np.ndarray:
        """Each corpus counts the same in the fit, whatever its size, so a large corpus
        of one coding convention does not drown a small one of another."""
        weights = np.zeros(len(self.scores))
        scored = self.scored
        present = [k for k in range(len(self.sources)) if (scored & (self.corpora == k)).any()]
        for k in present:
            rows = scored & (self.corpora == k)
            weights[rows] = scored.sum() / (len(present) * rows.sum())
        return weights


def evaluated_scores(
    pipeline: NotePipeline, model: SuggestModel, reads: Sequence[CorpusRead]
) -> LabelledScores:
    """The ranker's scores (the model's calibrator and layer set aside) of the codes
    ``evaluate`` scores for every note of ``reads`` (its top codes, alternatives at 0
    included): what the Platt map is fitted on, so that it calibrates what is measured."""
    suggester = Suggester(
        pipeline, replace(model, calibrator=None, guideline_calibrator=None, final_layer=None)
    )
    scores: list[float] = []
    correct: list[bool] = []
    notes: list[int] = []
    corpora: list[int] = []
    groups: list[str] = []
    numbers: dict[tuple[int, str], int] = {}
    for k, read in enumerate(reads):
        for group in evaluate(suggester, read).groups:
            for note in group.notes:
                number = numbers.setdefault((k, note.note_id), len(numbers))
                scores += note.scores
                correct += (match is not None for match in note.matched)
                notes += [number] * len(note.scores)
                corpora += [k] * len(note.scores)
                groups += [group.name] * len(note.scores)
    return LabelledScores.of(scores, correct, notes, corpora, groups, reads)


def labelled_scores(
    pipeline: NotePipeline, model: SuggestModel, reads: Sequence[CorpusRead]
) -> LabelledScores:
    """The ranked codes of every note of ``reads`` as ``model`` ranks them without a final
    layer (its calibrator, if any, decides which codes are listed above the floor), each
    with the ranker's own score and whether it matched a gold code of its note; each note
    in its own setting (and the procedures its coders reported) and the systems
    ``evaluate`` scores there."""
    suggester = Suggester(pipeline, replace(model, final_layer=None))
    scores: list[float] = []
    correct: list[bool] = []
    notes: list[int] = []
    corpora: list[int] = []
    groups: list[str] = []
    features: list[np.ndarray] = []
    number = 0
    for k, read in enumerate(reads):
        for chosen, reporting in product(Setting, ProcedureReporting):
            chosen_notes = [
                note
                for note in read.notes
                if note.setting == chosen and note.procedures == reporting
            ]
            systems = {group: by_setting[chosen] for group, by_setting in GROUP_SYSTEMS.items()}
            ranked = suggester.layer_rows(
                (note.text for note in chosen_notes),
                chosen,
                list(dict.fromkeys(systems.values())),
                procedures=reporting,
            )
            for note, rows in zip(chosen_notes, ranked, strict=True):
                number += 1
                for group, system in systems.items():
                    mine = [row for row in rows if row.key[0] is system]
                    matched = RankedNote.build(
                        note.id,
                        system,
                        [(row.key[1], row.ranker_score) for row in mine],
                        note.codes_for(system),
                    )
                    right = dict(zip(matched.codes, matched.matched, strict=True))
                    for row in mine:
                        scores.append(row.ranker_score)
                        correct.append(right.get(normalize_code(row.key[1])) is not None)
                        notes.append(number)
                        corpora.append(k)
                        groups.append(group)
                        features.append(row.features)
    return LabelledScores.of(scores, correct, notes, corpora, groups, reads, features)


def _note_folds(labelled: LabelledScores, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row indices of the scored rows, fitted and held out, in folds by note."""
    rows = np.flatnonzero(labelled.scored)
    splits = GroupKFold(n_splits=min(folds, len(np.unique(labelled.notes[rows]))))
    return [
        (rows[fit_rows], rows[held_rows])
        for fit_rows, held_rows in splits.split(rows, groups=labelled.notes[rows])
    ]


def cross_fitted_calibration(
    labelled: LabelledScores, folds: int = CALIBRATION_FOLDS
) -> np.ndarray:
    """Each row's calibrated score from a calibrator fitted on the other notes' folds
    (0 stays 0): what calibration does for notes it was not fitted on."""
    calibrated = np.where(labelled.scored, 0.0, labelled.scores)
    weights = labelled.weights()
    for fitted, held in _note_folds(labelled, folds):
        calibrator = PlattCalibrator().fit(
            labelled.scores[fitted], labelled.correct[fitted], weights[fitted]
        )
        calibrated[held] = calibrator.predict(labelled.scores[held])
    return calibrated


def cross_fitted_layer(
    labelled: LabelledScores, layer: FinalLayer, folds: int = CALIBRATION_FOLDS
) -> np.ndarray:
    """Each row's final-layer probability from a clone of ``layer`` fitted on the other
    notes' folds, each corpus weighing the same (0 stays 0)."""
    predicted = np.where(labelled.scored, 0.0, labelled.scores)
    weights = labelled.weights()
    X = layer.columns(labelled.features)
    for fitted, held in _note_folds(labelled, folds):
        part = clone(layer).fit(X[fitted], labelled.correct[fitted], weights[fitted])
        predicted[held] = part.probabilities(X[held])
    return predicted


def choose_layer(
    labelled: LabelledScores, grid: Sequence[float] = LAYER_C_GRID, folds: int = CALIBRATION_FOLDS
) -> tuple[FinalLayer, dict[str, float]]:
    """The ``FinalLayer`` whose regularization (``C`` of ``grid``) gives the lowest
    cross-fitted log loss, each corpus weighing the same; returns it unfitted with each
    setting's loss (a proper score: it rewards both telling right from wrong and honest
    probabilities, where ECE or the confident-wrong share alone can be gamed)."""
    scored = labelled.scored
    weights = labelled.weights()[scored]
    losses: dict[str, float] = {}
    for C in grid:
        predicted = cross_fitted_layer(labelled, FinalLayer(C=C), folds)[scored]
        losses[str(C)] = round(
            float(log_loss(labelled.correct[scored], predicted, sample_weight=weights)), 5
        )
    best = min(grid, key=lambda C: losses[str(C)])
    return FinalLayer(C=best), losses


def listed_map(labelled: LabelledScores, scores: np.ndarray, inside: np.ndarray) -> float:
    """Mean over notes of the average precision of the note's ranked codes put in order
    by ``scores`` (ties kept in ranking order), over the right codes among them: how well
    a score orders what was ranked, whatever the gold codes nobody ranked."""
    precisions = []
    for note in np.unique(labelled.notes[inside]):
        rows = np.flatnonzero(inside & (labelled.notes == note))
        right = labelled.correct[rows]
        if right.any():
            # each row is its own "code": the right rows are the gold
            order = rows[np.argsort(-scores[rows], kind="stable")]
            precisions.append(
                average_precision(
                    [str(row) for row in order],
                    [str(row) for row in rows[right]],
                    prefix_match=False,
                    depth=None,
                )
            )
    return float(np.mean(precisions)) if precisions else 0.0


def calibration_check(
    labelled: LabelledScores, scored_as: Mapping[str, np.ndarray]
) -> list[dict[str, Any]]:
    """Per corpus and group, for each named array of scores (e.g. the ranker's, Platt's,
    the final layer's): expected calibration error, the confident (score >= 0.5) codes and
    how many of them are wrong, and the MAP of the ranked codes put in order by them."""
    rows = []
    for k, source in enumerate(labelled.sources):
        for group in dict.fromkeys(labelled.groups.tolist()):
            inside = (labelled.corpora == k) & (labelled.groups == group)
            if not inside.any():
                continue
            right = labelled.correct[inside].tolist()
            entry: dict[str, Any] = {"corpus": source, "group": group, "codes": int(inside.sum())}
            for when, scores in scored_as.items():
                chosen = scores[inside].tolist()
                wrong, confident = confident_wrong(chosen, right, threshold=CONFIDENT)
                entry[when] = {
                    "ece": round(expected_calibration_error(chosen, right), 4),
                    "confident": confident,
                    "confident_wrong": wrong,
                    "listed_map": round(listed_map(labelled, scores, inside), 4),
                }
            rows.append(entry)
    return rows


def calibrate_model(
    pipeline: NotePipeline,
    model: SuggestModel,
    reads: Sequence[CorpusRead],
    name: str,
    folds: int = CALIBRATION_FOLDS,
    final_layer: bool = False,
) -> SuggestModel:
    """``model`` named ``name``, with a Platt calibrator and, with ``final_layer``, a final
    layer (``suggest.final_layer``) fitted on its ranked codes for the notes of ``reads``,
    each corpus weighing the same (without it, the model keeps no layer). Deterministic:
    the same model and notes give the same fit.

    The Platt map is fitted on the ranker's scores of the codes the model ranks without
    a calibrator; the layer, whose regularization is chosen by cross-fitted log loss, on
    those it ranks with that map (its floor decides which codes count as listed, and so
    which the coding rules set apart), the rows it will score. The card says on which
    corpora and what cross-fitting (folds by note) measured for the ranker, the map and
    the layer. ``ValueError`` when the model was trained on one of the corpora (its scores
    there are not out-of-sample), the corpora hold fewer than two notes, or their scores
    do not rank right codes first."""
    held = [read.source for read in reads if HELD_ASIDE in read.source]
    if held:
        raise ValueError(
            f"{', '.join(held)} is the US-note benchmark's held-aside part: it measures the "
            "result and is never fitted on (calibrate on bench/us_notes/tuning.jsonl)"
        )
    trained_on = set(model.card.get("training_data", {}).get("corpora", []))
    overlap = sorted(trained_on & {read.source for read in reads})
    if overlap:
        raise ValueError(
            f"model {model.name!r} was trained on {', '.join(overlap)}: its scores there "
            "are not what it gives new notes, so they cannot calibrate it"
        )
    labelled = evaluated_scores(pipeline, model, reads)
    _check_fittable(labelled)
    scored = labelled.scored
    calibrator = PlattCalibrator().fit(
        labelled.scores[scored], labelled.correct[scored], labelled.weights()[scored]
    )
    if not final_layer:
        check = calibration_check(
            labelled,
            {"ranker": labelled.scores, "platt": cross_fitted_calibration(labelled, folds)},
        )
        return _calibrated(model, name, reads, labelled, calibrator, None, {}, check, folds)
    # the map fitted here calibrates every note (a mixed model's map of its guideline-coded
    # notes, fitted on its training notes, is replaced by it too)
    listed = labelled_scores(
        pipeline, replace(model, calibrator=calibrator, guideline_calibrator=None), reads
    )
    _check_fittable(listed)
    platt = cross_fitted_calibration(listed, folds)
    layer, losses = choose_layer(listed, folds=folds)
    tried = calibration_check(
        listed,
        {"platt": platt, "layer": _served(listed, cross_fitted_layer(listed, layer, folds), platt)},
    )
    # the layer scores a group's codes only where, cross-fitted, it orders them no worse
    # than the Platt map on every corpus (the map keeps the ranker's order)
    kept = [
        group
        for group in dict.fromkeys(listed.groups.tolist())
        if all(
            row["layer"]["listed_map"] >= row["platt"]["listed_map"]
            for row in tried
            if row["group"] == group
        )
    ]
    final = np.array(platt)
    chosen: FinalLayer | None = None
    if kept:
        inside = np.isin(listed.groups, kept)
        rows = listed.subset(inside)
        chosen, losses = choose_layer(rows, folds=folds)
        chosen.set_params(
            systems=tuple(
                dict.fromkeys(GROUP_SYSTEMS[group][s].value for group in kept for s in Setting)
            )
        )
        final[inside] = _served(rows, cross_fitted_layer(rows, chosen, folds), platt[inside])
        fitted = rows.scored
        chosen.fit(
            chosen.columns(rows.features)[fitted], rows.correct[fitted], rows.weights()[fitted]
        )
    check = calibration_check(listed, {"ranker": listed.scores, "platt": platt, "layer": final})
    layer_card: dict[str, Any] = {"groups": kept, "tried_on_every_group": tried}
    if chosen is not None:
        layer_card |= {
            "C": chosen.C,
            "systems": list(chosen.systems),
            "cross_fitted_log_loss": losses,
            "weights": chosen.weights(),
        }
    return _calibrated(model, name, reads, listed, calibrator, chosen, layer_card, check, folds)


def _served(labelled: LabelledScores, layer: np.ndarray, platt: np.ndarray) -> np.ndarray:
    """The scores the suggester gives rows the final layer scored ``layer`` and the Platt
    map ``platt``: the layer's, but a code the coding rules keep that the map lists stays
    listed (``suggest.final_layer.held_by_rules``); 0 stays 0."""
    return np.where(
        labelled.scored, held_by_rules(layer, labelled.features, platt, POSSIBLE_FLOOR), layer
    )


def _calibrated(
    model: SuggestModel,
    name: str,
    reads: Sequence[CorpusRead],
    labelled: LabelledScores,
    calibrator: PlattCalibrator,
    layer: FinalLayer | None,
    layer_card: dict[str, Any],
    check: list[dict[str, Any]],
    folds: int,
) -> SuggestModel:
    """``model`` renamed, with ``calibrator`` and ``layer`` and a card that says how they
    were fitted and what cross-fitting measured."""
    card = {
        **model.card,
        "name": name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "calibration": {
            "method": "Platt map of the ranker's scores"
            + (
                " under a final layer (suggest.final_layer: logistic regression on the "
                "ranker's score and what real notes teach; it never drops below the floor "
                "a code the coding rules keep and the map lists)"
                if layer_card
                else ""
            )
            + f", fitted on labelled notes, each corpus weighing the same; checked by "
            f"cross-fitting over {folds} folds of notes",
            "calibrated_from": model.version,
            "corpora": {read.source: len(read.notes) for read in reads},
            "codes": int(labelled.scored.sum()),
            "slope": round(calibrator.slope_, 4),
            "intercept": round(calibrator.intercept_, 4),
            **({"final_layer": layer_card} if layer_card else {}),
            "cross_fitted": check,
        },
    }
    card.pop("artifact_sha256", None)
    card.pop("calibration_by_guidelines", None)  # replaced by the map fitted here
    return replace(
        model,
        name=name,
        card=card,
        calibrator=calibrator,
        guideline_calibrator=None,
        final_layer=layer,
    )


def _check_fittable(labelled: LabelledScores) -> None:
    """``ValueError`` unless the rows come from two notes or more and hold both right and
    wrong codes."""
    scored = labelled.scored
    if len(np.unique(labelled.notes[scored])) < 2:
        raise ValueError("calibrating needs ranked codes from at least two labelled notes")
    if labelled.correct[scored].all() or not labelled.correct[scored].any():
        raise ValueError(
            "calibrating needs ranked codes that are right and ranked codes that are wrong"
        )
