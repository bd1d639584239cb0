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
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


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

    def decide(self, row: np.ndarray | sp.spmatrix) -> bool:
        """The answer for one note (a 1-row matrix, or a 1-D feature row).

        Worked out as ``predict_proba(row)[0, 1]`` does for a binary logistic regression
        (the row times the coefficients, plus the intercept, through the logistic
        function: the same operations, so the same bits) without scikit-learn's per-call
        input checks, which cost a note more than the product: every note is decided
        once or twice, on rows built here."""
        classifier = self.classifier_
        if isinstance(row, np.ndarray) and row.ndim == 1:
            row = row[None, :]
        score = row @ classifier.coef_.T + classifier.intercept_
        return bool(expit(np.asarray(score).ravel())[0] >= self.threshold)
