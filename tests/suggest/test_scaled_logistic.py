"""The scaler-then-logistic scorer (suggest.scaled_logistic): the default model's ranker
and the final layer score a note's rows with it, so it must give the pipeline's own
probabilities, bit for bit, on the rows real notes make; a suggester serves the default
model from these numbers alone (``load_model(served=True)``), so its scores must be the
fitted model's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from suggest.candidates import collect_candidates, feature_matrix
from suggest.final_layer import FinalLayer
from suggest.layer_features import LayerScorer
from suggest.model import SuggestModel
from suggest.scaled_logistic import PlattMap, ScaledLogistic, expit, scaled_logistic
from suggest.suggester import Suggester
from training.corpora import read_codiesp


def test_the_default_rankers_scores_are_its_pipelines_bit_for_bit(
    suggester: Suggester, default_model: SuggestModel, shared_data: Path
) -> None:
    model = default_model  # the fitted estimators
    served = suggester.model  # their numbers, as a suggester loads them
    assert isinstance(served.ranker, ScaledLogistic) and isinstance(served.layer, LayerScorer)
    assert isinstance(served.calibrator, PlattMap)
    scorer = scaled_logistic(model.ranker)
    assert scorer is not None and isinstance(model.ranker, Pipeline)  # such a pipeline
    notes = read_codiesp(shared_data / "codiesp" / "dev").notes[:20]
    rows = []
    for note in notes:
        candidates = collect_candidates(suggester.pipeline.nlp(note.text), suggester.pipeline.table)
        rows.append(feature_matrix(candidates, len(note.text), model.feature_names))
    features = np.vstack([*rows, rows[0] * 40])  # served rows (float32), extreme ones too
    assert features.dtype == np.float32
    expected = model.ranker.predict_proba(features)[:, 1]
    assert np.array_equal(scorer.probabilities(features), expected)
    assert np.array_equal(model.ranker_scores(features), expected)
    assert np.array_equal(served.ranker_scores(features), expected)
    assert np.array_equal(served.probabilities(features), model.probabilities(features))
    assert scorer.probabilities(features[:0]).shape == (0,)
    layer = model.final_layer
    assert isinstance(layer, FinalLayer) and served.layer is not None
    read = suggester.layer_rows(n.text for n in notes)
    layer_rows = np.vstack([row.features for note in read for row in note])
    assert np.array_equal(
        served.layer.probabilities(served.layer.columns(layer_rows)),
        layer.model_.predict_proba(layer.columns(layer_rows))[:, 1],
    )


def test_expit_is_scipys_bit_for_bit_in_both_precisions() -> None:
    """The default's ranker scores float32 rows, its final layer float64 ones: both through
    ``expit``, which must give scipy's bits (its float32 values come from the C library's
    ``expf`` where the double exp rounded to float could differ: about one in 200)."""
    from scipy.special import expit as scipy_expit

    rng = np.random.default_rng(7)
    edges = [0.0, -0.0, 87.0, -87.0, 88.0, -88.0, 88.7, -88.7, 104.0, -104.0, 710.0, -710.0]
    edges += [746.0, -746.0, np.inf, -np.inf, np.nan, 1e-30, -1e-45]
    values = np.concatenate([rng.normal(0, 6, 400_000), rng.uniform(-120, 120, 50_000), edges])
    for dtype, bits in ((np.float32, np.int32), (np.float64, np.int64)):
        typed = values.astype(dtype)
        found = expit(typed)
        assert found.dtype == dtype
        assert np.array_equal(found.view(bits), scipy_expit(typed).view(bits))
    matrix = values[:600].reshape(200, 3)
    assert np.array_equal(expit(matrix), scipy_expit(matrix))  # any shape
    # a note's few candidates (up to 64 values) take the C function value by value
    for rows in (values[:6000].astype(np.float32)[:, None], np.array(edges, np.float32)[:, None]):
        for start in range(0, len(rows), 22):
            few = rows[start : start + 22]
            assert np.array_equal(expit(few).view(np.int32), scipy_expit(few).view(np.int32))
    with pytest.raises(TypeError):
        expit(np.arange(3))


def test_other_pipelines_are_left_to_their_own_predict_proba() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 4)), rng.uniform(size=60) < 0.5
    assert (
        scaled_logistic(
            Pipeline([("scale", MinMaxScaler()), ("c", LogisticRegression())]).fit(X, y)
        )
        is None
    )
    assert scaled_logistic(LogisticRegression().fit(X, y)) is None
