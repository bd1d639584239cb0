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
``scipy.stats`` and pandas too, about half of a cold start's imports. Nor scipy: the
logistic function is scipy's ``expit`` done as its C code does it (``expit`` below).
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import numpy as np

# far below any score a coder sees: a tighter clip would give distinct low scores one
# calibrated value, and ties are reordered by code
_EPSILON = 1e-15


def expit(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) of each value, as ``scipy.special.expit`` gives it bit for bit,
    without importing scipy.special (with scipy's array-API layer, a tenth of a cold
    start). Its C code computes exactly that per value in the values' precision, with the
    C library's ``exp`` (float64, which ``math.exp`` calls too) or ``expf`` (float32, see
    ``_expf``); NumPy's own ``exp`` is not the C library's on every CPU."""
    values = np.asarray(z)
    if values.dtype == np.float32:
        exps = _expf(-values)
        if exps is None:  # no C library function to call where it was needed
            from scipy.special import expit as scipy_expit

            return np.asarray(scipy_expit(values))
        one = np.float32(1.0)
        return one / (one + exps)  # IEEE float operations, as C's on floats
    if values.dtype != np.float64:
        raise TypeError(f"expit takes float32 or float64 values, not {values.dtype}")
    flat = values.ravel().tolist()
    try:
        found = [1.0 / (1.0 + math.exp(-value)) for value in flat]
    except OverflowError:
        found = [_expit_one(value) for value in flat]
    return np.array(found, dtype=np.float64).reshape(values.shape)


def _expit_one(value: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-value))
    except OverflowError:  # exp(-value) beyond the largest float: C's exp gives inf
        return 0.0


# the C library's expf works in double precision within 2**-33 of exp (glibc: 1.69 *
# 2**-34 before its rounding to float): where the double exp lies farther than this from
# every point halfway between two floats, both round to the same float
_EXPF_MARGIN = 2.0**-31
_EXPF_RANGE = (-87.0, 88.0)  # results stay normal floats (no subnormal, no overflow)
# up to this many values, the C function called on each (~0.75 us a call) is quicker than
# the dozen array operations below (~80 us for a note's 22 candidates)
_EXPF_EACH_MAX = 64


def _expf(values: np.ndarray) -> np.ndarray | None:
    """The C library's ``expf`` of each float32 value: called on each of a few values;
    of more, the double-precision exp rounded to float, except the few values (about one
    in 200) whose exp lies too near a halfway point for that to be sure, which the C
    function is called for; None where it was needed and cannot be called."""
    expf = _c_expf() if values.size <= _EXPF_EACH_MAX else None
    if expf is not None:
        found = [expf(value) for value in values.ravel().tolist()]
        return np.array(found, dtype=np.float32).reshape(values.shape)
    with np.errstate(over="ignore", invalid="ignore"):  # out of range: left to C below
        near = np.exp(values.astype(np.float64))  # within a few units in its last place
        rounded = near.astype(np.float32)
        wide = rounded.astype(np.float64)
        below = (wide + np.nextafter(rounded, np.float32(-np.inf))) / 2  # exact in double
        above = (wide + np.nextafter(rounded, np.float32(np.inf))) / 2
        margin = np.minimum(near - below, above - near)
    low, high = _EXPF_RANGE
    # nan compares false: a nan value is left to the C function too
    sure = (margin > near * _EXPF_MARGIN) & (values >= low) & (values <= high)
    if not sure.all():
        unsure = ~sure
        expf = _c_expf()
        if expf is None:
            return None
        rounded[unsure] = [expf(value) for value in values[unsure].tolist()]
    return rounded


@cache
def _c_expf() -> Callable[[float], float] | None:
    """The C library's ``expf``, the function scipy's compiled ``expit`` calls for float32,
    found among the process's own symbols (glibc, macOS); None where it is not."""
    try:
        function = ctypes.CDLL(None).expf
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    return cast(Callable[[float], float], function)


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
