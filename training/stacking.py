"""Out-of-fold inputs for the stacked reranker.

The reranker learns how far to trust each source of candidates from the training
notes' own candidate lists, so every learned score it reads there must come from models
that did not see the note: the label model's scores and the "coded when denied" shares
are cross-fitted here over the same folds as the term associations and match precision
(``training.train.fold_assignment``). The label model's vocabulary and IDF weights come
from all training notes (no labels in them); its coefficients never from the note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from suggest.abstention import PROCEDURE_SYSTEMS
from suggest.candidates import FEATURE_NAMES, UNRANKED_LABEL
from suggest.denied import CodedWhenDenied
from suggest.label_model import LabelModel, gram, indicator_matrix
from suggest.note_decision import NoteDecision
from suggest.note_model import CodeKey
from suggest.served_learners import top_scores
from suggest.setting import Setting


class DeniedRows(Protocol):
    """What the cross-fitting reads of one training note's candidates."""

    features: np.ndarray
    keys: list[CodeKey]
    labels: np.ndarray
    denied: np.ndarray
    setting: Setting
    corpus: str


def cross_fit_label_scores(
    label_model: LabelModel, labels: Sequence[Sequence[CodeKey]], fold_of: np.ndarray
) -> list[dict[CodeKey, float]]:
    """Each training note's best label-model codes (as ``LabelModel.scores`` gives them)
    from a kernel ridge fitted on the other folds."""
    kernel = gram(label_model.matrix_)
    targets = indicator_matrix(labels, label_model.classes_)
    scores: list[dict[CodeKey, float]] = [{} for _ in labels]
    for fold in np.unique(fold_of):
        inside = np.flatnonzero(fold_of != fold)
        outside = np.flatnonzero(fold_of == fold)
        dual = label_model.solve(kernel[np.ix_(inside, inside)], targets[inside])
        predicted = kernel[np.ix_(outside, inside)].astype(np.float32) @ dual
        for row, i in zip(predicted, outside, strict=True):
            scores[i] = top_scores(row, label_model.classes_, UNRANKED_LABEL)
    return scores


def coded_when_denied(notes: Sequence[DeniedRows]) -> CodedWhenDenied:
    """How often these notes' coders coded each code their note denied."""
    return CodedWhenDenied.count(
        (key, bool(label))
        for note in notes
        for key, label, denied in zip(note.keys, note.labels, note.denied, strict=True)
        if denied
    )


def cross_fit_coded_when_denied(notes: Sequence[DeniedRows], fold_of: np.ndarray) -> None:
    """Fill each denied candidate's ``coded_when_denied`` feature from the notes of the
    same setting in the other folds."""
    column = FEATURE_NAMES.index("coded_when_denied")
    for setting in {note.setting for note in notes}:
        for fold in np.unique(fold_of):
            others = zip(notes, fold_of, strict=True)
            shares = coded_when_denied([n for n, f in others if f != fold and n.setting == setting])
            for note, f in zip(notes, fold_of, strict=True):
                if f == fold and note.setting == setting:
                    note.features[:, column] = [
                        shares.of(key) if denied else 0.0
                        for key, denied in zip(note.keys, note.denied, strict=True)
                    ]


def corpora_coding_denied(notes: Sequence[DeniedRows]) -> set[str]:
    """The corpora whose coders code denied findings: conventions belong to coders,
    so a corpus of guideline-following coders is not outvoted by a larger one that
    codes "no fever"."""
    return {
        corpus
        for corpus in {note.corpus for note in notes}
        if coded_when_denied([n for n in notes if n.corpus == corpus]).coders_code_denied
    }


def fit_denied_convention(
    vectors: sp.spmatrix, codes_denied: Sequence[bool]
) -> NoteDecision | None:
    """Which notes' coders code denied findings, read from the training notes' n-gram
    vectors (rows of the label model's matrix, in the notes' order), where some of the
    notes' corpora code them and others do not; otherwise none (the corpora agree).

    Both conventions weigh alike (``class_weight="balanced"``) and the fit is loose
    (``C=10``): fitted as the procedure gate is (C=1, each note one vote), 500 CodiEsp
    notes outvoted 116 US ones, and cross-fitted over them 22 US notes (3 inpatient)
    were read as coding denied findings, so denied codes reached US notes' top 10s;
    balanced at C=10 none is (highest 0.22) and every CodiEsp note is (lowest 0.57)."""
    if len(set(codes_denied)) < 2:
        return None
    decision = NoteDecision(C=10.0, class_weight="balanced")
    return decision.fit(sp.csr_matrix(vectors), np.asarray(codes_denied))


def learned_denied_settings(notes: Sequence[DeniedRows]) -> dict[Setting, CodedWhenDenied]:
    """The settings whose training notes' coders code denied findings, with the shares."""
    found = {}
    for setting in sorted({note.setting for note in notes}):
        shares = coded_when_denied([n for n in notes if n.setting == setting])
        if shares.coders_code_denied:
            found[setting] = shares
    return found


def fit_procedure_gate(rows: np.ndarray, has_procedures: np.ndarray) -> NoteDecision | None:
    """The note-level procedure decision on ``suggest.abstention.GATE_FEATURES`` rows,
    where the notes show both kinds (some with procedure codes, some without); otherwise
    none (procedures always ranked)."""
    if len(np.unique(has_procedures)) < 2:
        return None
    return NoteDecision().fit(rows, has_procedures)


def procedure_gold(codes: Sequence[CodeKey]) -> bool:
    """Whether a note's gold codes include a procedure code (ICD-10-PCS or CPT)."""
    return any(system in PROCEDURE_SYSTEMS for system, _ in codes)
