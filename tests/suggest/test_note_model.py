"""What labeled notes teach, fitted on the real CodiEsp training notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from code_index.records import System
from suggest.code_categories import CATEGORY_LENGTH, code_category
from suggest.note_model import NoteNeighbors, TermAssociations
from suggest.note_vectors import word_grams, word_vector, word_weights
from suggest.suggester import Suggester
from training.corpora import read_codiesp
from training.train import FOLDS, fold_assignment, reportable_codes


@pytest.fixture(scope="module")
def associations(shared_data: Path, suggester: Suggester) -> TermAssociations:
    notes = read_codiesp(shared_data / "codiesp" / "train").notes
    return TermAssociations().fit([n.text for n in notes], reportable_codes(suggester.index, notes))


def test_terms_that_reliably_mark_a_code_are_learned(associations: TermAssociations) -> None:
    fever = dict(associations.associations_["fever"])
    assert fever[(System.ICD10CM, "R50.9")] > 0.8
    # a word common to all kinds of notes marks no code
    assert "patient" not in associations.associations_


def test_scores_name_the_term_found_in_the_note(associations: TermAssociations) -> None:
    scores = associations.scores("Three days of high fever and productive cough.")
    value, term = scores[(System.ICD10CM, "R50.9")]
    assert value > 0.8 and term in "three days of high fever and productive cough"
    assert associations.scores("") == {}


def test_too_few_notes_learn_nothing() -> None:
    few = TermAssociations().fit(["Fever.", "Cough."], [[(System.ICD10CM, "R50.9")], []])
    assert few.associations_ == {} and few.scores("Fever.") == {}


def test_note_models_are_scikit_learn_estimators() -> None:
    neighbors = NoteNeighbors(n_neighbors=7)
    assert clone(neighbors).get_params()["n_neighbors"] == 7
    assert "n_neighbors=7" in repr(neighbors)
    associations = TermAssociations(min_notes=4)
    assert clone(associations).get_params()["min_notes"] == 4


def test_a_training_note_sees_the_priors_of_the_other_folds_only(
    shared_data: Path, suggester: Suggester
) -> None:
    """Training lists once took each code's prior from all notes, the note's own among
    them: every gold code of a training note looked seen in training, even one only it
    carries (37% of CodiEsp dev's codes are unseen). Then they took it leaving the note
    out: a code's prior was one count lower in the notes that carry it than in those
    that do not, and the trees read the label off that difference. From the other folds,
    every note of a fold sees the same priors, of codes and of categories."""
    notes = read_codiesp(shared_data / "codiesp" / "train").notes[:60]
    codes = reportable_codes(suggester.index, notes)
    model = NoteNeighbors().fit([n.text for n in notes], codes)
    fold_of = fold_assignment(len(notes), FOLDS, 13)
    for length in (None, CATEGORY_LENGTH):
        priors = model.cross_fit_priors(fold_of, length)
        for fold in np.unique(fold_of):
            inside = np.flatnonzero(fold_of == fold)
            others = [
                {code if length is None else code_category(code, length) for code in codes[i]}
                for i in np.flatnonzero(fold_of != fold)
            ]
            seen = {key for note in others for key in note}
            assert all(priors[i] == priors[inside[0]] for i in inside)
            assert set(priors[inside[0]]) == seen
            for key in seen:
                count = sum(key in note for note in others)
                assert priors[inside[0]][key] == pytest.approx(count / len(others))
    only = [code for code in model.prior_ if sum(code in c for c in codes) == 1]
    own = {code: i for i, c in enumerate(codes) for code in c if code in only}
    assert own and all(code not in model.cross_fit_priors(fold_of)[i] for code, i in own.items())


def test_a_note_is_read_as_the_fitted_word_vectorizers_read_it(
    associations: TermAssociations, shared_data: Path, suggester: Suggester
) -> None:
    # one cut of the note's word n-grams serves both learners: the associations'
    # analyzer gives the same n-grams, and the note model's vector is its vectorizer's,
    # bit for bit, on real notes and on text whose case and spacing are unusual
    notes = read_codiesp(shared_data / "codiesp" / "train").notes[:80]
    neighbors = NoteNeighbors().fit(
        [n.text for n in notes], reportable_codes(suggester.index, notes)
    )
    texts = [n.text for n in read_codiesp(shared_data / "codiesp" / "dev").notes[:40]]
    texts += ["", " \n ", "ΟΔΟΣ ΣΑΣ x\u00a0y\u2003z", "Dx: CKD-3b\tHTN\n\n\nT2DM T2DM", "Fever"]
    for text in texts:
        grams = word_grams(text, associations.max_words)
        analyzer = associations.analyzer_
        assert analyzer is not None and analyzer(text) == grams
        assert associations.scores(text, grams) == associations.scores(text)
        expected = neighbors.vectorizer_.transform([text]).toarray()[0]
        found = word_vector(grams, word_weights(neighbors.vectorizer_))
        assert found.dtype == expected.dtype
        assert np.array_equal(found.view(np.int32), expected.view(np.int32))
        assert neighbors.scores(text, grams) == neighbors.scores(text)


def test_neighbour_votes_are_the_sparse_products(shared_data: Path, suggester: Suggester) -> None:
    # the votes are added up neighbour by neighbour in float32 without scipy's product:
    # the same scores, bit for bit and in the same order, as the sparse product gives,
    # for new notes and for the training notes left out one at a time
    notes = read_codiesp(shared_data / "codiesp" / "train").notes[:120]
    neighbors = NoteNeighbors().fit(
        [n.text for n in notes], reportable_codes(suggester.index, notes)
    )

    def by_product(similarities: np.ndarray) -> dict[tuple[System, str], float]:
        nearest = np.argpartition(-similarities, neighbors.n_neighbors - 1)[: neighbors.n_neighbors]
        weights = np.power(np.clip(similarities[nearest], 0.0, None), neighbors.power)
        total = float(weights.sum())
        votes = neighbors.labels_[nearest].T @ weights / total
        return {neighbors.classes_[j]: float(votes[j]) for j in np.flatnonzero(votes)}

    texts = [n.text for n in read_codiesp(shared_data / "codiesp" / "dev").notes[:60]]
    rows = [
        neighbors.matrix_ @ word_vector(word_grams(t, 2), word_weights(neighbors.vectorizer_))
        for t in texts
    ]
    left_out = (neighbors.matrix_ @ neighbors.matrix_.T).toarray()
    np.fill_diagonal(left_out, 0.0)
    for similarities in [*rows, *left_out]:
        found = neighbors.scorer().votes(similarities)
        assert list(found.items()) == list(by_product(similarities).items())
        assert all(type(value) is float for value in found.values())
