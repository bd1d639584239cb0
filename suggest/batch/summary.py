"""What a batch run reports when it ends, whichever engine ran it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa


@dataclass
class Tally:
    """Counts a coded chunk adds to the run: notes by outcome and suggestions written."""

    outcomes: Counter[str] = field(default_factory=Counter)  # "ok" or the error's name
    suggestions: int = 0

    @classmethod
    def of(cls, status: pa.Table) -> Tally:
        errors = status.column("error").to_pylist()
        counts = status.column("suggestions").to_pylist()
        return cls(Counter(error or "ok" for error in errors), sum(counts))

    def add(self, other: Tally) -> None:
        self.outcomes.update(other.outcomes)
        self.suggestions += other.suggestions

    @property
    def notes(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class BatchSummary:
    """One run: what it coded, what it skipped and why, and how fast."""

    engine: str
    output: Path
    model_version: str
    index_version: str
    coded: Tally
    already_done: int  # skipped: written by an earlier run for the same versions
    duplicates: int  # skipped: an id seen earlier in the input
    unusable: Counter[str]  # input rows that are not notes (no id, not JSON), by reason
    seconds: float

    @property
    def notes_per_second(self) -> float:
        return self.coded.notes / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["output"] = str(self.output)
        data["coded"] = {
            "notes": self.coded.notes,
            "ok": self.coded.outcomes.get("ok", 0),
            "errors": {k: v for k, v in sorted(self.coded.outcomes.items()) if k != "ok"},
            "suggestions": self.coded.suggestions,
        }
        data["unusable"] = dict(self.unusable)
        data["notes_per_second"] = round(self.notes_per_second, 2)
        data["seconds"] = round(self.seconds, 2)
        return data
