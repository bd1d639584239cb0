"""Procedure abstention: whether a note calls for procedure codes at all.

Many notes document no procedure that a coder reports (an outpatient visit, a case
report of a diagnosis), yet nearly every note mentions some test or treatment. Ranking
procedures for such a note only adds wrong codes, so a trained model first decides per
note whether a procedure system applies, from what the note says about procedures as a
whole: the label model's procedure scores and the procedure terms matched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from code_index.records import System
from suggest.candidates import Candidate

CodeKey = tuple[System, str]
PROCEDURE_SYSTEMS = frozenset({System.ICD10PCS, System.CPT})
GATE_FEATURES: tuple[str, ...] = (
    "label_best",  # the label model's best procedure score
    "label_mass",  # the sum of its positive procedure scores
    "matched",  # log(1 + procedure codes a term of the note matched)
    "best_coverage",  # the best share of a matched procedure term's words found
)


def gate_features(
    candidates: Sequence[Candidate], label_scores: Mapping[CodeKey, float]
) -> np.ndarray:
    """One note's ``GATE_FEATURES`` row."""
    scores = [s for key, s in label_scores.items() if key[0] in PROCEDURE_SYSTEMS]
    matched = [c for c in candidates if c.target.system in PROCEDURE_SYSTEMS and c.matches]
    coverage = max((m.coverage for c in matched for m in c.matches), default=0.0)
    return np.asarray(
        [
            max(scores, default=0.0),
            sum(s for s in scores if s > 0),
            float(np.log1p(len(matched))),
            coverage,
        ],
        dtype=np.float64,
    )


class ProcedureGate(ClassifierMixin, BaseEstimator):
    """P(the note has a procedure code) from ``GATE_FEATURES``; procedures are ranked
    only where it reaches ``threshold``. At 0.5 a note is dropped exactly when it is
    likelier to be one without procedure gold (whose suggestions all count as wrong)
    than one with it: the MAP a note with gold would lose is about what one without gold
    would gain by being left out."""

    def __init__(self, C: float = 1.0, threshold: float = 0.5) -> None:
        self.C = C
        self.threshold = threshold

    def fit(self, X: np.ndarray, y: np.ndarray) -> ProcedureGate:
        """Learn from one row per training note and whether it had procedure gold."""
        self.classifier_ = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.classifier_.predict_proba(X)

    def applies(
        self, candidates: Sequence[Candidate], label_scores: Mapping[CodeKey, float]
    ) -> bool:
        """Whether this note's procedures should be ranked."""
        row = gate_features(candidates, label_scores)[None, :]
        return bool(self.predict_proba(row)[0, 1] >= self.threshold)
