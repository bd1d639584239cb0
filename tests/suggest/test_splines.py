"""The ranker's fast spline basis gives scikit-learn's values, in and beyond the training range."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.preprocessing import SplineTransformer

from suggest.splines import UniformCubicSplines


def test_same_values_as_scikit_learn_spline_transformer() -> None:
    rng = np.random.default_rng(0)
    seen = np.c_[rng.random((300, 3)) * 4 - 1, rng.integers(0, 2, 300), np.zeros(300)]
    # beyond the training range on both sides, the training extremes, binary and constant columns
    new = np.c_[rng.random((200, 3)) * 8 - 3, rng.integers(0, 2, 200), rng.random(200)]
    new[:2, :3] = [seen[:, :3].min(axis=0), seen[:, :3].max(axis=0)]
    reference = SplineTransformer(n_knots=5, degree=3, extrapolation="constant").fit(seen)
    fast = UniformCubicSplines(n_knots=5).fit(seen)
    expected = reference.transform(new)
    assert fast.transform(new).shape == expected.shape == (200, 5 * 7)
    assert np.allclose(fast.transform(new), expected, atol=1e-12)
    assert not fast.transform(new)[:, 4 * 7 :].any()  # constant in training: no information
    assert clone(fast).get_params() == {"n_knots": 5}


def test_wrong_number_of_features_is_a_clear_error() -> None:
    fast = UniformCubicSplines().fit(np.random.default_rng(1).random((20, 4)))
    with pytest.raises(ValueError, match="4 features"):
        fast.transform(np.zeros((3, 5)))
