"""What labeled notes teach, fitted on the real CodiEsp training notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from code_index.records import System
from suggest.note_model import NoteNeighbors, TermAssociations
from suggest.note_vectors import word_grams, word_vector
from suggest.suggester import Suggester
from training.corpora import read_codiesp
from training.train import reportable_codes


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


def test_a_training_note_sees_the_priors_of_the_other_notes_only(
    shared_data: Path, suggester: Suggester
) -> None:
    """Training lists once took each code's prior from all notes, the note's own among
    them: every gold code of a training note looked seen in training, even one only it
    carries, and the ranker learned to distrust unseen codes (37% of CodiEsp dev's)."""
    notes = read_codiesp(shared_data / "codiesp" / "train").notes[:60]
    codes = reportable_codes(suggester.index, notes)
    model = NoteNeighbors().fit([n.text for n in notes], codes)
    priors = model.leave_one_out_priors()
    carriers: dict[tuple[System, str], list[int]] = {}
    for i, note_codes in enumerate(codes):
        for code in note_codes:
            carriers.setdefault(code, []).append(i)
    only = next(code for code, where in carriers.items() if len(where) == 1)
    shared = next(code for code, where in carriers.items() if len(where) > 1)
    assert only in model.prior_ and only not in priors[carriers[only][0]]
    assert priors[carriers[only][0]].get(only, 0.0) == 0.0
    first = carriers[shared][0]
    assert priors[first][shared] == pytest.approx((len(carriers[shared]) - 1) / 59)
    assert len(priors[first]) == len(model.prior_) - sum(
        len(where) == 1 for code, where in carriers.items() if code in codes[first]
    )


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
        expected = neighbors.vectorizer_.transform([text]).tocsr()
        found = word_vector(grams, neighbors.vectorizer_)
        assert found.dtype == expected.dtype
        assert np.array_equal(found.indices, expected.indices)
        assert np.array_equal(found.data, expected.data)
        assert neighbors.scores(text, grams) == neighbors.scores(text)
