"""A fitted ``StandardScaler`` + binary ``LogisticRegression`` pipeline's P(class 1) for
one note's rows, and a Platt map of scores, without scikit-learn.

``Pipeline.predict_proba`` checks, converts and copies its input at each step; for a
note's few dozen rows that costs many times the arithmetic (0.54 ms a call against
0.02 ms). Our rows are finite floats by construction, so the steps' own arithmetic is
done here in their order and in the input's precision (the scaler works in the rows'
dtype, as its ``transform`` does), which gives their probabilities bit for bit. Both
the default model's ranker and the final layer are such pipelines.

Nothing here imports scikit-learn: a model whose every scorer is one of these is served
from their numbers alone (``suggest.model``), and importing scikit-learn imports
``scipy.stats`` and pandas too, about half of a cold start's imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

# far below any score a coder sees: a tighter clip would give distinct low scores one
# calibrated value, and ties are reordered by code
_EPSILON = 1e-15


def logit(scores: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    p = np.clip(np.asarray(scores, dtype=np.float64), _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class PlattMap:
    """p' = sigmoid(slope * logit(p) + intercept): a fitted ``PlattCalibrator``'s map
    (``suggest.calibration``)."""

    slope: float
    intercept: float

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """The calibrated probability of each score."""
        z = self.slope * logit(scores) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


class ScaledLogistic:
    """P(class 1) of a fitted scaler-then-logistic-regression pipeline, from its numbers:
    the scaler's ``mean_`` and ``scale_``, the classifier's ``coef_`` and ``intercept_``."""

    def __init__(
        self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: np.ndarray
    ) -> None:
        self.mean = mean
        self.scale = scale
        self.coef = coef.T
        self.intercept = intercept

    @classmethod
    def of(cls, scale: Any, classify: Any) -> ScaledLogistic:
        """The scorer of a fitted ``StandardScaler`` and ``LogisticRegression``."""
        return cls(scale.mean_, scale.scale_, classify.coef_, classify.intercept_)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """P(class 1) of each row of ``X`` (a float array)."""
        if X.shape[0] == 0:
            return np.zeros(0)
        standardized = (X - self.mean.astype(X.dtype)) / self.scale.astype(X.dtype)
        return np.asarray(expit(standardized @ self.coef + self.intercept)).ravel()


def scaled_logistic(model: Any) -> ScaledLogistic | None:
    """The scorer of a fitted pipeline of a centring and scaling ``StandardScaler`` and a
    binary ``LogisticRegression``; ``None`` for any other model (scored by its own
    ``predict_proba``)."""
    # a fitted scikit-learn model was unpickled: the library is loaded already
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if not isinstance(model, Pipeline) or len(model.steps) != 2:
        return None
    scale, classify = (step for _, step in model.steps)
    if (
        not isinstance(scale, StandardScaler)
        or not (scale.with_mean and scale.with_std)
        or not isinstance(classify, LogisticRegression)
        or len(classify.classes_) != 2
    ):
        return None
    return ScaledLogistic.of(scale, classify)
