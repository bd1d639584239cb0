"""What a suggestion run returns, as plain dataclasses with a stable JSON form (the CLI's
``--json`` and the API's response bodies share it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from code_index.revenue.drg import DrgGrouping
from code_index.revenue.hcc import HccCapture
from suggest.setting import Setting


@dataclass(frozen=True, slots=True)
class Evidence:
    """Words of the note supporting a suggestion; ``text == note[start:end]``."""

    start: int
    end: int
    text: str
    section: str | None


@dataclass(frozen=True, slots=True)
class SuggestionWarning:
    """Something the coder should check before accepting, e.g. missing specificity."""

    # specificity | covered | alternative | integral | aftercare | unspecified | contradicted |
    # bite | history | side | symptom | finding | not_addressed | one_per_encounter | hierarchy |
    # degree | excludes1 | not_significant |
    # code_first | use_additional | code_also | ncci | mce_age | mce_sex | mce_manifestation |
    # mce_unacceptable_principal | mce_external_cause_principal | mce_questionable_admission |
    # code_date | mue | drg_query |
    # negated | family | hypothetical (a denied mention, suggest.denied)
    kind: str
    message: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A ranked code with its confidence, evidence, context and warnings."""

    system: str
    code: str
    title: str
    score: float
    evidence: tuple[Evidence, ...]
    context: dict[str, bool]
    warnings: tuple[SuggestionWarning, ...] = ()
    # CPT/HCPCS: the units the note states beside the service (suggest.units), else 1;
    # None for diagnoses and ICD-10-PCS procedures, which are not counted in units
    units: int | None = None
    units_evidence: Evidence | None = None  # the words that state them


@dataclass(frozen=True, slots=True)
class Mention:
    """A diagnosis, procedure or supply named in the note, with its context, whether
    or not it led to a suggestion (negated mentions are shown, never suggested)."""

    start: int
    end: int
    text: str
    kind: str
    section: str | None
    negated: bool
    uncertain: bool
    hypothetical: bool
    historical: bool
    family: bool
    codes: tuple[str, ...]
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueryOpportunity:
    """A more specific code the note nearly supports that would change the DRG: what to
    query the provider about, and the words the note still lacks."""

    code: str  # the suggested code
    specific_code: str
    specific_title: str
    drg: int | None  # the DRG now
    drg_with_specific: int | None
    drg_with_specific_title: str | None
    words_present: tuple[str, ...]
    words_missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CodeSetUsed:
    """Which releases a review used: the ICD-10-CM code set in force on the date of
    service (codes not valid then are flagged) and the one the suggestions came from."""

    date_of_service: str
    icd10cm_in_force: str  # the fiscal year of the date of service, e.g. "FY2025"
    index_icd10cm: str  # the index's release, e.g. "FY2026 (April 1, 2026)"
    grouper: str | None = None  # e.g. "MS-DRG v43.1", when a DRG was grouped
    # what the codes' validity on the date was checked against: the release of that fiscal
    # year the index holds, or the Medicare Code Editor's code master when it holds none;
    # empty when no date of service was given (no check)
    checked_against: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Revenue:
    """Everything the review found for one code list."""

    code_set: CodeSetUsed
    assumed: dict[str, str]  # what was assumed for values the request left out
    principal: str | None = None
    drg: DrgGrouping | None = None
    hcc: HccCapture | None = None
    query_opportunities: tuple[QueryOpportunity, ...] = ()
    # units over an MUE and code-level edits, by code (also on each suggestion's warnings)
    warnings: dict[str, list[SuggestionWarning]] = field(default_factory=dict)


@dataclass
class SuggestionResult:
    """Everything one note produced."""

    suggestions: list[Suggestion]  # ranked, at or above the suggester's floor
    mentions: list[Mention]
    setting: Setting
    model_version: str
    index_version: str
    code_set_versions: dict[str, str] = field(default_factory=dict)
    revenue: Revenue | None = None  # DRG, HCCs and edits (suggest.revenue)
    # below the floor: shown apart (collapsed), never as ranked suggestions
    possible: list[Suggestion] = field(default_factory=list)
    # codes the note names that a coding rule says are not reported here (a symptom
    # integral to a documented diagnosis, a finding beside the assessment's diagnosis),
    # each with a warning that says why: never ranked
    not_coded: list[Suggestion] = field(default_factory=list)

    def ranking(self) -> list[Suggestion]:
        """Every code in the order it was ranked: the suggestions, then the possible
        ones (what ranking metrics read; the floor only decides what is shown where)."""
        return [*self.suggestions, *self.possible]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: ``{"suggestions": [...], "mentions": [...], ...}``."""
        return asdict(self)
