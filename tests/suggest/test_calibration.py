"""Platt scaling: monotone (a note's order never changes), and it makes over-confident
scores mean what they say; the coding rules never read the calibrated scores."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from suggest.calibration import PlattCalibrator
from suggest.results import SuggestionResult
from suggest.suggester import INTEGRAL_CONFIDENCE, Suggester


def _calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    edges = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = edges == b
        if inside.any():
            error += inside.mean() * abs(probabilities[inside].mean() - labels[inside].mean())
    return error


def test_platt_scaling_calibrates_over_confident_scores() -> None:
    rng = np.random.default_rng(7)
    scores = rng.uniform(0.01, 0.99, 20_000)
    # right far less often than the scores claim: P(right | s) = s ** 3
    labels = (rng.uniform(size=scores.size) < scores**3).astype(int)
    calibrator = PlattCalibrator().fit(scores, labels)
    calibrated = calibrator.predict(scores)
    assert _calibration_error(calibrated, labels) < _calibration_error(scores, labels) / 3
    order = np.argsort(scores)
    assert np.all(np.diff(calibrated[order]) >= 0)  # never reorders


def test_scores_that_rank_nothing_are_refused() -> None:
    scores = np.linspace(0.1, 0.9, 100)
    with pytest.raises(ValueError, match="do not rank"):
        PlattCalibrator().fit(scores, (scores < 0.5).astype(int))


def test_sample_weights_count_like_repeated_rows() -> None:
    rng = np.random.default_rng(3)
    scores = rng.uniform(0.01, 0.99, 400)
    labels = (rng.uniform(size=scores.size) < scores**2).astype(int)
    weights = np.where(np.arange(scores.size) < 100, 3.0, 1.0)
    weighted = PlattCalibrator().fit(scores, labels, weights)
    repeated = PlattCalibrator().fit(
        np.concatenate([scores, scores[:100], scores[:100]]),
        np.concatenate([labels, labels[:100], labels[:100]]),
    )
    assert weighted.slope_ == pytest.approx(repeated.slope_, rel=1e-3)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, rel=1e-3, abs=1e-4)


def test_calibration_never_changes_what_is_set_apart(suggester: Suggester) -> None:
    """The coding rules read the ranker's own score: a calibrator that lowers a sure
    diagnosis below the rule's threshold leaves the symptoms integral to it set apart."""
    rng = np.random.default_rng(11)
    scores = rng.uniform(0.01, 0.99, 5_000)
    rarely_right = (rng.uniform(size=scores.size) < scores**4 / 100).astype(int)
    harsh = PlattCalibrator().fit(scores, rarely_right)
    doubting = Suggester(
        suggester.pipeline, replace(suggester.model, calibrator=harsh, final_layer=None)
    )
    note = (
        "HPI: 64 y/o with type 2 diabetes reports burning and numbness of both feet.\n"
        "Exam: decreased monofilament sensation bilaterally.\n"
        "Assessment: Diabetic peripheral neuropathy."
    )

    def set_apart(result: SuggestionResult) -> list[str]:
        return [s.code for s in result.not_coded if any(w.kind == "integral" for w in s.warnings)]

    sure, doubted = suggester.suggest(note), doubting.suggest(note)
    (neuropathy,) = [s for s in doubted.ranking() if s.code == "E11.42"]
    assert neuropathy.score < INTEGRAL_CONFIDENCE
    assert set_apart(sure) and sorted(set_apart(doubted)) == sorted(set_apart(sure))
