"""The final layer: a code's probability of being right, read from the ranker's score and
what real notes' coders go by, so that a suggestion at 0.8 is right 8 times in 10 and the
ones a coder would not report fall below the floor.

A ranker fitted on synthetic code-set notes cannot learn what only real notes teach: US
coders code neither a symptom beside its diagnosis nor a bare "unspecified" where the note
says more, and read the provider's diagnostic statement before the exam findings; a code
read from one word of a chief complaint is seldom reported. A monotone calibrator
(``suggest.calibration``) can only make the numbers honest on average; this layer, fitted
on labelled notes the ranker never saw (``training.calibration.calibrate_model``), tells
right from wrong by these kinds of codes and evidence, and the suggester orders and floors
a note's codes by its probability; a code the coding rules keep (``ruled``) that the
calibrated ranker lists stays listed (``held_by_rules``): learned on long notes, the layer
would otherwise undo the rules on one-line ones.

It is a gradient-boosted tree ensemble, not a logistic regression, and monotone in the
ranker's score. A linear layer adds a code's kinds up whatever the ranker saw: a code
read in the diagnostic statement with every word of its term (``in_statement``,
``coverage``) gained the same ~2.5 logits at any ranker score, which rightly lifted the
abbreviations the code-set ranker underrates ("HTN" -> I10 at 0.06, right nearly every
time on US notes) and as much lifted weak readings it rightly doubted (C73 0.01 -> 0.54,
Z79.4, Z33.1, 7th-character injury codes with many rivals); trees learn which kinds the
ranker's low score should be overruled for. The monotone constraint keeps the ranker's
evidence meaning what it says: a higher ranker score, all else equal, never lowers a
code's probability (docs/experiments.md, calib10: cross-fitted log loss 0.324 -> 0.284
on US tuning diagnoses, 0.332 -> 0.285 on CodiEsp train).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from code_index.records import System
from suggest.boosted_trees import BoostedTrees
from suggest.layer_features import LAYER_FEATURES, LayerScorer, layer_columns
from suggest.model import ModelMismatchError

# the features whose higher value never lowers P(right): the ranker's own evidence
MONOTONE_FEATURES = ("ranker_logit",)
# the trees' shape, chosen by cross-fitted log loss on US tuning + CodiEsp train
# diagnoses (docs/experiments.md, calib10); at most 31 leaves, so that a served model
# scores them without scikit-learn (suggest.boosted_trees); the number of trees is
# chosen when fitted (training.calibration.choose_layer)
LEARNING_RATE = 0.05
MAX_LEAF_NODES = 31
MIN_SAMPLES_LEAF = 40
L2_REGULARIZATION = 1.0


class FinalLayer(ClassifierMixin, BaseEstimator):
    """P(a ranked code is right) by gradient-boosted trees on its named ``features``
    (``max_iter``: how many trees), never lower for a higher ranker score
    (``MONOTONE_FEATURES``). Columns of ``X`` are the features in the order of
    ``features`` (``layer_matrix`` builds them by name). ``systems``: the code systems
    whose codes it scores (those of the rows it was fitted on); the suggester gives other
    codes their calibrated ranker score."""

    def __init__(
        self,
        features: tuple[str, ...] = LAYER_FEATURES,
        max_iter: int = 200,
        systems: tuple[str, ...] = (System.ICD10CM.value, System.ICD10PCS.value, System.CPT.value),
    ) -> None:
        self.features = features
        self.max_iter = max_iter
        self.systems = systems

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> FinalLayer:
        """Learn from ranked codes' feature rows and whether each was right
        (``sample_weight``: e.g. each corpus the same)."""
        unknown = [name for name in self.features if name not in LAYER_FEATURES]
        if unknown:
            raise ValueError(f"unknown layer features: {', '.join(unknown)}")
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != len(self.features):
            raise ValueError(f"X has {X.shape[1]} columns for {len(self.features)} features")
        model = HistGradientBoostingClassifier(
            learning_rate=LEARNING_RATE,
            max_iter=self.max_iter,
            max_leaf_nodes=MAX_LEAF_NODES,
            min_samples_leaf=MIN_SAMPLES_LEAF,
            l2_regularization=L2_REGULARIZATION,
            monotonic_cst=[int(name in MONOTONE_FEATURES) for name in self.features],
            # every tree fitted (no validation split drawn from the rows, which would
            # split notes): the number of trees is chosen by cross-fitting over notes
            early_stopping=False,
            random_state=0,
        )
        # on one thread: on a shared machine a pool's threads cost the fit many times
        # over (5 folds at load 7: 158 s on its pool, 15 s on one thread)
        with threadpool_limits(limits=1):
            model.fit(X, y, sample_weight=sample_weight)
        self.model_ = model
        self.classes_ = model.classes_
        self.feature_names_in_ = np.asarray(self.features, dtype=object)
        self.n_features_in_ = len(self.features)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Columns: P(wrong), P(right)."""
        right = self.probabilities(X)
        return np.column_stack([1 - right, right])

    def scorer(self) -> LayerScorer:
        """What a suggester scores with: the fitted trees walked as whole arrays
        (``suggest.boosted_trees``: bit for bit their ``predict_proba``), free of
        scikit-learn."""
        check_is_fitted(self, "model_")
        if not isinstance(self.model_, HistGradientBoostingClassifier):
            raise ModelMismatchError(
                "the model's final layer was fitted by an earlier codesuggest (a logistic "
                "regression); calibrate it again with --final-layer"
            )
        return LayerScorer(tuple(self.features), tuple(self.systems), BoostedTrees(self.model_))

    def scores_system(self, system: System) -> bool:
        """Whether it scores codes of ``system``."""
        return system.value in self.systems

    def columns(self, rows: np.ndarray) -> np.ndarray:
        """The columns of ``rows`` (all of ``LAYER_FEATURES``, as ``layer_matrix`` builds
        them) that this layer reads, in the order of its ``features``."""
        return layer_columns(rows, self.features)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """P(right) of each row (``scorer``; our rows are finite floats by construction)."""
        return self.scorer().probabilities(X)
