"""A fitted gradient-boosting reranker's scores for one note, tree by tree through
scikit-learn's own compiled tree walk, without its per-call work.

``HistGradientBoostingClassifier.predict_proba`` checks its input, rebuilds the
categorical bitsets and allocates a result per tree on every call; for one note's
hundred-odd candidates and a few hundred trees that costs more than walking the trees.
``BoostedTrees`` keeps what does not change and adds the trees' values up in the order
the classifier does (its baseline, then each tree in turn, in float64), so its
probabilities are the classifier's, bit for bit.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit
from sklearn.pipeline import Pipeline

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier


class BoostedTrees:
    """P(class 1) of a fitted binary ``HistGradientBoostingClassifier`` without
    categorical features."""

    def __init__(self, classifier: HistGradientBoostingClassifier) -> None:
        # the classifier's own tree walk (not public API: ``boosted_trees`` falls back to
        # the classifier where it is not there)
        from sklearn.ensemble._hist_gradient_boosting._predictor import (
            _predict_from_raw_data,
        )

        if classifier.n_trees_per_iteration_ != 1 or classifier.is_categorical_ is not None:
            raise ValueError("BoostedTrees scores binary classifiers of numeric features only")
        self._walk = _predict_from_raw_data
        # the walk reads its arrays through the buffer protocol on every call, and a NumPy
        # array of the trees' structured nodes describes its layout anew each time (a third
        # of a call): the buffers are taken once here, and the rows' once per note
        self._trees = [
            (tree.nodes.data, tree.raw_left_cat_bitsets.data) for (tree,) in classifier._predictors
        ]
        known, feature_map = classifier._bin_mapper.make_known_categories_bitsets()
        self._known, self._feature_map = known.data, feature_map.data
        self._baseline = classifier._baseline_prediction.ravel()[0]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(class 1) of each row, as ``predict_proba(features)[:, 1]`` gives it."""
        rows = np.ascontiguousarray(features, dtype=np.float64)
        count = rows.shape[0]
        values = np.empty((len(self._trees) + 1, count), dtype=np.float64)
        values[0] = self._baseline
        data, out = rows.data, values.reshape(-1).data
        for i, (nodes, bitsets) in enumerate(self._trees, start=1):
            self._walk(
                nodes,
                data,
                bitsets,
                self._known,
                self._feature_map,
                1,
                out[i * count : (i + 1) * count],
            )
        # a cumulative sum adds in sequence, as the classifier's ``+=`` per tree does
        return np.asarray(expit(np.cumsum(values, axis=0)[-1]))


def boosted_trees(ranker: Any) -> BoostedTrees | None:
    """The compiled scorer of a ranker that is a pipeline of one fitted
    ``HistGradientBoostingClassifier``; ``None`` for any other ranker (scored by its own
    ``predict_proba``)."""
    if not isinstance(ranker, Pipeline) or len(ranker.steps) != 1:
        return None
    classifier = ranker.steps[0][1]
    # unpickling such a classifier imported scikit-learn's ensembles; importing them for
    # any other ranker (the default model's) would add a tenth to a cold start
    ensemble = sys.modules.get("sklearn.ensemble")
    if ensemble is None or not isinstance(classifier, ensemble.HistGradientBoostingClassifier):
        return None
    try:
        trees = BoostedTrees(classifier)
        # the tree walk is private to scikit-learn and may change between releases: a
        # walk that fails or disagrees on a probe row is not used
        probe = np.zeros((1, classifier.n_features_in_))
        if trees.probabilities(probe)[0] != classifier.predict_proba(probe)[0, 1]:
            return None
    except (ImportError, ValueError, TypeError, AttributeError):
        return None
    return trees
