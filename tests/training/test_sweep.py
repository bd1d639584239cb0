"""Parameter sweeps of the note models run as scikit-learn grid searches on real notes."""

from __future__ import annotations

from pathlib import Path

from suggest.note_model import NoteNeighbors
from suggest.suggester import Suggester
from training.corpora import read_codiesp
from training.sweep import sweep


def test_a_grid_search_sweeps_the_neighbour_count(suggester: Suggester, shared_data: Path) -> None:
    notes = read_codiesp(shared_data / "codiesp" / "train").notes[:60]
    search = sweep(NoteNeighbors(), {"n_neighbors": [1, 25]}, notes, suggester.index, folds=3)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 2 and all(0.0 < s <= 1.0 for s in scores)
    # one neighbour ranks only that note's codes: fewer right codes are ranked at all
    assert search.best_params_ == {"n_neighbors": 25}
