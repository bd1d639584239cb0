"""Procedure abstention: whether a note calls for procedure codes at all.

Many notes document no procedure that a coder reports (an outpatient visit, a case
report of a diagnosis), yet nearly every note mentions some test or treatment. Ranking
procedures for such a note only adds wrong codes, so a trained model first decides per
note whether a procedure system applies, from what the note says about procedures as a
whole: the label model's procedure scores and the procedure terms matched. The
decision is a ``suggest.note_decision.NoteDecision`` on the note's ``GATE_FEATURES``; at
its threshold of 0.5 a note is dropped exactly when it is likelier to be one without
procedure gold (whose suggestions all count as wrong) than one with it: the MAP a note
with gold would lose is about what one without gold would gain by being left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from code_index.records import System
from suggest.candidates import Candidate

CodeKey = tuple[System, str]
PROCEDURE_SYSTEMS = frozenset({System.ICD10PCS, System.CPT})
GATE_FEATURES: tuple[str, ...] = (
    "label_best",  # the label model's best procedure score
    "label_mass",  # the sum of its positive procedure scores
    "matched",  # log(1 + procedure codes a term of the note matched)
    "best_coverage",  # the best share of a matched procedure term's words found
)


def gate_features(
    candidates: Sequence[Candidate], label_scores: Mapping[CodeKey, float]
) -> np.ndarray:
    """One note's ``GATE_FEATURES`` row."""
    scores = [s for key, s in label_scores.items() if key[0] in PROCEDURE_SYSTEMS]
    matched = [c for c in candidates if c.target.system in PROCEDURE_SYSTEMS and c.matches]
    coverage = max((m.coverage for c in matched for m in c.matches), default=0.0)
    return np.asarray(
        [
            max(scores, default=0.0),
            sum(s for s in scores if s > 0),
            float(np.log1p(len(matched))),
            coverage,
        ],
        dtype=np.float64,
    )
