"""The code-set-only default model: reproducible, and in step with the pipeline's features."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline

from suggest.candidates import FEATURE_NAMES, LEARNED_FEATURES
from suggest.model import load_model
from suggest.suggester import Suggester
from training.default_model import (
    DEFAULT_FEATURES,
    UNLEARNABLE_FEATURES,
    fit_default_model,
    synthetic_notes,
)


def test_shipped_default_model_reads_only_what_synthetic_notes_teach() -> None:
    model = load_model("default")
    assert model.feature_names == DEFAULT_FEATURES
    assert set(DEFAULT_FEATURES) < set(FEATURE_NAMES)
    # what synthetic notes cannot teach (sections, context, labeled notes) is not read
    assert not set(model.feature_names) & {*UNLEARNABLE_FEATURES, *LEARNED_FEATURES}
    assert model.card["training_data"]["notes"] > 1000
    assert "labeled" in model.card["training_data"]["source"]  # says it used no labeled notes


def test_synthetic_notes_are_deterministic(suggester: Suggester) -> None:
    first = list(synthetic_notes(suggester.pipeline, 5, seed=3))
    again = list(synthetic_notes(suggester.pipeline, 5, seed=3))
    assert first == again and all(note.codes for note in first)


def test_fitting_separates_right_from_wrong_candidates(suggester: Suggester) -> None:
    model, stats = fit_default_model(suggester.pipeline, n_notes=200, seed=5)
    assert 0 < stats["positives"] < stats["candidates"]
    again, _ = fit_default_model(suggester.pipeline, n_notes=200, seed=5)
    assert isinstance(model.ranker, Pipeline) and isinstance(again.ranker, Pipeline)
    coef = model.ranker.named_steps["classify"].coef_
    assert np.allclose(coef, again.ranker.named_steps["classify"].coef_)
    # a complete match of a term is more likely right than the same term lacking a word
    names = model.feature_names
    complete = np.zeros((1, len(names)), dtype=np.float32)
    for name, value in (("coverage", 1.0), ("words", 3.0), ("system_icd10cm", 1.0)):
        complete[0, names.index(name)] = value
    partial = complete.copy()
    partial[0, names.index("coverage")] = 2 / 3
    partial[0, names.index("words")] = 2.0
    partial[0, names.index("partial")] = 1.0
    assert model.probabilities(complete)[0] > model.probabilities(partial)[0]
