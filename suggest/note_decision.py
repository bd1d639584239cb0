"""Note-level decisions a trained model makes before ranking: one thresholded logistic
regression, fitted once per decision.

A trained model decides two things about a whole note: whether a procedure system
applies at all (``suggest.abstention``) and whether the note's coders code denied
findings (``suggest.denied``). Both are a probability from a few note-level numbers or
the note's n-gram vector, compared with a threshold; they differ only in their inputs
and their parameters.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from suggest.served_learners import ThresholdedLogistic


class NoteDecision(ClassifierMixin, BaseEstimator):
    """P(yes) for one note from its row of features; ``decide`` says yes where it reaches
    ``threshold``. ``class_weight="balanced"`` weighs both answers alike, so a decision
    learned from corpora of unequal size is not pulled toward the larger one."""

    def __init__(
        self, C: float = 1.0, threshold: float = 0.5, class_weight: str | None = None
    ) -> None:
        self.C = C
        self.threshold = threshold
        self.class_weight = class_weight

    def fit(self, X: np.ndarray | sp.spmatrix, y: np.ndarray) -> NoteDecision:
        """Learn from one row per training note and its answer."""
        self.classifier_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=1000
        ).fit(X, y)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X: np.ndarray | sp.spmatrix) -> np.ndarray:
        return self.classifier_.predict_proba(X)

    def rule(self) -> ThresholdedLogistic:
        """The fitted decision's numbers, which answer a note without scikit-learn."""
        classifier = self.classifier_
        return ThresholdedLogistic(classifier.coef_, classifier.intercept_, self.threshold)

    def decide(self, row: np.ndarray | sp.spmatrix) -> bool:
        """The answer for one note (a 1-row matrix, or a 1-D feature row;
        ``ThresholdedLogistic.decide``)."""
        return self.rule().decide(row)
