"""The candidate step: a processed note in, the candidates the ranker scores out.

Serving, training and the default model's fit all call this one step, so a ranker
learns from exactly the candidates it will later rank: the same matches, the same codes
learned from labeled notes, the same systems for the setting and the same reporting rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from code_index.index import CodeIndex
from code_index.records import System
from suggest.candidates import (
    Candidate,
    LearnedSignals,
    LearnedTargets,
    add_learned_candidates,
    collect_candidates,
    excluded_codes,
)
from suggest.reportable import reportable
from suggest.setting import Setting
from suggest.terms import TermTable

NOTE_MODEL_CANDIDATES = 60  # codes the note model may add beyond the matched ones


@dataclass
class NoteCandidates:
    """A note's candidates, and the codes it names only as denied where they were read
    (``None`` where no step needed them: reading them costs)."""

    candidates: list[Candidate]
    denied: set[tuple[System, str]] | None


class CandidateStep:
    """Turns a processed note into rankable candidates, for one term table and index.

    ``keep_covered``: keep codes a more specific code's words cover, flagged (models
    learned from coders who report both)."""

    def __init__(self, table: TermTable, index: CodeIndex, keep_covered: bool) -> None:
        self.table = table
        self.keep_covered = keep_covered
        self._learned_targets = LearnedTargets(index)

    def __call__(
        self,
        doc: Doc,
        setting: Setting,
        systems: Sequence[System] | None = None,
        learned: LearnedSignals | None = None,
    ) -> NoteCandidates:
        """The candidates of ``doc`` in ``systems`` (default: the setting's) that the
        encounter reports, with what labeled notes taught (``learned``) added."""
        wanted = set(systems or setting.systems)
        candidates = collect_candidates(doc, self.table, self.keep_covered)
        denied = None
        if learned is not None:
            denied = excluded_codes(doc, self.table)
            add_learned_candidates(
                candidates, learned, denied, self._learned_targets, NOTE_MODEL_CANDIDATES
            )
        kept = [c for c in candidates if c.target.system in wanted and reportable(c, setting)]
        return NoteCandidates(kept, denied)
