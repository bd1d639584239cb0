"""What labeled notes teach, fitted on the real CodiEsp training notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.base import clone

from code_index.records import System
from suggest.note_model import NoteNeighbors, TermAssociations
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
