"""Fitting the calibrator of a ranker on cross-fitted scores: each note's candidates
scored by a ranker fitted without that note (folds by note), so the calibrator learns
how often scores are right on notes the ranker has not seen, not on its training rows.

``calibrate_model`` does the same for a fitted model on labelled notes it never saw
(``codesuggest calibrate``): the default model, fitted on synthetic code-set notes, is
over-confident on real ones, and only real notes can say by how much."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from suggest.calibration import PlattCalibrator
from suggest.model import SuggestModel
from suggest.suggester import NotePipeline, Suggester
from training.corpora import CorpusRead
from training.evaluate import CONFIDENT, evaluate
from training.metrics import confident_wrong, expected_calibration_error

CALIBRATION_FOLDS = 5


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
    if len(np.unique(groups)) < 2:
        return None
    try:
        scores = cross_fitted_scores(ranker, X, y, groups, folds, fit_params)
        return PlattCalibrator().fit(scores, y)
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
    """Every code a model ranked for labelled notes (suggested or possible, as
    ``evaluate`` scores them), with the ranker's own score and whether it was right."""

    scores: np.ndarray  # the ranker's score, before any calibrator
    correct: np.ndarray  # matched a gold code (``training.evaluate``'s matching rule)
    notes: np.ndarray  # note number over all corpora: the folds are by note
    corpora: np.ndarray  # index into ``sources``
    groups: np.ndarray  # "diagnoses" or "procedures"
    sources: tuple[str, ...]

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


def labelled_scores(
    pipeline: NotePipeline, model: SuggestModel, reads: Sequence[CorpusRead]
) -> LabelledScores:
    """The ranker's scores (the model's calibrator set aside) for every note of ``reads``."""
    suggester = Suggester(pipeline, replace(model, calibrator=None))
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
    return LabelledScores(
        np.asarray(scores, dtype=np.float64),
        np.asarray(correct, dtype=bool),
        np.asarray(notes, dtype=np.int64),
        np.asarray(corpora, dtype=np.int64),
        np.asarray(groups),
        tuple(read.source for read in reads),
    )


def cross_fitted_calibration(
    labelled: LabelledScores, folds: int = CALIBRATION_FOLDS
) -> np.ndarray:
    """Each row's calibrated score from a calibrator fitted on the other notes' folds
    (0 stays 0): what calibration does for notes it was not fitted on."""
    calibrated = np.where(labelled.scored, 0.0, labelled.scores)
    rows = np.flatnonzero(labelled.scored)
    weights = labelled.weights()
    splits = GroupKFold(n_splits=min(folds, len(np.unique(labelled.notes[rows]))))
    for fit_rows, held_rows in splits.split(rows, groups=labelled.notes[rows]):
        fitted, held = rows[fit_rows], rows[held_rows]
        calibrator = PlattCalibrator().fit(
            labelled.scores[fitted], labelled.correct[fitted], weights[fitted]
        )
        calibrated[held] = calibrator.predict(labelled.scores[held])
    return calibrated


def calibration_check(labelled: LabelledScores, calibrated: np.ndarray) -> list[dict[str, Any]]:
    """Per corpus and group: expected calibration error and the confident (score >= 0.5)
    codes and how many of them are wrong, with the ranker's scores and with ``calibrated``
    ones, over every ranked code (alternatives at 0 included, as ``evaluate`` counts)."""
    rows = []
    for k, source in enumerate(labelled.sources):
        for group in dict.fromkeys(labelled.groups.tolist()):
            inside = (labelled.corpora == k) & (labelled.groups == group)
            if not inside.any():
                continue
            right = labelled.correct[inside].tolist()
            entry: dict[str, Any] = {"corpus": source, "group": group, "codes": int(inside.sum())}
            for when, scores in (("before", labelled.scores), ("after", calibrated)):
                chosen = scores[inside].tolist()
                wrong, confident = confident_wrong(chosen, right, threshold=CONFIDENT)
                entry[when] = {
                    "ece": round(expected_calibration_error(chosen, right), 4),
                    "confident": confident,
                    "confident_wrong": wrong,
                }
            rows.append(entry)
    return rows


def calibrate_model(
    pipeline: NotePipeline,
    model: SuggestModel,
    reads: Sequence[CorpusRead],
    name: str,
    folds: int = CALIBRATION_FOLDS,
) -> SuggestModel:
    """``model`` with a Platt calibrator fitted on its scores for the notes of ``reads``
    (each corpus weighing the same), named ``name``; its card says on which corpora and
    what cross-fitting (folds by note) measured before and after. ``ValueError`` when the
    model was trained on one of the corpora (its scores there are not out-of-sample), the
    corpora hold fewer than two notes, or their scores do not rank right codes first."""
    trained_on = set(model.card.get("training_data", {}).get("corpora", []))
    overlap = sorted(trained_on & {read.source for read in reads})
    if overlap:
        raise ValueError(
            f"model {model.name!r} was trained on {', '.join(overlap)}: its scores there "
            "are not what it gives new notes, so they cannot calibrate it"
        )
    labelled = labelled_scores(pipeline, model, reads)
    scored = labelled.scored
    if len(np.unique(labelled.notes[scored])) < 2:
        raise ValueError("calibrating needs ranked codes from at least two labelled notes")
    if labelled.correct[scored].all() or not labelled.correct[scored].any():
        raise ValueError(
            "calibrating needs ranked codes that are right and ranked codes that are wrong"
        )
    calibrator = PlattCalibrator().fit(
        labelled.scores[scored], labelled.correct[scored], labelled.weights()[scored]
    )
    check = calibration_check(labelled, cross_fitted_calibration(labelled, folds))
    card = {
        **model.card,
        "name": name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "calibration": {
            "method": f"Platt scaling of the ranker's scores on labelled notes, each corpus "
            f"weighing the same; checked by cross-fitting over {folds} folds of notes",
            "calibrated_from": model.version,
            "corpora": {read.source: len(read.notes) for read in reads},
            "codes": int(scored.sum()),
            "slope": round(calibrator.slope_, 4),
            "intercept": round(calibrator.intercept_, 4),
            "cross_fitted": check,
        },
    }
    card.pop("artifact_sha256", None)
    return replace(model, name=name, card=card, calibrator=calibrator)
