"""Parameter sweeps of the note models as scikit-learn grid searches: the settings the
experiment log records (neighbours, association thresholds) are chosen by cross-validated
ranking precision on the training notes, never by looking at an evaluation corpus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV, KFold

from code_index.index import CodeIndex
from training.corpora import LabeledNote
from training.train import reportable_codes


def sweep(
    estimator: BaseEstimator,
    grid: Mapping[str, Sequence[Any]],
    notes: Sequence[LabeledNote],
    index: CodeIndex,
    folds: int = 5,
    seed: int = 13,
) -> GridSearchCV:
    """Fit ``GridSearchCV`` of a note model (``NoteNeighbors``, ``TermAssociations``) over
    ``grid`` on ``notes``' texts and reportable codes; ``best_params_`` and
    ``cv_results_`` say what won and by how much."""
    search = GridSearchCV(
        estimator,
        dict(grid),
        cv=KFold(n_splits=folds, shuffle=True, random_state=seed),
        refit=False,
    )
    return search.fit([note.text for note in notes], reportable_codes(index, notes))
