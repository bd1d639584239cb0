"""The warnings a coder reads on a suggestion, and their wording: a code that is the
unspecified default of a header, a code a more specific one covers, an unspecified
alternative, and what the list as a whole triggers (Excludes1 pairs, code-first and
use-additional instructions, NCCI bundling edits)."""

from __future__ import annotations

from collections.abc import Sequence

from code_index.index import CodeIndex
from code_index.records import NCCI_SETTING_NAMES, System
from code_index.uhdds import not_significant
from code_index.validity import (
    NcciConflict,
    Reminder,
    excludes1_conflicts,
    ncci_conflicts,
    sequencing_reminders,
)
from suggest.candidates import Candidate
from suggest.denied import denied_warning_text
from suggest.plausibility import Apart
from suggest.results import SuggestionWarning
from suggest.terms import default_descendant

# How the documentation a header lacks is named in a specificity warning.
_MISSING_DETAIL = (
    ("laterality (right/left)", ("right", "left")),
    ("the encounter (7th character)", ("initial encounter", "subsequent encounter")),
    ("the stage", ("stage",)),
    ("the type", ("type 1", "type 2")),
    ("acuity (acute/chronic)", ("acute", "chronic")),
)

_REMINDER_LABELS = {
    "code_first": "Code first",
    "use_additional": "Use additional code",
    "code_also": "Code also",
}


class CoderWarnings:
    """Writes the warnings of one index's codes (what a header's children tell apart is
    read once per header: reading them costs more than ranking a note)."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self._details: dict[tuple[System, str], str] = {}
        self._defaults: dict[tuple[System, str], str | None] = {}

    def of_candidate(self, candidate: Candidate) -> list[SuggestionWarning]:
        """What a coder must know of this one suggestion."""
        return [
            *self._specificity(candidate),
            *_covered(candidate),
            *_alternative(candidate),
            *_denied(candidate),
        ]

    @staticmethod
    def not_reported(code: str) -> list[SuggestionWarning]:
        """Why a facility that reports the UHDDS significant procedures does not code the
        ICD-10-PCS ``code`` (``code_index.uhdds``): listed apart, not ranked."""
        why = not_significant(code)
        if why is None:
            return []
        message = (
            f"{code} is {why}, not a UHDDS significant procedure (surgical in nature, with a "
            f"procedural or anesthetic risk, or needing specialized training): a facility "
            f"that reports significant procedures does not code it; one that reports every "
            f'procedure asks with procedures "all".'
        )
        return [SuggestionWarning("not_significant", message, (code,))]

    @staticmethod
    def set_apart(code: str, apart: Apart | None) -> list[SuggestionWarning]:
        """Why a code is not coded (``suggest.plausibility.Apart``): a documented code
        includes it (guideline I.B.5), or the note's diagnostic statement documents a
        diagnosis and the code was read only outside it."""
        if apart is None:
            return []
        kind, because = apart
        if kind == "integral":
            message = (
                f"{because} includes what {code} describes: signs and symptoms routinely part "
                f"of a documented diagnosis are not coded beside it (ICD-10-CM guideline I.B.5)."
            )
        elif kind == "aftercare":
            message = (
                f"{because} is the injury this aftercare is for: the aftercare of an injury is "
                f"coded with the injury's code and 7th character D, not {code} (ICD-10-CM "
                f"guideline I.C.21.c.7)."
            )
        elif kind == "unspecified":
            message = (
                f"{because} says more than {code} (of its category, the organism or cause its "
                f"title leaves unspecified, or the malignancy's site): a code titled unspecified "
                f"is for a record that documents no more (ICD-10-CM guidelines I.B.18, I.C.2.s)."
            )
        elif kind == "bite":
            message = (
                f"{because} is the open bite of the same site: a wound a bite made is coded "
                f"as the open bite, not also as the laceration or puncture {code} (ICD-10-CM "
                f"Index: Bite, by site, open bite)."
            )
        elif kind == "history":
            message = (
                f"{because} codes as history the malignancy {code} describes: its tabular "
                f"asks for the malignancy to be coded first, and a malignancy excised or "
                f"eradicated with no treatment now is coded as its personal history alone "
                f"(ICD-10-CM guideline I.C.2.d)."
            )
        elif kind == "side":
            message = (
                f"The note's words name no side: {code} was read from them as surely as "
                f"the other sides' codes, and a side no word documents is coded as the "
                f"unspecified side, {because} (ICD-10-CM guideline I.B.13)."
            )
        elif kind == "contradicted":
            message = (
                f"{because} documents what {code} says is absent (its title's 'with' against "
                f"'without'), in the same category: one condition, coded by what the note "
                f"documents."
            )
        elif kind == "excludes1":
            message = (
                f"{because} and {code} are never reported together (Excludes1, ICD-10-CM "
                f"guideline I.A.12.a), and the note reads {because} more surely."
            )
        elif kind == "hierarchy":
            message = (
                f"{because} documents a higher level of use, abuse or dependence of the same "
                f"substance than {code}: only the highest is coded (ICD-10-CM guideline "
                f"I.C.5.b.2)."
            )
        elif kind == "degree":
            message = (
                f"{because} is a deeper burn of the same site: burns of one site in "
                f"different degrees are coded to the highest degree, not also as {code} "
                f"(ICD-10-CM guideline I.C.19.d.1)."
            )
        elif kind == "not_addressed":
            message = (
                f"{code} is named at a visit for immunization alone ({because}), which does "
                f"not address it: a coexisting condition is coded where it requires or "
                f"affects care at the encounter (ICD-10-CM guideline IV.J)."
            )
        elif kind == "one_per_encounter":
            message = (
                f"{because} gives the weeks of gestation, read more surely than {code}: one "
                f"Z3A code is reported for an encounter, the weeks at the encounter (at the "
                f"admission for a stay), not the weeks of a test or a plan the note names."
            )
        elif kind == "symptom":
            message = (
                f"{code} is a sign or symptom read only outside the diagnostic statement, "
                f"which documents {because}: a symptom is coded where no diagnosis that "
                f"accounts for it is established (ICD-10-CM guidelines I.B.4-5, IV.D, IV.K)."
            )
        else:
            message = (
                f"{code} is read only from the findings (examination, results, medication "
                f"list), and the diagnostic statement documents {because}: abnormal findings "
                f"are not coded unless the provider states their significance (guideline III.B)."
            )
        return [SuggestionWarning(kind, message, (code, because))]

    def of_list(
        self, codes: Sequence[str], procedures: Sequence[str]
    ) -> dict[str, list[SuggestionWarning]]:
        """Warnings that come from the list as a whole, by the code they are shown on:
        ICD-10-CM instructions among ``codes``, NCCI edits among the CPT/HCPCS
        ``procedures``."""
        by_code: dict[str, list[SuggestionWarning]] = {}
        for conflict in excludes1_conflicts(self.index, list(codes)):
            by_code.setdefault(conflict.code, []).append(
                SuggestionWarning(
                    "excludes1",
                    f"Excludes1: {conflict.code} and {conflict.excluded} are not reported together "
                    f"({conflict.note}).",
                    (conflict.code, conflict.excluded),
                )
            )
        grouped: dict[tuple[str, str], list[Reminder]] = {}
        for reminder in sequencing_reminders(self.index, list(codes)):
            # an unmet code-first matters, and a met one still fixes the order to report in
            if reminder.satisfied_by and reminder.kind != "code_first":
                continue
            grouped.setdefault((reminder.code, reminder.kind), []).append(reminder)
        for (code, kind), reminders in grouped.items():
            satisfied = tuple(dict.fromkeys(c for r in reminders for c in r.satisfied_by))
            notes = "; ".join(r.note for r in reminders)
            done = f" (suggested: {', '.join(satisfied)})" if satisfied else ""
            by_code.setdefault(code, []).append(
                SuggestionWarning(
                    kind, f"{_REMINDER_LABELS[kind]}: {notes}{done}", (code, *satisfied)
                )
            )
        for bundled in ncci_conflicts(self.index, list(procedures)):
            by_code.setdefault(bundled.column2, []).append(
                SuggestionWarning(
                    "ncci", _ncci_message(bundled), (bundled.column2, bundled.column1)
                )
            )
        return by_code

    def _specificity(self, candidate: Candidate) -> list[SuggestionWarning]:
        target = candidate.target
        # a code refined from the header to the sibling the note's words name keeps the
        # header as ``via`` but is no "unspecified code" (H66.91 for "..., right ear")
        if target.via is None or target.code != self._default_of(target.system, target.via):
            return []
        detail = self._missing_detail(target.system, target.via)
        return [
            SuggestionWarning(
                "specificity",
                f"The note names {target.via} without {detail}; {target.code} is the "
                f"unspecified code. Check the note for detail that supports a more specific code.",
                (target.via,),
            )
        ]

    def _default_of(self, system: System, header_code: str) -> str | None:
        """The code a note naming only the header is given (``terms.default_descendant``)."""
        key = (system, header_code)
        if key not in self._defaults:
            header = self.index.get(header_code, system)
            default = default_descendant(self.index, header) if header is not None else None
            self._defaults[key] = default.code if default is not None else None
        return self._defaults[key]

    def _missing_detail(self, system: System, header_code: str) -> str:
        """What a header's children tell apart (laterality, stage…), named once per header."""
        key = (system, header_code)
        if key not in self._details:
            header = self.index.get(header_code, system)
            detail = "more specific documentation"
            if header is not None:
                titles = " ".join(c.title.lower() for c in self.index.children(header))
                for name, words in _MISSING_DETAIL:
                    if any(word in titles for word in words):
                        detail = name
                        break
            self._details[key] = detail
        return self._details[key]


def _covered(candidate: Candidate) -> list[SuggestionWarning]:
    """A code a more specific one takes the place of (a longer term over its words, or
    the hypertensive combination code): reported beside it only when the note documents
    it on its own."""
    if not candidate.covered_by:
        return []
    wider = sorted(candidate.covered_by)
    return [
        SuggestionWarning(
            "covered",
            f"The more specific {', '.join(wider)} covers what supports this code; report "
            f"{candidate.target.code} as well only if the note documents it separately.",
            (candidate.target.code, *wider),
        )
    ]


def _alternative(candidate: Candidate) -> list[SuggestionWarning]:
    """An unspecified code offered after the ranked ones (see ``suggest.alternatives``)."""
    if not candidate.alternative_to:
        return []
    return [
        SuggestionWarning(
            "alternative",
            f"Less specific than {candidate.alternative_to}, on the same words: report "
            f"{candidate.target.code} instead only if the note lacks the detail "
            f"{candidate.alternative_to} needs.",
            (candidate.target.code, candidate.alternative_to),
        )
    ]


def _denied(candidate: Candidate) -> list[SuggestionWarning]:
    """A code the note names only as negated, family or hypothetical (suggest.denied)."""
    if not candidate.denied:
        return []
    return [
        SuggestionWarning(
            candidate.denied, denied_warning_text(candidate), (candidate.target.code,)
        )
    ]


def _ncci_message(conflict: NcciConflict) -> str:
    """What a coder reads on the column 2 code of an NCCI edit the list holds."""
    settings = " and ".join(NCCI_SETTING_NAMES.get(s, s) for s in conflict.settings)
    reason = f"{conflict.rationale}; " if conflict.rationale else ""
    how = (
        "report both only with a modifier that the edit allows (such as 59, XE, XS, XP "
        "or XU) when the note documents a distinct service"
        if conflict.modifier_allowed
        else "a modifier does not bypass this edit"
    )
    return (
        f"NCCI: {conflict.column2} is bundled into {conflict.column1} "
        f"({reason}{settings} edit); {how}."
    )
