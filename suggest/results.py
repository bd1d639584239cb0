"""What a suggestion run returns, as plain dataclasses with a stable JSON form (the CLI's
``--json`` and the API's response bodies share it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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

    # specificity | covered | alternative | excludes1 | code_first | use_additional |
    # code_also | ncci
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


@dataclass
class SuggestionResult:
    """Everything one note produced."""

    suggestions: list[Suggestion]
    mentions: list[Mention]
    setting: Setting
    model_version: str
    index_version: str
    code_set_versions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: ``{"suggestions": [...], "mentions": [...], ...}``."""
        return asdict(self)
