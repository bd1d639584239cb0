"""The candidate step: a processed note in, the candidates the ranker scores out.

Serving, training and the default model's fit all call this one step, so a ranker
learns from exactly the candidates it will later rank: the same matches, the same codes
learned from labeled notes, the same systems for the setting and the same reporting rules
(the procedures a facility reports among them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc

from code_index.index import CodeIndex
from code_index.records import System
from code_index.uhdds import not_significant
from suggest.abstention import PROCEDURE_SYSTEMS, gate_features
from suggest.candidates import (
    Candidate,
    LearnedSignals,
    LearnedTargets,
    add_category_evidence,
    add_label_candidates,
    add_learned_candidates,
    add_sibling_candidates,
    collect_candidates,
    denied_sentences,
)
from suggest.denied import CodedWhenDenied, denied_candidates
from suggest.reportable import reportable
from suggest.served_learners import ThresholdedLogistic
from suggest.setting import ProcedureReporting, Setting
from suggest.specificity import NamedSiblings
from suggest.terms import TermTable

NOTE_MODEL_CANDIDATES = 60  # codes the note model may add beyond the matched ones
LABEL_MODEL_CANDIDATES = 30  # codes the label model may add beyond those
# codes training notes carried that a trained model adds for each category of a diagnosis
# the note names (suggest.candidates.add_sibling_candidates)
SIBLING_CANDIDATES = 2


@dataclass
class NoteCandidates:
    """A note's candidates, and the codes it names only as denied where they were read
    (``None`` where no step needed them: reading them costs)."""

    candidates: list[Candidate]
    denied: set[tuple[System, str]] | None
    # whether the note's coders code as the model's corpora taught (every sign, denied
    # findings where they code them) rather than by the guidelines' rules: False for a
    # note the denied convention reads as written by coders who follow the guidelines
    coded_as_taught: bool = True
    # the ICD-10-PCS codes the facility does not report (``ProcedureReporting``): never
    # ranked nor learned from, listed apart by the suggester with why
    unreported: list[Candidate] = field(default_factory=list)


class CandidateStep:
    """Turns a processed note into rankable candidates, for one term table and index.

    ``keep_covered``: keep codes a more specific code's words cover, flagged (models
    learned from coders who report both). ``coded_when_denied``: by setting, how often the
    coders code what a note denies, where they do; the denied mentions' codes become
    flagged candidates there (``suggest.denied``), for the notes ``denied_convention``
    (where the training corpora disagreed) reads as written by such coders; the notes it
    reads as written by coders who follow the guidelines are coded by them: no covered
    code is kept, learned sources add no code the note's words do not name, and the
    suggester applies the guidelines' rules (``coded_as_taught``).
    ``procedure_gate``: the note-level decision whether procedures apply at all
    (``suggest.abstention``). ``sibling_candidates``: how many codes training notes
    carried are added for each category of a diagnosis the note names (0: none, as in
    models trained before them)."""

    def __init__(
        self,
        table: TermTable,
        index: CodeIndex,
        keep_covered: bool,
        coded_when_denied: Mapping[Setting, CodedWhenDenied] | None = None,
        procedure_gate: ThresholdedLogistic | None = None,
        denied_convention: ThresholdedLogistic | None = None,
        sibling_candidates: int = 0,
    ) -> None:
        self.table = table
        self.sibling_candidates = sibling_candidates
        self.keep_covered = keep_covered
        self.coded_when_denied = coded_when_denied or {}
        self.procedure_gate = procedure_gate
        self.denied_convention = denied_convention
        self._learned_targets = LearnedTargets(index)
        self._siblings = NamedSiblings(index)

    def __call__(
        self,
        doc: Doc,
        setting: Setting,
        systems: Sequence[System] | None = None,
        learned: LearnedSignals | None = None,
        as_taught: bool | None = None,
        *,
        procedures: ProcedureReporting,
    ) -> NoteCandidates:
        """The candidates of ``doc`` in ``systems`` (default: the setting's) that the
        encounter reports, with what labeled notes taught (``learned``) added;
        ``as_taught``: whether the note is coded as the model's corpora taught (default:
        as the denied convention reads it; training asks for both readings);
        ``procedures``: which ICD-10-PCS procedures the facility reports (no default:
        serving and training each say, from the same request or note)."""
        wanted = set(systems or setting.systems)
        if as_taught is None:
            as_taught = learned is None or self._codes_denied(learned)
        keep_covered = self.keep_covered and as_taught
        # a model's learned sources see the codes the rules cover too, so that they never
        # bring back one the guidelines' rules took out (I10 beside the presumed I12.9).
        # A note coded by the guidelines is read as the default model reads it, covered
        # matches dropped before the candidates are formed: kept, they joined candidates
        # of their code (more places, other rivals) and became siblings no longer flagged
        # (severe dementia "with agitation" as F02.A11 and F02.B11, "inferior MI" inside
        # "old inferior MI" as I21.19), in 65 of the 192 US tuning notes
        read = collect_candidates(
            doc, self.table, keep_covered or (learned is not None and as_taught), self._siblings
        )
        candidates = read if keep_covered else [c for c in read if not c.covered_by]
        found: dict[tuple[System, str], set[int]] | None = None

        def read_denied() -> dict[tuple[System, str], set[int]]:
            """Where the note denies each code, read once and only where it is asked."""
            nonlocal found
            if found is None:
                found = denied_sentences(doc, self.table)
            return found

        denied = None
        if learned is not None:
            denied = set(read_denied())
            not_learned = denied | {c.key for c in read if c.covered_by}
            shares = self.coded_when_denied.get(setting)
            if shares is not None and as_taught:
                for candidate in denied_candidates(doc, self.table, [c.key for c in candidates]):
                    candidate.coded_when_denied = shares.of(candidate.key)
                    candidates.append(candidate)
            named = len(candidates)
            add_learned_candidates(
                candidates, learned, not_learned, self._learned_targets, NOTE_MODEL_CANDIDATES
            )
            if self.sibling_candidates:
                add_sibling_candidates(
                    candidates,
                    learned,
                    not_learned,
                    self._learned_targets,
                    self.sibling_candidates,
                )
            if learned.label is not None:
                add_label_candidates(
                    candidates,
                    learned.label.scores,
                    not_learned,
                    self._learned_targets,
                    LABEL_MODEL_CANDIDATES,
                )
            if not as_taught:
                # coded by the guidelines, a note is coded from what its words document:
                # learned sources weigh the codes it names but add none it never names
                # (cross-fitted on US tuning notes, most must-not codes the mixed model
                # ranked and the default did not were such codes, scored near zero in
                # lists short enough to reach a top 10)
                del candidates[named:]
            add_category_evidence(candidates, learned)
        kept = [
            c
            for c in candidates
            if c.target.system in wanted and reportable(c, setting, read_denied)
        ]
        gate = self.procedure_gate
        label = learned.label if learned is not None else None
        if (
            gate is not None
            and label is not None
            and not gate.decide(gate_features(kept, label.scores))
        ):
            kept = [c for c in kept if c.target.system not in PROCEDURE_SYSTEMS]
        if procedures is ProcedureReporting.ALL:
            return NoteCandidates(kept, denied, as_taught)
        unreported = [
            c for c in kept if c.target.system is System.ICD10PCS and not_significant(c.target.code)
        ]
        if unreported:
            apart = set(map(id, unreported))
            kept = [c for c in kept if id(c) not in apart]
        return NoteCandidates(kept, denied, as_taught, unreported)

    def _codes_denied(self, learned: LearnedSignals) -> bool:
        """Whether this note's coders code denied findings, where the model's corpora
        disagreed on it (a note the label model did not read is taken not to)."""
        convention = self.denied_convention
        if convention is None:
            return True
        vector = learned.label.vector if learned.label is not None else None
        return vector is not None and convention.decide(vector)
