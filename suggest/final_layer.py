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
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from code_index.records import System
from suggest.layer_features import LAYER_FEATURES, LayerScorer, layer_columns
from suggest.scaled_logistic import ScaledLogistic


class FinalLayer(ClassifierMixin, BaseEstimator):
    """P(a ranked code is right) by logistic regression on its named ``features``
    (standardized; ``C``: inverse regularization strength). Columns of ``X`` are the
    features in the order of ``features`` (``layer_matrix`` builds them by name).
    ``systems``: the code systems whose codes it scores (those of the rows it was fitted
    on); the suggester gives other codes their calibrated ranker score."""

    def __init__(
        self,
        features: tuple[str, ...] = LAYER_FEATURES,
        C: float = 1.0,
        systems: tuple[str, ...] = (System.ICD10CM.value, System.ICD10PCS.value, System.CPT.value),
    ) -> None:
        self.features = features
        self.C = C
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
        model = Pipeline(
            [
                ("scale", StandardScaler()),
                ("classify", LogisticRegression(C=self.C, max_iter=2000)),
            ]
        )
        # the scaling is weighted too: weights that count like repeated rows (each corpus
        # the same) give the fit repeated rows would
        model.fit(X, y, scale__sample_weight=sample_weight, classify__sample_weight=sample_weight)
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
        """What a suggester scores with: the fitted scaler's and classifier's own
        arithmetic (``suggest.scaled_logistic``: bit for bit their ``predict_proba``,
        without their per-call input handling), free of scikit-learn."""
        check_is_fitted(self, "model_")
        steps = self.model_.named_steps
        return LayerScorer(
            tuple(self.features),
            tuple(self.systems),
            ScaledLogistic.of(steps["scale"], steps["classify"]),
        )

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

    def weights(self) -> dict[str, float]:
        """Each feature's weight on the standardized scale (what the model card shows)."""
        check_is_fitted(self, "model_")
        coef = self.model_.named_steps["classify"].coef_[0]
        return {name: round(float(w), 4) for name, w in zip(self.features, coef, strict=True)}
