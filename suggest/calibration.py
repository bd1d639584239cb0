"""Calibrated probabilities: Platt scaling of a ranker's scores, fitted on scores the
ranker gave notes it was not fitted on (cross-fitted), so that a suggestion at 0.8 is
right about 8 times in 10 rather than merely ranked above one at 0.7.

The map is strictly increasing, so it never changes the order of a note's codes; it
only makes the numbers mean what they say, which the floor (``Suggester.floor``) and
the coder reading a score rely on.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from suggest.scaled_logistic import PlattMap, logit


class PlattCalibrator(BaseEstimator):
    """p' = sigmoid(slope * logit(p) + intercept), fitted by logistic regression of the
    labels on logit(p) (Platt 1999; scikit-learn's ``method="sigmoid"``)."""

    def __init__(self, C: float = 1e4) -> None:
        self.C = C

    def fit(
        self, scores: np.ndarray, labels: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> PlattCalibrator:
        """Learn ``slope_`` and ``intercept_`` from cross-fitted scores and 0/1 labels
        (``sample_weight``: how much each row counts, e.g. each corpus the same)."""
        fitted = LogisticRegression(C=self.C, max_iter=1000)
        fitted.fit(logit(scores)[:, None], np.asarray(labels), sample_weight=sample_weight)
        self.slope_ = float(fitted.coef_[0, 0])
        self.intercept_ = float(fitted.intercept_[0])
        if self.slope_ <= 0:
            raise ValueError("the scores do not rank right codes above wrong ones")
        return self

    def map(self) -> PlattMap:
        """The fitted map's numbers, which score without scikit-learn."""
        return PlattMap(self.slope_, self.intercept_)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """The calibrated probability of each score."""
        return self.map().predict(scores)
