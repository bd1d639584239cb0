"""The label model on the real CodiEsp training notes: it learns codes from the words of
whole notes, cross-fits honestly, and points at the words behind each code."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from code_index.records import System
from suggest.label_model import LabelModel
from suggest.served_learners import _descending, top_scores
from suggest.suggester import Suggester
from training.corpora import LabeledNote, read_codiesp
from training.stacking import cross_fit_label_scores
from training.train import fold_assignment, reportable_codes

FEVER = (System.ICD10CM, "R50.9")


@pytest.fixture(scope="module")
def notes(shared_data: Path) -> list[LabeledNote]:
    return read_codiesp(shared_data / "codiesp" / "train").notes[:150]


@pytest.fixture(scope="module")
def labels(notes: list[LabeledNote], suggester: Suggester) -> list[list[tuple[System, str]]]:
    return reportable_codes(suggester.index, notes)


@pytest.fixture(scope="module")
def label_model(notes: list[LabeledNote], labels: list[list[tuple[System, str]]]) -> LabelModel:
    return LabelModel().fit([n.text for n in notes], labels)


def test_it_is_a_scikit_learn_estimator(label_model: LabelModel) -> None:
    assert clone(label_model).get_params() == label_model.get_params()
    assert "alpha=" not in repr(LabelModel()) and "alpha=0.5" in repr(LabelModel(alpha=0.5))


def test_a_note_about_fever_scores_the_fever_code(label_model: LabelModel) -> None:
    scores = label_model.scores("Febrile syndrome: fever of 39 C for three days.", limit=50)
    assert FEVER in scores and list(scores.values()) == sorted(scores.values(), reverse=True)


def test_evidence_points_at_the_weighted_words_of_the_note(label_model: LabelModel) -> None:
    text = "Admitted with fever of 39 C and a productive cough for three days."
    places = label_model.evidence(label_model.read(text, 50), [FEVER], limit=3)[FEVER]
    assert places and "fever" in [text[start:end].lower() for start, end in places]
    # never empty while the note has a word, even one that weighs nothing for the code
    unknown = label_model.read("Qqqqq.", 50)
    assert label_model.evidence(unknown, [FEVER], limit=3)[FEVER] == [(0, 5)]


def test_a_codes_evidence_does_not_depend_on_the_other_codes_asked(
    label_model: LabelModel, notes: list[LabeledNote]
) -> None:
    """The suggester asks only for the codes left without other evidence: each code's
    words must be the ones it gets when asked beside every other code."""
    for note in notes[:10]:
        reading = label_model.read(note.text, 50)
        keys = list(reading.scores)
        together = label_model.evidence(reading, keys, limit=3)
        for key in keys[::7]:
            assert label_model.evidence(reading, [key], limit=3) == {key: together[key]}


def test_out_of_fold_scores_do_not_see_the_note(
    label_model: LabelModel, labels: list[list[tuple[System, str]]]
) -> None:
    fold_of = fold_assignment(len(labels), 5, seed=3)
    oof = cross_fit_label_scores(label_model, labels, fold_of)

    def hit_rate(scores: list[dict[tuple[System, str], float]]) -> float:
        top = [set(list(s)[:5]) for s in scores]
        return float(np.mean([len(t & set(g)) / 5 for t, g in zip(top, labels, strict=True)]))

    # in-sample scores (the note among the fitted ones) find its codes far more often
    matrix = label_model.matrix_
    fitted = (matrix @ matrix.T).toarray().astype(np.float32) @ label_model.dual_coef_
    in_fold = [
        {label_model.classes_[j]: float(row[j]) for j in np.argsort(-row)[:5]} for row in fitted
    ]
    assert hit_rate(in_fold) > hit_rate(oof) > 0.1


def test_a_note_is_read_as_the_fitted_vectorizer_reads_it(
    label_model: LabelModel, shared_data: Path
) -> None:
    # the word-by-word counting gives the vectorizer's own vector, bit for bit, on real
    # notes and on text whose case and spacing are unusual
    texts = [n.text for n in read_codiesp(shared_data / "codiesp" / "dev").notes[:40]]
    texts += ["", " \n ", "ΟΔΟΣ ΣΑΣ x\u00a0y\u2003z", "Dx: CKD-3b\tHTN\n\n\nT2DM T2DM"]
    for text in texts:
        expected = label_model.vectorizer_.transform([text]).tocsr()
        found = label_model.read(text, 5).vector
        assert found is not None and found.dtype == expected.dtype
        assert np.array_equal(found.indices, expected.indices)
        assert np.array_equal(found.indptr, expected.indptr)
        assert np.array_equal(found.data, expected.data)


def test_the_word_cache_is_not_saved_with_the_model(label_model: LabelModel) -> None:
    label_model.read("Fever and cough.", 5)
    assert "_served" not in pickle.loads(pickle.dumps(label_model)).__dict__


def test_evidence_orders_n_grams_as_a_full_stable_sort_would() -> None:
    rng = np.random.default_rng(7)
    for trial in range(500):
        size = int(rng.integers(0, 120))
        if trial % 2:  # many ties, as weights of n-grams of one word are
            values = rng.choice(np.array([-1.0, 0.0, 0.5, 2.0, np.nan], dtype=np.float32), size)
        else:
            values = rng.normal(size=size).astype(np.float32)
        first = int(rng.integers(1, 40))
        expected = np.argsort(-values, kind="stable").tolist()
        assert list(_descending(values, first)) == expected


def test_a_reading_scores_and_points_as_the_batch_product_does(
    label_model: LabelModel, shared_data: Path
) -> None:
    # one note's scores, from the training columns of its n-grams cut once, are the batch
    # decision function's bit for bit, and the evidence read from those columns is the same
    for note in read_codiesp(shared_data / "codiesp" / "dev").notes[:30]:
        reading = label_model.read(note.text, 100)
        row = label_model.decision_function([note.text])[0]
        assert reading.scores == top_scores(row, label_model.classes_, 100)
        keys = list(reading.scores)[:5]
        recut = dataclasses.replace(reading, columns=None)
        assert label_model.evidence(reading, keys, 3) == label_model.evidence(recut, keys, 3)


def test_top_scores_are_the_best_by_score_then_code(label_model: LabelModel) -> None:
    # the best ``limit`` scores above zero, as Python floats, ordered by score and, among
    # equal scores, by code, on rows with many ties and on the model's own rows
    rng = np.random.default_rng(5)
    classes = label_model.classes_
    rows = [rng.integers(-1, 4, len(classes)).astype(np.float32) for _ in range(20)]
    rows += [label_model.decision_function(["Fever and cough, no adenopathy."])[0]]
    for row in rows:
        for limit in (1, 10, 100, len(classes) + 5):
            found = top_scores(row, classes, limit)
            assert all(type(value) is float for value in found.values())
            keys = list(found)
            assert keys == sorted(keys, key=lambda key: (-found[key], key[1]))
            everything = sorted(
                ((float(v), classes[j]) for j, v in enumerate(row) if v > 0),
                key=lambda p: (-p[0], p[1][1]),
            )
            assert sorted(found.values(), reverse=True) == [v for v, _ in everything[:limit]]


def test_a_smaller_label_model_leaves_out_the_commonest_n_grams(
    notes: list[LabeledNote], labels: list[list[tuple[System, str]]], label_model: LabelModel
) -> None:
    # max_df 0.5 leaves out the n-grams of more than half the notes (most of the matrix's
    # entries) and keeps the rest; a note is still read and its codes still point at words
    texts = [n.text for n in notes]
    smaller = LabelModel(max_df=0.5).fit(texts, labels)
    in_notes = np.asarray((label_model.matrix_ > 0).sum(axis=0)).ravel()
    common = {str(label_model.names_[j]) for j in np.flatnonzero(in_notes > len(texts) / 2)}
    assert common and set(smaller.names_) == set(label_model.names_) - common
    assert smaller.matrix_.nnz < label_model.matrix_.nnz * 0.8
    text = "Febrile syndrome: fever of 39 C for three days."
    reading = smaller.read(text, 50)
    assert reading.scores and all(smaller.evidence(reading, list(reading.scores)[:3], 2).values())


def test_a_label_model_saved_before_max_df_reads_as_keeping_every_n_gram(
    label_model: LabelModel,
) -> None:
    state = dict(label_model.__getstate__())  # a copy: the fitted model stays as it is
    del state["max_df"]
    restored = LabelModel.__new__(LabelModel)
    restored.__setstate__(state)
    assert restored.max_df == 1.0
    assert clone(restored).get_params() == label_model.get_params()
