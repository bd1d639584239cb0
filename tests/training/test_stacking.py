"""The note-level decisions a trained model learns (training.stacking), on real notes:
CodiEsp's training notes, whose coders code denied findings, and the US tuning notes,
whose coders follow the guidelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from suggest.label_model import LabelModel
from suggest.note_decision import NoteDecision
from suggest.suggester import Suggester
from training.corpora import LabeledNote, read_codiesp, read_jsonl
from training.stacking import fit_denied_convention, fit_procedure_gate
from training.train import FOLDS, fold_assignment, reportable_codes

US_TUNING = Path(__file__).resolve().parents[2] / "bench" / "us_notes" / "tuning.jsonl"


@pytest.fixture(scope="module")
def mixed_notes(shared_data: Path) -> list[LabeledNote]:
    """All of CodiEsp train and the US tuning notes, the corpora of the README's mixed
    model: their sizes (500 and 116) are part of what is tested."""
    codiesp = read_codiesp(shared_data / "codiesp" / "train").notes
    return [*codiesp, *read_jsonl(US_TUNING, strict=True).notes]


def test_the_denied_convention_never_reads_a_us_note_as_coding_denied_findings(
    mixed_notes: list[LabeledNote], suggester: Suggester
) -> None:
    """Cross-fitted as training folds notes: a note of the guideline-following corpus
    read as coding denied findings gets denied codes in its top 10. Fitted with each
    note one vote, the 500 CodiEsp notes outvoted the 116 US ones and 22 US notes were
    so read."""
    codes_denied = np.asarray([note.corpus.startswith("codiesp") for note in mixed_notes])
    labels = reportable_codes(suggester.index, mixed_notes)
    vectors = LabelModel().fit([n.text for n in mixed_notes], labels).matrix_.tocsr()
    fold_of = fold_assignment(len(mixed_notes), FOLDS, seed=13)
    read_as_coding = np.zeros(len(mixed_notes), dtype=bool)
    for fold in range(FOLDS):
        inside = np.flatnonzero(fold_of != fold)
        convention = fit_denied_convention(vectors[inside], codes_denied[inside].tolist())
        assert convention is not None
        for i in np.flatnonzero(fold_of == fold):
            read_as_coding[i] = convention.decide(vectors[i])
    assert not read_as_coding[~codes_denied].any()
    assert read_as_coding[codes_denied].all()


def test_both_note_decisions_are_one_scikit_learn_estimator() -> None:
    rows = np.asarray([[0.1, 0.0], [0.9, 1.0], [0.2, 0.1], [0.8, 0.9]])
    answers = np.asarray([False, True, False, True])
    gate = fit_procedure_gate(rows, answers)
    convention = fit_denied_convention(rows, answers.tolist())
    assert isinstance(gate, NoteDecision) and isinstance(convention, NoteDecision)
    assert clone(convention).get_params() == convention.get_params()
    assert convention.get_params()["class_weight"] == "balanced"
    assert gate.decide(rows[1]) and not gate.decide(rows[0])
    assert fit_procedure_gate(rows, np.ones(4, dtype=bool)) is None
    assert fit_denied_convention(rows, [True] * 4) is None


def test_a_note_decision_answers_as_its_predict_proba_does(
    mixed_notes: list[LabeledNote],
) -> None:
    """``decide`` skips scikit-learn's per-call checks; on real notes' n-gram vectors
    (sparse, float32) and on dense gate rows, its probability is ``predict_proba``'s, so
    its answer at the threshold is too (the threshold set to each note's own probability
    makes any difference of a bit change an answer)."""
    codes_denied = [note.corpus.startswith("codiesp") for note in mixed_notes]
    vectors = LabelModel().fit([n.text for n in mixed_notes[::4]], [[]] * len(mixed_notes[::4]))
    rows = vectors.matrix_.tocsr()
    convention = fit_denied_convention(rows, codes_denied[::4])
    assert convention is not None
    dense = np.asarray(rows[:, :6].todense(), dtype=np.float64)
    gate = fit_procedure_gate(dense, np.asarray(codes_denied[::4]))
    assert gate is not None
    for decision, matrix in ((convention, rows), (gate, dense)):
        for i in range(matrix.shape[0]):
            row = matrix[i]
            probability = decision.predict_proba(row if row.ndim == 2 else row[None, :])[0, 1]
            decision.threshold = probability
            assert decision.decide(row)
            decision.threshold = np.nextafter(probability, 1.0)
            assert not decision.decide(row)
