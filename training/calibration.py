"""Fitting the calibrator of a ranker on cross-fitted scores: each note's candidates
scored by a ranker fitted without that note (folds by note), so the calibrator learns
how often scores are right on notes the ranker has not seen, not on its training rows."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from suggest.calibration import PlattCalibrator


def cross_fitted_scores(
    ranker: Pipeline,
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    folds: int = 5,
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
    folds: int = 5,
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
