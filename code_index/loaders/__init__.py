"""Readers for the code-set files codesuggest understands, one module per
source format. Each returns plain records; ``code_index.build`` merges them."""

from __future__ import annotations

from dataclasses import dataclass, field

from code_index.records import CodeRecord, CodeSetVersion


class SourceFileError(ValueError):
    """A code-set file that cannot be read; the message names the file and why."""


@dataclass
class LoadedCodeSet:
    """What one source file contributes to the index."""

    version: CodeSetVersion
    records: list[CodeRecord]
    # chapter/block ids -> titles, e.g. {"4": "Endocrine, ...", "E08-E13": "Diabetes mellitus"}
    groups: dict[str, str] = field(default_factory=dict)
    # modifiers kept apart from codes, e.g. {"LT": "Left side ..."}
    modifiers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexTerm:
    """One Alphabetic Index entry: the words a coder looks up and the code they lead to,
    e.g. ``IndexTerm("Pneumonia, aspiration", "J69.0")``."""

    term: str
    code: str
