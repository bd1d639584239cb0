"""Unspecified alternatives: what a coder reports when the note lacks the detail a
suggested specific code needs ("N50.9" after "N50.811")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from code_index.index import CodeIndex
from code_index.records import System
from suggest.adverse_effects import is_drug_induced
from suggest.candidates import Candidate, LearnedTargets
from suggest.terms import TargetCode, default_descendant, says_unspecified


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate with the probability the model gave it (0 for an alternative)."""

    candidate: Candidate
    score: float


# a ranked code at least this likely is documented as the note says it: its category's
# unspecified code is then no alternative a coder could report (I50.9 beside "chronic
# diastolic heart failure" read as I50.32 at 0.74 is a coding error, guideline I.B.18 and
# the tabular's "unspecified" codes are for notes that lack the detail), only noise in the
# top of the list; below it, the note may lack the detail the specific code needs
SURE = 0.5


class UnspecifiedAlternatives:
    """After every ranked code, the unspecified code of each suggested ICD-10-CM code's
    category, on the same words (not of a drug-induced code, whose cause is documented,
    nor of a code the model is sure of, ``SURE``). An alternative has no probability of
    its own (score 0), so it never displaces a code the model ranked."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self._targets = LearnedTargets(index)
        self._unspecified: dict[str, TargetCode | None] = {}

    def __call__(
        self, ranked: Sequence[Ranked], denied: set[tuple[System, str]], limit: int
    ) -> list[Ranked]:
        """At most ``limit`` alternatives for ``ranked``, never a code already listed or
        one the note denies."""
        present = {item.candidate.key for item in ranked} | denied
        # a category whose drug-induced code is listed has its cause documented: no
        # unspecified code of it ("Neutropenia, unspecified" beside D70.1)
        induced = {
            item.candidate.target.code[:3]
            for item in ranked
            if item.candidate.target.system is System.ICD10CM
            and is_drug_induced(item.candidate.target.code)
        }
        found: list[Ranked] = []
        for item in ranked:
            source = item.candidate
            if (
                source.target.system is not System.ICD10CM
                or not source.spans
                or source.denied
                or item.score >= SURE
                or source.target.code[:3] in induced
            ):
                continue
            target = self._category_unspecified(source.target.code)
            if target is None or (target.system, target.code) in present:
                continue
            present.add((target.system, target.code))
            found.append(
                Ranked(
                    Candidate(target, spans=source.spans, alternative_to=source.target.code), 0.0
                )
            )
            if len(found) == limit:
                break
        return found

    def _category_unspecified(self, code: str) -> TargetCode | None:
        """The billable code reported for a bare mention of ``code``'s category (cached)."""
        category = code[:3]
        if category not in self._unspecified:
            record = self.index.get(category, System.ICD10CM)
            unspecified = default_descendant(self.index, record) if record is not None else None
            # only the category's own unspecified code (its ".9" subcategory, saying so):
            # not "Central pain syndrome" for G89, not "Nausea with vomiting, unspecified"
            # for R11.0, not "without complications" when the note names a complication
            self._unspecified[category] = (
                self._targets((System.ICD10CM, unspecified.code))
                if unspecified is not None
                and unspecified.key[3:4] == "9"
                and says_unspecified(unspecified)
                else None
            )
        return self._unspecified[category]
